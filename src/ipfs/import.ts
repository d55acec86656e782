import { importer, type ImportCandidate } from 'ipfs-unixfs-importer';
import type { CID } from 'multiformats/cid';
import { SamizdatError, throwIfAborted } from '../errors.ts';
import type { ProgressCallback } from '../progress.ts';
import { importerOptions, KUBO_ADD_CIDV1, type ImportProfile } from './options.ts';
import type { PinProgress } from './progress.ts';
import { buildDag, readFileChunks, type BlockSink, type TreeEntry } from './dag.ts';
import { ROOT_NAME, walkBundle, type ListResult } from './walk.ts';

/** What the importer needs of a block store. */
export interface WritableBlocks {
  put(cid: CID, bytes: Uint8Array, options?: { signal?: AbortSignal }): Promise<CID>;
}

export interface ImportTreeOptions {
  profile?: ImportProfile;
  signal?: AbortSignal;
  onProgress?: ProgressCallback<PinProgress>;
  /** For progress events. */
  totalFiles?: number;
}

/**
 * Imports candidates whose paths all start with `${ROOT_NAME}` (and include `{ path: ROOT_NAME }`)
 * and returns the CID of that root folder.
 */
export async function importTree(candidates: Iterable<ImportCandidate> | AsyncIterable<ImportCandidate>, blocks: WritableBlocks, options: ImportTreeOptions = {}): Promise<CID> {
  const { signal, onProgress } = options;
  throwIfAborted(signal, 'import');
  let root: CID | undefined;
  let files = 0;
  const store = { put: (cid: CID, bytes: Uint8Array) => blocks.put(cid, bytes, { signal }) };
  for await (const entry of importer(candidates, store, importerOptions(options.profile ?? KUBO_ADD_CIDV1))) {
    throwIfAborted(signal, 'import');
    if (entry.path === ROOT_NAME) root = entry.cid;
    else if (entry.unixfs?.type === 'file' || entry.unixfs === undefined) {
      files += 1;
      onProgress?.({ type: 'import', path: entry.path?.slice(ROOT_NAME.length + 1) ?? '', files, totalFiles: options.totalFiles ?? 0 });
    }
  }
  if (!root) throw new SamizdatError('IMPORT_NO_ROOT', 'the UnixFS importer did not return the root folder');
  return root;
}

export interface ImportBundleResult {
  cid: CID;
  files: number;
  bytes: number;
  skippedHidden: string[];
}

/**
 * Imports a bundle folder exactly as `ipfs add -r --cid-version=1` would (see options.ts), through
 * ipfs-unixfs-importer. `samizdat pin` uses importBundleOnePass (same CIDs, a fraction of the
 * time); this stays as the reference the benchmark and tests compare with.
 */
export async function importBundle(siteDir: string, blocks: WritableBlocks, options: ImportTreeOptions & { hidden?: boolean } = {}): Promise<ImportBundleResult> {
  const walked = await walkBundle(siteDir, { hidden: options.hidden, signal: options.signal });
  const cid = await importTree(walked.candidates, blocks, { ...options, totalFiles: walked.files });
  return { cid, files: walked.files, bytes: walked.bytes, skippedHidden: walked.skippedHidden };
}

export interface OnePassResult {
  cid: CID;
  files: number;
  bytes: number;
  skippedHidden: string[];
}

/**
 * Imports a listed bundle folder (walk.ts listBundle) with the one-pass builder (src/ipfs/dag.ts):
 * files are read synchronously in chunks and every block is handed to `sink` as soon as it is made.
 */
export async function importBundleOnePass(
  listed: ListResult,
  sink: BlockSink,
  options: Omit<ImportTreeOptions, 'totalFiles'> & {
    /** Read every file into one buffer, reused: only for a sink that copies each block before put returns (PinWriter does). */
    reuseReadBuffer?: boolean;
  } = {},
): Promise<OnePassResult> {
  const { signal, onProgress } = options;
  const profile = options.profile ?? KUBO_ADD_CIDV1;
  const scratch = options.reuseReadBuffer ? Buffer.allocUnsafeSlow(profile.chunkSize) : undefined;
  const entries = listed.entries.map((e): TreeEntry => (e.kind === 'dir' ? { path: e.path } : { path: e.path, content: readFileChunks(e.abs, profile.chunkSize, scratch) }));
  let files = 0;
  const built = await buildDag(entries, sink, profile, {
    signal,
    onFile: onProgress ? (path) => onProgress({ type: 'import', path, files: ++files, totalFiles: listed.files }) : undefined,
  });
  return { cid: built.cid, files: built.files, bytes: built.bytes, skippedHidden: listed.skippedHidden };
}
