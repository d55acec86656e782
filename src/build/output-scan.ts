/**
 * What is in an output folder: every regular file with its identity (size, modification time,
 * inode), and anything else (links, sockets). A rebuild compares it with what the last build
 * left (outputs.ts). A 10,000-article bundle is some 12,000 folders and files: listing and
 * stat-ing them takes a few tenths of a second, so a rebuild does it on a thread of its own
 * (./prescan.ts) while it loads and reads the articles, and picks the answer up when it needs it.
 */
import { readdirSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';

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
