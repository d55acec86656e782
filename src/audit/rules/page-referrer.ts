import { attr } from '../references.ts';
import type { AuditRule } from '../types.ts';

/** No page tells another site which page the reader came from. */
export const pageReferrer: AuditRule = {
  name: 'page-referrer',
  description: 'Every HTML page has <meta name="referrer" content="no-referrer"> (the last one wins), and no element sets another referrerpolicy.',
  check(doc, ctx) {
    for (const el of doc.elements) {
      const policy = attr(el, 'referrerpolicy');
      if (policy !== undefined && policy.trim().toLowerCase() !== 'no-referrer') {
        ctx.report({ line: el.line, message: `<${el.name} referrerpolicy="${policy}"> would send the page's address to another site` });
      }
    }
    if (doc.kind !== 'page') return;
    const metas = doc.elements.filter((el) => el.name === 'meta' && (attr(el, 'name') ?? '').trim().toLowerCase() === 'referrer');
    const last = metas[metas.length - 1];
    if (!last) ctx.report({ message: 'no <meta name="referrer" content="no-referrer">' });
    else if ((attr(last, 'content') ?? '').trim().toLowerCase() !== 'no-referrer') {
      ctx.report({ line: last.line, message: `<meta name="referrer" content="${attr(last, 'content') ?? ''}">: it must be "no-referrer"` });
    }
  },
};
