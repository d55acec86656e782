/**
 * The content cache: <cacheDir>/content.state (a Map state of ../state-file.ts: the changes of a
 * rebuild that parsed a few files go into content.state.delta beside it), holding what parsing
 * each valid or draft article gave, keyed by its path and stat. A rebuild lists and stats every
 * file and parses only those whose stat changed. The cache never holds bodies: a cached article
 * reads its body back from its file when (and only when) something asks for it.
 *
 * A cache that cannot be read or written only costs time: it is never an error.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';
import { readStateMap, writeStateMap, writeStateMapChanges, type StateMapBase } from '../state-file.ts';
import type { Warning } from '../progress.ts';
import { packageVersion, sourceFile } from '../paths.ts';
import type { Article } from './article.ts';
import { strictUtf8 } from './utf8.ts';
import { splitFences } from './fences.ts';
import { textDirection } from './lang.ts';
import type { Stamp } from './scan.ts';

export const CACHE_FILE = 'content.state';
export const FORMAT = 'samizdat-content-cache/2';
/** Bump when the meaning of an entry changes without the source of src/content changing. */
const CACHE_VERSION = 1;

/**
 * One file in the cache file: [...stamp, shape, values, warnings?]. `shape` indexes the file's
 * list of key lists (-1 for a draft, which keeps no article); `values` are the article's field
 * values in that key order. Keys listed as "=key" are not stored but derived (see DERIVED), so
 * the thousands of entries carry neither key names nor what follows from other fields.
 */
type RawEntry = [number, number, number, number, number, unknown[], Warning[]?];

/** The cache file's head: the code version it was written by, and the shapes its entries use. */
interface CacheHead {
  version: string;
  shapes: string[][];
}

/** Fields that follow from earlier ones, exactly as parseArticle computes them. */
const DERIVED: Record<string, (a: Record<string, unknown>) => unknown> = {
  dir: (a) => textDirection(a.lang as string),
  url: (a) => {
    const date = a.date as string;
    return `articles/${date.slice(0, 4)}/${date.slice(5, 7)}/${a.slug as string}/index.html`;
  },
  draft: () => false,
};

/** What a cached file gives back. */
export interface CachedFile {
  /** The article without its body (undefined for a draft). */
  article?: Omit<Article, 'body'>;
  draft: boolean;
  warnings: Warning[];
}

/** Decoded shape: each key, and how its value is derived when it is not stored. */
type Shape = Array<{ key: string; derive?: (a: Record<string, unknown>) => unknown }>;

export class ContentCache {
  /** Entries of this run: reused raw ones and new ones; written back by save(). */
  private readonly next = new Map<string, RawEntry>();
  /** Entries made by this run's parses (what a save writes as changes). */
  private readonly parsed = new Map<string, RawEntry>();
  private shapes: Shape[] = [];
  private oldShapeKeys: string[][] = [];
  private dirty = false;

  private constructor(
    readonly dir: string,
    private readonly version: string | undefined,
    /** The entries read (the map straight from the state file: no copy of 10,000 entries). */
    private readonly old: ReadonlyMap<string, RawEntry>,
    /** What a save writes only the changes of. */
    private readonly base?: StateMapBase,
  ) {}

  /** Reads <dir>/content.state if it was written by this code for this site language. */
  static async open(dir: string, siteLang: string): Promise<ContentCache> {
    const version = await cacheVersion(siteLang);
    const cache = new ContentCache(dir, version, new Map());
    if (!version) return cache;
    const state = await readStateMap(path.join(dir, CACHE_FILE), FORMAT);
    const head = state?.head as Partial<CacheHead> | undefined;
    if (!state || !head || head.version !== version || !Array.isArray(head.shapes)) return cache;
    if (!head.shapes.every((keys) => Array.isArray(keys) && keys.every((k) => typeof k === 'string' && (k[0] !== '=' || Object.hasOwn(DERIVED, k.slice(1)))))) return cache;
    const c = new ContentCache(dir, version, state.entries as ReadonlyMap<string, RawEntry>, state.base);
    c.oldShapeKeys = [...head.shapes];
    c.shapes = head.shapes.map((keys) => keys.map((k) => (k[0] === '=' ? { key: k.slice(1), derive: DERIVED[k.slice(1)]! } : { key: k })));
    return c;
  }

  /** Number of entries read. */
  get size(): number {
    return this.old.size;
  }

  /**
   * The cached outcome of a file whose stamp is unchanged, or undefined (then parse it and
   * call remember). A damaged entry counts as missing.
   */
  lookup(rel: string, sourcePath: string, stamp: Stamp): CachedFile | undefined {
    const e = this.old.get(rel);
    if (!Array.isArray(e) || e[0] !== stamp[0] || e[1] !== stamp[1] || e[2] !== stamp[2] || e[3] !== stamp[3]) return undefined;
    const [, , , , shapeIndex, values, warnings = []] = e;
    if (!Array.isArray(warnings)) return undefined;
    if (shapeIndex === -1) {
      this.next.set(rel, e);
      return { draft: true, warnings };
    }
    const shape = Number.isInteger(shapeIndex) ? this.shapes[shapeIndex] : undefined;
    if (!shape || !Array.isArray(values)) return undefined;
    const a: Record<string, unknown> = { file: rel, sourcePath };
    let v = 0;
    for (const { key, derive } of shape) a[key] = derive ? derive(a) : values[v++];
    if (v !== values.length || typeof a.hash !== 'string' || typeof a.url !== 'string' || typeof a.title !== 'string' || typeof a.bodyLine !== 'number') return undefined;
    if (!Array.isArray(a.tags) || !Array.isArray(a.tagSlugs) || a.tags.length !== a.tagSlugs.length) return undefined;
    this.next.set(rel, e);
    return { article: a as unknown as Omit<Article, 'body'>, draft: false, warnings };
  }

  /** Records what parsing a valid file gave (article undefined: a draft). */
  remember(rel: string, stamp: Stamp, article: Omit<Article, 'body'> | undefined, warnings: Warning[]): void {
    let shapeIndex = -1;
    const values: unknown[] = [];
    if (article) {
      const keys: string[] = [];
      const a = article as unknown as Record<string, unknown>;
      for (const key of Object.keys(a)) {
        if (key === 'file' || key === 'sourcePath') continue;
        if (Object.hasOwn(DERIVED, key) && DERIVED[key]!(a) === a[key]) keys.push(`=${key}`);
        else {
          keys.push(key);
          values.push(a[key]);
        }
      }
      shapeIndex = this.shapeIndex(keys);
    }
    const entry = [...stamp, shapeIndex, values, ...(warnings.length ? [warnings] : [])] as RawEntry;
    this.next.set(rel, entry);
    this.parsed.set(rel, entry);
    this.dirty = true;
  }

  private shapeIndex(keys: string[]): number {
    const id = keys.join('\0');
    const i = this.oldShapeKeys.findIndex((k) => k.join('\0') === id);
    if (i >= 0) return i;
    this.oldShapeKeys.push(keys);
    return this.oldShapeKeys.length - 1;
  }

  /**
   * Writes the entries of this run, when they differ from what was read: entries of deleted
   * or now invalid files are left out. Atomic (temp file + rename); a failure only costs time.
   * Shapes are never renumbered, so an entry carried over is the very value read, and a rebuild
   * that parsed a few files writes only those (see writeStateMap).
   */
  async save(): Promise<boolean> {
    if (!this.version) return false;
    // Nothing new, and every old entry reused: the file on disk already says this.
    if (!this.dirty && this.next.size === this.size) return false;
    const head: CacheHead = { version: this.version, shapes: this.oldShapeKeys };
    const file = path.join(this.dir, CACHE_FILE);
    let written: Promise<unknown>;
    if (this.base) {
      // From the changes (the entries parsed now, those of files gone or now invalid), without a
      // pass that compares 10,000 entries. None went away when the counts add up.
      let added = 0;
      for (const rel of this.parsed.keys()) if (!this.old.has(rel)) added++;
      const removed: string[] = [];
      if (this.next.size !== this.old.size + added) for (const rel of this.old.keys()) if (!this.next.has(rel)) removed.push(rel);
      written = writeStateMapChanges(file, FORMAT, { ...head }, this.base, { set: this.parsed, removed }, 'content.json');
    } else {
      written = writeStateMap(file, FORMAT, { ...head }, this.next, undefined, 'content.json');
    }
    return written.then(
      () => true,
      () => false,
    );
  }
}

let codeHash: Promise<string> | undefined;

/**
 * What decides a parse besides the file's bytes: the source of src/content, the yaml and js-yaml
 * (front matter) and transliteration (slugs) versions. Together with the site language it
 * versions the cache.
 */
function contentCodeHash(): Promise<string> {
  codeHash ??= (async () => {
    const hash = createHash('sha256').update(`${FORMAT}\0${CACHE_VERSION}\0`);
    const dir = sourceFile('content');
    // Read synchronously: some fifteen small files, where each asynchronous read is a few
    // thread-pool round trips that wait for a core on a busy machine.
    const names = readdirSync(dir).filter((n) => n.endsWith('.ts')).sort();
    for (const name of names) hash.update(`${name}\0`).update(readFileSync(path.join(dir, name))).update('\0');
    for (const pkg of ['yaml', 'js-yaml', 'transliteration']) hash.update(`${pkg}@${packageVersion(pkg) ?? 'unknown'}\0`);
    return hash.digest('hex');
  })();
  return codeHash;
}

/** The cache's version for this site language; undefined when the code cannot be read. */
export async function cacheVersion(siteLang: string): Promise<string | undefined> {
  try {
    return createHash('sha256').update(await contentCodeHash()).update(`\0lang=${siteLang}`).digest('hex');
  } catch {
    codeHash = undefined;
    return undefined;
  }
}

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
  const text = strictUtf8(bytes);
  if (text === undefined) throw changed();
  return splitFences(text).body;
}

/** The last body read of each cached article, kept only while something else holds it. */
const lastBody = new WeakMap<object, WeakRef<{ body: string }>>();

/**
 * One getter and setter for all cached articles: a closure per article would give each of
 * 10,000 objects its own hidden class, and slow down every later property access.
 */
const LAZY_BODY: PropertyDescriptor = {
  enumerable: false,
  configurable: true,
  get(this: Article): string {
    const held = lastBody.get(this)?.deref();
    if (held) return held.body;
    const box = { body: readBody(this) };
    lastBody.set(this, new WeakRef(box));
    return box.body;
  },
  set(this: Article, value: string) {
    Object.defineProperty(this, 'body', { value, enumerable: false, writable: true, configurable: true });
  },
};

/**
 * Makes `body` a non-enumerable property, so that JSON.stringify and spreads of an article
 * never carry (or, for a cached one, read) it: with `body` given it holds that string, without
 * it a getter reads the file on use. The last body read is kept only as long as something
 * else holds it (rendering asks twice in a row; 10,000 bodies must not pile up in memory).
 */
export function defineBody(article: Omit<Article, 'body'>, body?: string): Article {
  if (body !== undefined) Object.defineProperty(article, 'body', { value: body, enumerable: false, writable: true, configurable: true });
  else Object.defineProperty(article, 'body', LAZY_BODY);
  return article as Article;
}
