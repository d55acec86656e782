/**
 * Renders validated articles into ArticleViews: Markdown → sanitized HTML, local images
 * resolved to bundle paths with their width and height, a plain-text summary. Results are
 * cached by content hash (see cache.ts) so a rebuild only renders what changed.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { imageSize } from 'image-size';
import type { Article } from '../content/index.ts';
import type { Warning } from '../progress.ts';
import { htmlToText, renderMarkdown } from './markdown.ts';
import type { ImageView } from './model.ts';
import { rootOf } from './templates/escape.ts';
import { stampOf } from './input-stamp.ts';

/** Images readers' browsers may load from the bundle. SVG is left out: it can carry script. */
const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.gif', '.webp', '.avif']);

export interface MediaFile {
  /** Absolute source path. */
  source: string;
  /** Bundle path ("media/…"). */
  path: string;
  width?: number;
  height?: number;
  /** size:mtime of the source when it was measured: a cache entry is stale when it changes. */
  stamp: string;
}

/** What rendering one article gives: cacheable, independent of the site settings. */
/** A file the rendering looked at, and what it found: null when the file did not exist. */
export interface FileInput {
  source: string;
  stamp: string | null;
}

export interface RenderedArticle {
  html: string;
  /** Summary made from the text (empty when the article has its own). */
  summary: string;
  image?: ImageView;
  warnings: Warning[];
  media: MediaFile[];
  /**
   * Every local image the article refers to, found or not: a cached rendering is stale as soon
   * as one of them appears, disappears or changes.
   */
  inputs: FileInput[];
}

/** Words of the summary made from the text when the article has none. */
const SUMMARY_WORDS = 40;

/** Characters of HTML read first for a summary: 40 words and their markup nearly always fit. */
export const SUMMARY_FIRST_READ = 1024;

export function summaryFromHtml(html: string): string {
  // Only the first words count: read growing beginnings of the page until one holds more words
  // than the summary takes, instead of turning thousands of words into text for 40. The last
  // word of a beginning may be cut, and so is never one of the summary's; a tag cut at the end
  // is dropped (sanitized HTML has "<" only at the start of a tag).
  for (let length = SUMMARY_FIRST_READ; length < html.length; length *= 4) {
    let start = html.slice(0, length);
    const open = start.lastIndexOf('<');
    if (open > start.lastIndexOf('>')) start = start.slice(0, open);
    const words = htmlToText(start).split(' ').filter(Boolean);
    if (words.length > SUMMARY_WORDS + 1) return `${words.slice(0, SUMMARY_WORDS).join(' ')} …`;
  }
  const words = htmlToText(html).split(' ').filter(Boolean);
  return words.length <= SUMMARY_WORDS ? words.join(' ') : `${words.slice(0, SUMMARY_WORDS).join(' ')} …`;
}

/**
 * Looks up a local image referenced from an article: inside the content folder, an allowed
 * type, a regular file. Returns undefined (and why) otherwise.
 */
async function resolveImage(contentDir: string, articleFile: string, src: string, inputs: FileInput[]): Promise<MediaFile | { problem: string }> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(src.split(/[?#]/)[0]!);
  } catch {
    return { problem: `image ${src} has a malformed address` };
  }
  const rel = path.posix.normalize(path.posix.join(path.posix.dirname(articleFile), decoded.replace(/^\.\//, '')));
  if (rel.startsWith('../') || rel === '..' || path.posix.isAbsolute(rel)) return { problem: `image ${src} is outside the content folder` };
  if (!IMAGE_EXTENSIONS.has(path.posix.extname(rel).toLowerCase())) return { problem: `image ${src} is not a JPEG, PNG, GIF, WebP or AVIF file` };
  const source = path.join(contentDir, ...rel.split('/'));
  let st;
  try {
    st = await stat(source);
  } catch {
    inputs.push({ source, stamp: null });
    return { problem: `image ${src} was not found` };
  }
  inputs.push({ source, stamp: stampOf(st) });
  if (!st.isFile()) return { problem: `image ${src} is not a file` };
  let size: { width?: number; height?: number } = {};
  try {
    const dims = imageSize(await readFile(source));
    if (dims.width && dims.height) size = { width: dims.width, height: dims.height };
  } catch {
    return { problem: `image ${src} is not an image that can be read` };
  }
  return { source, path: rel.startsWith('media/') ? rel : `media/${rel}`, ...size, stamp: stampOf(st) };
}

/** Renders one article (no cache). */
export async function renderArticle(article: Article, contentDir: string): Promise<RenderedArticle> {
  const warnings: Warning[] = [];
  const media = new Map<string, MediaFile>();
  const root = rootOf(article.url);
  // Read once: for an article from the content cache, each read goes back to the file.
  const body = article.body;

  // Every image reference is resolved before the (synchronous) sanitizer asks for it.
  const refs = new Set<string>();
  for (const m of body.matchAll(/!\[[^\]]*\]\(\s*<?([^)\s>]+)|<img\b[^>]*?\bsrc\s*=\s*["']?([^"'\s>]+)/gi)) refs.add((m[1] ?? m[2])!);
  if (article.image) refs.add(article.image);
  const resolved = new Map<string, MediaFile | { problem: string }>();
  const inputs: FileInput[] = [];
  for (const src of refs) {
    if (/^(?:[a-z][a-z0-9+.-]*:|\/\/)/i.test(src)) continue;
    resolved.set(src, await resolveImage(contentDir, article.file, src, inputs));
  }
  const found = (src: string): MediaFile | undefined => {
    const r = resolved.get(src);
    return r && 'path' in r ? r : undefined;
  };

  const { html, warnings: mdWarnings } = renderMarkdown(body, {
    sourceFile: article.file,
    lineOffset: article.bodyLine,
    assetUrl: (src) => {
      const m = found(src);
      if (!m) return undefined;
      media.set(m.path, m);
      return root + m.path;
    },
    assetSize: (src) => {
      const m = found(src);
      return m?.width && m.height ? { width: m.width, height: m.height } : undefined;
    },
  });
  for (const w of mdWarnings) {
    const r = [...resolved].find(([src]) => w.message.includes(src))?.[1];
    warnings.push(r && 'problem' in r && w.code === 'IMAGE_MISSING' ? { ...w, message: `${r.problem}: it is shown as its alt text` } : w);
  }

  let image: ImageView | undefined;
  if (article.image) {
    const r = resolved.get(article.image);
    if (r && 'path' in r) {
      media.set(r.path, r);
      image = { path: r.path, alt: article.imageAlt ?? '', ...(r.width ? { width: r.width, height: r.height! } : {}) };
      if (!article.imageAlt) warnings.push({ code: 'IMAGE_NO_ALT', message: `image ${article.image} has no image_alt: screen reader users will not know what it shows`, file: article.file });
    } else {
      warnings.push({ code: 'IMAGE_MISSING', message: `${r && 'problem' in r ? r.problem : `image ${article.image} cannot be used`}: the article is published without it`, file: article.file });
    }
  }
  return {
    html,
    summary: article.summary ? '' : summaryFromHtml(html),
    ...(image ? { image } : {}),
    warnings,
    media: [...media.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    inputs: inputs.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0)),
  };
}
