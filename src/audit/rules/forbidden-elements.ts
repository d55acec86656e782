import type { AuditRule } from '../types.ts';

/**
 * Elements that embed other documents or plugins, send data, change every relative URL, or
 * show different markup depending on browser settings.
 */
const FORBIDDEN = new Map<string, string>([
  ['iframe', 'embeds another document'],
  ['frame', 'embeds another document'],
  ['frameset', 'embeds other documents'],
  ['portal', 'embeds another document'],
  ['fencedframe', 'embeds another document'],
  ['object', 'embeds a plugin or document'],
  ['embed', 'embeds a plugin'],
  ['applet', 'embeds a Java applet'],
  ['param', 'configures a plugin'],
  ['form', 'sends what the reader types somewhere'],
  ['isindex', 'sends what the reader types somewhere'],
  ['base', 'changes where every relative link points'],
  ['noscript', 'is read differently with and without JavaScript'],
  ['noembed', 'is read differently by different browsers'],
  ['noframes', 'is read differently by different browsers'],
]);

export const forbiddenElements: AuditRule = {
  name: 'forbidden-elements',
  description: 'No iframe, frame, object, embed, applet, form, base, noscript (and their relatives), in HTML, SVG or MathML.',
  check(doc, ctx) {
    for (const el of doc.elements) {
      if (doc.kind === 'xml' && el.namespace === 'other') continue; // feed vocabulary, not markup
      const why = FORBIDDEN.get(el.name);
      if (why) ctx.report({ line: el.line, message: `a <${el.name}> element ${why}` });
    }
  },
};
