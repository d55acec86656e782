/**
 * Reads a bundle folder into importer candidates, the way Kubo's `ipfs add -r` walks a folder:
 * entries in name order, empty folders kept, dot-files skipped (Kubo skips them unless
 * `--hidden`). Symlinks are refused: the bundle is plain files, and a symlink would make the
 * CID depend on the machine that built it.
 */
import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import path from 'node:path';
import type { ImportCandidate } from 'ipfs-unixfs-importer';
import { InputError, throwIfAborted } from '../errors.ts';

/** Name of the root in importer paths; it never appears in any CID. */
export const ROOT_NAME = 'bundle';

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
  /** Dot-files and dot-folders left out (relative paths), like `ipfs add -r` without --hidden. */
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

/**
 * The listed bundle as ipfs-unixfs-importer candidates, in walk order (the importer's tree
 * builder needs a folder before what it holds). Each file is read only when the importer gets to
 * it (so the bundle is never in memory at once), synchronously, in pieces of `chunkSize` (the
 * profile's chunk size: the chunker then passes them on without copying), each in a fresh buffer
 * (the importer may keep a piece after asking for the next). The size is taken when the file is
 * opened: the bundle must not change while it is imported. A file that cannot be read fails the
 * import with BUNDLE_READ.
 */
export function bundleCandidates(listed: ListResult, chunkSize = 262_144): BundleCandidates {
  const read = { bytes: 0 };
  const candidates: ImportCandidate[] = [{ path: ROOT_NAME }];
  for (const entry of listed.entries) {
    const p = `${ROOT_NAME}/${entry.path.join('/')}`;
    candidates.push(entry.kind === 'dir' ? { path: p } : { path: p, content: fileChunks(entry, chunkSize, read) });
  }
  return { candidates, files: listed.files, skippedHidden: listed.skippedHidden, read };
}

export interface BundleCandidates {
  candidates: ImportCandidate[];
  files: number;
  skippedHidden: string[];
  /** Bytes of the files read so far: all of them once the importer is done. */
  read: { bytes: number };
}

/** Lists the bundle as importer candidates. Throws BUNDLE_MISSING when the folder does not exist. */
export function walkBundle(siteDir: string, options: WalkOptions & { chunkSize?: number } = {}): BundleCandidates {
  return bundleCandidates(listBundle(siteDir, options), options.chunkSize);
}

/** True when a folder of the listing (or the bundle itself) is empty, i.e. links to the empty-folder block. */
export function hasEmptyFolder(listed: ListResult): boolean {
  const { entries } = listed;
  if (entries.length === 0) return true;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.kind !== 'dir') continue;
    // Walk order puts a folder's first entry right after it.
    const next = entries[i + 1];
    if (!next || next.path.length <= e.path.length || e.path.some((part, j) => next.path[j] !== part)) return true;
  }
  return false;
}

function readError(entry: ListedEntry, err: unknown): InputError {
  const e = err as NodeJS.ErrnoException;
  const what = e.code === 'ENOENT' ? 'it was deleted after the bundle was listed' : e.message;
  return new InputError('BUNDLE_READ', `cannot read ${entry.path.join('/')} in the bundle: ${what}`, { file: entry.abs, hint: 'Make every file of the bundle readable and do not change the bundle while it is pinned (run `samizdat build` first, then pin).', cause: err });
}

/**
 * Synchronous reads: for thousands of small pages, the thread-pool round trips of async reads
 * cost more than hashing the bytes. A big file lets other work through every 64 chunks.
 */
async function* fileChunks(entry: ListedEntry, chunkSize: number, read: { bytes: number }): AsyncGenerator<Uint8Array> {
  let fd: number;
  try {
    fd = openSync(entry.abs, 'r');
  } catch (err) {
    throw readError(entry, err);
  }
  try {
    let left = fstatSync(fd).size;
    for (let n = 1; left > 0; n++) {
      const want = Math.min(chunkSize, left);
      const buf = Buffer.allocUnsafe(want);
      let got = 0;
      while (got < want) {
        const r = readSync(fd, buf, got, want - got, null);
        if (r === 0) break;
        got += r;
      }
      read.bytes += got;
      if (got > 0) yield got === want ? buf : buf.subarray(0, got);
      if (got < want) return;
      left -= got;
      if (n % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  } catch (err) {
    throw err instanceof InputError ? err : readError(entry, err);
  } finally {
    closeSync(fd);
  }
}
