import path from 'node:path';
import type { Command } from 'commander';
import { errorJson, printJson, type CliIO } from '../io.ts';
import type { BuildResult } from '../../build/index.ts';
import { AggregateInputError, describeError } from '../../errors.ts';
import type { Warning } from '../../progress.ts';
import { loadStage, tuneStageCache } from '../../cached-stage.ts';

interface BuildFlags {
  content: string;
  out: string;
  mirrors: string;
  skipInvalid?: boolean;
  json?: boolean;
}

export function register(program: Command, io: CliIO): void {
  program
    .command('build')
    .description('Build the articles into a self-contained, JavaScript-free static site with full-text feeds.')
    .option('--content <dir>', 'content folder: articles (Markdown + YAML front matter), media, site.yaml', 'content')
    .option('--out <dir>', 'output folder (replaced only when the build succeeds)', 'dist/site')
    .option('--mirrors <dir>', 'mirror files, whose URLs go on the mirrors page', 'mirrors')
    .option('--skip-invalid', 'build the valid articles and list the invalid ones instead of failing')
    .option('--json', 'print one JSON object (pages, feeds, warnings, skipped, errors)')
    .addHelpText(
      'after',
      `
Every problem in every article is reported at once, with file:line and what to do. By default
any problem fails the build and the previous output stays as it was.

Examples:
  $ samizdat build
  $ samizdat build --content newsroom/content --out public
  $ samizdat build --skip-invalid --json > build.json
  $ SAMIZDAT_SIGNING_KEY_FILE=~/keys/newsroom.key samizdat build   # signed manifest`,
    )
    .action(async (flags: BuildFlags) => {
      // Ctrl-C stops the build; the previous output stays as it was.
      const controller = new AbortController();
      const onSigint = () => controller.abort(new Error('interrupted'));
      process.once('SIGINT', onSigint);
      try {
        await run(io, flags, controller.signal);
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });
}

async function run(io: CliIO, flags: BuildFlags, signal: AbortSignal): Promise<void> {
  const options = {
    contentDir: path.resolve(io.cwd, flags.content),
    outDir: path.resolve(io.cwd, flags.out),
    mirrorsDir: path.resolve(io.cwd, flags.mirrors),
    skipInvalid: Boolean(flags.skipInvalid),
    env: io.env,
    signal,
  };
  // The articles and the output folder of a rebuild are scanned on a thread while the build's
  // modules load.
  (await import('../../build/prescan.ts')).prestartScans(options);
  // Eleventy loads only when building; compiled, the stage loads from one file with a code cache.
  const { buildSite } = await loadStage('build', () => import('../../build/index.ts'));
  if (flags.json) {
    try {
      const result = await buildSite(options);
      printJson(io, resultJson(result));
      tuneAfter(result);
    } catch (err) {
      io.exitCode = 1;
      printJson(io, { ok: false, errors: err instanceof AggregateInputError ? err.problems.map(errorJson) : [errorJson(err)], error: errorJson(err) });
    }
    return;
  }
  const result = await buildSite(options);
  printSummary(io, result);
  tuneAfter(result);
}

/** Once a rebuild in place has run, the stage's code cache is saved with what it compiled (tuneStageCache). */
function tuneAfter(result: BuildResult): void {
  if (result.pageWriter === 'samizdat') tuneStageCache('build', result.rendered.fresh > 0 ? 2 : 1);
}

export function resultJson(r: BuildResult): Record<string, unknown> {
  return {
    ok: true,
    outDir: r.outDir,
    pages: r.pages,
    articles: r.articles,
    feeds: r.feeds,
    warnings: r.warnings,
    skipped: r.skipped.map((s) => ({ file: s.file, problems: s.problems.map(errorJson) })),
    drafts: r.drafts,
    errors: [],
    publication: r.manifest.publication,
    files: r.fileCount,
    ...(r.signer ? { signer: r.signer } : {}),
    rendered: r.rendered,
    pageWriter: r.pageWriter,
    filesWritten: r.filesWritten,
    timings: r.timings,
  };
}

function where(w: Warning): string {
  return w.file ? `${w.file}${w.line ? `:${w.line}` : ''}: ` : '';
}

function printSummary(io: CliIO, r: BuildResult): void {
  const rel = path.relative(io.cwd, r.outDir) || '.';
  io.stdout.write(
    `Built ${r.articles} article(s) into ${rel}: ${r.pages} pages, ${r.feeds.length} feeds, ${r.fileCount} files` +
      ` (${r.rendered.cached} from cache; ${r.filesWritten} file(s) written).\n` +
      `Publication ${r.manifest.publication.id}${r.signer ? `, signed by ${r.signer}` : ', not signed (set SAMIZDAT_SIGNING_KEY_FILE to sign)'}.\n`,
  );
  if (r.warnings.length) {
    io.stderr.write(`${r.warnings.length} warning(s):\n`);
    for (const w of r.warnings) io.stderr.write(`  warning: ${where(w)}${w.message}\n`);
  }
  if (r.skipped.length) {
    io.stderr.write(`${r.skipped.length} article(s) skipped because of problems (--skip-invalid):\n`);
    for (const s of r.skipped) for (const p of s.problems) io.stderr.write(`  ${describeError(p).replace(/\n/g, '\n  ')}\n`);
  }
}
