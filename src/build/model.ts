/**
 * The site model: every page, list and feed of the bundle as plain data, computed from the
 * validated articles and the site settings. Templates only turn it into bytes.
 */
import { sha1Hex } from '../digest.ts';
import type { SiteSettings } from '../config/site.ts';
import type { Article } from '../content/index.ts';
import { compareCodeUnits } from '../content/index.ts';
import { labelsFor, type Labels } from './templates/labels.ts';

export interface ImageView {
  /** Bundle path ("media/…"). */
  path: string;
  width?: number;
  height?: number;
  alt: string;
}

export interface ArticleView {
  url: string;
  /** The article's own guid, if it gives one: it names the article in feeds instead of its URL (articleId). */
  guid?: string;
  file: string;
  title: string;
  date: string;
  updated?: string;
  lang: string;
  dir: 'ltr' | 'rtl';
  author?: string;
  /** Plain text: the summary field, or the opening words of the text. */
  summary: string;
  tags: Array<{ name: string; url: string }>;
  /** Sanitized HTML of the body, with local URLs relative to the article page. */
  html: string;
  image?: ImageView;
  imageCaption?: string;
  source?: string;
}

export interface ListPage {
  kind: 'home' | 'tag' | 'lang' | 'month';
  url: string;
  /** What the list is of: "Articles tagged “Syria”". */
  heading: string;
  /** The list's language, for per-language lists. */
  lang?: string;
  /** Newest first. */
  items: ArticleView[];
  /**
   * Set on archive pages only (absent on a list's first page). Archive pages are numbered from
   * the OLDEST articles, so a page never changes when newer articles are added.
   */
  archive?: ArchiveRange;
  /** The next newer page (rel="prev"). */
  prevUrl?: string;
  /** The next older page (rel="next"). */
  nextUrl?: string;
  /** Per-language feeds for per-language lists; the site feeds otherwise. */
  feeds: FeedLinks;
}

export interface ArchiveRange {
  /** 1 for the oldest page of the list. */
  number: number;
  /** Date of the page's oldest article. */
  from: string;
  /** Date of the page's newest article. */
  to: string;
}

export interface IndexPage {
  url: string;
  heading: string;
  entries: Array<{ label: string; url: string; count: number; lang?: string }>;
}

export interface FeedLinks {
  atom: string;
  rss: string;
  json: string;
}

export interface FeedSpec {
  kind: 'atom' | 'rss' | 'json';
  url: string;
  id: string;
  title: string;
  lang: string;
  /** The HTML page this feed follows. */
  homeUrl: string;
  updated: string;
  articles: ArticleView[];
}

export interface SiteModel {
  site: SiteSettings;
  /** Newest first. */
  articles: ArticleView[];
  lists: ListPage[];
  indexes: IndexPage[];
  feeds: FeedSpec[];
  languages: string[];
  /** Newest date or updated of any article (1970 for an empty site): the publication's date. */
  publicationDate: string;
  siteFeeds: FeedLinks;
}

/** A deterministic name-based UUID (RFC 4122 version 5 layout, SHA-1). */
export function nameUuid(name: string): string {
  const x = sha1Hex(name);
  // Byte 6's high nibble is the version (5); byte 8's two high bits are the variant (10).
  const variant = '89ab'[parseInt(x[16]!, 16) & 3]!;
  return `urn:uuid:${x.slice(0, 8)}-${x.slice(8, 12)}-5${x.slice(13, 16)}-${variant}${x.slice(17, 20)}-${x.slice(20, 32)}`;
}

const tagLinks = new Map<string, { slug: string; link: Readonly<{ name: string; url: string }> }>();
/**
 * A tag's name and list URL, one shared object per tag (20,000 small objects cost a rebuild
 * time). The slug comes with the article (Article.tagSlugs) and follows from the name alone.
 */
function tagLink(name: string, slug: string): Readonly<{ name: string; url: string }> {
  let known = tagLinks.get(name);
  if (known?.slug !== slug) {
    known = { slug, link: Object.freeze({ name, url: `tags/${slug}/index.html` }) };
    if (tagLinks.size < 100_000) tagLinks.set(name, known);
  }
  return known.link;
}


export function langUrl(lang: string): string {
  return `lang/${lang.toLowerCase()}/index.html`;
}

export function feedLinks(base: string): FeedLinks {
  return { atom: `${base}atom.xml`, rss: `${base}rss.xml`, json: `${base}feed.json` };
}

/** Archive page j of a list: "index.html" → "page/j/index.html"; "tags/x/index.html" → "tags/x/page/j/index.html". */
export function archivePageUrl(first: string, j: number): string {
  // Thousands per build: a slice, not a regular expression.
  return first.endsWith('index.html') ? `${first.slice(0, -'index.html'.length)}page/${j}/index.html` : first;
}

/**
 * Stable pagination. With N items (newest first) and page size P, C = floor(N / P). When
 * C <= 1 the list is one page. Otherwise archive pages 1 .. C-1 hold P items each, counted
 * from the oldest (page j: oldest-first positions [(j-1)·P, j·P)), and the first page holds
 * the rest, P to 2P-1 of the newest. Adding a newer article thus changes the first page and,
 * when a new archive page appears, only the "Newer" link of the previous top archive page.
 */
export function paginate(base: ListBase, firstUrl: string, items: ArticleView[], pageSize: number): ListPage[] {
  const n = items.length;
  const archives = Math.floor(n / pageSize) - 1;
  if (archives <= 0) return [listPage(base, firstUrl, items)];
  // Items newest first: archive page j ends (exclusive, in newest-first index) at n - (j-1)·P.
  const firstCount = n - archives * pageSize;
  const first = listPage(base, firstUrl, items.slice(0, firstCount));
  first.nextUrl = archivePageUrl(firstUrl, archives);
  const out: ListPage[] = [first];
  for (let j = archives; j >= 1; j--) {
    const pageItems = items.slice(n - j * pageSize, n - (j - 1) * pageSize);
    const page = listPage(base, archivePageUrl(firstUrl, j), pageItems);
    page.archive = { number: j, from: pageItems[pageItems.length - 1]!.date, to: pageItems[0]!.date };
    page.prevUrl = j === archives ? firstUrl : archivePageUrl(firstUrl, j + 1);
    if (j > 1) page.nextUrl = archivePageUrl(firstUrl, j - 1);
    out.push(page);
  }
  return out;
}

/** What the pages of one list share. */
type ListBase = Omit<ListPage, 'items' | 'archive' | 'url' | 'prevUrl' | 'nextUrl'>;
/** The fields listPage copies: this stops compiling when ListBase gains one it does not. */
type CopiedByListPage<K extends 'kind' | 'heading' | 'lang' | 'feeds'> = K;
export type ListBaseFields = CopiedByListPage<keyof ListBase>;

/**
 * A page of a list, with the base's fields copied one by one (ListBaseFields): a build makes
 * some 2,500 of them before the optimizing compiler gets to this code, where spreading the base
 * in costs several times more.
 */
function listPage(base: ListBase, url: string, items: ArticleView[]): ListPage {
  const page: ListPage = { kind: base.kind, heading: base.heading, feeds: base.feeds, url, items };
  if (base.lang !== undefined) page.lang = base.lang;
  return page;
}

/** "13 August 2015" in the labels' language: the same on every machine, whatever its locale or time zone. */
export function formatDate(iso: string, t: Labels): string {
  const [y, m, d] = iso.slice(0, 10).split('-');
  return t.date(y!, Number(m), Number(d));
}

/** "Август 2015" as an entry of its own; "август 2015" inside a sentence. */
function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function monthLabel(yyyyMm: string, t: Labels): string {
  const [y, m] = yyyyMm.split('-');
  return t.month(y!, Number(m));
}

/**
 * The stable id of an article in feeds, naming no host: a urn:uuid of the site's name and the
 * article's guid or URL. Made only for the articles feeds carry, not for each view.
 */
export function articleId(site: SiteSettings, view: ArticleView): string {
  return nameUuid(`samizdat:${site.name}:${view.guid ?? view.url}`);
}

/** The view of one article: everything its page and feeds need. */
export function articleView(
  article: Article,
  rendered: { html: string; summary: string; image?: ImageView | undefined },
): ArticleView {
  // Optional fields are added after the literal, not spread into it: a build makes 10,000 views,
  // and conditional spreads cost several times what the rest of a view does.
  const view: ArticleView = {
    url: article.url,
    file: article.file,
    title: article.title,
    date: article.date,
    lang: article.lang,
    dir: article.dir,
    summary: article.summary ?? rendered.summary,
    tags: article.tags.map((name, i) => tagLink(name, article.tagSlugs[i]!)),
    html: rendered.html,
  };
  if (article.guid) view.guid = article.guid;
  if (article.updated) view.updated = article.updated;
  if (article.author) view.author = article.author;
  if (rendered.image) view.image = rendered.image;
  if (article.imageCaption) view.imageCaption = article.imageCaption;
  if (article.source) view.source = article.source;
  return view;
}

/** Builds every list, index and feed. `articles` must be newest first. */
export function buildModel(site: SiteSettings, articles: ArticleView[]): SiteModel {
  const t = labelsFor(site.lang);
  const siteFeeds = feedLinks('');
  const lists: ListPage[] = [];
  const indexes: IndexPage[] = [];
  const feeds: FeedSpec[] = [];

  lists.push(...paginate({ kind: 'home', heading: t.latestArticles, feeds: siteFeeds }, 'index.html', articles, site.pageSize));

  // Tags: one list per tag slug (tags differing only in case or accents share one).
  const byTag = new Map<string, { name: string; items: ArticleView[] }>();
  // Indexed loops over the articles: each runs 10,000 rounds once per build, mostly before the
  // optimizing compiler gets to it, where an iterator costs several times more.
  for (let k = 0; k < articles.length; k++) {
    const a = articles[k]!;
    const tags = a.tags;
    for (let i = 0; i < tags.length; i++) {
      const t = tags[i]!;
      // Two of an article's tags may share a slug: the article is listed there once. (A look
      // back over its few tags, not a Set for each of 10,000 articles.)
      let listed = false;
      for (let j = 0; j < i && !listed; j++) listed = tags[j]!.url === t.url;
      if (listed) continue;
      const entry = byTag.get(t.url);
      if (entry) entry.items.push(a);
      else byTag.set(t.url, { name: t.name, items: [a] });
    }
  }
  const tagUrls = [...byTag.keys()].sort(compareCodeUnits);
  for (const url of tagUrls) {
    const { name, items } = byTag.get(url)!;
    lists.push(...paginate({ kind: 'tag', heading: t.taggedHeading(name), feeds: siteFeeds }, url, items, site.pageSize));
  }
  indexes.push({ url: 'tags/index.html', heading: t.tags, entries: tagUrls.map((url) => ({ label: byTag.get(url)!.name, url, count: byTag.get(url)!.items.length })) });

  // Languages, each with its own feeds.
  const byLang = new Map<string, ArticleView[]>();
  for (let k = 0; k < articles.length; k++) {
    const a = articles[k]!;
    const key = a.lang.toLowerCase();
    const items = byLang.get(key);
    if (items) items.push(a);
    else byLang.set(key, [a]);
  }
  const languages = [...byLang.keys()].sort(compareCodeUnits);
  for (const lang of languages) {
    const items = byLang.get(lang)!;
    const url = langUrl(lang);
    const links = feedLinks(url.replace(/index\.html$/, ''));
    lists.push(...paginate({ kind: 'lang', heading: t.languageHeading(lang), lang: items[0]!.lang, feeds: links }, url, items, site.pageSize));
    feeds.push(...feedSpecs(site, links, `${site.title} (${lang})`, items[0]!.lang, url, items));
  }

  // Months, newest first.
  const byMonth = new Map<string, ArticleView[]>();
  for (let k = 0; k < articles.length; k++) {
    const a = articles[k]!;
    const key = a.date.slice(0, 7);
    const items = byMonth.get(key);
    if (items) items.push(a);
    else byMonth.set(key, [a]);
  }
  const months = [...byMonth.keys()].sort(compareCodeUnits).reverse();
  for (const month of months) {
    const [y, m] = month.split('-');
    lists.push(...paginate({ kind: 'month', heading: t.monthHeading(monthLabel(month, t)), feeds: siteFeeds }, `archive/${y}/${m}/index.html`, byMonth.get(month)!, site.pageSize));
  }
  indexes.push({
    url: 'archive/index.html',
    heading: t.archive,
    entries: [
      ...months.map((month) => ({ label: capitalized(monthLabel(month, t)), url: `archive/${month.replace('-', '/')}/index.html`, count: byMonth.get(month)!.length })),
    ],
  });
  indexes.push({ url: 'lang/index.html', heading: t.languages, entries: languages.map((lang) => ({ label: lang, url: langUrl(lang), count: byLang.get(lang)!.length, lang: byLang.get(lang)![0]!.lang })) });

  feeds.unshift(...feedSpecs(site, siteFeeds, site.title, site.lang, 'index.html', articles));

  let publicationDate = '1970-01-01T00:00:00Z';
  for (let k = 0; k < articles.length; k++) {
    const { date, updated } = articles[k]!;
    if (date > publicationDate) publicationDate = date;
    if (updated && updated > publicationDate) publicationDate = updated;
  }
  return { site, articles, lists, indexes, feeds, languages, publicationDate, siteFeeds };
}

function feedSpecs(site: SiteSettings, links: FeedLinks, title: string, lang: string, homeUrl: string, items: ArticleView[]): FeedSpec[] {
  // The latest feedSize by publication date; "updated" is the newest date among them.
  const latest = items.slice(0, site.feedSize);
  let updated = '1970-01-01T00:00:00Z';
  for (const a of latest) for (const d of [a.date, a.updated]) if (d && d > updated) updated = d;
  return (['atom', 'rss', 'json'] as const).map((kind) => ({
    kind,
    url: links[kind],
    id: nameUuid(`samizdat:${site.name}:feed:${links[kind]}`),
    title,
    lang,
    homeUrl,
    updated,
    articles: latest,
  }));
}
