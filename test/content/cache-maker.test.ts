// The content cache makes the articles of each entry shape with a function compiled for that
// shape (src/content/cache.ts makerOf): it must make exactly the article the field-by-field way
// makes, and compile nothing but known field names, whatever a cache file holds.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadContent, type LoadedContent } from '../../src/content/index.ts';
import { CACHE_FILE, FORMAT } from '../../src/content/cache.ts';
import { readStateFile, writeStateFile } from '../../src/state-file.ts';
import { tempDir } from '../support/net.ts';

/** Every optional field, and none, so that several shapes are made. */
const FILES: Record<string, string> = {
  'plain.md': '---\ntitle: Plain\ndate: 2020-01-01\n---\nx\n',
  'full.md':
    '---\ntitle: Full\ndate: 2020-01-02T10:00:00+02:00\nupdated: 2020-02-01\nlang: fa\nauthor: A\nsummary: S\ntags: [one, Два]\nslug: full-one\nimage: i.png\nimage_alt: alt\nimage_caption: cap\nsource: https://example.org/a\nguid: g-1\ndraft: false\n---\ny\n',
  'ru.md': '---\ntitle: Привет\ndate: 2020-01-03\nlang: ru\nauthor: Б\ntags: [мир]\n---\nz\n',
};

function snapshot(c: LoadedContent) {
  return { articles: c.articles.map((a) => ({ keys: Object.keys(a), json: JSON.stringify(a), body: a.body })), warnings: c.warnings };
}

describe('content cache: articles made by shape', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let content: string;
  let cacheDir: string;
  const load = (cache = true) => loadContent(content, { siteLang: 'en', ...(cache ? { cacheDir } : {}) });

  beforeEach(async () => {
    ({ dir: root, cleanup } = await tempDir('samizdat-cache-maker-'));
    content = path.join(root, 'content');
    cacheDir = path.join(root, '.samizdat', 'build');
    await mkdir(content, { recursive: true });
    for (const [rel, text] of Object.entries(FILES)) await writeFile(path.join(content, rel), text);
  });
  afterEach(() => cleanup());

  it('are the articles parsing gives, field for field and in the same order', async () => {
    const parsed = snapshot(await load(false));
    await load();
    const cached = await load();
    expect(cached.parsed).toBe(0);
    expect(snapshot(cached)).toEqual(parsed);
    const state = (await readStateFile(path.join(cacheDir, CACHE_FILE), FORMAT)) as { head: { shapes: string[][] } };
    expect(state.head.shapes.length).toBe(3);
  });

  it('never compile what a cache file names as a field: such a shape is made field by field', async () => {
    await load();
    const file = path.join(cacheDir, CACHE_FILE);
    const good = (await readStateFile(file, FORMAT)) as { id: string; head: { shapes: string[][] }; entries: Map<string, unknown[]> };
    const g = globalThis as { __samizdatInjected?: number };
    delete g.__samizdatInjected;
    // Valid JavaScript inside an object literal, were it pasted into one.
    const evil = 'title: (globalThis.__samizdatInjected = 1), t2';
    const shapes = good.head.shapes.map((keys) => keys.map((k) => (k === 'title' ? evil : k)));
    await writeStateFile(file, FORMAT, { ...good, id: 'forged', head: { ...good.head, shapes } });
    const out = await load();
    expect(g.__samizdatInjected).toBeUndefined();
    // Without a title the entries are not used: every file is parsed again, as for any damage.
    expect(out.parsed).toBe(3);
    expect(snapshot(out)).toEqual(snapshot(await load(false)));
  });
});
