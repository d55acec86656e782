import { mkdir, readdir, readFile, rm, symlink, truncate, writeFile, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CID } from 'multiformats/cid';
import * as dagPb from '@ipld/dag-pb';
import { importListed, openBlockstore, pinSite, verifyCar, walkDag } from '../../src/ipfs/index.ts';
import { listBundle } from '../../src/ipfs/walk.ts';
import { InputError, SamizdatError } from '../../src/errors.ts';
import { readPublications } from '../../src/ipfs/publications.ts';
import { tempDir } from '../support/net.ts';
import { MemoryBlocks, cidOfTree, type Tree } from './support/memory.ts';
import { exportTree, readCarVerified } from './support/export.ts';

const TREE: Tree = {
  'index.html': '<!doctype html><title>x</title><a href="a/index.html">a</a>\n',
  'a/index.html': '<p>Статья</p>\n',
  'a/big.bin': () => (async function* () {
    // 600 KiB: three chunks, so a file node with raw leaves.
    for (let i = 0; i < 6; i++) yield new Uint8Array(100 * 1024).fill(i + 1);
  })(),
  'css/site.css': 'body{}\n',
  'empty-folder': null,
  'zero.txt': '',
};

async function writeTree(dir: string, tree: Tree): Promise<void> {
  for (const [rel, v] of Object.entries(tree)) {
    const abs = path.join(dir, rel);
    if (v === null) {
      await mkdir(abs, { recursive: true });
      continue;
    }
    await mkdir(path.dirname(abs), { recursive: true });
    if (typeof v === 'function') {
      const parts: Uint8Array[] = [];
      for await (const c of v()) parts.push(c);
      await writeFile(abs, Buffer.concat(parts));
    } else await writeFile(abs, v);
  }
}

describe('pinSite: local import and CAR', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let site: string;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('samizdat-pin-'));
    site = path.join(dir, 'dist/site');
    await writeTree(site, TREE);
    await writeFile(path.join(site, '.DS_Store'), 'junk');
    await mkdir(path.join(site, '.git'));
    await writeFile(path.join(site, '.git/HEAD'), 'ref');
  });
  afterAll(() => cleanup());

  it('gives the CID of the same tree imported in memory, leaves dot-files out, and writes dist/<cid>.car', async () => {
    const events: string[] = [];
    const r = await pinSite({ siteDir: site, distDir: path.join(dir, 'dist'), blockstoreDir: path.join(dir, '.samizdat/ipfs'), gateways: ['ipfs.io', 'dweb.link'], onProgress: (e) => events.push(e.type) });
    expect(r.cid).toBe((await cidOfTree(TREE)).toString());
    expect(r.skippedHidden.sort()).toEqual(['.DS_Store', '.git']);
    expect(r.files).toBe(5);
    expect(r.carPath).toBe(path.join(dir, 'dist', `${r.cid}.car`));
    expect(r.ok).toBe(true);
    expect(r.remote).toEqual([]);
    expect(events).toContain('import');
    expect(events).toContain('car');
    expect(r.links.native).toBe(`ipfs://${r.cid}/`);
    expect(r.links.gateways[0]).toEqual({ gateway: 'ipfs.io', path: `https://ipfs.io/ipfs/${r.cid}/`, subdomain: `https://${r.cid}.ipfs.ipfs.io/` });
    // base32 lowercase: valid as a DNS label (≤ 63 characters).
    expect(r.cid).toMatch(/^b[a-z2-7]{58}$/);
    expect((await readPublications(path.join(dir, '.samizdat/ipfs')))[0]!.cid).toBe(r.cid);
  });

  it('CAR round trip: one root, every block re-hashes to its CID, every file exports back byte for byte', async () => {
    const r = await pinSite({ siteDir: site, distDir: path.join(dir, 'dist'), blockstoreDir: path.join(dir, '.samizdat/ipfs'), gateways: [] });
    const car = await readCarVerified(r.carPath);
    expect(car.roots.map(String)).toEqual([r.cid]);
    expect(car.count).toBe(r.carBlocks);
    const exported = await exportTree(CID.parse(r.cid), car.blocks);
    const expected = new Map<string, Uint8Array | null>();
    for (const [rel, v] of Object.entries(TREE)) {
      const parts = rel.split('/');
      for (let i = 1; i < parts.length; i++) expected.set(parts.slice(0, i).join('/'), null);
      expected.set(rel, v === null ? null : await readFile(path.join(site, rel)));
    }
    expect([...exported.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [rel, bytes] of expected) {
      if (bytes === null) expect(exported.get(rel)).toBeNull();
      else expect(Buffer.compare(Buffer.from(exported.get(rel)!), Buffer.from(bytes)), rel).toBe(0);
    }
  });

  it('same bundle: same CID and byte-identical CAR, also from a fresh block store', async () => {
    const a = await pinSite({ siteDir: site, distDir: path.join(dir, 'out-a'), blockstoreDir: path.join(dir, 'bs-a'), gateways: [] });
    const b = await pinSite({ siteDir: site, distDir: path.join(dir, 'out-b'), blockstoreDir: path.join(dir, 'bs-b'), gateways: [] });
    const again = await pinSite({ siteDir: site, distDir: path.join(dir, 'out-b'), blockstoreDir: path.join(dir, 'bs-b'), gateways: [] });
    expect(a.cid).toBe(b.cid);
    expect(again.cid).toBe(b.cid);
    expect(Buffer.compare(await readFile(a.carPath), await readFile(b.carPath))).toBe(0);
    expect(Buffer.compare(await readFile(again.carPath), await readFile(b.carPath))).toBe(0);
  });

  it('the same bundle written in another order (files created in reverse): the same CAR bytes', async () => {
    const reversed = path.join(dir, 'reversed/dist/site');
    const entries = Object.entries(TREE).reverse();
    await writeTree(reversed, Object.fromEntries(entries));
    const a = await pinSite({ siteDir: site, distDir: path.join(dir, 'out-order-a'), blockstoreDir: path.join(dir, 'bs-order-a'), gateways: [] });
    const b = await pinSite({ siteDir: reversed, distDir: path.join(dir, 'out-order-b'), blockstoreDir: path.join(dir, 'bs-order-b'), gateways: [] });
    expect(b.cid).toBe(a.cid);
    expect(Buffer.compare(await readFile(a.carPath), await readFile(b.carPath))).toBe(0);
  });

  it('a rerun writes back a block missing from the store, and only that one', async () => {
    const { readdir, rm, stat: statFile } = await import('node:fs/promises');
    const store = path.join(dir, 'bs-repair');
    await pinSite({ siteDir: site, distDir: path.join(dir, 'out-r'), blockstoreDir: store, gateways: [] });
    const blocks = (await readdir(path.join(store, 'blocks'), { recursive: true })).filter((f) => f.endsWith('.data')).sort();
    const victim = path.join(store, 'blocks', blocks[0]!);
    const other = path.join(store, 'blocks', blocks[1]!);
    const otherBefore = (await statFile(other)).mtimeMs;
    await rm(victim);
    await new Promise((r) => setTimeout(r, 20));
    await pinSite({ siteDir: site, distDir: path.join(dir, 'out-r'), blockstoreDir: store, gateways: [] });
    await expect(statFile(victim)).resolves.toBeTruthy();
    expect((await statFile(other)).mtimeMs).toBe(otherBefore);
  });

  it('--hidden includes dot-files and so changes the CID', async () => {
    const plain = await pinSite({ siteDir: site, distDir: path.join(dir, 'out-h'), blockstoreDir: path.join(dir, 'bs-h'), gateways: [] });
    const hidden = await pinSite({ siteDir: site, distDir: path.join(dir, 'out-h'), blockstoreDir: path.join(dir, 'bs-h'), gateways: [], hidden: true });
    expect(hidden.skippedHidden).toEqual([]);
    expect(hidden.files).toBe(7);
    expect(hidden.cid).not.toBe(plain.cid);
  });

  it('verifyCar refuses a truncated CAR and a CAR of another root', async () => {
    const r = await pinSite({ siteDir: site, distDir: path.join(dir, 'dist'), blockstoreDir: path.join(dir, '.samizdat/ipfs'), gateways: [] });
    await expect(verifyCar(r.carPath, CID.parse(r.cid))).resolves.toEqual({ blocks: r.carBlocks });
    const cut = path.join(dir, 'cut.car');
    await copyFile(r.carPath, cut);
    const { size } = await import('node:fs/promises').then((fs) => fs.stat(cut));
    for (const keep of [size - 10, Math.floor(size / 2), 20]) {
      await copyFile(r.carPath, cut);
      await truncate(cut, keep);
      const err = await verifyCar(cut, CID.parse(r.cid)).catch((e: unknown) => e);
      expect(err, `truncated to ${keep}`).toBeInstanceOf(SamizdatError);
      expect((err as SamizdatError).code).toBe('CAR_INVALID');
    }
    const other = await cidOfTree({ x: 'y' });
    await expect(verifyCar(r.carPath, other)).rejects.toMatchObject({ code: 'CAR_INVALID' });
  });
});

describe('pinSite: bad input', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir('samizdat-pin-bad-')));
  afterAll(() => cleanup());

  it('a missing bundle is an InputError that says to build first', async () => {
    const err = await pinSite({ siteDir: path.join(dir, 'nope'), distDir: dir, blockstoreDir: path.join(dir, 'bs'), gateways: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err).toMatchObject({ code: 'BUNDLE_MISSING' });
    expect((err as InputError).hint).toMatch(/samizdat build/);
  });

  it('a block store folder that is not one is refused, and nothing is written into it', async () => {
    const site = path.join(dir, 'site');
    await writeTree(site, { 'index.html': 'x' });
    const notStore = path.join(dir, 'documents');
    await mkdir(notStore);
    await writeFile(path.join(notStore, 'thesis.odt'), 'precious');
    const err = await pinSite({ siteDir: site, distDir: dir, blockstoreDir: notStore, gateways: [] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BLOCKSTORE_INVALID' });
    await expect((await import('node:fs/promises')).readdir(notStore)).resolves.toEqual(['thesis.odt']);
    const file = path.join(dir, 'a-file');
    await writeFile(file, 'x');
    await expect(pinSite({ siteDir: site, distDir: dir, blockstoreDir: file, gateways: [] })).rejects.toMatchObject({ code: 'BLOCKSTORE_INVALID' });
  });

  it('a symlink in the bundle is refused with its path', async () => {
    const site = path.join(dir, 'site-link');
    await writeTree(site, { 'index.html': 'x' });
    await symlink('/etc/passwd', path.join(site, 'passwd'));
    await expect(pinSite({ siteDir: site, distDir: dir, blockstoreDir: path.join(dir, 'bs2'), gateways: [] })).rejects.toMatchObject({ code: 'BUNDLE_SYMLINK', message: expect.stringContaining('passwd') });
  });

  it('a file deleted between the listing and its import fails with BUNDLE_READ naming it', async () => {
    const site = path.join(dir, 'site-vanish');
    await writeTree(site, { 'index.html': 'x', 'a/gone.html': 'y' });
    const listed = listBundle(site);
    await rm(path.join(site, 'a/gone.html'));
    const err = await importListed(listed, new MemoryBlocks()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err).toMatchObject({ code: 'BUNDLE_READ', file: path.join(site, 'a/gone.html'), message: expect.stringContaining('a/gone.html') });
    expect((err as Error).message).toContain('deleted after the bundle was listed');
  });

  it('a pin target file with bad fields is an input error naming the file, before any work', async () => {
    const bad = { type: 'kubo', name: 'node', file: 'mirrors/node.yaml', enabled: true, concurrency: 4, timeoutMs: 1000, api: 'not a url' };
    const err = await pinSite({ siteDir: dir, distDir: dir, blockstoreDir: path.join(dir, 'bs4'), gateways: [], mirrors: [bad as never] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INPUT_PROBLEMS', file: 'mirrors/node.yaml' });
    expect((err as { problems: Array<{ message: string }> }).problems[0]!.message).toMatch(/^api: /);
  });

  it('an already-aborted signal stops before any work', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(pinSite({ siteDir: dir, distDir: dir, blockstoreDir: path.join(dir, 'bs3'), gateways: [], signal: ac.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

describe('pinSite: the CAR written during the import, and the block store', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let site: string;
  // Identical files (one block, twice in the DAG), an empty file, empty folders, a multi-chunk file.
  const tree: Tree = {
    'index.html': 'same bytes\n',
    'copy/index.html': 'same bytes\n',
    'copy/again.html': 'same bytes\n',
    'empty-a': null,
    'deep/empty-b': null,
    'zero.txt': '',
    'big.bin': () => (async function* () {
      for (let i = 0; i < 7; i++) yield new Uint8Array(100 * 1024).fill(i);
    })(),
  };
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('samizdat-pin-onepass-'));
    site = path.join(dir, 'site');
    await writeTree(site, tree);
  });
  afterAll(() => cleanup());

  async function carBlocks(carPath: string): Promise<{ root: CID; cids: string[] }> {
    const { CarBlockIterator } = await import('@ipld/car/iterator');
    const { createReadStream } = await import('node:fs');
    const it = await CarBlockIterator.fromIterable(createReadStream(carPath));
    const roots = await it.getRoots();
    expect(roots).toHaveLength(1);
    const cids: string[] = [];
    for await (const { cid } of it) cids.push(cid.toString());
    return { root: roots[0]!, cids };
  }

  /** Pins `siteDir` and checks its CAR: every block of the DAG once, nothing else, every child before its parent, the root last. */
  async function checkCar(siteDir: string, expectedTree: Tree, name: string): Promise<void> {
    const r = await pinSite({ siteDir, distDir: path.join(dir, `dist-${name}`), blockstoreDir: path.join(dir, `bs-${name}`), gateways: [] });
    const reference = new MemoryBlocks();
    expect(r.cid).toBe((await cidOfTree(expectedTree, undefined, reference)).toString());
    const { root, cids } = await carBlocks(r.carPath);
    expect(root.toString()).toBe(r.cid);
    expect(new Set(cids).size).toBe(cids.length);
    const reachable: string[] = [];
    for await (const b of walkDag(reference, CID.parse(r.cid))) reachable.push(b.cid.toString());
    expect([...cids].sort()).toEqual([...reachable].sort());
    expect(r.carBlocks).toBe(cids.length);
    const car = await readCarVerified(r.carPath);
    expect(car.count).toBe(cids.length);
    const seen = new Set<string>();
    for (const key of cids) {
      const cid = CID.parse(key);
      if (cid.code === dagPb.code) for (const l of dagPb.decode(await car.blocks.getBytes(cid)).Links) expect(seen.has(l.Hash.toString()), `${key} before its child ${l.Hash}`).toBe(true);
      seen.add(key);
    }
    expect(cids.at(-1)).toBe(r.cid);
  }

  it('the CAR holds every block of the DAG exactly once and nothing else, children before parents, and the CID is the importer\'s', async () => {
    await checkCar(site, tree, 'all');
  });

  it('without an empty folder, the CAR holds no empty-folder block (the importer makes one for every folder)', async () => {
    const full: Tree = { 'index.html': 'home\n', 'a/index.html': 'a\n', 'a/b/index.html': 'b\n', '.hidden': 'left out\n' };
    const other = path.join(dir, 'site-no-empty');
    await writeTree(other, full);
    const { '.hidden': _, ...published } = full;
    await checkCar(other, published, 'no-empty');
    // And a folder holding only a dot-file is empty in the DAG: then the block is there.
    const dotOnly = path.join(dir, 'site-dot-only');
    await writeTree(dotOnly, { 'index.html': 'home\n', 'assets/.keep': '' });
    await checkCar(dotOnly, { 'index.html': 'home\n', assets: null }, 'dot-only');
  });

  it('leaves no PIN_IN_PROGRESS marker and no temp CAR after a pin, and none after an aborted one', async () => {
    const store = path.join(dir, 'bs-abort');
    const dist = path.join(dir, 'dist-abort');
    const ac = new AbortController();
    const err = await pinSite({ siteDir: site, distDir: dist, blockstoreDir: store, gateways: [], signal: ac.signal, onProgress: (e) => e.type === 'import' && ac.abort() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ABORTED' });
    expect(await readdir(store)).not.toContain('PIN_IN_PROGRESS');
    expect(await readdir(dist)).toEqual([]);
    await pinSite({ siteDir: site, distDir: dist, blockstoreDir: store, gateways: [] });
    expect(await readdir(store)).not.toContain('PIN_IN_PROGRESS');
    expect((await readdir(dist)).filter((f) => !f.endsWith('.car'))).toEqual([]);
  });

  it('after a pin killed mid-write (marker left, dead pid), the next pin deletes torn blocks and stray files and writes them back', async () => {
    const store = path.join(dir, 'bs-torn');
    const r = await pinSite({ siteDir: site, distDir: path.join(dir, 'dist-torn'), blockstoreDir: store, gateways: [] });
    const blocks = (await readdir(path.join(store, 'blocks'), { recursive: true })).filter((f) => f.endsWith('.data')).sort();
    const torn = path.join(store, 'blocks', blocks[0]!);
    const good = await readFile(torn);
    await writeFile(torn, good.subarray(0, Math.floor(good.byteLength / 2)));
    const stray = path.join(path.dirname(torn), '.tmp-123-abcd-0');
    await writeFile(stray, 'partial');
    await writeFile(path.join(store, 'PIN_IN_PROGRESS'), `samizdat pin in progress: pid ${await deadPid()}, since 2026-01-01T00:00:00.000Z\n`);
    const again = await pinSite({ siteDir: site, distDir: path.join(dir, 'dist-torn'), blockstoreDir: store, gateways: [] });
    expect(again.cid).toBe(r.cid);
    expect(Buffer.compare(await readFile(torn), good)).toBe(0);
    await expect(readFile(stray)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(store)).not.toContain('PIN_IN_PROGRESS');
  });

  it('a marker whose pid is alive is another pin writing: BLOCKSTORE_BUSY, nothing written', async () => {
    const store = path.join(dir, 'bs-busy');
    await pinSite({ siteDir: site, distDir: path.join(dir, 'dist-busy'), blockstoreDir: store, gateways: [] });
    const before = (await readdir(path.join(store, 'blocks'), { recursive: true })).length;
    await rm(path.join(store, 'blocks', (await readdir(path.join(store, 'blocks')))[0]!), { recursive: true });
    // Our parent (the vitest runner) is alive and is not us.
    await writeFile(path.join(store, 'PIN_IN_PROGRESS'), `samizdat pin in progress: pid ${process.ppid}, since now\n`);
    const err = await pinSite({ siteDir: site, distDir: path.join(dir, 'dist-busy'), blockstoreDir: store, gateways: [] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BLOCKSTORE_BUSY', message: expect.stringContaining(String(process.ppid)) });
    expect((await readdir(path.join(store, 'blocks'), { recursive: true })).length).toBeLessThan(before);
    // The hint's way out when the pid belongs to another program: pid 0, then the next pin goes on.
    expect((err as SamizdatError).hint).toMatch(/by 0/);
    await writeFile(path.join(store, 'PIN_IN_PROGRESS'), 'samizdat pin in progress: pid 0\n');
    await pinSite({ siteDir: site, distDir: path.join(dir, 'dist-busy'), blockstoreDir: store, gateways: [] });
    expect((await readdir(path.join(store, 'blocks'), { recursive: true })).length).toBe(before);
    expect(await readdir(store)).not.toContain('PIN_IN_PROGRESS');
  });

  it('a block file that cannot be written fails the pin with BLOCKSTORE_WRITE and keeps the marker; the next pin completes', async () => {
    const store = path.join(dir, 'bs-unwritable');
    const dist = path.join(dir, 'dist-unwritable');
    await pinSite({ siteDir: site, distDir: dist, blockstoreDir: store, gateways: [] });
    // A file where a shard folder should be: its blocks can be neither listed nor written.
    const shard = (await readdir(path.join(store, 'blocks')))[0]!;
    await rm(path.join(store, 'blocks', shard), { recursive: true });
    await writeFile(path.join(store, 'blocks', shard), 'in the way');
    const err = await pinSite({ siteDir: site, distDir: dist, blockstoreDir: store, gateways: [] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BLOCKSTORE_WRITE', message: expect.stringContaining(shard) });
    expect(await readdir(store)).toContain('PIN_IN_PROGRESS');
    await rm(path.join(store, 'blocks', shard));
    const ok = await pinSite({ siteDir: site, distDir: dist, blockstoreDir: store, gateways: [] });
    expect(ok.ok).toBe(true);
    expect(await readdir(store)).not.toContain('PIN_IN_PROGRESS');
    expect((await readdir(path.join(store, 'blocks', shard))).length).toBeGreaterThan(0);
  });

  it('a damaged block is never served: reading it throws BLOCK_DAMAGED and removes it, and the next pin writes it back', async () => {
    const store = path.join(dir, 'bs-damaged');
    const r = await pinSite({ siteDir: site, distDir: path.join(dir, 'dist-damaged'), blockstoreDir: store, gateways: [] });
    const bs = await openBlockstore(store, { create: false });
    const root = CID.parse(r.cid);
    const blocks = (await readdir(path.join(store, 'blocks'), { recursive: true })).filter((f) => f.endsWith('.data'));
    // The root folder's block: overwrite it with other bytes of the same length.
    const { NextToLast } = await import('blockstore-fs/sharding');
    const { dir: shard, file } = new NextToLast().encode(root);
    expect(blocks).toContain(`${shard}/${file}`);
    const rootFile = path.join(store, 'blocks', shard, file);
    const good = await readFile(rootFile);
    await writeFile(rootFile, Buffer.alloc(good.byteLength, 0x20));
    // While a pin is writing (a marker with a live pid), the block may be half written: refused, kept.
    await writeFile(path.join(store, 'PIN_IN_PROGRESS'), `samizdat pin in progress: pid ${process.ppid}, since now\n`);
    await expect(bs.getBytes(root)).rejects.toMatchObject({ code: 'BLOCK_DAMAGED', retryable: true });
    await expect(readFile(rootFile)).resolves.toBeTruthy();
    await rm(path.join(store, 'PIN_IN_PROGRESS'));
    await expect(bs.getBytes(root)).rejects.toMatchObject({ code: 'BLOCK_DAMAGED', retryable: false });
    await expect(readFile(rootFile)).rejects.toMatchObject({ code: 'ENOENT' });
    await pinSite({ siteDir: site, distDir: path.join(dir, 'dist-damaged'), blockstoreDir: store, gateways: [] });
    expect(Buffer.compare(await readFile(rootFile), good)).toBe(0);
    expect(Buffer.compare(Buffer.from(await bs.getBytes(root)), good)).toBe(0);
  });
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const { spawn } = await import('node:child_process');
  const child = spawn('true');
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}
