// auditBundle over real folders: which files it reads, the order and shape of findings, rule
// selection by name, cancellation.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditBundle, auditText, getRule, RULE_NAMES, RULES } from '../../src/audit/index.ts';
import { AbortedError, InputError } from '../../src/errors.ts';
import { tempDir } from '../support/net.ts';
import { wrapPage } from './fixture-file.ts';

let root: string;
let cleanup: () => Promise<void>;

async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
}

const CLEAN: Record<string, string> = {
  'index.html': wrapPage(
    '<a href="articles/one/index.html">one</a> <a href="https://example.org/" rel="noopener noreferrer">out</a>\n<img src="media/logo.svg" alt="logo"><a href="atom.xml">Atom</a>',
  ),
  'articles/one/index.html': wrapPage('<p>Text</p><a href="../../index.html">home</a>'),
  'media/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="#c00"/></svg>',
  'atom.xml':
    '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><link rel="self" href="atom.xml"/>\n<entry><link href="articles/one/index.html"/><content type="html" xml:base="articles/one/index.html">&lt;p&gt;Text&lt;/p&gt;&lt;a href="../../index.html"&gt;home&lt;/a&gt;</content></entry></feed>\n',
  'feed.json': JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', items: [{ id: '1', url: 'articles/one/index.html', content_html: '<p>Text</p><a href="../../index.html">home</a>' }] }),
  'mirrors.json': JSON.stringify({ version: 2, mirrors: [{ url: 'https://mirror.example.org/' }] }),
  'media/notes.txt': '<script>not markup: a text file is never read as a page</script>',
};

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('samizdat-audit-'));
});
afterAll(async () => cleanup());

describe('auditBundle', () => {
  it('finds nothing in a bundle that keeps the contract (pages, SVG, Atom, JSON Feed, mirrors.json)', async () => {
    const dir = path.join(root, 'clean');
    await writeTree(dir, CLEAN);
    expect(await auditBundle(dir)).toEqual([]);
  });

  it('reports every problem with the file relative to the bundle, the line and the rule, sorted', async () => {
    const dir = path.join(root, 'dirty');
    await writeTree(dir, {
      ...CLEAN,
      'articles/one/index.html': wrapPage('<p>Text</p>\n<img src="https://tracker.example.org/p.gif">\n<a href="/index.html">home</a>'),
      'media/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg">\n<script>alert(1)</script>\n</svg>',
      'feed.json': '{"items": [\n{"id": "1", "content_html": "<img src=x onerror=alert(1)>"}\n]}',
      'theme.css': 'body {\n  background: url(https://cdn.example.org/bg.png);\n}\n',
    });
    const findings = await auditBundle(dir);
    expect(findings).toEqual([
      { file: 'articles/one/index.html', line: 7, rule: 'no-external-loads', message: expect.stringContaining('tracker.example.org') },
      { file: 'articles/one/index.html', line: 8, rule: 'internal-links', message: expect.stringContaining("starts at the host's root") },
      { file: 'feed.json', line: 2, rule: 'internal-links', message: expect.stringContaining('not in the bundle') },
      { file: 'feed.json', line: 2, rule: 'no-event-handlers', message: '<img onerror>: event-handler attributes are script' },
      { file: 'media/logo.svg', line: 2, rule: 'no-script', message: expect.stringContaining('<script>') },
      { file: 'theme.css', line: 2, rule: 'no-external-loads', message: expect.stringContaining('cdn.example.org') },
    ]);
  });

  it('runs only the rules asked for, and refuses an unknown rule by name', async () => {
    const dir = path.join(root, 'dirty');
    const onlyScript = await auditBundle(dir, { rules: ['no-script'] });
    expect(onlyScript.map((f) => f.rule)).toEqual(['no-script']);
    await expect(auditBundle(dir, { rules: ['no-script', 'no-such-rule'] })).rejects.toThrow(/no-such-rule/);
    expect(() => getRule('nope')).toThrow(InputError);
    expect(() => getRule('nope')).toThrow('There is no audit rule named "nope".');
    expect(getRule('page-csp').name).toBe('page-csp');
  });

  it('reports progress from 0 to the number of files it reads, and how many it read', async () => {
    const events: unknown[] = [];
    await auditBundle(path.join(root, 'clean'), { onProgress: (e) => events.push(e) });
    // index.html, articles/one/index.html, media/logo.svg, atom.xml, feed.json, mirrors.json (not notes.txt)
    expect(events).toEqual([
      { type: 'audited', done: 0, total: 6 },
      { type: 'audited', done: 6, total: 6, read: 6 },
    ]);
  });

  it('stops when its signal has fired', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(auditBundle(path.join(root, 'clean'), { signal: ac.signal })).rejects.toBeInstanceOf(AbortedError);
  });

  it('lists its rules as a named table, each with a description', () => {
    expect(RULE_NAMES).toEqual(RULES.map((r) => r.name));
    expect(new Set(RULE_NAMES).size).toBe(RULE_NAMES.length);
    for (const r of RULES) expect(r.description.length).toBeGreaterThan(20);
  });

  it('checks a folder link and a missing index', async () => {
    const dir = path.join(root, 'folders');
    await writeTree(dir, { 'index.html': wrapPage('<a href="tags/index.html">t</a> <a href="tags/news/">n</a>'), 'tags/news/index.html': wrapPage('x') });
    const findings = await auditBundle(dir);
    expect(findings.map((f) => `${f.file}:${f.line} ${f.message}`)).toEqual([
      'index.html:6 <a href> "tags/index.html" points at tags/index.html, which is not in the bundle',
      'index.html:6 <a href> "tags/news/" points at a folder: link the file (…/index.html), which also works from file://',
    ]);
  });

  it('reads attributes named like object properties as plain attributes, not as a failure to audit', () => {
    const html = wrapPage('<p constructor="x" __proto__="y" tostring="z" hasownproperty="w">words</p>');
    expect(auditText(html, { file: 'index.html' })).toEqual([]);
    // Still audited: the same element with a handler is caught.
    const bad = wrapPage('<p constructor="x" __proto__="y" onclick="alert(1)">words</p>');
    expect(auditText(bad, { file: 'index.html' }).map((f) => f.rule)).toContain('no-event-handlers');
  });

  it('gives the line of an attribute spread over several lines', () => {
    const html = wrapPage('<p>one</p>\n<img\n  alt="x"\n  src="https://example.org/x.png">');
    expect(auditText(html, { file: 'index.html' }).map((f) => f.line)).toEqual([9]);
  });
});

describe('kindOfFile', () => {
  it("reads a file's kind from its extension as path.extname gives it, on 200,000 generated names", async () => {
    const { kindOfFile } = await import('../../src/audit/index.ts');
    const reference = (file: string) => {
      const ext = path.extname(file).toLowerCase();
      if (ext === '.html' || ext === '.htm') return 'html';
      if (['.xml', '.svg', '.atom', '.rss', '.xsl', '.xslt', '.xhtml', '.rdf', '.opml'].includes(ext)) return 'xml';
      if (ext === '.json' || ext === '.webmanifest') return 'json';
      return ext === '.css' ? 'css' : undefined;
    };
    const parts = ['a', '.', '..', '/', '//', 'html', 'HTML', 'css', 'json', 'x', 'webmanifest', '.html', 'Css', 'htm', 'svg', 'é'];
    let seed = 3;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    for (let i = 0; i < 200_000; i++) {
      let name = '';
      for (let j = 1 + next(7); j > 0; j--) name += parts[next(parts.length)];
      if (kindOfFile(name) !== reference(name)) expect(kindOfFile(name), name).toBe(reference(name));
    }
    expect(kindOfFile('articles/a.b/index.HTML')).toBe('html');
    expect(kindOfFile('.html')).toBeUndefined();
  });
});

describe('bundle entries', () => {
  it('refuses symbolic links and script files by name', async () => {
    const { symlink } = await import('node:fs/promises');
    const dir = path.join(root, 'entries');
    await writeTree(dir, { 'index.html': wrapPage('<p>x</p>'), 'js/app.js': 'alert(1)' });
    await symlink('/etc/hostname', path.join(dir, 'hostname.txt'));
    const findings = await auditBundle(dir);
    expect(findings.map((f) => `${f.file} ${f.rule}`)).toEqual(['hostname.txt bundle-files', 'js/app.js bundle-files']);
    expect(findings[0]!.message).toContain('symbolic link');
  });
});

describe('encodings', () => {
  it('refuses files that are not UTF-8, and UTF-16 byte order marks', async () => {
    const dir = path.join(root, 'encodings');
    await writeTree(dir, { 'index.html': wrapPage('<p>ok</p>') });
    const page = Buffer.from(wrapPage('<p>caf\u00e9</p>'), 'latin1'); // é as one Latin-1 byte
    await writeFile(path.join(dir, 'latin1.html'), page);
    await writeFile(path.join(dir, 'utf16.xml'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<rss version="2.0"/>', 'utf16le')]));
    await writeFile(path.join(dir, 'bom.html'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(wrapPage('<p>UTF-8 with a BOM is fine</p>'))]));
    const findings = (await auditBundle(dir)).filter((f) => f.rule === 'charset-utf8');
    expect(findings.map((f) => f.file)).toEqual(['latin1.html', 'utf16.xml']);
    expect(findings[0]!.message).toContain('not valid UTF-8');
  });
});

describe('worker threads', () => {
  it('a worker thread audits its share and reports the same findings as the calling thread', async () => {
    const { runWorker } = await import('../../src/audit/pool.ts');
    const { indexBundle } = await import('../../src/audit/index.ts');
    const dir = path.join(root, 'dirty');
    const bundle = await indexBundle(dir);
    const results = await runWorker(
      { dir, chunk: ['media/logo.svg', 'theme.css'], rules: undefined, files: [...bundle.files], folders: [...bundle.folders], others: [], record: false },
      undefined,
    );
    const findings = results.flatMap((r) => r.findings);
    expect(findings.map((f) => `${f.file}:${f.line} ${f.rule}`)).toEqual(['media/logo.svg:2 no-script', 'theme.css:2 no-external-loads']);
    expect(await auditBundle(dir, { workers: 3 })).toEqual(await auditBundle(dir, { workers: 1 }));
  });
});

describe('audit cache', () => {
  it('reuses results for unchanged files, and finds a link broken by a file removed elsewhere', async () => {
    const { rm } = await import('node:fs/promises');
    const dir = path.join(root, 'cached');
    const cacheDir = path.join(root, 'cache');
    await writeTree(dir, {
      'index.html': wrapPage('<a href="a/index.html">a</a> <a href="b/index.html">b</a>'),
      'a/index.html': wrapPage('<a href="../b/index.html">b</a>'),
      'b/index.html': wrapPage('<p>b</p>'),
      'c/index.html': wrapPage('<img src="https://example.org/x.png">'),
    });
    const first = await auditBundle(dir, { cacheDir });
    expect(first.map((f) => `${f.file} ${f.rule}`)).toEqual(['c/index.html no-external-loads']);

    // Prove reuse: a cached result is returned as stored, without reading the file again (here
    // from the state: nothing went away, so the journal is not even read).
    const { readStateFile, writeStateFile } = await import('../../src/state-file.ts');
    const { STATE_FILE, STATE_FORMAT } = await import('../../src/audit/cache.ts');
    const stateFile = path.join(cacheDir, STATE_FILE);
    const state = (await readStateFile(stateFile, STATE_FORMAT)) as { findings: [string, { message: string }[]][] };
    expect(state.findings.map(([f]) => f)).toEqual(['c/index.html']);
    state.findings[0]![1][0]!.message = 'served from the cache';
    await writeStateFile(stateFile, STATE_FORMAT, state);
    const second = await auditBundle(dir, { cacheDir });
    expect(second.map((f) => f.message)).toEqual(['served from the cache']);

    // b/index.html goes: index.html and a/index.html did not change, yet their links are now broken.
    await rm(path.join(dir, 'b'), { recursive: true });
    const third = await auditBundle(dir, { cacheDir });
    expect(third.map((f) => `${f.file} ${f.rule}`)).toEqual([
      'a/index.html internal-links',
      'c/index.html no-external-loads',
      'index.html internal-links',
    ]);

    // A changed file is audited again.
    await writeTree(dir, { 'c/index.html': wrapPage('<p>clean now</p>'), 'b/index.html': wrapPage('<p>back</p>') });
    expect(await auditBundle(dir, { cacheDir })).toEqual([]);
    // And the cache gives the same answers as no cache at all.
    expect(await auditBundle(dir, { cacheDir })).toEqual(await auditBundle(dir));
  });

  it('starts empty from a corrupt cache file', async () => {
    const cacheDir = path.join(root, 'corrupt-cache');
    await writeTree(cacheDir, { 'audit-state.v8': '\xff\x0f{"format": "samizdat-audit-state/2", "files": [', 'audit-journal.ndjson': '{"format": "samizdat-' });
    const dir = path.join(root, 'dirty');
    expect(await auditBundle(dir, { cacheDir })).toEqual(await auditBundle(dir));
  });
});
