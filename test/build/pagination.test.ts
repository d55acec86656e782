/**
 * Stable pagination: archive pages are counted from the oldest article, so adding a newer
 * article changes a list's first page (and at most the "Newer" link of one archive page),
 * never the rest. That keeps rebuilds, audits and mirror pushes small.
 */
import { describe, expect, it } from 'vitest';
import { siteSettingsSchema } from '../../src/config/site.ts';
import { archivePageUrl, buildModel, paginate, type ArticleView, type ListPage } from '../../src/build/model.ts';
import { listPage } from '../../src/build/templates/pages.ts';

const P = 20;

/** Article i is published on day i (2015-01-01 + i), so a higher i is newer. */
function view(i: number, opts: { lang?: string; tags?: string[] } = {}): ArticleView {
  const date = new Date(Date.UTC(2015, 0, 1) + i * 86_400_000).toISOString().replace('.000Z', 'Z');
  const lang = opts.lang ?? 'en';
  const tags = (opts.tags ?? []).map((name) => ({ name, url: `tags/${name.toLowerCase()}/index.html` }));
  return {
    url: `articles/a${i}/index.html`,
    file: `a${i}.md`,
    title: `Article ${i}`,
    date,
    lang,
    dir: lang === 'ar' ? 'rtl' : 'ltr',
    summary: `Summary ${i}`,
    tags,
    html: `<p>Text ${i}</p>`,
  };
}

/** n articles, newest first. */
function newestFirst(n: number): ArticleView[] {
  return Array.from({ length: n }, (_, k) => view(n - 1 - k));
}

const base = { kind: 'tag' as const, heading: 'Articles tagged “x”', feeds: { atom: 'atom.xml', rss: 'rss.xml', json: 'feed.json' } };
const FIRST = 'tags/x/index.html';

/** Walks from the first page through the "Older →" links; checks each "← Newer" link points back. */
function walk(pages: ListPage[]): ListPage[] {
  const byUrl = new Map(pages.map((p) => [p.url, p]));
  expect(byUrl.size).toBe(pages.length);
  const seen: ListPage[] = [];
  let current: ListPage | undefined = byUrl.get(FIRST);
  let previous: ListPage | undefined;
  while (current) {
    expect(current.prevUrl).toBe(previous?.url);
    seen.push(current);
    previous = current;
    current = current.nextUrl ? byUrl.get(current.nextUrl) : undefined;
    if (previous.nextUrl) expect(current, `${previous.url} → ${previous.nextUrl}`).toBeDefined();
  }
  return seen;
}

describe('paginate', () => {
  const cases: Array<[number, number[]]> = [
    // N, items on each page walking from the first page to the oldest
    [0, [0]],
    [1, [1]],
    [P - 1, [P - 1]],
    [P, [P]],
    [P + 1, [P + 1]],
    [2 * P - 1, [2 * P - 1]],
    [2 * P, [P, P]],
    [2 * P + 1, [P + 1, P]],
    [5 * P + 3, [P + 3, P, P, P, P]],
  ];
  for (const [n, sizes] of cases) {
    it(`N = ${n}, P = ${P}: pages of ${sizes.join(', ')}`, () => {
      const items = newestFirst(n);
      const pages = paginate(base, FIRST, items, P);
      expect(pages).toHaveLength(sizes.length);
      const walked = walk(pages);
      expect(walked).toHaveLength(pages.length);
      expect(walked.map((p) => p.items.length)).toEqual(sizes);
      // Every article exactly once, newest first.
      expect(walked.flatMap((p) => p.items)).toEqual(items);

      const archives = sizes.length - 1;
      const first = walked[0]!;
      expect(first.url).toBe(FIRST);
      expect(first.archive).toBeUndefined();
      expect(first.prevUrl).toBeUndefined();
      expect(first.nextUrl).toBe(archives > 0 ? archivePageUrl(FIRST, archives) : undefined);
      if (archives > 0) expect(first.items.length).toBeGreaterThanOrEqual(P);
      expect(first.items.length).toBeLessThanOrEqual(Math.max(2 * P - 1, 0));
      // Archive page j holds the oldest-first positions [(j-1)·P, j·P), newest first.
      for (let j = 1; j <= archives; j++) {
        const pageJ = walked[archives + 1 - j]!;
        expect(pageJ.url).toBe(`tags/x/page/${j}/index.html`);
        expect(pageJ.archive).toEqual({ number: j, from: view((j - 1) * P).date, to: view(j * P - 1).date });
        expect(pageJ.items.map((a) => a.title)).toEqual(Array.from({ length: P }, (_, k) => `Article ${j * P - 1 - k}`));
        expect(pageJ.prevUrl).toBe(j === archives ? FIRST : `tags/x/page/${j + 1}/index.html`);
        expect(pageJ.nextUrl).toBe(j > 1 ? `tags/x/page/${j - 1}/index.html` : undefined);
      }
    });
  }

  it('keeps every archive page when a newer article is added', () => {
    for (let n = 0; n <= 6 * P; n++) {
      const before = paginate(base, FIRST, newestFirst(n), P);
      const after = paginate(base, FIRST, newestFirst(n + 1), P);
      const old = new Map(before.map((p) => [p.url, p]));
      const changed = after.filter((p) => JSON.stringify(p) !== JSON.stringify(old.get(p.url))).map((p) => p.url);
      // The first page, plus the former top archive page's "Newer" link and the new page when one appears.
      const archivesBefore = before.length - 1;
      const expected = after.length > before.length ? [FIRST, archivePageUrl(FIRST, archivesBefore + 1), ...(archivesBefore > 0 ? [archivePageUrl(FIRST, archivesBefore)] : [])] : [FIRST];
      expect(changed.sort(), `N = ${n}`).toEqual(expected.sort());
      // Archive items never move.
      for (const p of before) if (p.archive) expect(after.find((q) => q.url === p.url)!.items).toEqual(p.items);
    }
  });
});

const site = siteSettingsSchema.parse({ title: 'Big archive', description: 'An archive.', pageSize: P });
// Every article is in tag "Alpha" (even) or "Beta" (odd), some also in "Gamma", in English or Arabic.
const article = (i: number) => view(i, { lang: i % 3 === 0 ? 'ar' : 'en', tags: [i % 2 === 0 ? 'Alpha' : 'Beta', ...(i % 5 === 0 ? ['Gamma'] : [])] });
function build(n: number) {
  const views = Array.from({ length: n }, (_, k) => article(n - 1 - k));
  const model = buildModel(site, views);
  return { model, html: new Map(model.lists.map((l) => [l.url, listPage(model, l)])) };
}
const listOf = (url: string) => url.replace(/page\/\d+\/index\.html$/, 'index.html');

describe.each([
  // 1000 → 1001: no list gains an archive page. 1019 → 1020: the home list gains page 50
  // (floor(1020 / 20) - 1) and the English list (679 → 680 articles) its page 33.
  { n: 1000, newPages: [] as string[] },
  { n: 1019, newPages: ['page/50/index.html', 'lang/en/page/33/index.html'] },
])('one new article in an archive of $n', ({ n, newPages }) => {
  const before = build(n);
  const after = build(n + 1);
  const fresh = article(n);
  const affected = ['index.html', ...fresh.tags.map((t) => t.url), `lang/${fresh.lang}/index.html`, `archive/${fresh.date.slice(0, 4)}/${fresh.date.slice(5, 7)}/index.html`];

  it('changes only the first page of each list it is in, and at most one archive page there', () => {
    expect(after.model.lists.length).toBeGreaterThan(100);
    const changed = [...after.html].filter(([url, html]) => before.html.get(url) !== html).map(([url]) => url);
    const appeared = changed.filter((u) => !before.html.has(u));
    expect(appeared).toEqual(newPages);
    for (const first of affected) {
      expect(changed, first).toContain(first);
      const rewritten = changed.filter((u) => u !== first && listOf(u) === first && before.html.has(u));
      const added = appeared.filter((u) => listOf(u) === first);
      // An existing archive page changes only when a new one appears: the former top page's "Newer" link.
      expect(rewritten.length, `${first}: ${rewritten.join(', ')}`).toBeLessThanOrEqual(added.length);
      if (added.length) expect(rewritten).toEqual([archivePageUrl(first, Number(/page\/(\d+)\//.exec(added[0]!)![1]) - 1)]);
    }
    expect(changed.filter((u) => !affected.includes(listOf(u)))).toEqual([]);
    // How much there is to re-render, re-audit and push: a handful of pages out of hundreds.
    expect(changed.length).toBeLessThanOrEqual(affected.length + 2 * newPages.length);
  });

  it('leaves lists the new article is not in byte-identical', () => {
    const others = ['tags/alpha/index.html', 'tags/beta/index.html', 'tags/gamma/index.html', 'lang/ar/index.html', 'lang/en/index.html'].filter((u) => !affected.includes(u));
    expect(others.length).toBeGreaterThanOrEqual(2);
    for (const first of others) {
      const pages = [...before.html.keys()].filter((u) => listOf(u) === first);
      expect(pages.length, first).toBeGreaterThan(5);
      for (const u of pages) expect(after.html.get(u), u).toBe(before.html.get(u));
    }
  });
});

describe('list pages of a large archive', () => {
  const after = build(1001);

  it('puts every article on exactly one page of each list it is in, newest first along "Older →"', () => {
    const byUrl = new Map(after.model.lists.map((l) => [l.url, l]));
    const firsts = after.model.lists.filter((l) => !l.archive);
    expect(firsts.map((l) => l.url)).toEqual(expect.arrayContaining(['index.html', 'tags/alpha/index.html', 'lang/ar/index.html']));
    let visited = 0;
    for (const first of firsts) {
      const walked: ArticleView[] = [];
      for (let l: ListPage | undefined = first; l; l = l.nextUrl ? byUrl.get(l.nextUrl) : undefined) {
        walked.push(...l.items);
        visited++;
      }
      const expected = after.model.articles.filter((a) =>
        first.kind === 'home' ? true
        : first.kind === 'tag' ? a.tags.some((t) => t.url === first.url)
        : first.kind === 'lang' ? `lang/${a.lang}/index.html` === first.url
        : `archive/${a.date.slice(0, 4)}/${a.date.slice(5, 7)}/index.html` === first.url);
      expect(walked, first.url).toEqual(expected);
    }
    // Every page is reached from its list's first page.
    expect(visited).toBe(after.model.lists.length);
    expect(after.model.lists.filter((l) => l.url.startsWith('page/'))).toHaveLength(49);
  });

  it('labels archive pages by their dates, never by the number of pages', () => {
    const html = after.html.get('tags/alpha/page/3/index.html')!;
    // Alpha holds the even articles; page 3 holds the oldest-first positions 40..59: articles 80..118.
    expect(html).toContain('<h1>Articles tagged “Alpha”</h1>\n<p class="meta"><time datetime="2015-03-22T00:00:00Z" dir="ltr">22 March 2015</time> – <time datetime="2015-04-29T00:00:00Z" dir="ltr">29 April 2015</time></p>');
    expect(html).toContain('<title>Articles tagged “Alpha”, 22 March 2015 – 29 April 2015 · Big archive</title>');
    expect(html).not.toMatch(/ of \d+|page \d+/i);
    expect(html).toContain('<a href="../../../../tags/alpha/page/4/index.html" rel="prev">← Newer</a><a href="../../../../tags/alpha/page/2/index.html" rel="next">Older →</a>');
    const home = after.html.get('index.html')!;
    expect(home).toContain('<h1>Big archive</h1>\n<p>An archive.</p>');
    expect(home).toContain('<a href="page/49/index.html" rel="next">Older →</a>');
    const top = after.html.get('page/49/index.html')!;
    expect(top).toContain('<h1>Latest articles</h1>');
    expect(top).not.toContain('An archive.');
    expect(top).toContain('<a href="../../index.html" rel="prev">← Newer</a><a href="../../page/48/index.html" rel="next">Older →</a>');
    // Right-to-left items keep their dates left to right; an Arabic list page is labelled the same way.
    expect(after.html.get('lang/ar/page/1/index.html')).toContain('<p class="meta"><time datetime="2015-01-01T00:00:00Z" dir="ltr">1 January 2015</time> – <time datetime="2015-02-27T00:00:00Z" dir="ltr">27 February 2015</time></p>');
    expect(after.html.get('page/1/index.html')).toContain('<nav class="pager" aria-label="Pages"><a href="../../page/2/index.html" rel="prev">← Newer</a><span></span></nav>');
  });
});

describe('tags that share a slug', () => {
  it('list an article with two spellings of one tag once, and count it once', () => {
    const views = [view(3, { tags: ['Syria', 'syria'] }), view(2, { tags: ['syria'] }), view(1, { tags: ['SYRIA', 'Other'] })];
    const model = buildModel(site, views);
    const syria = model.lists.filter((l) => l.url === 'tags/syria/index.html');
    expect(syria).toHaveLength(1);
    expect(syria[0]!.items.map((v) => v.file)).toEqual(['a3.md', 'a2.md', 'a1.md']);
    // Named by the first spelling met, newest article first.
    expect(syria[0]!.heading).toContain('Syria');
    const index = model.indexes.find((i) => i.url === 'tags/index.html')!;
    expect(index.entries).toEqual([
      { label: 'Other', url: 'tags/other/index.html', count: 1 },
      { label: 'Syria', url: 'tags/syria/index.html', count: 3 },
    ]);
  });
});
