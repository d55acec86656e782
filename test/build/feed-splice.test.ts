/**
 * A feed spliced from the one written last time (src/build/feeds/splice.ts) must be byte for
 * byte the feed renderFeed makes, whatever its articles hold, and must never take an entry it
 * cannot place exactly.
 */
import { describe, expect, it } from 'vitest';
import { siteSettingsSchema } from '../../src/config/site.ts';
import { renderFeed } from '../../src/build/feeds/index.ts';
import { planFeedSplice, spliceFeed } from '../../src/build/feeds/splice.ts';
import { buildModel, type ArticleView, type FeedSpec } from '../../src/build/model.ts';
import { rng } from '../support/rng.ts';

// Text that would break a careless splice or feed: markup, CDATA ends, the entries' own start
// lines, JSON's item lines, control characters, noncharacters and lone surrogates.
const TRICKY = ['plain', '&amp; <b>', ']]>', '\n<entry xml:lang="en">', '\n<item>\n', '\n  {\n   "id": "x"', '"quoted"', 'tab\there', 'bell\u0007', 'nonchar\uFFFE\uFFFF', 'lone \uD800 surrogate', 'Кириллица', 'فارسی'];

function views(count: number, random: () => number, stamp: string): ArticleView[] {
  const pick = () => TRICKY[Math.floor(random() * TRICKY.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const n = count - i; // newest first
    const v: ArticleView = {
      url: `articles/a${n}/index.html`,
      file: `a${n}.md`,
      title: `Title ${n} ${pick()}`,
      date: `2024-01-${String((n % 28) + 1).padStart(2, '0')}T00:00:00Z`,
      lang: n % 3 ? 'en' : 'ru',
      dir: 'ltr',
      summary: random() < 0.5 ? '' : `Summary ${pick()}`,
      tags: random() < 0.5 ? [] : [{ name: `tag ${pick()}`, url: 'tags/t/index.html' }],
      html: `<p>Body ${n} ${stamp} ${pick()}</p>`,
    };
    if (random() < 0.3) v.author = `Author ${pick()}`;
    if (random() < 0.3) v.updated = '2024-02-01T00:00:00Z';
    if (random() < 0.2) v.image = { path: `media/${n}.png`, alt: `alt ${pick()}`, width: 10, height: 20 };
    if (random() < 0.2) v.imageCaption = `caption ${pick()}`;
    if (random() < 0.2) v.source = `https://example.org/${n}?a=1&b=${pick()}`;
    if (random() < 0.1) v.guid = `guid-${n}`;
    return v;
  });
}

const site = siteSettingsSchema.parse({ name: 'news', title: 'News <&>', description: 'About ]]> us', feedSize: 5 });
const feedsOf = (vs: ArticleView[]) => {
  const model = buildModel(site, vs);
  return { model, feeds: model.feeds };
};

describe('feed splicing', () => {
  it('gives the bytes renderFeed gives, reusing the entries of unchanged articles, for every kind of feed', () => {
    const random = rng(7);
    for (let round = 0; round < 40; round++) {
      const before = views(12, random, 'old');
      // One new article on top; some articles changed (new text), the rest as they were.
      const changed = new Set<string>();
      const after = views(13, rng(1000 + round), 'x').slice(0, 1).map((v) => ({ ...v, url: 'articles/new/index.html', file: 'new.md', date: '2024-03-01T00:00:00Z' }));
      for (const v of before) {
        if (random() < 0.2) {
          changed.add(v.url);
          after.push({ ...v, html: `${v.html}<p>edited</p>`, title: `${v.title} (edited)` });
        } else after.push(v);
      }
      const old = feedsOf(before);
      const now = feedsOf(after);
      expect(now.feeds.map((f) => f.url)).toEqual(old.feeds.map((f) => f.url));
      for (let i = 0; i < now.feeds.length; i++) {
        const feed = now.feeds[i]!;
        const previous = Buffer.from(renderFeed(old.model, old.feeds[i]!));
        const plan = planFeedSplice(now.model, feed, previous, (v) => !changed.has(v.url) && v.file !== 'new.md')!;
        expect(plan, feed.url).toBeDefined();
        const spliced = spliceFeed(plan);
        expect(spliced.toString(), `${feed.url} round ${round}`).toBe(renderFeed(now.model, feed));
        // Every article that was in the old feed and did not change is copied, not made.
        const oldUrls = new Set(old.feeds[i]!.articles.map((v) => v.url));
        const reusable = feed.articles.filter((v) => oldUrls.has(v.url) && !changed.has(v.url) && v.file !== 'new.md');
        expect(plan.reused.size).toBe(reusable.length);
        expect(plan.fresh.length).toBe(feed.articles.length - reusable.length);
      }
    }
  });

  it('makes an entry again when the caller says its article changed, even if its id is the same', () => {
    const before = views(6, rng(3), 'old');
    const after = before.map((v, i) => (i === 2 ? { ...v, html: '<p>new text</p>' } : v));
    const old = feedsOf(before);
    const now = feedsOf(after);
    const feed = now.feeds.find((f) => f.kind === 'atom')!;
    const previous = Buffer.from(renderFeed(old.model, old.feeds.find((f) => f.url === feed.url)!));
    const trusted = spliceFeed(planFeedSplice(now.model, feed, previous, () => true)!);
    // Told (wrongly) that nothing changed, the old text stays: the caller's word decides.
    expect(trusted.toString()).toContain('old');
    expect(trusted.toString()).not.toBe(renderFeed(now.model, feed));
    const told = spliceFeed(planFeedSplice(now.model, feed, previous, (v) => v !== after[2])!);
    expect(told.toString()).toBe(renderFeed(now.model, feed));
  });

  it('takes nothing from bytes that are not a feed as renderFeed writes it', () => {
    const vs = views(9, rng(5), 'old');
    const { model, feeds } = feedsOf(vs);
    const tried = feeds.filter((f) => f.articles.length >= 2);
    expect(tried.length).toBeGreaterThanOrEqual(6);
    for (const feed of tried) {
      const good = Buffer.from(renderFeed(model, feed));
      const all = () => true;
      expect(planFeedSplice(model, feed, good, all)!.reused.size).toBe(feed.articles.length);
      // Cut short, a separator changed, the tail missing, an id repeated: no plan.
      expect(planFeedSplice(model, feed, good.subarray(0, good.length - 3), all)).toBeUndefined();
      const text = good.toString();
      const sep = feed.kind === 'json' ? '},\n  {' : feed.kind === 'atom' ? '</entry>\n<entry' : '</item>\n<item>';
      expect(text).toContain(sep);
      expect(planFeedSplice(model, feed, Buffer.from(text.replace(sep, sep.replace('\n', '\n\n'))), all)).toBeUndefined();
      const ids = [...text.matchAll(/urn:uuid:[0-9a-f-]+/g)].map((m) => m[0]);
      const entryIds = ids.filter((id) => id !== feed.id);
      expect(entryIds.length).toBe(feed.articles.length);
      expect(planFeedSplice(model, feed, Buffer.from(text.replaceAll(entryIds[1]!, entryIds[0]!)), all)).toBeUndefined();
      // A feed of another kind at that URL is not taken either.
      const other = feeds.find((f) => f.kind !== feed.kind && f.articles.length)!;
      expect(planFeedSplice(model, feed, Buffer.from(renderFeed(model, other)), all)?.reused.size ?? 0).toBe(0);
    }
  });

  it('renders an empty feed whole and plans no splice for it', () => {
    const { model } = feedsOf([]);
    const empty: FeedSpec = { ...buildModel(site, views(1, rng(9), 'x')).feeds[0]!, articles: [] };
    expect(planFeedSplice(model, empty, Buffer.from(renderFeed(model, empty)), () => true)).toBeUndefined();
    for (const kind of ['atom', 'rss', 'json'] as const) expect(renderFeed(model, { ...empty, kind }).length).toBeGreaterThan(50);
  });
});
