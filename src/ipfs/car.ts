/**
 * CARv1 from a block store (writeCar: one root, blocks depth-first from the root, each once, what
 * `ipfs dag export` writes) and the complete check of a CAR before upload (verifyCar).
 * `samizdat pin` itself writes its CAR in the same pass as the import (pin-writer.ts).
 */
import { createWriteStream } from 'node:fs';
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
