import { SamizdatError } from '../errors.ts';

/**
 * Checks a path handed to a MirrorHost: relative, "/"-separated, no empty, "." or ".." segments,
 * no backslash or NUL. Callers guarantee this already; adapters check again so that a bug
 * elsewhere can never write outside the mirror's root.
 */
export function assertRemotePath(host: string, remotePath: string): void {
  const bad =
    remotePath.length === 0 ||
    remotePath.startsWith('/') ||
    remotePath.includes('\\') ||
    remotePath.includes('\0') ||
    remotePath.split('/').some((segment) => segment === '' || segment === '.' || segment === '..');
  if (bad) {
    throw new SamizdatError('MIRROR_BAD_PATH', `mirror ${host}: refusing the path ${JSON.stringify(remotePath)}: it must be relative, "/"-separated, without "." or ".." segments`, {
      hint: 'This is a bug in the caller; please report it.',
      retryable: false,
    });
  }
}

/** Joins a mirror's prefix (may be empty, with or without trailing "/") and a relative path. */
export function joinRemote(prefix: string, remotePath: string): string {
  const clean = prefix.replace(/^\/+|\/+$/g, '');
  return clean ? `${clean}/${remotePath}` : remotePath;
}
