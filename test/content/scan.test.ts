/**
 * The content scan (list + stat of every article file) can run on a thread while the build reads
 * its state. Whatever way the scan is made, loading gives exactly the same outcome.
 */
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadContent, type LoadedContent } from '../../src/content/index.ts';
import { scanContent } from '../../src/content/scan.ts';
import { contentScanPays, scanContentOnThread } from '../../src/content/scan-thread.ts';
import { InputError } from '../../src/errors.ts';
import { buildSite } from '../../src/build/index.ts';
import { tempDir } from '../support/net.ts';

function outcome(c: LoadedContent) {
  return { articles: c.articles.map((a) => ({ ...a, body: a.body })), invalid: c.invalid.map((i) => [i.file, i.problems.map((p) => p.code)]), drafts: c.drafts, warnings: c.warnings };
}

describe('content scan', () => {
  let root: string;
  let content: string;
  let cacheDir: string;
  let cleanup: () => Promise<void>;
  const write = async (rel: string, text: string) => {
    await mkdir(path.dirname(path.join(content, rel)), { recursive: true });
    await writeFile(path.join(content, rel), text);
  };
  beforeEach(async () => {
    ({ dir: root, cleanup } = await tempDir('samizdat-scan-'));
    content = path.join(root, 'content');
    cacheDir = path.join(root, '.samizdat', 'build');
    await write('en/a.md', '---\ntitle: Talks in Moscow\ndate: 2015-08-13\ntags: [Russia]\n---\nBody A.\n');
    await write('ru/b.md', '---\ntitle: Переговоры в Москве\ndate: 2015-08-14\nlang: ru\n---\nТекст.\n');
    await write('.hidden/c.md', '---\ntitle: Hidden\ndate: 2015-08-15\n---\nx\n');
    await write('_drafts/d.md', '---\ntitle: Underscore\ndate: 2015-08-15\n---\nx\n');
    await write('bad.md', '---\ntitle: Bad\ndate: 2015-02-30\n---\nx\n');
    await write('notes.txt', 'not an article');
  });
  afterEach(() => cleanup());

  it('lists the same files on a thread as here, with their stamps', async () => {
    const here = scanContent(content);
    expect(here.files).toEqual(['bad.md', 'en/a.md', 'ru/b.md']);
    expect(here.stamps.every((s) => Array.isArray(s) && s.length === 4)).toBe(true);
    expect(await scanContentOnThread(content)).toEqual(here);
  });

  it('gives the same outcome with a scan from a thread, a scan made here, and no cache', async () => {
    const none = outcome(await loadContent(content, { siteLang: 'en' }));
    const cold = await loadContent(content, { siteLang: 'en', cacheDir, scan: scanContentOnThread(content) });
    expect(outcome(cold)).toEqual(none);
    expect(cold.parsed).toBe(3);
    const warm = await loadContent(content, { siteLang: 'en', cacheDir, scan: scanContentOnThread(content) });
    expect(warm.parsed).toBe(1); // only the invalid file: the others come from the cache by their stamps
    expect(outcome(warm)).toEqual(none);
    // A file edited after the scan was taken: its old stamp is what is remembered, so the next
    // load (with a fresh stamp) parses it again and sees the edit.
    const scan = scanContentOnThread(content);
    await scan;
    await write('en/a.md', '---\ntitle: Talks in Minsk\ndate: 2015-08-13\n---\nBody A2.\n');
    await utimes(path.join(content, 'en/a.md'), new Date(), new Date(Date.now() + 5000));
    await loadContent(content, { siteLang: 'en', cacheDir, scan });
    const next = await loadContent(content, { siteLang: 'en', cacheDir, scan: scanContentOnThread(content) });
    expect(next.articles.find((a) => a.file === 'en/a.md')).toMatchObject({ title: 'Talks in Minsk', body: 'Body A2.\n' });
  });

  it('falls back to scanning here when the thread gives nothing, and reports a missing folder as before', async () => {
    const gone = path.join(root, 'no-such-content');
    expect(await scanContentOnThread(gone)).toBeUndefined();
    const err = await loadContent(gone, { siteLang: 'en', cacheDir, scan: scanContentOnThread(gone) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('CONTENT_NOT_FOUND');
    // A scan that gave nothing for an existing folder: loading scans here.
    const out = await loadContent(content, { siteLang: 'en', cacheDir, scan: Promise.resolve(undefined) });
    expect(out.articles.map((a) => a.file).sort()).toEqual(['en/a.md', 'ru/b.md']);
  });

  it('is started by a rebuild only when the last build had enough articles for a thread to pay', async () => {
    await rm(path.join(content, 'bad.md'));
    expect(contentScanPays(cacheDir)).toBe(false); // no cache yet
    const out = path.join(root, 'out');
    await buildSite({ contentDir: content, outDir: out, threads: false });
    expect(contentScanPays(cacheDir)).toBe(false); // two articles
    // With threads forced (as the build does for a big archive), the rebuild gives the same bundle.
    await write('en/new.md', '---\ntitle: New\ndate: 2016-01-01\n---\nNew.\n');
    const threaded = await buildSite({ contentDir: content, outDir: out, threads: true });
    const plain = await buildSite({ contentDir: content, outDir: path.join(root, 'out2'), cacheDir: false, threads: false });
    expect(threaded.manifest.files).toEqual(plain.manifest.files);
    expect(threaded.articles).toBe(3);
  });
});
