import { mkdir, readFile, symlink, truncate, writeFile, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CID } from 'multiformats/cid';
import { pinSite, verifyCar } from '../../src/ipfs/index.ts';
import { InputError, SamizdatError } from '../../src/errors.ts';
import { readPublications } from '../../src/ipfs/publications.ts';
import { tempDir } from '../support/net.ts';
import { cidOfTree, type Tree } from './support/memory.ts';
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
