import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, type BuildResult } from '../../src/build/index.ts';
import { AggregateInputError } from '../../src/errors.ts';
import { publicKeyFingerprint } from '../../src/manifest/index.ts';
import { tempDir } from '../support/net.ts';
import { fixtureFiles, HOSTILE_TITLE, readTree, writeFixture } from './fixture.ts';

let root: string;
let cleanup: () => Promise<void>;
let content: string;
let out: string;
let result: BuildResult;
let fingerprint: string;

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('samizdat-build-'));
  content = path.join(root, 'content');
  out = path.join(root, 'out');
  await writeFixture(content, fixtureFiles());
  await mkdir(path.join(root, 'mirrors'));
  await writeFile(path.join(root, 'mirrors', 'eu.yaml'), 'type: folder\npath: /tmp/x\nurl: https://eu.mirror.example/\n');
  await writeFile(path.join(root, 'mirrors', 'off.yaml'), 'type: folder\npath: /tmp/y\nurl: https://disabled.example/\nenabled: false\n');
  const { privateKey } = generateKeyPairSync('ed25519');
  fingerprint = publicKeyFingerprint(privateKey);
  result = await buildSite({
    contentDir: content,
    outDir: out,
    mirrorsDir: path.join(root, 'mirrors'),
    cacheDir: path.join(root, 'cache'),
    env: { SAMIZDAT_SIGNING_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
  });
});
afterAll(() => cleanup());

const read = (rel: string) => readFile(path.join(out, rel), 'utf8');

describe('a built site', () => {
  it('publishes every article and reports pages, feeds and warnings', () => {
    expect(result.articles).toBe(4);
    expect(result.feeds).toEqual(expect.arrayContaining(['atom.xml', 'rss.xml', 'feed.json', 'lang/ru/atom.xml', 'lang/fa/feed.json']));
    expect(result.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'REMOTE_IMAGE', file: 'en/first.md', line: 12 })]));
    expect(result.signer).toBe(fingerprint);
    expect(result.manifest.signer).toBe(fingerprint);
  });

  it('shows template syntax in article text literally', async () => {
    const html = await read('articles/2024/01/first-article/index.html');
    expect(html).toContain('Literal: {{ 7 * 7 }} and {% include "secret" %} and {{ page.url }}.');
    expect(html).not.toContain('49');
  });

  it('writes relative links to files, the CSP, no-referrer and onion-location on every page', async () => {
    const tree = await readTree(out);
    const pages = [...tree.keys()].filter((f) => f.endsWith('.html'));
    expect(pages.length).toBe(result.pages);
    for (const p of pages) {
      const html = tree.get(p)!.toString();
      expect(html, p).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
      expect(html, p).toContain('<meta name="referrer" content="no-referrer">');
      expect(html, p).toContain('<meta http-equiv="onion-location" content="http://abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz2345.onion/');
      expect(html, p).toMatch(/<html lang="en" dir="ltr">/);
      expect(html, p).toContain('mirrors/index.html"');
      expect(html, p).not.toMatch(/<script/i);
      for (const [, href] of html.matchAll(/\shref="([^"]+)"/g)) {
        if (/^(https?:|mailto:)/.test(href!) || href!.startsWith('#')) continue;
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(p), href!));
        expect(tree.has(target), `${p} → ${href}`).toBe(true);
      }
    }
  });

  it('marks right-to-left articles and copies local images with their size', async () => {
    const fa = await read('articles/2024/03/salam-donya/index.html');
    expect(fa).toContain('<article lang="fa" dir="rtl">');
    const first = await read('articles/2024/01/first-article/index.html');
    expect(first).toContain('<img src="../../../../media/pic.png" alt="A picture" width="2" height="1"><figcaption>The caption</figcaption>');
    expect(await readFile(path.join(out, 'media/pic.png'))).toEqual(await readFile(path.join(content, 'media/pic.png')));
    expect(first).toContain('<a href="https://example.org/original" rel="noopener noreferrer">');
  });

  it('paginates the home page, latest first, with archive pages counted from the oldest', async () => {
    // 4 articles at pageSize 2: the home page holds the newest 2, page/1 the oldest 2.
    const home = await read('index.html');
    expect(home.indexOf('سلام دنیا')).toBeLessThan(home.indexOf('Tom &amp; Jerry'));
    expect(home).not.toContain('Россия и Сирия');
    expect(home).toContain('<a href="page/1/index.html" rel="next">Older →</a>');
    const one = await read('page/1/index.html');
    expect(one.indexOf('Россия и Сирия')).toBeLessThan(one.indexOf('First article'));
    expect(one).toContain('href="../../index.html" rel="prev"');
    expect(one).toContain('<title>Latest articles, 5 January 2024 – 1 February 2024 · Fixture &lt;News&gt; &amp; Co</title>');
    await expect(read('page/2/index.html')).rejects.toThrow();
    expect(await read('tags/politika/index.html')).toContain('Россия и Сирия');
    expect(await read('archive/2024/02/index.html')).toContain('Россия и Сирия');
    expect(await read('lang/ru/index.html')).toContain('Россия и Сирия');
  });

  it('lists enabled mirrors, gateway links and the key fingerprint on the mirrors page and in mirrors.json', async () => {
    const html = await read('mirrors/index.html');
    expect(html).toContain('https://eu.mirror.example/');
    expect(html).not.toContain('disabled.example');
    expect(html).toContain('https://ipfs.io/ipns/news.example.org/');
    expect(html).toContain('https://news-example-org.ipns.dweb.link/');
    expect(html).toContain(fingerprint);
    expect(html).toContain('fixture.zip');
    const json = JSON.parse(await read('mirrors.json'));
    expect(json.version).toBe('2.0');
    expect(json.sites[0].main_domain).toBe('news.example.org');
    const urls = json.sites[0].available_alternatives.map((a: { url: string }) => a.url);
    expect(urls).toContain('https://eu.mirror.example/');
    expect(json.sites[0].available_alternatives).toContainEqual(expect.objectContaining({ proto: 'tor', type: 'eotk' }));
  });

  it('writes feeds that python3-feedparser reads without bozo, whatever the titles hold', async () => {
    const script = `
import feedparser, json, sys
out = {}
for f in sys.argv[1:]:
    ctype = 'application/feed+json' if f.endswith('.json') else 'application/atom+xml' if f.endswith('atom.xml') else 'application/rss+xml'
    d = feedparser.parse(open(f, 'rb').read(), response_headers={'content-location': 'http://127.0.0.1:1/ipfs/x/' + f.split('/out/')[1], 'content-type': ctype + '; charset=utf-8'})
    out[f.split('/out/')[1]] = {'bozo': d.bozo, 'exc': str(d.get('bozo_exception', '')), 'titles': [e.title for e in d.entries], 'links': [e.link for e in d.entries], 'ids': [e.id for e in d.entries], 'content': [e.get('content', [{'value': e.get('summary', '')}])[0]['value'] for e in d.entries]}
print(json.dumps(out))`;
    // Debian's feedparser 6.0 reads Atom and RSS; JSON Feed is checked below with JSON.parse.
    const files = result.feeds.filter((f) => f.endsWith('.xml')).map((f) => path.join(out, f));
    const parsed = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, ...files], { encoding: 'utf8' })) as Record<string, { bozo: number; exc: string; titles: string[]; links: string[]; ids: string[]; content: string[] }>;
    const clean = HOSTILE_TITLE.replace(/[\u0001\u0007]/g, '');
    for (const [feed, d] of Object.entries(parsed)) {
      expect(Boolean(d.bozo), `${feed}: ${d.exc}`).toBe(false);
      for (const id of d.ids) expect(id).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
      for (const link of d.links) expect(link, feed).toMatch(/^http:\/\/127\.0\.0\.1:1\/ipfs\/x\/articles\/2024\/\d\d\/[^/]+\/index\.html$/);
    }
    for (const f of ['atom.xml', 'rss.xml']) {
      expect(parsed[f]!.titles).toContain(clean);
      expect(parsed[f]!.titles).toHaveLength(4);
    }
    const json = JSON.parse(await read('feed.json'));
    expect(json.version).toBe('https://jsonfeed.org/version/1.1');
    expect(json.items.map((i: { title: string }) => i.title)).toContain(clean);
    for (const item of json.items) {
      expect(item.id).toMatch(/^urn:uuid:/);
      expect(item.url).toMatch(/^articles\/2024\/\d\d\/[^/]+\/index\.html$/);
    }
    const atomFirst = parsed['atom.xml']!.content[parsed['atom.xml']!.titles.indexOf('First article')]!;
    expect(atomFirst).toContain('{{ 7 * 7 }}');
    // Images in full text resolve on the same mirror the feed came from.
    expect(atomFirst).toContain('http://127.0.0.1:1/ipfs/x/media/pic.png');
    expect(parsed['lang/ru/atom.xml']!.titles).toEqual(['Россия и Сирия']);
  });
});

describe('bad input', () => {
  it('stops at once on an aborted signal', async () => {
    await expect(buildSite({ contentDir: content, outDir: out, cacheDir: false, env: {}, signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
    const ctrl = new AbortController();
    const pending = buildSite({ contentDir: content, outDir: path.join(root, 'aborted-out'), cacheDir: false, env: {}, signal: ctrl.signal, onProgress: (e) => e.type === 'stage' && e.stage === 'pages' && ctrl.abort() });
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(readFile(path.join(root, 'aborted-out', 'index.html'))).rejects.toMatchObject({ code: 'ENOENT' });
    // No staging folder is left behind.
    expect((await readdir(root)).filter((n) => n.includes('.building-'))).toEqual([]);
  });

  it('fails with every problem listed and leaves the previous output untouched', async () => {
    const before = await readTree(out);
    await writeFile(path.join(content, 'broken.md'), '---\ntitle: Broken\ndate: 2024-02-30\n---\n');
    await writeFile(path.join(content, 'clash.md'), '---\ntitle: First article\ndate: 2024-01-20\n---\n');
    try {
      const err = await buildSite({ contentDir: content, outDir: out, cacheDir: false, env: {} }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AggregateInputError);
      const problems = (err as AggregateInputError).problems.map((p) => `${p.code} ${p.location}`).sort();
      expect(problems).toEqual(['DUPLICATE_URL clash.md', 'DUPLICATE_URL en/first.md', 'INVALID_DATE broken.md:3']);
      const after = await readTree(out);
      expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
      for (const [k, v] of before) expect(after.get(k)!.equals(v), k).toBe(true);

      const skipped = await buildSite({ contentDir: content, outDir: path.join(root, 'skip-out'), skipInvalid: true, cacheDir: false, env: {} });
      expect(skipped.skipped.map((s) => s.file)).toEqual(['broken.md', 'clash.md', 'en/first.md']);
      expect(skipped.articles).toBe(3);
    } finally {
      await rm(path.join(content, 'broken.md'));
      await rm(path.join(content, 'clash.md'));
    }
  });
});

describe('render cache', () => {
  it('renders an article again when a missing image appears', async () => {
    const site = path.join(root, 'late-image');
    await writeFixture(site, { 'a.md': '---\ntitle: Late\ndate: 2024-01-01\n---\n![the chart](chart.png)\n' });
    const opts = { contentDir: site, outDir: path.join(root, 'late-out'), cacheDir: path.join(root, 'late-cache'), env: {} };
    const first = await buildSite(opts);
    expect(first.warnings.map((w) => w.code)).toContain('IMAGE_MISSING');
    await writeFile(path.join(site, 'chart.png'), await readFile(path.join(content, 'media/pic.png')));
    const second = await buildSite(opts);
    expect(second.rendered.cached).toBe(0);
    expect(second.warnings.map((w) => w.code)).not.toContain('IMAGE_MISSING');
    expect(await readFile(path.join(root, 'late-out/articles/2024/01/late/index.html'), 'utf8')).toContain('<img src="../../../../media/chart.png" alt="the chart" width="2" height="1"');
  });
});

describe('reproducibility', () => {
  it('gives byte-identical bundles from other folders, another file order and a warm cache', async () => {
    const other = path.join(root, 'elsewhere', 'deeper');
    await writeFixture(path.join(other, 'content'), fixtureFiles(), 'reverse');
    await mkdir(path.join(other, 'mirrors'));
    await writeFile(path.join(other, 'mirrors', 'eu.yaml'), 'type: folder\npath: /tmp/x\nurl: https://eu.mirror.example/\n');
    const a = await buildSite({ contentDir: content, outDir: path.join(root, 'repro-a'), mirrorsDir: path.join(root, 'mirrors'), cacheDir: path.join(root, 'cache'), env: {} });
    const b = await buildSite({ contentDir: path.join(other, 'content'), outDir: path.join(other, 'out'), mirrorsDir: path.join(other, 'mirrors'), cacheDir: false, env: {} });
    expect(a.rendered.cached).toBe(4);
    expect(b.rendered.cached).toBe(0);
    const ta = await readTree(a.outDir);
    const tb = await readTree(b.outDir);
    expect([...tb.keys()].sort()).toEqual([...ta.keys()].sort());
    for (const [k, v] of ta) expect(tb.get(k)!.equals(v), k).toBe(true);

    // Rebuilding in place reuses unchanged article pages, but never a tampered one.
    const page = path.join(a.outDir, 'articles/2024/03/salam-donya/index.html');
    await writeFile(page, 'tampered');
    const again = await buildSite({ contentDir: content, outDir: a.outDir, mirrorsDir: path.join(root, 'mirrors'), cacheDir: path.join(root, 'cache'), env: {} });
    expect(again.rendered.pagesReused).toBe(3);
    const tc = await readTree(again.outDir);
    for (const [k, v] of ta) expect(tc.get(k)!.equals(v), k).toBe(true);
  });
});
