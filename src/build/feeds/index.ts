/**
 * Atom, RSS 2.0 and JSON Feed with full sanitized text. Links are relative to the feed's own
 * URL (and entry content carries xml:base = the article page), so a feed fetched from any
 * mirror leads its reader to that same mirror. Ids are urn:uuid and name no host.
 * Atom/JSON dates go through @11ty/eleventy-plugin-rss's dateToRfc3339; all dates are UTC.
 */
// The plugin's own module for it: its index also loads the plugin's HTML rewriting (posthtml),
// about 0.1 s of every build's start-up.
import dateToRfc3339 from '@11ty/eleventy-plugin-rss/src/dateRfc3339.js';
import { esc, stripInvalidXmlChars } from '../templates/escape.ts';
import { articleId, type ArticleView, type FeedSpec, type SiteModel } from '../model.ts';
import { VERSION } from '../../version.ts';

/** A bundle path as seen from the feed at `feedUrl`. */
function fromFeed(feedUrl: string, target: string): string {
  return '../'.repeat(feedUrl.split('/').length - 1) + target;
}

function rfc3339(iso: string): string {
  return dateToRfc3339(new Date(iso));
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * RFC 822 date for RSS, in UTC ("Thu, 13 Aug 2015 00:00:00 +0000"). Written out here: the
 * plugin's dateToRfc822 builds an Intl.DateTimeFormat per call, the slowest part of feeds.
 */
export function rfc822(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** The article's HTML with its figure, as a feed entry's content. */
function entryHtml(feedUrl: string, a: ArticleView): string {
  const fig = a.image
    ? `<figure><img src="${esc(fromFeed(a.url, a.image.path))}" alt="${esc(a.image.alt)}"${a.image.width ? ` width="${a.image.width}" height="${a.image.height}"` : ''}>${a.imageCaption ? `<figcaption>${esc(a.imageCaption)}</figcaption>` : ''}</figure>`
    : a.imageCaption
      ? `<p><em>${esc(a.imageCaption)}</em></p>`
      : '';
  void feedUrl;
  const source = a.source ? `<p>Originally published at <a href="${esc(a.source)}" rel="noopener noreferrer">${esc(a.source)}</a></p>` : '';
  return fig + a.html + source;
}

/**
 * A feed as its parts: the text before the entries, one entry per article, what goes between
 * two entries, and the text after them. renderFeed joins them; a rebuild splices entries of the
 * feed it wrote last time between freshly made ends (./splice.ts). An entry depends only on the
 * feed's URL, the site and its article, and holds no separator: the entries of Atom and RSS
 * start with a tag that escaped text never holds, JSON Feed's with a line no JSON string holds.
 */
export interface FeedParts {
  head: string;
  entry: (a: ArticleView) => string;
  separator: string;
  tail: string;
}

export function feedParts(model: SiteModel, feed: FeedSpec): FeedParts {
  if (feed.kind === 'atom') return atomParts(model, feed);
  if (feed.kind === 'rss') return rssParts(model, feed);
  return jsonFeedParts(model, feed);
}

export function renderFeed(model: SiteModel, feed: FeedSpec): string {
  const { head, entry, separator, tail } = feedParts(model, feed);
  return head + feed.articles.map(entry).join(separator) + tail;
}

function atomParts(model: SiteModel, feed: FeedSpec): FeedParts {
  const entry = (a: ArticleView) => {
    const link = fromFeed(feed.url, a.url);
    return `<entry xml:lang="${esc(a.lang)}">
<title type="text">${esc(a.title)}</title>
<link rel="alternate" type="text/html" href="${esc(link)}"/>
<id>${articleId(model.site, a)}</id>
<published>${rfc3339(a.date)}</published>
<updated>${rfc3339(a.updated ?? a.date)}</updated>
${a.author ? `<author><name>${esc(a.author)}</name></author>\n` : ''}${a.tags.map((t) => `<category term="${esc(t.name)}"/>`).join('')}${a.tags.length ? '\n' : ''}${a.summary ? `<summary type="text">${esc(a.summary)}</summary>\n` : ''}<content type="html" xml:base="${esc(link)}">${esc(entryHtml(feed.url, a))}</content>
</entry>`;
  };
  const head = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${esc(feed.lang)}">
<title type="text">${esc(feed.title)}</title>
${model.site.description ? `<subtitle type="text">${esc(model.site.description)}</subtitle>\n` : ''}<id>${feed.id}</id>
<updated>${rfc3339(feed.updated)}</updated>
<link rel="self" type="application/atom+xml" href="${esc(fromFeed(feed.url, feed.url))}"/>
<link rel="alternate" type="text/html" href="${esc(fromFeed(feed.url, feed.homeUrl))}"/>
<generator version="${esc(VERSION)}">samizdat</generator>
`;
  return { head, entry, separator: '\n', tail: `${feed.articles.length ? '\n' : ''}</feed>\n` };
}

function rssParts(model: SiteModel, feed: FeedSpec): FeedParts {
  const entry = (a: ArticleView) => {
    const link = fromFeed(feed.url, a.url);
    return `<item>
<title>${esc(a.title)}</title>
<link>${esc(link)}</link>
<guid isPermaLink="false">${articleId(model.site, a)}</guid>
<pubDate>${rfc822(a.date)}</pubDate>
${a.author ? `<dc:creator>${esc(a.author)}</dc:creator>\n` : ''}${a.tags.map((t) => `<category>${esc(t.name)}</category>`).join('')}${a.tags.length ? '\n' : ''}<description xml:base="${esc(link)}">${esc(entryHtml(feed.url, a))}</description>
</item>`;
  };
  const head = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>${esc(feed.title)}</title>
<link>${esc(fromFeed(feed.url, feed.homeUrl))}</link>
<description>${esc(model.site.description || feed.title)}</description>
<language>${esc(feed.lang)}</language>
<lastBuildDate>${rfc822(feed.updated)}</lastBuildDate>
<generator>samizdat ${esc(VERSION)}</generator>
<atom:link rel="self" type="application/rss+xml" href="${esc(fromFeed(feed.url, feed.url))}"/>
`;
  return { head, entry, separator: '\n', tail: `${feed.articles.length ? '\n' : ''}</channel>\n</rss>\n` };
}

/**
 * JSON Feed 1.1. URLs are relative to the feed (the format has no base URL). The text is what
 * JSON.stringify(doc, null, 1) writes, items last: each item indented by two spaces, one item per
 * "\n  {" line (JSON strings hold no line breaks). Control characters come out escaped, so only
 * U+FFFE and U+FFFF are left for stripInvalidXmlChars, which can strip each part on its own.
 */
function jsonFeedParts(model: SiteModel, feed: FeedSpec): FeedParts {
  const doc = {
    version: 'https://jsonfeed.org/version/1.1',
    title: feed.title,
    home_page_url: fromFeed(feed.url, feed.homeUrl),
    feed_url: fromFeed(feed.url, feed.url),
    ...(model.site.description ? { description: model.site.description } : {}),
    language: feed.lang,
  };
  const entry = (a: ArticleView) => {
    const item = {
      id: articleId(model.site, a),
      url: fromFeed(feed.url, a.url),
      title: a.title,
      content_html: entryHtml(feed.url, a),
      ...(a.summary ? { summary: a.summary } : {}),
      date_published: rfc3339(a.date),
      ...(a.updated ? { date_modified: rfc3339(a.updated) } : {}),
      ...(a.author ? { authors: [{ name: a.author }] } : {}),
      ...(a.tags.length ? { tags: a.tags.map((t) => t.name) } : {}),
      language: a.lang,
    };
    return `  ${stripInvalidXmlChars(JSON.stringify(item, null, 1)).replaceAll('\n', '\n  ')}`;
  };
  // The document without its items ends in "\n}": the items array goes before that.
  const rest = stripInvalidXmlChars(JSON.stringify(doc, null, 1)).slice(0, -2);
  if (!feed.articles.length) return { head: `${rest},\n "items": []\n}\n`, entry, separator: ',\n', tail: '' };
  return { head: `${rest},\n "items": [\n`, entry, separator: ',\n', tail: '\n ]\n}\n' };
}
