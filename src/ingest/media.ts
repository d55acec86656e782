/**
 * Images an article uses are saved beside it (`media/<date>-<slug>/<name>`) when they can be
 * reached; otherwise they stay as plain links (the bundle never loads anything remote). SVG is
 * never saved: it can carry scripts.
 */
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { imageSize } from 'image-size';
import pLimit from 'p-limit';
import type { Warning } from '../progress.ts';
import { fetchResource, formatBytes } from './fetch.ts';
import { MEDIA_TOKEN } from './html/markdown.ts';
import type { ExtractedArticle, FetchLimits, IngestProgress, MediaRef } from './types.ts';
import { DEFAULT_LIMITS } from './fetch.ts';

const TYPES: Record<string, string> = { png: 'png', jpg: 'jpg', gif: 'gif', webp: 'webp', avif: 'avif', bmp: 'bmp', heif: 'avif' };

export interface SavedMedia {
  /** Path relative to the content folder, "/"-separated. */
  path: string;
  bytes: Buffer;
}

/** Fetches every image (in order; a page rarely has many). Failures become warnings. */
export async function fetchMedia(
  refs: MediaRef[],
  ctx: { limits?: FetchLimits; signal?: AbortSignal; onProgress?: (e: IngestProgress) => void; warnings: Warning[]; where: string },
): Promise<void> {
  const limits = { ...DEFAULT_LIMITS, ...ctx.limits };
  const load = async (url: string): Promise<Buffer> => {
    if (url.startsWith('file:')) {
      const file = fileURLToPath(url);
      const size = (await stat(file)).size;
      if (size > limits.maxImageBytes) throw new Error(`it is larger than ${formatBytes(limits.maxImageBytes)}`);
      return readFile(file);
    }
    ctx.onProgress?.({ type: 'fetch', url });
    return (await fetchResource(url, 'image', { limits, ...(ctx.signal ? { signal: ctx.signal } : {}) })).bytes;
  };
  // A few at a time: pages with many images should not take a timeout per image in a row.
  const limit = pLimit(MEDIA_CONCURRENCY);
  const failures = await Promise.all(refs.map((ref) => limit(() => fetchOne(ref))));
  // Warnings in the order the images appear, whatever order they finished in.
  for (const w of failures) if (w) ctx.warnings.push(w);

  async function fetchOne(ref: MediaRef): Promise<Warning | undefined> {
    try {
      let bytes: Buffer;
      try {
        bytes = await load(ref.url);
      } catch (err) {
        if (!ref.fallbackUrl || (err as { code?: string }).code === 'ABORTED') throw err;
        bytes = await load(ref.fallbackUrl);
      }
      const type = imageType(bytes);
      if (!type) throw new Error('it is not a PNG, JPEG, GIF, WebP or AVIF image');
      ref.bytes = bytes;
      ref.contentType = type;
      ctx.onProgress?.({ type: 'image', url: ref.url, ok: true });
      return undefined;
    } catch (err) {
      if ((err as { code?: string }).code === 'ABORTED') throw err;
      ctx.onProgress?.({ type: 'image', url: ref.url, ok: false });
      const shown = ref.url.startsWith('file:') ? fileURLToPath(ref.url) : ref.url;
      const link = linkFor(ref);
      return { code: 'INGEST_IMAGE_NOT_SAVED', message: `${ctx.where}: image ${shown} was not saved (${(err as Error).message}); ${link ? `it is kept as a link to ${link}` : 'only its description was kept'}` };
    }
  }
}

const MEDIA_CONCURRENCY = 4;

/** Where a reader can still find an image that was not saved: a web address, never a local path. */
function linkFor(ref: MediaRef): string | undefined {
  if (/^https?:/.test(ref.url)) return ref.url;
  return ref.fallbackUrl;
}

/** The image's real type from its bytes (never from the URL or the server's word). */
export function imageType(bytes: Buffer): string | undefined {
  try {
    const t = imageSize(bytes).type;
    return t ? TYPES[t] : undefined;
  } catch {
    return undefined;
  }
}

function baseName(url: string, index: number, ext: string): string {
  let name = '';
  try {
    name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  } catch {
    name = '';
  }
  const stem = name
    .replace(/\.[a-z0-9]{1,5}$/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `${stem || `image-${index + 1}`}.${ext}`;
}

/**
 * Puts the images into the article: saved ones by their local path, the others as links (or
 * their alt text when there is nowhere to link to). Returns the files to write.
 */
export function placeMedia(article: ExtractedArticle, stem: string): { article: ExtractedArticle; files: SavedMedia[] } {
  const files: SavedMedia[] = [];
  const local = new Map<string, string>();
  const used = new Set<string>();
  for (const [i, ref] of article.media.entries()) {
    if (!ref.bytes || !ref.contentType) continue;
    let name = baseName(ref.url, i, ref.contentType);
    for (let n = 2; used.has(name); n++) name = name.replace(/(-\d+)?\.(\w+)$/, `-${n}.$2`);
    used.add(name);
    const rel = `media/${stem}/${name}`;
    local.set(ref.placeholder, rel);
    files.push({ path: rel, bytes: ref.bytes });
  }
  const refOf = (n: string) => article.media.find((r) => r.placeholder === n)!;
  const escapeAlt = (s: string) => s.replace(/([\\[\]])/g, '\\$1');
  const body = article.body.replace(MEDIA_TOKEN, (_m, n: string) => {
    const ref = refOf(n);
    const path = local.get(n);
    if (path) return `![${escapeAlt(ref.alt)}](${path})`;
    const link = linkFor(ref);
    if (link) return `[${escapeAlt(ref.alt || 'Image')}](${link.replace(/\(/g, '%28').replace(/\)/g, '%29').replace(/ /g, '%20')})`;
    return ref.alt ? escapeAlt(ref.alt) : '';
  });
  const out: ExtractedArticle = { ...article, body, media: [] };
  const leadToken = article.image ? /^@@samizdat-media-(\d+)@@$/.exec(article.image) : null;
  if (leadToken) {
    const path = local.get(leadToken[1]!);
    if (path) out.image = path;
    else {
      // The build accepts only local images: an unreachable lead image is dropped (its caption stays).
      delete out.image;
      delete out.imageAlt;
    }
  }
  return { article: out, files };
}
