/**
 * What the content cache's last save knew, in a few bytes beside it (<cacheDir>/content.recent):
 * the newest change time among the files it holds, and the site language they were parsed for.
 * The scan thread of a rebuild (src/build/prescan-worker.ts) reads it instead of the 3.5 MB cache
 * to guess which files the build will parse: those changed after every file the cache holds. Only
 * a guess, to start early: the content cache's lookup stays the authority, and a file the guess
 * misses is parsed by the build as always. Loaded by the scan thread: imports nothing heavy.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ContentScan, Stamp } from './scan.ts';

export const RECENT_FILE = 'content.recent';

export interface RecentMark {
  /** The site language of the parses the cache holds (ParseContext.siteLang). */
  siteLang: string;
  /** The newest change time (ctimeMs, as a stamp gives it) among the files the cache holds. */
  ctimeMs: number;
}

/** A stamp's change time: ctimeMs, computed from the stamp the same way everywhere. */
export function stampCtime(mtimeMs: number, ctimeMinusMtime: number): number {
  return mtimeMs + ctimeMinusMtime;
}

/** Writes the mark (temp file + rename); a mark that cannot be written only loses the guess. */
export async function writeRecentMark(cacheDir: string, mark: RecentMark): Promise<void> {
  const file = path.join(cacheDir, RECENT_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    // Synchronously: two thread-pool round trips fewer, for a few bytes.
    writeFileSync(tmp, JSON.stringify(mark));
    renameSync(tmp, file);
  } catch {
    // No guess next time: the build parses what it must, as without the mark.
  }
}

/** The mark of the last save, or undefined (none, damaged). */
export function readRecentMark(cacheDir: string): RecentMark | undefined {
  try {
    const mark = JSON.parse(readFileSync(path.join(cacheDir, RECENT_FILE), 'utf8')) as Partial<RecentMark>;
    if (typeof mark.siteLang !== 'string' || typeof mark.ctimeMs !== 'number' || !Number.isFinite(mark.ctimeMs)) return undefined;
    return { siteLang: mark.siteLang, ctimeMs: mark.ctimeMs };
  } catch {
    return undefined;
  }
}

/**
 * The files of the scan changed after the mark (new, edited, copied, renamed: each sets the
 * change time), with their stamps; none when there are more than `max` (a checkout or an
 * upgrade: the build parses those the way it parses many).
 */
export function changedSince(scan: ContentScan, mark: RecentMark, max: number): Array<{ file: string; stamp: Stamp }> {
  const s = scan.stamps;
  const out: Array<{ file: string; stamp: Stamp }> = [];
  for (let i = 0; i < scan.files.length; i++) {
    // A file gone since the listing has NaN stamps, and NaN > x is false.
    if (!(stampCtime(s[i * 4 + 1]!, s[i * 4 + 2]!) > mark.ctimeMs)) continue;
    if (out.length === max) return [];
    out.push({ file: scan.files[i]!, stamp: [s[i * 4]!, s[i * 4 + 1]!, s[i * 4 + 2]!, s[i * 4 + 3]!] });
  }
  return out;
}
