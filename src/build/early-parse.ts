/**
 * Parsing and rendering an article on the scan thread of a rebuild (./prescan-worker.ts), before
 * the build asks: the same code the build runs (parseArticle, renderArticle), on bytes that are
 * known to be those of the stamp the build will see. Loaded by that thread only when a file looks
 * new or edited (../content/recent.ts).
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { parseArticle, type ParseContext } from '../content/parse.ts';
import { stampOf, type Stamp } from '../content/scan.ts';
import type { ParsedAndRendered } from './parse-render-worker.ts';
import { renderArticle } from './render.ts';

/**
 * The file parsed with ctx, and rendered when it is a publishable article; null when the build
 * must parse it itself: its bytes are not those of `stamp` (edited since the scan), it cannot be
 * read, or it has problems (whose errors would not survive the trip to the build's thread).
 */
export async function parseAndRenderEarly(ctx: ParseContext, stamp: Stamp, contentDir: string): Promise<ParsedAndRendered | null> {
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
  if (parsed.problems.length) return null;
  if (parsed.article!.draft) return parsed;
  // A rendering that fails is left to the build, which reports it.
  const rendered = await renderArticle(parsed.article!, contentDir).catch(() => undefined);
  return rendered ? { ...parsed, rendered } : parsed;
}
