/**
 * Feeds: RSS 2.0 (and RSS 1.0/RDF), Atom and JSON Feed.
 *
 * XML feeds are first read by saxes, a strict XML parser: a feed that is not well-formed is an
 * error with its line and column (@rowanmanning/feed-parser would accept it silently). The same
 * pass records each item's xml:base and Atom content type, which feed-parser does not give.
 * Then feed-parser reads the fields, and relative links are resolved here.
 */
import { parseFeed as parseXmlFeed } from '@rowanmanning/feed-parser';
import { SaxesParser } from 'saxes';
import * as z from 'zod';
import { InputError } from '../../errors.ts';
import { normaliseDate } from '../html/metadata.ts';
import { normaliseLang } from '../lang.ts';

export interface FeedEntry {
  /** Position in the feed, 1-based, for messages. */
  index: number;
  guid?: string;
  /** Absolute link to the item's page. */
  url?: string;
  title?: string;
  date?: string;
  updated?: string;
  author?: string;
  tags: string[];
  /** Full content: HTML (or plain text when `contentIsText`). */
  content?: string;
  contentIsText?: boolean;
  /** Summary or description, HTML. */
  summary?: string;
  image?: string;
  lang?: string;
  /** Base for the item's relative links. */
  base?: string;
}

export interface ParsedFeed {
  format: 'rss' | 'atom' | 'json';
  title?: string;
  lang?: string;
  entries: FeedEntry[];
}

function abs(u: string | null | undefined, base: string | undefined): string | undefined {
  if (!u) return undefined;
  try {
    return new URL(u.trim(), base).href;
  } catch {
    return undefined;
  }
}

interface XmlItemInfo {
  base?: string;
  contentType?: string;
}

/** Checks well-formedness; returns the root name and per-item bases and content types, in document order. */
export function scanXml(text: string, feedUrl: string | undefined, where: string): { root: string; items: XmlItemInfo[] } {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const bases: Array<string | undefined> = [];
  const names: string[] = [];
  const items: XmlItemInfo[] = [];
  let root = '';
  let current: XmlItemInfo | undefined;
  let depthOfItem = -1;
  parser.on('opentag', (node) => {
    const parentBase = bases.length ? bases[bases.length - 1] : feedUrl;
    const xmlBase = node.attributes['xml:base'] as string | undefined;
    const base = xmlBase ? abs(xmlBase, parentBase) ?? parentBase : parentBase;
    bases.push(base);
    const name = node.name.toLowerCase();
    if (!root) root = name;
    names.push(name);
    const local = name.replace(/^.*:/, '');
    if ((local === 'item' || local === 'entry') && depthOfItem < 0) {
      current = { ...(base ? { base } : {}) };
      depthOfItem = names.length;
      items.push(current);
    } else if (current && local === 'content' && names.length === depthOfItem + 1) {
      const type = node.attributes.type as string | undefined;
      if (type) current.contentType = type;
    }
  });
  parser.on('closetag', () => {
    if (names.length === depthOfItem) {
      depthOfItem = -1;
      current = undefined;
    }
    names.pop();
    bases.pop();
  });
  parser.on('error', (err) => {
    throw err;
  });
  try {
    parser.write(text).close();
  } catch (err) {
    // saxes reads a bare "&" as the start of an entity and only complains at the end of the
    // file: find the ampersand itself, so the message points at the right line.
    const amp = bareAmpersand(text);
    const m = amp ? [ '', String(amp.line), String(amp.column), 'an "&" that starts no entity (write &amp;)'] : /^(\d+):(\d+): (.*)$/s.exec((err as Error).message);
    throw new InputError('INGEST_MALFORMED_XML', `${where} is not well-formed XML: ${m ? `${m[3]} (line ${m[1]}, column ${m[2]})` : (err as Error).message}`, {
      ...(m ? { line: Number(m[1]) } : {}),
      hint: 'A feed must be well-formed XML: check for an unescaped "&" or "<", an unclosed element, or an HTML entity such as &nbsp; that XML does not know.',
      cause: err,
    });
  }
  return { root, items };
}

/** The first "&" outside CDATA sections and comments that does not start an entity or character reference. */
export function bareAmpersand(text: string): { line: number; column: number } | undefined {
  const blanked = text.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g, (m) => m.replace(/[^\n]/g, ' '));
  const found = /&(?!(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z_:][\w.:-]*);)/.exec(blanked);
  if (!found) return undefined;
  const before = text.slice(0, found.index);
  const line = before.split('\n').length;
  return { line, column: found.index - before.lastIndexOf('\n') };
}

export function parseXmlFeedText(text: string, feedUrl: string | undefined, where: string): ParsedFeed {
  const scan = scanXml(text, feedUrl, where);
  const root = scan.root.replace(/^.*:/, '');
  if (root !== 'rss' && root !== 'feed' && root !== 'rdf') {
    throw new InputError('INGEST_NOT_A_FEED', `${where} is XML but not a feed (its root element is <${scan.root}>)`, { hint: 'Give an RSS 2.0, Atom or JSON Feed document.' });
  }
  let feed: ReturnType<typeof parseXmlFeed>;
  try {
    feed = parseXmlFeed(text);
  } catch (err) {
    throw new InputError('INGEST_NOT_A_FEED', `${where} could not be read as a feed: ${(err as Error).message}`, { cause: err, hint: 'Give an RSS 2.0, Atom or JSON Feed document.' });
  }
  const format = root === 'feed' ? 'atom' : 'rss';
  const feedBase = abs(feed.self, feedUrl) ?? feedUrl;
  const entries = feed.items.map((item, i): FeedEntry => {
    const info = scan.items[i] ?? {};
    const base = info.base ?? feedBase;
    const url = abs(item.url, base);
    const contentType = info.contentType?.toLowerCase();
    const image = item.image?.url ?? item.media.find((m) => m.type === 'image' || m.mimeType?.startsWith('image/'))?.url;
    return {
      index: i + 1,
      ...(item.id ? { guid: item.id } : {}),
      ...(url ? { url } : {}),
      ...(item.title ? { title: item.title.replace(/\s+/g, ' ').trim() } : {}),
      ...(item.published ? { date: isoOf(item.published) } : {}),
      ...(item.updated && format === 'atom' ? { updated: isoOf(item.updated) } : {}),
      ...(item.authors[0]?.name ? { author: item.authors.map((a) => a.name).filter(Boolean).join(', ') } : {}),
      tags: [...new Set(item.categories.map((c) => (c.label ?? c.term ?? '').trim()).filter(Boolean))],
      ...(item.content ? { content: item.content, ...(contentType === 'text' ? { contentIsText: true } : {}) } : {}),
      ...(item.description ? { summary: item.description } : {}),
      ...(image ? { image: abs(image, base) } : {}),
      ...(base ?? url ? { base: base ?? url } : {}),
    };
  });
  // Atom gives "updated" always and "published" optionally: an entry with only "updated" is dated by it.
  for (const [i, e] of entries.entries()) {
    const item = feed.items[i]!;
    if (!e.date && item.updated) e.date = isoOf(item.updated);
  }
  const lang = normaliseLang(feed.language);
  return { format, ...(feed.title ? { title: feed.title } : {}), ...(lang ? { lang } : {}), entries: entries.map((e) => (lang && !e.lang ? { ...e, lang } : e)) };
}

function isoOf(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const jsonFeedSchema = z.object({
  version: z.string().regex(/^https?:\/\/jsonfeed\.org\/version\//),
  title: z.string().optional(),
  home_page_url: z.string().optional(),
  feed_url: z.string().optional(),
  language: z.string().optional(),
  items: z.array(
    z.object({
      id: z.union([z.string(), z.number()]).transform(String).optional(),
      url: z.string().optional(),
      external_url: z.string().optional(),
      title: z.string().optional(),
      content_html: z.string().optional(),
      content_text: z.string().optional(),
      summary: z.string().optional(),
      image: z.string().optional(),
      date_published: z.string().optional(),
      date_modified: z.string().optional(),
      author: z.object({ name: z.string().optional() }).optional(),
      authors: z.array(z.object({ name: z.string().optional() })).optional(),
      tags: z.array(z.string()).optional(),
      language: z.string().optional(),
    }),
  ),
});

export function parseJsonFeedText(text: string, feedUrl: string | undefined, where: string): ParsedFeed {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const pos = /position (\d+)/.exec((err as Error).message)?.[1];
    const line = pos ? text.slice(0, Number(pos)).split('\n').length : undefined;
    throw new InputError('INGEST_MALFORMED_JSON', `${where} is not valid JSON: ${(err as Error).message}`, { ...(line ? { line } : {}), cause: err, hint: 'Check the JSON Feed for a missing comma, quote or bracket.' });
  }
  const result = jsonFeedSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new InputError('INGEST_NOT_A_FEED', `${where} is not a JSON Feed: ${issue.path.join('.') || '(top level)'}: ${issue.message}`, { hint: 'A JSON Feed has "version": "https://jsonfeed.org/version/1.1" and an "items" list.' });
  }
  const feed = result.data;
  const feedBase = abs(feed.feed_url, feedUrl) ?? abs(feed.home_page_url, feedUrl) ?? feedUrl;
  const lang = normaliseLang(feed.language);
  const entries = feed.items.map((item, i): FeedEntry => {
    const url = abs(item.url, feedBase) ?? abs(item.external_url, feedBase);
    const authors = item.authors ?? (item.author ? [item.author] : []);
    const date = normaliseDate(item.date_published);
    const updated = normaliseDate(item.date_modified);
    const itemLang = normaliseLang(item.language) ?? lang;
    const content = item.content_html ?? item.content_text;
    return {
      index: i + 1,
      ...(item.id ? { guid: item.id } : {}),
      ...(url ? { url } : {}),
      ...(item.title ? { title: item.title.replace(/\s+/g, ' ').trim() } : {}),
      ...(date ? { date } : updated ? { date: updated } : {}),
      ...(updated ? { updated } : {}),
      ...(authors.some((a) => a.name) ? { author: authors.map((a) => a.name).filter(Boolean).join(', ') } : {}),
      tags: [...new Set((item.tags ?? []).map((t) => t.trim()).filter(Boolean))],
      ...(content ? { content, ...(item.content_html === undefined ? { contentIsText: true } : {}) } : {}),
      ...(item.summary ? { summary: item.summary } : {}),
      ...(item.image ? { image: abs(item.image, url ?? feedBase) } : {}),
      ...(itemLang ? { lang: itemLang } : {}),
      ...(url ?? feedBase ? { base: url ?? feedBase } : {}),
    };
  });
  return { format: 'json', ...(feed.title ? { title: feed.title } : {}), ...(lang ? { lang } : {}), entries };
}
