import path from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { formatCheckReport } from '../../check/report-text.ts';
import { printJson, type CliIO } from '../io.ts';

interface CheckFlags {
  site: string;
  content: string;
  mirrors: string;
  dist: string;
  cid?: string;
  gateways: boolean;
  gateway?: string[];
  sample?: number;
  timeout: number;
  json?: boolean;
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more.');
  return n;
}

export function register(program: Command, io: CliIO): void {
  program
    .command('check')
    .description('Fetch every mirror (and the newest CID on each gateway) from outside and check it serves the newest publication, intact and signed.')
    .option('--site <dir>', 'the newest local build, whose manifest mirrors must match', 'dist/site')
    .option('--content <dir>', 'content folder (for the site settings: gateways)', 'content')
    .option('--mirrors <dir>', 'folder with one file per mirror host', 'mirrors')
    .option('--dist <dir>', 'where publish.json (with the newest CID) is', 'dist')
    .option('--cid <cid>', 'check the gateways for this CID (default: the one in dist/publish.json)')
    .option('--no-gateways', 'do not check the public gateways of the site settings')
    .option('--gateway <url...>', 'also check these gateways (base URLs, e.g. http://127.0.0.1:8080)')
    .option('--sample <n>', 'check only N files per mirror, chosen at random', positiveInt)
    .option('--timeout <ms>', 'per request', positiveInt, 20_000)
    .option('--json', 'print the report as one JSON object')
    .addHelpText(
      'after',
      `
Examples:
  $ samizdat check                        # every mirror with a public URL, every file
  $ samizdat check --sample 50            # quicker: 50 random files per mirror
  $ samizdat check --json > check.json    # for monitoring
  # cron, hourly; mails the output when a mirror is stale, altered or unreachable:
  41 * * * *  cd /srv/newsroom && npx samizdat check --sample 100 >/dev/null || npx samizdat check

Exit code: 0 when every mirror is reachable, fresh and intact; 1 otherwise.`,
    )
    .action(async (flags: CheckFlags) => {
      const dist = path.resolve(io.cwd, flags.dist);
      // Loaded here, not at the top: every command's start-up pays for what the CLI imports eagerly.
      const { readPublishReport } = await import('../../publish/report.ts');
      const { loadSiteSettings } = await import('../../config/site.ts');
      const cid = flags.cid ?? (await readPublishReport(dist))?.ipfs?.cid;
      const gateways = flags.gateways ? (await loadSiteSettings(path.resolve(io.cwd, flags.content))).settings.gateways : [];
      const { checkMirrors } = await import('../../check/index.ts');
      const report = await checkMirrors({
        siteDir: path.resolve(io.cwd, flags.site),
        mirrorsDir: path.resolve(io.cwd, flags.mirrors),
        ...(cid ? { cid } : {}),
        gateways,
        ...(flags.gateway ? { gatewayUrls: flags.gateway } : {}),
        ...(flags.sample !== undefined ? { sample: flags.sample } : {}),
        timeoutMs: flags.timeout,
        onProgress: !flags.json && io.stderr.isTTY ? (e) => e.type === 'target-done' && io.stderr.write(`checked ${e.check.name}: ${e.check.status}\n`) : undefined,
      });
      if (flags.json) printJson(io, report);
      else io.stdout.write(formatCheckReport(report));
      io.exitCode = report.ok ? 0 : 1;
    });
}
