/**
 * A big first build renders articles on worker threads and audits pages while Eleventy writes
 * them. These force the threads on a small site: the bundle must be byte for byte the one a
 * build without threads gives, and the audit must still stop what it stops.
 */
import { readdirSync } from 'node:fs';
import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, type BuildOptions } from '../../src/build/index.ts';
import { loadContent } from '../../src/content/index.ts';
import { InputError } from '../../src/errors.ts';
import { tempDir } from '../support/net.ts';
import { readTree } from './fixture.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
let work: { dir: string; cleanup: () => Promise<void> };
let content: string;

const build = (name: string, threads: boolean, more: Partial<BuildOptions> = {}) =>
  buildSite({ contentDir: content, outDir: path.join(work.dir, name), cacheDir: false, threads, mirrorsDir: path.join(work.dir, 'no-mirrors'), env: {}, ...more });

beforeAll(async () => {
  work = await tempDir('samizdat-threads-');
  content = path.join(work.dir, 'content');
  await mkdir(path.join(work.dir, 'no-mirrors'));
  await cp(path.join(ROOT, 'content'), content, { recursive: true });
  await mkdir(path.join(content, 'reports'));
  for (let n = 1; n <= 30; n++) {
    await writeFile(path.join(content, 'reports', `r${n}.md`), `---\ntitle: Report ${n}\ndate: 2024-02-${String((n % 28) + 1).padStart(2, '0')}\ntags: [t${n % 3}]\n---\n\nParagraph ${n}, **bold** and <em>raw</em> HTML.\n`);
  }
}, 60_000);

afterAll(async () => work?.cleanup());

describe('worker threads in a build', () => {
  it('give the same bundle, byte for byte, as a build without them, and nothing is read back', async () => {
    const withThreads = await build('with', true);
    const without = await build('without', false);
    expect(await readTree(path.join(work.dir, 'with'))).toEqual(await readTree(path.join(work.dir, 'without')));
    expect(withThreads.articles).toBe(without.articles);
    // With threads each article was rendered by the thread that parsed it.
    expect(withThreads.rendered.withParsing).toBe(withThreads.articles);
    expect(without.rendered.withParsing).toBe(0);
    // With threads every page was audited while being written; without, all were read back.
    expect(withThreads.auditRead).toBe(0);
    expect(without.auditRead).toBe(without.manifest.files.filter((f) => /\.(html|xml|json)$/.test(f.path)).length);
  }, 120_000);

  it('renderings written into the cache by the parse threads are read back by the next build', async () => {
    const cacheDir = path.join(work.dir, 'cache-from-threads');
    const first = await build('cached-1', true, { cacheDir });
    expect(first.rendered.withParsing).toBe(first.articles);
    const again = await build('cached-2', false, { cacheDir });
    // Every article comes from the cache (each HTML file passed its sha256 check), and the pages
    // and feeds made from those files are the ones the first build made.
    expect(again.rendered.cached).toBe(again.articles);
    expect(await readTree(path.join(work.dir, 'cached-2'))).toEqual(await readTree(path.join(work.dir, 'cached-1')));
  }, 120_000);

  it('a first build with threads leaves an output state the next build trusts (identities read back by the audit threads)', async () => {
    const cacheDir = path.join(work.dir, 'cache-state');
    const first = await build('state', true, { cacheDir });
    expect(first.auditRead).toBe(0);
    const again = await build('state', false, { cacheDir });
    // Nothing changed: every article page is carried over as the first build left it.
    expect(again.rendered.pagesReused).toBe(again.articles);
    expect(again.filesWritten).toBeLessThan(again.manifest.files.length / 2);
  }, 120_000);

  it.each([[true], [false]])('threads %s: a page that fails the audit stops the build with one problem naming the article and its copies in the feeds', async (threads) => {
    await writeFile(path.join(content, 'reports', 'bad.md'), '---\ntitle: Bad link\ndate: 2024-03-01\n---\n\nSee [the other one](r1.md).\n');
    try {
      const failed = await build('bad', threads).then(() => undefined, (err: unknown) => err);
      expect(String(failed)).toMatch(/audit found 1 problem/);
      const problems = (failed as { problems: Array<{ file?: string; message: string }> }).problems;
      expect(problems).toHaveLength(1);
      expect(problems[0]!.file).toBe('reports/bad.md');
      expect(problems[0]!.message).toMatch(/r1\.md.*in its page articles\/2024\/03\/bad-link\/index\.html line \d+; the same in the copies of its text in atom\.xml line \d+, feed\.json line \d+/);
      await expect(readdir(path.join(work.dir, 'bad'))).rejects.toThrow();
    } finally {
      await rm(path.join(content, 'reports', 'bad.md'));
    }
  }, 120_000);

  it('an aborted build stops its worker threads (Linux: counted in /proc/self/task)', async () => {
    const threadCount = () => readdirSync('/proc/self/task').length;
    const before = threadCount();
    const ctrl = new AbortController();
    let during = 0;
    // Aborted when the pages stage starts: the audit's threads are running then.
    const onProgress: BuildOptions['onProgress'] = (e) => {
      if (e.type === 'stage' && e.stage === 'pages') {
        during = threadCount();
        ctrl.abort();
      }
    };
    await expect(build('aborted', true, { signal: ctrl.signal, onProgress })).rejects.toMatchObject({ code: 'ABORTED' });
    expect(during).toBeGreaterThan(before);
    for (let i = 0; i < 40 && threadCount() > before; i++) await new Promise((r) => setTimeout(r, 50));
    expect(threadCount()).toBeLessThanOrEqual(before);
    await expect(readdir(path.join(work.dir, 'aborted'))).rejects.toThrow();
  }, 60_000);

  it('report an article a worker could not read exactly as the calling thread does', async () => {
    const bad = path.join(work.dir, 'bad-content');
    await cp(content, bad, { recursive: true });
    await writeFile(path.join(bad, 'reports', 'broken.md'), '---\ntitle: [unclosed\ndate: 2024-13-45\n---\nText\n');
    await writeFile(path.join(bad, 'reports', 'latin1.md'), Buffer.from('---\ntitle: Caf\xe9\ndate: 2024-01-01\n---\n', 'latin1'));
    const load = (threads: boolean) => loadContent(bad, { siteLang: 'en', threads });
    const [withThreads, without] = await Promise.all([load(true), load(false)]);
    expect(withThreads.invalid.map((i) => i.file)).toEqual(['reports/broken.md', 'reports/latin1.md']);
    expect(withThreads.invalid).toEqual(without.invalid);
    expect(withThreads.invalid.flatMap((i) => i.problems).every((p) => p instanceof InputError && p.line !== undefined)).toBe(true);
    expect(withThreads.articles.map((a) => [a.url, a.hash, a.body])).toEqual(without.articles.map((a) => [a.url, a.hash, a.body]));
  }, 60_000);
});
