/**
 * Property: the one-pass builder `samizdat pin` uses (src/ipfs/dag.ts) makes exactly the DAG of
 * ipfs-unixfs-importer, the reference the Kubo vectors are checked against: the same root CID
 * and the same blocks, byte for byte, on random trees, under profiles that force multi-level
 * files (tiny chunks, few links per node), HAMT shards (tiny thresholds) and nested buckets
 * (a fanout of 4). The builder hands over only blocks of the DAG; the importer also stores the
 * empty-folder block for every folder, so we compare with the blocks reachable from its root.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { CID } from 'multiformats/cid';
import { walkDag } from '../../src/ipfs/car.ts';
import { KUBO_ADD_CIDV1, KUBO_UNIXFS_V0_2015, KUBO_UNIXFS_V1_2025, type ImportProfile } from '../../src/ipfs/options.ts';
import { MemoryBlocks, cidOfTree, type Tree } from './support/memory.ts';

const PROFILES: Record<string, ImportProfile> = {
  'ipfs add --cid-version=1 (samizdat)': KUBO_ADD_CIDV1,
  'CIDv1, 16-byte chunks, 3 links per node, shards past 150 bytes': { ...KUBO_ADD_CIDV1, chunkSize: 16, maxChildrenPerNode: 3, shardSplitThresholdBytes: 150 },
  'CIDv1, shards past 1 byte, fanout 4 (nested buckets)': { ...KUBO_ADD_CIDV1, shardSplitThresholdBytes: 1, shardFanoutBits: 2, chunkSize: 32, maxChildrenPerNode: 2 },
  'CIDv0 without raw leaves, 16-byte chunks, shards past 120 bytes': { ...KUBO_UNIXFS_V0_2015, chunkSize: 16, maxChildrenPerNode: 4, shardSplitThresholdBytes: 120 },
  'unixfs-v1-2025 (block-bytes estimate), shards past 200 bytes': { ...KUBO_UNIXFS_V1_2025, chunkSize: 64, maxChildrenPerNode: 5, shardSplitThresholdBytes: 200 },
};

const name = fc.stringMatching(/^[a-zA-Z0-9_\-éжπ]{1,10}$/);
// A few fixed contents make identical files (one block, linked twice) common.
const content = fc.oneof(
  fc.constantFrom(new Uint8Array(0), new TextEncoder().encode('same\n'), new Uint8Array(40).fill(7)),
  fc.uint8Array({ maxLength: 200 }),
);
type Node = { kind: 'file'; bytes: Uint8Array } | { kind: 'dir'; children: Record<string, Node> };
const tree: fc.Arbitrary<Node> = fc.letrec<{ node: Node; dir: Node }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, content.map((bytes) => ({ kind: 'file' as const, bytes })), tie('dir')),
  dir: fc.dictionary(name, tie('node'), { maxKeys: 12 }).map((children) => ({ kind: 'dir' as const, children })),
})).dir;

function flatten(n: Node, prefix: string, out: Tree): Tree {
  if (n.kind === 'dir') {
    if (prefix) out[prefix] = null;
    for (const [k, v] of Object.entries(n.children)) flatten(v, prefix ? `${prefix}/${k}` : k, out);
  } else out[prefix] = n.bytes;
  return out;
}

async function reachable(blocks: MemoryBlocks, root: CID): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for await (const b of walkDag(blocks, root)) out.set(b.cid.toString(), b.bytes);
  return out;
}

describe('one-pass builder = ipfs-unixfs-importer', () => {
  for (const [label, profile] of Object.entries(PROFILES)) {
    it(`same root and blocks on random trees: ${label}`, async () => {
      await fc.assert(
        fc.asyncProperty(tree, async (root) => {
          const t = flatten(root, '', {});
          const ref = new MemoryBlocks();
          const ours = new MemoryBlocks();
          const refRoot = await cidOfTree(t, profile, ref, 'importer');
          const ourRoot = await cidOfTree(t, profile, ours, 'dag');
          expect(ourRoot.toString()).toBe(refRoot.toString());
          const expected = await reachable(ref, refRoot);
          expect([...ours.blocks.keys()].sort()).toEqual([...expected.keys()].sort());
          for (const [cid, { bytes }] of ours.blocks) expect(Buffer.compare(Buffer.from(bytes), Buffer.from(expected.get(cid)!)), cid).toBe(0);
        }),
        { numRuns: 60 },
      );
    }, 120_000);
  }

  it('a big folder past the real threshold (10,000 entries, sharded with sub-buckets) and a 3-level file', async () => {
    const t: Tree = {};
    for (let i = 0; i < 10_000; i++) t[`articles/article-${i}/index.html`] = `<p>${i % 97}</p>\n`;
    // 174 × 174 + 1 chunks of 16 bytes: three levels of file nodes.
    t['big.bin'] = new Uint8Array((174 * 174 + 1) * 16).map((_, i) => (i * 7) & 0xff);
    const profile = { ...KUBO_ADD_CIDV1 };
    const bigFile = { ...profile, chunkSize: 16 };
    for (const p of [profile, bigFile]) {
      const ref = new MemoryBlocks();
      const ours = new MemoryBlocks();
      const refRoot = await cidOfTree(t, p, ref, 'importer');
      expect((await cidOfTree(t, p, ours, 'dag')).toString()).toBe(refRoot.toString());
      expect(ours.blocks.size).toBe((await reachable(ref, refRoot)).size);
    }
  }, 120_000);
});
