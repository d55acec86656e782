import type { AuditRule } from '../types.ts';

/** Elements that run code: HTML and SVG <script>, SVG Tiny's <handler>. */
const SCRIPT_ELEMENTS = new Set(['script', 'handler']);

/** No script of any kind: elements in any namespace, CSS expression() and bindings, XSLT. */
export const noScript: AuditRule = {
  name: 'no-script',
  description: 'No <script> in any case or namespace (HTML, SVG, XML), no CSS expression() or behaviour bindings, no XSLT.',
  check(doc, ctx) {
    for (const el of doc.elements) {
      if (SCRIPT_ELEMENTS.has(el.name)) {
        ctx.report({ line: el.line, message: `a <${el.name}> element${el.namespace === 'html' ? '' : ` (${el.namespace} namespace)`}: pages must carry no code` });
      }
    }
    for (const c of doc.css) {
      if (c.kind === 'expression') ctx.report({ line: c.line, message: 'CSS expression() runs script in old browsers' });
      if (c.kind === 'binding') ctx.report({ line: c.line, message: 'CSS -moz-binding/behavior attaches script' });
    }
    for (const pi of doc.processingInstructions) {
      if (pi.target.toLowerCase() === 'xml-stylesheet' && /xsl/i.test(pi.data)) {
        ctx.report({ line: pi.line, message: 'an XSLT stylesheet (<?xml-stylesheet type="text/xsl"?>) turns the XML into a page the audit never sees' });
      }
    }
  },
};
