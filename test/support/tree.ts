import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { buildSite, type BuildOptions } from '../../src/build/index.ts';

/** Every regular file of a folder with its sha256, by "/" path in sorted order: two builds compare equal when their bytes are. */
export async function fileTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const abs = path.join(e.parentPath, e.name);
    out[path.relative(dir, abs).split(path.sep).join('/')] = createHash('sha256').update(await readFile(abs)).digest('hex');
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The file tree of a first build (no cache at all) of these options, made in a fresh folder under workDir and removed after. */
export async function firstBuildTree(workDir: string, options: Omit<BuildOptions, 'outDir' | 'cacheDir'>): Promise<Record<string, string>> {
  const fresh = path.join(workDir, `cold-${Date.now()}`);
  await buildSite({ ...options, outDir: fresh, cacheDir: false });
  const t = await fileTree(fresh);
  await rm(fresh, { recursive: true, force: true });
  return t;
}
