/**
 * `samizdat ingest` end to end: exit codes, what it prints, the --json shape, clashes naming
 * both files, --update, nothing written when any source fails, publisher rule files, standard
 * input (through the real bin/samizdat.mjs), and the ingested seed rendered by buildSite.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, freePort } from '../support/net.ts';
import { main } from '../../src/cli/main.ts';
import { buildSite } from '../../src/build/index.ts';
import { PNG } from './png.ts';
import { SEED, SEED_CAPTION, SEED_FURNITURE, SEED_PARAGRAPHS, SEED_TITLE } from './seed.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/ingest');
const SEED_FILE = '2015-08-13-russian-foreign-minister-hosts-syrias-main-opposition-group-for-talks.md';
const SEED_URL = 'https://www.themoscowtimes.com/2015/08/13/russian-foreign-minister-hosts-syrias-main-opposition-group-for-talks-a48920';

async function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['ingest', ...args], {
    cwd,
    env: {},
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

/** Runs the real CLI as a process, feeding `input` on standard input. */
function runBin(args: string[], cwd: string, input: string | Buffer): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/samizdat.mjs'), 'ingest', ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

let work: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  work = await tempDir('samizdat-ingest-cli-');
});
afterAll(async () => work?.cleanup());

async function fresh(name: string): Promise<string> {
  const dir = path.join(work.dir, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

async function listAll(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true })).sort();
  } catch {
    return [];
  }
}

describe('the seed article through the CLI', () => {
  it('writes exactly its headline, caption and seven paragraphs, and buildSite renders it', async () => {
    const cwd = await fresh('seed');
    const r = await run([SEED, '--date', '2015-08-13', '--source-url', SEED_URL, '--out', 'content'], cwd);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`content/${SEED_FILE}\n`);
    const md = await readFile(path.join(cwd, 'content', SEED_FILE), 'utf8');
    expect(md).toBe(
      [
        '---',
        `title: ${SEED_TITLE}`,
        'date: 2015-08-13',
        'slug: russian-foreign-minister-hosts-syrias-main-opposition-group-for-talks',
        `image_caption: ${SEED_CAPTION}`,
        `source: ${SEED_URL}`,
        '---',
        '',
        SEED_PARAGRAPHS.join('\n\n'),
        '',
      ].join('\n'),
    );
    for (const f of SEED_FURNITURE) expect(md).not.toContain(f);

    const site = path.join(cwd, 'site');
    const built = await buildSite({ contentDir: path.join(cwd, 'content'), outDir: site, cacheDir: false, env: {} });
    expect(built.articles).toBe(1);
    const html = await readFile(path.join(site, 'articles/2015/08/russian-foreign-minister-hosts-syrias-main-opposition-group-for-talks/index.html'), 'utf8');
    const text = html.replace(/<[^>]+>/g, ' ').replace(/&quot;|&#34;/g, '"').replace(/&#39;|&#x27;|&apos;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ');
    expect(text).toContain(SEED_TITLE);
    expect(text).toContain(SEED_CAPTION);
    let at = 0;
    for (const p of SEED_PARAGRAPHS) {
      const found = text.indexOf(p, at);
      expect(found, `paragraph missing or out of order: ${p.slice(0, 40)}`).toBeGreaterThan(at);
      at = found;
    }
    for (const f of SEED_FURNITURE) expect(text).not.toContain(f);
  });

  it('without --date: exit 1, the error says to give --date, nothing written', async () => {
    const cwd = await fresh('seed-nodate');
    const r = await run([SEED, '--out', 'content'], cwd);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no publication date found');
    expect(r.stderr).toContain('--date YYYY-MM-DD');
    expect(r.stderr).toContain("never uses today's date");
    expect(await listAll(path.join(cwd, 'content'))).toEqual([]);
  });

  it('a second run is a clash naming both files; --update replaces it', async () => {
    const cwd = await fresh('seed-clash');
    expect((await run([SEED, '--date', '2015-08-13'], cwd)).code).toBe(0);
    const target = path.join(cwd, 'content', SEED_FILE);
    await writeFile(target, (await readFile(target, 'utf8')).replace('Earlier this year', 'EDITED'));
    const clash = await run([SEED, '--date', '2015-08-13'], cwd);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain(SEED);
    expect(clash.stderr).toContain(SEED_FILE);
    expect(clash.stderr).toContain('--update');
    expect(await readFile(target, 'utf8')).toContain('EDITED');
    const update = await run([SEED, '--date', '2015-08-13', '--update', '--json'], cwd);
    expect(update.code).toBe(0);
    expect(JSON.parse(update.stdout).written[0]).toMatchObject({ file: `content/${SEED_FILE}`, replaced: true });
    expect(await readFile(target, 'utf8')).not.toContain('EDITED');
  });
});

describe('--json', () => {
  it('prints one object: written, skipped, warnings, errors', async () => {
    const cwd = await fresh('json');
    const r = await run([path.join(FIXTURES, 'text/en-harbour.txt'), path.join(FIXTURES, 'text/ru-zavod.txt'), '--json', '--out', 'c'], cwd);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['written', 'skipped', 'warnings', 'errors']);
    expect(out.written).toEqual([
      { file: 'c/2015-08-13-city-council-approves-harbour-flood-barrier-after-decade-of-delays.md', title: 'City Council Approves Harbour Flood Barrier After Decade of Delays', date: '2015-08-13', source: path.join(FIXTURES, 'text/en-harbour.txt'), from: 'text', replaced: false, media: [] },
      { file: 'c/2015-08-13-zavod-v-podmoskove-vozobnovil-vypusk-tramvaev-posle-dvuhletnego-pereryva.md', title: 'Завод в Подмосковье возобновил выпуск трамваев после двухлетнего перерыва', date: '2015-08-13', source: path.join(FIXTURES, 'text/ru-zavod.txt'), from: 'text', replaced: false, media: [] },
    ]);
    expect(out.skipped).toEqual([]);
    expect(out.errors).toEqual([]);
  });

  it('on errors: exit 1, every error listed, and nothing written, not even the good source', async () => {
    const cwd = await fresh('json-errors');
    await writeFile(path.join(cwd, 'empty.txt'), '');
    await writeFile(path.join(cwd, 'blank.txt'), '  \n\n \n');
    await writeFile(path.join(cwd, 'photo.txt'), PNG);
    await writeFile(path.join(cwd, 'nul.txt'), Buffer.from('Headline\0\0\0 binary junk'));
    await writeFile(path.join(cwd, 'nothing.html'), await readFile(path.join(FIXTURES, 'html/no-article.html')));
    const port = await freePort();
    const r = await run([path.join(FIXTURES, 'text/en-harbour.txt'), 'empty.txt', 'blank.txt', 'photo.txt', 'nul.txt', 'nothing.html', 'missing.txt', path.join(FIXTURES, 'feeds/broken.xml'), `http://127.0.0.1:${port}/gone`, '--json', '--out', 'c'], cwd);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.written).toEqual([]);
    expect(out.errors.map((e: { code: string }) => e.code)).toEqual([
      'INGEST_NOT_FOUND', 'INGEST_EMPTY', 'INGEST_EMPTY', 'INGEST_BINARY', 'INGEST_BINARY', 'INGEST_NO_ARTICLE', 'INGEST_MALFORMED_XML', 'INGEST_UNREACHABLE',
    ]);
    for (const e of out.errors) expect(Object.keys(e)).toEqual(expect.arrayContaining(['code', 'message', 'retryable']));
    expect(out.errors[3].message).toContain('PNG image');
    expect(out.errors[7].message).toContain(`http://127.0.0.1:${port}/gone`);
    expect(await listAll(path.join(cwd, 'c'))).toEqual([]);
  });

  it('an input over --max-size is an error', async () => {
    const cwd = await fresh('too-big');
    await writeFile(path.join(cwd, 'big.txt'), `A Big Headline For This Test\n\n${'word '.repeat(300_000)}`);
    const r = await run(['big.txt', '--max-size', '1', '--date', '2020-01-01', '--json'], cwd);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).errors[0]).toMatchObject({ code: 'INGEST_TOO_LARGE', file: 'big.txt' });
    expect(await listAll(path.join(cwd, 'content'))).toEqual([]);
  });
});

describe('folders and --from', () => {
  it('a folder: its text, page and feed files in name order; images and hidden files left alone', async () => {
    const cwd = await fresh('folder');
    await mkdir(path.join(cwd, 'in/sub'), { recursive: true });
    for (const f of ['ar-mina.txt', 'en-harbour.txt', 'fa-ketabkhaneh.txt']) await writeFile(path.join(cwd, 'in', f), await readFile(path.join(FIXTURES, 'text', f)));
    await writeFile(path.join(cwd, 'in/sub/ru-zavod.txt'), await readFile(path.join(FIXTURES, 'text/ru-zavod.txt')));
    await writeFile(path.join(cwd, 'in/photo.png'), PNG);
    await writeFile(path.join(cwd, 'in/.draft.txt'), 'Not This One Please Thanks\n\nHidden.');
    const r = await run(['in', '--json'], cwd);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.written.map((w: { source: string }) => w.source)).toEqual(['in/ar-mina.txt', 'in/en-harbour.txt', 'in/fa-ketabkhaneh.txt', 'in/sub/ru-zavod.txt']);
    expect(out.written.map((w: { file: string }) => w.file).every((f: string) => /^content\/2015-08-13-[a-z0-9-]+\.md$/.test(f))).toBe(true);
  });

  it('--from text reads a page as text (the operator knows best)', async () => {
    const cwd = await fresh('from');
    await writeFile(path.join(cwd, 'note.html'), 'A Headline Written Plainly Here\n\n<b> is how HTML makes bold text.');
    const r = await run(['note.html', '--from', 'text', '--date', '2020-02-02', '--json'], cwd);
    expect(r.code).toBe(0);
    const md = await readFile(path.join(cwd, JSON.parse(r.stdout).written[0].file), 'utf8');
    expect(md.endsWith('\\<b\\> is how HTML makes bold text.\n')).toBe(true);
  });
});

describe('usage', () => {
  it('bad flags exit 2; a bad --date or --lang exits 1 with the reason', async () => {
    const cwd = await fresh('usage');
    expect((await run(['x.txt', '--from', 'pdf'], cwd)).code).toBe(2);
    expect((await run([], cwd)).code).toBe(2);
    const date = await run([SEED, '--date', '2015-02-30'], cwd);
    expect(date.code).toBe(1);
    expect(date.stderr).toContain('--date "2015-02-30" is not a date');
    const lang = await run([SEED, '--date', '2015-08-13', '--lang', 'not a tag'], cwd);
    expect(lang.code).toBe(1);
    expect(lang.stderr).toContain('is not a language tag');
    const many = await run([SEED, SEED, '--source-url', SEED_URL], cwd);
    expect(many.code).toBe(1);
    expect(many.stderr).toContain('--source-url');
  });

  it('--help shows examples', async () => {
    const r = await run(['--help'], await fresh('help'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('--source-url');
  });
});

describe('publisher rule files', () => {
  it('content/ingest-rules/<host>.yaml applies to that publisher only; --lang overrides', async () => {
    const cwd = await fresh('rules');
    await mkdir(path.join(cwd, 'content/ingest-rules'), { recursive: true });
    await writeFile(path.join(cwd, 'content/ingest-rules/coastal.example.yaml'), "drop:\n  - '^The regional government'\ndisable: [advertising-notice]\n");
    const src = path.join(FIXTURES, 'text/en-harbour.txt');
    const r = await run([src, '--source-url', 'https://www.coastal.example/news/1', '--lang', 'en', '--json'], cwd);
    expect(r.code).toBe(0);
    const md = await readFile(path.join(cwd, JSON.parse(r.stdout).written[0].file), 'utf8');
    expect(md).toContain('lang: en\n');
    expect(md).not.toContain('The regional government');
    expect(md).toContain('\n\nAdvertisement\n\n'); // the generic rule was disabled for this publisher
    // Another publisher: the generic rules only.
    const other = await run([src, '--source-url', 'https://other.example/x', '--out', 'other', '--json'], cwd);
    const md2 = await readFile(path.join(cwd, JSON.parse(other.stdout).written[0].file), 'utf8');
    expect(md2).toContain('The regional government');
    expect(md2).not.toContain('Advertisement');
  });

  it('ingest-rules.yaml beside the content folder, and a broken rule file is reported with file and line', async () => {
    const cwd = await fresh('rules-file');
    await mkdir(path.join(cwd, 'content'), { recursive: true });
    await writeFile(path.join(cwd, 'ingest-rules.yaml'), "'*':\n  dropFrom: ['^Fishermen had feared']\n");
    const ok = await run([path.join(FIXTURES, 'text/en-harbour.txt'), '--json'], cwd);
    expect(ok.code).toBe(0);
    const md = await readFile(path.join(cwd, JSON.parse(ok.stdout).written[0].file), 'utf8');
    expect(md).not.toContain('Fishermen');
    expect(md).not.toContain('The regional government');
    await writeFile(path.join(cwd, 'ingest-rules.yaml'), "'*':\n  drop: ['(unclosed']\n  disable: [no-such-rule]\n");
    const bad = await run([path.join(FIXTURES, 'text/ru-zavod.txt')], cwd);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${path.join(cwd, 'ingest-rules.yaml')}:2`);
    expect(bad.stderr).toContain('(unclosed');
    expect(bad.stderr).toContain(`${path.join(cwd, 'ingest-rules.yaml')}:3`);
    expect(bad.stderr).toContain('no-such-rule');
  });
});

describe('standard input (real process)', () => {
  it('"-" reads the text from stdin', async () => {
    const cwd = await fresh('stdin');
    const input = await readFile(path.join(FIXTURES, 'text/fa-ketabkhaneh.txt'));
    const r = await runBin(['-', '--out', 'content'], cwd, input);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const file = r.stdout.trim();
    expect(file).toMatch(/^content\/2015-08-13-[a-z0-9-]+\.md$/);
    const md = await readFile(path.join(cwd, file), 'utf8');
    expect(md).toContain('lang: fa\n');
    expect(md).toContain('title: کتابخانه‌ی مرکزی شهر پس از سه سال بازسازی دوباره باز شد\n');
  });

  it('"-" with an empty stdin: exit 1, nothing written', async () => {
    const cwd = await fresh('stdin-empty');
    const r = await runBin(['-', '--date', '2015-08-13'], cwd, '');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('standard input is empty');
    expect(await listAll(path.join(cwd, 'content'))).toEqual([]);
  });
});
