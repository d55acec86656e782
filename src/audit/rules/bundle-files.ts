import path from 'node:path';
import type { AuditRule } from '../types.ts';

/**
 * Files that run code or that the audit cannot read, by extension. Pages are .html (read by the
 * audit); XHTML, compressed SVG and web archives would be rendered by browsers unaudited.
 */
const REFUSED = new Map<string, string>([
  ...['.js', '.mjs', '.cjs', '.jsx', '.ts', '.wasm', '.vbs', '.hta', '.htc', '.xbl', '.swf', '.jar', '.class', '.xap'].map(
    (ext) => [ext, 'is code a browser or plugin can run'] as [string, string],
  ),
  ...['.xhtml', '.xht', '.shtml', '.mht', '.mhtml', '.svgz', '.xsl', '.xslt'].map(
    (ext) => [ext, 'is a document browsers render that the audit does not read as a page'] as [string, string],
  ),
]);

export const bundleFiles: AuditRule = {
  name: 'bundle-files',
  description:
    'The bundle holds only regular files, none of them code (.js, .wasm, .swf …) or documents browsers render unaudited (.xhtml, .svgz, .mhtml, XSLT); no symbolic links.',
  check(doc, ctx) {
    if (doc.kind !== 'file') return;
    if (doc.entry === 'symlink') ctx.report({ message: 'a symbolic link: copy the file into the bundle instead (links can point outside it, and hosts treat them differently)' });
    else if (doc.entry === 'other') ctx.report({ message: 'neither a file nor a folder (a socket, FIFO or device)' });
    const why = REFUSED.get(path.posix.extname(doc.file).toLowerCase());
    if (why) ctx.report({ message: `${path.posix.basename(doc.file)} ${why}` });
  },
};
