/**
 * A story from an HTML page: Mozilla Readability finds the article, the page's metadata gives
 * title, date, author and language, and turndown writes Markdown. Feed items with full content
 * use `extractFragment` (their HTML is already the article).
 */
import { Readability } from '@mozilla/readability';
import { JSDOM, VirtualConsole } from 'jsdom';
import { InputError } from '../../errors.ts';
import type { Warning } from '../../progress.ts';
import type { ExtractedArticle } from '../types.ts';
import { guessLang } from '../lang.ts';
import type { PublisherRules } from '../text/publisher-rules.ts';
import { prepareArticle, RAW_SRC } from './clean.ts';
import { toMarkdown } from './markdown.ts';
import { readMetadata } from './metadata.ts';

export interface HtmlSourceContext {
  /** http(s) address of the page (after redirects), or --source-url. */
  pageUrl?: string;
  /** file: URL when the page was read from disk. */
  fileUrl?: string;
  rules?: PublisherRules;
  /** Names the source in messages. */
  where: string;
}

export interface HtmlExtraction {
  article: ExtractedArticle;
  warnings: Warning[];
  dropped: Array<{ text: string; reason: string }>;
}

/** Least text (characters) for something to count as an article. */
const MIN_ARTICLE_TEXT = 100;

/** Points the document's base at the web address (keeping a page's own <base> relative to it). */
function setBase(doc: Document, pageUrl: string): void {
  let base = doc.querySelector('base[href]');
  const own = base?.getAttribute('href');
  let href = pageUrl;
  try {
    if (own) href = new URL(own, pageUrl).href;
  } catch {
    /* a broken <base> is ignored */
  }
  if (!base) {
    base = doc.createElement('base');
    (doc.head ?? doc.documentElement).prepend(base);
  }
  base.setAttribute('href', href);
}

function quietDom(html: string, url: string | undefined): JSDOM {
  // No scripts run, nothing is loaded; CSS and other parse complaints are not ours to print.
  return new JSDOM(html, { ...(url ? { url } : {}), virtualConsole: new VirtualConsole() });
}

export function extractPage(html: string, ctx: HtmlSourceContext): HtmlExtraction {
  const dom = quietDom(html, ctx.fileUrl ?? ctx.pageUrl);
  const doc = dom.window.document;
  try {
    const meta = readMetadata(doc, ctx.pageUrl ?? ctx.fileUrl);
    const pageUrl = ctx.pageUrl ?? meta.canonical;
    // Keep each image's address as written (Readability resolves them against the document).
    for (const img of doc.querySelectorAll('img[src]')) img.setAttribute(RAW_SRC, img.getAttribute('src')!);
    // Links resolve against the page's web address, also for a copy saved on disk.
    if (pageUrl && ctx.fileUrl) setBase(doc, pageUrl);
    const parsed = new Readability(doc.cloneNode(true) as Document, { charThreshold: 250, keepClasses: false }).parse();
    const textLength = parsed?.textContent?.replace(/\s+/g, ' ').trim().length ?? 0;
    if (!parsed?.content || textLength < MIN_ARTICLE_TEXT) {
      throw new InputError('INGEST_NO_ARTICLE', `no article found in ${ctx.where}${textLength ? ` (only ${textLength} characters of text)` : ''}`, {
        hint: 'Give the address of the article page itself, not a section front, a login page or a page that needs JavaScript.',
      });
    }
    const title = meta.title ?? parsed.title ?? '';
    const container = doc.createElement('div');
    container.innerHTML = parsed.content;
    const result = finish(container, {
      ...ctx,
      ...(pageUrl ? { pageUrl } : {}),
      title,
      meta: { ...meta, ...(meta.author ? {} : parsed.byline ? { author: parsed.byline } : {}), ...(meta.lang ? {} : parsed.lang ? { lang: parsed.lang } : {}) },
    });
    if (!result.article.title) {
      throw new InputError('INGEST_NO_HEADLINE', `no headline found in ${ctx.where}`, { hint: 'The page has neither a <title> nor an og:title or JSON-LD headline.' });
    }
    return result;
  } finally {
    dom.window.close();
  }
}

export interface FragmentContext extends HtmlSourceContext {
  title: string;
  meta?: Partial<ExtractedArticle> & { image?: string; imageAlt?: string };
}

/** Markdown for article HTML that needs no Readability (a feed item's full content). */
export function extractFragment(html: string, ctx: FragmentContext): HtmlExtraction {
  // One document serves every fragment: a window per feed item costs time and memory, and
  // links are resolved by hand (against ctx.pageUrl), not by the document.
  fragmentDom ??= quietDom('<!doctype html><body></body>', undefined);
  const container = fragmentDom.window.document.createElement('div');
  container.innerHTML = html;
  const text = container.textContent?.replace(/\s+/g, ' ').trim() ?? '';
  if (!text && !container.querySelector('img')) {
    throw new InputError('INGEST_NO_ARTICLE', `${ctx.where} has no text`, { hint: 'The feed item is empty.' });
  }
  return finish(container, { ...ctx, meta: ctx.meta ?? {} });
}

let fragmentDom: JSDOM | undefined;

interface FinishContext extends HtmlSourceContext {
  title: string;
  meta: Partial<ExtractedArticle> & { image?: string; imageAlt?: string; summary?: string };
}

function finish(container: HTMLElement, ctx: FinishContext): HtmlExtraction {
  const meta = ctx.meta;
  const prepared = prepareArticle(container, {
    ...(ctx.pageUrl ? { pageUrl: ctx.pageUrl } : {}),
    ...(ctx.fileUrl ? { fileUrl: ctx.fileUrl } : {}),
    ...(ctx.rules ? { rules: ctx.rules } : {}),
    title: ctx.title,
    ...(meta.image ? { leadImage: meta.image } : {}),
    ...(meta.imageAlt ? { leadImageAlt: meta.imageAlt } : {}),
    where: ctx.where,
  });
  const body = toMarkdown(container);
  if (!body.replace(/@@samizdat-media-\d+@@/g, '').trim()) {
    throw new InputError('INGEST_NO_ARTICLE', `no article text left in ${ctx.where} once the page furniture was removed`, {
      hint: 'Check the publisher rule file, or give the article page itself.',
    });
  }
  const lang = meta.lang ?? guessLang(`${ctx.title}\n${container.textContent ?? ''}`);
  const article: ExtractedArticle = {
    title: ctx.title.replace(/\s+/g, ' ').trim(),
    ...(meta.date ? { date: meta.date } : {}),
    ...(meta.updated ? { updated: meta.updated } : {}),
    ...(lang ? { lang } : {}),
    ...(meta.author ? { author: meta.author.replace(/^by\s+/i, '') } : {}),
    ...(meta.summary ? { summary: meta.summary } : {}),
    ...(meta.tags?.length ? { tags: meta.tags } : {}),
    ...(prepared.lead ? { image: `@@samizdat-media-${prepared.lead.ref.placeholder}@@`, imageAlt: prepared.lead.ref.alt } : {}),
    ...(prepared.lead?.caption ? { imageCaption: prepared.lead.caption } : {}),
    ...(meta.source ?? ctx.pageUrl ? { source: meta.source ?? ctx.pageUrl } : {}),
    ...(meta.guid ? { guid: meta.guid } : {}),
    body,
    media: prepared.media,
  };
  return { article, warnings: prepared.warnings, dropped: prepared.dropped };
}
