/**
 * What a page says about itself: JSON-LD (schema.org Article types) first, then Open Graph and
 * article:* meta tags, then plain <meta> names, <time datetime>, <html lang> and <title>.
 */
import { isoUtc, parseContentDate } from '../../content/index.ts';
import { normaliseLang } from '../lang.ts';
import { findDate } from '../text/dates.ts';

export interface PageMetadata {
  title?: string;
  date?: string;
  updated?: string;
  author?: string;
  lang?: string;
  summary?: string;
  tags?: string[];
  image?: string;
  imageAlt?: string;
  /** The page's own address (canonical link or og:url), absolute. */
  canonical?: string;
  siteName?: string;
}

const ARTICLE_TYPES = /^(?:Article|NewsArticle|BlogPosting|ReportageNewsArticle|AnalysisNewsArticle|OpinionNewsArticle|BackgroundNewsArticle|ReviewNewsArticle|Report|ScholarlyArticle|TechArticle|LiveBlogPosting|WebPage)$/;

type Json = Record<string, unknown>;

/** A date from metadata as front matter wants it: "YYYY-MM-DD", or ISO UTC when a time is given. */
export function normaliseDate(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.trim()) return undefined;
  const v = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return parseContentDate(v) ? v : undefined;
  const parsed = parseContentDate(v.replace(/(\.\d+)(?=Z|[+-]\d|$)/i, ''));
  if (parsed) return isoUtc(parsed);
  return findDate(v);
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.replace(/\s+/g, ' ').trim() || undefined;
  if (typeof v === 'number') return String(v);
  return undefined;
}

function personName(v: unknown): string | undefined {
  if (Array.isArray(v)) {
    const names = v.map(personName).filter((n): n is string => !!n);
    return names.length ? names.join(', ') : undefined;
  }
  if (v && typeof v === 'object') return text((v as Json).name);
  const s = text(v);
  return s && !/^https?:\/\//.test(s) ? s : undefined;
}

function imageUrl(v: unknown): string | undefined {
  if (Array.isArray(v)) return imageUrl(v[0]);
  if (v && typeof v === 'object') return text((v as Json).url) ?? text((v as Json).contentUrl);
  return text(v);
}

function typesOf(node: Json): string[] {
  const t = node['@type'];
  return (Array.isArray(t) ? t : [t]).filter((x): x is string => typeof x === 'string');
}

/** Every object in the page's JSON-LD blocks, @graph flattened. Broken blocks are ignored. */
function jsonLdNodes(doc: Document): Json[] {
  const out: Json[] = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      out.push(v as Json);
      if (Array.isArray((v as Json)['@graph'])) visit((v as Json)['@graph']);
    }
  };
  for (const script of doc.querySelectorAll('script[type="application/ld+json"]')) {
    try {
      visit(JSON.parse(script.textContent ?? ''));
    } catch {
      /* a broken JSON-LD block says nothing; the meta tags may */
    }
  }
  return out;
}

export function readMetadata(doc: Document, pageUrl?: string): PageMetadata {
  const meta = (...names: string[]): string | undefined => {
    for (const name of names) {
      const el = doc.querySelector(`meta[property="${name}" i], meta[name="${name}" i], meta[itemprop="${name}" i]`);
      const v = text(el?.getAttribute('content'));
      if (v) return v;
    }
    return undefined;
  };
  const metaAll = (name: string): string[] =>
    [...doc.querySelectorAll(`meta[property="${name}" i], meta[name="${name}" i]`)].map((el) => text(el.getAttribute('content'))).filter((v): v is string => !!v);

  const nodes = jsonLdNodes(doc);
  const ld = nodes.find((n) => typesOf(n).some((t) => ARTICLE_TYPES.test(t) && t !== 'WebPage')) ?? nodes.find((n) => typesOf(n).includes('WebPage')) ?? {};

  const abs = (u: string | undefined): string | undefined => {
    if (!u) return undefined;
    try {
      return new URL(u, pageUrl).href;
    } catch {
      return undefined;
    }
  };

  const keywords = ld.keywords ?? meta('keywords', 'news_keywords');
  let tags: string[] = metaAll('article:tag');
  if (!tags.length && Array.isArray(keywords)) tags = keywords.map(text).filter((t): t is string => !!t);
  else if (!tags.length && typeof keywords === 'string') tags = keywords.split(',').map((t) => t.trim()).filter(Boolean);

  const timeEl = doc.querySelector('article time[datetime], time[datetime]');
  const canonical = abs(doc.querySelector('link[rel="canonical" i]')?.getAttribute('href') ?? undefined) ?? abs(meta('og:url'));
  const result: PageMetadata = {
    title: text(ld.headline) ?? meta('og:title', 'twitter:title') ?? text(ld.name) ?? text(doc.title),
    date:
      normaliseDate(ld.datePublished) ??
      normaliseDate(meta('article:published_time', 'og:published_time', 'datePublished', 'pubdate', 'publishdate', 'publish-date', 'date', 'dc.date', 'dc.date.issued', 'dcterms.created', 'parsely-pub-date', 'sailthru.date')) ??
      normaliseDate(timeEl?.getAttribute('datetime') ?? undefined),
    updated: normaliseDate(ld.dateModified) ?? normaliseDate(meta('article:modified_time', 'og:updated_time', 'dateModified', 'last-modified')),
    author: personName(ld.author) ?? personName(meta('author', 'article:author', 'dc.creator', 'parsely-author', 'byl')),
    lang: normaliseLang(text(ld.inLanguage)) ?? normaliseLang(doc.documentElement.getAttribute('lang')) ?? normaliseLang(meta('og:locale', 'language', 'content-language')) ?? normaliseLang(doc.querySelector('meta[http-equiv="content-language" i]')?.getAttribute('content')),
    summary: text(ld.description) ?? meta('og:description', 'description', 'twitter:description'),
    tags: [...new Set(tags)],
    image: abs(imageUrl(ld.image)) ?? abs(meta('og:image', 'og:image:url', 'twitter:image')),
    imageAlt: meta('og:image:alt', 'twitter:image:alt'),
    canonical: canonical && /^https?:/.test(canonical) ? canonical : undefined,
    siteName: meta('og:site_name') ?? personName((ld.publisher as Json | undefined)?.name),
  };
  for (const k of Object.keys(result) as Array<keyof PageMetadata>) {
    const v = result[k];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) delete result[k];
  }
  return result;
}
