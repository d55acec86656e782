/**
 * Writes the bundle's pages straight from the page table, without starting Eleventy: for a
 * rebuild that writes a handful of files, starting Eleventy (about 0.4 s to load, plus its
 * set-up) would be most of the work. The renders are the ones Eleventy runs (templates/
 * eleventy.ts) and Eleventy writes their text unchanged, so the bytes are the same
 * (test/build/incremental.test.ts compares rebuilds written here with first builds by Eleventy).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { throwIfAborted } from '../errors.ts';
import { bundlePages, type EleventyBuildData } from './templates/eleventy.ts';
import { spliceFeed } from './feeds/splice.ts';

/** Below this many files a rebuild writes them itself; at and above, Eleventy does. */
export const DIRECT_WRITE_BELOW = 500;

export async function writePages(data: EleventyBuildData, outDir: string, signal?: AbortSignal): Promise<number> {
  const made = new Set<string>();
  let written = 0;
  for (const page of bundlePages(data)) {
    throwIfAborted(signal, 'build');
    const file = path.join(outDir, ...page.url.split('/'));
    const dir = path.dirname(file);
    // Synchronously: an asynchronous write is three thread-pool round trips (open, write, close),
    // each waiting for a core on a busy machine, for a file written in well under a millisecond.
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    const splice = data.feedSplices?.get(page.url);
    writeFileSync(file, splice ? spliceFeed(splice) : page.render());
    written++;
  }
  return written;
}
