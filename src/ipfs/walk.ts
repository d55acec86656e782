/**
 * Reads a bundle folder into importer candidates, the way Kubo's `ipfs add -r` walks a folder:
 * entries in name order, empty folders kept, dot-files skipped (Kubo skips them unless
 * `--hidden`). Symlinks are refused: the bundle is plain files, and a symlink would make the
 * CID depend on the machine that built it.
 */
import { createReadStream } from 'node:fs';
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ImportCandidate } from 'ipfs-unixfs-importer';
import { InputError, throwIfAborted } from '../errors.ts';

/** Name of the root in importer paths; it never appears in any CID. */
export const ROOT_NAME = 'bundle';
/** Files up to this size are read whole (faster than a stream for the many small pages). */
const READ_WHOLE_LIMIT = 4 * 1024 * 1024;

export interface WalkResult {
  candidates: ImportCandidate[];
  files: number;
  bytes: number;
  /** Dot-files and dot-folders left out (relative paths), like `ipfs add -r` without --hidden. */
  skippedHidden: string[];
}

export interface WalkOptions {
  /** Include dot-files, like `ipfs add -r --hidden`. Default false. */
  hidden?: boolean;
  signal?: AbortSignal;
}

export interface ListedEntry {
  /** Path components below the bundle folder. */
  path: string[];
  abs: string;
  kind: 'dir' | 'file';
}

export interface ListResult {
  /** Walk order: a folder, then its entries in name order. */
  entries: ListedEntry[];
  files: number;
  skippedHidden: string[];
}

/**
 * Lists the bundle synchronously (one readdir per folder, no stat per file: thousands of small
 * pages make an async listing cost more than hashing them). Throws BUNDLE_MISSING when the folder
 * does not exist.
 */
export function listBundle(siteDir: string, options: WalkOptions = {}): ListResult {
  let info;
  try {
    info = lstatSync(siteDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InputError('BUNDLE_MISSING', `there is no bundle at ${siteDir}`, { file: siteDir, hint: 'Run `samizdat build` first, or pass the bundle folder with --site.', cause: err });
    }
    throw err;
  }
  if (!info.isDirectory()) throw new InputError('BUNDLE_NOT_A_FOLDER', `${siteDir} is not a folder`, { file: siteDir, hint: 'Pass the built site folder (dist/site) with --site.' });
  throwIfAborted(options.signal, 'import');
  const result: ListResult = { entries: [], files: 0, skippedHidden: [] };
  list(siteDir, [], result, options);
  return result;
}

function list(absDir: string, relDir: string[], result: ListResult, options: WalkOptions): void {
  const entries = readdirSync(absDir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const rel = [...relDir, entry.name];
    const abs = path.join(absDir, entry.name);
    if (!options.hidden && entry.name.startsWith('.')) {
      result.skippedHidden.push(rel.join('/'));
      continue;
    }
    if (entry.isSymbolicLink()) {
      throw new InputError('BUNDLE_SYMLINK', `the bundle contains a symbolic link: ${rel.join('/')}`, { file: abs, hint: 'The bundle must hold plain files only; replace the link by a copy of its target.' });
    }
    if (entry.isDirectory()) {
      result.entries.push({ path: rel, abs, kind: 'dir' });
      list(abs, rel, result, options);
    } else if (entry.isFile()) {
      result.files += 1;
      result.entries.push({ path: rel, abs, kind: 'file' });
    } else {
      throw new InputError('BUNDLE_SPECIAL_FILE', `the bundle contains something that is neither a file nor a folder: ${rel.join('/')}`, { file: abs });
    }
  }
}

/** Lists the bundle as ipfs-unixfs-importer candidates. Throws BUNDLE_MISSING when the folder does not exist. */
export async function walkBundle(siteDir: string, options: WalkOptions = {}): Promise<WalkResult> {
  const listed = listBundle(siteDir, options);
  const result: WalkResult = { candidates: [{ path: ROOT_NAME }], files: listed.files, bytes: 0, skippedHidden: listed.skippedHidden };
  for (const entry of listed.entries) {
    const p = `${ROOT_NAME}/${entry.path.join('/')}`;
    if (entry.kind === 'dir') {
      result.candidates.push({ path: p });
      continue;
    }
    const { size } = statSync(entry.abs);
    result.bytes += size;
    result.candidates.push({ path: p, content: size <= READ_WHOLE_LIMIT ? lazyWhole(entry.abs) : createReadStream(entry.abs, { highWaterMark: 262_144 }) });
  }
  return result;
}

/** Reads the file only when the importer gets to it, so the whole bundle is never in memory at once. */
async function* lazyWhole(file: string): AsyncGenerator<Uint8Array> {
  yield await readFile(file);
}
