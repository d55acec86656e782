/**
 * From a loaded source to the stories in it: one for a text or a page, one per item for a feed.
 * Nothing here writes; everything needed to write (images included) is gathered later.
 */
import pLimit from 'p-limit';
import { InputError, SamizdatError } from '../errors.ts';
import type { Warning } from '../progress.ts';
import { escapeMarkdownText } from './article.ts';
import { decodeBytes } from './decode.ts';
import { urlKey, type ExistingArticles } from './existing.ts';
import { extractFragment, extractPage } from './html/extract.ts';
import { parseJsonFeedText, parseXmlFeedText, type FeedEntry } from './feed/parse.ts';
import { assertTextual, guessKind, kindHint } from './sniff.ts';
import type { LoadedSource } from './sources.ts';
import { loadSource } from './sources.ts';
import { extractText } from './text/extract.ts';
import type { RuleBook } from './text/publisher-rules.ts';
import type { ExtractedArticle, FetchLimits, IngestProgress, SkippedItem, SourceKind } from './types.ts';

export interface Story {
  /** The SOURCE it came from; feed items add "#<n>". */
  origin: string;
  from: SourceKind;
  article: ExtractedArticle;
  /** True for feed items: their own date wins over --date. */
  feedItem: boolean;
}

export interface StoryContext {
  from?: SourceKind;
  sourceUrl?: string;
  rules: RuleBook;
  existing: ExistingArticles;
  update: boolean;
  limits?: FetchLimits;
  signal?: AbortSignal;
  onProgress?: (e: IngestProgress) => void;
  warnings: Warning[];
  skipped: SkippedItem[];
  /** Errors of single feed items (the rest of the feed is still read, so all are reported). */
  errors: SamizdatError[];
}

export async function storiesFrom(loaded: LoadedSource, ctx: StoryContext): Promise<Story[]> {
  const where = loaded.ref.name === '-' ? 'standard input' : loaded.ref.name;
  const file = loaded.ref.kind === 'file' ? loaded.ref.name : undefined;
  assertTextual(loaded.bytes, where, file);
  const decoded = decodeBytes(loaded.bytes, loaded.charset);
  const kind = ctx.from ?? guessKind(decoded.text, kindHint(loaded.ref.kind === 'url' ? new URL(loaded.url ?? loaded.ref.location).pathname : loaded.ref.name, loaded.mime));
  const pageUrl = ctx.sourceUrl ?? loaded.url;
  try {
    if (kind === 'text') {
      const t = extractText(decoded.text, { rules: ctx.rules.forUrl(pageUrl), where });
      // Prose above the headline is usually a teaser or an appeal, but it may be the story's lede.
      const prose = t.dropped.filter((d) => d.reason === 'before-headline' && d.text.length > 120);
      if (prose.length) {
        ctx.warnings.push({
          code: 'INGEST_TEXT_BEFORE_HEADLINE',
          message: `${where}: ${prose.length} paragraph(s) above the headline "${t.title}" were left out, starting "${prose[0]!.text.slice(0, 60)}…"; check that the headline is right`,
          ...(file ? { file } : {}),
        });
      }
      const article: ExtractedArticle = {
        title: t.title,
        ...(t.date ? { date: t.date } : {}),
        ...(t.updated ? { updated: t.updated } : {}),
        ...(t.lang ? { lang: t.lang } : {}),
        ...(t.author ? { author: t.author } : {}),
        ...(t.tags ? { tags: t.tags } : {}),
        ...(t.caption ? { imageCaption: t.caption } : {}),
        ...(pageUrl ? { source: pageUrl } : {}),
        body: t.paragraphs.map(escapeMarkdownText).join('\n\n'),
        media: [],
      };
      return [{ origin: loaded.ref.name, from: 'text', article, feedItem: false }];
    }
    if (kind === 'html') {
      const page = extractPage(decoded.text, {
        ...(pageUrl ? { pageUrl } : {}),
        ...(loaded.fileUrl ? { fileUrl: loaded.fileUrl } : {}),
        rules: ctx.rules.forUrl(pageUrl),
        where,
      });
      ctx.warnings.push(...page.warnings);
      if (ctx.sourceUrl) page.article.source = ctx.sourceUrl;
      return [{ origin: loaded.ref.name, from: 'html', article: page.article, feedItem: false }];
    }
    return await feedStories(decoded.text, loaded, pageUrl, where, ctx);
  } catch (err) {
    if (err instanceof SamizdatError && file && err.file === undefined) {
      throw new InputError(err.code, err.message, { file, ...(err.line ? { line: err.line } : {}), ...(err.hint ? { hint: err.hint } : {}), cause: err.cause ?? err });
    }
    throw err;
  }
}

async function feedStories(text: string, loaded: LoadedSource, feedUrl: string | undefined, where: string, ctx: StoryContext): Promise<Story[]> {
  const isJson = /^\s*[{[]/.test(text);
  const feed = isJson ? parseJsonFeedText(text, feedUrl, where) : parseXmlFeedText(text, feedUrl, where);
  if (!feed.entries.length) {
    ctx.warnings.push({ code: 'INGEST_EMPTY_FEED', message: `${where}: the feed has no items` });
    return [];
  }
  // First the items to leave alone (in feed order), then the rest, a few pages at a time.
  const todo: Array<{ entry: FeedEntry; origin: string; label: string }> = [];
  const seen = new Set<string>();
  for (const entry of feed.entries) {
    const origin = `${loaded.ref.name}#${entry.index}`;
    const label = `${where}, item ${entry.index}${entry.title ? ` ("${entry.title}")` : ''}`;
    const key = entry.guid ?? entry.url;
    if (!key) {
      ctx.skipped.push({ source: origin, reason: 'the item has neither an id (guid) nor a link, so it could not be recognised on the next run' });
      continue;
    }
    if (seen.has(key)) {
      ctx.skipped.push({ source: origin, reason: `the feed lists id ${key} twice` });
      continue;
    }
    seen.add(key);
    const already = (entry.guid && ctx.existing.guids.get(entry.guid)) || (entry.url && ctx.existing.sources.get(urlKey(entry.url)));
    if (already && !ctx.update) {
      ctx.skipped.push({ source: origin, reason: 'already ingested', file: already });
      continue;
    }
    if (!entry.title) {
      ctx.skipped.push({ source: origin, reason: 'the item has no title' });
      ctx.warnings.push({ code: 'INGEST_ITEM_NO_TITLE', message: `${label} has no title and was not ingested` });
      continue;
    }
    todo.push({ entry, origin, label });
  }
  const limit = pLimit(FEED_PAGE_CONCURRENCY);
  const results = await Promise.all(
    todo.map((t) =>
      limit(async () => {
        // Each item keeps its own warnings, merged below in feed order whatever finished first.
        const warnings: Warning[] = [];
        try {
          return { ...t, warnings, article: await entryArticle(t.entry, t.label, { ...ctx, warnings }) };
        } catch (err) {
          if ((err as SamizdatError).code === 'ABORTED') throw err;
          const error = err instanceof SamizdatError ? err : new SamizdatError('INGEST_FAILED', `${t.label}: ${(err as Error).message}`, { cause: err });
          return { ...t, warnings, error };
        }
      }),
    ),
  );
  const stories: Story[] = [];
  for (const r of results) {
    ctx.warnings.push(...r.warnings);
    if ('error' in r) ctx.errors.push(r.error);
    else {
      stories.push({ origin: r.origin, from: 'feed', article: r.article, feedItem: true });
      ctx.onProgress?.({ type: 'article', source: r.origin, title: r.article.title });
    }
  }
  return stories;
}

const textToHtml = (s: string) =>
  s
    .split(/\n\s*\n/)
    .map((p) => `<p>${p.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</p>`)
    .join('');

/** Item pages fetched at once: the publisher's own server, so politely few. */
const FEED_PAGE_CONCURRENCY = 3;

/** Characters of text from which an RSS description counts as the full story. */
const FULL_DESCRIPTION = 600;

/** Plain text length of some HTML, roughly (for "is this the full story or a teaser?"). */
function textLength(html: string): number {
  return html.replace(/<[^>]*>/g, ' ').replace(/&[#\w]+;/g, 'x').replace(/\s+/g, ' ').trim().length;
}

async function entryArticle(entry: FeedEntry, label: string, ctx: StoryContext): Promise<ExtractedArticle> {
  const meta = {
    ...(entry.date ? { date: entry.date } : {}),
    ...(entry.updated ? { updated: entry.updated } : {}),
    ...(entry.author ? { author: entry.author } : {}),
    ...(entry.tags.length ? { tags: entry.tags } : {}),
    ...(entry.lang ? { lang: entry.lang } : {}),
    ...(entry.url ? { source: entry.url } : {}),
    ...(entry.guid ? { guid: entry.guid } : {}),
    ...(entry.image ? { image: entry.image } : {}),
  };
  const rules = ctx.rules.forUrl(entry.url);
  // RSS often carries the whole story in <description>; a short one is a teaser for the page.
  const full = entry.content ?? (entry.summary && (textLength(entry.summary) >= FULL_DESCRIPTION || !entry.url) ? entry.summary : undefined);
  const content = full ? (entry.contentIsText && full === entry.content ? textToHtml(full) : full) : undefined;
  if (content && textLength(content) > 0) {
    const r = extractFragment(content, { ...(entry.base ? { pageUrl: entry.base } : {}), rules, where: label, title: entry.title!, meta });
    ctx.warnings.push(...r.warnings);
    return r.article;
  }
  if (entry.url) {
    try {
      ctx.onProgress?.({ type: 'fetch', url: entry.url });
      const loaded = await loadSource({ name: entry.url, kind: 'url', location: entry.url }, { ...(ctx.limits ? { limits: ctx.limits } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) });
      assertTextual(loaded.bytes, entry.url);
      const decoded = decodeBytes(loaded.bytes, loaded.charset);
      const page = extractPage(decoded.text, { pageUrl: loaded.url ?? entry.url, rules, where: `${label}, page ${entry.url}` });
      ctx.warnings.push(...page.warnings);
      const a = page.article;
      // The feed's own word wins for what identifies and dates the item.
      return {
        ...a,
        title: entry.title!,
        ...(entry.date ? { date: entry.date } : {}),
        ...(entry.updated ? { updated: entry.updated } : {}),
        ...(entry.author ? { author: entry.author } : {}),
        ...(entry.tags.length ? { tags: entry.tags } : {}),
        ...(entry.lang && !a.lang ? { lang: entry.lang } : {}),
        source: entry.url,
        ...(entry.guid ? { guid: entry.guid } : {}),
      };
    } catch (err) {
      if ((err as SamizdatError).code === 'ABORTED') throw err;
      if (entry.summary && textLength(entry.summary) > 0) {
        ctx.warnings.push({ code: 'INGEST_SUMMARY_ONLY', message: `${label}: its page could not be read (${(err as Error).message}); the feed's summary was used as the article` });
        const r = extractFragment(entry.summary, { pageUrl: entry.url, rules, where: label, title: entry.title!, meta });
        ctx.warnings.push(...r.warnings);
        return r.article;
      }
      throw err instanceof SamizdatError
        ? new SamizdatError(err.code, `${label}: ${err.message}`, { retryable: err.retryable, ...(err.hint ? { hint: err.hint } : {}), cause: err })
        : err;
    }
  }
  if (entry.summary && textLength(entry.summary) > 0) {
    const r = extractFragment(entry.summary, { ...(entry.base ? { pageUrl: entry.base } : {}), rules, where: label, title: entry.title!, meta });
    ctx.warnings.push(...r.warnings);
    return r.article;
  }
  throw new InputError('INGEST_NO_ARTICLE', `${label} has no content and no link to a page`, { hint: 'The feed gives nothing to make an article from.' });
}
