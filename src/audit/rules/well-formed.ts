import type { AuditRule } from '../types.ts';

/** Feeds, SVG and JSON must parse strictly: readers recover from broken files each in their own way. */
export const wellFormed: AuditRule = {
  name: 'well-formed',
  description: 'Every XML file (feeds, SVG) is well-formed and every JSON file parses.',
  check(doc, ctx) {
    for (const e of doc.syntaxErrors) ctx.report({ line: e.line, message: e.message });
  },
};
