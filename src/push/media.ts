/** Content-Type and Cache-Control a host should serve each file with (where it supports per-file headers). */
import mime from 'mime-types';
import { MANIFEST_FILE, SIGNATURE_FILE } from '../manifest/types.ts';

const TEXT = /^(text\/|application\/(json|xml|atom\+xml|rss\+xml|feed\+json|javascript|manifest\+json)|image\/svg\+xml)/;

export function contentTypeOf(file: string): string {
  if (file === MANIFEST_FILE) return 'application/json; charset=utf-8';
  if (file === SIGNATURE_FILE) return 'application/octet-stream';
  if (file.endsWith('.atom')) return 'application/atom+xml; charset=utf-8';
  if (/(^|\/)feed\.json$/.test(file)) return 'application/feed+json; charset=utf-8';
  const type = mime.lookup(file) || 'application/octet-stream';
  return TEXT.test(type) ? `${type}; charset=utf-8` : type;
}

/**
 * Pages, feeds and the manifest change with every publication: caches must ask again each time,
 * or a reader could get a new page with an old manifest. Other files may be kept for an hour.
 */
export function cacheControlOf(file: string): string {
  return /\.(html?|xml|json|atom|rss|txt|sig)$/i.test(file) ? 'no-cache' : 'public, max-age=3600';
}
