// The content loader's parse worker for a build with many articles to render (see buildSite):
// it parses an article file as ../content/parse-worker.ts does, then renders the article right
// there, so that its text is not sent to yet another thread. A rendering that fails here is
// simply not sent: the build renders that article itself and reports what went wrong.
import { readFileSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { parseArticle, type ParseContext, type ParsedFile } from '../content/index.ts';
import { serveTasks } from '../workers.ts';
import { renderArticle, type RenderedArticle } from './render.ts';

export type ParsedAndRendered = ParsedFile & { rendered?: RenderedArticle };

const { contentDir } = workerData as { contentDir: string };
serveTasks(async (ctx: ParseContext): Promise<ParsedAndRendered> => {
  const parsed = parseArticle(readFileSync(ctx.sourcePath), ctx);
  if (parsed.problems.length) throw new Error('problems: reported by the calling thread');
  const article = parsed.article!;
  if (article.draft) return parsed;
  const rendered = await renderArticle(article, contentDir).catch(() => undefined);
  return rendered ? { ...parsed, rendered } : parsed;
});
