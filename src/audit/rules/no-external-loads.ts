import { processingInstructionHref } from '../references.ts';
import { classifyUrl, dangerousScheme } from '../url.ts';
import type { AuditRule } from '../types.ts';

/**
 * Nothing a browser fetches on its own may come from outside the bundle: a request to a third
 * party can expose the reader. (Host-absolute "/x" paths are the internal-links rule's.)
 */
export const noExternalLoads: AuditRule = {
  name: 'no-external-loads',
  description:
    'No reference the browser loads by itself (src, srcset, poster, data, <link> href, CSS url() and @import, SVG href, ping, xml-stylesheet) points outside the bundle.',
  check(doc, ctx) {
    for (const ref of doc.references) {
      if (ref.use !== 'load' || dangerousScheme(ref.url)) continue; // dangerous schemes have their own rule
      const { form, scheme } = classifyUrl(ref.url);
      if (form === 'scheme') ctx.report({ line: ref.line, message: `${ref.where} loads ${scheme}: "${ref.url}" from outside the bundle` });
      else if (form === 'network-path') ctx.report({ line: ref.line, message: `${ref.where} loads "${ref.url}" from another host` });
    }
    // An external DTD is fetched by validating XML readers, and its entities change the text.
    if (doc.doctype && /\b(SYSTEM|PUBLIC)\b/.test(doc.doctype.text)) {
      ctx.report({ line: doc.doctype.line, message: `<!DOCTYPE ${doc.doctype.text.trim().slice(0, 60)}> names an external DTD: leave the DOCTYPE out` });
    }
    for (const pi of doc.processingInstructions) {
      const href = processingInstructionHref(pi);
      if (href === undefined) continue;
      const { form } = classifyUrl(href);
      if (form === 'scheme' || form === 'network-path') ctx.report({ line: pi.line, message: `<?xml-stylesheet?> loads "${href}" from outside the bundle` });
    }
  },
};
