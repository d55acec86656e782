import { attr } from '../references.ts';
import type { AuditRule } from '../types.ts';

/** The http-equiv values a page may carry; everything else (refresh, set-cookie, link …) acts. */
const ALLOWED = new Set(['content-security-policy', 'content-type', 'content-language', 'onion-location']);

export const metaHttpEquiv: AuditRule = {
  name: 'meta-http-equiv',
  description: `<meta http-equiv> only for ${[...ALLOWED].join(', ')}: no refresh (navigation), no set-cookie, link, default-style or others.`,
  check(doc, ctx) {
    for (const el of doc.elements) {
      if (el.name !== 'meta') continue;
      const raw = attr(el, 'http-equiv');
      if (raw === undefined) continue;
      const equiv = raw.trim().toLowerCase();
      if (equiv === 'refresh') ctx.report({ line: el.line, message: '<meta http-equiv="refresh"> sends the reader elsewhere' });
      else if (!ALLOWED.has(equiv)) ctx.report({ line: el.line, message: `<meta http-equiv="${raw}"> is not allowed (only ${[...ALLOWED].join(', ')})` });
    }
  },
};
