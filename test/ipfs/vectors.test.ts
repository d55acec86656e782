/**
 * Kubo's own published CIDs, reproduced in-process. Each vector names the Kubo file it comes
 * from (github.com/ipfs/kubo); inputs were reconstructed exactly from those files.
 */
import { describe, expect, it } from 'vitest';
import { CID } from 'multiformats/cid';
import * as dagPb from '@ipld/dag-pb';
import { KUBO_ADD_CIDV1, KUBO_UNIXFS_V0_2015, KUBO_UNIXFS_V1_2025, type ImportProfile } from '../../src/ipfs/options.ts';
import { MemoryBlocks, cidOfFile, cidOfTree, type Tree } from './support/memory.ts';
import { chachaBytes, deterministicNames } from './support/chacha.ts';

const enc = (s: string) => new TextEncoder().encode(s);

// Every vector goes through ipfs-unixfs-importer with importerOptions(profile), what `samizdat pin` imports with.
describe('Kubo vectors: ipfs add --cid-version=1 (the profile samizdat publishes with)', () => {
  it('the empty directory (`ipfs add -r --cid-version=1` of an empty folder)', async () => {
    expect((await cidOfTree({})).toString()).toBe('bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354');
  });

  it('"hello world" as a raw leaf (test/cli/add_test.go shortStringCidV1)', async () => {
    expect((await cidOfFile(enc('hello world'))).toString()).toBe('bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e');
  });

  it('a zero-length file with raw leaves (test/sharness/t0040-add-and-cat.sh test_add_cat_raw)', async () => {
    expect((await cidOfFile(new Uint8Array(0))).toString()).toBe('bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku');
  });

  it('planets (test/sharness/t0040-add-and-cat.sh add_directory --cid-version=1)', async () => {
    const blocks = new MemoryBlocks();
    const root = await cidOfTree({ 'mars.txt': 'Hello Mars!\n', 'venus.txt': 'Hello Venus!\n' }, KUBO_ADD_CIDV1, blocks);
    expect(root.toString()).toBe('bafybeih7e5dmkyk25up5vxug4q3hrg2fxbzf23dfrac2fns5h7z4aa7ioi');
    const links = dagPb.decode(await blocks.getBytes(root)).Links.map((l) => [l.Name, l.Hash.toString()]);
    expect(links).toEqual([
      ['mars.txt', 'bafkreibmlvvgdyihetgocpof6xk64kjjzdeq2e4c7hqs3krdheosk4tgj4'],
      ['venus.txt', 'bafkreihfsphazrk2ilejpekyltjeh5k4yvwgjuwg26ueafohqioeo3sdca'],
    ]);
  });

  it('testdirlisting (test/sharness/t0114-gateway-subdomains/README.md DIR_CID)', async () => {
    const tree: Tree = {
      hello: 'hello\n',
      'ipfs/ipns/bar': 'text-file-content\n',
      'api/file.txt': 'I am a txt file\n',
      'ipfs/file.txt': 'I am a txt file\n',
    };
    expect((await cidOfTree(tree)).toString()).toBe('bafybeiht6dtwk3les7vqm6ibpvz6qpohidvlshsfyr7l5mpysdw2vmbbhe');
    // Same README: CIDv1 of "hello\n" alone.
    expect((await cidOfFile(enc('hello\n'))).toString()).toBe('bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am');
  });

  it('2000-file directory, sharding forced on (test/sharness/t0260-sharding.sh SHARDEDV1)', async () => {
    // The script sets Internal.UnixFSShardingSizeThreshold to "1B" before this add.
    const tree: Tree = {};
    for (let i = 1; i <= 2000; i++) tree[`file${i}`] = `${i}\n`;
    const root = await cidOfTree(tree, { ...KUBO_ADD_CIDV1, shardSplitThresholdBytes: 1 });
    expect(root.toString()).toBe('bafybeibiemewfzzdyhq2l74wrd6qj2oz42usjlktgnlqv4yfawgouaqn4u');
  });
});

describe('Kubo vectors: CIDv0 (same importer, the legacy knobs)', () => {
  const v0 = KUBO_UNIXFS_V0_2015;
  it('"hello world" (test/cli/add_test.go shortStringCidV0)', async () => {
    expect((await cidOfFile(enc('hello world'), v0)).toString()).toBe('Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD');
  });
  it('planets and moons (test/sharness/t0040-add-and-cat.sh)', async () => {
    expect((await cidOfTree({ 'mars.txt': 'Hello Mars!\n', 'venus.txt': 'Hello Venus!\n' }, v0)).toString()).toBe('QmWSgS32xQEcXMeqd3YPJLrNBLSdsfYCep2U7CFkyrjXwY');
    expect((await cidOfTree({ 'mars.txt': 'Hello Mars!\n', 'venus.txt': 'Hello Venus!\n' }, { ...v0, rawLeaves: true })).toString()).toBe('QmfWfQfKCY5Ukv9peBbxM5vqWM9BzmqUSXvdCgjT2wsiBT');
    const moons: Tree = { 'jupiter/europa.txt': 'Hello Europa!\n', 'saturn/titan.txt': 'Hello Titan!\n', 'mercury.txt': 'hey youre no moon!\n' };
    expect((await cidOfTree(moons, v0)).toString()).toBe('QmVKvomp91nMih5j6hYBA8KjbiaYvEetU2Q7KvtZkLe9nQ');
  });
  it('2000-file directory unsharded and sharded (test/sharness/t0260-sharding.sh)', async () => {
    const tree: Tree = {};
    for (let i = 1; i <= 2000; i++) tree[`file${i}`] = `${i}\n`;
    expect((await cidOfTree(tree, { ...v0, shardSplitThresholdBytes: 1 << 30 })).toString()).toBe('QmavrTrQG4VhoJmantURAYuw3bowq3E2WcvP36NRQDAC1N');
    // And with Kubo's default threshold (256 KiB) 2000 short names stay unsharded too.
    expect((await cidOfTree(tree, v0)).toString()).toBe('QmavrTrQG4VhoJmantURAYuw3bowq3E2WcvP36NRQDAC1N');
    expect((await cidOfTree(tree, { ...v0, shardSplitThresholdBytes: 1 })).toString()).toBe('QmSCJD1KYLhVVHqBK3YyXuoEqHt7vggyJhzoFYbT8v1XYL');
  });
});

/** test/cli/cid_profiles_test.go: chunk and shard boundaries, inputs from seeded ChaCha20. */
describe('Kubo vectors: chunk and HAMT boundaries (test/cli/cid_profiles_test.go)', () => {
  const KiB = 1024;
  const MiB = 1024 * KiB;
  const file = (size: number, seed: string, profile: ImportProfile) => cidOfFile(chachaBytes(size, seed), profile);
  const dirOf = async (n: number, nameLen: number, lastLen: number, seed: string, profile: ImportProfile) => {
    const tree: Tree = {};
    const names = deterministicNames(n, nameLen, lastLen, seed);
    for (const name of names) tree[name] = 'x';
    expect(Object.keys(tree)).toHaveLength(n); // no two names collide, as in Kubo's run
    const blocks = new MemoryBlocks();
    const root = await cidOfTree(tree, profile, blocks);
    return { root, links: dagPb.decode(await blocks.getBytes(root)).Links.length };
  };

  it('unixfs-v0-2015: 174 chunks fit one node; 175 rebalance to two (seed "v0-seed")', async () => {
    expect((await file(44544 * KiB, 'v0-seed', KUBO_UNIXFS_V0_2015)).toString()).toBe('QmUbBALi174SnogsUzLpYbD4xPiBSFANF4iztWCsHbMKh2');
    expect((await file(44800 * KiB, 'v0-seed', KUBO_UNIXFS_V0_2015)).toString()).toBe('QmepeWtdmS1hHXx1oZXsPUv6bMrfRRKfZcoPPU4eEfjnbf');
  });

  it('unixfs-v0-2015: a folder at exactly 262144 link bytes stays flat; one byte more becomes a HAMT', async () => {
    const basic = await dirOf(4096, 30, 30, 'hamt-unixfs-v0-2015', KUBO_UNIXFS_V0_2015);
    expect(basic.links).toBe(4096);
    expect(basic.root.toString()).toBe('QmX5GtRk3TSSEHtdrykgqm4eqMEn3n2XhfkFAis5fjyZmN');
    const hamt = await dirOf(4033, 31, 31, 'hamt-unixfs-v0-2015', KUBO_UNIXFS_V0_2015);
    expect(hamt.links).toBeLessThanOrEqual(256);
    expect(hamt.root.toString()).toBe('QmeMiJzmhpJAUgynAcxTQYek5PPKgdv3qEvFsdV3XpVnvP');
  });

  it('unixfs-v1-2025: a folder block of exactly 262144 bytes stays flat; 262145 becomes a HAMT', async () => {
    const basic = await dirOf(4766, 11, 21, 'hamt-unixfs-v1-2025', KUBO_UNIXFS_V1_2025);
    expect(basic.links).toBe(4766);
    expect(basic.root.toString()).toBe('bafybeic3h7rwruealwxkacabdy45jivq2crwz6bufb5ljwupn36gicplx4');
    const hamt = await dirOf(4766, 11, 22, 'hamt-unixfs-v1-2025', KUBO_UNIXFS_V1_2025);
    expect(hamt.root.toString()).toBe('bafybeiegvuterwurhdtkikfhbxcldohmxp566vpjdofhzmnhv6o4freidu');
  });

  it('CIDv1 raw leaves, 174 links: 174 MiB fits one node, 175 MiB rebalances (test/cli/add_test.go, profile test-cid-v1, seed "v1-seed")', async () => {
    const testCidV1 = { ...KUBO_ADD_CIDV1, chunkSize: MiB };
    expect((await file(174 * MiB, 'v1-seed', testCidV1)).toString()).toBe('bafybeigwduxcf2aawppv3isnfeshnimkyplvw3hthxjhr2bdeje4tdaicu');
    expect((await file(175 * MiB, 'v1-seed', testCidV1)).toString()).toBe('bafybeidhd7lo2n2v7lta5yamob3xwhbxcczmmtmhquwhjesi35jntf7mpu');
  }, 120_000);

  it('unixfs-v1-2025: 1024 chunks of 1 MiB fit one node; 1025 rebalance (seed "v1-2025-seed")', async () => {
    expect((await file(1024 * MiB, 'v1-2025-seed', KUBO_UNIXFS_V1_2025)).toString()).toBe('bafybeihmf37wcuvtx4hpu7he5zl5qaf2ineo2lqlfrapokkm5zzw7zyhvm');
    expect((await file(1025 * MiB, 'v1-2025-seed', KUBO_UNIXFS_V1_2025)).toString()).toBe('bafybeihmzokxxjqwxjcryerhp5ezpcog2wcawfryb2xm64xiakgm4a5jue');
  }, 180_000);

  it('CIDv0 with --max-file-links 1024: 256 MiB in one node (test/cli/add_test.go, seed "hello world")', async () => {
    expect((await file(262144 * KiB, 'hello world', { ...KUBO_UNIXFS_V0_2015, maxChildrenPerNode: 1024 })).toString()).toBe('QmbBftNHWmjSWKLC49dMVrfnY8pjrJYntiAXirFJ7oJrNk');
  }, 120_000);
});

it('CIDs parse back to what we printed', () => {
  const c = CID.parse('bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354');
  expect(c.version).toBe(1);
});
