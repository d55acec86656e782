/** Property: any tree we import exports back equal, file by file (and folder by folder). */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryBlocks, cidOfTree, type Tree } from './support/memory.ts';
import { exportTree } from './support/export.ts';

const name = fc.stringMatching(/^[a-zA-Z0-9_\-éжπ ]{1,12}$/).filter((n) => n !== '.' && n !== '..' && !n.startsWith(' ') && !n.endsWith(' '));
// Mostly small files; sometimes past one 256 KiB chunk, so multi-block files are in the mix.
const content = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ maxLength: 2048 }) },
  { weight: 1, arbitrary: fc.integer({ min: 262_140, max: 600_000 }).map((n) => new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff)) },
);
type Node = { kind: 'file'; bytes: Uint8Array } | { kind: 'dir'; children: Record<string, Node> };
const node: fc.Arbitrary<Node> = fc.letrec<{ node: Node; dir: Node }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, content.map((bytes) => ({ kind: 'file' as const, bytes })), tie('dir')),
  dir: fc.dictionary(name, tie('node'), { maxKeys: 6 }).map((children) => ({ kind: 'dir' as const, children })),
})).dir;

function flatten(n: Node, prefix: string, out: Tree): Tree {
  if (n.kind === 'dir') {
    if (prefix) out[prefix] = null;
    for (const [k, v] of Object.entries(n.children)) flatten(v, prefix ? `${prefix}/${k}` : k, out);
  } else out[prefix] = n.bytes;
  return out;
}

describe('import then export', () => {
  it('returns every file and folder unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(node, async (root) => {
        // No prototype: a folder named "__proto__" must be a key like any other.
        const tree = flatten(root, '', Object.create(null) as Tree);
        const blocks = new MemoryBlocks();
        const cid = await cidOfTree(tree, undefined, blocks);
        const back = await exportTree(cid, blocks);
        expect([...back.keys()].sort()).toEqual(Object.keys(tree).sort());
        for (const [p, v] of Object.entries(tree)) {
          if (v === null) expect(back.get(p)).toBeNull();
          else expect(Buffer.compare(Buffer.from(back.get(p)!), Buffer.from(v as Uint8Array)), p).toBe(0);
        }
        // Import is a function of the content: the same tree again gives the same CID.
        expect((await cidOfTree(tree)).equals(cid)).toBe(true);
      }),
      {
        numRuns: 40,
        // Found by a run: a folder named "__proto__".
        examples: [[{ kind: 'dir', children: JSON.parse('{"__proto__":{"kind":"dir","children":{"-":{"kind":"file","bytes":{}}}}}', (k, v) => (k === 'bytes' ? new Uint8Array() : v)) as Record<string, Node> }]],
      },
    );
  }, 120_000);
});
