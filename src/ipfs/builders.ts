/**
 * Two builders for ipfs-unixfs-importer's documented options for overriding how a file's and a
 * folder's node is built (`fileBuilder`, `dirBuilder`). Both skip work the importer does for
 * every file or folder of a bundle that its result does not need; the DAG is the importer's.
 * test/ipfs/builders.test.ts checks both against the importer's own builders.
 *
 * singleChunkFileBuilder takes a shortcut for the commonest file of a bundle: a page that fits in
 * one chunk. With raw leaves and reduceSingleLeafToSelf, the importer makes such a file its one
 * raw leaf: CIDv1, raw codec, SHA-256 of the bytes, stored as they are. That is all this does,
 * with the same multiformats calls the importer's `persist` makes, without the importer's
 * per-file pipeline of generators (batching, buffer importer, layout, reducer), which costs
 * more than hashing a small page. Every other file (more than one chunk, or with mtime or mode)
 * goes through the importer itself (`importFile`, with the same options), so its layout stays the
 * importer's.
 *
 * unstoredFolderDirBuilder: the importer makes and stores the block of an empty folder for every
 * folder it is given, although the DAG links to it only for a folder that stays empty (a folder
 * with entries gets its own node when the tree is finished). This builder gives the same result
 * without hashing and storing anything: the caller stores the empty-folder block (EMPTY_FOLDER)
 * when it knows a folder of the bundle is empty. A folder with mtime or mode is built and
 * stored as the importer does.
 */
import { importFile, type ImporterOptions } from 'ipfs-unixfs-importer';
import * as dagPb from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';

type FileBuilder = NonNullable<ImporterOptions['fileBuilder']>;
type DirBuilder = NonNullable<ImporterOptions['dirBuilder']>;

/** The block of an empty UnixFS folder (the same bytes under CIDv0 and CIDv1). */
export const EMPTY_FOLDER = dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'directory' }).marshal() }));

/** The CID of EMPTY_FOLDER under a CID version. */
export async function emptyFolderCid(cidVersion: 0 | 1): Promise<CID> {
  return CID.create(cidVersion, dagPb.code, await sha256.digest(EMPTY_FOLDER));
}

export function unstoredFolderDirBuilder(options: ImporterOptions): DirBuilder {
  const cidVersion = options.cidVersion ?? 1;
  const empty = emptyFolderCid(cidVersion);
  return async (dir, blockstore) => {
    if (dir.mtime === undefined && dir.mode === undefined) {
      return { cid: await empty, path: dir.path, unixfs: new UnixFS({ type: 'directory' }), size: BigInt(EMPTY_FOLDER.byteLength), originalPath: dir.originalPath };
    }
    const unixfs = new UnixFS({ type: 'directory', mtime: dir.mtime, mode: dir.mode });
    const block = dagPb.encode(dagPb.prepare({ Data: unixfs.marshal() }));
    const cid = CID.create(cidVersion, dagPb.code, await sha256.digest(block));
    await blockstore.put(cid, block);
    return { cid, path: dir.path, unixfs, size: BigInt(block.byteLength), originalPath: dir.originalPath };
  };
}

/**
 * The builder, for importer options `options` (raw leaves and reduceSingleLeafToSelf on: only
 * then is a one-chunk file its raw leaf). `options` must not hold this builder itself.
 */
export function singleChunkFileBuilder(options: ImporterOptions): FileBuilder {
  if (options.rawLeaves !== true || options.reduceSingleLeafToSelf !== true || options.cidVersion !== 1) throw new Error('singleChunkFileBuilder needs CIDv1, raw leaves and reduceSingleLeafToSelf');
  const whole = { ...options, fileBuilder: undefined, wrapWithDirectory: false };
  return async (file, blockstore) => {
    const chunks = file.content[Symbol.asyncIterator]();
    const first = await chunks.next();
    const second = first.done === true || file.mtime !== undefined || file.mode !== undefined ? undefined : await chunks.next();
    if (first.done !== true && second?.done === true) {
      const block = first.value;
      const cid = CID.createV1(raw.code, await sha256.digest(block));
      await blockstore.put(cid, block);
      return { cid, path: file.path, unixfs: undefined, size: BigInt(block.byteLength), originalPath: file.originalPath };
    }
    // The importer's own way, for the chunks read so far and the rest. No path: the nested
    // import must not make (and store) folders around the file.
    const pulled = [first, second].flatMap((r) => (r && r.done !== true ? [r.value] : []));
    const content = (async function* () {
      yield* pulled;
      for (let r = await chunks.next(); r.done !== true; r = await chunks.next()) yield r.value;
    })();
    const result = await importFile({ content, mtime: file.mtime, mode: file.mode }, blockstore, whole);
    return { ...result, path: file.path, originalPath: file.originalPath };
  };
}
