/**
 * The UnixFS DAG of a folder, built in one pass and mostly synchronously: the same blocks and
 * CIDs as ipfs-unixfs-importer with importerOptions(profile) (and so as Kubo's `ipfs add -r`;
 * test/ipfs/vectors.test.ts runs every Kubo vector through both, and
 * test/ipfs/dag-equivalence.test.ts compares them on random trees), without the importer's
 * per-file async pipelines, which cost more than hashing the bytes. Every block goes to a
 * synchronous sink as soon as it is made (file blocks while the file is read, folder blocks
 * when the tree is finished, children before parents), so the caller can write the block store
 * and the CAR in the same pass, in an order that depends on the content only.
 *
 * The rules copied from ipfs-unixfs-importer 17 (src/tree-builder.js, flat-to-shard.js,
 * dir-flat.js, dir-sharded.js, dag-builder/file.js, layout/balanced.js):
 * - a file is cut into fixed chunks; one chunk becomes the file itself (reduceSingleLeafToSelf),
 *   more are gathered under nodes of at most `maxChildrenPerNode` links, level by level;
 * - entries arrive in walk order, a folder before its contents; a folder first enters its parent
 *   as an empty-folder link (which counts towards the parent's size estimate) and is replaced by
 *   an open folder (which counts nothing) when its first child arrives;
 * - after every insertion each flat folder on the path whose estimate is strictly over
 *   `shardSplitThresholdBytes` becomes a HAMT shard, for good.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { encode as encodePb, prepare, code as DAG_PB, type PBLink } from '@ipld/dag-pb';
import { murmur3128 } from '@multiformats/murmur3';
import { createHAMT, Bucket } from 'hamt-sharding';
import { UnixFS } from 'ipfs-unixfs';
import { linkSerializedSize, dataFieldSerializedSize, utf8ByteLength } from 'ipfs-unixfs-importer/utils';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { code as RAW } from 'multiformats/codecs/raw';
import { throwIfAborted } from '../errors.ts';
import type { ImportProfile } from './options.ts';

const SHA2_256 = 0x12;
/** murmur3-x64-64, the HAMT hash Kubo uses. */
const MURMUR3_128 = 0x22n;

/** Receives every block once it is made; may see the same block more than once. */
export interface BlockSink {
  put(cid: CID, bytes: Uint8Array): void;
}

/** File content: chunks of any size, read when the builder gets to the file. */
export type FileContent = () => Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/** One entry below the root, in walk order (a folder before what it holds). */
export type TreeEntry = { path: readonly string[]; content?: undefined } | { path: readonly string[]; content: FileContent };

export interface BuildDagOptions {
  signal?: AbortSignal;
  /** Called after each file with its path (joined with '/') and size in bytes. */
  onFile?: (path: string, bytes: number) => void;
}

export interface BuildDagResult {
  cid: CID;
  /** Cumulative size of the DAG (Tsize): every block's bytes. */
  size: number;
  files: number;
  bytes: number;
}

/** A finished node: what a parent links to. */
interface Built {
  cid: CID;
  /** Tsize: the node's block plus everything under it. */
  size: number;
}

/** A folder being filled. `estimate` is the importer's running size estimate (flat folders only). */
interface OpenDir {
  children: Map<string, Built | OpenDir>;
  estimate: number;
  sharded: boolean;
  parent: OpenDir | undefined;
}

const isOpenDir = (x: Built | OpenDir): x is OpenDir => (x as OpenDir).children !== undefined;

export function sha256Cid(version: 0 | 1, codec: number, bytes: Uint8Array): CID {
  const digest = createHash('sha256').update(bytes).digest();
  const mh = Digest.create(SHA2_256, new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength));
  return version === 0 ? (CID.createV0(mh) as unknown as CID) : CID.createV1(codec, mh);
}

/** The DAG of a folder holding `entries`; the root folder itself is implied. */
export async function buildDag(entries: Iterable<TreeEntry>, sink: BlockSink, profile: ImportProfile, options: BuildDagOptions = {}): Promise<BuildDagResult> {
  const builder = new DagBuilder(sink, profile);
  const root = builder.newDir(undefined);
  let files = 0;
  let bytes = 0;
  let sinceYield = 0;
  for (const entry of entries) {
    let parent = root;
    const last = entry.path.length - 1;
    for (let i = 0; i < last; i++) {
      const name = entry.path[i]!;
      const existing = parent.children.get(name);
      if (existing !== undefined && isOpenDir(existing)) parent = existing;
      else {
        const dir = builder.newDir(parent);
        builder.put(parent, name, dir);
        parent = dir;
      }
    }
    const name = entry.path[last]!;
    if (entry.content === undefined) {
      builder.put(parent, name, builder.emptyDir());
    } else {
      const file = await builder.file(entry.content);
      builder.put(parent, name, file.built);
      files += 1;
      bytes += file.bytes;
      options.onFile?.(entry.path.join('/'), file.bytes);
      sinceYield += 1 + (file.bytes >> 18);
    }
    builder.shardAbove(parent);
    throwIfAborted(options.signal, 'import');
    // Let signals, timers and progress output through now and then.
    if (sinceYield >= 128) {
      sinceYield = 0;
      await new Promise((resolve) => setImmediate(resolve));
      throwIfAborted(options.signal, 'import');
    }
  }
  const built = await builder.flush(root);
  return { cid: built.cid, size: built.size, files, bytes };
}

/** A root CID of the byte length the profile's roots have (folders: dag-pb, sha2-256), to reserve room in a CAR header. */
export function placeholderRoot(profile: ImportProfile): CID {
  return sha256Cid(profile.cidVersion === 0 ? 1 : profile.cidVersion, DAG_PB, new Uint8Array(0));
}

/** The DAG of one file alone (what `ipfs add FILE` prints). */
export async function buildFileDag(content: FileContent, sink: BlockSink, profile: ImportProfile): Promise<{ cid: CID; size: number; bytes: number }> {
  const file = await new DagBuilder(sink, profile).file(content);
  return { ...file.built, bytes: file.bytes };
}

class DagBuilder {
  private emptyDirBuilt: Built | undefined;
  private emptyDirBytes: Uint8Array | undefined;
  private emptyDirEmitted = false;
  private readonly leafCidVersion: 0 | 1;

  constructor(
    private readonly sink: BlockSink,
    private readonly profile: ImportProfile,
  ) {
    this.leafCidVersion = profile.rawLeaves ? 1 : profile.cidVersion;
  }

  private node(bytes: Uint8Array): CID {
    const cid = sha256Cid(this.profile.cidVersion, DAG_PB, bytes);
    this.sink.put(cid, bytes);
    return cid;
  }

  /** A flat folder; its estimate starts at the size of its Data field under 'block-bytes'. */
  newDir(parent: OpenDir | undefined): OpenDir {
    const estimate = this.profile.shardSplitStrategy === 'block-bytes' ? dataFieldSerializedSize(undefined, undefined) : 0;
    return { children: new Map(), estimate, sharded: false, parent };
  }

  /** The empty-folder link every folder starts as (its block is written only if a folder stays empty). */
  emptyDir(): Built {
    if (!this.emptyDirBuilt) {
      this.emptyDirBytes = encodePb(prepare({ Data: new UnixFS({ type: 'directory' }).marshal() }));
      this.emptyDirBuilt = { cid: sha256Cid(this.profile.cidVersion, DAG_PB, this.emptyDirBytes), size: this.emptyDirBytes.byteLength };
    }
    return this.emptyDirBuilt;
  }

  private linkEstimate(name: string, child: Built | OpenDir): number {
    if (isOpenDir(child)) return 0;
    const nameBytes = utf8ByteLength(name);
    return this.profile.shardSplitStrategy === 'links-bytes' ? nameBytes + child.cid.byteLength : linkSerializedSize(nameBytes, child.cid.byteLength, child.size);
  }

  /** Puts `child` under `name`, keeping the parent's estimate as DirFlat.put does. */
  put(dir: OpenDir, name: string, child: Built | OpenDir): void {
    if (!dir.sharded) {
      const old = dir.children.get(name);
      if (old !== undefined) dir.estimate -= this.linkEstimate(name, old);
      dir.estimate += this.linkEstimate(name, child);
    }
    dir.children.set(name, child);
  }

  /** flatToShard: every flat folder from `dir` up whose estimate is over the threshold becomes a shard. */
  shardAbove(dir: OpenDir | undefined): void {
    for (let d = dir; d; d = d.parent) if (!d.sharded && d.estimate > this.profile.shardSplitThresholdBytes) d.sharded = true;
  }

  async file(content: FileContent): Promise<{ built: Built; bytes: number }> {
    const { chunkSize } = this.profile;
    const leaves: Array<Built & { fileSize: number }> = [];
    // Pieces of the chunk being gathered (views, not copies: sources hand over fresh buffers).
    let parts: Uint8Array[] = [];
    let partsLength = 0;
    let total = 0;
    const leaf = (chunk: Uint8Array) => {
      let block = chunk;
      let cid: CID;
      if (this.profile.rawLeaves) cid = sha256Cid(1, RAW, block);
      else {
        block = encodePb({ Data: new UnixFS({ type: 'file', data: chunk }).marshal(), Links: [] });
        cid = sha256Cid(this.profile.cidVersion, DAG_PB, block);
      }
      this.sink.put(cid, block);
      leaves.push({ cid, size: block.byteLength, fileSize: chunk.byteLength });
    };
    const gathered = () => {
      const chunk = parts.length === 1 ? parts[0]! : Buffer.concat(parts, partsLength);
      parts = [];
      partsLength = 0;
      return chunk;
    };
    const take = (piece: Uint8Array) => {
      total += piece.byteLength;
      let offset = 0;
      while (offset < piece.byteLength) {
        const n = Math.min(chunkSize - partsLength, piece.byteLength - offset);
        parts.push(n === piece.byteLength ? piece : piece.subarray(offset, offset + n));
        partsLength += n;
        offset += n;
        if (partsLength === chunkSize) leaf(gathered());
      }
    };
    const source = content();
    if (Symbol.iterator in source) for (const piece of source) take(piece);
    else for await (const piece of source) take(piece);
    if (leaves.length === 0 || partsLength > 0) leaf(partsLength > 0 ? gathered() : new Uint8Array(0));

    if (leaves.length === 1) return { built: { cid: leaves[0]!.cid, size: leaves[0]!.size }, bytes: total };
    // Balanced layout: groups of at most maxChildrenPerNode, level by level, up to one root.
    let level = leaves.filter((l) => l.fileSize > 0);
    do {
      const next: typeof level = [];
      for (let i = 0; i < level.length; i += this.profile.maxChildrenPerNode) {
        const group = level.slice(i, i + this.profile.maxChildrenPerNode);
        const unixfs = new UnixFS({ type: 'file' });
        const links: PBLink[] = [];
        let size = 0;
        let fileSize = 0;
        for (const child of group) {
          unixfs.addBlockSize(BigInt(child.fileSize));
          links.push({ Name: '', Tsize: child.size, Hash: child.cid });
          size += child.size;
          fileSize += child.fileSize;
        }
        const block = encodePb(prepare({ Data: unixfs.marshal(), Links: links }));
        next.push({ cid: this.node(block), size: size + block.byteLength, fileSize });
      }
      level = next;
    } while (level.length > 1);
    return { built: { cid: level[0]!.cid, size: level[0]!.size }, bytes: total };
  }

  /** Writes the blocks of a finished folder (and everything under it), children first. */
  async flush(dir: OpenDir): Promise<Built> {
    if (dir.sharded) return this.flushShard(dir);
    const links: PBLink[] = [];
    let size = 0;
    for (const [name, child] of dir.children) {
      const built = await this.finished(child);
      links.push({ Name: name, Tsize: built.size, Hash: built.cid });
      size += built.size;
    }
    const block = encodePb(prepare({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: links }));
    return { cid: this.node(block), size: size + block.byteLength };
  }

  private async finished(child: Built | OpenDir): Promise<Built> {
    if (isOpenDir(child)) return this.flush(child);
    if (child === this.emptyDirBuilt && !this.emptyDirEmitted) {
      this.sink.put(child.cid, this.emptyDirBytes!);
      this.emptyDirEmitted = true;
    }
    return child;
  }

  private async flushShard(dir: OpenDir): Promise<Built> {
    const bucket = createHAMT<Built | OpenDir>({ hashFn: hamtHash, bits: this.profile.shardFanoutBits });
    for (const [name, child] of dir.children) await bucket.put(name, child);
    return this.flushBucket(bucket);
  }

  /** dir-sharded.js flush(): one node per bucket, links named by slot (hex, upper case) and key. */
  private async flushBucket(bucket: Bucket<Built | OpenDir>): Promise<Built> {
    const children = bucket._children;
    const padLength = (bucket.tableSize() - 1).toString(16).length;
    const links: PBLink[] = [];
    let size = 0;
    for (let i = 0; i < children.length; i++) {
      const child = children.get(i);
      if (child == null) continue;
      const prefix = i.toString(16).toUpperCase().padStart(padLength, '0');
      if (child instanceof Bucket) {
        const shard = await this.flushBucket(child);
        links.push({ Name: prefix, Tsize: shard.size, Hash: shard.cid });
        size += shard.size;
      } else {
        const built = await this.finished(child.value);
        links.push({ Name: prefix + child.key, Tsize: built.size, Hash: built.cid });
        size += built.size;
      }
    }
    const data = Uint8Array.from(children.bitField().reverse());
    const unixfs = new UnixFS({ type: 'hamt-sharded-directory', data, fanout: BigInt(bucket.tableSize()), hashType: MURMUR3_128 });
    const block = encodePb(prepare({ Data: unixfs.marshal(), Links: links }));
    return { cid: this.node(block), size: size + block.byteLength };
  }
}

/** As go-unixfs: the first 64 bits of murmur3-x64-128, byte-reversed. */
async function hamtHash(bytes: Uint8Array): Promise<Uint8Array> {
  return (await murmur3128.encode(bytes)).slice(0, 8).reverse();
}

/**
 * A file read synchronously in chunks of `chunkSize`, one buffer per chunk (handed to the sink
 * without a copy), or all into `scratch` (at least `chunkSize` bytes) when the sink copies every
 * block before its put returns: the builder hands each full chunk, and the last, to the sink
 * before the next read. The size is taken when the file is opened: the bundle must not change
 * while it is pinned.
 */
export function readFileChunks(file: string, chunkSize: number, scratch?: Uint8Array): FileContent {
  if (scratch && scratch.byteLength < chunkSize) throw new RangeError('readFileChunks: scratch buffer smaller than a chunk');
  return function* () {
    const fd = openSync(file, 'r');
    try {
      let left = fstatSync(fd).size;
      while (left > 0) {
        const want = Math.min(chunkSize, left);
        const buf = scratch ? scratch.subarray(0, want) : Buffer.allocUnsafe(want);
        let got = 0;
        while (got < want) {
          const n = readSync(fd, buf, got, want - got, null);
          if (n === 0) break;
          got += n;
        }
        if (got > 0) yield got === want ? buf : buf.subarray(0, got);
        if (got < want) return;
        left -= got;
      }
    } finally {
      closeSync(fd);
    }
  };
}
