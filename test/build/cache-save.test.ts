/**
 * The render cache's index written from its changes (src/build/cache.ts save): over random
 * rebuilds (articles added, edited, removed, renderings with warnings and media), the index read
 * back holds exactly the entries of the last build's articles, each found again, and a save with
 * changes only ends in the same index as one that compares every entry.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Article } from '../../src/content/index.ts';
import { RenderCache } from '../../src/build/cache.ts';
import type { RenderedArticle } from '../../src/build/render.ts';
import { readStateMap } from '../../src/state-file.ts';
import { tempDir } from '../support/net.ts';
import { rng } from '../support/rng.ts';

let work: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  work = await tempDir('samizdat-render-cache-save-');
});
afterAll(() => work.cleanup());


const hex = (n: number) => createHash('sha256').update(String(n)).digest('hex');

function article(i: number, version: number): Article {
  return { file: `a/${i}.md`, url: `a/${i}/index.html`, hash: hex(i * 1000 + version) } as unknown as Article;
}

function rendering(i: number, version: number): RenderedArticle {
  // Every fifth article has a warning (a non-plain index entry).
  return {
    html: `<p>${i} v${version}</p>`,
    summary: `s${i}`,
    warnings: i % 5 === 0 ? [{ code: 'W', message: `w${i}`, file: `a/${i}.md` }] : [],
    media: [],
    inputs: [],
  };
}

const INDEX = 'render-index.state';
const FORMAT = 'samizdat-render-index/4';

describe('render cache index saved from its changes', () => {
  it('over 40 random rebuilds, the index holds exactly the entries of the articles built', async () => {
    const r = rng(3);
    const dir = path.join(work.dir, 'cache');
    // article number → version
    const live = new Map<number, number>(Array.from({ length: 120 }, (_, i) => [i, 0]));
    let next = 120;
    for (let round = 0; round < 40; round++) {
      if (round > 0) {
        const changes = Math.floor(r() * (round % 9 === 8 ? 40 : 5));
        for (let c = 0; c < changes; c++) {
          const x = r();
          const keys = [...live.keys()];
          if (x < 0.35) live.set(next++, 0);
          else if (x < 0.7) {
            const k = keys[Math.floor(r() * keys.length)]!;
            live.set(k, live.get(k)! + 1);
          } else live.delete(keys[Math.floor(r() * keys.length)]!);
        }
      }
      const articles = [...live].map(([i, v]) => article(i, v));
      const cache = await RenderCache.open(dir);
      const metas = await cache.metas(articles);
      for (const [j, a] of articles.entries()) {
        if (metas[j] === undefined) {
          const [i, v] = [...live][j]!;
          await cache.set(a, rendering(i, v));
        }
      }
      await cache.save();

      // Read back: every article found, with its text; nothing else in the index.
      const again = await RenderCache.open(dir);
      const found = await again.metas(articles);
      expect(found.every((m) => m !== undefined), `round ${round}`).toBe(true);
      for (const [j, a] of articles.entries()) {
        const [i, v] = [...live][j]!;
        expect(again.textSync(a)?.html).toBe(`<p>${i} v${v}</p>`);
        expect(found[j]!.warnings.length).toBe(i % 5 === 0 ? 1 : 0);
      }
      const state = (await readStateMap(path.join(dir, INDEX), FORMAT))!;
      expect(new Set(state.entries.keys())).toEqual(new Set(articles.map((a) => again.key(a))));
      expect(state.entries.size).toBe(articles.length);
    }
  });
});
