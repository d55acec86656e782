/**
 * The builders of src/ipfs/builders.ts against the importer's own: the single-chunk file builder
 * gives the same entries (path, CID, size, UnixFS type) and the same blocks, for files of no
 * bytes, one chunk, exactly one chunk, one byte more, several chunks and enough chunks for two
 * layers, in folders that become HAMT shards, and really takes the shortcut (otherwise this
 * proves nothing); the folder builder gives the same entries and stores no empty-folder block.
 */
import { describe, expect, it } from 'vitest';
import { importer, type ImportCandidate } from 'ipfs-unixfs-importer';
import type { CID } from 'multiformats/cid';
import { importerOptions, KUBO_ADD_CIDV1, KUBO_UNIXFS_V0_2015, plainImporterOptions } from '../../src/ipfs/options.ts';
import { emptyFolderCid, unstoredFolderDirBuilder } from '../../src/ipfs/builders.ts';

// Small chunks and nodes so that every case is small: 64-byte chunks, 4 links per node.
const PROFILE = { ...KUBO_ADD_CIDV1, chunkSize: 64, maxChildrenPerNode: 4, shardSplitThresholdBytes: 400 };
const SIZES = [0, 1, 63, 64, 65, 128, 200, 64 * 4, 64 * 4 + 1, 64 * 17 + 5];

function candidates(): ImportCandidate[] {
  const list: ImportCandidate[] = [{ path: 'root' }, { path: 'root/many' }, { path: 'root/empty' }];
  SIZES.forEach((size, i) => {
    const bytes = new Uint8Array(size).map((_, j) => (i * 31 + j * 7) & 0xff);
    list.push({ path: `root/f${i}.bin`, content: [bytes] });
  });
  // Enough names to turn the folder into a HAMT shard, and repeated contents.
  for (let i = 0; i < 40; i++) list.push({ path: `root/many/page-${String(i).padStart(3, '0')}.html`, content: [new TextEncoder().encode(`<p>page ${i % 7}</p>\n`)] });
  return list;
}

async function run(options: ReturnType<typeof importerOptions>) {
  const blocks = new Map<string, number>();
  const entries: string[] = [];
  const store = { put: async (cid: CID, bytes: Uint8Array) => (blocks.set(cid.toString(), bytes.byteLength), cid) };
  for await (const e of importer(candidates(), store, options)) entries.push(`${e.path} ${e.cid} ${e.size} ${e.unixfs?.type ?? 'raw'}`);
  return { entries: entries.sort(), blocks: [...blocks].sort() };
}

describe('single-chunk file builder', () => {
  it('gives what the importer gives, entry for entry and block for block', async () => {
    const own = await run(plainImporterOptions(PROFILE));
    const fast = await run(importerOptions(PROFILE));
    expect(fast.entries).toEqual(own.entries);
    expect(fast.blocks).toEqual(own.blocks);
    // The cases are what they say: raw leaves alone, and files with a file node.
    expect(own.entries.filter((e) => e.endsWith(' raw')).length).toBeGreaterThan(40);
    expect(own.entries.filter((e) => / file$/.test(e)).length).toBe(SIZES.filter((s) => s > PROFILE.chunkSize).length);
    expect(own.entries.some((e) => e.endsWith(' hamt-sharded-directory'))).toBe(true);
  });

  it('is used for raw-leaf profiles and really takes the shortcut; not for CIDv0 without raw leaves', async () => {
    const options = importerOptions(PROFILE);
    expect(options.fileBuilder).toBeTypeOf('function');
    expect(importerOptions(KUBO_UNIXFS_V0_2015).fileBuilder).toBeUndefined();
    // A one-chunk file: one put, of its bytes, and no nested import.
    const puts: number[] = [];
    const bytes = new TextEncoder().encode('hello world');
    const result = await options.fileBuilder!({ path: 'a.txt', content: (async function* () { yield bytes; })() }, { put: async (cid: CID, b: Uint8Array) => (puts.push(b.byteLength), cid) }, {} as never);
    expect(puts).toEqual([11]);
    // Kubo's own vector for `hello world` as a raw leaf (test/cli/add_test.go).
    expect(result.cid.toString()).toBe('bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e');
    expect(result.size).toBe(11n);
  });
});

describe('unstored folder builder', () => {
  it('gives the importer\'s entries and stores every block but the empty folder\'s, which the DAG still links to', async () => {
    const own = await run(plainImporterOptions(PROFILE));
    const options = importerOptions(PROFILE);
    const fast = await run({ ...options, dirBuilder: unstoredFolderDirBuilder(options) });
    expect(fast.entries).toEqual(own.entries);
    const empty = (await emptyFolderCid(1)).toString();
    expect(own.blocks.map(([cid]) => cid)).toContain(empty);
    expect(fast.blocks).toEqual(own.blocks.filter(([cid]) => cid !== empty));
  });

  it('builds and stores a folder with mtime or mode as the importer does', async () => {
    const options = importerOptions(PROFILE);
    const puts: string[] = [];
    const store = { put: async (cid: CID) => (puts.push(cid.toString()), cid) };
    const result = await unstoredFolderDirBuilder(options)({ path: 'd', mode: 0o755 }, store, {} as never);
    const own: string[] = [];
    const yielded: string[] = [];
    for await (const e of importer([{ path: 'd', mode: 0o755 }], { put: async (cid: CID) => (own.push(cid.toString()), cid) }, plainImporterOptions(PROFILE))) yielded.push(e.cid.toString());
    expect(yielded).toEqual([result.cid.toString()]);
    expect(puts).toEqual([result.cid.toString()]);
    expect(own).toContain(result.cid.toString());
  });
});
