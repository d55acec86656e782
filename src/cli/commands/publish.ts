import path from 'node:path';
import { setMaxListeners } from 'node:events';
import type { Command } from 'commander';
import { formatCheckReport } from '../../check/report-text.ts';
import type { PublishEvent, PublishReport } from '../../publish/index.ts';
import { formatDuration, formatReportTable } from '../../push/report-text.ts';
import { printError, printJson, type CliIO } from '../io.ts';
import { positiveInt } from './check.ts';

interface PublishFlags {
  content: string;
  mirrors: string;
  dist: string;
  check: boolean;
  sample?: number;
  gateway?: string[];
  json?: boolean;
}

function summary(report: PublishReport, reportPath: string): string {
  let text = '';
  const p = report.publication;
  if (p) text += `Publication ${p.id} of ${p.date.slice(0, 10)}: ${p.articles} article(s), ${p.pages} page(s), ${p.signer ? `signed by ${p.signer}` : 'NOT signed (set SAMIZDAT_SIGNING_KEY_FILE)'}\n`;
  if (report.zip) text += `  zip   ${report.zip.path}  sha256 ${report.zip.sha256}\n`;
  if (report.ipfs) {
    text += `  IPFS  ${report.ipfs.links.native}\n`;
    for (const g of report.ipfs.links.gateways) text += `        ${g.path}\n`;
    for (const r of report.ipfs.remote) text += `  pin   ${r.name}: ${r.ok ? 'pinned' : `FAILED: ${r.error?.message}`}\n`;
  }
  const pushStage = report.stages.find((s) => s.stage === 'push');
  if (p && pushStage?.status !== 'skipped') {
    const failed = report.mirrors.some((h) => h.status === 'failed');
    text += `\n${formatReportTable({ dryRun: false, publication: p, site: '', hosts: report.mirrors, failed, durationMs: pushStage?.durationMs ?? 0 })}`;
  }
  if (report.check) text += `\nCheck from outside:\n${formatCheckReport(report.check)}`;
  text += '\nStages: ' + report.stages.map((s) => `${s.stage} ${s.status === 'ok' ? formatDuration(s.durationMs) : s.status.toUpperCase()}`).join(', ') + '\n';
  for (const s of report.stages.filter((x) => x.status === 'skipped' && x.reason)) text += `  ${s.stage} skipped: ${s.reason}\n`;
  text += `Report: ${reportPath}\n`;
  text += report.ok ? 'Published: every stage and every mirror succeeded.\n' : 'Publish FAILED in part: see above for what failed and what each mirror still serves.\n';
  return text;
}

export function register(program: Command, io: CliIO): void {
  program
    .command('publish')
    .description('Build, pack, pin and push to every mirror, then check them all: the one command to run.')
    .option('--content <dir>', 'articles and site settings', 'content')
    .option('--mirrors <dir>', 'folder with one file per mirror host', 'mirrors')
    .option('--dist <dir>', 'where the bundle (dist/site), zip, CAR and publish.json go', 'dist')
    .option('--no-check', 'skip the final check of every mirror')
    .option('--sample <n>', 'check only N random files per mirror', positiveInt)
    .option('--gateway <url...>', 'also check the new CID on these gateways (base URLs)')
    .option('--json', 'print the report (also written to dist/publish.json) as one JSON object')
    .addHelpText(
      'after',
      `
Examples:
  $ npm run publish                        # same as: npx samizdat publish
  $ samizdat publish --json > report.json  # for CI
  # cron, every six hours, secrets from a root-only file:
  17 */6 * * *  cd /srv/newsroom && set -a && . /etc/samizdat.env && npx samizdat publish

A failing build stops before any upload: mirrors keep serving the last good publication.
Exit code: 0 when every stage and every mirror succeeded, 1 otherwise (after all were tried).`,
    )
    .action(async (flags: PublishFlags) => {
      const { loadMirrorEnv } = await import('../../mirrors/env.ts');
      const env = await loadMirrorEnv(io.cwd, io.env);
      const tty = !flags.json && Boolean(io.stderr.isTTY);
      const controller = new AbortController();
      // Every upload and fetch of every mirror listens on this one signal.
      setMaxListeners(0, controller.signal);
      const onSigint = () => controller.abort(new Error('interrupted'));
      process.once('SIGINT', onSigint);
      const onProgress = tty
        ? (e: PublishEvent) => {
            if (e.type === 'stage-start') io.stderr.write(`${e.stage}…\n`);
            if (e.type === 'push' && e.event.type === 'host-done') io.stderr.write(`  ${e.event.report.name}: ${e.event.report.status}\n`);
            if (e.type === 'check' && e.event.type === 'target-done') io.stderr.write(`  ${e.event.check.name}: ${e.event.check.status}\n`);
          }
        : undefined;
      let result;
      try {
        // The articles and the built site of the last run are scanned on a thread while the
        // stages' modules load.
        (await import('../../build/prescan.ts')).prestartScans({ contentDir: path.resolve(io.cwd, flags.content), outDir: path.resolve(io.cwd, flags.dist, 'site') });
        // Every stage's libraries (Eleventy, the SDKs) load only when publishing.
        const { publishSite } = await import('../../publish/index.ts');
        result = await publishSite({
          root: io.cwd,
          contentDir: flags.content,
          mirrorsDir: flags.mirrors,
          distDir: flags.dist,
          env,
          check: flags.check,
          ...(flags.sample !== undefined ? { sample: flags.sample } : {}),
          ...(flags.gateway ? { gatewayUrls: flags.gateway } : {}),
          signal: controller.signal,
          ...(onProgress ? { onProgress } : {}),
        });
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
      if (flags.json) printJson(io, result.report);
      else {
        // The error that stopped the run, in full (every content problem with file:line).
        if (result.error !== undefined) printError(io, result.error);
        io.stdout.write(summary(result.report, result.reportPath));
      }
      io.exitCode = result.report.ok ? 0 : 1;
    });
}
