/**
 * Runs scanContent (./scan.ts) on a worker thread, for a build that has other work for the
 * main thread meanwhile. A thread that fails to start, dies or cannot list the folder gives
 * undefined: the caller then scans in its own thread, which reports any error as it would have.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { startWorker } from '../workers.ts';
import { CACHE_FILE } from './cache.ts';
import type { ContentScan } from './scan.ts';

/**
 * Whether a thread pays: only a folder with a content cache has its files stat-ed at all, and
 * starting a thread costs more than scanning a few hundred files. The cache's size tells how
 * many articles the last build had (about 300 bytes each).
 */
export function contentScanPays(cacheDir: string): boolean {
  return (statSync(path.join(cacheDir, CACHE_FILE), { throwIfNoEntry: false })?.size ?? 0) >= 300 * 1000;
}

export function scanContentOnThread(dir: string): Promise<ContentScan | undefined> {
  return new Promise((resolve) => {
    let worker;
    try {
      worker = startWorker(new URL('./scan-worker.ts', import.meta.url), { dir });
    } catch {
      resolve(undefined);
      return;
    }
    worker.once('message', (scan: ContentScan | null) => resolve(scan ?? undefined));
    worker.once('error', () => resolve(undefined));
    worker.once('exit', () => resolve(undefined));
  });
}
