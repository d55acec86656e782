/**
 * The order in which ipfs-unixfs-importer hands blocks to the block store, with importerOptions()
 * (sixteen files and sixteen blocks at once), content read synchronously and a synchronous block
 * sink, as `samizdat pin` does: it depends on the content only, never on what else the process
 * is doing. pin writes its CAR in this order, so this is what makes the same bundle give the
 * same CAR bytes.
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

/** The candidates, each file's content read synchronously in pieces of 50 bytes (walk.ts reads files with readSync). */
function candidates(): ImportCandidate[] {
  const list: ImportCandidate[] = [{ path: ROOT_NAME }, { path: `${ROOT_NAME}/a` }, { path: `${ROOT_NAME}/b` }, { path: `${ROOT_NAME}/b/c` }];
  for (const f of files()) {
    list.push({
      path: `${ROOT_NAME}/${f.path}`,
      content: (function* () {
        for (let at = 0; at < f.bytes.byteLength; at += 50) yield f.bytes.subarray(at, at + 50);
      })(),
    });
  }
  return list.sort((x, y) => (x.path! < y.path! ? -1 : 1));
}

async function putOrder(): Promise<{ root: CID; order: string[] }> {
  const order: string[] = [];
  const root = await importTree(candidates(), { put: (cid: CID) => (order.push(cid.toString()), cid) }, { profile: PROFILE });
  return { root, order };
}

describe('importer block order', () => {
  it('importerOptions imports several files and blocks at once', () => {
    expect(importerOptions(PROFILE)).toMatchObject({ fileImportConcurrency: 16, blockWriteConcurrency: 16 });
  });

  it('is the same run after run and whatever else runs beside it, and puts every child before its parent', async () => {
    const first = await putOrder();
    // Interleaved with each other and with timers firing at random moments: other work on the
    // event loop must not change the order.
    let ticking = true;
    const tick = async () => {
      while (ticking) await new Promise((resolve) => setTimeout(resolve, Math.random() * 2));
    };
    const ticker = tick();
    const again = await Promise.all([putOrder(), putOrder(), putOrder()]);
    ticking = false;
    await ticker;
    for (const run of again) {
      expect(run.root.toString()).toBe(first.root.toString());
      expect(run.order).toEqual(first.order);
    }
    // Children before parents: no block is linked to by a block handed over before it.
    const blocks = new Map<string, Uint8Array>();
    const order: string[] = [];
    await importTree(candidates(), { put: (cid: CID, bytes: Uint8Array) => (order.push(cid.toString()), blocks.set(cid.toString(), bytes), cid) }, { profile: PROFILE });
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
