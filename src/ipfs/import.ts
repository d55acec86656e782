import { importer, type ImportCandidate } from 'ipfs-unixfs-importer';
import type { CID } from 'multiformats/cid';
import { SamizdatError, throwIfAborted } from '../errors.ts';
import type { ProgressCallback } from '../progress.ts';
import { emptyFolderCid, EMPTY_FOLDER, unstoredFolderDirBuilder } from './builders.ts';
import { importerOptions, KUBO_ADD_CIDV1, type ImportProfile } from './options.ts';
import type { PinProgress } from './progress.ts';
import { bundleCandidates, hasEmptyFolder, listBundle, ROOT_NAME, type ListResult, type WalkOptions } from './walk.ts';

/** What the importer needs of a block store. */
export interface WritableBlocks {
  put(cid: CID, bytes: Uint8Array, options?: { signal?: AbortSignal }): Promise<CID> | CID;
}

export interface ImportTreeOptions {
  profile?: ImportProfile;
  signal?: AbortSignal;
  onProgress?: ProgressCallback<PinProgress>;
  /** For progress events. */
  totalFiles?: number;
  /**
   * Do not store the empty-folder block the importer makes for every folder candidate (see
   * builders.ts unstoredFolderDirBuilder): the caller stores it if a folder stays empty.
   */
  unstoredFolders?: boolean;
}

/**
 * Imports candidates whose paths all start with `${ROOT_NAME}` (and include `{ path: ROOT_NAME }`)
 * with ipfs-unixfs-importer and importerOptions(profile), and returns the CID of that root folder.
 * The importer hands every block to `blocks.put` as it makes it, in an order that depends on the
 * candidates only when their content is read synchronously and `put` is synchronous (see
 * importerOptions); it may hand over a block more than once.
 */
export async function importTree(candidates: Iterable<ImportCandidate> | AsyncIterable<ImportCandidate>, blocks: WritableBlocks, options: ImportTreeOptions = {}): Promise<CID> {
  const { signal, onProgress } = options;
  throwIfAborted(signal, 'import');
  let root: CID | undefined;
  let files = 0;
  const store = { put: async (cid: CID, bytes: Uint8Array) => blocks.put(cid, bytes, { signal }) };
  let entries = 0;
  const importOptions = importerOptions(options.profile ?? KUBO_ADD_CIDV1);
  if (options.unstoredFolders) importOptions.dirBuilder = unstoredFolderDirBuilder(importOptions);
  for await (const entry of importer(candidates, store, importOptions)) {
    throwIfAborted(signal, 'import');
    // Files read synchronously and blocks written synchronously keep the import in one long
    // chain of promises: let signals (Ctrl-C aborts `samizdat publish`), timers and output
    // through, every 256 entries (counted, not timed: nothing in the import depends on the clock).
    if (++entries % 256 === 0) {
      await new Promise((resolve) => setImmediate(resolve));
      throwIfAborted(signal, 'import');
    }
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
 * Imports a listed bundle folder (walk.ts listBundle) exactly as `ipfs add -r --cid-version=1`
 * would (see options.ts), through ipfs-unixfs-importer. `blocks` receives the blocks of the DAG
 * and nothing else: the empty-folder block, which the importer would make for every folder and
 * the DAG links to only when a folder stays empty, is stored first, once, only if the bundle has
 * an empty folder.
 */
export async function importListed(listed: ListResult, blocks: WritableBlocks, options: Omit<ImportTreeOptions, 'totalFiles' | 'unstoredFolders'> = {}): Promise<ImportBundleResult> {
  const profile = options.profile ?? KUBO_ADD_CIDV1;
  const walked = bundleCandidates(listed, profile.chunkSize);
  if (hasEmptyFolder(listed)) await blocks.put(await emptyFolderCid(profile.cidVersion), EMPTY_FOLDER, { signal: options.signal });
  const cid = await importTree(walked.candidates, blocks, { ...options, profile, totalFiles: walked.files, unstoredFolders: true });
  return { cid, files: walked.files, bytes: walked.read.bytes, skippedHidden: walked.skippedHidden };
}

/** Lists and imports a bundle folder (importListed). Throws BUNDLE_MISSING when the folder does not exist. */
export async function importBundle(siteDir: string, blocks: WritableBlocks, options: Omit<ImportTreeOptions, 'totalFiles'> & Pick<WalkOptions, 'hidden'> = {}): Promise<ImportBundleResult> {
  return importListed(listBundle(siteDir, { hidden: options.hidden, signal: options.signal }), blocks, options);
}
