/**
 * The ingest stage: scraped text, saved or fetched web pages and the publisher's own feeds into
 * article files in the content folder. Everything is read, checked and fetched first; then
 * either every article is written, or (on any error) none is.
 */
import path from 'node:path';
import { InputError, SamizdatError, throwIfAborted } from '../errors.ts';
import type { Warning } from '../progress.ts';
import { parseContentDate } from '../content/index.ts';
import { parseArticle } from '../content/parse.ts';
import { renderArticle } from './article.ts';
import { planStories } from './plan.ts';
import { indexExisting, type ExistingArticles } from './existing.ts';
import { fetchMedia, placeMedia } from './media.ts';
import { expandSources, loadSource, type SourceRef } from './sources.ts';
import { storiesFrom, type Story } from './stories.ts';
import { RuleBook } from './text/publisher-rules.ts';
import type { IngestOptions, IngestResult, SkippedItem, WrittenArticle } from './types.ts';
import { writeAll, type PendingFile } from './write.ts';

export type * from './types.ts';
export { extractText, splitLines, type TextExtraction } from './text/extract.ts';
export { GENERIC_RULES, genericRule, type FurnitureRule } from './text/rules.ts';
export { CAPTION_RULES } from './text/captions.ts';
export { RuleBook, RULES_FILE, RULES_FOLDER } from './text/publisher-rules.ts';
export { extractPage, extractFragment } from './html/extract.ts';
export { readMetadata } from './html/metadata.ts';
export { parseXmlFeedText, parseJsonFeedText } from './feed/parse.ts';
export { fetchResource, DEFAULT_LIMITS } from './fetch.ts';
export { decodeBytes } from './decode.ts';

const LANG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

function checkOptions(sources: string[], options: IngestOptions): void {
  if (!sources.length) throw new InputError('INGEST_NO_SOURCE', 'nothing to ingest', { hint: 'Give a file, a folder, "-" for standard input, or an http(s) URL.' });
  if (options.date !== undefined && !parseContentDate(options.date)) {
    throw new InputError('INGEST_BAD_DATE', `--date "${options.date}" is not a date`, { hint: 'Write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC).' });
  }
  if (options.lang !== undefined && !LANG.test(options.lang)) {
    throw new InputError('INGEST_BAD_LANG', `--lang "${options.lang}" is not a language tag`, { hint: 'Use a tag such as "en", "ru", "fa" or "ar".' });
  }
  if (options.sourceUrl !== undefined) {
    if (!/^https?:\/\/[^\s]+$/i.test(options.sourceUrl)) throw new InputError('INGEST_BAD_URL', `--source-url "${options.sourceUrl}" is not an http(s) URL`, { hint: 'Give the address of the original article.' });
    if (sources.length > 1) throw new InputError('INGEST_SOURCE_URL_MANY', '--source-url names the original of one source, but several were given', { hint: 'Ingest the sources one at a time, each with its own --source-url.' });
  }
}

export async function ingest(sources: string[], options: IngestOptions): Promise<IngestResult> {
  throwIfAborted(options.signal, 'ingest');
  checkOptions(sources, options);
  const cwd = options.cwd ?? process.cwd();
  const outDir = path.resolve(cwd, options.outDir);
  const warnings: Warning[] = [];
  const skipped: SkippedItem[] = [];
  const errors: SamizdatError[] = [];
  const rules = await RuleBook.load(outDir);
  const existing = await indexExisting(outDir, warnings);

  const { refs, errors: refErrors } = await expandSources(sources, cwd);
  errors.push(...refErrors);
  const stories = await gatherStories(refs, options, { rules, existing, warnings, skipped, errors });

  const planned = planStories(stories, { existing, outDir, options, errors, skipped });
  if (errors.length) return { written: [], skipped, warnings, errors };

  // Images, then the files, each checked by the same reader the build uses.
  const pending: PendingFile[] = [];
  const written: WrittenArticle[] = [];
  for (const p of planned) {
    throwIfAborted(options.signal, 'ingest');
    const a = p.story.article;
    await fetchMedia(a.media, {
      ...(options.fetch ? { limits: options.fetch } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      warnings,
      where: p.story.origin,
    });
    const placed = placeMedia(a, p.stem);
    const text = renderArticle({ ...placed.article, date: a.date! }, p.slug);
    const check = parseArticle(Buffer.from(text), { file: p.rel, sourcePath: path.join(outDir, p.rel), siteLang: 'en' });
    if (check.problems.length) {
      for (const problem of check.problems) {
        errors.push(new SamizdatError('INGEST_INVALID_ARTICLE', `${p.story.origin}: the article made from it would not build: ${problem.message}`, { cause: problem, hint: 'This is a bug in ingest; please report it with the source.' }));
      }
      continue;
    }
    pending.push({ path: path.join(outDir, p.rel), data: text, overwrite: p.replaces });
    for (const m of placed.files) pending.push({ path: path.join(outDir, m.path), data: m.bytes, overwrite: true });
    written.push({
      file: path.join(outDir, p.rel),
      title: a.title,
      date: a.date!,
      source: p.story.origin,
      from: p.story.from,
      replaced: p.replaces,
      media: placed.files.map((m) => path.join(outDir, m.path)),
    });
  }
  if (errors.length) return { written: [], skipped, warnings, errors };
  if (!options.dryRun && pending.length) {
    await writeAll(pending);
    for (const w of written) options.onProgress?.({ type: 'write', file: w.file });
  }
  return { written, skipped, warnings, errors };
}

/** Reads every source and extracts its stories; a failing source adds an error and the others go on. */
async function gatherStories(
  refs: SourceRef[],
  options: IngestOptions,
  ctx: { rules: RuleBook; existing: ExistingArticles; warnings: Warning[]; skipped: SkippedItem[]; errors: SamizdatError[] },
): Promise<Story[]> {
  const { rules, existing, warnings, skipped, errors } = ctx;
  const stories: Story[] = [];
  for (const ref of refs) {
    throwIfAborted(options.signal, 'ingest');
    options.onProgress?.({ type: 'source', source: ref.name });
    try {
      if (ref.kind === 'url') options.onProgress?.({ type: 'fetch', url: ref.location });
      const loaded = await loadSource(ref, {
        ...(options.fetch ? { limits: options.fetch } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.stdin ? { stdin: options.stdin } : {}),
      });
      const found = await storiesFrom(loaded, {
        ...(options.from ? { from: options.from } : {}),
        ...(options.sourceUrl ? { sourceUrl: options.sourceUrl } : {}),
        rules,
        existing,
        update: options.update === true,
        ...(options.fetch ? { limits: options.fetch } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        warnings,
        skipped,
        errors,
      });
      stories.push(...found);
    } catch (err) {
      if ((err as SamizdatError).code === 'ABORTED') throw err;
      errors.push(err instanceof SamizdatError ? err : new SamizdatError('INGEST_FAILED', `${ref.name}: ${(err as Error).message}`, { cause: err }));
    }
  }

  return stories;
}
