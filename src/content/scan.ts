/**
 * What is in a content folder: every article file, and the stat stamp of each (what the content
 * cache compares). A rebuild of a big archive starts this scan on a thread of its own at the
 * build's start, so that listing and stat-ing 10,000 files (a tenth of a second) runs beside
 * the main thread's reading of its state, not after it (scanContentOnThread). This module stays
 * light: the thread loads nothing else.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Same file, not edited: [size, mtimeMs, ctimeMs - mtimeMs, ino] (the difference is usually
 * 0: a shorter cache file). Compared only with stamps made by this same function.
 */
export type Stamp = [number, number, number, number];

export function stampOf(st: { size: number; mtimeMs: number; ctimeMs: number; ino: number }): Stamp {
  return [st.size, st.mtimeMs, st.ctimeMs - st.mtimeMs, st.ino];
}

const ARTICLE_FILE = /\.(?:md|markdown)$/i;

/**
 * Every Markdown file under dir (hidden folders, node_modules and _-prefixed folders skipped),
 * sorted by code units. Throws what readdir throws.
 */
export function listArticleFilesSync(dir: string): string[] {
  // Synchronous on purpose: Node 20's asynchronous recursive readdir takes a thread-pool round
  // trip per folder, which is seconds for an archive kept as a folder per article.
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  // One path.relative per folder, not per file.
  const folders = new Map<string, string>();
  const folderOf = (parent: string) => {
    let rel = folders.get(parent);
    if (rel === undefined) {
      rel = path.relative(dir, parent).split(path.sep).join('/');
      if (rel !== '') rel += '/';
      folders.set(parent, rel);
    }
    return rel;
  };
  return entries
    .filter((e) => e.isFile() && ARTICLE_FILE.test(e.name))
    .map((e) => folderOf(e.parentPath) + e.name)
    .filter((rel) => !rel.split('/').some((seg) => seg.startsWith('.') || seg.startsWith('_') || seg === 'node_modules'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** path.join(dir, rel) for every file, without normalizing 10,000 times. */
export function sourcePathOf(dir: string): (rel: string) => string {
  const prefix = path.join(dir, '_').slice(0, -1);
  return path.sep === '/' ? (rel) => prefix + rel : (rel) => prefix + rel.split('/').join(path.sep);
}

/** A content folder's article files, each with its stamp (undefined: gone since the listing). */
export interface ContentScan {
  files: string[];
  stamps: Array<Stamp | undefined>;
}

/** Lists and stats dir in this thread. Throws what the listing throws. */
export function scanContent(dir: string): ContentScan {
  const files = listArticleFilesSync(dir);
  const sourceOf = sourcePathOf(dir);
  const stamps = files.map((rel) => {
    const st = statSync(sourceOf(rel), { throwIfNoEntry: false });
    return st && stampOf(st);
  });
  return { files, stamps };
}
