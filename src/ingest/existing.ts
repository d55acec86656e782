/**
 * The articles already in the content folder, by file name, GUID and source URL: what makes
 * feed ingest incremental and keeps ingest from overwriting anything by accident.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isMap } from 'yaml';
import { listArticleFiles, parseContentDate } from '../content/index.ts';
import { slugify } from '../content/slug.ts';
import { splitFrontMatter } from '../content/frontmatter.ts';
import type { Warning } from '../progress.ts';

export interface ExistingArticles {
  /** Relative paths ("/"-separated) of every article file. */
  files: Set<string>;
  /** GUID → relative path. */
  guids: Map<string, string>;
  /** Normalised source URL → relative path. */
  sources: Map<string, string>;
  /** titleKey(title, date) → relative path: the same story under another file name. */
  titles: Map<string, string>;
  /** Relative path → the slug the build gives it (explicit, or from the title), so --update keeps its address. */
  slugs: Map<string, string>;
  /** urlKey-like "YYYY/MM/slug" of every article: where the build publishes it. */
  addresses: Set<string>;
}

/** Where the build publishes an article: one folder per month and slug. */
export function addressOf(date: string, slug: string): string {
  return `${date.slice(0, 4)}/${date.slice(5, 7)}/${slug}`;
}

/** Title and day, compared without case, spacing or punctuation differences. */
export function titleKey(title: string, date: string): string {
  return `${String(date).slice(0, 10)}|${title.normalize('NFC').toLowerCase().replace(/[\s\p{P}\p{S}]+/gu, ' ').trim()}`;
}

/** A URL in the form used for comparing: no fragment, lowercase host, no trailing slash. */
export function urlKey(url: string): string {
  try {
    const u = new URL(url);
    u.hash = '';
    const s = u.href;
    return s.endsWith('/') && u.pathname !== '/' ? s.slice(0, -1) : s;
  } catch {
    return url.trim();
  }
}

export async function indexExisting(contentDir: string, warnings: Warning[]): Promise<ExistingArticles> {
  const out: ExistingArticles = { files: new Set(), guids: new Map(), sources: new Map(), titles: new Map(), slugs: new Map(), addresses: new Set() };
  // A content folder that does not exist yet holds no articles (ingest creates it).
  try {
    if (!(await stat(contentDir)).isDirectory()) return out;
  } catch {
    return out;
  }
  const files = await listArticleFiles(contentDir);
  for (const rel of files) {
    out.files.add(rel);
    let text: string;
    try {
      text = await readFile(path.join(contentDir, rel), 'utf8');
    } catch {
      continue;
    }
    const fm = splitFrontMatter(text);
    if (!fm.doc || fm.doc.errors.length || !isMap(fm.doc.contents)) {
      warnings.push({ code: 'INGEST_EXISTING_UNREADABLE', message: `${rel}: its front matter could not be read, so its guid and source are not known to ingest`, file: rel });
      continue;
    }
    const data = fm.doc.toJS() as Record<string, unknown>;
    if (typeof data.guid === 'string' || typeof data.guid === 'number') out.guids.set(String(data.guid), rel);
    if (typeof data.source === 'string') out.sources.set(urlKey(data.source), rel);
    const date = data.date instanceof Date ? data.date.toISOString() : data.date;
    if (typeof data.title === 'string' && typeof date === 'string') out.titles.set(titleKey(data.title, date), rel);
    const slug = typeof data.slug === 'string' ? data.slug : typeof data.title === 'string' ? slugify(data.title) : undefined;
    if (slug) out.slugs.set(rel, slug);
    const when = typeof date === 'string' ? parseContentDate(date) : undefined;
    if (slug && when) out.addresses.add(addressOf(when.toISOString(), slug));
  }
  return out;
}
