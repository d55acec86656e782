/**
 * The order in which ipfs-unixfs-importer hands blocks to the block store, with importerOptions():
 * it depends on the content only, never on how fast each file's bytes arrive. `samizdat pin`
 * writes its CAR in this order, so this is what makes the same bundle give the same CAR bytes.
 */
import { describe, expect, it } from 'vitest';
import type { ImportCandidate } from 'ipfs-unixfs-importer';
import type { CID } from 'multiformats/cid';
import * as dagPb from '@ipld/dag-pb';
import { importTree } from '../../src/ipfs/import.ts';
import { importerOptions, KUBO_ADD_CIDV1 } from '../../src/ipfs/options.ts';
import { ROOT_NAME } from '../../src/ipfs/walk.ts';

// Small chunks so that files have several leaves and file nodes; a low shard threshold so that
// a folder becomes a HAMT.
const PROFILE = { ...KUBO_ADD_CIDV1, chunkSize: 64, maxChildrenPerNode: 4, shardSplitThresholdBytes: 400 };

function files(): Array<{ path: string; bytes: Uint8Array }> {
  const out: Array<{ path: string; bytes: Uint8Array }> = [];
  for (let i = 0; i < 40; i++) out.push({ path: `a/f${i}.html`, bytes: new Uint8Array(20 + ((i * 37) % 700)).map((_, j) => (i * 13 + j) & 0xff) });
  for (let i = 0; i < 10; i++) out.push({ path: `b/c/g${i}.txt`, bytes: new TextEncoder().encode(`page ${i % 3}\n`) });
  out.push({ path: 'index.html', bytes: new TextEncoder().encode('<p>home</p>\n') });
  return out;
}

/** Each piece of each file arrives after a random delay: the I/O timing of a real read, exaggerated. */
function candidates(jitterMs: number): ImportCandidate[] {
  const list: ImportCandidate[] = [{ path: ROOT_NAME }, { path: `${ROOT_NAME}/a` }, { path: `${ROOT_NAME}/b` }, { path: `${ROOT_NAME}/b/c` }];
  for (const f of files()) {
    list.push({
      path: `${ROOT_NAME}/${f.path}`,
      content: (async function* () {
        for (let at = 0; at < f.bytes.byteLength; at += 50) {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * jitterMs));
          yield f.bytes.subarray(at, at + 50);
        }
      })(),
    });
  }
  return list.sort((x, y) => (x.path! < y.path! ? -1 : 1));
}

async function putOrder(jitterMs: number): Promise<{ root: CID; order: string[] }> {
  const order: string[] = [];
  const root = await importTree(candidates(jitterMs), { put: (cid: CID) => (order.push(cid.toString()), cid) }, { profile: PROFILE });
  return { root, order };
}

describe('importer block order', () => {
  it('importerOptions imports one file and one block at a time', () => {
    expect(importerOptions(PROFILE)).toMatchObject({ fileImportConcurrency: 1, blockWriteConcurrency: 1 });
  });

  it('is the same whatever the timing of the reads, and puts every child before its parent', async () => {
    const first = await putOrder(0);
    for (let run = 0; run < 3; run++) {
      const again = await putOrder(3);
      expect(again.root.toString()).toBe(first.root.toString());
      expect(again.order).toEqual(first.order);
    }
    // Children before parents: no block is linked to by a block handed over before it.
    const blocks = new Map<string, Uint8Array>();
    const order: string[] = [];
    await importTree(candidates(0), { put: (cid: CID, bytes: Uint8Array) => (order.push(cid.toString()), blocks.set(cid.toString(), bytes), cid) }, { profile: PROFILE });
    const seen = new Set<string>();
    let links = 0;
    for (const key of order) {
      const bytes = blocks.get(key)!;
      if (key.startsWith('bafy')) {
        for (const l of dagPb.decode(bytes).Links) {
          expect(seen.has(l.Hash.toString()), `${key} links to ${l.Hash} before it`).toBe(true);
          links += 1;
        }
      }
      seen.add(key);
    }
    expect(links).toBeGreaterThan(50);
    expect(order.at(-1)).toBe(first.root.toString());
  }, 60_000);
});
