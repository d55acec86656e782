/**
 * `samizdat serve`: a built site, pinned into the local block store, served back from IPFS
 * blocks at /ipfs/<cid>/ and opened in Debian's Chromium with JavaScript disabled (the gateway
 * case of the reader tests, with real UnixFS blocks). Every request the browser makes is
 * recorded: nothing may leave /ipfs/<cid>/.
 */
import http from 'node:http';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite } from '../../src/build/index.ts';
import { openBlockstore, pinSite, type PinSiteResult } from '../../src/ipfs/index.ts';
import { startPreviewServer, parseRange, type PreviewServer } from '../../src/ipfs/serve.ts';
import type { LocalBlockstore } from '../../src/ipfs/blockstore.ts';
import { MANIFEST_FILE, type Manifest } from '../../src/manifest/types.ts';
import { launchChromium, recordRequests, type TestChromium } from '../support/chromium.ts';
import { tempDir } from '../support/net.ts';

const RED_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAQAAAADCAIAAAA7ljmRAAAAEklEQVR4nGP4z8AARwzEcQAA9Nsx2ZrsCGQAAAAASUVORK5CYII=', 'base64');
const CONTENT: Record<string, string | Buffer> = {
  'site.yaml': 'title: Serve test\nname: serve-test\nlang: en\n',
  'red.png': RED_PNG,
  'one.md': '---\ntitle: First article\ndate: 2024-05-01\ntags: [news]\n---\nA [link out](https://example.org/) and an image:\n\n![Red](red.png)\n',
  'two.md': '---\ntitle: Вторая статья\ndate: 2024-05-02\nlang: ru\ntags: [новости]\n---\nТекст.\n',
  'three.md': '---\ntitle: Third\ndate: 2024-05-03\n---\nPlain *text*.\n',
};

let dir: string;
let cleanup: () => Promise<void>;
let site: string;
let pinned: PinSiteResult;
let store: LocalBlockstore;
let server: PreviewServer;
let chromium: TestChromium;
let manifest: Manifest;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('samizdat-serve-'));
  const content = path.join(dir, 'content');
  for (const [name, body] of Object.entries(CONTENT)) {
    await mkdir(path.dirname(path.join(content, name)), { recursive: true });
    await writeFile(path.join(content, name), body);
  }
  site = path.join(dir, 'dist/site');
  await buildSite({ contentDir: content, outDir: site, cacheDir: false, env: {} });
  manifest = JSON.parse(await readFile(path.join(site, MANIFEST_FILE), 'utf8'));
  pinned = await pinSite({ siteDir: site, distDir: path.join(dir, 'dist'), blockstoreDir: path.join(dir, '.samizdat/ipfs'), gateways: [] });
  store = await openBlockstore(path.join(dir, '.samizdat/ipfs'), { create: false });
  [server, chromium] = await Promise.all([startPreviewServer({ siteDir: site, blockstore: store }), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await server?.close();
  await chromium?.close();
  await cleanup?.();
});

const get = (p: string, headers: Record<string, string> = {}) => fetch(new URL(p, server.url), { headers, redirect: 'manual' });

describe('serve over HTTP', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((server.server.address() as { address: string }).address).toBe('127.0.0.1');
  });

  it('serves every file of the bundle from IPFS blocks, byte for byte, with its content type', async () => {
    expect(manifest.files.length).toBeGreaterThan(5);
    const types: Record<string, RegExp> = { html: /^text\/html; charset=utf-8$/, css: /^text\/css/, xml: /xml/, png: /^image\/png$/, json: /^application\/json/, txt: /^text\/plain/ };
    for (const f of manifest.files) {
      const res = await get(`/ipfs/${pinned.cid}/${f.path.split('/').map(encodeURIComponent).join('/')}`);
      expect(res.status, f.path).toBe(200);
      const body = Buffer.from(await res.arrayBuffer());
      expect(Buffer.compare(body, await readFile(path.join(site, f.path))), f.path).toBe(0);
      const ext = f.path.split('.').pop()!;
      if (types[ext]) expect(res.headers.get('content-type'), f.path).toMatch(types[ext]!);
    }
  });

  it('a folder gives its index.html; without the slash, a redirect that adds it', async () => {
    const root = await get(`/ipfs/${pinned.cid}/`);
    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(Buffer.compare(Buffer.from(await root.arrayBuffer()), await readFile(path.join(site, 'index.html')))).toBe(0);
    const bare = await get(`/ipfs/${pinned.cid}`);
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe(`/ipfs/${pinned.cid}/`);
    const folder = manifest.files.find((f) => f.path.endsWith('/index.html'))!.path.replace(/\/index\.html$/, '');
    expect((await get(`/ipfs/${pinned.cid}/${folder}`)).headers.get('location')).toBe(`/ipfs/${pinned.cid}/${folder}/`);
    expect((await get(`/ipfs/${pinned.cid}/${folder}/`)).status).toBe(200);
  });

  it('404 for a missing path or a CID not in the block store, 400 for a non-CID, 405 for POST', async () => {
    expect((await get(`/ipfs/${pinned.cid}/no-such-page.html`)).status).toBe(404);
    expect((await get('/ipfs/bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e')).status).toBe(404);
    expect((await get('/ipfs/not-a-cid/')).status).toBe(400);
    expect((await fetch(new URL(`/ipfs/${pinned.cid}/`, server.url), { method: 'POST' })).status).toBe(405);
    expect((await get('/no-such-page.html')).status).toBe(404);
  });

  it('byte ranges: a slice, a suffix, and 416 past the end', async () => {
    const file = manifest.files.find((f) => f.path.endsWith('.png')) ?? manifest.files[0]!;
    const bytes = await readFile(path.join(site, file.path));
    const url = `/ipfs/${pinned.cid}/${file.path}`;
    const part = await get(url, { Range: 'bytes=5-9' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 5-9/${bytes.length}`);
    expect(Buffer.compare(Buffer.from(await part.arrayBuffer()), bytes.subarray(5, 10))).toBe(0);
    const tail = await get(url, { Range: 'bytes=-4' });
    expect(Buffer.compare(Buffer.from(await tail.arrayBuffer()), bytes.subarray(bytes.length - 4))).toBe(0);
    const past = await get(url, { Range: `bytes=${bytes.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    expect(parseRange('bytes=0-', 10)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=3-100', 10)).toEqual({ start: 3, end: 9 });
    expect(parseRange('items=1-2', 10)).toBeUndefined();
  });

  it('a large multi-block file is served and ranged across chunk boundaries', async () => {
    const big = Buffer.alloc(700_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const bigSite = path.join(dir, 'big-site');
    await mkdir(bigSite);
    await writeFile(path.join(bigSite, 'big.bin'), big);
    const r = await pinSite({ siteDir: bigSite, distDir: path.join(dir, 'dist-big'), blockstoreDir: path.join(dir, '.samizdat/ipfs'), gateways: [] });
    const whole = await get(`/ipfs/${r.cid}/big.bin`);
    expect(Buffer.compare(Buffer.from(await whole.arrayBuffer()), big)).toBe(0);
    const across = await get(`/ipfs/${r.cid}/big.bin`, { Range: 'bytes=262000-262300' });
    expect(Buffer.compare(Buffer.from(await across.arrayBuffer()), big.subarray(262000, 262301))).toBe(0);
  });

  it('HEAD has the length and no body; `/` serves the bundle folder; .. is refused', async () => {
    const head = await fetch(new URL(`/ipfs/${pinned.cid}/index.html`, server.url), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe((await readFile(path.join(site, 'index.html'))).length);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    const root = await get('/');
    expect(Buffer.compare(Buffer.from(await root.arrayBuffer()), await readFile(path.join(site, 'index.html')))).toBe(0);
    const raw = (p: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: server.port, path: p }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c)).on('end', () => resolve({ status: res.statusCode!, body }));
        }).on('error', reject);
      });
    for (const p of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc/passwd', `/ipfs/${pinned.cid}/%2e%2e/%2e%2e/etc/passwd`]) {
      const r = await raw(p);
      expect([400, 404], p).toContain(r.status);
      expect(r.body, p).not.toContain('root:');
    }
  });
});

describe('samizdat serve (CLI)', () => {
  it('refuses a port that is not a number, with a hint', async () => {
    const { main } = await import('../../src/cli/main.ts');
    let err = '';
    const code = await main(['serve', '--port', 'eighty'], { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) }, cwd: dir, env: {} });
    expect(code).toBe(1);
    expect(err).toMatch(/--port eighty is not a port number/);
  });
});

describe('serve under Chromium with JavaScript disabled (the gateway case)', () => {
  it('every page reachable from the home page loads from /ipfs/<cid>/ and nothing else is requested', async () => {
    const prefix = new URL(`/ipfs/${pinned.cid}/`, server.url).toString();
    const context = await chromium.readerContext();
    const log = recordRequests(context);
    const statuses: Array<{ url: string; status: number }> = [];
    context.on('response', (r) => statuses.push({ url: r.url(), status: r.status() }));
    const page = await context.newPage();
    const toVisit = [`${prefix}index.html`];
    const visited = new Set<string>();
    while (toVisit.length && visited.size < 40) {
      const url = toVisit.shift()!;
      if (visited.has(url)) continue;
      visited.add(url);
      const res = await page.goto(url);
      expect(res?.status(), url).toBe(200);
      const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => (a as HTMLAnchorElement).href));
      for (const h of hrefs) {
        const clean = h.split('#')[0]!;
        if (clean.startsWith(prefix) && clean.endsWith('.html') && !visited.has(clean)) toVisit.push(clean);
      }
    }
    expect(visited.size).toBeGreaterThan(4);
    // The article with an image really shows it, from IPFS blocks.
    expect(statuses.some((s) => s.url.endsWith('.png') && s.status === 200)).toBe(true);
    log.stop();
    await context.close();
    expect(log.outside((u) => u.startsWith(prefix))).toEqual([]);
    expect(log.failed).toEqual([]);
    expect(statuses.filter((s) => s.status >= 400)).toEqual([]);
  }, 60_000);
});
