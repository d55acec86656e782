/**
 * The `kubo` pin target against a real node with Kubo's RPC API: the js-ipfs daemon
 * (ipfs@0.66.1) on 127.0.0.1, installed once into a cache folder of its own (see
 * support/js-ipfs.ts). js-ipfs prints CIDv1 in base58: every check compares parsed CIDs.
 * Only the "server answers another root" case uses a stand-in (a few lines of node:http),
 * because no real node can be made to lie about the root it imported.
 */
import http from 'node:http';
import { copyFile, mkdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { create } from 'kubo-rpc-client';
import { CID } from 'multiformats/cid';
import { pinSite } from '../../src/ipfs/index.ts';
import { KuboPinTarget } from '../../src/ipfs/remote/index.ts';
import { readPublications } from '../../src/ipfs/publications.ts';
import { main } from '../../src/cli/main.ts';
import type { MirrorConfig } from '../../src/mirrors/config.ts';
import { freePort, tempDir } from '../support/net.ts';
import { installJsIpfs, startJsIpfs, type JsIpfsDaemon } from './support/js-ipfs.ts';

const install = await installJsIpfs();
const skipReason = 'skip' in install ? install.skip : undefined;
if (skipReason) console.warn(`SKIPPED test/ipfs/kubo.test.ts: ${skipReason}`);

const kubo = (name: string, fields: Record<string, unknown>): MirrorConfig =>
  ({ type: 'kubo', name, file: `mirrors/${name}.yaml`, enabled: true, concurrency: 4, timeoutMs: 60_000, ...fields }) as MirrorConfig;

describe.skipIf(skipReason !== undefined)('kubo pin target against js-ipfs on 127.0.0.1', () => {
  let daemon: JsIpfsDaemon;
  let dir: string;
  let cleanup: () => Promise<void>;
  let site: string;
  let client: ReturnType<typeof create>;
  const base = () => ({ siteDir: site, distDir: path.join(dir, 'dist'), blockstoreDir: path.join(dir, 'bs'), gateways: ['dweb.link'] });

  beforeAll(async () => {
    daemon = await startJsIpfs((install as { dir: string }).dir);
    client = create({ url: `${daemon.apiUrl}/api/v0` });
    ({ dir, cleanup } = await tempDir('samizdat-kubo-'));
    site = path.join(dir, 'dist/site');
    await mkdir(path.join(site, 'articles'), { recursive: true });
    await writeFile(path.join(site, 'index.html'), '<!doctype html><title>News</title><a href="articles/one.html">one</a>\n');
    await writeFile(path.join(site, 'articles/one.html'), '<p>Первая статья</p>\n');
    await writeFile(path.join(site, 'articles/big.bin'), Buffer.alloc(700_000, 7));
  }, 180_000);
  afterAll(async () => {
    await daemon?.stop();
    await cleanup?.();
  });

  it('listens on loopback only, with no bootstrap peers, no MDNS and no peers', async () => {
    const config = JSON.parse(await readFile(path.join(daemon.repo, 'config'), 'utf8'));
    expect(config.Bootstrap).toEqual([]);
    expect(config.Discovery.MDNS.Enabled).toBe(false);
    for (const a of [...config.Addresses.Swarm, config.Addresses.API, config.Addresses.Gateway, config.Addresses.RPC]) expect(a).toMatch(/^\/ip4\/127\.0\.0\.1\//);
    expect(await client.swarm.peers()).toEqual([]);
  });

  it('imports the CAR, pins the root, checks it, and the node serves the same bytes', async () => {
    const events: string[] = [];
    const r = await pinSite({ ...base(), mirrors: [kubo('node', { api: daemon.apiUrl })], onProgress: (e) => e.type === 'remote' && events.push(e.stage) });
    expect(r.remote).toHaveLength(1);
    expect(r.remote[0]).toMatchObject({ name: 'node', type: 'kubo', ok: true, outcome: { cid: r.cid, status: 'pinned' } });
    expect(r.ok).toBe(true);
    expect(events).toEqual(expect.arrayContaining(['connect', 'upload', 'pin', 'verify', 'done']));
    const root = CID.parse(r.cid);
    const pins = [];
    for await (const p of client.pin.ls({ paths: [root] })) pins.push(p);
    expect(pins.map((p) => [p.cid.toV1().toString(), p.type])).toEqual([[r.cid, 'recursive']]);
    const chunks: Uint8Array[] = [];
    for await (const c of client.cat(`/ipfs/${r.cid}/articles/big.bin`)) chunks.push(c);
    expect(Buffer.compare(Buffer.concat(chunks), await readFile(path.join(site, 'articles/big.bin')))).toBe(0);
    expect((await readPublications(path.join(dir, 'bs')))[0]).toMatchObject({ cid: r.cid, targets: ['node'] });
  });

  it('publishes the root under IPNS and copies it into MFS', async () => {
    const r = await pinSite({ ...base(), mirrors: [kubo('node', { api: daemon.apiUrl, ipns: { key: 'self', lifetime: '24h' }, mfsPath: '/samizdat/site' })] });
    expect(r.remote[0]!.ok).toBe(true);
    const { ipns, mfsPath } = r.remote[0]!.outcome!;
    expect(mfsPath).toBe('/samizdat/site');
    expect(CID.parse((await client.files.stat('/samizdat/site')).cid.toString()).toV1().toString()).toBe(r.cid);
    const id = await client.id();
    expect(ipns?.value).toBe(`/ipfs/${r.cid}`);
    expect(ipns!.name).toBe(id.id.toString());
    // A second publication replaces the MFS copy rather than failing on "already exists".
    await writeFile(path.join(site, 'extra.txt'), 'v2\n');
    const r2 = await pinSite({ ...base(), mirrors: [kubo('node', { api: daemon.apiUrl, mfsPath: '/samizdat/site' })] });
    expect(r2.remote[0]!.ok).toBe(true);
    expect((await client.files.stat('/samizdat/site')).cid.toV1().toString()).toBe(r2.cid);
  });

  it('keep: 1 unpins the previous publication once the new one is pinned', async () => {
    const blockstoreDir = path.join(dir, 'bs-keep');
    const mirrors = [kubo('node', { api: daemon.apiUrl, keep: 1 })];
    await writeFile(path.join(site, 'version.txt'), 'one\n');
    const first = await pinSite({ ...base(), blockstoreDir, mirrors });
    await writeFile(path.join(site, 'version.txt'), 'two\n');
    const second = await pinSite({ ...base(), blockstoreDir, mirrors });
    expect(second.cid).not.toBe(first.cid);
    expect(second.remote[0]).toMatchObject({ ok: true, unpinned: [first.cid] });
    const pinnedRoots = new Set<string>();
    for await (const p of client.pin.ls({ type: 'recursive' })) pinnedRoots.add(p.cid.toV1().toString());
    expect(pinnedRoots.has(second.cid)).toBe(true);
    expect(pinnedRoots.has(first.cid)).toBe(false);
    const list = await readPublications(blockstoreDir);
    expect(list.map((p) => [p.cid, p.targets])).toEqual([[second.cid, ['node']], [first.cid, []]]);
  });

  it('a failed IPNS publish after pinning is reported as a failure, not as pinned', async () => {
    const blockstoreDir = path.join(dir, 'bs-ipns');
    const r = await pinSite({ ...base(), blockstoreDir, mirrors: [kubo('node', { api: daemon.apiUrl, ipns: { key: 'no-such-key', lifetime: '24h' } })] });
    expect(r.ok).toBe(false);
    expect(r.remote[0]!.ok).toBe(false);
    expect(r.remote[0]!.error?.message).toMatch(/pinned, but publishing it under the IPNS key "no-such-key" failed/);
    expect((await readPublications(blockstoreDir))[0]!.targets).toEqual([]);
  });

  it('a truncated CAR is refused by the node and nothing is pinned', async () => {
    const r = await pinSite({ ...base(), blockstoreDir: path.join(dir, 'bs-trunc') });
    const cut = path.join(dir, 'cut.car');
    await copyFile(r.carPath, cut);
    // Cut inside the last block; the root block (first) stays whole.
    await truncate(cut, (await stat(cut)).size - 100);
    const fresh = CID.parse(r.cid);
    await client.pin.rm(fresh).catch(() => {});
    const target = new KuboPinTarget('node', { api: daemon.apiUrl }, undefined, 30_000);
    const err = await target.pin({ cid: fresh, carPath: cut, name: 't' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: string }).code).toMatch(/^PIN_|HOST_/);
    const pinned = [];
    for await (const p of client.pin.ls({ type: 'recursive' })) pinned.push(p.cid.toV1().toString());
    expect(pinned).not.toContain(r.cid);
  });

  it('an unreachable API and a URL that is not an RPC API fail clearly; the others still run', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const r = await pinSite({
      ...base(),
      mirrors: [kubo('dead', { api: dead }), kubo('gateway', { api: daemon.gatewayUrl }), kubo('node', { api: daemon.apiUrl })],
    });
    expect(r.ok).toBe(false);
    const byName = Object.fromEntries(r.remote.map((x) => [x.name, x]));
    expect(byName.dead).toMatchObject({ ok: false, error: { code: 'HOST_UNREACHABLE', retryable: true } });
    expect(byName.dead!.error!.message).toContain(dead);
    expect(byName.gateway).toMatchObject({ ok: false, error: { code: 'PIN_FAILED', retryable: false } });
    expect(byName.gateway!.error!.message).toMatch(/not a Kubo RPC API/);
    expect(byName.node).toMatchObject({ ok: true });
  });

  it('a missing auth variable is an input error naming the variable, before any upload', async () => {
    await expect(pinSite({ ...base(), mirrors: [kubo('node', { api: daemon.apiUrl, authHeaderEnv: 'KUBO_AUTH_FOR_TEST' })], env: {} })).rejects.toMatchObject({
      code: 'MIRROR_SECRET_MISSING',
      message: expect.stringContaining('KUBO_AUTH_FOR_TEST'),
    });
    const r = await pinSite({ ...base(), mirrors: [kubo('node', { api: daemon.apiUrl, authHeaderEnv: 'KUBO_AUTH_FOR_TEST' })], env: { KUBO_AUTH_FOR_TEST: 'Bearer s3cret-value' } });
    expect(r.remote[0]!.ok).toBe(true);
    expect(JSON.stringify(r)).not.toContain('s3cret-value');
  });

  it('samizdat pin --json pins to the kubo mirror file and exits 0; 1 when a target fails', async () => {
    const project = path.join(dir, 'project');
    await mkdir(path.join(project, 'mirrors'), { recursive: true });
    await mkdir(path.join(project, 'content'), { recursive: true });
    await writeFile(path.join(project, 'content/site.yaml'), 'name: news\ngateways: [dweb.link, ipfs.example.org]\nipfs:\n  blockstore: .cache/blocks\n');
    await writeFile(path.join(project, 'mirrors/node.yaml'), `type: kubo\napi: ${daemon.apiUrl}\n`);
    let out = '';
    let err = '';
    const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, cwd: project, env: {} };
    const code = await main(['pin', '--site', site, '--json'], io);
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.remote[0]).toMatchObject({ name: 'node', ok: true });
    expect(result.links.gateways.map((g: { gateway: string }) => g.gateway)).toEqual(['dweb.link', 'ipfs.example.org']);
    await stat(path.join(project, '.cache/blocks/SAMIZDAT_BLOCKSTORE'));
    await writeFile(path.join(project, 'mirrors/dead.yaml'), `type: kubo\napi: http://127.0.0.1:${await freePort()}\n`);
    out = '';
    expect(await main(['pin', '--site', site], io)).toBe(1);
    expect(out).toMatch(/FAILED\s+dead \(kubo\): .*cannot reach/);
    expect(out).toMatch(/ok\s+node \(kubo\)/);
  });
});

describe('kubo pin target: a server that reports another root', () => {
  // Stand-in server (node:http), acceptable here only: no real node reports a root it did not import.
  let server: http.Server;
  let api: string;
  const other = 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url?.startsWith('/api/v0/version')) return void res.end(JSON.stringify({ Version: '0.32.0' }));
        if (req.url?.startsWith('/api/v0/dag/import')) {
          res.setHeader('Content-Type', 'application/json');
          return void res.end(JSON.stringify({ Root: { Cid: { '/': other }, PinErrorMsg: '' } }) + '\n');
        }
        res.statusCode = 404;
        res.end('404 page not found');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('is a PIN_ROOT_MISMATCH and the publication is not counted as pinned there', async () => {
    const { dir, cleanup } = await tempDir('samizdat-kubo-lie-');
    try {
      await mkdir(path.join(dir, 'site'));
      await writeFile(path.join(dir, 'site/index.html'), 'x');
      const r = await pinSite({ siteDir: path.join(dir, 'site'), distDir: dir, blockstoreDir: path.join(dir, 'bs'), gateways: [], mirrors: [kubo('liar', { api })] });
      expect(r.ok).toBe(false);
      expect(r.remote[0]).toMatchObject({ ok: false, error: { code: 'PIN_ROOT_MISMATCH' } });
      expect(r.remote[0]!.error!.message).toContain(other);
      expect(r.remote[0]!.error!.message).toContain(r.cid);
      expect((await readPublications(path.join(dir, 'bs')))[0]!.targets).toEqual([]);
    } finally {
      await cleanup();
    }
  });
});
