/**
 * Loads and validates every article of a content folder. Every problem of every file is
 * collected (never only the first), each with its file, line and a hint.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap } from 'yaml';
import { InputError, throwIfAborted } from '../errors.ts';
import type { Warning } from '../progress.ts';
import { KNOWN_FIELDS, type Article } from './article.ts';
import { isoUtc, parseContentDate } from './dates.ts';
import { fieldLine, hasClosingFence, readPlainFrontMatter, splitFrontMatter, type FrontMatter } from './frontmatter.ts';
import { textDirection } from './lang.ts';
import { SAFE_SLUG, slugify } from './slug.ts';
import { mapLimit } from '../build/map-limit.ts';
import { ContentCache, defineBody } from './cache.ts';
import { compareCodeUnits, listArticleFilesSync, scanContent, stampAt, type ContentScan, type Stamp } from './scan.ts';
import { TaskPool } from '../workers.ts';
import { strictUtf8 } from './utf8.ts';

export type { Article } from './article.ts';
export { slugify } from './slug.ts';
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

const LANG = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;
// C0 controls other than tab/newline, DEL and C1: invisible, and invalid in XML 1.0.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

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
}

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
  const cache = cacheDir === undefined ? undefined : await ContentCache.open(cacheDir, siteLang);
  // With a cache, every file is stat-ed (a scan that may have been made on a thread meanwhile);
  // without one, every file is parsed and only listed here.
  const scan = cache ? ((await options.scan) ?? scanContent(contentDir)) : undefined;
  const files = scan ? scan.files : listArticleFilesSync(contentDir);
  const articles: Article[] = [];
  const invalid: InvalidArticle[] = [];
  const drafts: string[] = [];
  const warnings: Warning[] = [];
  throwIfAborted(signal, 'build');
  // path.join(contentDir, rel) for every file, without normalizing 10,000 times.
  const prefix = path.join(contentDir, '_').slice(0, -1);
  const sourceOf = path.sep === '/' ? (rel: string) => prefix + rel : (rel: string) => prefix + rel.split('/').join(path.sep);
  let parsedCount = 0;
  let pool: TaskPool<ParseContext, ParsedFile> | undefined;
  const parseInThread = async (ctx: ParseContext) => parseArticle(await readFile(ctx.sourcePath), ctx);
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
    if (cache && stamp) cache.remember(rel, stamp, rest.draft ? undefined : rest, result.warnings);
    return { article: defineBody(rest, body), draft: rest.draft, problems: [], warnings: result.warnings };
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
      for (const [i, rel] of files.entries()) {
        if (i % 1024 === 0) throwIfAborted(signal, 'build');
        const sourcePath = sourceOf(rel);
        const stamp = stampAt(scan!, i);
        const hit = stamp && cache.lookup(rel, sourcePath, stamp);
        if (!hit) toParse.push({ i, ...(stamp ? { stamp } : {}) });
        else if (hit.draft) results[i] = { draft: true, problems: NO_PROBLEMS, warnings: hit.warnings };
        else results[i] = { article: defineBody(hit.article!), problems: NO_PROBLEMS, warnings: hit.warnings };
      }
      startPool(toParse.length);
      const fresh = await mapLimit(toParse, pool ? 64 : 16, ({ i, stamp }) => parseFile(files[i]!, stamp), signal);
      for (const [j, { i }] of toParse.entries()) results[i] = fresh[j]!;
      await cache.save();
    }
  } finally {
    await pool?.close();
  }
  for (const [i, result] of results.entries()) {
    const rel = files[i]!;
    warnings.push(...result.warnings);
    if (result.problems.length) invalid.push({ file: rel, problems: result.problems });
    else if (result.draft) drafts.push(rel);
    else articles.push(result.article!);
  }
  // Two articles on one URL: neither may silently replace the other.
  const byUrl = new Map<string, Article[]>();
  for (const a of articles) byUrl.set(a.url, [...(byUrl.get(a.url) ?? []), a]);
  const clashing = new Set<Article>();
  for (const [url, group] of byUrl) {
    if (group.length < 2) continue;
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

export interface ParseContext {
  file: string;
  sourcePath: string;
  siteLang: string;
}

/** One file read: an article (with `body` as a plain property) or its problems. */
export interface ParsedFile {
  article?: Article;
  problems: InputError[];
  warnings: Warning[];
}

/** Below this many files to parse, starting workers costs more than it saves. */
export const PARSE_POOL_FROM = 1000;

export interface ParseOptions {
  /**
   * false: read the front matter with the yaml package only, never with the fast reading
   * (./fast-yaml.ts). The tests compare both ways; the result is the same.
   */
  fastYaml?: boolean;
}

/** Validates one article file. Pure: everything comes from the bytes. */
export function parseArticle(bytes: Uint8Array, ctx: ParseContext, options: ParseOptions = {}): ParsedFile {
  const text = strictUtf8(bytes);
  if (text === undefined) {
    const problem = new InputError('INVALID_UTF8', 'the file is not valid UTF-8', { file: ctx.file, line: firstInvalidUtf8Line(bytes) ?? 1, hint: 'Save the file as UTF-8 (most editors: "Save with encoding").' });
    return { problems: [problem], warnings: [] };
  }
  // The fast reading serves only files that come out clean. Anything with a problem or a
  // warning is read again by the yaml package, for its messages and line numbers.
  if (options.fastYaml !== false) {
    const fm = readPlainFrontMatter(text);
    if (fm) {
      const parsed = checkFields(bytes, ctx, fm.data, noLine, fm);
      if (!parsed.problems.length && !parsed.warnings.length) return parsed;
    }
  }
  return parseWithYaml(bytes, ctx, text);
}

const noLine = (): undefined => undefined;

/** parseArticle by the yaml package: every YAML problem with its line. */
function parseWithYaml(bytes: Uint8Array, ctx: ParseContext, text: string): ParsedFile {
  const problems: InputError[] = [];
  const warnings: Warning[] = [];
  const { file } = ctx;
  const problem = (code: string, message: string, hint: string, line?: number) =>
    problems.push(new InputError(code, message, { file, ...(line ? { line } : {}), hint }));

  const fm = splitFrontMatter(text);
  if (!fm.doc) {
    problem('NO_FRONT_MATTER', 'the article has no front matter, so it has no title or date', 'Start the file with a "---" line, then "title: …" and "date: YYYY-MM-DD", then another "---" line.', 1);
    return { problems, warnings };
  }
  if (!hasClosingFence(text)) {
    problem('UNCLOSED_FRONT_MATTER', 'the front matter is never closed', 'Add a "---" line between the front matter and the article text.', 1);
    return { problems, warnings };
  }
  if (fm.doc.errors.length) {
    for (const e of fm.doc.errors) {
      const line = e.linePos?.[0]?.line ?? (e.pos?.[0] !== undefined ? fm.lineCounter.linePos(e.pos[0]).line : undefined);
      problem('INVALID_YAML', `the front matter is not valid YAML: ${e.message.split('\n')[0]}`, 'Fix the YAML at that line; quote values that contain ":" or start with a special character.', line === undefined ? fm.yamlLine : line + fm.yamlLine - 1);
    }
    return { problems, warnings };
  }
  if (!isMap(fm.doc.contents)) {
    problem('INVALID_FRONT_MATTER', 'the front matter is not a list of "key: value" lines', 'Write one "key: value" per line, e.g. "title: …".', fm.yamlLine);
    return { problems, warnings };
  }
  let data: Record<string, unknown>;
  try {
    data = fm.doc.toJS({ maxAliasCount: 10 }) as Record<string, unknown>;
  } catch (err) {
    // An alias to no anchor ("guid: *x"), or aliases that would blow the data up.
    problem('INVALID_YAML', `the front matter is not valid YAML: ${(err as Error).message.split('\n')[0]}`, 'Remove the "*name" aliases and "&name" anchors, or write the values out in full.', fm.yamlLine);
    return { problems, warnings };
  }
  return checkFields(bytes, ctx, data, (key) => fieldLine(fm, key), fm);
}

/** The article the front matter's fields make, or every problem with them. */
function checkFields(
  bytes: Uint8Array,
  ctx: ParseContext,
  data: Record<string, unknown>,
  line: (key: string) => number | undefined,
  fm: { yamlLine: number; body: string; bodyLine: number },
): ParsedFile {
  const problems: InputError[] = [];
  const warnings: Warning[] = [];
  const { file } = ctx;
  const problem = (code: string, message: string, hint: string, line?: number) =>
    problems.push(new InputError(code, message, { file, ...(line ? { line } : {}), hint }));
  for (const key of Object.keys(data).sort()) {
    if (!KNOWN_FIELDS.has(key)) warnings.push({ code: 'UNKNOWN_FIELD', message: `front matter field "${key}" is not used by samizdat`, file, ...(line(key) ? { line: line(key)! } : {}) });
  }

  const str = (key: string): string | undefined => {
    const v = data[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string' || typeof v === 'number') return clean(String(v), key);
    problem('INVALID_FIELD', `"${key}" must be text`, `Write ${key}: followed by text on the same line.`, line(key));
    return undefined;
  };
  const clean = (v: string, key: string): string => {
    const out = v.replace(CONTROL, '').trim();
    if (out.length !== v.trim().length) warnings.push({ code: 'CONTROL_CHARACTERS', message: `invisible control characters were removed from "${key}"`, file, ...(line(key) ? { line: line(key)! } : {}) });
    return out;
  };

  const title = str('title');
  if (title === undefined || title === '') {
    problem('MISSING_TITLE', 'the article has no title', 'Add a line "title: …" to the front matter.', line('title') ?? fm.yamlLine);
  }
  let date: Date | undefined;
  if (data.date === undefined || data.date === null || data.date === '') {
    problem('MISSING_DATE', 'the article has no date', 'Add a line "date: YYYY-MM-DD" (UTC unless you add a time zone) to the front matter.', line('date') ?? fm.yamlLine);
  } else {
    date = parseContentDate(data.date);
    if (!date) problem('INVALID_DATE', `"${String(data.date)}" is not a possible date`, 'Write the date as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, and check the day exists in that month.', line('date'));
  }
  let updated: Date | undefined;
  if (data.updated !== undefined && data.updated !== null) {
    updated = parseContentDate(data.updated);
    if (!updated) problem('INVALID_DATE', `"updated: ${String(data.updated)}" is not a possible date`, 'Write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ.', line('updated'));
  }
  const lang = str('lang') ?? ctx.siteLang;
  if (!LANG.test(lang)) problem('INVALID_LANG', `"${lang}" is not a language tag`, 'Use a tag such as "en", "ru", "fa" or "pt-BR".', line('lang'));

  let tags: string[] = [];
  const rawTags = data.tags;
  if (typeof rawTags === 'string') tags = rawTags.split(',');
  else if (Array.isArray(rawTags) && rawTags.every((t) => typeof t === 'string' || typeof t === 'number')) tags = rawTags.map(String);
  else if (rawTags !== undefined && rawTags !== null) problem('INVALID_FIELD', '"tags" must be a list of words', 'Write tags: [politics, syria] or one "- tag" per line.', line('tags'));
  tags = [...new Set(tags.map((t) => t.replace(CONTROL, '').trim()).filter((t) => t !== '' && slugify(t) !== ''))];

  let slug = str('slug');
  if (slug !== undefined) {
    if (slug.includes('/') || slug.includes('\\') || slug.includes('..') || path.isAbsolute(slug)) {
      problem('SLUG_ESCAPES', `slug "${slug}" would put the article outside its own folder`, 'Use a slug of letters, digits and dashes only, e.g. "talks-in-moscow".', line('slug'));
    } else if (!SAFE_SLUG.test(slug)) {
      problem('INVALID_SLUG', `slug "${slug}" contains characters that do not belong in a URL`, 'Use a slug of letters, digits and dashes only, e.g. "talks-in-moscow".', line('slug'));
    }
  } else if (title) {
    slug = slugify(title) || `article-${sha256(bytes).slice(0, 8)}`;
  }

  const source = str('source');
  if (source !== undefined && !/^https?:\/\/[^\s]+$/i.test(source)) problem('INVALID_FIELD', `"source" must be an http(s) URL, not "${source}"`, 'Write the address of the original article, starting with https://.', line('source'));
  const image = str('image');
  if (image !== undefined && (path.isAbsolute(image) || /^[a-z][a-z0-9+.-]*:|^\/\//i.test(image))) {
    problem('INVALID_IMAGE', `image "${image}" must be a file next to the article, not a URL`, 'Download the image into the content folder and write its path relative to the article, e.g. "media/photo.jpg".', line('image'));
  } else if (image !== undefined && path.posix.normalize(path.posix.join(path.posix.dirname(file), image)).startsWith('..')) {
    problem('IMAGE_ESCAPES', `image "${image}" is outside the content folder`, 'Move the image into the content folder.', line('image'));
  }
  const draft = data.draft;
  if (draft !== undefined && typeof draft !== 'boolean') problem('INVALID_FIELD', '"draft" must be true or false', 'Write draft: true or draft: false.', line('draft'));

  if (problems.length) return { problems, warnings };
  const d = date!;
  const url = `articles/${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${slug}/index.html`;
  const opt = <K extends string, V>(key: K, v: V | undefined) => (v === undefined || v === '' ? {} : ({ [key]: v } as Record<K, V>));
  const article: Article = {
    file,
    sourcePath: ctx.sourcePath,
    title: title!,
    date: isoUtc(d),
    ...opt('updated', updated && isoUtc(updated)),
    lang,
    dir: textDirection(lang),
    ...opt('author', str('author')),
    ...opt('summary', str('summary')),
    tags,
    slug: slug!,
    ...opt('image', image),
    ...opt('imageAlt', str('image_alt')),
    ...opt('imageCaption', str('image_caption')),
    ...opt('source', source),
    ...opt('guid', str('guid')),
    draft: draft === true,
    body: fm.body,
    bodyLine: fm.bodyLine,
    url,
    hash: sha256(bytes),
  };
  return { article, problems, warnings };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** 1-based line of the first byte sequence that is not UTF-8, or undefined when all is well. */
export function firstInvalidUtf8Line(bytes: Uint8Array): number | undefined {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    decoder.decode(bytes);
    return undefined;
  } catch {
    let start = 0;
    let line = 1;
    for (let i = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 0x0a) {
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start, i));
        } catch {
          return line;
        }
        start = i + 1;
        line++;
      }
    }
    return 1;
  }
}

export type { FrontMatter };
