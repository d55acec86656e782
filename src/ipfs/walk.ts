/**
 * Reads a bundle folder into importer candidates, the way Kubo's `ipfs add -r` walks a folder:
 * entries in name order, empty folders kept, dot-files skipped (Kubo skips them unless
 * `--hidden`). Symlinks are refused: the bundle is plain files, and a symlink would make the
 * CID depend on the machine that built it.
 */
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
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

/** Lists the bundle. Throws BUNDLE_MISSING when the folder does not exist. */
export async function walkBundle(siteDir: string, options: WalkOptions = {}): Promise<WalkResult> {
  let info;
  try {
    info = await lstat(siteDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InputError('BUNDLE_MISSING', `there is no bundle at ${siteDir}`, { file: siteDir, hint: 'Run `samizdat build` first, or pass the bundle folder with --site.', cause: err });
    }
    throw err;
  }
  if (!info.isDirectory()) throw new InputError('BUNDLE_NOT_A_FOLDER', `${siteDir} is not a folder`, { file: siteDir, hint: 'Pass the built site folder (dist/site) with --site.' });

  const result: WalkResult = { candidates: [{ path: ROOT_NAME }], files: 0, bytes: 0, skippedHidden: [] };
  await walk(siteDir, '', result, options);
  return result;
}

async function walk(absDir: string, relDir: string, result: WalkResult, options: WalkOptions): Promise<void> {
  throwIfAborted(options.signal, 'import');
  const entries = await readdir(absDir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
    const abs = path.join(absDir, entry.name);
    if (!options.hidden && entry.name.startsWith('.')) {
      result.skippedHidden.push(rel);
      continue;
    }
    if (entry.isSymbolicLink()) {
      throw new InputError('BUNDLE_SYMLINK', `the bundle contains a symbolic link: ${rel}`, { file: abs, hint: 'The bundle must hold plain files only; replace the link by a copy of its target.' });
    }
    if (entry.isDirectory()) {
      result.candidates.push({ path: `${ROOT_NAME}/${rel}` });
      await walk(abs, rel, result, options);
    } else if (entry.isFile()) {
      const { size } = await lstat(abs);
      result.files += 1;
      result.bytes += size;
      result.candidates.push({ path: `${ROOT_NAME}/${rel}`, content: size <= READ_WHOLE_LIMIT ? lazyWhole(abs) : createReadStream(abs, { highWaterMark: 262_144 }) });
    } else {
      throw new InputError('BUNDLE_SPECIAL_FILE', `the bundle contains something that is neither a file nor a folder: ${rel}`, { file: abs });
    }
  }
}

/** Reads the file only when the importer gets to it, so the whole bundle is never in memory at once. */
async function* lazyWhole(file: string): AsyncGenerator<Uint8Array> {
  yield await readFile(file);
}
