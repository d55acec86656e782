// The content loader's parse worker for a build with many articles to render (see buildSite):
// it parses an article file as ../content/parse-worker.ts does, then renders the article right
// there, so that its text is not sent to yet another thread, and writes it into the render
// cache. A rendering that fails here is simply not sent: the build renders that article itself
// and reports what went wrong.
import { readFileSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { parseArticle, type ParseContext, type ParsedFile } from '../content/parse.ts';
import { serveTasks } from '../workers.ts';
import { writeRenderedText, type RenderCacheWriter } from './cache.ts';
import { renderArticle, type RenderedArticle } from './render.ts';

/** With `rendered`, and `htmlSha256` when its text is already in the render cache. */
export type ParsedAndRendered = ParsedFile & { rendered?: RenderedArticle; htmlSha256?: string };

const { contentDir, cache } = workerData as { contentDir: string; cache?: RenderCacheWriter };
const madeFolders = new Set<string>();
serveTasks(async (ctx: ParseContext): Promise<ParsedAndRendered> => {
  const parsed = parseArticle(readFileSync(ctx.sourcePath), ctx);
  if (parsed.problems.length) throw new Error('problems: reported by the calling thread');
  const article = parsed.article!;
  if (article.draft) return parsed;
  const rendered = await renderArticle(article, contentDir).catch(() => undefined);
  if (!rendered) return parsed;
  let htmlSha256: string | undefined;
  try {
    // Into the render cache from here too: the calling thread then only records it.
    if (cache) htmlSha256 = writeRenderedText(cache, article, rendered, madeFolders);
  } catch {
    // The calling thread writes it (and keeps going if it cannot).
  }
  return { ...parsed, rendered, ...(htmlSha256 ? { htmlSha256 } : {}) };
});
