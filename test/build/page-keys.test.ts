import { describe, expect, it } from 'vitest';
import { loadSiteSettings } from '../../src/config/site.ts';
import { feedLinks, type ArticleView } from '../../src/build/model.ts';
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
});
