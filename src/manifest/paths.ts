// Which relative paths a bundle may contain. The manifest, zip entries and mirror URLs are all
// input from strangers: a path that could leave the bundle's folder is refused everywhere.

/**
 * Why `p` is not a safe bundle path, or undefined when it is: relative, "/"-separated, no
 * empty, "." or ".." segments, no backslashes, drive letters, control characters or NUL.
 */
export function unsafePathReason(p: string): string | undefined {
  if (p.length === 0) return 'it is empty';
  if (p.length > 1024) return 'it is longer than 1024 characters';
  if (p.startsWith('/')) return 'it is an absolute path';
  if (/^[A-Za-z]:/.test(p)) return 'it starts with a drive letter';
  if (p.includes('\\')) return 'it contains a backslash';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(p)) return 'it contains a control character';
  for (const seg of p.split('/')) {
    if (seg === '..') return 'it climbs out of the bundle with ".."';
    if (seg === '.') return 'it has a "." segment';
    if (seg === '') return 'it has an empty segment ("//" or a trailing "/")';
  }
  return undefined;
}

export function isSafeBundlePath(p: string): boolean {
  return unsafePathReason(p) === undefined;
}
