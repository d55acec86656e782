/**
 * Finding the article files of a content folder, and stat-ing them. A rebuild of a big archive
 * does this on a thread while the build's modules load (src/build/prescan.ts), so this module
 * imports nothing heavy.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';

const ARTICLE_FILE = /\.(?:md|markdown)$/i;

/** Every Markdown file under dir (hidden folders, node_modules and _-prefixed folders skipped), sorted. */
export function listArticleFilesSync(dir: string): string[] {
  const files: string[] = [];
  // Folder by folder, never into a skipped one (a .git or node_modules folder can hold more
  // files than the archive), with each path made once per folder: about half the time of one
  // recursive readdir, which lists everything and gives each entry its folder's absolute path.
  // Synchronous on purpose: Node 20's asynchronous readdir is a thread-pool round trip per folder.
  // Symbolic links are not followed (a Dirent says what the link itself is), as before.
  const walk = (abs: string, rel: string) => {
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      const name = e.name;
      if (skipped(name)) continue;
      if (e.isDirectory()) walk(path.join(abs, name), `${rel}${name}/`);
      else if (e.isFile() && ARTICLE_FILE.test(name)) files.push(rel + name);
    }
  };
  try {
    walk(dir, '');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new InputError('CONTENT_NOT_FOUND', `the content folder ${dir} does not exist`, {
        hint: 'Run samizdat from the project folder, or name the folder with --content DIR.',
        cause: err,
      });
    }
    throw err;
  }
  // The default order is compareCodeUnits' (UTF-16 code units), without a call into JavaScript
  // for each of the ~130,000 comparisons of 10,000 names.
  return files.sort();
}

/** Hidden, _-prefixed and node_modules names are never content. */
function skipped(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_') || name === 'node_modules';
}

export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Same file, not edited: [size, mtimeMs, ctimeMs - mtimeMs, ino] (the difference is usually
 * 0: a shorter cache file). Compared only with stamps made by this same function.
 */
export type Stamp = [number, number, number, number];

export function stampOf(st: { size: number; mtimeMs: number; ctimeMs: number; ino: number }): Stamp {
  return [st.size, st.mtimeMs, st.ctimeMs - st.mtimeMs, st.ino];
}

/** The article files of a folder and their stamps, taken before any of them is read. */
export interface ContentScan {
  files: string[];
  /** Four numbers per file (its Stamp); NaN for a file gone since the listing. */
  stamps: Float64Array;
}

/** Lists and stats the article files of dir (InputError CONTENT_NOT_FOUND when it is not there). */
export function scanContent(dir: string): ContentScan {
  const files = listArticleFilesSync(dir);
  const stamps = new Float64Array(files.length * 4);
  // Synchronous stats: 10,000 of them take a fraction of what 10,000 promises through the thread
  // pool do. path.join(dir, rel) for every file, without normalizing 10,000 times.
  const prefix = path.join(dir, '_').slice(0, -1);
  const options = { throwIfNoEntry: false } as const;
  for (let i = 0; i < files.length; i++) {
    const rel = files[i]!;
    const st = statSync(prefix + (path.sep === '/' ? rel : rel.split('/').join(path.sep)), options);
    // As stampOf, written in place (no array per file); a file gone keeps NaN.
    if (st) {
      stamps[i * 4] = st.size;
      stamps[i * 4 + 1] = st.mtimeMs;
      stamps[i * 4 + 2] = st.ctimeMs - st.mtimeMs;
      stamps[i * 4 + 3] = st.ino;
    } else stamps.fill(NaN, i * 4, i * 4 + 4);
  }
  return { files, stamps };
}

/** The stamp of the scan's i-th file; undefined when it was gone. */
export function stampAt(scan: ContentScan, i: number): Stamp | undefined {
  const s = scan.stamps;
  const size = s[i * 4]!;
  return Number.isNaN(size) ? undefined : [size, s[i * 4 + 1]!, s[i * 4 + 2]!, s[i * 4 + 3]!];
}
