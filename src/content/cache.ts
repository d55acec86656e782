/**
 * The content cache: one file, <cacheDir>/content.json, holding what parsing each valid or
 * draft article gave, keyed by its path and stat. A rebuild lists and stats every file and
 * parses only those whose stat changed. The cache never holds bodies: a cached article reads
 * its body back from its file when (and only when) something asks for it.
 *
 * A cache that cannot be read or written only costs time: it is never an error.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { InputError } from '../errors.ts';
import type { Warning } from '../progress.ts';
import { sourceFile } from '../paths.ts';
import type { Article } from './article.ts';
import { splitFences } from './frontmatter.ts';

export const CACHE_FILE = 'content.json';
const FORMAT = 'samizdat-content-cache';
/** Bump when the meaning of an entry changes without the source of src/content changing. */
const CACHE_VERSION = 1;

const require = createRequire(import.meta.url);

/** Same file, not edited: [size, mtimeMs, ctimeMs, ino]. */
export type Stamp = [number, number, number, number];

export function stampOf(st: { size: number; mtimeMs: number; ctimeMs: number; ino: number }): Stamp {
  return [st.size, st.mtimeMs, st.ctimeMs, st.ino];
}

function sameStamp(a: Stamp, b: Stamp): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

/** What parsing a file gave, minus what is derived from its path or held in the file. */
export type CachedArticle = Omit<Article, 'file' | 'sourcePath' | 'body'>;

export interface CacheEntry {
  s: Stamp;
  /** The article (valid files); absent for drafts. */
  a?: CachedArticle;
  /** 1 for a valid draft. */
  d?: 1;
  /** Warnings parsing gave, when there were any. */
  w?: Warning[];
}

interface CacheFile {
  format: string;
  version: string;
  entries: Record<string, CacheEntry>;
}

let codeHash: Promise<string> | undefined;

/**
 * What decides a parse besides the file's bytes: the source of src/content, the yaml and
 * transliteration (slugs) versions. Together with the site language it versions the cache.
 */
function contentCodeHash(): Promise<string> {
  codeHash ??= (async () => {
    const hash = createHash('sha256').update(`${FORMAT}\0${CACHE_VERSION}\0`);
    const dir = sourceFile('content');
    const names = (await readdir(dir)).filter((n) => n.endsWith('.ts')).sort();
    for (const name of names) hash.update(`${name}\0`).update(await readFile(path.join(dir, name))).update('\0');
    for (const pkg of ['yaml', 'transliteration']) {
      let version = 'unknown';
      try {
        version = (require(`${pkg}/package.json`) as { version: string }).version;
      } catch {
        // Not resolvable as a package file: the name alone still keys the cache.
      }
      hash.update(`${pkg}@${version}\0`);
    }
    return hash.digest('hex');
  })();
  return codeHash;
}

export async function cacheVersion(siteLang: string): Promise<string | undefined> {
  try {
    return createHash('sha256').update(await contentCodeHash()).update(`\0lang=${siteLang}`).digest('hex');
  } catch {
    codeHash = undefined;
    return undefined;
  }
}

/** The entries of a cache file written by this code for this site language; empty otherwise. */
export async function readContentCache(cacheDir: string, version: string): Promise<Map<string, CacheEntry>> {
  const entries = new Map<string, CacheEntry>();
  let data: CacheFile;
  try {
    data = JSON.parse(await readFile(path.join(cacheDir, CACHE_FILE), 'utf8')) as CacheFile;
  } catch {
    return entries;
  }
  if (!data || typeof data !== 'object' || data.format !== FORMAT || data.version !== version) return entries;
  if (!data.entries || typeof data.entries !== 'object') return entries;
  for (const [rel, e] of Object.entries(data.entries)) if (isEntry(e)) entries.set(rel, e);
  return entries;
}

function isEntry(e: unknown): e is CacheEntry {
  if (!e || typeof e !== 'object') return false;
  const { s, a, d, w } = e as Partial<CacheEntry>;
  if (!Array.isArray(s) || s.length !== 4 || !s.every((n) => typeof n === 'number')) return false;
  if (w !== undefined && !Array.isArray(w)) return false;
  if (d === 1) return a === undefined;
  return !!a && typeof a === 'object' && typeof a.hash === 'string' && typeof a.url === 'string' && typeof a.bodyLine === 'number';
}

/** Writes the cache atomically (temp file + rename). Failure is silent: it only costs time. */
export async function writeContentCache(cacheDir: string, version: string, entries: Map<string, CacheEntry>): Promise<boolean> {
  const file = path.join(cacheDir, CACHE_FILE);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(cacheDir, { recursive: true });
    const data: CacheFile = { format: FORMAT, version, entries: Object.fromEntries(entries) };
    await writeFile(tmp, JSON.stringify(data));
    await rename(tmp, file);
    return true;
  } catch {
    await rm(tmp, { force: true }).catch(() => {});
    return false;
  }
}

/** The entry's stamp matches the file's now. */
export function entryFresh(entry: CacheEntry | undefined, stamp: Stamp): entry is CacheEntry {
  return !!entry && sameStamp(entry.s, stamp);
}

// ignoreBOM: false (the default) drops a leading byte order mark, as parseArticle's decode does.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body of an article, read back from its file: only if the file still has the bytes the
 * article was made from (its sha256), else the page would mix two versions of the article.
 */
export function readBody(article: Pick<Article, 'file' | 'sourcePath' | 'hash'>): string {
  const changed = (cause?: unknown) =>
    new InputError('CONTENT_CHANGED_DURING_BUILD', `${article.file} changed while the site was being built`, {
      file: article.file,
      hint: 'Run the build again.',
      ...(cause === undefined ? {} : { cause }),
    });
  let bytes: Buffer;
  try {
    bytes = readFileSync(article.sourcePath);
  } catch (err) {
    throw changed(err);
  }
  if (createHash('sha256').update(bytes).digest('hex') !== article.hash) throw changed();
  return splitFences(UTF8.decode(bytes)).body;
}

/**
 * Makes `body` a non-enumerable property, so that JSON.stringify and spreads of an article
 * never carry (or, for a cached one, read) it: with `body` given it holds that string, without
 * it a getter reads the file on use. The last body read is kept only as long as something
 * else holds it (rendering asks twice in a row; 10,000 bodies must not pile up in memory).
 */
export function defineBody(article: Omit<Article, 'body'>, body?: string): Article {
  if (body !== undefined) {
    Object.defineProperty(article, 'body', { value: body, enumerable: false, writable: true, configurable: true });
    return article as Article;
  }
  let last: WeakRef<{ body: string }> | undefined;
  Object.defineProperty(article, 'body', {
    enumerable: false,
    configurable: true,
    get(this: Article): string {
      const held = last?.deref();
      if (held) return held.body;
      const box = { body: readBody(this) };
      last = new WeakRef(box);
      return box.body;
    },
    set(this: Article, value: string) {
      Object.defineProperty(this, 'body', { value, enumerable: false, writable: true, configurable: true });
    },
  });
  return article as Article;
}
