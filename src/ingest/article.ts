/**
 * Turning an extracted story into the article file the build reads: YAML front matter written
 * by the `yaml` library (so any title is quoted safely), a Markdown body, and the file name
 * `<date>-<slug>.md` with the slug transliterated to Latin.
 */
import { Document } from 'yaml';
import { slugify } from '../content/slug.ts';
import type { ExtractedArticle } from './types.ts';

/** Front matter keys in the order they are written. */
const ORDER = ['title', 'date', 'updated', 'lang', 'author', 'summary', 'tags', 'slug', 'image', 'image_alt', 'image_caption', 'source', 'guid'] as const;

/** The slug for a title: apostrophes vanish ("Syria's" → "syrias"), the rest is transliterated. */
export function slugForTitle(title: string): string {
  return slugify(title.replace(/['’ʼ`]/gu, '')) || 'article';
}

/** "2015-08-13" from "2015-08-13" or "2015-08-13T10:00:00Z". */
export function dayOf(date: string): string {
  return date.slice(0, 10);
}

/** `<date>-<slug>`: the file name without ".md", also the name of the article's media folder. */
export function articleStem(article: { date: string; title: string }): { stem: string; slug: string } {
  const slug = slugForTitle(article.title);
  return { stem: `${dayOf(article.date)}-${slug}`, slug };
}

/** The whole file: front matter and body. */
export function renderArticle(article: ExtractedArticle & { date: string }, slug: string): string {
  const fields: Record<string, unknown> = {
    title: article.title,
    date: article.date,
    updated: article.updated,
    lang: article.lang,
    author: article.author,
    summary: article.summary,
    tags: article.tags?.length ? article.tags : undefined,
    slug,
    image: article.image,
    image_alt: article.image ? article.imageAlt : undefined,
    image_caption: article.imageCaption,
    source: article.source,
    guid: article.guid,
  };
  const ordered: Record<string, unknown> = {};
  for (const key of ORDER) {
    const v = fields[key];
    if (v !== undefined && v !== '') ordered[key] = v;
  }
  const yaml = new Document(ordered).toString({ lineWidth: 0 });
  return `---\n${yaml}---\n\n${article.body.trim()}\n`;
}

/**
 * Plain text as a Markdown paragraph that shows exactly that text: characters Markdown would
 * read as formatting are backslash-escaped, and so is anything at the start that would make
 * a heading, list, quote or rule.
 */
export function escapeMarkdownText(text: string): string {
  let s = text.replace(/([\\`*_[\]<>~|])/g, '\\$1').replace(/&(?=#?\w+;)/g, '\\&');
  s = s.replace(/^(\s*)([#+=-])/, '$1\\$2').replace(/^(\s*\d+)([.)])(?=\s|$)/, '$1\\$2');
  return s;
}
