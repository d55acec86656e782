import type { AuditRule } from '../types.ts';

/** No on* attributes anywhere: they are script, whatever the element or namespace. */
export const noEventHandlers: AuditRule = {
  name: 'no-event-handlers',
  description: 'No event-handler attributes (onload, onerror, onclick …) on any element in any namespace.',
  check(doc, ctx) {
    for (const el of doc.elements) {
      for (const a of el.attrs) {
        if (a.local.startsWith('on')) ctx.report({ line: a.line ?? el.line, message: `<${el.name} ${a.name}>: event-handler attributes are script` });
      }
    }
  },
};
