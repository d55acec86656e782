/**
 * What is in an output folder: every regular file with its identity (size, modification time,
 * inode), and anything else (links, sockets). A rebuild compares it with what the last build
 * left (outputs.ts). A 10,000-article bundle is some 12,000 folders and files: listing and
 * stat-ing them takes a few tenths of a second, so a rebuild starts it on a thread of its own
 * while it reads the articles, and picks the answer up when it needs it.
 */
import { existsSync, readdirSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { startWorker } from '../workers.ts';

export interface OutputScan {
  /** Bundle path → size:mtime:inode. */
  files: Map<string, string>;
  others: string[];
}

export function identity(st: Pick<Stats, 'size' | 'mtimeMs' | 'ino'>): string {
  return `${st.size}:${st.mtimeMs}:${st.ino}`;
}

/** Scans dir in this thread; undefined when it cannot be listed. */
export function scanOutputs(dir: string): OutputScan | undefined {
  let entries;
  try {
    entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch {
    return undefined;
  }
  const files = new Map<string, string>();
  const others: string[] = [];
  // Paths by slicing, not path.relative: a rebuild scans every file of a 10,000-article bundle.
  const root = path.resolve(dir);
  for (const e of entries) {
    if (e.isDirectory()) continue;
    const abs = e.parentPath + path.sep + e.name;
    const fromRoot = abs.startsWith(root + path.sep) ? abs.slice(root.length + 1) : path.relative(root, abs);
    const rel = path.sep === '/' ? fromRoot : fromRoot.split(path.sep).join('/');
    if (!e.isFile()) others.push(rel);
    else {
      // Gone since the listing: not there, so not carried over.
      const st = statSync(abs, { throwIfNoEntry: false });
      if (st) files.set(rel, identity(st));
    }
  }
  return { files, others };
}

/** Below this many files, starting a thread costs more than the scan. */
export const SCAN_THREAD_FROM = 2000;

/** How scans on a thread ended (for tests): answered by the thread, or done here instead. */
export const scanThreadStats = { onThread: 0, here: 0 };

const prestarted = new Map<string, Promise<OutputScan | undefined>>();

/**
 * Starts scanning dir on a thread now, for a build about to begin: the CLI calls it before it
 * loads the build's modules (a quarter of a second), so that the scan of a big bundle is done
 * when the build asks for it. The build's scan of dir (takePrestartedScan) is then this one.
 */
export function prestartOutputScan(dir: string): void {
  const key = path.resolve(dir);
  // No folder yet (a first build): nothing to scan.
  if (prestarted.has(key) || !existsSync(key)) return;
  const scan = startScanThread(key);
  scan.catch(() => {});
  prestarted.set(key, scan);
}

/** The scan prestartOutputScan started for dir, once; undefined if none was. */
export function takePrestartedScan(dir: string): Promise<OutputScan | undefined> | undefined {
  const key = path.resolve(dir);
  const scan = prestarted.get(key);
  prestarted.delete(key);
  return scan;
}

/**
 * Scans dir on a worker thread (./output-scan-worker.ts) while the caller goes on, or takes the
 * scan prestartOutputScan started. A thread that fails to start or dies is only a lost head
 * start: the scan is then done here.
 */
export function scanOutputsOnThread(dir: string): Promise<OutputScan | undefined> {
  return takePrestartedScan(dir) ?? startScanThread(dir);
}

function startScanThread(dir: string): Promise<OutputScan | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const here = () => {
      if (settled) return;
      settled = true;
      scanThreadStats.here++;
      try {
        resolve(scanOutputs(dir));
      } catch {
        resolve(undefined); // nothing known of outDir: the whole bundle is written again
      }
    };
    let worker;
    try {
      worker = startWorker(new URL('./output-scan-worker.ts', import.meta.url), { dir });
    } catch {
      here();
      return;
    }
    worker.once('message', (scan: OutputScan | null) => {
      if (settled) return;
      settled = true;
      scanThreadStats.onThread++;
      resolve(scan ?? undefined);
    });
    worker.once('error', here);
    worker.once('exit', here);
  });
}
