import { describe, expect, it } from 'vitest';
import { loadSiteSettings } from '../../src/config/site.ts';
import { feedLinks, type ArticleView, type FeedSpec } from '../../src/build/model.ts';
import { PageKeys } from '../../src/build/page-keys.ts';

const view = (url: string): ArticleView => ({ url, file: 'a.md', title: 't', date: '2020-01-01T00:00:00Z', lang: 'en', dir: 'ltr', summary: '', tags: [], html: '' });

describe('PageKeys', () => {
  it('salts by the code that parses articles: another version, or none known, never gives the same salt', async () => {
    const { settings } = await loadSiteSettings(import.meta.dirname);
    const feeds = feedLinks('');
    const v1 = await PageKeys.open(settings, feeds, 'v1');
    expect((await PageKeys.open(settings, feeds, 'v1')).salt).toBe(v1.salt);
    expect((await PageKeys.open(settings, feeds, 'v2')).salt).not.toBe(v1.salt);
    const unknown = await PageKeys.open(settings, feeds, undefined);
    expect((await PageKeys.open(settings, feeds, undefined)).salt).not.toBe(unknown.salt);
    expect((await PageKeys.open({ ...settings, title: 'Other' }, feeds, 'v1')).salt).not.toBe(v1.salt);
  });

  it('names an article by its render key and the files its rendering looked at', async () => {
    const { settings } = await loadSiteSettings(import.meta.dirname);
    const keys = await PageKeys.open(settings, feedLinks(''), 'v1');
    const [a, b, c] = [view('a/index.html'), view('b/index.html'), view('c/index.html')];
    keys.describe(a, 'k'.repeat(64), []);
    keys.describe(b, 'k'.repeat(64), [{ source: '/m/x.png', stamp: 'f:1:2' }]);
    keys.describe(c, 'k'.repeat(64), [{ source: '/m/x.png', stamp: 'f:1:3' }]);
    expect(new Set([keys.article(a), keys.article(b), keys.article(c)]).size).toBe(3);
    expect(() => keys.article(view('never/index.html'))).toThrow(/no page key/);
  });

  it('names a feed by its settings and what each of its articles is made from, in order', async () => {
    const { settings } = await loadSiteSettings(import.meta.dirname);
    const keys = await PageKeys.open(settings, feedLinks(''), 'v1');
    const [a, b] = [view('a/index.html'), view('b/index.html')];
    keys.describe(a, 'a'.repeat(64), []);
    keys.describe(b, 'b'.repeat(64), []);
    const feed: FeedSpec = { kind: 'atom', url: 'atom.xml', id: 'urn:x', title: 'T', lang: 'en', homeUrl: 'index.html', updated: '2020-01-01T00:00:00Z', articles: [a, b] };
    const key = keys.feed(feed);
    expect(keys.feed({ ...feed })).toBe(key);
    expect(keys.feed({ ...feed, articles: [b, a] })).not.toBe(key);
    expect(keys.feed({ ...feed, updated: '2020-01-02T00:00:00Z' })).not.toBe(key);
    expect(keys.feed({ ...feed, kind: 'rss' })).not.toBe(key);
    keys.describe(b, 'c'.repeat(64), []); // b's text changed
    expect(keys.feed(feed)).not.toBe(key);
  });

  it('names a page of its own by its inputs', () => {
    expect(PageKeys.page([{ mirrors: [] }, ['en']])).toBe(PageKeys.page([{ mirrors: [] }, ['en']]));
    expect(PageKeys.page([{ mirrors: [] }, ['en']])).not.toBe(PageKeys.page([{ mirrors: [] }, ['en', 'ru']]));
    expect(PageKeys.page(null)).not.toBe(PageKeys.page(undefined));
  });
});
