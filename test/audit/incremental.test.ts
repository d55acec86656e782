// The audit cache across rebuilds (src/audit/cache.ts, src/audit/fragments.ts): the state that
// lets a rebuild trust unchanged files without reading their results, the journal it falls back
// on, and the memo of feed HTML. Each case checks the cache against an audit without one, on
// the changes that must make a trusted answer wrong: a link target removed, a file appearing
// where an answer was "no", other rules, a damaged cache, a failed audit, feed entries.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditBundle, indexBundle, selectRules, type AuditFinding } from '../../src/audit/index.ts';
import { AuditCache, JOURNAL_FILE, JOURNAL_SLACK, STATE_FILE, STATE_FORMAT, stateWrites } from '../../src/audit/cache.ts';
import { readStateFile, writeStateFile } from '../../src/state-file.ts';
import { FRAGMENTS_FILE, FragmentMemo } from '../../src/audit/fragments.ts';
import { auditFileText } from '../../src/audit/run.ts';
import { spliceStats } from '../../src/audit/feed-splice.ts';
import { tempDir } from '../support/net.ts';
import { wrapPage } from './fixture-file.ts';

let root: string;
let cleanup: () => Promise<void>;
let n = 0;

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('samizdat-audit-incremental-'));
});
afterAll(async () => cleanup());

async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
}

/** A fresh bundle folder and cache folder. */
async function setUp(files: Record<string, string>): Promise<{ dir: string; cacheDir: string }> {
  const dir = path.join(root, `b${++n}`);
  await writeTree(dir, files);
  return { dir, cacheDir: path.join(root, `c${n}`) };
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Audits as a rebuild does: the file list and every file's sha256 handed over (knownSha256), so
 * that nothing is read unless it must be. Returns the findings and how many files were read.
 */
async function rebuildAudit(dir: string, cacheDir: string, rules?: string[]): Promise<{ findings: AuditFinding[]; read: number }> {
  const index = await indexBundle(dir);
  const hashes = new Map<string, string>();
  for (const f of index.files) hashes.set(f, sha(await readFile(path.join(dir, f))));
  let read = -1;
  const findings = await auditBundle(dir, {
    cacheDir,
    overlay: { files: index.files, locate: (f) => path.join(dir, f) },
    knownSha256: (f) => hashes.get(f),
    onProgress: (e) => {
      if (e.read !== undefined) read = e.read;
    },
    ...(rules ? { rules } : {}),
  });
  return { findings, read };
}

/** The cache gives what no cache gives. */
async function expectSameAsFresh(dir: string, cacheDir: string, rules?: string[]): Promise<{ findings: AuditFinding[]; read: number }> {
  const cached = await rebuildAudit(dir, cacheDir, rules);
  expect(cached.findings).toEqual(await auditBundle(dir, rules ? { rules } : {}));
  return cached;
}

const line = (f: AuditFinding) => `${f.file}:${f.line ?? ''} ${f.rule} ${f.message}`;

describe('the audit state', () => {
  it('trusts unchanged files from the state alone (the journal is not read) while nothing went away', async () => {
    const { dir, cacheDir } = await setUp({
      'index.html': wrapPage('<a href="a/index.html">a</a>'),
      'a/index.html': wrapPage('<a href="../index.html">home</a>'),
    });
    expect((await rebuildAudit(dir, cacheDir)).read).toBe(2);
    await writeTree(dir, { 'b/index.html': wrapPage('<a href="../a/index.html">a</a>') });
    const bundle = await indexBundle(dir);
    const cache = await AuditCache.open(cacheDir, selectRules().map((r) => r.name));
    await cache.begin(bundle);
    expect(cache.stats.journalRead).toBe(false);
    const hashOf = async (f: string) => sha(await readFile(path.join(dir, f)));
    expect(cache.lookup('index.html', await hashOf('index.html'), bundle)).toEqual([]);
    expect(cache.lookup('b/index.html', await hashOf('b/index.html'), bundle)).toBeUndefined();
    expect(cache.stats.fromState).toBe(1);
    // And the audit reads only the new page.
    expect((await expectSameAsFresh(dir, cacheDir)).read).toBe(1);

    // A page no other page links to goes: no answer changed, the state still holds.
    await writeTree(dir, { 'c/index.html': wrapPage('<p>c</p>') });
    await rebuildAudit(dir, cacheDir);
    await rm(path.join(dir, 'c'), { recursive: true });
    const orphanGone = await AuditCache.open(cacheDir, selectRules().map((r) => r.name));
    await orphanGone.begin(await indexBundle(dir));
    expect(orphanGone.stats.journalRead).toBe(false);
    expect((await expectSameAsFresh(dir, cacheDir)).read).toBe(0);

    // A linked page goes: its neighbours' answers changed, so each file's own questions are
    // replayed from the journal, and only the pages linking to it are read again.
    await rm(path.join(dir, 'a'), { recursive: true });
    const replaying = await AuditCache.open(cacheDir, selectRules().map((r) => r.name));
    await replaying.begin(await indexBundle(dir));
    expect(replaying.stats.journalRead).toBe(true);
    const replayed = await expectSameAsFresh(dir, cacheDir);
    expect(replayed.findings.map((f) => `${f.file} ${f.rule}`)).toEqual(['b/index.html internal-links', 'index.html internal-links']);
    expect(replayed.read).toBe(2);
  });

  it('finds the broken link of an unchanged page whose target was removed', async () => {
    const { dir, cacheDir } = await setUp({
      'index.html': wrapPage('<a href="a/index.html">a</a> <img src="media/x.png" alt="">'),
      'a/index.html': wrapPage('<p>a</p>'),
      'media/x.png': 'png',
    });
    expect((await expectSameAsFresh(dir, cacheDir)).findings).toEqual([]);
    await rm(path.join(dir, 'media/x.png'));
    const { findings, read } = await expectSameAsFresh(dir, cacheDir);
    expect(findings.map(line)).toEqual([expect.stringContaining('index.html:6 internal-links <img src> "media/x.png" points at media/x.png, which is not in the bundle')]);
    expect(read).toBe(1);
    // Back again: the finding goes with it.
    await writeTree(dir, { 'media/x.png': 'png' });
    expect((await expectSameAsFresh(dir, cacheDir)).findings).toEqual([]);
  });

  it('drops a finding of an unchanged page when the file its "no" answer was about appears', async () => {
    const { dir, cacheDir } = await setUp({
      'index.html': wrapPage('<a href="later/index.html">later</a> <a href="tags">tags</a>'),
    });
    const first = await expectSameAsFresh(dir, cacheDir);
    expect(first.findings.map((f) => f.message)).toEqual([
      expect.stringContaining('points at later/index.html, which is not in the bundle'),
      expect.stringContaining('points at tags, which is not in the bundle'),
    ]);
    const state = (await readStateFile(path.join(cacheDir, STATE_FILE), STATE_FORMAT)) as { no: { files: string[]; folders: string[] } };
    expect(state.no).toEqual({ files: ['later/index.html', 'tags'], folders: ['later/index.html', 'tags'] });

    // index.html is not touched; a page appears at the path it asked about.
    await writeTree(dir, { 'later/index.html': wrapPage('<p>here now</p>') });
    expect((await expectSameAsFresh(dir, cacheDir)).findings.map((f) => f.message)).toEqual([expect.stringContaining('points at tags, which is not in the bundle')]);
    // A folder appears where "tags" was nothing: the same link now points at a folder.
    await writeTree(dir, { 'tags/news/index.html': wrapPage('<p>news</p>') });
    expect((await expectSameAsFresh(dir, cacheDir)).findings.map((f) => f.message)).toEqual([expect.stringContaining('points at the folder tags: link tags/index.html')]);
  });

  it('reads a changed file at the same path again, and trusts nothing across rule sets', async () => {
    const { dir, cacheDir } = await setUp({
      'index.html': wrapPage('<img src="https://example.org/x.png" alt="">'),
      'a/index.html': wrapPage('<p>a</p>'),
    });
    const onlyScript = await expectSameAsFresh(dir, cacheDir, ['no-script']);
    expect(onlyScript.findings).toEqual([]);
    // All rules now: the external load is found although the files did not change.
    const all = await expectSameAsFresh(dir, cacheDir);
    expect(all.findings.map((f) => f.rule)).toEqual(['no-external-loads']);
    expect(all.read).toBe(2);
    expect((await expectSameAsFresh(dir, cacheDir, ['no-script'])).findings).toEqual([]);
    expect((await expectSameAsFresh(dir, cacheDir)).read).toBe(2);
    // The same path, other bytes.
    await writeTree(dir, { 'a/index.html': wrapPage('<p onclick="x()">a</p>') });
    const changed = await expectSameAsFresh(dir, cacheDir);
    expect(changed.findings.map((f) => `${f.file} ${f.rule}`)).toEqual(['a/index.html no-event-handlers', 'index.html no-external-loads']);
    expect(changed.read).toBe(1);
  });

  it('after a failed audit, reports the findings of unchanged files and audits the file the build carries over from before', async () => {
    const good = wrapPage('<p>good</p>');
    const { dir, cacheDir } = await setUp({ 'index.html': wrapPage('<a href="x/index.html">x</a>'), 'x/index.html': good, 'y/index.html': wrapPage('<p>y</p>') });
    expect((await expectSameAsFresh(dir, cacheDir)).findings).toEqual([]);
    // A rebuild stages a bad x and a bad y: its audit fails (the cache is saved, the output folder kept).
    await writeTree(dir, { 'x/index.html': wrapPage('<script>alert(1)</script>'), 'y/index.html': wrapPage('<img src=q onerror="alert(1)">') });
    expect((await expectSameAsFresh(dir, cacheDir)).findings.map((f) => `${f.file} ${f.rule}`)).toEqual(['x/index.html no-script', 'y/index.html internal-links', 'y/index.html no-event-handlers']);
    // The next one carries x over from the output folder (its old bytes) and leaves y as it was.
    await writeTree(dir, { 'x/index.html': good });
    const next = await expectSameAsFresh(dir, cacheDir);
    expect(next.findings.map((f) => `${f.file} ${f.rule}`)).toEqual(['y/index.html internal-links', 'y/index.html no-event-handlers']);
    expect(next.read).toBe(1);
  });

  it('gives the right findings from a damaged, truncated, missing or foreign state or journal', async () => {
    const files = {
      'index.html': wrapPage('<a href="a/index.html">a</a> <a href="b/index.html">b</a>'),
      'a/index.html': wrapPage('<img src="https://example.org/x.png" alt="">'),
      'b/index.html': wrapPage('<p>b</p>'),
    };
    const { dir, cacheDir } = await setUp(files);
    await expectSameAsFresh(dir, cacheDir);
    const stateFile = path.join(cacheDir, STATE_FILE);
    const journalFile = path.join(cacheDir, JOURNAL_FILE);
    type State = { version: string; paths: unknown; findings: [string, { message: string }[]][] };
    const state = (await readStateFile(stateFile, STATE_FORMAT)) as State;
    const journal = await readFile(journalFile, 'utf8');
    const tampered = (): State => {
      const s = structuredClone(state);
      s.findings[0]![1][0]!.message = 'served from the cache';
      return s;
    };
    const tamper = (text: string) => text.replace(/"message":"(?:[^"\\]|\\.)*"/, '"message":"served from the cache"');
    const messages = async () => (await rebuildAudit(dir, cacheDir)).findings.map((f) => f.message);

    // The state is what is served (nothing went away)...
    await writeStateFile(stateFile, STATE_FORMAT, tampered());
    expect(await messages()).toEqual(['served from the cache']);
    // ... and without it, results are replayed from the journal.
    await rm(stateFile);
    await writeFile(journalFile, tamper(journal));
    expect(await messages()).toEqual(['served from the cache']);

    // A state or journal of other audit code, or with another shape, or cut short, is not used.
    const damaged: Array<() => Promise<void>> = [
      () => writeStateFile(stateFile, STATE_FORMAT, { ...tampered(), version: '0000' }),
      () => writeStateFile(stateFile, 'samizdat-audit-state/1', tampered()),
      () => writeStateFile(stateFile, STATE_FORMAT, { ...tampered(), paths: { 'index.html': 1 } }),
      async () => {
        await writeStateFile(stateFile, STATE_FORMAT, tampered());
        const bytes = await readFile(stateFile);
        await writeFile(stateFile, bytes.subarray(0, bytes.length >> 1));
      },
      () => writeFile(journalFile, tamper(journal).replace(/"version":"[0-9a-f]+"/, '"version":"0000"')),
    ];
    for (const damage of damaged) {
      await rm(stateFile, { force: true });
      await writeFile(journalFile, journal);
      await damage();
      expect(await messages()).not.toContain('served from the cache');
      expect((await expectSameAsFresh(dir, cacheDir)).findings.map((f) => f.rule)).toEqual(['no-external-loads']);
    }

    // A journal cut in the middle of a line, when the state does not hold (b went away): the
    // lines before the cut are replayed, the rest audited.
    await writeFile(journalFile, journal.slice(0, journal.length - 40));
    await rm(path.join(dir, 'b'), { recursive: true });
    const cut = await expectSameAsFresh(dir, cacheDir);
    expect(cut.findings.map((f) => `${f.file} ${f.rule}`)).toEqual(['a/index.html no-external-loads', 'index.html internal-links']);
    expect(cut.read).toBe(1);
    // Nothing at all.
    await rm(cacheDir, { recursive: true });
    await writeTree(dir, files);
    expect((await expectSameAsFresh(dir, cacheDir)).read).toBe(3);
  });

  it('checks names again unless they passed last time: refused files stay refused, new ones are found', async () => {
    const { dir, cacheDir } = await setUp({ 'index.html': wrapPage('<p>x</p>'), 'js/app.js': 'alert(1)', 'media/a.png': 'png' });
    const refused = async () => (await expectSameAsFresh(dir, cacheDir)).findings.filter((f) => f.rule === 'bundle-files').map((f) => f.file);
    expect(await refused()).toEqual(['js/app.js']);
    expect(await refused()).toEqual(['js/app.js']);
    const state = (await readStateFile(path.join(cacheDir, STATE_FILE), STATE_FORMAT)) as { namesClean: string[] };
    expect(state.namesClean).toEqual(['media/a.png']);
    // An audited kind refused by name.
    await writeTree(dir, { 'style.xsl': '<x/>' });
    expect(await refused()).toEqual(['js/app.js', 'style.xsl']);
    expect(await refused()).toEqual(['js/app.js', 'style.xsl']);
    await rm(path.join(dir, 'js'), { recursive: true });
    expect(await refused()).toEqual(['style.xsl']);
  });

  it('refuses a symbolic link on every audit, cached or not', async () => {
    const { symlink } = await import('node:fs/promises');
    const { dir, cacheDir } = await setUp({ 'index.html': wrapPage('<p>x</p>') });
    await symlink('/etc/hostname', path.join(dir, 'host.txt'));
    for (let i = 0; i < 2; i++) expect((await auditBundle(dir, { cacheDir })).map((f) => `${f.file} ${f.rule}`)).toEqual(['host.txt bundle-files']);
  });

  it('keeps which parser shortcuts passed their self check, so that a new process skips the probes', async () => {
    const { dir, cacheDir } = await setUp({ 'index.html': wrapPage('<p>x</p>'), 'atom.xml': atom([['index.html', '<p>x</p>']]) });
    await rebuildAudit(dir, cacheDir);
    const state = (await readStateFile(path.join(cacheDir, STATE_FILE), STATE_FORMAT)) as { checked: string[] };
    expect(state.checked).toEqual(['fast-text', 'fast-xml']);
    // Fresh modules, as in a new process: opening the cache adopts both verdicts.
    vi.resetModules();
    const text = await import('../../src/audit/fast-text.ts');
    const xml = await import('../../src/audit/fast-xml.ts');
    const fresh = await import('../../src/audit/cache.ts');
    expect([text.fastTextVerdict(), xml.fastXmlVerdict()]).toEqual([undefined, undefined]);
    await fresh.AuditCache.open(cacheDir, selectRules().map((r) => r.name));
    expect([text.fastTextVerdict(), xml.fastXmlVerdict()]).toEqual([true, true]);
    // A state that does not vouch for them leaves the checks to be run.
    await writeStateFile(path.join(cacheDir, STATE_FILE), STATE_FORMAT, { ...state, checked: [] });
    vi.resetModules();
    const text2 = await import('../../src/audit/fast-text.ts');
    await (await import('../../src/audit/cache.ts')).AuditCache.open(cacheDir, selectRules().map((r) => r.name));
    expect(text2.fastTextVerdict()).toBeUndefined();
    expect(text2.fastTextUsable()).toBe(true);
  });

  it('stays right when two audits of different bundles share the cache at once', async () => {
    const { dir, cacheDir } = await setUp({ 'index.html': wrapPage('<a href="a/index.html">a</a>'), 'a/index.html': wrapPage('<p>a</p>') });
    await expectSameAsFresh(dir, cacheDir);
    const other = path.join(root, `b${++n}`);
    await writeTree(other, { 'index.html': wrapPage('<a href="a/index.html">a</a>') });
    await Promise.all([rebuildAudit(dir, cacheDir), rebuildAudit(other, cacheDir), rebuildAudit(dir, cacheDir)]);
    expect((await expectSameAsFresh(other, cacheDir)).findings.map((f) => f.rule)).toEqual(['internal-links']);
    expect((await expectSameAsFresh(dir, cacheDir)).findings).toEqual([]);
  });

  it('keeps the journal from growing without bound over many rebuilds', async () => {
    // 200 links to pages that are not there: a result of about 30 KB (findings and questions).
    const big = (i: number) => wrapPage(`<p>${i}</p>${Array.from({ length: 200 }, (_, k) => `<a href="p${k}.html">x</a>`).join('')}`);
    const { dir, cacheDir } = await setUp({ 'index.html': big(0), 'a/index.html': wrapPage('<p>a</p>') });
    await rebuildAudit(dir, cacheDir);
    const sizes: number[] = [];
    for (let i = 1; i <= 40; i++) {
      await writeTree(dir, { 'index.html': big(i) });
      await rebuildAudit(dir, cacheDir);
      sizes.push((await stat(path.join(cacheDir, JOURNAL_FILE))).size);
    }
    // Without compaction 40 results of 30 KB: 1.2 MB. Appended to, and rewritten now and then.
    expect(sizes.filter((s, i) => i > 0 && s > sizes[i - 1]!).length).toBeGreaterThan(20);
    expect(Math.max(...sizes)).toBeLessThan(2 * sizes[0]! + JOURNAL_SLACK + (64 << 10));
    expect(sizes.some((s, i) => i > 0 && s < sizes[i - 1]!)).toBe(true);
    expect((await expectSameAsFresh(dir, cacheDir)).findings.length).toBe(200);
    // The rewritten journal still has the result of the page that never changed: when a "no"
    // answer flips (p0.html appears), only the page that asked is read again.
    await writeTree(dir, { 'p0.html': wrapPage('<p>0</p>') });
    const flipped = await expectSameAsFresh(dir, cacheDir);
    expect(flipped.findings.length).toBe(199);
    expect(flipped.read).toBe(2);
  });
});

describe('the audit cache over random rebuilds', () => {
  it('gives what an audit without cache gives, at every step of 60 random changes to a bundle of linked pages', async () => {
    let seed = 11;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    const names = Array.from({ length: 14 }, (_, i) => (i % 3 === 0 ? `p${i}.html` : `d${i % 4}/p${i}.html`));
    const folders = ['d0', 'd1', 'd2', 'd3', 'd9'];
    const page = (from: string) => {
      const up = from.includes('/') ? '../' : '';
      const links = Array.from({ length: 1 + next(4) }, () => {
        const r = next(10);
        // Pages that may or may not be there, folders that may or may not be, an image, a bad link.
        if (r < 6) return `<a href="${up}${names[next(names.length)]}">x</a>`;
        if (r < 8) return `<a href="${up}${folders[next(folders.length)]}">x</a>`;
        if (r < 9) return `<img src="${up}media/i${next(3)}.png" alt="">`;
        return '<img src="https://example.org/t.png" alt="">';
      });
      return wrapPage(`<p>${next(1000)}</p>${links.join(' ')}`);
    };
    const feed = () => atom(names.slice(0, 1 + next(5)).map((n) => [n, `<p>e</p><a href="${names[next(names.length)]}">x</a>`]));
    const { dir, cacheDir } = await setUp({ 'index.html': page('index.html'), 'atom.xml': feed() });
    // A second cache whose state is always written whole: the one written with changes only must say the same.
    const wholeDir = `${cacheDir}-whole`;
    let changesOnly = 0;
    const present = new Set<string>();
    for (let step = 0; step < 60; step++) {
      const r = next(10);
      const name = names[next(names.length)]!;
      if (r < 4) {
        await writeTree(dir, { [name]: page(name) });
        present.add(name);
      } else if (r < 6 && present.has(name)) {
        await rm(path.join(dir, name));
        present.delete(name);
      } else if (r < 7) {
        const image = `media/i${next(3)}.png`;
        if (next(2)) await writeTree(dir, { [image]: 'png' });
        else await rm(path.join(dir, image), { force: true });
      } else if (r < 8) {
        await writeTree(dir, { 'atom.xml': feed() });
      } else if (r < 9) {
        await writeTree(dir, { 'index.html': page('index.html') });
      }
      // else: nothing changed
      await expectSameAsFresh(dir, cacheDir);
      if (stateWrites.lastChangesOnly) changesOnly++;
      stateWrites.changesOnly = false;
      try {
        await expectSameAsFresh(dir, wholeDir);
      } finally {
        stateWrites.changesOnly = true;
      }
      expect(stateWrites.lastChangesOnly).toBe(false);
      expect(await stateMeaning(cacheDir)).toEqual(await stateMeaning(wholeDir));
    }
    // Most steps change or add files without removing any: written with changes only.
    expect(changesOnly).toBeGreaterThan(20);
  }, 60_000);
});

/** What a saved state says, whatever the order it lists things in. */
async function stateMeaning(cacheDir: string): Promise<unknown> {
  const s = (await readStateFile(path.join(cacheDir, STATE_FILE), STATE_FORMAT)) as Record<string, any>;
  const paths = (s.paths as string) === '' ? [] : (s.paths as string).split('\0');
  const sorted = (a: string[]) => [...a].sort();
  return {
    files: Object.fromEntries(paths.map((p, i) => [p, [(s.hashes as string).slice(64 * i, 64 * i + 64), s.yesListed[i]]]).sort()),
    findings: Object.fromEntries(s.findings),
    yes: { files: sorted(s.yes.files), folders: sorted(s.yes.folders) },
    no: { files: sorted(s.no.files), folders: sorted(s.no.folders) },
    namesClean: sorted(s.namesClean),
    namesNotClean: sorted(s.namesNotClean),
    checked: sorted(s.checked),
    version: s.version,
    rules: s.rules,
  };
}

/** An Atom feed with the given entries (HTML, escaped) based at the given pages. */
function atom(entries: Array<[page: string, html: string]>): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>\n${entries
    .map(([page, html]) => `<entry><link href="${page}"/><content type="html" xml:base="${page}">${esc(html)}</content></entry>\n`)
    .join('')}</feed>\n`;
}
function jsonFeed(entries: Array<[page: string, html: string]>): string {
  return JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', items: entries.map(([url, html], i) => ({ id: String(i), url, content_html: html })) }, null, 1);
}

describe('feed HTML known from the last audit', () => {
  const pages = {
    'a/index.html': wrapPage('<p>a</p>'),
    'b/index.html': wrapPage('<p>b</p>'),
    'c/index.html': wrapPage('<p>c</p>'),
    'media/p.png': 'png',
  };
  const clean = (x: string): [string, string] => [`${x}/index.html`, `<p>${x}</p><a href="../b/index.html">b</a><img src="../media/p.png" alt="">`];

  it('is skipped when clean with the same answers, and parsed when not (unit)', () => {
    const memo = FragmentMemo.inMemory(selectRules().map((r) => r.name));
    const rules = selectRules();
    const bundle = { files: new Set(['atom.xml', ...Object.keys(pages)]), folders: new Set(['', 'a', 'b', 'c', 'media']) };
    const bad: [string, string] = ['c/index.html', '<img src="x.png" onerror="alert(1)">'];
    const feed = atom([clean('a'), clean('b'), bad]);
    const first = auditFileText(feed, 'atom.xml', 'xml', rules, bundle, false, memo);
    expect(first.map((f) => `${f.line} ${f.rule}`).sort()).toEqual(['5 internal-links', '5 no-event-handlers']);
    // The clean entries' HTML, and the clean entries themselves (feed-splice.ts): never the bad one.
    expect(memo.stats.remembered).toBe(2);
    expect(memo.stats.segments).toBe(2);
    // Again, with an entry more: the two clean ones are skipped, the bad one is parsed (and found) again.
    const skipped = memo.stats.skipped;
    const replayed = spliceStats.replayed;
    const second = auditFileText(atom([clean('c'), clean('a'), clean('b'), bad]), 'atom.xml', 'xml', rules, bundle, false, memo);
    expect(second.map((f) => `${f.line} ${f.rule}`).sort()).toEqual(['6 internal-links', '6 no-event-handlers']);
    expect(spliceStats.replayed - replayed).toBe(2);
    expect(memo.stats.remembered).toBe(3);
    // (The bad entry makes the feed be read whole, where the three clean entries' HTML is skipped.)
    expect(memo.stats.skipped - skipped).toBe(3);
    // The image goes: no known fragment or entry is trusted any more.
    bundle.files.delete('media/p.png');
    const third = auditFileText(atom([clean('a'), clean('b')]), 'atom.xml', 'xml', rules, bundle, false, memo);
    expect(third.map((f) => `${f.line} ${f.rule}`).sort()).toEqual(['3 internal-links', '4 internal-links']);
    expect(memo.stats.skipped - skipped).toBe(3);
    expect(spliceStats.replayed - replayed).toBe(2);
  });

  it('still reports a bad entry in a feed written again, and a link of a known entry broken since', async () => {
    const bad: [string, string] = ['c/index.html', '<p>c</p><script>alert(1)</script>'];
    const { dir, cacheDir } = await setUp({ ...pages, 'atom.xml': atom([clean('a'), bad]), 'feed.json': jsonFeed([clean('a'), bad]) });
    const rulesOf = (fs: AuditFinding[]) => fs.map((f) => `${f.file}:${f.line} ${f.rule}`);
    expect(rulesOf((await expectSameAsFresh(dir, cacheDir)).findings)).toEqual(['atom.xml:4 no-script', 'feed.json:12 no-script']);
    const memoFile = JSON.parse(await readFile(path.join(cacheDir, FRAGMENTS_FILE), 'utf8')) as { entries: unknown[] };
    // The clean entry's HTML, as read in each feed, and the clean Atom entry and JSON item
    // themselves (the bad one is never kept).
    expect(memoFile.entries.length).toBe(3);
    // A new article on top of both feeds.
    await writeTree(dir, { 'atom.xml': atom([clean('b'), clean('a'), bad]), 'feed.json': jsonFeed([clean('b'), clean('a'), bad]) });
    expect(rulesOf((await expectSameAsFresh(dir, cacheDir)).findings)).toEqual(['atom.xml:5 no-script', 'feed.json:17 no-script']);
    // The image the known entries show goes, and the feeds are written again without the bad
    // entry, with a new one that shows no image: only the known entries' links are broken now.
    await rm(path.join(dir, 'media/p.png'));
    const plain: [string, string] = ['c/index.html', '<p>c, no image</p>'];
    await writeTree(dir, { 'atom.xml': atom([plain, clean('b'), clean('a')]), 'feed.json': jsonFeed([plain, clean('b'), clean('a')]) });
    const broken = await expectSameAsFresh(dir, cacheDir);
    expect(broken.findings.filter((f) => f.file === 'atom.xml').map((f) => f.line)).toEqual([4, 5]);
    expect(broken.findings.filter((f) => f.file === 'feed.json').length).toBe(2);
  });

  it('keeps what stylesheets refer to, read by postcss once (proved with a tampered memo, in fresh modules)', async () => {
    const styled = (n: number) => wrapPage(`<style>p { color: red }</style><p>${n}</p>`);
    const { dir, cacheDir } = await setUp({ 'index.html': styled(1) });
    await rebuildAudit(dir, cacheDir);
    const memoFile = path.join(cacheDir, FRAGMENTS_FILE);
    const memo = JSON.parse(await readFile(memoFile, 'utf8')) as { css: [string, unknown[]][] };
    const entry = memo.css.find(([, refs]) => refs.length === 0);
    expect(entry).toBeDefined();
    entry![1] = [{ kind: 'url', url: 'https://tracker.example.org/from-the-memo.png', line: 1 }];
    await writeFile(memoFile, JSON.stringify(memo));
    await writeTree(dir, { 'index.html': styled(2) });
    vi.resetModules();
    const fresh = await import('../../src/audit/index.ts');
    const findings = await fresh.auditBundle(dir, { cacheDir });
    expect(findings.map((f) => f.message)).toEqual([expect.stringContaining('from-the-memo.png')]);
    // A damaged entry is not used.
    entry![1] = [{ kind: 'url', url: 42 }];
    await writeFile(memoFile, JSON.stringify(memo));
    await writeTree(dir, { 'index.html': styled(3) });
    vi.resetModules();
    const again = await import('../../src/audit/index.ts');
    expect(await again.auditBundle(dir, { cacheDir })).toEqual([]);
  });

  it('is not used from a damaged memo file', async () => {
    const { dir, cacheDir } = await setUp({ ...pages, 'atom.xml': atom([clean('a')]) });
    await expectSameAsFresh(dir, cacheDir);
    const memoFile = path.join(cacheDir, FRAGMENTS_FILE);
    const text = await readFile(memoFile, 'utf8');
    for (const damaged of [text.slice(0, -5), text.replace(/"version":"[0-9a-f]+"/, '"version":"0"'), text.replace(/true/g, '"yes"')]) {
      await writeFile(memoFile, damaged);
      await writeTree(dir, { 'atom.xml': atom([clean('b'), clean('a')]) });
      await expectSameAsFresh(dir, cacheDir);
      await writeTree(dir, { 'atom.xml': atom([clean('a')]) });
    }
  });
});
