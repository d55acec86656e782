import { dangerousScheme } from '../url.ts';
import type { AuditRule } from '../types.ts';

/** No javascript:, vbscript: or data: URL anywhere a URL goes, however it is spelled. */
export const noDangerousUrls: AuditRule = {
  name: 'no-dangerous-urls',
  description:
    'No javascript:, vbscript: or data: URLs in any URL attribute, CSS url() or feed link, whatever the case, entities, whitespace, control characters or percent-encoding.',
  check(doc, ctx) {
    for (const ref of doc.references) {
      const scheme = dangerousScheme(ref.url);
      if (scheme) ctx.report({ line: ref.line, message: `${ref.where} is a ${scheme}: URL` });
    }
  },
};
