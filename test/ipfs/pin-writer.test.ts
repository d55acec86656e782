/**
 * The pin's writer thread (src/ipfs/pin-writer.ts) on its own: blocks larger than a batch, more
 * batches than the queue holds (so the main thread waits for the worker), repeated blocks, and
 * the placeholder root rewritten in the header.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { CID } from 'multiformats/cid';
import { code as RAW } from 'multiformats/codecs/raw';
import * as Digest from 'multiformats/hashes/digest';
import { openBlockstore } from '../../src/ipfs/blockstore.ts';
import { PinWriter, placeholderRoot } from '../../src/ipfs/pin-writer.ts';
import { tempDir } from '../support/net.ts';
import { readCarVerified } from './support/export.ts';

describe('PinWriter', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir('samizdat-pin-writer-')));
  afterAll(() => cleanup());

  it('writes every block once to the CAR and the store, through back-pressure, with big blocks and the real root in the header', async () => {
    const store = await openBlockstore(path.join(dir, 'bs'));
    store.beginWrite();
    const writer = new PinWriter(store, path.join(dir, 'out.car.tmp'), placeholderRoot());
    const blocks: Array<{ cid: CID; bytes: Uint8Array }> = [];
    // 40 blocks of 1.2 MiB: each bigger than a 1 MiB batch, 48 MiB in all (more than the queue's 32 batches).
    for (let i = 0; i < 40; i++) {
      const bytes = new Uint8Array(1_200_000).fill(i);
      blocks.push({ cid: rawCid(bytes), bytes });
    }
    for (let i = 0; i < 300; i++) {
      const bytes = new TextEncoder().encode(`small block ${i}\n`);
      blocks.push({ cid: rawCid(bytes), bytes });
    }
    for (const b of blocks) writer.put(b.cid, b.bytes);
    // Repeats are written once.
    for (const b of blocks.slice(0, 10)) writer.put(b.cid, b.bytes);
    const root = blocks[blocks.length - 1]!.cid;
    // A raw CID is as long as a dag-pb one (36 bytes), so it fits the reserved header.
    await writer.finish(root, path.join(dir, 'out.car'));
    store.endWrite();
    expect(writer.carBlocks).toBe(blocks.length);

    const car = await readCarVerified(path.join(dir, 'out.car'));
    expect(car.roots.map(String)).toEqual([root.toString()]);
    expect(car.count).toBe(blocks.length);
    const reopened = await openBlockstore(path.join(dir, 'bs'), { create: false });
    for (const b of [blocks[0]!, blocks[39]!, blocks[40]!, blocks[blocks.length - 1]!]) {
      expect(Buffer.compare(Buffer.from(await reopened.getBytes(b.cid)), Buffer.from(b.bytes))).toBe(0);
    }
    await expect(readFile(path.join(dir, 'out.car.tmp'))).rejects.toMatchObject({ code: 'ENOENT' });
  }, 60_000);

  it('abort deletes the temp CAR and leaves no file under the final name', async () => {
    const store = await openBlockstore(path.join(dir, 'bs2'));
    store.beginWrite();
    const writer = new PinWriter(store, path.join(dir, 'aborted.car.tmp'), placeholderRoot());
    const bytes = new TextEncoder().encode('x');
    writer.put(rawCid(bytes), bytes);
    expect(await writer.abort()).toBeUndefined();
    store.endWrite();
    await expect(readFile(path.join(dir, 'aborted.car.tmp'))).rejects.toMatchObject({ code: 'ENOENT' });
    // The block handed over before the abort is written whole.
    expect(Buffer.from(await store.getBytes(rawCid(bytes))).toString()).toBe('x');
  });

  it('a writer thread that dies is a BLOCKSTORE_WRITE, not a hang: while the queue is full, and at finish', async () => {
    const store = await openBlockstore(path.join(dir, 'bs3'));
    store.beginWrite();
    const writer = new PinWriter(store, path.join(dir, 'dead.car.tmp'), placeholderRoot());
    // Stands in for a crash (there is no way to make the real thread fail mid-write on purpose).
    await (writer as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    const big = new Uint8Array(1_100_000);
    let thrown: unknown;
    try {
      // More batches than the queue holds: the 33rd waits for a thread that is gone.
      for (let i = 0; i < 40; i++) writer.put(rawCid(big.fill(i)), big);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 'BLOCKSTORE_WRITE', message: expect.stringContaining('writer thread') });
    await expect(writer.finish(placeholderRoot(), path.join(dir, 'dead.car'))).rejects.toMatchObject({ code: 'BLOCKSTORE_WRITE' });
  }, 30_000);
});

function rawCid(bytes: Uint8Array): CID {
  return CID.createV1(RAW, Digest.create(0x12, createHash('sha256').update(bytes).digest()));
}
