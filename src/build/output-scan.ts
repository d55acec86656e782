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
  const files = new Map<string, string>();
  const others: string[] = [];
  const options = { throwIfNoEntry: false } as const;
  // Folder by folder, each path made once per folder: a recursive readdir gives every entry its
  // folder's absolute path and takes about a seventh longer on a 10,000-article bundle, whose
  // scan a rebuild waits for. Symbolic links are not followed (a Dirent says what the link is).
  const walk = (abs: string, rel: string) => {
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      const name = e.name;
      if (e.isDirectory()) walk(abs + path.sep + name, `${rel}${name}/`);
      else if (!e.isFile()) others.push(rel + name);
      else {
        // Gone since the listing: not there, so not carried over.
        const st = statSync(abs + path.sep + name, options);
        if (st) files.set(rel + name, identity(st));
      }
    }
  };
  try {
    walk(path.resolve(dir), '');
  } catch {
    return undefined;
  }
  return { files, others };
}

/** Below this many files, starting a thread costs more than the scan. */
export const SCAN_THREAD_FROM = 2000;
