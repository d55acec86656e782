import { mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { serialize } from 'node:v8';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadContent, type LoadedContent } from '../../src/content/index.ts';
import { InputError } from '../../src/errors.ts';
import { CACHE_FILE, ContentCache, FORMAT } from '../../src/content/cache.ts';
import { readStateFile, writeStateFile } from '../../src/state-file.ts';
import { readCacheEntries } from './cache-entries.ts';
import { tempDir } from '../support/net.ts';

const FILES: Record<string, string | Buffer> = {
  'en/talks.md': '---\ntitle: Talks in Moscow\ndate: 2015-08-13\ntags: [Russia, Syria]\nsummary: Short.\n---\nBody *here*.\n\nSecond paragraph.\n',
  'en/unknown-field.md': '---\ntitle: With an extra\ndate: 2016-01-02\ncolour: red\n---\nExtra.\n',
  'ru/privet.md': '---\ntitle: "Россия и Сирия: переговоры в Москве"\ndate: 2015-08-14T10:00:00+03:00\nlang: ru\nauthor: Автор\n---\nТекст статьи на русском.\n',
  'fa/salam.md': '---\ntitle: سلام دنیا\ndate: 2020-03-20\nlang: fa\n---\nمتن فارسی\n',
  'bom.md': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('---\r\ntitle: BOM and CRLF\r\ndate: 2021-01-01\r\n---\r\nline one\r\n')]),
  'draft.md': '---\ntitle: Draft\ndate: 2020-05-02\ndraft: true\nmood: unsure\n---\nnot yet\n',
  'bad-yaml.md': '---\ntitle: ok\ndate: 2020-01-01\nsummary: a: b\n---\nx\n',
  'no-title.md': '---\ndate: 2020-01-01\n---\nx\n',
  'dup-a.md': '---\ntitle: Same Title\ndate: 2020-05-01\n---\none\n',
  'dup-b.md': '---\ntitle: Same title\ndate: 2020-05-20\n---\ntwo\n',
};

/** Everything a load gives, bodies included (they are not enumerable, so toEqual would skip them). */
function snapshot(c: LoadedContent) {
  return {
    articles: c.articles.map((a) => ({ ...a, body: a.body })),
    keys: c.articles.map((a) => Object.keys(a).join(',')),
    json: JSON.stringify(c.articles),
    invalid: c.invalid.map((i) => ({ file: i.file, problems: i.problems.map((p) => ({ ...p.toJSON(), name: p.name, cls: p.constructor.name })) })),
    drafts: c.drafts,
    warnings: c.warnings,
  };
}

describe('content cache', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let content: string;
  let cacheDir: string;
  const load = (opts: { cacheDir?: string; siteLang?: string } = { cacheDir }) => loadContent(content, { siteLang: 'en', ...opts });
  const write = async (rel: string, text: string | Buffer) => {
    await mkdir(path.dirname(path.join(content, rel)), { recursive: true });
    await writeFile(path.join(content, rel), text);
  };

  beforeEach(async () => {
    ({ dir: root, cleanup } = await tempDir('samizdat-content-cache-'));
    content = path.join(root, 'content');
    cacheDir = path.join(root, '.samizdat', 'build');
    for (const [rel, text] of Object.entries(FILES)) await write(rel, text);
  });
  afterEach(() => cleanup());

  it('gives the same outcome warm as cold and without a cache, parsing nothing when nothing changed', async () => {
    const none = await load({});
    const cold = await load();
    const warm = await load();
    expect(none.parsed).toBe(Object.keys(FILES).length);
    expect(cold.parsed).toBe(Object.keys(FILES).length);
    // Only the two invalid files are parsed again.
    expect(warm.parsed).toBe(2);
    expect(warm.cached).toBe(Object.keys(FILES).length - 2);
    expect(snapshot(warm)).toEqual(snapshot(cold));
    expect(snapshot(cold)).toEqual(snapshot(none));
    // The outcome really has every kind of file in it.
    expect(warm.articles.map((a) => a.file)).toEqual(['bom.md', 'fa/salam.md', 'en/unknown-field.md', 'ru/privet.md', 'en/talks.md']);
    expect(warm.articles.find((a) => a.lang === 'fa')).toMatchObject({ dir: 'rtl', body: 'متن فارسی\n' });
    expect(warm.articles.find((a) => a.lang === 'ru')).toMatchObject({ slug: 'rossiya-i-siriya-peregovory-v-moskve', body: 'Текст статьи на русском.\n', bodyLine: 7 });
    expect(warm.articles.find((a) => a.file === 'bom.md')!.body).toBe('line one\r\n');
    expect(warm.drafts).toEqual(['draft.md']);
    expect(warm.warnings.map((w) => `${w.file}:${w.code}`).sort()).toEqual(['draft.md:UNKNOWN_FIELD', 'en/unknown-field.md:UNKNOWN_FIELD']);
    expect(warm.invalid.map((i) => `${i.file}:${i.problems.map((p) => p.code).join('+')}`)).toEqual([
      'bad-yaml.md:INVALID_YAML', 'dup-a.md:DUPLICATE_URL', 'dup-b.md:DUPLICATE_URL', 'no-title.md:MISSING_TITLE',
    ]);
    for (const p of warm.invalid.flatMap((i) => i.problems)) expect(p).toBeInstanceOf(InputError);
  });

  it('writes one lean cache file: format and version, no bodies, no invalid files, no temp files left', async () => {
    // The JSON file earlier versions wrote goes once the new one is written.
    await mkdir(cacheDir, { recursive: true });
    await writeFile(path.join(cacheDir, 'content.json'), '{}');
    await load();
    expect(await readdir(cacheDir)).toEqual(['content.state']);
    const raw = await readFile(path.join(cacheDir, 'content.state'));
    const data = (await readCacheEntries(path.join(cacheDir, CACHE_FILE)))!;
    expect(data.head.version).toMatch(/^[0-9a-f]{64}$/);
    expect([...data.entries.keys()].sort()).toEqual(Object.keys(FILES).filter((f) => !['bad-yaml.md', 'no-title.md'].includes(f)).sort());
    // V8 keeps Latin-1 strings one byte per character, others two: look for both.
    for (const text of ['Second paragraph', 'sourcePath', 'Текст статьи']) {
      expect(raw.includes(Buffer.from(text, 'latin1')) || raw.includes(Buffer.from(text, 'utf16le')), text).toBe(false);
    }
    expect(raw.includes(Buffer.from('Россия и Сирия', 'utf16le'))).toBe(true); // the search itself works
    // Every entry without warnings is a row of the table (a column per field, read at once); the
    // two with warnings are kept beside it.
    const body = (await readStateFile(path.join(cacheDir, CACHE_FILE), FORMAT)) as { table: { count: number; columns: Map<string, { t: string }> }; others: Map<string, unknown> };
    expect(body.table.count).toBe(6);
    expect([...body.others.keys()].sort()).toEqual(['draft.md', 'en/unknown-field.md']);
    expect(Object.fromEntries([...body.table.columns].map(([k, c]) => [k, c.t]))).toMatchObject({ title: 's', tags: 'l', bodyLine: 'n' });
  });

  it('parses again exactly the file that was edited, and gives its new values', async () => {
    await load();
    await write('en/talks.md', '---\ntitle: Talks in Minsk\ndate: 2015-08-13\n---\nNew body.\n');
    const warm = await load();
    expect(warm.parsed).toBe(3); // the edited file and the two invalid ones
    const a = warm.articles.find((x) => x.file === 'en/talks.md')!;
    expect(a).toMatchObject({ title: 'Talks in Minsk', slug: 'talks-in-minsk', body: 'New body.\n' });
    expect(a.tags).toEqual([]);
    expect(snapshot(warm)).toEqual(snapshot(await load({})));
  });

  it('notices a same-size edit, and a touch without an edit', async () => {
    await load();
    const file = path.join(content, 'en/talks.md');
    const before = await stat(file);
    const text = FILES['en/talks.md'] as string;
    await writeFile(file, text.replace('Moscow', 'Mascow'));
    await utimes(file, before.atime, new Date(before.mtimeMs + 5000));
    expect((await stat(file)).size).toBe(before.size);
    const edited = await load();
    expect(edited.parsed).toBe(3);
    expect(edited.articles.find((x) => x.file === 'en/talks.md')).toMatchObject({ title: 'Talks in Mascow', slug: 'talks-in-mascow' });

    // The same size and the old mtime put back: the ctime still tells.
    await writeFile(file, text);
    await utimes(file, before.atime, before.mtime);
    const restored = await load();
    expect(restored.parsed).toBe(3);
    expect(restored.articles.find((x) => x.file === 'en/talks.md')!.title).toBe('Talks in Moscow');
    expect((await load()).parsed).toBe(2);
  });

  it('drops a deleted file and adds a new one', async () => {
    await load();
    await rm(path.join(content, 'ru/privet.md'));
    await write('ru/novaya.md', '---\ntitle: Новая статья\ndate: 2022-02-02\n---\nНовая.\n');
    const warm = await load();
    expect(warm.parsed).toBe(3);
    expect(warm.articles.map((a) => a.file)).not.toContain('ru/privet.md');
    expect(warm.articles[0]).toMatchObject({ file: 'ru/novaya.md', slug: 'novaya-statya', body: 'Новая.\n' });
    const data = (await readCacheEntries(path.join(cacheDir, CACHE_FILE)))!;
    expect([...data.entries.keys()]).toContain('ru/novaya.md');
    expect([...data.entries.keys()]).not.toContain('ru/privet.md');
    expect(snapshot(warm)).toEqual(snapshot(await load({})));
  });

  it('drops the entry of a file that became invalid, and reports it as before', async () => {
    await load();
    await write('en/talks.md', '---\ntitle: Talks\ndate: 2015-02-30\n---\nx\n');
    const warm = await load();
    expect(warm.invalid.find((i) => i.file === 'en/talks.md')!.problems.map((p) => [p.code, p.line])).toEqual([['INVALID_DATE', 3]]);
    const data = (await readCacheEntries(path.join(cacheDir, CACHE_FILE)))!;
    expect([...data.entries.keys()]).not.toContain('en/talks.md');
  });

  it('ignores a corrupt, foreign or other-version cache file, and one that has wrong entries', async () => {
    const cold = snapshot(await load());
    const file = path.join(cacheDir, CACHE_FILE);
    // The whole file (a first load writes no delta beside it), its entries as a Map: { id, head: { version, shapes }, entries }.
    const good = (await readCacheEntries(file))! as { id: string; head: { version: string; shapes: unknown }; entries: Map<string, unknown[]> };
    const whole = await readFile(file);
    const write = (format: string, body: unknown) => writeFile(file, serialize({ format, body }));
    const variants: Array<[string, () => Promise<void>]> = [
      ['cut short', () => writeFile(file, whole.subarray(0, whole.length >> 1))],
      ['garbage', () => writeFile(file, '\u0000\u0001garbage')],
      ['JSON of earlier versions', () => writeFile(file, JSON.stringify({ format: FORMAT, ...good, entries: Object.fromEntries(good.entries) }))],
      ['another format', () => write('something-else', good)],
      ['another version', () => write(FORMAT, { ...good, head: { ...good.head, version: 'f'.repeat(64) } })],
      ['shapes not a list', () => write(FORMAT, { ...good, head: { ...good.head, shapes: 'x' } })],
      ['no head', () => write(FORMAT, { ...good, head: undefined })],
      ['entries not a map', () => write(FORMAT, { ...good, entries: Object.fromEntries(good.entries) })],
      ['entries null', () => write(FORMAT, { ...good, entries: null })],
      ['an array', () => write(FORMAT, [1, 2, 3])],
      ['null', () => write(FORMAT, null)],
    ];
    for (const [what, damage] of variants) {
      await damage();
      const out = await load();
      expect(out.parsed, what).toBe(Object.keys(FILES).length);
      expect(snapshot(out)).toEqual(cold);
    }
    // A damaged entry is parsed again; the others are still used.
    const entry = good.entries.get('en/talks.md')!;
    const shapes = good.head.shapes as string[][];
    const withValue = (e: unknown[], key: string, value: unknown) => {
      const keys = shapes[e[4] as number]!.filter((k) => !k.startsWith('='));
      expect(keys).toContain(key);
      return (e[5] as unknown[]).map((v, i) => (keys[i] === key ? value : v));
    };
    const damages: unknown[] = [
      { a: { title: 'forged' } },
      [...entry.slice(0, 4), 999, entry[5]],
      [...entry.slice(0, 4), 'map', entry[5]],
      [...entry.slice(0, 5), (entry[5] as unknown[]).slice(1)],
      [...entry.slice(0, 5), 'values'],
      [...entry.slice(0, 6), 'warnings'],
      // Tags without their slugs (the model would have no list URL for them).
      [...entry.slice(0, 5), withValue(entry, 'tagSlugs', ['russia'])],
      [...entry.slice(0, 5), withValue(entry, 'tagSlugs', 'russia,syria')],
      // A date the derived URL cannot be made from.
      [...entry.slice(0, 5), withValue(entry, 'date', 20150813)],
      [...entry.slice(0, 5), withValue(entry, 'date', null)],
    ];
    for (const [i, damage] of damages.entries()) {
      // A new id each time: the delta the last load wrote (of the previous damaged file) is not of this one.
      await writeStateFile(file, FORMAT, { ...good, id: `damaged-${i}`, entries: new Map([...good.entries, ['en/talks.md', damage]]) });
      const out = await load();
      expect(out.parsed, JSON.stringify(damage).slice(0, 60)).toBe(3);
      expect(snapshot(out)).toEqual(cold);
    }
  });

  it('makes the articles of the table as it opens, each with the source path a lookup gives (another path: made again)', async () => {
    await load();
    const { scanContent } = await import('../../src/content/scan.ts');
    const scan = scanContent(content);
    const at = scan.files.indexOf('en/talks.md');
    const opened = await ContentCache.open(cacheDir, 'en', undefined, (rel) => `/made/early/${rel}`);
    // Looked up with the path it was made with: that article; with another: one with that path.
    const early = opened.lookupAt('en/talks.md', '/made/early/en/talks.md', scan.stamps, at * 4)!;
    expect(early.article!.sourcePath).toBe('/made/early/en/talks.md');
    const other = await ContentCache.open(cacheDir, 'en', undefined, (rel) => `/made/early/${rel}`);
    const real = path.join(content, 'en/talks.md');
    const late = other.lookupAt('en/talks.md', real, scan.stamps, at * 4)!;
    expect(late.article!.sourcePath).toBe(real);
    expect(late.article!.body).toBe('Body *here*.\n\nSecond paragraph.\n');
    expect({ ...late.article!, sourcePath: '' }).toEqual({ ...early.article!, sourcePath: '' });
    // A stamp that differs (the file edited since) gives nothing, made early or not.
    const stamps = Float64Array.from(scan.stamps);
    stamps[at * 4 + 1]! += 1;
    expect(opened.lookupAt('en/talks.md', '/made/early/en/talks.md', stamps, at * 4)).toBeUndefined();
  });

  it('parses again, never fails on, the rows of a table whose columns are damaged', async () => {
    const cold = snapshot(await load());
    const file = path.join(cacheDir, CACHE_FILE);
    const good = (await readStateFile(file, FORMAT)) as { table: { count: number; columns: Map<string, unknown> } } & Record<string, unknown>;
    const n = good.table.count;
    const damaged: Array<[string, unknown]> = [
      // Numbers where the URL is made from strings, and no date at all (an index past none).
      ['date', { t: 'n', v: new Float64Array(n) }],
      ['date', { t: 'd', dict: ['2020-01-01T00:00:00Z'], ids: new Int32Array(n).fill(-1) }],
      ['title', { t: 'n', v: new Float64Array(n) }],
      ['slug', { t: 'l', dict: ['x'], ids: new Int32Array(0), ends: new Int32Array(n) }],
    ];
    for (const [i, [field, column]] of damaged.entries()) {
      const columns = new Map(good.table.columns);
      columns.set(field, column);
      await writeStateFile(file, FORMAT, { ...good, id: `damaged-${i}`, table: { ...good.table, columns } });
      const out = await load();
      // Every row of the table, and the two invalid files; the two entries kept beside the table
      // (those with warnings) are still used.
      expect(out.parsed, `${field} ${i}`).toBe(Object.keys(FILES).length - 2);
      expect(snapshot(out)).toEqual(cold);
    }
  });

  it('starts afresh when the site language changes', async () => {
    await load();
    const fa = await load({ cacheDir, siteLang: 'fa' });
    expect(fa.parsed).toBe(Object.keys(FILES).length);
    expect(fa.articles.find((a) => a.file === 'en/talks.md')).toMatchObject({ lang: 'fa', dir: 'rtl' });
    expect((await load({ cacheDir, siteLang: 'fa' })).parsed).toBe(2);
    const en = await load();
    expect(en.parsed).toBe(Object.keys(FILES).length);
    expect(en.articles.find((a) => a.file === 'en/talks.md')).toMatchObject({ lang: 'en', dir: 'ltr' });
  });

  it('builds when the cache cannot be written', async () => {
    await mkdir(path.dirname(cacheDir), { recursive: true });
    await writeFile(cacheDir, 'a file where the cache folder should be');
    const out = await load();
    expect(snapshot(out)).toEqual(snapshot(await load({})));
    expect(out.parsed).toBe(Object.keys(FILES).length);
  });

  it('reads a cached body from its file only when asked, and refuses a file changed since loading', async () => {
    await load();
    const warm = await load();
    const talks = warm.articles.find((a) => a.file === 'en/talks.md')!;
    const privet = warm.articles.find((a) => a.file === 'ru/privet.md')!;
    expect(Object.keys(talks)).not.toContain('body');
    await write('en/talks.md', (FILES['en/talks.md'] as string).replace('Body', 'Changed body'));
    await rm(privet.sourcePath);
    // Serializing or spreading never reads the body.
    expect(JSON.parse(JSON.stringify(talks))).toMatchObject({ title: 'Talks in Moscow' });
    expect({ ...privet }).toMatchObject({ file: 'ru/privet.md' });
    expect('body' in { ...privet }).toBe(false);
    for (const a of [talks, privet]) {
      let caught: unknown;
      try {
        void a.body;
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(InputError);
      expect(caught).toMatchObject({ code: 'CONTENT_CHANGED_DURING_BUILD', file: a.file, hint: 'Run the build again.' });
    }
    // The next load sees the new text.
    expect((await load()).articles.find((a) => a.file === 'en/talks.md')!.body).toBe('Changed body *here*.\n\nSecond paragraph.\n');
  });
});
