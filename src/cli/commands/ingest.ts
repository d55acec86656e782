import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { AggregateInputError } from '../../errors.ts';
import type { IngestProgress, IngestResult, SourceKind } from '../../ingest/index.ts';
import { errorJson, printJson, type CliIO } from '../io.ts';

interface IngestFlags {
  from?: SourceKind;
  lang?: string;
  date?: string;
  sourceUrl?: string;
  out: string;
  update?: boolean;
  json?: boolean;
  timeout: number;
  maxSize: number;
  dryRun?: boolean;
}

const positive = (what: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive number.`);
  return n;
};

export function register(program: Command, io: CliIO): void {
  program
    .command('ingest')
    .description('Turn scraped text, web pages and feeds into articles in the content folder.')
    .argument('<source...>', 'a file, a folder, "-" for standard input, or an http(s) URL')
    .addOption(new Option('--from <kind>', 'what the sources are (guessed when absent)').choices(['text', 'html', 'feed']))
    .option('--lang <tag>', 'language of the articles (BCP 47, e.g. ru, fa), overriding what the source says')
    .option('--date <date>', 'publication date (YYYY-MM-DD or with a time, UTC) for text and pages; fills in feed items without one')
    .option('--source-url <url>', 'original address of a single file or stdin source')
    .option('--out <dir>', 'content folder to write to', 'content')
    .option('--update', 'replace articles that already exist (same file, guid or source URL)')
    .option('--json', 'print one JSON object: written, skipped, warnings, errors')
    .option('--timeout <seconds>', 'time limit of each request', positive('--timeout'), 20)
    .option('--max-size <MiB>', 'largest page, feed or image accepted', positive('--max-size'), 10)
    .option('--dry-run', 'do everything but write')
    .addHelpText(
      'after',
      `
Examples:
  $ samizdat ingest copied-page.txt --date 2015-08-13 --source-url https://example.org/news/talks
  $ samizdat ingest https://example.org/news/2015/08/13/talks.html
  $ samizdat ingest https://example.org/feed.xml          # again on a schedule: only new items
  $ pbpaste | samizdat ingest - --from text --lang ru --date 2024-03-01
  $ samizdat ingest saved-pages/ --out content --json

Plain text needs a date: ingest never uses today's (give --date when the text shows none).
Page furniture (appeals, prompts, share buttons, "Read more") is dropped by generic rules;
add rules for one publisher in content/ingest-rules/<host>.yaml (see README, "Ingest").
Exit codes: 0 written (or nothing new), 1 an error (nothing was written), 2 bad usage.`,
    )
    .action(async (sources: string[], flags: IngestFlags) => {
      const outDir = path.resolve(io.cwd, flags.out);
      let result: IngestResult;
      try {
        // Loaded on use: jsdom and friends are heavy, and every other command would pay for them.
        const { ingest } = await import('../../ingest/index.ts');
        // On a terminal, say what is being fetched: a slow server should not look like a hang.
        const onProgress = io.stderr.isTTY && !flags.json
          ? (e: IngestProgress) => {
              if (e.type === 'fetch') io.stderr.write(`fetching ${e.url}\n`);
            }
          : undefined;
        result = await ingest(sources, {
          outDir,
          ...(onProgress ? { onProgress } : {}),
          cwd: io.cwd,
          ...(flags.from ? { from: flags.from } : {}),
          ...(flags.lang ? { lang: flags.lang } : {}),
          ...(flags.date ? { date: flags.date } : {}),
          ...(flags.sourceUrl ? { sourceUrl: flags.sourceUrl } : {}),
          update: flags.update === true,
          dryRun: flags.dryRun === true,
          fetch: {
            timeoutMs: flags.timeout * 1000,
            maxBytes: Math.round(flags.maxSize * 1024 * 1024),
            maxImageBytes: Math.round(flags.maxSize * 1024 * 1024),
          },
        });
      } catch (err) {
        if (!flags.json) throw err;
        printJson(io, { written: [], skipped: [], warnings: [], errors: [errorJson(err)] });
        io.exitCode = 1;
        return;
      }
      const rel = (p: string) => path.relative(io.cwd, p) || p;
      if (flags.json) {
        printJson(io, {
          written: result.written.map((w) => ({ ...w, file: rel(w.file), media: w.media.map(rel) })),
          skipped: result.skipped.map((s) => ({ ...s, ...(s.file ? { file: rel(s.file) } : {}) })),
          warnings: result.warnings,
          errors: result.errors.map(errorJson),
        });
        io.exitCode = result.errors.length ? 1 : 0;
        return;
      }
      for (const w of result.warnings) io.stderr.write(`warning: ${w.file && !w.message.startsWith(w.file) ? `${w.file}: ` : ''}${w.message}\n`);
      for (const s of result.skipped) io.stderr.write(`skipped ${s.source}: ${s.reason}${s.file ? ` (${rel(s.file)})` : ''}\n`);
      if (result.errors.length) {
        const n = result.errors.length;
        throw new AggregateInputError(`${n === 1 ? 'a source' : `${n} sources`} could not be ingested; nothing was written`, result.errors, {
          hint: 'Fix or leave out the sources named above, then run ingest again.',
        });
      }
      for (const w of result.written) io.stdout.write(flags.dryRun ? `would write ${rel(w.file)}\n` : `${rel(w.file)}\n`);
      if (!result.written.length) io.stderr.write('nothing new to ingest\n');
      io.exitCode = 0;
    });
}
