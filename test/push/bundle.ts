/** Hand-made bundles for the push tests: files plus a manifest written by the real writer. */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeManifest, type Manifest } from '../../src/manifest/index.ts';

export const BASE_FILES: Record<string, string> = {
  'style.css': 'body { font-family: system-ui }\n',
  'media/photo.jpg': 'JPEG'.repeat(500),
  'articles/first/index.html': '<!doctype html><title>First</title><a href="../../style.css">x</a>',
  'articles/second/index.html': '<!doctype html><title>Second</title>',
  'index.html': '<!doctype html><a href="articles/first/index.html">First</a><a href="articles/second/index.html">Second</a>',
  'tags/news/index.html': '<!doctype html><a href="../../articles/first/index.html">First</a>',
  'feed.xml': '<?xml version="1.0"?><feed/>',
  'mirrors.json': '{"mirrors":[]}',
  '404.html': '<!doctype html><title>Not found</title>',
};

/** Replaces the bundle in `dir` with `files` and writes its manifest (and a signature file if asked). */
export async function writeBundle(
  dir: string,
  files: Record<string, string | Buffer>,
  options: { date?: string; signature?: string } = {},
): Promise<Manifest> {
  await rm(dir, { recursive: true, force: true });
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
  }
  const manifest = await writeManifest(dir, { site: 'test', publicationDate: options.date ?? '2026-06-02T10:00:00Z' });
  if (options.signature !== undefined) await writeFile(path.join(dir, 'mirror-manifest.json.sig'), options.signature);
  return manifest;
}
