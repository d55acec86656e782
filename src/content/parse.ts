/**
 * Reading one article file: its front matter validated into an Article, or every problem with it
 * (file, line, what to do). Loaded only when some file is parsed: a rebuild that takes every
 * article from the content cache never loads the YAML readers or the transliteration tables.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { isMap } from 'yaml';
import { InputError } from '../errors.ts';
import type { Warning } from '../progress.ts';
import { KNOWN_FIELDS, type Article } from './article.ts';
import { isoUtc, parseContentDate } from './dates.ts';
import { fieldLine, hasClosingFence, readPlainFrontMatter, splitFrontMatter, type FrontMatter } from './frontmatter.ts';
import { textDirection } from './lang.ts';
import { SAFE_SLUG, slugify } from './slug.ts';
import { strictUtf8 } from './utf8.ts';

const LANG = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;
// C0 controls other than tab/newline, DEL and C1: invisible, and invalid in XML 1.0.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

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
  tags = [...new Set(tags.map((t) => t.replace(CONTROL, '').trim()).filter((t) => t !== ''))];
  // A tag with nothing left for a URL (only punctuation, say) names no list: it is dropped.
  const tagSlugs = tags.map((t) => slugify(t));
  tags = tags.filter((_, i) => tagSlugs[i] !== '');
  const usableSlugs = tagSlugs.filter((slug) => slug !== '');

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
    tagSlugs: usableSlugs,
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
