// The installed versions of the parsers the audit depends on (its cache keys and the self checks
// of its parser shortcuts name them).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT, packageVersion } from '../paths.ts';

/**
 * packageVersion(pkg), read first straight from the package's own folder under the project's
 * node_modules (where require.resolve finds it too): resolving takes milliseconds at every start.
 */
export function installedVersion(pkg: string): string | undefined {
  try {
    const data = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
    if (data.name === pkg && typeof data.version === 'string') return data.version;
  } catch {
    // not there: resolved below
  }
  return packageVersion(pkg);
}
