/**
 * Rebuilds update the previous output in place, writing only what changed. Whatever happened
 * in between, the result must be byte for byte what a first build of the same content gives,
 * and a failing rebuild must leave the previous output exactly as it was.
 */
import { deflateSync } from 'node:zlib';
import { cp, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, type BuildResult } from '../../src/build/index.ts';
import { OutputState } from '../../src/build/outputs.ts';
import { tempDir } from '../support/net.ts';
import { fileTree as tree, firstBuildTree } from '../support/tree.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
let work: { dir: string; cleanup: () => Promise<void> };
let content: string;
let out: string;
let cache: string;

function article(n: number, extra = ''): string {
  const day = String((n % 28) + 1).padStart(2, '0');
  const month = String((Math.floor(n / 28) % 12) + 1).padStart(2, '0');
  return `---\ntitle: Report number ${n}\ndate: 2024-${month}-${day}\ntags: [${n % 2 ? 'odd' : 'even'}, all]\nlang: ${n % 3 ? 'en' : 'ru'}\n---\n\nParagraph ${n} of the report.${extra}\n`;
}

/** A grey PNG of this size (image-size reads its header; browsers could show it). */
function png(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const rows = Buffer.alloc((width + 1) * height, 0x80);
  for (let y = 0; y < height; y++) rows[y * (width + 1)] = 0; // filter type 0 on each row
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** How many articles the JSON feed at rel in the output holds. */
const feedItems = async (rel: string) => (JSON.parse(await readFile(path.join(out, rel), 'utf8')) as { items: unknown[] }).items.length;

const rebuild = () => buildSite({ contentDir: content, outDir: out, cacheDir: cache, mirrorsDir: path.join(work.dir, 'no-mirrors'), env: {} });

/** A first build of the same content, elsewhere, with no cache at all. */
const coldTree = () => firstBuildTree(work.dir, { contentDir: content, mirrorsDir: path.join(work.dir, 'no-mirrors'), env: {} });

beforeAll(async () => {
  work = await tempDir('samizdat-incremental-');
  content = path.join(work.dir, 'content');
  out = path.join(work.dir, 'out');
  cache = path.join(work.dir, 'cache');
  await mkdir(path.join(work.dir, 'no-mirrors'));
  await cp(path.join(ROOT, 'content'), content, { recursive: true });
  // Small pages, so that the lists have archive pages.
  await writeFile(path.join(content, 'site.yaml'), (await readFile(path.join(content, 'site.yaml'), 'utf8')).replace(/^pageSize: .*$/m, 'pageSize: 3'));
  await mkdir(path.join(content, 'reports'));
  for (let n = 1; n <= 40; n++) await writeFile(path.join(content, 'reports', `r${n}.md`), article(n));
  const first = await rebuild();
  expect(first.filesWritten).toBe(first.manifest.files.length);
  expect(first.pageWriter).toBe('eleventy');
}, 120_000);

afterAll(async () => work?.cleanup());

describe('rebuilds in place', () => {
  it('a rebuild with no change writes no page, and nothing changes', async () => {
    const before = await tree(out);
    const r = await rebuild();
    expect(r.rendered.fresh).toBe(0);
    expect(r.rendered.pagesReused).toBe(r.articles);
    expect(await tree(out)).toEqual(before);
    // Feeds, indexes, the mirrors pages and the 404 page are carried over like the others (the
    // manifest, written by every build, is not counted).
    expect(r.filesWritten).toBe(0);
  }, 60_000);

  it('one new article: only it is rendered, few files are written, and the bundle equals a first build', async () => {
    const inode = async (rel: string) => (await stat(path.join(out, rel))).ino;
    const carried = ['lang/ru/atom.xml', 'lang/ru/feed.json', '404.html', 'mirrors/index.html'];
    const before = await Promise.all(carried.map(inode));
    const enFeed = await inode('lang/en/atom.xml');
    await writeFile(path.join(content, 'reports', 'r41.md'), article(41)); // in English
    const r: BuildResult = await rebuild();
    // The Russian feeds and the pages of their own did not change: carried over, not written.
    expect(await Promise.all(carried.map(inode))).toEqual(before);
    expect(await inode('lang/en/atom.xml')).not.toBe(enFeed);
    expect(r.rendered.fresh).toBe(1);
    expect(r.rendered.pagesReused).toBe(r.articles - 1);
    // Written by samizdat from the same templates, without starting Eleventy; the comparison
    // below is with a first build written by Eleventy.
    expect(r.pageWriter).toBe('samizdat');
    expect(r.filesWritten).toBeLessThan(r.manifest.files.length / 2);
    // The site's and the English feeds (three kinds each) were spliced: every entry but the new
    // one copied from the feed written last time.
    expect(r.rendered.feedEntriesReused).toBe(3 * ((await feedItems('feed.json')) - 1) + 3 * ((await feedItems('lang/en/feed.json')) - 1));
    expect(await tree(out)).toEqual(await coldTree());
  }, 60_000);

  it('a feed edited by hand is made whole again, never spliced from', async () => {
    const atom = path.join(out, 'atom.xml');
    const text = await readFile(atom, 'utf8');
    expect(text).toContain('Paragraph 3 of the report.');
    await writeFile(atom, text.replace('Paragraph 3 of the report.', 'Paragraph 3 TAMPERED.'));
    await writeFile(path.join(content, 'reports', 'r42.md'), article(42));
    const r = await rebuild();
    // The other two site feeds and the language's three are spliced; atom.xml is made whole.
    expect(r.rendered.feedEntriesReused).toBe(2 * ((await feedItems('feed.json')) - 1) + 3 * ((await feedItems('lang/ru/feed.json')) - 1));
    expect(await readFile(atom, 'utf8')).not.toContain('TAMPERED');
    expect(await tree(out)).toEqual(await coldTree());
  }, 60_000);

  it('an edited title, a removed article and a removed tag: the bundle equals a first build, with no stale page left', async () => {
    await writeFile(path.join(content, 'reports', 'r7.md'), article(7).replace('Report number 7', 'Report seven, retitled'));
    await rm(path.join(content, 'reports', 'r8.md'));
    await writeFile(path.join(content, 'reports', 'r9.md'), article(9).replace('[odd, all]', '[all]'));
    const before = await tree(out);
    const r = await rebuild();
    expect(r.rendered.fresh).toBe(2);
    const after = await tree(out);
    expect(after).toEqual(await coldTree());
    expect(Object.keys(before).filter((f) => !(f in after)).some((f) => f.includes('report-number-8'))).toBe(true);
  }, 60_000);

  it('an output edited, removed or replaced by hand, a stray file and a symlink are all put right', async () => {
    const files = Object.keys(await tree(out)).filter((f) => f.startsWith('articles/'));
    await writeFile(path.join(out, files[0]!), 'edited by hand');
    await rm(path.join(out, files[1]!));
    // Feeds, indexes and pages of their own too (carried over like article pages).
    await writeFile(path.join(out, 'atom.xml'), '<feed>edited by hand</feed>');
    await writeFile(path.join(out, 'tags', 'index.html'), 'edited by hand');
    await rm(path.join(out, '404.html'));
    await rm(path.join(out, 'mirrors.json'));
    await writeFile(path.join(out, 'stray.html'), '<p>not part of the bundle</p>');
    await symlink('/etc/passwd', path.join(out, 'articles', 'link.html'));
    const r = await rebuild();
    expect(r.rendered.fresh).toBe(0);
    const after = await tree(out);
    expect(after).toEqual(await coldTree());
    await expect(stat(path.join(out, 'articles', 'link.html'))).rejects.toThrow();
  }, 60_000);

  it('an output changed by hand into something the audit rejects, with the audit cache gone: written again, not reported', async () => {
    const files = Object.keys(await tree(out)).filter((f) => f.startsWith('articles/'));
    await writeFile(path.join(out, files[2]!), '<!doctype html><html lang="en"><head><title>x</title></head><body><script>alert(1)</script></body></html>');
    await rm(path.join(cache, 'audit'), { recursive: true, force: true });
    await rebuild();
    expect(await tree(out)).toEqual(await coldTree());
  }, 60_000);

  it('a damaged rendering in the cache is rendered again, never published', async () => {
    const cached = (await readdir(path.join(cache, 'articles'), { recursive: true })).filter((f) => f.endsWith('.txt'));
    expect(cached.length).toBeGreaterThan(0);
    for (const f of cached) await writeFile(path.join(cache, 'articles', f), '<p>damaged</p>');
    // Change one article so that its page is written from the cache of the others' texts (feeds).
    await writeFile(path.join(content, 'reports', 'r10.md'), article(10, ' Edited.'));
    await rebuild();
    const after = await tree(out);
    expect(after).toEqual(await coldTree());
    expect((await readFile(path.join(out, 'feed.json'), 'utf8')).includes('damaged')).toBe(false);
  }, 60_000);

  it('a changed image is copied again and its article page follows', async () => {
    const media = (await readdir(path.join(content, 'media'))).filter((f) => /\.(png|jpe?g|gif|webp)$/i.test(f));
    expect(media.length).toBeGreaterThan(0);
    const img = path.join(content, 'media', media[0]!);
    const bytes = await readFile(img);
    await writeFile(img, Buffer.concat([bytes, Buffer.from([0])])); // same picture, other bytes
    await rebuild();
    expect(await tree(out)).toEqual(await coldTree());
  }, 60_000);

  it('an image inside an article\'s text that changes size: the page gets the new width and height', async () => {
    await writeFile(path.join(content, 'media', 'inline.png'), png(40, 30));
    await writeFile(path.join(content, 'reports', 'r12.md'), article(12, '\n\n![A chart](../media/inline.png)'));
    await rebuild();
    const page = async () => {
      const url = (await readdir(path.join(out, 'articles'), { recursive: true })).find((f) => f.endsWith('report-number-12/index.html'))!;
      return readFile(path.join(out, 'articles', url), 'utf8');
    };
    expect(await page()).toMatch(/<img[^>]*width="40" height="30"/);
    await writeFile(path.join(content, 'media', 'inline.png'), png(64, 48));
    await rebuild();
    expect(await page()).toMatch(/<img[^>]*width="64" height="48"/);
    expect(await tree(out)).toEqual(await coldTree());
  }, 60_000);

  it('changed site settings: every page follows (keys are only compared under the settings they were made with)', async () => {
    const file = path.join(content, 'site.yaml');
    const before = await readFile(file, 'utf8');
    await writeFile(file, before.replace(/^title: .*$/m, 'title: Another Title'));
    const r = await rebuild();
    expect(r.filesWritten).toBe(r.manifest.files.length);
    expect(await readFile(path.join(out, 'index.html'), 'utf8')).toContain('Another Title');
    expect(await tree(out)).toEqual(await coldTree());
    await writeFile(file, before);
    await rebuild();
    expect(await tree(out)).toEqual(await coldTree());
  }, 60_000);

  it('a rebuild that fails its audit leaves the previous output exactly as it was', async () => {
    const before = await tree(out);
    // A link to another article's Markdown file names no page of the bundle: the audit stops it.
    await writeFile(path.join(content, 'reports', 'r42.md'), article(42, '\n\nSee [the other one](r1.md).'));
    const failed = await rebuild().then(() => undefined, (err: unknown) => err);
    expect(String(failed)).toMatch(/audit/);
    // Named by the article that caused it, not only by the generated page.
    const problems = (failed as { problems: Array<{ file?: string; message: string }> }).problems;
    expect(problems.some((p) => p.file === 'reports/r42.md' && /r1\.md/.test(p.message) && /in its page articles\//.test(p.message))).toBe(true);
    expect(await tree(out)).toEqual(before);
    await rm(path.join(content, 'reports', 'r42.md'));
    await rebuild();
    expect(await tree(out)).toEqual(await coldTree());
  }, 60_000);

  it('the record of outputs gives every carried file\'s size and sha256 as the manifest has them', async () => {
    const state = await OutputState.open(cache, out);
    const manifest = JSON.parse(await readFile(path.join(out, 'mirror-manifest.json'), 'utf8')) as { files: Array<{ path: string; size: number; sha256: string }> };
    expect(manifest.files.length).toBeGreaterThan(50);
    for (const f of manifest.files) {
      expect(state.known(f.path), f.path).toEqual({ size: f.size, sha256: f.sha256 });
      expect(state.knownSha256(f.path), f.path).toBe(f.sha256);
    }
    expect(state.known('no/such/file.html')).toBeUndefined();
    expect(state.knownSha256('no/such/file.html')).toBeUndefined();
  });

  it('damaged state files mean work done again, never a wrong bundle', async () => {
    const stateFiles = (await readdir(cache)).filter((f) => f.endsWith('.state'));
    expect(stateFiles.sort()).toEqual(['content.state', 'outputs.state', 'render-index.state']);
    // No JSON state of earlier versions is left beside them (the validated settings are kept in
    // JSON, and damaged below too).
    expect((await readdir(cache)).filter((f) => f.endsWith('.json'))).toEqual(['validated-config.json']);
    await writeFile(path.join(cache, 'validated-config.json'), '{"format":');
    // Earlier rebuilds wrote their few changes beside them: damaged too.
    const deltas = (await readdir(cache)).filter((f) => f.endsWith('.state.delta'));
    expect(deltas.length).toBeGreaterThan(0);
    for (const f of [...stateFiles, ...deltas]) {
      const bytes = await readFile(path.join(cache, f));
      await writeFile(path.join(cache, f), bytes.subarray(0, bytes.length >> 1));
    }
    // Texts of renderings no longer used (earlier edits above), and files of an older layout.
    const texts = async () => (await readdir(path.join(cache, 'articles'), { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
    expect((await texts()).length).toBeGreaterThan(0);
    await mkdir(path.join(cache, 'articles', 'zz'), { recursive: true });
    await writeFile(path.join(cache, 'articles', 'zz', `${'f'.repeat(64)}.html`), '<p>old</p>');
    await writeFile(path.join(cache, 'articles', 'zz', `${'e'.repeat(64)}.txt`), '3\nold<p>old</p>');
    await writeFile(path.join(content, 'reports', 'r11.md'), article(11, ' Edited again.'));
    const r = await rebuild();
    expect(r.rendered.cached).toBe(0);
    expect(r.filesWritten).toBe(r.manifest.files.length);
    expect(await tree(out)).toEqual(await coldTree());
    // The index was written whole: the texts it does not name are gone, one per article is left.
    expect((await texts()).map((f) => f.name).filter((n) => /^[fe]{64}\./.test(n))).toEqual([]);
    expect((await texts()).length).toBe(r.articles);
    // And the next rebuild is incremental again.
    const again = await rebuild();
    expect(again.rendered.fresh).toBe(0);
    expect(again.filesWritten).toBeLessThan(again.manifest.files.length);
  }, 60_000);

  it('a deleted output folder or a state from another folder means a full build', async () => {
    await rm(out, { recursive: true, force: true });
    const r = await rebuild();
    expect(r.filesWritten).toBe(r.manifest.files.length);
    expect(r.pageWriter).toBe('eleventy');
    expect(await tree(out)).toEqual(await coldTree());
  }, 60_000);
});
