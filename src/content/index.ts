/**
 * Loads and validates every article of a content folder. Every problem of every file is
 * collected (never only the first), each with its file, line and a hint.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError, throwIfAborted } from '../errors.ts';
import type { Warning } from '../progress.ts';
import type { Article } from './article.ts';
import { mapLimit } from '../build/map-limit.ts';
import { ContentCache, defineBody, type RenderKeys } from './cache.ts';
import { compareCodeUnits, listArticleFilesSync, scanContent, stampAt, type ContentScan, type Stamp } from './scan.ts';
import { TaskPool } from '../workers.ts';
import type { ParseContext, ParsedFile } from './parse.ts';

export type { Article } from './article.ts';
export type { ParseContext, ParsedFile, ParseOptions } from './parse.ts';
export type { RenderKeys } from './cache.ts';
export { textDirection } from './lang.ts';
export { compareCodeUnits, scanContent, type ContentScan } from './scan.ts';
export { parseContentDate, isoUtc } from './dates.ts';

export interface InvalidArticle {
  file: string;
  problems: InputError[];
}

export interface LoadedContent {
  /** Valid, non-draft articles, newest first (ties broken by URL). */
  articles: Article[];
  invalid: InvalidArticle[];
  drafts: string[];
  warnings: Warning[];
  /** Files read and parsed by this load. */
  parsed: number;
  /** Files taken from the content cache unparsed (0 without a cacheDir). */
  cached: number;
}

/** Every Markdown file under dir (hidden folders, node_modules and _-prefixed folders skipped), sorted. */
export async function listArticleFiles(dir: string): Promise<string[]> {
  return listArticleFilesSync(dir);
}

/** Newest first; equal dates by URL, so order never depends on the file system. */
export function compareArticles(a: Article, b: Article): number {
  return compareCodeUnits(b.date, a.date) || compareCodeUnits(a.url, b.url);
}

export interface LoadOptions {
  siteLang: string;
  signal?: AbortSignal;
  /**
   * Folder of the content cache (<cacheDir>/content.json): files whose stat is unchanged are
   * taken from it instead of being read and parsed again. Without it every file is parsed.
   */
  cacheDir?: string;
  /** Parse on worker threads: default only for many files; true always (tests); false never. */
  threads?: boolean;
  /**
   * With threads: a worker module to parse in instead of ./parse-worker.ts. It answers the same
   * tasks and may add fields to its answers (a first build renders each article there, so that
   * its text does not travel to yet another thread); those reach onParsed.
   */
  parseWorker?: { module: URL; workerData: object };
  /**
   * The folder's files and stats, scanned already (on a thread, while the caller loaded: see
   * src/build/prescan.ts). Used only with a cacheDir; undefined (or a scan that resolves to
   * undefined) means scan here.
   */
  scan?: Promise<ContentScan | undefined>;
  /** Called with every file's answer as it is parsed now (not for files taken from the cache). */
  onParsed?: (file: string, answer: ParsedFile) => void;
  /**
   * With a cacheDir: how the build names each article's rendering. Each article's key is kept in
   * the content cache with it, and told to `known` (taken from the cache, or made now).
   */
  renderKeys?: RenderKeys | undefined;
}

/** Up to this many files to parse in this thread (a rebuild), each is read synchronously. */
const SYNC_READS_UP_TO = 16;

/** Below this many files to parse, starting workers costs more than it saves. */
export const PARSE_POOL_FROM = 1000;

const NO_PROBLEMS: InputError[] = [];

/** One file's outcome, before duplicate URLs are looked for. */
interface FileResult {
  article?: Article;
  draft?: boolean;
  problems: InputError[];
  warnings: Warning[];
}

export async function loadContent(contentDir: string, options: LoadOptions): Promise<LoadedContent> {
  const { siteLang, signal, cacheDir } = options;
  // path.join(contentDir, rel) for every file, without normalizing 10,000 times.
  const prefix = path.join(contentDir, '_').slice(0, -1);
  const sourceOf = path.sep === '/' ? (rel: string) => prefix + rel : (rel: string) => prefix + rel.split('/').join(path.sep);
  const cache = cacheDir === undefined ? undefined : await ContentCache.open(cacheDir, siteLang, options.renderKeys, sourceOf);
  const renderKeys = cache?.renderKeys;
  // With a cache, every file is stat-ed (a scan that may have been made on a thread meanwhile);
  // without one, every file is parsed and only listed here.
  const scan = cache ? ((await options.scan) ?? scanContent(contentDir)) : undefined;
  const files = scan ? scan.files : listArticleFilesSync(contentDir);
  const articles: Article[] = [];
  const invalid: InvalidArticle[] = [];
  const drafts: string[] = [];
  const warnings: Warning[] = [];
  throwIfAborted(signal, 'build');
  let parsedCount = 0;
  let pool: TaskPool<ParseContext, ParsedFile> | undefined;
  // The parsing code (YAML readers, transliteration tables) loads only when a file is parsed here.
  // A rebuild's few files are read synchronously: an asynchronous read is four thread-pool round
  // trips, each waiting for a core on a busy machine (up to 15 ms for one file). Many files are
  // read asynchronously, overlapping.
  let readSync = false;
  const parseInThread = async (ctx: ParseContext) => (await import('./parse.ts')).parseArticle(readSync ? readFileSync(ctx.sourcePath) : await readFile(ctx.sourcePath), ctx);
  // Thousands of files to parse (a first build): on every core.
  const startPool = (count: number) => {
    if (count > 0 && (options.threads ?? count >= PARSE_POOL_FROM)) {
      const worker = options.parseWorker ?? { module: new URL('./parse-worker.ts', import.meta.url), workerData: {} };
      pool = new TaskPool(worker.module, worker.workerData, parseInThread);
    }
  };
  const parseFile = async (rel: string, stamp?: Stamp): Promise<FileResult> => {
    parsedCount++;
    const ctx = { file: rel, sourcePath: sourceOf(rel), siteLang };
    const result = await (pool ? pool.run(ctx) : parseInThread(ctx));
    options.onParsed?.(rel, result);
    if (result.problems.length) return { problems: result.problems, warnings: result.warnings };
    const { body, ...rest } = result.article!;
    const renderKey = renderKeys && !rest.draft ? renderKeys.make(rest) : undefined;
    if (cache && stamp) cache.remember(rel, stamp, rest.draft ? undefined : rest, result.warnings, renderKey);
    const article = defineBody(rest, body);
    if (renderKey !== undefined) renderKeys!.known(article, renderKey);
    return { article, draft: rest.draft, problems: [], warnings: result.warnings };
  };
  // Reads overlap (latency-bound); results are used in file order, so the outcome never
  // depends on which read finishes first.
  let results: FileResult[];
  try {
    if (!cache) {
      startPool(files.length);
      results = await mapLimit(files, pool ? 64 : 16, (rel) => parseFile(rel), signal);
    } else {
      // The stats were taken before any read, so a file edited meanwhile is parsed again next
      // time.
      results = new Array<FileResult>(files.length);
      const toParse: Array<{ i: number; stamp?: Stamp }> = [];
      // Indexed loops, here and below: most of these 10,000 rounds run before the optimizing
      // compiler has got to this code, and an iterator costs each of them.
      const stamps = scan!.stamps;
      for (let i = 0; i < files.length; i++) {
        if (i % 1024 === 0) throwIfAborted(signal, 'build');
        const rel = files[i]!;
        // A file gone since the listing has NaN for a stamp, which no entry has.
        const hit = cache.lookupAt(rel, sourceOf(rel), stamps, i * 4);
        if (!hit) {
          const stamp = stampAt(scan!, i);
          toParse.push({ i, ...(stamp ? { stamp } : {}) });
        }
        else if (hit.draft) results[i] = { draft: true, problems: NO_PROBLEMS, warnings: hit.warnings };
        else {
          const article = hit.article!;
          if (renderKeys) {
            // Kept under another salt (the rendering code changed) or not at all: made now, and kept.
            let key = hit.renderKey;
            if (key === undefined) {
              key = renderKeys.make(article);
              cache.rekey(rel, article, key);
            }
            renderKeys.known(article, key);
          }
          results[i] = { article, problems: NO_PROBLEMS, warnings: hit.warnings };
        }
      }
      startPool(toParse.length);
      readSync = toParse.length <= SYNC_READS_UP_TO;
      const fresh = await mapLimit(toParse, pool ? 64 : 16, ({ i, stamp }) => parseFile(files[i]!, stamp), signal);
      for (const [j, { i }] of toParse.entries()) results[i] = fresh[j]!;
      await cache.save();
    }
  } finally {
    await pool?.close();
  }
  for (let i = 0; i < results.length; i++) {
    const result = results[i]!;
    const rel = files[i]!;
    if (result.warnings.length) warnings.push(...result.warnings);
    if (result.problems.length) invalid.push({ file: rel, problems: result.problems });
    else if (result.draft) drafts.push(rel);
    else articles.push(result.article!);
  }
  // Two articles on one URL: neither may silently replace the other.
  // (A group only for a URL taken twice: 10,000 one-article arrays cost a rebuild time.)
  const byUrl = new Map<string, Article>();
  const groups = new Map<string, Article[]>();
  for (const a of articles) {
    const first = byUrl.get(a.url);
    if (first === undefined) byUrl.set(a.url, a);
    else {
      const group = groups.get(a.url);
      if (group) group.push(a);
      else groups.set(a.url, [first, a]);
    }
  }
  const clashing = new Set<Article>();
  for (const [url, group] of groups) {
    for (const a of group) {
      clashing.add(a);
      const others = group.filter((o) => o !== a).map((o) => o.file).join(', ');
      invalid.push({
        file: a.file,
        problems: [
          new InputError('DUPLICATE_URL', `this article and ${others} would both be published at ${url}`, {
            file: a.file,
            hint: 'Give one of them a different "slug:" in its front matter (or a different title or month).',
          }),
        ],
      });
    }
  }
  invalid.sort((a, b) => compareCodeUnits(a.file, b.file));
  return { articles: articles.filter((a) => !clashing.has(a)).sort(compareArticles), invalid, drafts, warnings, parsed: parsedCount, cached: files.length - parsedCount };
}
