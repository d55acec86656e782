/**
 * CARv1 export: one root, blocks in depth-first order from the root with each block written
 * once (what `ipfs dag export` writes), so the same bundle always gives the same CAR bytes.
 */
import { closeSync, createWriteStream, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import * as CarBufferWriter from '@ipld/car/buffer-writer';
import { varint } from 'multiformats';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { CarWriter } from '@ipld/car/writer';
import * as dagPb from '@ipld/dag-pb';
import * as raw from 'multiformats/codecs/raw';
import type { CID } from 'multiformats/cid';
import { SamizdatError, throwIfAborted } from '../errors.ts';
import type { ProgressCallback } from '../progress.ts';
import type { PinProgress } from './progress.ts';

export interface ReadableBlocks {
  getBytes(cid: CID, options?: { signal?: AbortSignal }): Promise<Uint8Array>;
}

/** Every block of the DAG under `root`, depth first, each once. */
export async function* walkDag(blocks: ReadableBlocks, root: CID, signal?: AbortSignal): AsyncGenerator<{ cid: CID; bytes: Uint8Array }> {
  const seen = new Set<string>();
  const stack: CID[] = [root];
  while (stack.length) {
    throwIfAborted(signal, 'CAR export');
    const cid = stack.pop()!;
    const key = cid.toString();
    if (seen.has(key)) continue;
    seen.add(key);
    let bytes: Uint8Array;
    try {
      bytes = await blocks.getBytes(cid, { signal });
    } catch (err) {
      throw new SamizdatError('BLOCK_MISSING', `block ${key} is missing from the local block store`, { hint: 'Run `samizdat pin` again to re-import the bundle.', cause: err });
    }
    yield { cid, bytes };
    if (cid.code === dagPb.code) {
      const links = dagPb.decode(bytes).Links;
      for (let i = links.length - 1; i >= 0; i--) stack.push(links[i]!.Hash);
    } else if (cid.code !== raw.code) {
      throw new SamizdatError('BLOCK_UNKNOWN_CODEC', `block ${key} has codec 0x${cid.code.toString(16)}, which a UnixFS bundle never has`);
    }
  }
}

/** CarWriter yields three small chunks per block; writing them one by one costs more than hashing them. */
async function* batched(source: AsyncIterable<Uint8Array>, size = 1 << 20): AsyncGenerator<Buffer> {
  let parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of source) {
    parts.push(chunk);
    length += chunk.byteLength;
    if (length >= size) {
      yield Buffer.concat(parts, length);
      parts = [];
      length = 0;
    }
  }
  if (length) yield Buffer.concat(parts, length);
}

export interface WriteCarResult {
  blocks: number;
  bytes: number;
}

/** Writes `<carPath>` atomically (temp file, then rename). */
export async function writeCar(blocks: ReadableBlocks, root: CID, carPath: string, options: { signal?: AbortSignal; onProgress?: ProgressCallback<PinProgress> } = {}): Promise<WriteCarResult> {
  const { writer, out } = CarWriter.create([root]);
  const tmp = `${carPath}.${process.pid}.tmp`;
  let count = 0;
  let total = 0;
  const feed = (async () => {
    try {
      for await (const block of walkDag(blocks, root, options.signal)) {
        await writer.put(block);
        count += 1;
        total += block.bytes.byteLength;
        if (count % 500 === 0) options.onProgress?.({ type: 'car', blocks: count, bytes: total });
      }
    } finally {
      await writer.close();
    }
  })();
  try {
    await Promise.all([feed, pipeline(Readable.from(batched(out)), createWriteStream(tmp))]);
    await rename(tmp, carPath);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  options.onProgress?.({ type: 'car', blocks: count, bytes: total });
  return { blocks: count, bytes: total };
}

/**
 * A CARv1 file written while the DAG is built (src/ipfs/dag.ts hands each block over once it is
 * made, children before parents), so nothing is read back from the block store. The header names
 * a placeholder root of the same length as the real one, rewritten in place by `finish`: every
 * root samizdat writes is a sha2-256 dag-pb CID of one version, so the lengths match (checked).
 * Each block goes in once (the builder hands over repeated blocks: identical files, the empty
 * folder); output is gathered into large writes. Same bundle, same blocks in the same order:
 * same bytes.
 */
/** Output is gathered into writes of this many bytes. */
const CAR_BUFFER = 4 << 20;

export class CarStreamWriter {
  private readonly fd: number;
  private readonly headerLength: number;
  private readonly seen = new Set<string>();
  private readonly buffer = Buffer.allocUnsafe(CAR_BUFFER);
  private used = 0;
  private position = 0;
  private done = false;
  blocks = 0;
  bytes = 0;

  /** Opens `<tmpPath>` for writing; `placeholderRoot` must have the byte length of the final root. */
  constructor(readonly tmpPath: string, private readonly placeholderRoot: CID) {
    this.fd = openSync(tmpPath, 'w');
    const header = carHeader(placeholderRoot);
    this.headerLength = header.byteLength;
    this.append(header);
  }

  put(cid: CID, bytes: Uint8Array): void {
    // The multihash says which bytes; the codec prefix keeps a raw and a dag-pb block of the same bytes apart.
    const key = `${cid.code}:${Buffer.from(cid.multihash.digest.buffer, cid.multihash.digest.byteOffset, cid.multihash.digest.byteLength).toString('base64')}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const cidBytes = cid.bytes;
    const length = cidBytes.byteLength + bytes.byteLength;
    const prefix = new Uint8Array(varint.encodingLength(length));
    varint.encodeTo(length, prefix);
    this.append(prefix);
    this.append(cidBytes);
    this.append(bytes);
    this.blocks += 1;
    this.bytes += bytes.byteLength;
  }

  private append(bytes: Uint8Array): void {
    if (this.used + bytes.byteLength > this.buffer.byteLength) this.flush();
    if (bytes.byteLength >= this.buffer.byteLength / 4) {
      this.flush();
      this.writeAll(bytes);
      return;
    }
    this.buffer.set(bytes, this.used);
    this.used += bytes.byteLength;
  }

  private flush(): void {
    if (this.used === 0) return;
    this.writeAll(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  private writeAll(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.byteLength) {
      const n = writeSync(this.fd, bytes, off, bytes.byteLength - off, this.position);
      off += n;
      this.position += n;
    }
  }

  /** Writes the real root into the header and moves the file to `carPath`. */
  finish(root: CID, carPath: string): void {
    this.flush();
    const header = carHeader(root);
    if (header.byteLength !== this.headerLength) {
      throw new SamizdatError('CAR_HEADER', `the CAR header for ${root} is ${header.byteLength} bytes, not the ${this.headerLength} reserved for it (placeholder ${this.placeholderRoot})`);
    }
    writeSync(this.fd, header, 0, header.byteLength, 0);
    closeSync(this.fd);
    this.done = true;
    renameSync(this.tmpPath, carPath);
  }

  /** Closes and deletes the temp file (after an error). */
  abort(): void {
    if (this.done) return;
    this.done = true;
    try {
      closeSync(this.fd);
    } finally {
      rmSync(this.tmpPath, { force: true });
    }
  }
}

function carHeader(root: CID): Uint8Array {
  const length = CarBufferWriter.headerLength({ roots: [root] });
  return CarBufferWriter.createWriter(new ArrayBuffer(length), { roots: [root] }).close();
}

/**
 * Reads a CAR file back and checks it completely before anything is uploaded: one root equal to
 * `root`, every block's bytes hash to its CID, and every link of every block is in the file.
 * A truncated or altered CAR throws CAR_INVALID.
 */
export async function verifyCar(carPath: string, root: CID, options: { signal?: AbortSignal } = {}): Promise<{ blocks: number }> {
  const { CarBlockIterator } = await import('@ipld/car/iterator');
  const { sha256 } = await import('multiformats/hashes/sha2');
  const { createReadStream } = await import('node:fs');
  const fail = (why: string, cause?: unknown) =>
    new SamizdatError('CAR_INVALID', `${carPath} is not a complete CAR of ${root.toString()}: ${why}`, { file: carPath, hint: 'Run `samizdat pin` again to rewrite it from the block store.', cause });
  const seen = new Set<string>();
  const wanted = new Set<string>();
  try {
    const blocks = await CarBlockIterator.fromIterable(createReadStream(carPath));
    const roots = await blocks.getRoots();
    if (roots.length !== 1 || !roots[0]!.equals(root)) throw fail(`its header names ${roots.map(String).join(', ') || 'no root'}`);
    for await (const { cid, bytes } of blocks) {
      throwIfAborted(options.signal, 'CAR check');
      if (cid.multihash.code !== sha256.code) throw fail(`block ${cid} is not sha2-256`);
      const digest = await sha256.digest(bytes);
      if (!equal(digest.digest, cid.multihash.digest)) throw fail(`block ${cid} does not hash to its CID`);
      seen.add(cid.toString());
      wanted.delete(cid.toString());
      if (cid.code === dagPb.code) for (const l of dagPb.decode(bytes).Links) if (!seen.has(l.Hash.toString())) wanted.add(l.Hash.toString());
    }
  } catch (err) {
    if (err instanceof SamizdatError) throw err;
    throw fail((err as Error).message, err);
  }
  if (!seen.has(root.toString())) throw fail('the root block is missing');
  if (wanted.size) throw fail(`${wanted.size} linked block(s) are missing (the file is truncated?)`);
  return { blocks: seen.size };
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);
}
