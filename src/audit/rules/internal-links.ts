import { processingInstructionHref } from '../references.ts';
import { classifyUrl, resolveRelative } from '../url.ts';
import type { AuditRule, RuleContext } from '../types.ts';

function checkRelative(url: string, base: string, where: string, line: number | undefined, ctx: RuleContext): void {
  const r = resolveRelative(base, url);
  if (!r.ok) {
    ctx.report({
      line,
      message: r.reason === 'outside' ? `${where} "${url}" climbs out of the bundle` : `${where} "${url}" has broken percent-encoding`,
    });
    return;
  }
  if (r.target === null) return; // "?query" alone: the same document
  if (r.target.endsWith('/')) {
    ctx.report({ line, message: `${where} "${url}" points at a folder: link the file (…/index.html), which also works from file://` });
  } else if (ctx.bundle.files.has(r.target)) {
    return;
  } else if (ctx.bundle.folders.has(r.target)) {
    ctx.report({ line, message: `${where} "${url}" points at the folder ${r.target}: link ${r.target}/index.html` });
  } else {
    ctx.report({ line, message: `${where} "${url}" points at ${r.target}, which is not in the bundle` });
  }
}

/**
 * Internal references are relative and name a file that exists in the bundle, so the same bytes
 * work from file://, a host's root, a sub-path and an IPFS path gateway.
 */
export const internalLinks: AuditRule = {
  name: 'internal-links',
  description:
    'Every internal link and load is relative (no "/…" paths, no "//host") and resolves to a file inside the bundle (not a folder, not outside).',
  check(doc, ctx) {
    for (const ref of doc.references) {
      if (ref.use === 'other') continue;
      const { form } = classifyUrl(ref.url);
      if (form === 'absolute-path') {
        ctx.report({ line: ref.line, message: `${ref.where} "${ref.url}" starts at the host's root, which breaks on a sub-path, an IPFS gateway and file://: make it relative` });
      } else if (form === 'network-path' && ref.use === 'navigation') {
        ctx.report({ line: ref.line, message: `${ref.where} "${ref.url}" has no scheme ("//host"), which breaks from file://: write https://` });
      } else if (form === 'relative' && ref.base !== null) {
        checkRelative(ref.url, ref.base, ref.where, ref.line, ctx);
      }
    }
    for (const pi of doc.processingInstructions) {
      const href = processingInstructionHref(pi);
      if (href === undefined) continue;
      const { form } = classifyUrl(href);
      const base = doc.file.includes('/') ? doc.file.slice(0, doc.file.lastIndexOf('/')) : '';
      if (form === 'absolute-path') ctx.report({ line: pi.line, message: `<?xml-stylesheet?> "${href}" starts at the host's root: make it relative` });
      else if (form === 'relative') checkRelative(href, base, '<?xml-stylesheet?>', pi.line, ctx);
    }
  },
};
