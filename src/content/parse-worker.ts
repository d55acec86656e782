// A worker of the content loader's parse pool (./index.ts): reads and validates article files.
// A file with problems is handed back unanswered, so the loader reports them in its own thread
// with their error classes intact.
import { readFileSync } from 'node:fs';
import { serveTasks } from '../workers.ts';
import { parseArticle, type ParseContext, type ParsedFile } from './parse.ts';

serveTasks((ctx: ParseContext): ParsedFile => {
  const parsed = parseArticle(readFileSync(ctx.sourcePath), ctx);
  if (parsed.problems.length) throw new Error('problems: reported by the calling thread');
  return parsed;
});
