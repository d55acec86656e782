// Minimal manifest writer so the build can call it from day one; the pack/verify work
// replaces the internals (signing, verification) behind the same functions.
import { createHash } from 'node:crypto';
import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { VERSION } from '../version.ts';
import { sha256File } from './hash.ts';
import { MANIFEST_FILE, MANIFEST_FORMAT, SIGNATURE_FILE, type Manifest, type ManifestFile } from './types.ts';

export * from './types.ts';

export interface WriteManifestOptions {
  /** Site settings `name`. */
  site: string;
  /** Newest article date in the bundle, ISO 8601 UTC. */
  publicationDate: string;
  signal?: AbortSignal;
}

/** Every regular file under dir, relative "/" paths, sorted by code unit. */
export async function listBundleFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
  return files.filter((f) => f !== MANIFEST_FILE && f !== SIGNATURE_FILE).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Hashes every file of the bundle and writes mirror-manifest.json at its root. */
export async function writeManifest(dir: string, options: WriteManifestOptions): Promise<Manifest> {
  const files: ManifestFile[] = [];
  for (const rel of await listBundleFiles(dir)) {
    const abs = path.join(dir, rel);
    files.push({ path: rel, size: (await stat(abs)).size, sha256: await sha256File(abs, options.signal) });
  }
  const listHash = createHash('sha256');
  for (const f of files) listHash.update(`${f.sha256}  ${f.path}\n`);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    samizdat: VERSION,
    site: options.site,
    publication: {
      id: `${options.publicationDate.slice(0, 10)}-${listHash.digest('hex').slice(0, 12)}`,
      date: options.publicationDate,
    },
    files,
  };
  await writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 1) + '\n');
  return manifest;
}
