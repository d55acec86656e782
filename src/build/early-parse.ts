/**
 * Parsing and rendering an article on the scan thread of a rebuild (./prescan-worker.ts), before
 * the build asks: the same code the build runs (parseArticle, renderArticle), on bytes that are
 * known to be those of the stamp the build will see. Loaded by that thread only when a file looks
 * new or edited (../content/recent.ts); the renderer loads only after the parses are posted, as
 * the build needs them first.
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import type { Article } from '../content/article.ts';
import { parseArticle, type ParseContext, type ParsedFile } from '../content/parse.ts';
import { stampOf, type Stamp } from '../content/scan.ts';
import type { RenderedArticle } from './render.ts';

/**
 * The file parsed with ctx; null when the build must parse it itself: its bytes are not those of
 * `stamp` (edited since the scan), it cannot be read, or it has problems (whose errors would not
 * survive the trip to the build's thread).
 */
export function parseEarly(ctx: ParseContext, stamp: Stamp): ParsedFile | null {
  let bytes: Buffer;
  try {
    const fd = openSync(ctx.sourcePath, 'r');
    try {
      bytes = readFileSync(fd);
      // Stat-ed after the read: an edit before or during it shows in the stamp.
      const now = stampOf(fstatSync(fd));
      if (now.some((v, i) => v !== stamp[i])) return null;
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  const parsed = parseArticle(bytes, ctx);
  return parsed.problems.length ? null : parsed;
}

/** The article rendered; null for a rendering that fails, left to the build, which reports it. */
export async function renderEarly(article: Article, contentDir: string): Promise<RenderedArticle | null> {
  const { renderArticle } = await import('./render.ts');
  return renderArticle(article, contentDir).catch(() => null);
}
