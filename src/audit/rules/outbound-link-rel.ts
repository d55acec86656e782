import { attr } from '../references.ts';
import { classifyUrl, dangerousScheme } from '../url.ts';
import type { AuditRule } from '../types.ts';

/** Links that leave the bundle neither give the other site a handle on this tab nor tell it where the reader came from. */
export const outboundLinkRel: AuditRule = {
  name: 'outbound-link-rel',
  description: 'Every outbound <a>/<area> (http, https or any other scheme) has rel containing noopener and noreferrer.',
  check(doc, ctx) {
    for (const el of doc.elements) {
      if ((el.name !== 'a' && el.name !== 'area') || (el.namespace !== 'html' && el.namespace !== 'svg')) continue;
      for (const a of el.attrs) {
        if (a.local !== 'href' || dangerousScheme(a.value)) continue;
        const { form } = classifyUrl(a.value);
        if (form !== 'scheme' && form !== 'network-path') continue;
        const rel = new Set((attr(el, 'rel') ?? '').toLowerCase().split(/[\t\n\f\r ]+/));
        const missing = ['noopener', 'noreferrer'].filter((r) => !rel.has(r));
        if (missing.length) ctx.report({ line: a.line ?? el.line, message: `outbound link "${a.value}" lacks rel="${missing.join(' ')}"` });
      }
    }
  },
};
