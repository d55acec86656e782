import path from 'node:path';
import type { Command } from 'commander';
import type { PushEvent } from '../../push/index.ts';
import { formatDryRun, formatReportTable } from '../../push/report-text.ts';
import { PushProgressState } from '../../push/progress-state.ts';
import { printJson, type CliIO } from '../io.ts';

interface PushFlags {
  site: string;
  mirrors: string;
  only?: string[];
  dryRun?: boolean;
  json?: boolean;
}

/** Redraws one line per host in place, at most ten times a second. */
class TerminalProgress {
  private state = new PushProgressState();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly out: CliIO['stderr'] & { columns?: number }) {}

  on = (e: PushEvent): void => {
    this.state.apply(e);
    this.timer ??= setTimeout(() => this.draw(), 100);
  };

  draw(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const lines = this.state.lines(this.out.columns || 80);
    let text = this.drawn ? `\x1b[${this.drawn}A` : '';
    for (const line of lines) text += `\x1b[2K${line}\n`;
    this.out.write(text);
    this.drawn = lines.length;
  }

  stop(): void {
    if (this.drawn || this.timer) this.draw();
  }
}

export function register(program: Command, io: CliIO): void {
  program
    .command('push')
    .description('Update every file mirror in mirrors/ with the built site: only changed files, manifest last, all hosts in parallel.')
    .option('--site <dir>', 'the built site (with mirror-manifest.json)', 'dist/site')
    .option('--mirrors <dir>', 'folder with one file per mirror host', 'mirrors')
    .option('--only <name...>', 'push only these mirrors (file names without extension)')
    .option('--dry-run', 'list what would change on each host; change nothing')
    .option('--json', 'print the report as one JSON object')
    .addHelpText(
      'after',
      `
Examples:
  $ samizdat push                       # every enabled file mirror in mirrors/
  $ samizdat push --only eu-s3 backup   # just these two
  $ samizdat push --dry-run             # what would be sent and removed, per host
  $ samizdat push --json > push.json    # the report for scripts

Secrets come from the environment variables each mirror file names (or a git-ignored .env).
Exit code: 0 when every host is up to date, 1 when any host failed (the others still get updated).`,
    )
    .action(async (flags: PushFlags) => {
      const { loadMirrorEnv } = await import('../../mirrors/env.ts');
      const env = await loadMirrorEnv(io.cwd, io.env);
      const tty = !flags.json && Boolean(io.stderr.isTTY);
      const progress = tty ? new TerminalProgress(io.stderr as CliIO['stderr'] & { columns?: number }) : undefined;
      // Ctrl-C stops the push cleanly: no host is left with a new manifest over missing files.
      const controller = new AbortController();
      const onSigint = () => controller.abort(new Error('interrupted'));
      process.once('SIGINT', onSigint);
      let report;
      try {
        const { pushMirrors } = await import('../../push/index.ts'); // host SDKs load only when pushing
        report = await pushMirrors({
          siteDir: path.resolve(io.cwd, flags.site),
          mirrorsDir: path.resolve(io.cwd, flags.mirrors),
          only: flags.only,
          dryRun: flags.dryRun,
          env,
          signal: controller.signal,
          onProgress: progress?.on,
        });
      } finally {
        process.removeListener('SIGINT', onSigint);
        progress?.stop();
      }
      if (flags.json) printJson(io, report);
      else {
        if (tty) io.stdout.write('\n');
        if (report.dryRun) io.stdout.write(formatDryRun(report));
        io.stdout.write(formatReportTable(report));
      }
      io.exitCode = report.failed ? 1 : 0;
    });
}
