/**
 * A feed written again by splicing: a rebuild after one new article writes the site's feeds and
 * its language's, each 50 articles of full text, of which 49 are the same as last time. Their
 * entries are copied as bytes from the feed the last build wrote, and only the new ones made
 * (with the feed's ends): each entry depends only on the feed's URL, the site and its article
 * (./index.ts, FeedParts), so an article whose page is carried over unchanged has the same entry.
 * The result is byte for byte what renderFeed makes (test/build/feed-splice.test.ts).
 */
import { articleId, type ArticleView, type FeedSpec, type SiteModel } from '../model.ts';
import { feedParts, type FeedParts } from './index.ts';

/** Where each entry of a feed of this kind starts: after a line break, with text no other line of the feed begins with. */
const ENTRY_START: Record<FeedSpec['kind'], string> = { atom: '\n<entry xml:lang="', rss: '\n<item>\n', json: '\n  {\n' };
/** How each entry ends. */
const ENTRY_END: Record<FeedSpec['kind'], string> = { atom: '</entry>', rss: '</item>', json: '\n  }' };
/** An entry's id, between these (the first match inside the entry: nothing before it is free text). */
const ID_AROUND: Record<FeedSpec['kind'], [string, string]> = { atom: ['\n<id>', '</id>'], rss: ['\n<guid isPermaLink="false">', '</guid>'], json: ['\n   "id": "', '"'] };

/** What a feed is spliced from: the bytes of the one last written, and where each reused entry is in them. */
export interface FeedSplice {
  feed: FeedSpec;
  parts: FeedParts;
  previous: Buffer;
  reused: Map<ArticleView, [start: number, end: number]>;
  /** The feed's articles whose entries are made now (their text must be loaded first). */
  fresh: ArticleView[];
}

/**
 * Plans the feed as a splice of `previous` (the bytes last written at feed.url, as that build
 * left them): the entries of the articles `unchanged` says yes to are taken from it by id.
 * Undefined when `previous` is not a feed of this kind as renderFeed writes them.
 */
export function planFeedSplice(model: SiteModel, feed: FeedSpec, previous: Buffer, unchanged: (a: ArticleView) => boolean): FeedSplice | undefined {
  if (!feed.articles.length) return undefined;
  const parts = feedParts(model, feed);
  const entries = entriesById(feed.kind, parts, previous);
  if (!entries) return undefined;
  const reused = new Map<ArticleView, [number, number]>();
  const fresh: ArticleView[] = [];
  for (const a of feed.articles) {
    const range = unchanged(a) ? entries.get(articleId(model.site, a)) : undefined;
    if (range) reused.set(a, range);
    else fresh.push(a);
  }
  return { feed, parts, previous, reused, fresh };
}

/** The feed's bytes: its ends and the fresh entries made now, the others copied (planFeedSplice). */
export function spliceFeed(splice: FeedSplice): Buffer {
  const { head, entry, separator, tail } = splice.parts;
  const parts: Buffer[] = [Buffer.from(head)];
  const between = Buffer.from(separator);
  splice.feed.articles.forEach((a, i) => {
    if (i > 0) parts.push(between);
    const range = splice.reused.get(a);
    parts.push(range ? splice.previous.subarray(range[0], range[1]) : Buffer.from(entry(a)));
  });
  parts.push(Buffer.from(tail));
  return Buffer.concat(parts);
}

/**
 * The entries of a feed's bytes by id, as byte ranges; undefined unless every entry sits where
 * the feed's parts put it (separators between, the tail after the last) and every id is its own.
 */
function entriesById(kind: FeedSpec['kind'], parts: FeedParts, bytes: Buffer): Map<string, [number, number]> | undefined {
  const start = Buffer.from(ENTRY_START[kind]);
  const separator = Buffer.from(parts.separator);
  // The tail of a feed with entries; the tail of the feed planned for has the same form.
  const tail = Buffer.from(parts.tail);
  if (!tail.length || bytes.length < tail.length || !bytes.subarray(bytes.length - tail.length).equals(tail)) return undefined;
  const starts: number[] = [];
  for (let at = bytes.indexOf(start); at >= 0; at = bytes.indexOf(start, at + 1)) starts.push(at + 1);
  const [idBefore, idAfter] = ID_AROUND[kind].map((s) => Buffer.from(s)) as [Buffer, Buffer];
  const entryEnd = Buffer.from(ENTRY_END[kind]);
  const byId = new Map<string, [number, number]>();
  for (let i = 0; i < starts.length; i++) {
    const begin = starts[i]!;
    const end = i + 1 < starts.length ? starts[i + 1]! - separator.length : bytes.length - tail.length;
    if (end - begin < entryEnd.length || !bytes.subarray(end - entryEnd.length, end).equals(entryEnd)) return undefined;
    if (i + 1 < starts.length && !bytes.subarray(end, starts[i + 1]!).equals(separator)) return undefined;
    const idAt = bytes.indexOf(idBefore, begin);
    const idEnd = idAt >= 0 && idAt < end ? bytes.indexOf(idAfter, idAt + idBefore.length) : -1;
    if (idEnd < 0 || idEnd > end) return undefined;
    const id = bytes.toString('latin1', idAt + idBefore.length, idEnd);
    if (byId.has(id)) return undefined;
    byId.set(id, [begin, end]);
  }
  return byId;
}
