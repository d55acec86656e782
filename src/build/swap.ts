/**
 * Puts a finished build in place of the previous one. The new bundle is complete (rendered,
 * audited, manifest written) before anything happens to the old one; the old one is moved
 * aside, the new one renamed in, and only then the old one removed. Both renames stay on one
 * file system (the staging folder is a sibling of outDir), so each is atomic.
 */
import { mkdirSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * A fresh staging folder beside outDir (same file system, so rename works). Made synchronously:
 * two asynchronous mkdirs are thread-pool round trips, which wait for a core while a rebuild's
 * second core scans the output folder (5-10 ms).
 */
export async function stagingDir(outDir: string): Promise<string> {
  const parent = path.dirname(path.resolve(outDir));
  mkdirSync(parent, { recursive: true });
  const dir = path.join(parent, `.${path.basename(outDir)}.building-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir);
  return dir;
}

export async function swapIntoPlace(staging: string, outDir: string): Promise<void> {
  const target = path.resolve(outDir);
  let old: string | undefined;
  try {
    await stat(target);
    old = `${staging}.old`;
    await rename(target, old);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    await rename(staging, target);
  } catch (err) {
    if (old) await rename(old, target); // put the previous output back
    throw err;
  }
  if (old) await rm(old, { recursive: true, force: true });
}
