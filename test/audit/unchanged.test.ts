// The rebuild shortcut of the audit cache (AuditCache.beginUnchanged, vouchAudit): a rebuild that
// says which files changed since the bundle of a manifest list, with a cache state vouched for
// that very bundle, looks only at the changed files. Each case plays the build's part (audit,
// then vouch for the bundle once it passed, with a digest of its file list standing in for the
// manifest's) and compares with an audit without any cache; the cases that must not take the
// shortcut check that it was not taken, so each would fail without the check that refuses it.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditBundle, indexBundle, vouchAudit, type AuditFinding, type AuditProgress } from '../../src/audit/index.ts';
import { STATE_FILE, STATE_FORMAT, VOUCH_FILE } from '../../src/audit/cache.ts';
import { readStateFile, writeStateFile } from '../../src/state-file.ts';
import { tempDir } from '../support/net.ts';
import { wrapPage } from './fixture-file.ts';

let root: string;
let cleanup: () => Promise<void>;
let n = 0;

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('samizdat-audit-unchanged-'));
});
afterAll(async () => cleanup());

async function writeTree(dir: string, files: Record<string, string | null>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    if (text === null) {
      await rm(path.join(dir, rel), { force: true });
      continue;
    }
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
}

const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** A bundle being rebuilt: its folder, cache, and what the last build's "manifest" listed. */
interface Site {
  dir: string;
  cacheDir: string;
  /** Path to sha256 of the bundle the last passing audit was vouched for. */
  listed: Map<string, string>;
  /** The digest of that list (the manifest's list digest, as the record of outputs keeps it). */
  listDigest: string | undefined;
}

const digestOf = (list: Map<string, string>) => sha([...list].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([p, h]) => `${p} ${h}\n`).join(''));

async function hashesOf(dir: string): Promise<Map<string, string>> {
  const index = await indexBundle(dir);
  const hashes = new Map<string, string>();
  for (const f of index.files) hashes.set(f, sha(await readFile(path.join(dir, f))));
  return hashes;
}

async function setUp(files: Record<string, string>): Promise<Site> {
  const dir = path.join(root, `b${++n}`);
  await writeTree(dir, files);
  const site: Site = { dir, cacheDir: path.join(root, `c${n}`), listed: new Map(), listDigest: undefined };
  await rebuild(site);
  return site;
}

interface Rebuilt {
  findings: AuditFinding[];
  /** Files whose sha256 the audit asked for (those it looked at). */
  looked: string[];
  read: number;
}

/**
 * A rebuild's audit as the build runs it: every file's sha256 known, the files `changed` said to
 * have changed since the last vouched bundle (default: those whose bytes differ from it, or new),
 * then, when the audit passed, vouchAudit for this bundle. Checked against an audit without cache.
 */
async function rebuild(
  site: Site,
  options: { changed?: string[]; vouch?: boolean | 'even-with-findings'; listDigest?: string; onProgress?: (e: AuditProgress) => void } = {},
): Promise<Rebuilt> {
  const index = await indexBundle(site.dir);
  const hashes = await hashesOf(site.dir);
  const changed = new Set(options.changed ?? [...hashes].filter(([p, h]) => site.listed.get(p) !== h).map(([p]) => p));
  const looked: string[] = [];
  let read = -1;
  let stateId: string | undefined;
  const since = options.listDigest ?? site.listDigest;
  const findings = await auditBundle(site.dir, {
    cacheDir: site.cacheDir,
    overlay: { files: index.files, locate: (f) => path.join(site.dir, f) },
    knownSha256: (f) => {
      looked.push(f);
      return hashes.get(f);
    },
    ...(since !== undefined ? { unchangedSince: { listDigest: since, changed } } : {}),
    onCacheSaved: (id) => (stateId = id),
    onProgress: (e) => {
      if (e.read !== undefined) read = e.read;
      options.onProgress?.(e);
    },
  });
  expect(findings).toEqual(await auditBundle(site.dir));
  // The build writes its manifest only for a bundle that passed, and vouches for it then
  // ('even-with-findings': a vouch no build would write, to show the state refuses it).
  if ((findings.length === 0 && options.vouch !== false) || options.vouch === 'even-with-findings') {
    site.listed = hashes;
    site.listDigest = digestOf(hashes);
    expect(stateId).toMatch(/^[0-9a-f]{32}$/);
    vouchAudit(site.cacheDir, stateId!, site.listDigest);
  }
  return { findings, looked, read };
}

const page = (body: string) => wrapPage(body);
const rules = (r: Rebuilt) => r.findings.map((f) => `${f.file} ${f.rule}`);

describe('a rebuild the audit cache vouches for', () => {
  it('looks only at the changed files, and finds what an audit without cache finds in them', async () => {
    const files: Record<string, string> = { 'index.html': page('<a href="p0/index.html">0</a>') };
    for (let i = 0; i < 30; i++) files[`p${i}/index.html`] = page(`<p>${i}</p><a href="../index.html">home</a>`);
    const site = await setUp(files);

    await writeTree(site.dir, { 'index.html': page('<a href="p0/index.html">0</a><a href="p30/index.html">30</a>'), 'p30/index.html': page('<p>30</p>') });
    const r = await rebuild(site);
    expect(r.looked.sort()).toEqual(['index.html', 'p30/index.html']);
    expect(r.read).toBe(2);
    expect(r.findings).toEqual([]);

    // A changed page with a script in it: found, and nothing vouched for (the build stops).
    await writeTree(site.dir, { 'p31/index.html': page('<script>alert(1)</script>') });
    const bad = await rebuild(site);
    expect(bad.looked).toEqual(['p31/index.html']);
    expect(rules(bad)).toContain('p31/index.html no-script');

    // Fixed: the last vouched bundle is still the one before it, so p31 is new since then.
    await writeTree(site.dir, { 'p31/index.html': page('<p>31</p>') });
    const fixed = await rebuild(site);
    expect(fixed.findings).toEqual([]);
  });

  it('is not taken for another bundle than the one vouched for', async () => {
    const site = await setUp({ 'index.html': page('<a href="a.html">a</a>'), 'a.html': page('<p>a</p>') });
    const r = await rebuild(site, { changed: [], listDigest: sha('another manifest') });
    expect(r.looked.sort()).toEqual(['a.html', 'index.html']);
  });

  it('is not taken once a state was written after the one vouched for', async () => {
    const site = await setUp({ 'index.html': page('<a href="a.html">a</a>'), 'a.html': page('<p>a</p>') });
    // An audit that is not vouched for (a build that failed after it) writes a state of its own.
    await writeTree(site.dir, { 'a.html': page('<p>a, changed</p>') });
    await rebuild(site, { vouch: false });
    await writeTree(site.dir, { 'a.html': page('<p>a</p>') });
    const r = await rebuild(site, { changed: [] });
    expect(r.looked.sort()).toEqual(['a.html', 'index.html']);
  });

  it('is not taken from a state that found problems, even with a vouch for it', async () => {
    const site = await setUp({ 'index.html': page('<a href="a.html">a</a>'), 'a.html': page('<p>a</p>') });
    await writeTree(site.dir, { 'a.html': page('<p onclick="x()">a</p>') });
    // A vouch no build would write (it stops at the finding): the state itself refuses it.
    const found = await rebuild(site, { changed: ['a.html'], vouch: 'even-with-findings' });
    expect(found.findings.map((f) => f.rule)).toEqual(['no-event-handlers']);
    const r = await rebuild(site, { changed: [] });
    expect(r.looked.sort()).toEqual(['a.html', 'index.html']);
    expect(rules(r)).toEqual(['a.html no-event-handlers']);
  });

  it('is not taken from a state that refused a name, even with a vouch for it', async () => {
    const site = await setUp({ 'index.html': page('<p>home</p>') });
    await writeTree(site.dir, { 'app.js': 'alert(1)' });
    const found = await rebuild(site, { changed: ['app.js'], vouch: 'even-with-findings' });
    expect(found.findings.map((f) => f.rule)).toEqual(['bundle-files']);
    expect(rules(await rebuild(site, { changed: [] }))).toEqual(['app.js bundle-files']);
  });

  it('looks again at the pages that link to a page gone (found in the journal): the link is found broken', async () => {
    const site = await setUp({ 'index.html': page('<a href="a.html">a</a>'), 'a.html': page('<p>a</p>'), 'b.html': page('<p>b</p>') });
    await writeTree(site.dir, { 'a.html': null });
    const r = await rebuild(site, { changed: [] });
    expect(r.looked).toEqual(['index.html']);
    expect(r.read).toBe(1);
    expect(rules(r)).toEqual(['index.html internal-links']);
  });

  it('after a page and the link to it went away, keeps looking only at what changes', async () => {
    const site = await setUp({ 'index.html': page('<a href="a.html">a</a><a href="b.html">b</a>'), 'a.html': page('<p>a</p>'), 'b.html': page('<a href="a.html">a</a>') });
    await writeTree(site.dir, { 'a.html': null, 'index.html': page('<a href="b.html">b</a>'), 'b.html': page('<p>b</p>') });
    const r = await rebuild(site);
    expect(r.looked.sort()).toEqual(['b.html', 'index.html']);
    expect(r.findings).toEqual([]);
    // The state written then keeps no "yes" about a.html: the next rebuild takes the shortcut.
    await writeTree(site.dir, { 'c.html': page('<p>c</p>') });
    expect((await rebuild(site)).looked).toEqual(['c.html']);
    // And a.html back, with a link to it: found as it is.
    await writeTree(site.dir, { 'a.html': page('<p>a</p>'), 'c.html': page('<a href="a.html">a</a><a href="d.html">d</a>') });
    expect(rules(await rebuild(site))).toEqual(['c.html internal-links']);
  });

  it('is not taken when a page something links to went away and the journal is not as the state left it', async () => {
    const site = await setUp({ 'index.html': page('<a href="a.html">a</a>'), 'a.html': page('<p>a</p>'), 'b.html': page('<p>b</p>') });
    // Another audit's results appended since (or the journal rewritten): it may lack lines.
    const { JOURNAL_FILE } = await import('../../src/audit/cache.ts');
    await writeFile(path.join(site.cacheDir, JOURNAL_FILE), `["${'0'.repeat(64)}","x.html",[],[]]\n`, { flag: 'a' });
    await writeTree(site.dir, { 'a.html': null });
    const r = await rebuild(site, { changed: [] });
    expect(r.looked.sort()).toEqual(['b.html', 'index.html']);
    expect(rules(r)).toEqual(['index.html internal-links']);
  });

  it('is not taken when a page something links to went away and the journal lost lines before the last save', async () => {
    const site = await setUp({ 'index.html': page('<a href="a.html">a</a>'), 'a.html': page('<p>a</p>'), 'b.html': page('<p>b</p>') });
    // Another process rewrote the journal without the index's line (as a compaction for another
    // bundle would), then a rebuild appended to it: the journal is as that save left it, but not whole.
    const { JOURNAL_FILE } = await import('../../src/audit/cache.ts');
    const journal = path.join(site.cacheDir, JOURNAL_FILE);
    const lines = (await readFile(journal, 'utf8')).split('\n');
    await writeFile(journal, lines.filter((l) => !l.includes('"index.html"')).join('\n'));
    await writeTree(site.dir, { 'c.html': page('<p>c</p>') });
    expect((await rebuild(site)).looked).toEqual(['c.html']);
    await writeTree(site.dir, { 'a.html': null });
    const r = await rebuild(site, { changed: [] });
    expect(r.looked.sort()).toEqual(['b.html', 'c.html', 'index.html']);
    expect(rules(r)).toEqual(['index.html internal-links']);
    // An audit without the shortcut (that one failed: nothing vouched since) writes the journal
    // whole again for its state: the next removal takes the shortcut again.
    await writeTree(site.dir, { 'a.html': page('<p>a</p>') });
    expect((await rebuild(site)).findings).toEqual([]);
    await writeTree(site.dir, { 'a.html': null });
    const again = await rebuild(site, { changed: [] });
    expect(again.looked).toEqual(['index.html']);
    expect(rules(again)).toEqual(['index.html internal-links']);
  });

  it('is not taken when a page something links to went away and the journal lost lines during the last save', async () => {
    const site = await setUp({ 'index.html': page('<a href="a.html">a</a>'), 'a.html': page('<p>a</p>'), 'b.html': page('<p>b</p>') });
    const { JOURNAL_FILE } = await import('../../src/audit/cache.ts');
    const journal = path.join(site.cacheDir, JOURNAL_FILE);
    // A rebuild during which another process rewrites the journal without the index's line.
    await writeTree(site.dir, { 'c.html': page('<p>c</p>') });
    let meddled = false;
    const found = await rebuild(site, {
      changed: ['c.html'],
      onProgress: (e) => {
        if (e.done !== 0 || meddled) return;
        meddled = true;
        const text = readFileSync(journal, 'utf8');
        writeFileSync(journal, text.split('\n').filter((l) => !l.includes('"index.html"')).join('\n'));
      },
    });
    expect(meddled).toBe(true);
    expect(found.findings).toEqual([]);
    await writeTree(site.dir, { 'a.html': null });
    const r = await rebuild(site, { changed: [] });
    expect(r.looked.sort()).toEqual(['b.html', 'c.html', 'index.html']);
    expect(rules(r)).toEqual(['index.html internal-links']);
  });

  it('looks again at a page that asked about a page gone even when its journal line names it only there', async () => {
    // Many pages, one of them linking to the page that goes: only that one is looked at again.
    const files: Record<string, string> = { 'gone.html': page('<p>gone</p>') };
    for (let i = 0; i < 20; i++) files[`p${i}.html`] = page(i === 13 ? '<a href="gone.html">g</a>' : `<a href="p${(i + 1) % 20}.html">n</a>`);
    const site = await setUp(files);
    await writeTree(site.dir, { 'gone.html': null });
    const r = await rebuild(site, { changed: [] });
    expect(r.looked).toEqual(['p13.html']);
    expect(rules(r)).toEqual(['p13.html internal-links']);
  });

  it('stays right when a page nothing links to went away', async () => {
    const site = await setUp({ 'index.html': page('<a href="a.html">a</a>'), 'a.html': page('<p>a</p>'), 'b.html': page('<p>b</p>') });
    await writeTree(site.dir, { 'b.html': null });
    const r = await rebuild(site, { changed: [] });
    expect(r.looked).toEqual([]);
    // The state written then (without b.html) is still right for what follows.
    await writeTree(site.dir, { 'index.html': page('<a href="a.html">a</a><a href="b.html">b</a>') });
    expect(rules(await rebuild(site))).toEqual(['index.html internal-links']);
    await writeTree(site.dir, { 'b.html': page('<p>b</p>') });
    expect((await rebuild(site)).findings).toEqual([]);
  });

  it('looks at a file the vouched bundle did not have, even when the caller says it did not change', async () => {
    const site = await setUp({ 'index.html': page('<a href="a.html">a</a>'), 'a.html': page('<p>a</p>') });
    // A caller that forgot to list a new page as changed: the counts do not add up.
    await writeTree(site.dir, { 'evil.html': page('<script>alert(1)</script>') });
    const r = await rebuild(site, { changed: [] });
    expect(r.looked.sort()).toEqual(['a.html', 'evil.html', 'index.html']);
    expect(rules(r)).toContain('evil.html no-script');
  });

  it('checks the name of a file the vouched bundle did not have, even when the caller says it did not change', async () => {
    const site = await setUp({ 'index.html': page('<a href="a.html">a</a>'), 'a.html': page('<p>a</p>'), 'img/x.png': 'png' });
    await writeTree(site.dir, { 'app.js': 'alert(1)' });
    const r = await rebuild(site, { changed: [] });
    expect(rules(r)).toEqual(['app.js bundle-files']);
  });

  it('keeps files the audit does not read (their names passed) across vouched rebuilds', async () => {
    const site = await setUp({ 'index.html': page('<img src="img/x.png" alt="x" width="1" height="1">'), 'img/x.png': 'png', 'img/y.png': 'png' });
    await writeTree(site.dir, { 'index.html': page('<img src="img/y.png" alt="y" width="1" height="1">') });
    const r = await rebuild(site);
    expect(r.looked).toEqual(['index.html']);
    // The state's record of clean names still covers both pictures: the shortcut holds on.
    await writeTree(site.dir, { 'a.html': page('<p>a</p>'), 'img/z.png': 'png' });
    const again = await rebuild(site);
    expect(again.looked).toEqual(['a.html']);
    const state = (await readStateFile(path.join(site.cacheDir, STATE_FILE), STATE_FORMAT)) as { namesClean: string[] };
    expect(state.namesClean.sort()).toEqual(['img/x.png', 'img/y.png', 'img/z.png']);
    // A picture removed that a page shows: found.
    await writeTree(site.dir, { 'img/y.png': null });
    expect(rules(await rebuild(site, { changed: [] }))).toEqual(['index.html internal-links']);
  });

  it('refuses a state whose unlisted names overlap its listed files', async () => {
    const site = await setUp({ 'index.html': page('<a href="a.html">a</a>'), 'a.html': page('<p>a</p>') });
    // Damage that would make a file count twice: a listed page also among the unlisted names,
    // with a page the vouched bundle did not have claimed unchanged.
    const stateFile = path.join(site.cacheDir, STATE_FILE);
    const state = (await readStateFile(stateFile, STATE_FORMAT)) as { namesClean: string[]; id: string };
    await writeStateFile(stateFile, STATE_FORMAT, { ...state, namesClean: ['a.html'] });
    await writeTree(site.dir, { 'evil.html': page('<script>alert(1)</script>') });
    const r = await rebuild(site, { changed: [] });
    expect(r.looked).toContain('evil.html');
    expect(rules(r)).toContain('evil.html no-script');
  });

  it('writes audit-vouch.json with the state id and the list digest only', async () => {
    const site = await setUp({ 'index.html': page('<p>home</p>') });
    const vouch = JSON.parse(await readFile(path.join(site.cacheDir, VOUCH_FILE), 'utf8')) as Record<string, unknown>;
    const state = (await readStateFile(path.join(site.cacheDir, STATE_FILE), STATE_FORMAT)) as { id: string; clean: boolean };
    expect(vouch).toEqual({ format: 'samizdat-audit-vouch/1', state: state.id, list: site.listDigest });
    expect(state.clean).toBe(true);
  });
});

describe('vouched rebuilds over random changes', () => {
  it('give what an audit without cache gives, at every step of 50 random changes', async () => {
    let seed = 29;
    const next = (k: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % k;
    const names = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? `p${i}.html` : `d${i % 4}/p${i}.html`));
    const targets = [...names, 'img/a.png', 'img/b.png', 'd9/x.html'];
    const link = (from: string, to: string) => path.posix.relative(path.posix.dirname(from), to);
    const pageFor = (from: string) => {
      const links = Array.from({ length: next(4) }, () => targets[next(targets.length)]!);
      const bad = next(12) === 0 ? '<script>x()</script>' : '';
      return page(`<p>${next(1000)}</p>${bad}${links.map((t) => (t.endsWith('.png') ? `<img src="${link(from, t)}" alt="" width="1" height="1">` : `<a href="${link(from, t)}">x</a>`)).join('')}`);
    };
    const files: Record<string, string> = {};
    for (const f of names) files[f] = pageFor(f);
    files['img/a.png'] = 'a';
    const site = await setUp(files);
    let shortcuts = 0;
    for (let step = 0; step < 50; step++) {
      const f = [...names, 'img/a.png', 'img/b.png'][next(names.length + 2)]!;
      const action = next(4);
      if (action === 0) await writeTree(site.dir, { [f]: null });
      else await writeTree(site.dir, { [f]: f.endsWith('.png') ? `png ${next(3)}` : pageFor(f) });
      const r = await rebuild(site);
      const all = (await indexBundle(site.dir)).files;
      if (r.looked.length < [...all].filter((p) => p.endsWith('.html')).length) shortcuts++;
    }
    // Most steps took it (a removal of a linked page, or a step after a failed audit, does not).
    expect(shortcuts).toBeGreaterThan(15);
  });
});

describe('results kept under the sha256 the caller knows', () => {
  it('only for files in the folder audited: a file found elsewhere is keyed by the bytes read', async () => {
    // A rebuild's bundle: staged files in `dir`, the others carried over from `out`, whose record
    // gives the sha256 the build wrote. A file there changed by hand is audited from what is
    // there now, which the record does not describe: that result must not stand for the record's bytes.
    const dir = path.join(root, `b${++n}`);
    const out = path.join(root, `o${n}`);
    const cacheDir = path.join(root, `c${n}`);
    const written = page('<p>p</p><script>alert(1)</script>');
    const byHand = page('<p>p, edited</p>');
    await writeTree(dir, { 'index.html': page('<a href="p.html">p</a>') });
    await writeTree(out, { 'p.html': byHand });
    const locate = (f: string) => path.join(f === 'p.html' ? out : dir, f);
    const hashes = new Map([
      ['index.html', sha(await readFile(path.join(dir, 'index.html')))],
      ['p.html', sha(written)],
    ]);
    const audit = () =>
      auditBundle(dir, { cacheDir, overlay: { files: new Set(['index.html', 'p.html']), locate }, knownSha256: (f) => hashes.get(f) });
    // A first audit of the index alone, so that the next one replays (and hashes what it must).
    await auditBundle(dir, { cacheDir, overlay: { files: new Set(['index.html']), locate }, knownSha256: (f) => hashes.get(f) });
    expect(await audit()).toEqual([]);
    // The build puts back what it wrote (the record's bytes): the script is found.
    await writeTree(out, { 'p.html': written });
    expect((await audit()).map((f) => `${f.file} ${f.rule}`)).toEqual(['p.html no-script']);
  });
});

describe('the journal rewritten with its live results only', () => {
  it('reads each line key from the bytes as the text reading does', async () => {
    const { journalLineKeyAt } = await import('../../src/audit/cache.ts');
    /** The key of a journal line read as text (JSON.parse of the path), to compare with. */
    const journalLineKey = (line: string): string | undefined => {
      if (!line.startsWith('["') || line.charCodeAt(66) !== 0x22 || line.charCodeAt(67) !== 0x2c || line.charCodeAt(68) !== 0x22) return undefined;
      let i = 69;
      while (i < line.length && line.charCodeAt(i) !== 0x22) i += line.charCodeAt(i) === 0x5c ? 2 : 1;
      try {
        return `${line.slice(2, 66)}\0${JSON.parse(line.slice(68, i + 1)) as string}`;
      } catch {
        return undefined;
      }
    };
    const h = 'a'.repeat(64);
    const lines = [
      `["${h}","index.html",[],[["f:a.html",true]]]`,
      `["${h}","тест/страница.html",[],[]]`,
      `["${h}",${JSON.stringify('a"b\\c.html')},[],[]]`,
      `["${h}","\\u0061.html",[],[]]`,
      `["${h}","tab\there.html",[],[]]`,
      `["${h}","cut short`,
      `["${h}",1,[],[]]`,
      `["short","index.html",[],[]]`,
      `{"format":"samizdat-audit-journal/1"}`,
      `["${h}","",[],[]]`,
    ];
    const bytes = Buffer.from(`x\n${lines.join('\n')}\n`, 'utf8');
    let at = 2;
    for (const line of lines) {
      const end = bytes.indexOf(0x0a, at);
      expect(journalLineKeyAt(bytes, at, end)).toBe(journalLineKey(`${line}\n`));
      at = end + 1;
    }
    expect(journalLineKey(`${lines[1]}\n`)).toBe(`${h}\0тест/страница.html`);
  });

  it('keeps the lines of every result still in use, byte for byte, whatever their paths hold', async () => {
    const names = ['index.html', 'тест/index.html', 'a"b.html', 'c\\d.html', 'e.html'];
    const files: Record<string, string> = {};
    for (const f of names) files[f] = page(`<p>${f}</p>${names.map((t) => `<a href="${encodeURI(path.posix.relative(path.posix.dirname(f), t)).replace(/"/g, '%22')}">x</a>`).join('')}`);
    const site = await setUp(files);
    const { JOURNAL_FILE } = await import('../../src/audit/cache.ts');
    const journal = path.join(site.cacheDir, JOURNAL_FILE);
    const before = await readFile(journal);
    const linesOf = (b: Buffer) => new Set(b.toString('utf8').split('\n').slice(1, -1));
    const live = linesOf(before);
    expect(live.size).toBe(names.length);
    // Results no file has any more, past the journal's slack: the next save writes it whole.
    const dead = Array.from({ length: 400 }, (_, i) => `["${sha(String(i))}","gone${i}.html",[],[${'["f:x.html",true],'.repeat(40)}["f:y.html",false]]]\n`).join('');
    await writeFile(journal, Buffer.concat([before, Buffer.from(dead)]));
    await writeTree(site.dir, { 'e.html': page('<p>e, changed</p>') });
    const r = await rebuild(site);
    expect(r.findings).toEqual([]);
    const after = await readFile(journal);
    expect(after.length).toBeLessThan(before.length + 4096);
    const kept = linesOf(after);
    for (const line of live) if (!line.includes('"e.html"')) expect(kept.has(line)).toBe(true);
    expect([...kept].some((l) => l.includes('gone'))).toBe(false);
    // The old result of e.html is gone with the bytes it was for; its new one is there.
    expect(kept.size).toBe(names.length);
    expect([...kept].filter((l) => l.includes('"e.html"'))).toHaveLength(1);
    expect([...live].filter((l) => l.includes('"e.html"') && kept.has(l))).toHaveLength(0);
    // Those lines are what the audit replays from when the state no longer holds (a page gone):
    // only the pages that linked to it are read again.
    await writeTree(site.dir, { 'e.html': null });
    const gone = await rebuild(site, { changed: [] });
    expect(gone.read).toBe(4);
    expect(rules(gone).sort()).toEqual(['a"b.html internal-links', 'c\\d.html internal-links', 'index.html internal-links', 'тест/index.html internal-links']);
  });
});
