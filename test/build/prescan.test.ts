// The scans a rebuild starts early (the output folder it compares with its state, the article
// files and their stats): on a thread they give exactly what the in-thread scans give.
import { statSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanOutputs } from '../../src/build/output-scan.ts';
import { prestartScans, scanOutputsOnThread, scanThreadStats, takePrestartedContentScan, takePrestartedScan } from '../../src/build/prescan.ts';
import { scanContent, stampAt } from '../../src/content/scan.ts';
import { prestartFromArgv } from '../../src/cli/early-scans.ts';
import { loadContent } from '../../src/content/index.ts';
import { tempDir } from '../support/net.ts';

let root: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('samizdat-scan-'));
  for (let i = 0; i < 50; i++) {
    await mkdir(path.join(root, 'out', 'articles', `a${i}`), { recursive: true });
    await writeFile(path.join(root, 'out', 'articles', `a${i}`, 'index.html'), `page ${i}`);
  }
  await writeFile(path.join(root, 'out', 'index.html'), 'home');
  await symlink('/etc/hostname', path.join(root, 'out', 'link.txt'));
  for (let i = 0; i < 30; i++) {
    await mkdir(path.join(root, 'content', `y${i % 3}`), { recursive: true });
    await writeFile(path.join(root, 'content', `y${i % 3}`, `a${i}.md`), `---\ntitle: Article ${i}\ndate: 2020-01-${String((i % 28) + 1).padStart(2, '0')}\n---\nText ${i}.\n`);
  }
  await writeFile(path.join(root, 'content', 'notes.txt'), 'not an article');
});

afterAll(async () => cleanup?.());

describe('the scans a rebuild starts early', () => {
  it('lists every file with its size, modification time and inode, and what is not a file', () => {
    const scan = scanOutputs(path.join(root, 'out'))!;
    expect(scan.files.size).toBe(51);
    expect(scan.files.get('articles/a7/index.html')).toMatch(/^6:\d+(\.\d+)?:\d+$/);
    expect(scan.others).toEqual(['link.txt']);
  });

  it('gives the same answer on a thread', async () => {
    const here = scanOutputs(path.join(root, 'out'))!;
    const before = { ...scanThreadStats };
    const there = (await scanOutputsOnThread(path.join(root, 'out')))!;
    expect(scanThreadStats).toEqual({ onThread: before.onThread + 1, here: before.here });
    expect([...there.files].sort()).toEqual([...here.files].sort());
    expect(there.others).toEqual(here.others);
  });

  it('scans started early (by the CLI, before the build loads) are the ones the build takes, once', async () => {
    const before = { ...scanThreadStats };
    const dirs = { contentDir: path.join(root, 'content'), outDir: path.join(root, 'out') };
    prestartScans(dirs);
    prestartScans({ contentDir: path.join(root, 'content'), outDir: path.join(root, 'out', '.') }); // the same folders: still one scan
    const taken = takePrestartedScan(path.join(root, 'out'));
    const content = takePrestartedContentScan(path.join(root, 'content', '.'));
    expect(taken).toBeDefined();
    expect(content).toBeDefined();
    expect(takePrestartedScan(path.join(root, 'out'))).toBeUndefined();
    expect(takePrestartedContentScan(path.join(root, 'content'))).toBeUndefined();
    expect([...(await taken)!.files].sort()).toEqual([...scanOutputs(path.join(root, 'out'))!.files].sort());
    expect(await content).toEqual(scanContent(path.join(root, 'content')));
    expect(scanThreadStats.onThread).toBe(before.onThread + 1);
    // scanOutputsOnThread takes a prestarted scan too, and starts its own otherwise.
    prestartScans(dirs);
    expect((await scanOutputsOnThread(path.join(root, 'out')))!.files.size).toBe(51);
    expect(scanThreadStats.onThread).toBe(before.onThread + 2);
    expect(takePrestartedScan(path.join(root, 'out'))).toBeUndefined();
    takePrestartedContentScan(path.join(root, 'content'));
  });

  it('the CLI starts them from the command line before its modules load, for the folders the command will build', async () => {
    const started = (argv: string[], cwd = root) => {
      prestartFromArgv(argv, cwd);
      const found = [...['content', 'other'].map((c) => takePrestartedContentScan(path.join(root, c)) && `content:${c}`), ...['out', 'dist/site', 'pub/site'].map((o) => takePrestartedScan(path.join(root, o)) && `out:${o}`)];
      return found.filter(Boolean);
    };
    await mkdir(path.join(root, 'dist', 'site'), { recursive: true });
    await mkdir(path.join(root, 'pub', 'site'), { recursive: true });
    await mkdir(path.join(root, 'other'), { recursive: true });
    // The build command's options and defaults, in both spellings; publish's --dist.
    expect(started(['build'])).toEqual(['content:content', 'out:dist/site']);
    expect(started(['build', '--content', 'other', '--out=out', '--json'])).toEqual(['content:other', 'out:out']);
    expect(started(['build', '--out', 'dist/site', '--content=content'], path.join(root, 'dist', '..'))).toEqual(['content:content', 'out:dist/site']);
    expect(started(['publish', '--dist', 'pub'])).toEqual(['content:content', 'out:pub/site']);
    // Help, other commands and a first build start nothing.
    expect(started(['build', '--help'])).toEqual([]);
    expect(started(['push'])).toEqual([]);
    expect(started([])).toEqual([]);
    expect(started(['build', '--out', 'missing'])).toEqual([]);
  });

  it('starts nothing before a first build (no output folder yet)', () => {
    prestartScans({ contentDir: path.join(root, 'content'), outDir: path.join(root, 'missing') });
    expect(takePrestartedContentScan(path.join(root, 'content'))).toBeUndefined();
    expect(takePrestartedScan(path.join(root, 'missing'))).toBeUndefined();
  });

  it('the content scan lists the article files, sorted, each with the stamp of its stat', () => {
    const scan = scanContent(path.join(root, 'content'));
    expect(scan.files).toHaveLength(30);
    expect(scan.files.slice(0, 3)).toEqual(['y0/a0.md', 'y0/a12.md', 'y0/a15.md']);
    const st = statSync(path.join(root, 'content', 'y1', 'a1.md'));
    expect(stampAt(scan, scan.files.indexOf('y1/a1.md'))).toEqual([st.size, st.mtimeMs, st.ctimeMs - st.mtimeMs, st.ino]);
    expect(() => scanContent(path.join(root, 'nowhere'))).toThrow(/content folder .*nowhere does not exist/);
  });

  it('loading the articles with a scan made earlier gives what loading without one gives; a file gone since is left out', async () => {
    const contentDir = path.join(root, 'content');
    const { dir: cacheDir, cleanup: done } = await tempDir('samizdat-scan-cache-');
    try {
      const plain = await loadContent(contentDir, { siteLang: 'en', cacheDir });
      const early = scanContent(contentDir);
      const withScan = await loadContent(contentDir, { siteLang: 'en', cacheDir, scan: Promise.resolve(early) });
      expect(withScan.articles.map((a) => a.url)).toEqual(plain.articles.map((a) => a.url));
      expect(withScan.cached).toBe(30);
      // A scan that could not be made (undefined) is made here.
      const fallback = await loadContent(contentDir, { siteLang: 'en', cacheDir, scan: Promise.resolve(undefined) });
      expect(fallback.articles).toHaveLength(30);
      // A file whose stat failed in the scan (NaN stamp) is never taken from the cache: it is
      // read again (here it is back, so it is parsed and published).
      const stamps = early.stamps.slice();
      stamps.fill(NaN, 0, 4);
      const gone = await loadContent(contentDir, { siteLang: 'en', cacheDir, scan: Promise.resolve({ files: [...early.files], stamps }) });
      expect(gone.articles).toHaveLength(30);
      expect(gone.parsed).toBe(1);
    } finally {
      await done();
    }
  });

  it('answers undefined for a folder that is not there, in a thread as here', async () => {
    expect(scanOutputs(path.join(root, 'missing'))).toBeUndefined();
    expect(await scanOutputsOnThread(path.join(root, 'missing'))).toBeUndefined();
  });
});
