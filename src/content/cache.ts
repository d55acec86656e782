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
import { storedKeys, TableCodec, type RawEntry } from './cache-table.ts';
import type { Warning } from '../progress.ts';
import { packageVersion, sourceFile } from '../paths.ts';
import type { Article } from './article.ts';
import { strictUtf8 } from './utf8.ts';
import { splitFences } from './fences.ts';
import { textDirection } from './lang.ts';
import type { Stamp } from './scan.ts';

export const CACHE_FILE = 'content.state';
export const FORMAT = 'samizdat-content-cache/4';
/** Bump when the meaning of an entry changes without the source of src/content changing. */
const CACHE_VERSION = 1;

/**
 * One file in the cache file: a RawEntry (./cache-table.ts), [...stamp, shape, values, warnings
 * or 0, render key?], or in a whole file a row of its table (the entries read then give the row's
 * number). Keys listed as "=key" are not stored but derived (see DERIVED), so the thousands of
 * entries carry neither key names nor what follows from other fields. The render key (see
 * RenderKeys) was made under the head's renderSalt.
 */
type StoredEntry = RawEntry | number;

/** The cache file's head: the code version it was written by, and the shapes its entries use. */
interface CacheHead {
  version: string;
  shapes: string[][];
  /** The rendering code's salt the entries' render keys were made under (none: they have none). */
  renderSalt?: string;
}

/**
 * How the build names an article's rendering (src/build/cache.ts renderKey: its file, URL and
 * bytes, under the rendering code's salt). The key is kept with the article's entry, so that a
 * rebuild makes none for the thousands of articles it takes from the cache: an entry's file,
 * URL and bytes are those of the article it gives, and its key is used only under the salt it
 * was made with.
 */
export interface RenderKeys {
  /** What the keys are made under: keys kept under another salt are made again. */
  salt: string;
  /** The key of an article: 64 characters, the first 48 those of its sha256 (Article.hash). */
  make(article: Pick<Article, 'file' | 'url' | 'hash'>): string;
  /** Told the key of each article loaded (the cached one, or one made now). */
  known(article: Article, key: string): void;
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
  /** The article (undefined for a draft); its body is read from its file when asked for (defineBody). */
  article?: Article;
  draft: boolean;
  warnings: Warning[];
  /** The article's render key, kept under the salt of the RenderKeys the cache was opened with. */
  renderKey?: string;
}

/** Fields that follow from earlier ones (DERIVED), and the fields each reads. */
const DERIVED_FROM: Record<string, readonly string[]> = { dir: ['lang'], url: ['date', 'slug'], draft: [] };

/** The fields of an Article a cache entry may hold (file and sourcePath come from the lookup). */
const ARTICLE_FIELDS = new Set([
  'title', 'date', 'updated', 'lang', 'dir', 'author', 'summary', 'tags', 'tagSlugs', 'slug', 'image',
  'imageAlt', 'imageCaption', 'source', 'guid', 'draft', 'bodyLine', 'url', 'hash',
]);

/** Makes the article of an entry of one shape; undefined when the entry has another number of values. */
type Maker = (file: string, sourcePath: string, values: unknown[]) => Record<string, unknown> | undefined;
/** The same from a row of the table read: `columns` are the shape's stored fields' columns, in order. */
type RowMaker = (file: string, sourcePath: string, columns: ReadonlyArray<ArrayLike<unknown>>, row: number) => Record<string, unknown> | undefined;

/**
 * The maker of a shape ("=key": derived, see DERIVED). A rebuild makes 10,000 cached articles:
 * field by field (`a[key] = value`), each one is reallocated as it grows and every store is a
 * slow one. So a shape of known Article fields gets a function of its own that makes the article
 * as one object literal with its fields in order (the same object, field for field, as the loop
 * below makes), compiled once from those field names alone. Any other shape, or a runtime that
 * compiles no code from strings, is made by the loop.
 */
function makerOf(keys: readonly string[]): { make: Maker; makeRow: RowMaker } {
  const fields = keys.map((k) => (k[0] === '=' ? { key: k.slice(1), derive: DERIVED[k.slice(1)]! } : { key: k, derive: undefined }));
  const stored = fields.filter((f) => !f.derive).length;
  const loop: Maker = (file, sourcePath, values) => {
    if (values.length !== stored) return undefined;
    const a: Record<string, unknown> = { file, sourcePath };
    let v = 0;
    for (let k = 0; k < fields.length; k++) {
      const f = fields[k]!;
      a[f.key] = f.derive ? f.derive(a) : values[v++];
    }
    return a;
  };
  const loopRow: RowMaker = (file, sourcePath, columns, row) => {
    if (columns.length !== stored) return undefined;
    const a: Record<string, unknown> = { file, sourcePath };
    let v = 0;
    for (let k = 0; k < fields.length; k++) {
      const f = fields[k]!;
      a[f.key] = f.derive ? f.derive(a) : columns[v++]![row];
    }
    return a;
  };
  // The literal gives every stored field its value at once; a derived field must then read only
  // fields before it (as in the loop, where later ones are not set yet), each known and once.
  const names = fields.map((f) => f.key);
  const known = names.every((n) => ARTICLE_FIELDS.has(n)) && new Set(names).size === names.length;
  const inOrder = fields.every((f, i) => !f.derive || (DERIVED_FROM[f.key]?.every((dep) => names.indexOf(dep) >= 0 && names.indexOf(dep) < i) ?? false));
  if (!known || !inOrder) return { make: loop, makeRow: loopRow };
  let v = 0;
  const literal = fields.map((f) => `${f.key}: ${f.derive ? 'undefined' : `values[${v++}]`}`).join(', ');
  let c = 0;
  const rowLiteral = fields.map((f) => `${f.key}: ${f.derive ? 'undefined' : `columns[${c++}][row]`}`).join(', ');
  const derived = fields.filter((f) => f.derive).map((f) => `a.${f.key} = derive.${f.key}(a);`).join(' ');
  try {
    // Only names from ARTICLE_FIELDS and numbers go into the code.
    const compile = new Function('derive', `return function (file, sourcePath, values) { if (values.length !== ${stored}) return undefined; const a = { file, sourcePath, ${literal} }; ${derived} return a; };`) as (derive: typeof DERIVED) => Maker;
    const compileRow = new Function('derive', `return function (file, sourcePath, columns, row) { if (columns.length !== ${stored}) return undefined; const a = { file, sourcePath, ${rowLiteral} }; ${derived} return a; };`) as (derive: typeof DERIVED) => RowMaker;
    return { make: compile(DERIVED), makeRow: compileRow(DERIVED) };
  } catch {
    return { make: loop, makeRow: loopRow };
  }
}

/**
 * An article made by a maker, or undefined if its values could not make one: a derived field of a
 * damaged entry (a date that is no string) throws, and a damaged cache must only cost a parse.
 */
function madeSafely(make: Maker | RowMaker, rel: string, sourcePath: string, values: unknown[] | ReadonlyArray<ArrayLike<unknown>>, row: number): Record<string, unknown> | undefined {
  try {
    return row === -1 ? (make as Maker)(rel, sourcePath, values as unknown[]) : (make as RowMaker)(rel, sourcePath, values as ReadonlyArray<ArrayLike<unknown>>, row);
  } catch {
    return undefined;
  }
}

export class ContentCache {
  /**
   * The files whose entry read is used as it is, in the order looked up. With `parsed`, the
   * entries of this run (what save() writes back); a list, not a Map of 10,000 entries.
   */
  private readonly reused: string[] = [];
  /** Entries made by this run (parsed now, or given a new render key): what a save writes as changes. */
  private readonly parsed = new Map<string, RawEntry>();
  /** The whole file's layout (a table), and the table read. Its shapes are oldShapeKeys (the same list). */
  private codec: TableCodec;
  /** For each shape, its stored fields' columns in the table read (undefined: it lacks one). */
  private rowColumns: Array<ReadonlyArray<ArrayLike<unknown>> | undefined> = [];
  private rowMakers: RowMaker[] = [];
  /**
   * The outcome of each row of the table read, made as the cache was opened (undefined: not made
   * then; null: not an article): a rebuild waits for the scan of the content folder there anyway,
   * and only compares stamps once the scan is in.
   */
  private made: Array<CachedFile | null | undefined> = [];
  /** Of `parsed`, those given a new render key: they are in `reused` too. */
  private rekeyed = 0;
  private makers: Maker[] = [];
  private oldShapeKeys: string[][] = [];
  private dirty = false;

  /** Whether the entries' render keys were made under the salt of the RenderKeys given. */
  private readonly keysUsable: boolean;

  private constructor(
    readonly dir: string,
    private readonly version: string | undefined,
    /** The entries read (the map straight from the state file: no copy of 10,000 entries). */
    private readonly old: ReadonlyMap<string, StoredEntry>,
    /** The salt the render keys of the entries read were made under (their head's). */
    private readonly keysSalt: string | undefined,
    /** How this build names renderings: undefined, no keys are made (nor used). */
    readonly renderKeys: RenderKeys | undefined,
    /** What a save writes only the changes of. */
    private readonly base?: StateMapBase,
  ) {
    this.keysUsable = renderKeys !== undefined && keysSalt === renderKeys.salt;
    this.codec = new TableCodec(this.oldShapeKeys);
  }

  /**
   * Reads <dir>/content.state if it was written by this code for this site language. With
   * `sourceOf` (the source path of a file, as lookups will give it), the articles of the entries
   * read are made now, before their stamps are known (see `made`).
   */
  static async open(dir: string, siteLang: string, renderKeys?: RenderKeys, sourceOf?: (rel: string) => string): Promise<ContentCache> {
    const version = await cacheVersion(siteLang);
    const cache = new ContentCache(dir, version, new Map(), undefined, renderKeys);
    if (!version) return cache;
    // The codec's shapes are the cache's own list (it grows as files of new shapes are parsed).
    const shapes: string[][] = [];
    const codec = new TableCodec(shapes);
    const state = await readStateMap(path.join(dir, CACHE_FILE), FORMAT, codec);
    const head = state?.head as Partial<CacheHead> | undefined;
    if (!state || !head || head.version !== version || !Array.isArray(head.shapes)) return cache;
    if (!head.shapes.every((keys) => Array.isArray(keys) && keys.every((k) => typeof k === 'string' && (k[0] !== '=' || Object.hasOwn(DERIVED, k.slice(1)))))) return cache;
    const keysSalt = typeof head.renderSalt === 'string' ? head.renderSalt : undefined;
    const c = new ContentCache(dir, version, state.entries as ReadonlyMap<string, StoredEntry>, keysSalt, renderKeys, state.base);
    shapes.push(...head.shapes);
    c.oldShapeKeys = shapes;
    c.codec = codec;
    const makers = head.shapes.map(makerOf);
    c.makers = makers.map((m) => m.make);
    c.rowMakers = makers.map((m) => m.makeRow);
    const table = codec.table;
    if (table) {
      c.rowColumns = head.shapes.map((keys) => {
        const names = storedKeys(keys);
        const columns = names.map((k) => table.columns.get(k));
        // A field twice in a shape (a damaged head) would read one column for both.
        return columns.every((col) => col !== undefined) && new Set(names).size === names.length ? (columns as Array<ArrayLike<unknown>>) : undefined;
      });
      if (sourceOf) {
        const made = new Array<CachedFile | null | undefined>(table.rels.length);
        // An indexed loop: 10,000 rounds, mostly before the optimizing compiler gets to this code.
        for (let row = 0; row < made.length; row++) {
          const shapeIndex = table.shapes[row]!;
          if (shapeIndex === -1) continue;
          const columns = c.rowColumns[shapeIndex];
          const make = c.rowMakers[shapeIndex];
          const rel = table.rels[row]!;
          const key = table.keys[row]!;
          made[row] = columns && make ? c.outcome(madeSafely(make, rel, sourceOf(rel), columns, row), NO_WARNINGS, key === '' ? undefined : key) ?? null : null;
        }
        c.made = made;
      }
    }
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
    return this.lookupAt(rel, sourcePath, stamp, 0);
  }

  /**
   * lookup() with the file's stamp at stamps[at…at + 3] (a ContentScan's, without an array made
   * for each of 10,000 files). Written as plain indexed loads and loops: most of a rebuild's
   * lookups run before the optimizing compiler has got to this code.
   */
  lookupAt(rel: string, sourcePath: string, stamps: ArrayLike<number>, at: number): CachedFile | undefined {
    const e = this.old.get(rel);
    if (typeof e === 'number') return this.lookupRow(rel, sourcePath, stamps, at, e);
    if (!Array.isArray(e) || e[0] !== stamps[at] || e[1] !== stamps[at + 1] || e[2] !== stamps[at + 2] || e[3] !== stamps[at + 3]) return undefined;
    const shapeIndex = e[4];
    const values = e[5];
    const kept = e[6] === undefined ? 0 : e[6];
    const renderKey = e[7];
    if (kept !== 0 && !Array.isArray(kept)) return undefined;
    const warnings = kept === 0 ? NO_WARNINGS : kept;
    if (shapeIndex === -1) {
      this.reused.push(rel);
      return { draft: true, warnings };
    }
    const make = Number.isInteger(shapeIndex) ? this.makers[shapeIndex] : undefined;
    if (!make || !Array.isArray(values)) return undefined;
    const hit = this.outcome(madeSafely(make, rel, sourcePath, values, -1), warnings, renderKey);
    if (hit) this.reused.push(rel);
    return hit;
  }

  /** lookupAt for an entry that is a row of the table read (no warnings: those are kept beside it). */
  private lookupRow(rel: string, sourcePath: string, stamps: ArrayLike<number>, at: number, row: number): CachedFile | undefined {
    const t = this.codec.table!;
    const s = t.stamps;
    const r = row * 4;
    // A file gone since the listing has NaN for a stamp, which matches nothing.
    if (s[r] !== stamps[at] || s[r + 1] !== stamps[at + 1] || s[r + 2] !== stamps[at + 2] || s[r + 3] !== stamps[at + 3]) return undefined;
    const shapeIndex = t.shapes[row]!;
    if (shapeIndex === -1) {
      this.reused.push(rel);
      return { draft: true, warnings: NO_WARNINGS };
    }
    let hit = this.made[row];
    // Made as the cache was opened, for this same source path (a lookup of another gives its own).
    if (hit === undefined || (hit !== null && hit.article!.sourcePath !== sourcePath)) {
      const columns = this.rowColumns[shapeIndex];
      const make = this.rowMakers[shapeIndex];
      const key = t.keys[row]!;
      hit = columns && make ? this.outcome(madeSafely(make, rel, sourcePath, columns, row), NO_WARNINGS, key === '' ? undefined : key) ?? null : null;
    }
    if (!hit) return undefined;
    this.reused.push(rel);
    return hit;
  }

  /** The outcome of an entry whose article was made (undefined: its values were not an article's). */
  private outcome(a: Record<string, unknown> | undefined, warnings: Warning[], renderKey: unknown): CachedFile | undefined {
    if (!a || typeof a.hash !== 'string' || typeof a.url !== 'string' || typeof a.title !== 'string' || typeof a.date !== 'string' || typeof a.slug !== 'string' || typeof a.lang !== 'string' || typeof a.bodyLine !== 'number') return undefined;
    if (!Array.isArray(a.tags) || !Array.isArray(a.tagSlugs) || a.tags.length !== a.tagSlugs.length) return undefined;
    const article = defineBody(a as unknown as Omit<Article, 'body'>);
    // A key kept under this salt, of these bytes (a damaged one is made again). Kept whole: a
    // key put together here would be copied again into one string when the build looks it up.
    if (this.keysUsable && typeof renderKey === 'string' && keptPart(a as { hash: string }, renderKey) !== undefined) return { article, draft: false, warnings, renderKey };
    return { article, draft: false, warnings };
  }

  /**
   * Keeps a render key made now for an entry looked up (its own was made under another salt, or
   * is missing): the entry is written again with it.
   */
  rekey(rel: string, article: Pick<Article, 'hash'>, renderKey: string): void {
    // Only for an entry reused by this run (then it is the one read), once.
    const stored = this.old.get(rel);
    const e = typeof stored === 'number' ? this.codec.entryOf(stored) : stored;
    const kept = keptPart(article, renderKey);
    if (!e || e[4] === -1 || kept === undefined || this.parsed.has(rel)) return;
    const entry = [e[0], e[1], e[2], e[3], e[4], e[5], e[6] ?? 0, kept] as RawEntry;
    this.parsed.set(rel, entry);
    this.rekeyed++;
    this.dirty = true;
  }

  /** How many entries this run has: reused and made now. */
  private get entryCount(): number {
    return this.reused.length + this.parsed.size - this.rekeyed;
  }

  /** Records what parsing a valid file gave (article undefined: a draft), with its render key if one was made. */
  remember(rel: string, stamp: Stamp, article: Omit<Article, 'body'> | undefined, warnings: Warning[], renderKey?: string): void {
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
    const kept = article && renderKey !== undefined ? keptPart(article, renderKey) : undefined;
    const entry = [...stamp, shapeIndex, values, ...(kept !== undefined ? [warnings.length ? warnings : 0, kept] : warnings.length ? [warnings] : [])] as RawEntry;
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
    if (!this.dirty && this.entryCount === this.size) return false;
    // Every entry written has its key made under this salt, or none: those looked up under
    // another salt were given new ones (rekey); without RenderKeys none is made, and the keys
    // carried over are still those of the salt read.
    const renderSalt = this.renderKeys ? this.renderKeys.salt : this.keysSalt;
    const head: CacheHead = { version: this.version, shapes: this.oldShapeKeys, ...(renderSalt !== undefined ? { renderSalt } : {}) };
    const file = path.join(this.dir, CACHE_FILE);
    let written: Promise<unknown>;
    if (this.base) {
      // From the changes (the entries parsed now, those of files gone or now invalid), without a
      // pass that compares 10,000 entries. None went away when the counts add up.
      let added = 0;
      for (const rel of this.parsed.keys()) if (!this.old.has(rel)) added++;
      const removed: string[] = [];
      if (this.entryCount !== this.old.size + added) {
        const reused = new Set(this.reused);
        for (const rel of this.old.keys()) if (!reused.has(rel) && !this.parsed.has(rel)) removed.push(rel);
      }
      written = writeStateMapChanges(file, FORMAT, { ...head }, this.base, { set: this.parsed, removed }, 'content.json', this.codec);
    } else {
      const entries = new Map<string, StoredEntry>();
      for (const rel of this.reused) entries.set(rel, this.old.get(rel)!);
      for (const [rel, entry] of this.parsed) entries.set(rel, entry);
      written = writeStateMap(file, FORMAT, { ...head }, entries, undefined, 'content.json', this.codec);
    }
    return written.then(
      () => true,
      () => false,
    );
  }
}

const NO_WARNINGS: Warning[] = [];

/** How many of a render key's first characters are those of the article's hash (RenderKeys.make). */
const HASH_PREFIX = 48;

/** The render key an entry keeps; undefined (none kept) for a key not made as RenderKeys says. */
function keptPart(article: Pick<Article, 'hash'>, renderKey: string): string | undefined {
  return renderKey.length === 64 && renderKey.startsWith(article.hash.slice(0, HASH_PREFIX)) ? renderKey : undefined;
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
