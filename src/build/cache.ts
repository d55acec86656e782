/**
 * A content-hash cache of rendered articles under .samizdat/: a rebuild renders only the
 * articles whose bytes (or images) changed. What every build needs of every article (image,
 * warnings, media) sits in one index file; the text of each article, its summary and HTML, in a
 * file of its own, read only when a page or feed that shows it is written again. The index is
 * written atomically; a damaged or stale entry is simply rendered again.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Article, RenderKeys } from '../content/index.ts';
import type { RenderedArticle } from './render.ts';
import { stampOf } from './input-stamp.ts';
import { VERSION } from '../version.ts';
import { packageVersion, sourceFile } from '../paths.ts';
import { readStateMap, writeStateMap, writeStateMapChanges, type StateMapBase } from '../state-file.ts';
import { sha256Hex } from '../digest.ts';
import { mapLimit } from './map-limit.ts';

/** Bump when rendering changes output for the same input, or the text files their layout. */
const RENDER_VERSION = 6;

let codeFingerprint: string | undefined;
/**
 * What else decides a rendering: the rendering code itself and the Markdown and sanitizer
 * libraries' versions. Any change starts the cache afresh.
 */
async function renderCodeHash(): Promise<string> {
  if (codeFingerprint) return codeFingerprint;
  const hash = createHash('sha256').update(`${VERSION}\0${RENDER_VERSION}`);
  for (const file of ['markdown.ts', 'render.ts']) hash.update(readFileSync(sourceFile('build', file)));
  for (const pkg of ['markdown-it', 'sanitize-html']) hash.update(`${pkg}@${packageVersion(pkg) ?? 'unknown'}`);
  codeFingerprint = hash.digest('hex');
  return codeFingerprint;
}

/**
 * A rendering without its text (summary and HTML): what lists, keys and warnings need of every
 * article. The text is read from the cache only for the pages and feeds written now.
 */
export type RenderedMeta = Omit<RenderedArticle, 'html' | 'summary'>;

/** An article's text as the cache keeps it. */
export interface RenderedText {
  html: string;
  summary: string;
}

interface IndexEntry extends RenderedMeta {
  /** sha256 of the text file: a damaged or edited file is rendered again, never published. */
  htmlSha256: string;
}

/**
 * How an entry is kept in the index file: most articles have no warnings, images or image
 * inputs, and for them the sha256 of its text file alone stands for the whole entry. Ten
 * thousand short strings read several times faster than ten thousand objects with three arrays
 * each (or than strings carrying each summary, which only the pages written now need).
 */
type StoredEntry = string | IndexEntry;

const NONE: readonly never[] = Object.freeze([]);

/** The fields a string entry stands for: an entry with any other field is kept whole. */
const PLAIN_FIELDS = new Set(['warnings', 'media', 'inputs', 'htmlSha256']);

function storedEntry(e: IndexEntry): StoredEntry {
  const plain = !e.warnings.length && !e.media.length && !e.inputs.length && Object.keys(e).every((k) => PLAIN_FIELDS.has(k));
  return plain ? e.htmlSha256 : e;
}

/** The meta of every plain entry: no warnings, media or inputs. */
const PLAIN_META: RenderedMeta = Object.freeze({ warnings: NONE as never[], media: NONE as never[], inputs: NONE as never[] });

function indexEntry(stored: StoredEntry | undefined): IndexEntry | undefined {
  if (typeof stored !== 'string') return stored;
  // Anything but a 64-character digest is damage. A damaged digest of that length matches no
  // text file's sha256, so that article is rendered again.
  if (stored.length !== 64) return undefined;
  return { warnings: NONE as never[], media: NONE as never[], inputs: NONE as never[], htmlSha256: stored };
}

/** A text file: the summary's length in UTF-16 code units, a newline, the summary, the HTML. */
function textFile(text: RenderedText): string {
  return `${text.summary.length}\n${text.summary}${text.html}`;
}

function parseTextFile(file: string): RenderedText | undefined {
  const nl = file.indexOf('\n');
  const length = nl > 0 && nl < 10 ? Number(file.slice(0, nl)) : NaN;
  if (!Number.isSafeInteger(length) || nl + 1 + length > file.length) return undefined;
  return { summary: file.slice(nl + 1, nl + 1 + length), html: file.slice(nl + 1 + length) };
}

/** Where renderings are written, for a thread that renders (see RenderCache.writer). */
export interface RenderCacheWriter {
  dir: string;
  salt: string;
}

/**
 * Names the rendering of an article's bytes at its path and URL by this code (salt): 64 hex
 * digits, as a sha256 of all four would be, without a hash object per article (a rebuild names
 * 10,000 of them). The bytes' own sha256 (Article.hash) gives 192 bits; a 64-bit mix of the path
 * and URL, started from the salt's, tells the same bytes apart at another path or URL.
 */
export function renderKey(salt: string, article: Pick<Article, 'file' | 'url' | 'hash'>): string {
  const seed = saltSeed(salt);
  return article.hash.slice(0, 48) + mix64(`${article.file}\0${article.url}`, seed[0], seed[1]);
}

let lastSeed: { salt: string; seed: [number, number] } | undefined;
function saltSeed(salt: string): [number, number] {
  if (lastSeed?.salt !== salt) {
    const hex = mix64(salt, 0xdeadbeef, 0x41c6ce57);
    lastSeed = { salt, seed: [parseInt(hex.slice(0, 8), 16), parseInt(hex.slice(8), 16)] };
  }
  return lastSeed.seed;
}

/** 16 hex digits from two multiply-xor lanes over the UTF-16 code units (the cyrb53 mix, both lanes kept). */
function mix64(text: string, seed1: number, seed2: number): string {
  let h1 = seed1;
  let h2 = seed2;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
}

function textFileOf(dir: string, key: string): string {
  return path.join(dir, 'articles', key.slice(0, 2), `${key}.txt`);
}

/**
 * Writes an article's text where the cache will look for it, and returns the file's sha256.
 * Written in place and synchronously: a first build writes thousands of these, and a file cut
 * short (a crash, a build beside this one) fails its sha256 check and is rendered again.
 */
export function writeRenderedText(writer: RenderCacheWriter, article: Pick<Article, 'file' | 'url' | 'hash'>, text: RenderedText, madeFolders: Set<string>): string {
  const file = textFileOf(writer.dir, renderKey(writer.salt, article));
  const folder = path.dirname(file);
  if (!madeFolders.has(folder)) {
    mkdirSync(folder, { recursive: true });
    madeFolders.add(folder);
  }
  const bytes = Buffer.from(textFile(text));
  writeFileSync(file, bytes);
  return sha256Hex(bytes);
}

const INDEX_FILE = 'render-index.state';
const INDEX_FORMAT = 'samizdat-render-index/4';

export class RenderCache {
  private salt = '';
  private index: ReadonlyMap<string, StoredEntry> = new Map();
  private base: StateMapBase | undefined;
  /** Entries of this build, as stored: a plain entry stays the very string read. */
  private readonly used = new Map<string, StoredEntry>();
  /** Keys of the entries rendered (or adopted) by this build: the only entries of `used` that are not the index's own. */
  private readonly fresh = new Set<string>();
  private readonly keys = new WeakMap<Article, string>();
  /** Folders of HTML files made by this build. */
  private readonly folders = new Set<string>();
  private constructor(readonly dir: string | undefined) {}

  static async open(dir: string | undefined): Promise<RenderCache> {
    const cache = new RenderCache(dir);
    if (!dir) return cache;
    cache.salt = await renderCodeHash();
    // No index yet, or one we cannot read: every article is rendered.
    const state = await readStateMap(path.join(dir, INDEX_FILE), INDEX_FORMAT);
    if (state?.head.salt === cache.salt) {
      cache.index = state.entries as ReadonlyMap<string, StoredEntry>;
      cache.base = state.base;
    }
    return cache;
  }

  /** Nothing rendered before (a first build, or code that changed). */
  get empty(): boolean {
    return this.index.size === 0;
  }

  /**
   * For the content cache (loadContent's renderKeys): it keeps each article's key with the
   * article, and hands over the keys of the articles it loads, so that a rebuild makes none for
   * the unchanged ones. Undefined without a cache folder.
   */
  contentKeys(): RenderKeys | undefined {
    if (!this.dir) return undefined;
    const salt = this.salt;
    return {
      salt,
      make: (article) => renderKey(salt, article),
      known: (article, key) => {
        this.keys.set(article, key);
      },
    };
  }

  /** Names the rendering of these bytes at this path and URL by this code. */
  key(article: Article): string {
    // Asked several times per article by a build (meta, page keys, html): computed once.
    let key = this.keys.get(article);
    if (key === undefined) {
      key = renderKey(this.salt, article);
      this.keys.set(article, key);
    }
    return key;
  }

  private textFile(key: string): string {
    return textFileOf(this.dir!, key);
  }

  /** For a thread that renders articles: where to write them (then adopt() them here). */
  writer(): RenderCacheWriter | undefined {
    return this.dir ? { dir: this.dir, salt: this.salt } : undefined;
  }

  /**
   * The cached rendering without its HTML of each article, if every file it looked at is
   * unchanged (else undefined). Synchronous for the many articles that looked at no file: a
   * promise each would cost a rebuild of 10,000 articles more than the lookups.
   */
  async metas(articles: readonly Article[], signal?: AbortSignal): Promise<Array<RenderedMeta | undefined>> {
    const found = new Array<RenderedMeta | undefined>(articles.length);
    if (!this.dir) return found;
    const withInputs: number[] = [];
    // An indexed loop: most of these 10,000 rounds run before the optimizing compiler has got to
    // this code, and an iterator costs each of them.
    for (let i = 0; i < articles.length; i++) {
      const key = this.key(articles[i]!);
      const stored = this.index.get(key);
      // A plain entry (most of them) needs no object of its own: one shared meta stands for all.
      if (typeof stored === 'string') {
        if (stored.length !== 64) continue;
        this.used.set(key, stored);
        found[i] = PLAIN_META;
        continue;
      }
      const entry = indexEntry(stored);
      if (!entry || !Array.isArray(entry.inputs)) continue;
      if (entry.inputs.length) withInputs.push(i);
      else {
        this.used.set(key, entry);
        found[i] = entry;
      }
    }
    await mapLimit(withInputs, 8, async (i) => {
      const key = this.key(articles[i]!);
      const entry = indexEntry(this.index.get(key))!;
      for (const input of entry.inputs) {
        let now: string | null;
        try {
          now = stampOf(await stat(input.source));
        } catch {
          now = null;
        }
        if (now !== input.stamp) return;
      }
      this.used.set(key, entry);
      found[i] = entry;
    }, signal);
    return found;
  }

  /** The cached text of an article whose meta was found; undefined if its file is gone or damaged. */
  textSync(article: Article): RenderedText | undefined {
    if (!this.dir) return undefined;
    const key = this.key(article);
    const entry = indexEntry(this.used.get(key) ?? this.index.get(key));
    if (!entry) return undefined;
    try {
      // Synchronous: a rebuild reads a hundred or so of these small files, and an asynchronous
      // read is four thread-pool round trips each.
      const bytes = readFileSync(this.textFile(key));
      if (sha256Hex(bytes) !== entry.htmlSha256) return undefined;
      return parseTextFile(bytes.toString('utf8'));
    } catch {
      return undefined;
    }
  }

  async set(article: Article, rendered: RenderedArticle): Promise<void> {
    if (!this.dir) return;
    const { html, summary, ...meta } = rendered;
    const key = this.key(article);
    this.used.set(key, { ...meta, htmlSha256: writeRenderedText({ dir: this.dir, salt: this.salt }, article, { html, summary }, this.folders) });
    this.fresh.add(key);
  }

  /** Records a rendering another thread wrote with writeRenderedText (which gave htmlSha256). */
  adopt(article: Article, rendered: RenderedArticle, htmlSha256: string): void {
    if (!this.dir) return;
    const { html: _html, summary: _summary, ...meta } = rendered;
    const key = this.key(article);
    this.used.set(key, { ...meta, htmlSha256 });
    this.fresh.add(key);
  }

  /** Writes the index of this build's articles (entries of articles gone are dropped). */
  async save(): Promise<void> {
    if (!this.dir) return;
    const file = path.join(this.dir, INDEX_FILE);
    let wrote: 'delta' | 'whole';
    if (this.base) {
      // Only the changes are looked at: the entries rendered now, and those of articles gone.
      // Every other entry in use is the index's own value (taken from it by metas()).
      const set = new Map<string, StoredEntry>();
      let added = 0;
      for (const key of this.fresh) {
        const e = this.used.get(key)!;
        set.set(key, typeof e === 'string' ? e : storedEntry(e));
        if (!this.index.has(key)) added++;
      }
      // Entries of the index not in use now: none when the entries in use that it holds are all of it.
      const removed: string[] = [];
      if (this.used.size - added !== this.index.size) for (const key of this.index.keys()) if (!this.used.has(key)) removed.push(key);
      wrote = await writeStateMapChanges(file, INDEX_FORMAT, { salt: this.salt }, this.base, { set, removed }, 'render-index.json');
    } else {
      const entries = new Map<string, StoredEntry>();
      for (const [key, e] of this.used) entries.set(key, typeof e === 'string' ? e : storedEntry(e));
      wrote = await writeStateMap(file, INDEX_FORMAT, { salt: this.salt }, entries, undefined, 'render-index.json');
    }
    // Texts no entry names (articles edited or gone, renderings of an older samizdat) would pile
    // up with every edit and upgrade: they go whenever the index is written whole, which is after
    // a first build, an upgrade, or changes to an eighth of the articles.
    if (wrote === 'whole') await this.prune(this.used);
  }

  private async prune(entries: ReadonlyMap<string, unknown>): Promise<void> {
    const root = path.join(this.dir!, 'articles');
    let files;
    try {
      files = await readdir(root, { recursive: true, withFileTypes: true });
    } catch {
      return;
    }
    for (const f of files) {
      if (!f.isFile() || entries.has(f.name.replace(/\.(?:txt|html)$/, ''))) continue;
      await rm(path.join(f.parentPath, f.name), { force: true }).catch(() => {});
    }
  }
}
