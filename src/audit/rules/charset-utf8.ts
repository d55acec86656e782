import { attr } from '../references.ts';
import type { AuditElement, AuditRule } from '../types.ts';

/** Labels browsers read as UTF-8 (WHATWG Encoding). */
const UTF8 = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'x-unicode20utf8']);

function declaredCharset(el: AuditElement): string | undefined {
  if (el.name !== 'meta') return undefined;
  const charset = attr(el, 'charset');
  if (charset !== undefined) return charset.trim().toLowerCase();
  if ((attr(el, 'http-equiv') ?? '').trim().toLowerCase() !== 'content-type') return undefined;
  const m = /charset\s*=\s*["']?([^"';\s]+)/i.exec(attr(el, 'content') ?? '');
  return m ? m[1]!.toLowerCase() : undefined;
}

/**
 * Every file is UTF-8 and says so: a page in another encoding (UTF-7, a legacy code page, a
 * browser's guess from file://) is read by the browser as other characters than the audit read.
 */
export const charsetUtf8: AuditRule = {
  name: 'charset-utf8',
  description:
    'Every audited file is valid UTF-8; every page starts its <head> with <meta charset="utf-8"> and declares no other encoding; XML declarations say UTF-8.',
  check(doc, ctx) {
    if (doc.encoding?.invalidUtf8) ctx.report({ message: 'not valid UTF-8 (or a UTF-16 byte order mark): browsers would read other characters than the audit did' });
    const xml = doc.encoding?.xmlDeclared;
    if (xml !== undefined && !UTF8.has(xml.trim().toLowerCase())) ctx.report({ line: 1, message: `the XML declaration says encoding="${xml}": write UTF-8` });
    for (const el of doc.elements) {
      const cs = declaredCharset(el);
      if (cs !== undefined && !UTF8.has(cs)) ctx.report({ line: el.line, message: `<meta> declares the encoding "${cs}": pages must be UTF-8` });
    }
    if (doc.kind !== 'page') return;
    const head = doc.elements.find((el) => el.name === 'head' && el.namespace === 'html');
    const first = head ? doc.elements[doc.elements.indexOf(head) + 1] : undefined;
    if (!first || !first.inHead || declaredCharset(first) === undefined || !UTF8.has(declaredCharset(first)!)) {
      ctx.report({ line: first?.line, message: '<head> does not start with <meta charset="utf-8">: from file:// a browser may guess another encoding' });
    }
  },
};
