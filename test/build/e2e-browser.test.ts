// End to end, the reader's view: build a fixture site, then open it in headless Chromium with
// JavaScript off from file://, from a host's root and from an IPFS-style path gateway (a real
// nginx), follow links, and fail on any request outside the bundle. Also: every internal link
// resolves to a file, axe-core finds no serious or critical problem, feeds parse in a real feed
// client (python3-feedparser) fetched from the sub-path, and two builds are byte-identical.
import { execFile } from 'node:child_process';
import { readdir, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Parser } from 'htmlparser2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditBundle } from '../../src/audit/index.ts';
import { buildSite, type BuildResult } from '../../src/build/index.ts';
import { launchChromium, recordRequests, type TestChromium } from '../support/chromium.ts';
import { tempDir } from '../support/net.ts';
import { startStaticNginx, type StaticNginx } from '../support/nginx-static.ts';

const run = promisify(execFile);

/** A 4×3 red PNG, so the article has a real local image with a size. */
const RED_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAQAAAADCAIAAAA7ljmRAAAAEklEQVR4nGP4z8AARwzEcQAA9Nsx2ZrsCGQAAAAASUVORK5CYII=',
  'base64',
);

const ARTICLES: Record<string, string> = {
  'site.yaml': [
    'title: Samizdat E2E',
    'name: e2e',
    'lang: en',
    'description: A fixture site for the reader tests.',
    `onion: http://${'a'.repeat(56)}.onion/`,
    'dnslink: news.example.org',
    'contacts:',
    '  - { label: Telegram channel, url: "https://t.me/example" }',
    '',
  ].join('\n'),
  'hello-world.md': `---
title: Hello, world & friends
date: 2024-05-01
tags: [news, world]
summary: The first fixture article.
---
An article with an [outbound link](https://example.org/page) and a local image:

![A red rectangle](red.png)

A remote image becomes a plain link: ![tracking pixel](https://tracker.example.org/p.gif)
`,
  'privet-mir.md': `---
title: Привет, мир
date: 2024-05-02
lang: ru
tags: [новости, world]
---
Текст статьи на русском языке. Вторая фраза.
`,
  'marhaba.md': `---
title: مرحبا بالعالم
date: 2024-05-03
lang: ar
slug: marhaba
tags: [news]
---
نص المقال باللغة العربية. جملة ثانية.
`,
  'second.md': `---
title: A second English article
date: 2024-04-20
tags: [world]
---
Plain text, with *emphasis* and a list:

- one
- two
`,
};

/** Writes the fixture content; `reverse` writes the files in the opposite order (another order on disk). */
async function writeContent(dir: string, reverse = false): Promise<void> {
  await mkdir(dir, { recursive: true });
  const entries = Object.entries(ARTICLES);
  if (reverse) entries.reverse();
  if (reverse) await writeFile(path.join(dir, 'red.png'), RED_PNG);
  for (const [name, text] of entries) await writeFile(path.join(dir, name), text);
  if (!reverse) await writeFile(path.join(dir, 'red.png'), RED_PNG);
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/** href/src/srcset of every element, read with htmlparser2 (not the audit's parser: an independent check). */
function linksOf(html: string): string[] {
  const out: string[] = [];
  const parser = new Parser({
    onopentag(name, attrs) {
      for (const key of ['href', 'src']) if (attrs[key] !== undefined) out.push(attrs[key]!);
      if (attrs.srcset) for (const part of attrs.srcset.split(',')) out.push(part.trim().split(/\s+/)[0]!);
    },
  });
  parser.write(html);
  parser.end();
  return out;
}

let work: string;
let cleanup: () => Promise<void>;
let site: string;
let built: BuildResult;
let chromium: TestChromium;
let web: StaticNginx;
const siteFileUrl = () => pathToFileURL(site).href + '/';

beforeAll(async () => {
  ({ dir: work, cleanup } = await tempDir('samizdat-e2e-'));
  await writeContent(path.join(work, 'a', 'content'));
  site = path.join(work, 'a', 'site');
  built = await buildSite({ contentDir: path.join(work, 'a', 'content'), outDir: site, cacheDir: false, env: {} });
  [chromium, web] = await Promise.all([launchChromium(), startStaticNginx(site, { name: 'bafybeie2e' })]);
});

afterAll(async () => {
  await Promise.allSettled([chromium?.close(), web?.stop()]);
  await cleanup?.();
});

describe('the built bundle', () => {
  it('has the articles, feeds and the mirrors page, and the audit finds nothing', async () => {
    expect(built.articles).toBe(4);
    const files = await listFiles(site);
    expect(files).toEqual(expect.arrayContaining(['index.html', 'mirrors/index.html', 'mirrors.json', 'atom.xml', 'rss.xml', 'feed.json', '404.html']));
    expect(built.warnings.some((w) => w.code === 'REMOTE_IMAGE')).toBe(true);
    expect(await auditBundle(site)).toEqual([]);
  });

  it('every internal link and image of every page resolves to a file in the bundle', async () => {
    const files = await listFiles(site);
    const pages = files.filter((f) => f.endsWith('.html'));
    const root = siteFileUrl();
    const broken: string[] = [];
    let checked = 0;
    for (const page of pages) {
      const pageUrl = new URL(page, root);
      for (const link of linksOf(await readFile(path.join(site, page), 'utf8'))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(link) && !link.startsWith('file:')) continue; // outbound
        const target = new URL(link, pageUrl);
        target.hash = '';
        target.search = '';
        if (!target.href.startsWith(root)) {
          broken.push(`${page}: ${link} leaves the bundle`);
          continue;
        }
        const rel = decodeURIComponent(target.href.slice(root.length));
        const st = await stat(path.join(site, rel)).catch(() => undefined);
        if (!st?.isFile()) broken.push(`${page}: ${link} → ${rel || '(root folder)'} is not a file`);
        checked++;
      }
    }
    expect(broken).toEqual([]);
    expect(pages.length).toBeGreaterThan(8);
    expect(checked).toBeGreaterThan(100);
  });
});

describe('the test web server', () => {
  it('serves the bundle at a host root, and only under /ipfs/<name>/ on the gateway, with relative redirects', async () => {
    expect((await fetch(`${web.rootUrl}index.html`)).status).toBe(200);
    expect((await fetch(`${web.gatewayUrl}index.html`)).status).toBe(200);
    expect((await fetch(`${web.gatewayOrigin}/index.html`)).status).toBe(404);
    const redirect = await fetch(`${web.gatewayUrl}mirrors`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe(`/ipfs/${web.name}/mirrors/`);
  });
});

describe.each([
  ['file://', () => siteFileUrl()],
  ['a host root', () => web.rootUrl],
  ['an IPFS path gateway', () => web.gatewayUrl],
])('read with JavaScript off from %s', (_where, base) => {
  it('shows the home page, an article and back, the rtl article and the mirrors page, and loads nothing outside the bundle', async () => {
    const prefix = base();
    const context = await chromium.readerContext();
    const page = await context.newPage();
    const log = recordRequests(context);
    try {
      await page.goto(`${prefix}index.html`);
      await expect(page.locator('h1').first().textContent()).resolves.toContain('Samizdat E2E');
      expect(await page.locator('h1').first().isVisible()).toBe(true);

      await page.getByRole('link', { name: 'Hello, world & friends' }).first().click();
      await page.waitForURL(`${prefix}articles/**/index.html`);
      expect(await page.locator('h1').first().textContent()).toBe('Hello, world & friends');
      const img = page.locator('main img').first();
      expect(await img.getAttribute('alt')).toBe('A red rectangle');
      // The image really loaded from the bundle (naturalWidth needs no page script: it is read by Playwright).
      expect(await img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(4);
      const outbound = page.locator('a[href="https://example.org/page"]');
      expect(await outbound.getAttribute('rel')).toMatch(/noopener/);

      await page.goBack();
      expect(page.url()).toBe(`${prefix}index.html`);
      await page.getByRole('link', { name: 'مرحبا بالعالم' }).first().click();
      await page.waitForURL(`${prefix}articles/**/index.html`);
      const rtlHeading = page.locator('article[lang="ar"][dir="rtl"] h1');
      expect(await rtlHeading.textContent()).toBe('مرحبا بالعالم');
      expect(await rtlHeading.evaluate((el) => getComputedStyle(el).direction)).toBe('rtl');

      await page.getByRole('link', { name: 'Mirrors', exact: true }).first().click();
      await page.waitForURL(`${prefix}mirrors/index.html`);
      expect(await page.locator('h1').first().isVisible()).toBe(true);
      // The onion address and the outside contact are plain links there, never loaded.
      expect(await page.locator(`a[href^="http://${'a'.repeat(56)}.onion"]`).count()).toBeGreaterThan(0);
      expect(await page.locator('a[href="https://t.me/example"]').getAttribute('rel')).toMatch(/noopener/);

      await page.goto(`${prefix}lang/ru/index.html`);
      await page.getByRole('link', { name: 'Привет, мир' }).first().click();
      await page.waitForURL(`${prefix}articles/**/index.html`);
      expect(await page.locator('article[lang="ru"] h1').textContent()).toBe('Привет, мир');
    } finally {
      await context.close();
    }
    expect(log.urls.length).toBeGreaterThan(6);
    expect(log.outside((u) => u.startsWith(prefix))).toEqual([]);
    expect(log.failed.filter((f) => f.error !== 'net::ERR_ABORTED')).toEqual([]);
  }, 120_000);
});

describe('looks and accessibility', () => {
  it('renders the article page (screenshot for a person to look at)', async () => {
    const context = await chromium.readerContext({ viewport: { width: 420, height: 900 } });
    try {
      const page = await context.newPage();
      await page.goto(`${web.rootUrl}index.html`);
      await page.getByRole('link', { name: 'Hello, world & friends' }).first().click();
      const shot = path.join(os.tmpdir(), 'samizdat-e2e-article.png');
      const png = await page.screenshot({ path: shot, fullPage: true });
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.length).toBeGreaterThan(5_000);
    } finally {
      await context.close();
    }
  });

  it('axe-core finds no serious or critical violation on home, article, rtl article and mirrors page', async () => {
    const html = (await listFiles(site)).filter((f) => f.startsWith('articles/') && f.endsWith('index.html'));
    const rtl = html.find((f) => f.includes('marhaba'));
    const article = html.find((f) => f.includes('hello'));
    expect(rtl && article).toBeTruthy();
    const problems: string[] = [];
    for (const page of ['index.html', article!, rtl!, 'mirrors/index.html']) {
      const results = await chromium.axe(web.rootUrl + page, { timeoutMs: 60_000 });
      expect(results.passes.length).toBeGreaterThan(5);
      for (const v of results.violations) {
        if (v.impact === 'serious' || v.impact === 'critical') problems.push(`${page}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      }
    }
    expect(problems).toEqual([]);
  }, 240_000);
});

describe('feeds in a real feed client', () => {
  it('python3-feedparser reads every Atom and RSS feed from the sub-path without bozo, and entry links stay on that mirror', async () => {
    expect(built.feeds).toEqual(expect.arrayContaining(['atom.xml', 'rss.xml', 'feed.json']));
    // Debian's feedparser 6.0.10 predates JSON Feed support: JSON feeds are checked below.
    const feeds = built.feeds.filter((f) => f.endsWith('.xml'));
    expect(feeds.length).toBeGreaterThanOrEqual(4);
    const script = `
import json, sys, feedparser
out = []
for url in sys.argv[1:]:
    d = feedparser.parse(url)
    out.append({"url": url, "bozo": bool(d.bozo), "error": str(d.get("bozo_exception", "")), "version": d.version,
                "link": d.feed.get("link"), "entries": [{"title": e.get("title"), "link": e.get("link"),
                "content": "".join(c.value for c in e.get("content", [])) or e.get("summary", "")} for e in d.entries]})
print(json.dumps(out))
`;
    const { stdout } = await run('/usr/bin/python3', ['-c', script, ...feeds.map((f) => web.gatewayUrl + f)], { timeout: 30_000 });
    const parsed = JSON.parse(stdout) as { url: string; bozo: boolean; error: string; version: string; entries: { title: string; link: string; content: string }[] }[];
    let contentLinks = 0;
    for (const feed of parsed) {
      expect({ url: feed.url, bozo: feed.bozo, error: feed.error }).toEqual({ url: feed.url, bozo: false, error: '' });
      expect(feed.version, feed.url).not.toBe('');
      expect(feed.entries.length, feed.url).toBeGreaterThan(0);
      for (const entry of feed.entries) {
        expect(entry.link, `${feed.url}: ${entry.title}`).toMatch(new RegExp(`^${web.gatewayUrl.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}articles/.+/index\\.html$`));
        const res = await fetch(entry.link);
        expect(res.status, entry.link).toBe(200);
        // feedparser resolved the links inside the entry's HTML (xml:base): they too stay on this mirror.
        for (const link of linksOf(entry.content)) {
          if (link.startsWith('https://example.org/') || link.startsWith('https://tracker.example.org/')) continue; // the fixture's outbound links
          expect(link, `${feed.url}: ${entry.title}`).toMatch(new RegExp(`^${web.gatewayUrl.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
          expect((await fetch(link)).status, link).toBe(200);
          contentLinks++;
        }
      }
    }
    expect(contentLinks).toBeGreaterThan(0);
    const all = parsed.find((f) => f.url.endsWith('/atom.xml'))!;
    expect(all.entries.map((e) => e.title)).toEqual(['مرحبا بالعالم', 'Привет, мир', 'Hello, world & friends', 'A second English article']);
  });

  it('JSON Feeds from the sub-path: items link to articles on that same mirror', async () => {
    const feeds = built.feeds.filter((f) => f.endsWith('.json'));
    expect(feeds.length).toBeGreaterThanOrEqual(2);
    for (const f of feeds) {
      const feedUrl = web.gatewayUrl + f;
      const res = await fetch(feedUrl);
      expect(res.status).toBe(200);
      const feed = (await res.json()) as { version: string; items: { url: string; content_html: string }[] };
      expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
      expect(feed.items.length).toBeGreaterThan(0);
      for (const item of feed.items) {
        const link = new URL(item.url, feedUrl).href;
        expect(link.startsWith(`${web.gatewayUrl}articles/`), link).toBe(true);
        expect((await fetch(link)).status, link).toBe(200);
        expect(item.content_html.length).toBeGreaterThan(10);
      }
    }
  });
});

describe('reproducible', () => {
  it('a second build from a copy of the content in another folder, written in another order, is byte-identical', async () => {
    const content = path.join(work, 'elsewhere', 'b', 'content');
    await writeContent(content, true);
    const other = path.join(work, 'elsewhere', 'b', 'out', 'site');
    await buildSite({ contentDir: content, outDir: other, cacheDir: false, env: {} });
    const [a, b] = await Promise.all([listFiles(site), listFiles(other)]);
    expect(b).toEqual(a);
    const differ: string[] = [];
    for (const f of a) {
      const [x, y] = await Promise.all([readFile(path.join(site, f)), readFile(path.join(other, f))]);
      if (!x.equals(y)) differ.push(f);
    }
    expect(differ).toEqual([]);
  });
});
