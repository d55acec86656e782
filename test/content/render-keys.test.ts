// The content cache keeps each article's render key (src/build/cache.ts renderKey) with its
// entry, so that a rebuild makes none for the unchanged articles. A kept key must be exactly the
// key the article would be given now: made under the same rendering code (salt), from the same
// file, URL and bytes; any other is made again.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadContent, type Article, type RenderKeys } from '../../src/content/index.ts';
import { CACHE_FILE, FORMAT } from '../../src/content/cache.ts';
import { renderKey } from '../../src/build/cache.ts';
import { writeStateFile } from '../../src/state-file.ts';
import { readCacheEntries } from './cache-entries.ts';
import { tempDir } from '../support/net.ts';

const FILES: Record<string, string> = {
  'a.md': '---\ntitle: First\ndate: 2020-01-01\n---\none\n',
  'b/b.md': '---\ntitle: Второй\ndate: 2020-01-02\ntags: [x]\n---\ntwo\n',
  'c.md': '---\ntitle: Third\ndate: 2020-01-03\ncolour: red\n---\nthree\n',
  'draft.md': '---\ntitle: Draft\ndate: 2020-01-04\ndraft: true\n---\nnot yet\n',
};

/** RenderKeys under a salt, counting the keys it makes and recording those it is told. */
function keysUnder(salt: string) {
  const known = new Map<string, string>();
  let made = 0;
  const keys: RenderKeys = {
    salt,
    make: (a) => {
      made++;
      return renderKey(salt, a);
    },
    known: (a: Article, key: string) => {
      known.set(a.file, key);
    },
  };
  return { keys, known, made: () => made };
}

describe('render keys kept in the content cache', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let content: string;
  let cacheDir: string;
  const load = (renderKeys?: RenderKeys) => loadContent(content, { siteLang: 'en', cacheDir, ...(renderKeys ? { renderKeys } : {}) });
  const write = async (rel: string, text: string) => {
    await mkdir(path.dirname(path.join(content, rel)), { recursive: true });
    await writeFile(path.join(content, rel), text);
  };
  /** Every article's key as it was told, checked against the key made from scratch. */
  const expectExact = (articles: Article[], known: Map<string, string>, salt: string) => {
    expect([...known.keys()].sort()).toEqual(articles.map((a) => a.file).sort());
    for (const a of articles) expect(known.get(a.file), a.file).toBe(renderKey(salt, a));
  };

  beforeEach(async () => {
    ({ dir: root, cleanup } = await tempDir('samizdat-render-keys-'));
    content = path.join(root, 'content');
    cacheDir = path.join(root, '.samizdat', 'build');
    for (const [rel, text] of Object.entries(FILES)) await write(rel, text);
  });
  afterEach(() => cleanup());

  it('are made once, then taken from the cache: the very keys made from scratch', async () => {
    const first = keysUnder('salt-1');
    const cold = await load(first.keys);
    expect(first.made()).toBe(3); // drafts have none
    expectExact(cold.articles, first.known, 'salt-1');

    const again = keysUnder('salt-1');
    const warm = await load(again.keys);
    expect(warm.parsed).toBe(0);
    expect(again.made()).toBe(0);
    expectExact(warm.articles, again.known, 'salt-1');
  });

  it('are made again under another salt (the rendering code changed), and kept under it', async () => {
    await load(keysUnder('salt-1').keys);
    const other = keysUnder('salt-2');
    const warm = await load(other.keys);
    expect(warm.parsed).toBe(0);
    expect(other.made()).toBe(3);
    expectExact(warm.articles, other.known, 'salt-2');
    const next = keysUnder('salt-2');
    expectExact((await load(next.keys)).articles, next.known, 'salt-2');
    expect(next.made()).toBe(0);
    // Back to the first salt: none of salt-2's keys is taken for it.
    const back = keysUnder('salt-1');
    expectExact((await load(back.keys)).articles, back.known, 'salt-1');
    expect(back.made()).toBe(3);
  });

  it('follow an edited or moved article, and a load without keys keeps the others usable', async () => {
    await load(keysUnder('s').keys);
    await write('a.md', '---\ntitle: First, edited\ndate: 2020-01-01\n---\none\n');
    await write('moved/c.md', FILES['c.md']!);
    const { rm } = await import('node:fs/promises');
    await rm(path.join(content, 'c.md'));
    const after = keysUnder('s');
    const warm = await load(after.keys);
    expect(after.made()).toBe(2); // the edited and the moved article
    expectExact(warm.articles, after.known, 's');

    // A load that makes no keys (another caller) parses b.md again after an edit: the keys of the
    // others are still taken, and b.md's is made.
    await write('b/b.md', FILES['b/b.md']!.replace('two', 'two, edited'));
    await load();
    const later = keysUnder('s');
    expectExact((await load(later.keys)).articles, later.known, 's');
    expect(later.made()).toBe(1);
  });

  it('are made again when the kept key is damaged or of other bytes', async () => {
    await load(keysUnder('s').keys);
    const file = path.join(cacheDir, CACHE_FILE);
    const good = (await readCacheEntries(file))! as { id: string; head: object; entries: Map<string, unknown[]> };
    const entry = good.entries.get('a.md')!;
    expect(typeof entry[7]).toBe('string');
    const kept = entry[7] as string;
    // Empty, not a key, cut short, of other bytes (its first character changed), not a string.
    const otherBytes = `${kept[0] === '0' ? '1' : '0'}${kept.slice(1)}`;
    for (const [i, damage] of ['', 'x'.repeat(64), kept.slice(1), otherBytes, 42, null].entries()) {
      await writeStateFile(file, FORMAT, { ...good, id: `damaged-${i}`, entries: new Map([...good.entries, ['a.md', [...entry.slice(0, 7), damage]]]) });
      const k = keysUnder('s');
      const out = await load(k.keys);
      expect(out.parsed, String(damage)).toBe(0);
      expect(k.made(), String(damage)).toBe(1);
      expectExact(out.articles, k.known, 's');
    }
  });
});
