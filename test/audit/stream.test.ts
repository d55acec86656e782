// The audit that runs while pages are written (AuditStream, real worker threads) and how
// auditBundle uses its results: only for the very bytes on disk, only while every question about
// the bundle gets the same answer.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditBundle, AuditStream, auditText, type FileResult } from '../../src/audit/index.ts';
import { sha256 } from '../../src/audit/cache.ts';
import { tempDir } from '../support/net.ts';
import { wrapPage } from './fixture-file.ts';

let root: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('samizdat-audit-stream-'));
});
afterAll(async () => cleanup());

const PAGES: Record<string, string> = {
  'index.html': wrapPage('<a href="a/index.html">a</a> <a href="b/index.html">b</a>'),
  'a/index.html': wrapPage('<p>caf\u00e9 \ud800 lone surrogate</p><a href="../index.html">home</a>'),
  'b/index.html': wrapPage('<img src="https://example.org/x.png" alt=""><a href="../gone/index.html">gone</a>'),
  'feed.json': JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', items: [{ id: '1', url: 'a/index.html', content_html: '<p onclick="x()">t</p>' }] }),
};

async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
}

async function streamed(files: Record<string, string>, expected = Object.keys(files)): Promise<FileResult[]> {
  const stream = AuditStream.open({ files: expected, workers: 2 });
  for (const [file, text] of Object.entries(files)) stream.add(file, text);
  stream.add('media/photo.png', 'not read: not a kind the audit reads');
  return (await stream.finish()).sort((a, b) => (a.file < b.file ? -1 : 1));
}

describe('AuditStream', () => {
  it('audits each page on worker threads as the UTF-8 bytes a write would give, with what the cache needs', async () => {
    const results = await streamed(PAGES);
    expect(results.map((r) => r.file)).toEqual(['a/index.html', 'b/index.html', 'feed.json', 'index.html']);
    const bundle = { files: new Set(Object.keys(PAGES)), folders: new Set(['', 'a', 'b']) };
    for (const r of results) {
      const bytes = Buffer.from(PAGES[r.file]!, 'utf8');
      expect(r.sha256).toBe(sha256(bytes));
      // Same findings as auditing the bytes (a lone surrogate is written as U+FFFD) in this thread.
      expect(r.findings).toEqual(auditText(bytes.toString('utf8'), { file: r.file, bundle }));
      expect(r.queries?.length).toBeGreaterThan(0);
    }
    const rules = results.flatMap((r) => r.findings.map((f) => `${f.file} ${f.rule}`));
    expect(rules).toEqual(expect.arrayContaining(['b/index.html no-external-loads', 'b/index.html internal-links', 'feed.json no-event-handlers']));
  });

  it('reads back and hashes what it audited, as it is on disk, once the pages are written', async () => {
    const dir = path.join(root, 'read-back');
    // On disk: one page as handed over, one changed after the hand-over, one missing, one a link.
    await writeTree(dir, { 'index.html': PAGES['index.html']!, 'a/index.html': 'changed on disk', 'feed.json': PAGES['feed.json']! });
    const { symlink, rm } = await import('node:fs/promises');
    await rm(path.join(dir, 'feed.json'));
    await symlink('/etc/hostname', path.join(dir, 'feed.json'));
    const stream = AuditStream.open({ files: Object.keys(PAGES), workers: 2 });
    for (const [file, text] of Object.entries(PAGES)) stream.add(file, text);
    const { results, onDisk } = await stream.finishAndReadBack(dir);
    expect(results.map((r) => r.file).sort()).toEqual(['a/index.html', 'b/index.html', 'feed.json', 'index.html']);
    expect([...onDisk.keys()].sort()).toEqual(['a/index.html', 'index.html']);
    const { stat } = await import('node:fs/promises');
    const st = await stat(path.join(dir, 'index.html'));
    expect(onDisk.get('index.html')).toEqual({ size: Buffer.byteLength(PAGES['index.html']!), sha256: sha256(Buffer.from(PAGES['index.html']!)), mtimeMs: st.mtimeMs, ino: st.ino });
    // The bytes on disk, not the text handed over: auditBundle then audits that file again.
    expect(onDisk.get('a/index.html')).toMatchObject({ size: 15, sha256: sha256(Buffer.from('changed on disk')) });
    expect(results.find((r) => r.file === 'a/index.html')!.sha256).not.toBe(onDisk.get('a/index.html')!.sha256);
  });

  it('stops its workers when closed before finishing', async () => {
    const stream = AuditStream.open({ files: ['index.html'], workers: 1 });
    stream.add('index.html', PAGES['index.html']!);
    await stream.close();
    expect(await stream.finish()).toEqual([]);
  });
});

describe('auditBundle with results from a stream', () => {
  const knownOf = (files: Record<string, string>) => (file: string) => (files[file] === undefined ? undefined : sha256(Buffer.from(files[file]!, 'utf8')));

  it('replays a result for the same bytes and bundle without reading the file', async () => {
    const dir = path.join(root, 'same');
    await writeTree(dir, PAGES);
    const prior = await streamed(PAGES);
    // Prove the replay: a finding only the prior result holds comes back, and nothing was read.
    const marked = prior.map((r) => (r.file === 'index.html' ? { ...r, findings: [{ file: r.file, rule: 'marker', message: 'from the stream' }] } : r));
    let read: number | undefined;
    const findings = await auditBundle(dir, { prior: marked, knownSha256: knownOf(PAGES), onProgress: (e) => (read = e.read ?? read) });
    expect(read).toBe(0);
    expect(findings.map((f) => `${f.file} ${f.rule}`)).toContain('index.html marker');
  });

  it('audits from disk a file whose bytes differ from what was streamed', async () => {
    const dir = path.join(root, 'changed');
    const onDisk = { ...PAGES, 'a/index.html': wrapPage('<a href="../index.html" onmouseover="steal()">home</a>') };
    await writeTree(dir, onDisk);
    const prior = await streamed(PAGES);
    let read: number | undefined;
    const findings = await auditBundle(dir, { prior, knownSha256: knownOf(onDisk), onProgress: (e) => (read = e.read ?? read) });
    expect(read).toBe(1);
    expect(findings).toEqual(await auditBundle(dir, { workers: 1 }));
    expect(findings.map((f) => `${f.file} ${f.rule}`)).toContain('a/index.html no-event-handlers');
  });

  it('audits again a file whose links were checked against another bundle than the one written', async () => {
    const dir = path.join(root, 'other-bundle');
    const onDisk = { ...PAGES, 'gone/index.html': wrapPage('<p>here after all</p>') };
    await writeTree(dir, onDisk);
    // Streamed while gone/index.html was not expected: b's link to it was a finding then.
    const prior = await streamed(PAGES);
    const findings = await auditBundle(dir, { prior, knownSha256: knownOf(onDisk) });
    expect(findings.filter((f) => f.rule === 'internal-links')).toEqual([]);
    expect(findings).toEqual(await auditBundle(dir, { workers: 1 }));
  });
});

describe('the memo a first build leaves', () => {
  it('holds the feed entries and stylesheets the threads found clean, and a rebuild replays those entries', async () => {
    const { FRAGMENTS_FILE } = await import('../../src/audit/fragments.ts');
    const { spliceStats } = await import('../../src/audit/feed-splice.ts');
    const { readFile } = await import('node:fs/promises');
    const entry = (x: string) =>
      `<entry><title>${x}</title><link href="${x}/index.html"/><content type="html">&lt;p&gt;${x}&lt;/p&gt;&lt;a href="index.html"&gt;home&lt;/a&gt;</content></entry>`;
    const atom = (xs: string[]) => `<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>f</title>\n${xs.map(entry).join('\n')}\n</feed>\n`;
    const styled = (body: string) => wrapPage(`<style>p { color: #333 }</style>${body}`);
    const first: Record<string, string> = {
      'index.html': styled('<a href="a/index.html">a</a>'),
      'a/index.html': styled('<p>a</p>'),
      'b/index.html': styled('<p>b</p>'),
      'c/index.html': styled('<p>c</p>'),
      'atom.xml': atom(['a', 'b', 'c']),
    };
    const dir = path.join(root, 'memo-first');
    const cacheDir = path.join(root, 'memo-first-cache');
    await writeTree(dir, first);
    const prior = await streamed(first);
    expect(prior.some((r) => r.learned !== undefined)).toBe(true);
    const knownOf = (files: Record<string, string>) => (file: string) => (files[file] === undefined ? undefined : sha256(Buffer.from(files[file]!, 'utf8')));
    expect(await auditBundle(dir, { prior, knownSha256: knownOf(first), cacheDir })).toEqual([]);
    const memo = JSON.parse(await readFile(path.join(cacheDir, FRAGMENTS_FILE), 'utf8')) as { entries: unknown[]; css: unknown[] };
    // Three entries and their HTML; one stylesheet.
    expect(memo.entries.length).toBe(6);
    expect(memo.css.length).toBe(1);
    // The parser shortcuts' self checks passed in the threads: the state vouches for them, so the
    // rebuild does not run their probes (this thread parsed nothing itself).
    const { readStateFile } = await import('../../src/state-file.ts');
    const { STATE_FILE, STATE_FORMAT } = await import('../../src/audit/cache.ts');
    const state = (await readStateFile(path.join(cacheDir, STATE_FILE), STATE_FORMAT)) as { checked?: string[] } | undefined;
    expect(state?.checked?.sort()).toEqual(['fast-text', 'fast-xml']);

    // A rebuild: a new article on top of the feed. Only it is parsed; the findings are a fresh audit's.
    const second = { ...first, 'd/index.html': styled('<p>d</p>'), 'atom.xml': atom(['d', 'a', 'b', 'c']) };
    await writeTree(dir, second);
    const before = { ...spliceStats };
    const files = Object.keys(second);
    const findings = await auditBundle(dir, { cacheDir, overlay: { files, locate: (f) => path.join(dir, f) }, knownSha256: knownOf(second) });
    expect(findings).toEqual(await auditBundle(dir, { workers: 1 }));
    expect(spliceStats.replayed - before.replayed).toBe(3);
    expect(spliceStats.parsed - before.parsed).toBe(1);
  });
});
