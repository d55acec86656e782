/**
 * Upload order, so that a reader never meets a link to a file that is not there yet:
 * assets first (nothing links from them to pages), then article pages (they link to assets),
 * then the pages and files that list articles (home, archives, tags, feeds, mirrors.json, 404),
 * and the signature and manifest last. Each phase finishes before the next starts.
 *
 * The rules are a named table, first match wins, so the order is easy to read and to test.
 */
import { MANIFEST_FILE, SIGNATURE_FILE } from '../manifest/types.ts';

export const PHASES = ['asset', 'article', 'index', 'signature', 'manifest'] as const;
export type Phase = (typeof PHASES)[number];

/** Folder names under which HTML pages are lists of articles rather than articles. */
const LISTING_DIRS = new Set([
  'page', 'pages', 'tag', 'tags', 'topic', 'topics', 'archive', 'archives', 'month', 'months', 'year', 'years',
  'lang', 'langs', 'language', 'languages', 'author', 'authors', 'category', 'categories', 'mirrors', 'feeds', 'feed', 'index',
]);

const PAGE_EXT = /\.(html?|xhtml)$/i;
/** Documents that list or point at other files: feeds, sitemaps, mirrors.json, JSON Feed. */
const LIST_EXT = /\.(xml|json|rss|atom|txt|webmanifest)$/i;

interface OrderRule {
  name: string;
  phase: Phase;
  test(path: string): boolean;
}

export const ORDER_RULES: readonly OrderRule[] = [
  { name: 'manifest', phase: 'manifest', test: (p) => p === MANIFEST_FILE },
  { name: 'signature', phase: 'signature', test: (p) => p === SIGNATURE_FILE },
  // feeds, sitemaps, mirrors.json, robots.txt: they name pages, so after the pages.
  { name: 'list-document', phase: 'index', test: (p) => LIST_EXT.test(p) },
  { name: 'not-a-page', phase: 'asset', test: (p) => !PAGE_EXT.test(p) },
  // index.html, 404.html, mirrors.html at the root: the entry points readers arrive at.
  { name: 'root-page', phase: 'index', test: (p) => !p.includes('/') },
  { name: 'listing-folder', phase: 'index', test: (p) => p.split('/').slice(0, -1).some((seg) => LISTING_DIRS.has(seg.toLowerCase())) },
  { name: 'article', phase: 'article', test: () => true },
];

export function phaseOf(path: string): Phase {
  for (const rule of ORDER_RULES) if (rule.test(path)) return rule.phase;
  return 'article';
}

/** Groups paths into phases, in phase order; within a phase, bigger files first (they take longest). */
export function orderUploads<T extends { path: string; size: number }>(files: T[]): Array<{ phase: Phase; files: T[] }> {
  const groups = new Map<Phase, T[]>(PHASES.map((p) => [p, []]));
  for (const f of files) groups.get(phaseOf(f.path))!.push(f);
  return PHASES.map((phase) => ({
    phase,
    files: groups.get(phase)!.sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  })).filter((g) => g.files.length > 0);
}
