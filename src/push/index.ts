/**
 * The push stage: the built bundle onto every file host in mirrors/ at once.
 * `pushMirrors()` never throws for a host problem (each host's outcome is in the report); it
 * throws InputError for problems with the inputs (no built site, bad mirror files, unknown --only).
 */
import path from 'node:path';
import { InputError } from '../errors.ts';
import { loadMirrorConfigs, type MirrorConfig } from '../mirrors/config.ts';
import { createMirrorHost, hostTypes } from '../mirrors/registry.ts';
import { configFingerprint, pushToHost } from './host-push.ts';
import { PushJournal } from './journal.ts';
import { readLocalBundle } from './local-bundle.ts';
import { asHostError } from './retry.ts';
import { redact, secretValues } from './secrets.ts';
import { DEFAULT_RETRY, type HostReport, type PushHostLookup, type PushOptions, type PushReport } from './types.ts';

export type * from './types.ts';
export { planHostPush, remoteHas } from './plan.ts';
export { orderUploads, phaseOf, PHASES, ORDER_RULES } from './order.ts';
export { readLocalBundle } from './local-bundle.ts';
export { formatReportTable, formatDryRun, servingSentence } from './report-text.ts';

/** The mirror registry's host types, as push sees them. */
export const registryHostTypes: PushHostLookup = (type) => {
  const entry = Object.hasOwn(hostTypes, type) ? hostTypes[type] : undefined;
  if (!entry) return undefined;
  return { kind: entry.kind, create: (config, context) => createMirrorHost(config, context) };
};

/** Sessions per host that uploads spread over (each file host gets up to this many, never more than its concurrency). */
const DEFAULT_CONNECTIONS = 4;

export async function pushMirrors(options: PushOptions): Promise<PushReport> {
  const started = Date.now();
  const bundle = await readLocalBundle(options.siteDir, options.signal);
  const configs = await loadMirrorConfigs(options.mirrorsDir);
  const lookup = options.hostTypes ?? registryHostTypes;
  const stateDir = options.stateDir ?? path.join(path.dirname(path.resolve(options.mirrorsDir)), '.samizdat', 'push');
  const retry = { ...DEFAULT_RETRY, ...options.retry };

  const fileHosts = configs.filter((c) => lookup(c.type)?.kind === 'files');
  const selected = selectMirrors(configs, fileHosts, options.only, options.mirrorsDir);

  const reports = await Promise.all(
    selected.map(async (config): Promise<HostReport> => {
      if (!config.enabled) {
        return { ...emptyReport(config), status: 'skipped', error: { code: 'MIRROR_DISABLED', message: `mirror ${config.name} is disabled in ${config.file}` } };
      }
      let host;
      try {
        host = lookup(config.type)!.create(config, { env: options.env });
      } catch (err) {
        // A missing secret or an unusable setting: this host fails, the others go on.
        const error = asHostError(config.name, err);
        const secrets = secretValues(config, options.env);
        const journal = await PushJournal.open(stateDir, config.name, configFingerprint(config));
        const last = await journal.lastPushed();
        const report: HostReport = {
          ...emptyReport(config),
          status: 'failed',
          error: { code: error.code, message: redact(error.message, secrets), ...(error.hint ? { hint: redact(error.hint, secrets) } : {}) },
          serving: last ? { publication: last, source: 'last-push' } : { source: 'unknown' },
        };
        options.onProgress?.({ type: 'host-done', host: config.name, report });
        return report;
      }
      const factory = lookup(config.type)!;
      return pushToHost({
        bundle,
        config,
        host,
        openAnother: () => factory.create(config, { env: options.env }),
        connections: options.connectionsPerHost ?? DEFAULT_CONNECTIONS,
        env: options.env,
        stateDir,
        dryRun: options.dryRun ?? false,
        retry,
        signal: options.signal,
        onProgress: options.onProgress,
      });
    }),
  );

  return {
    dryRun: options.dryRun ?? false,
    publication: bundle.manifest.publication,
    site: bundle.manifest.site,
    hosts: reports,
    failed: reports.some((r) => r.status === 'failed'),
    durationMs: Date.now() - started,
  };
}

function emptyReport(config: MirrorConfig): HostReport {
  return { name: config.name, type: config.type, status: 'skipped', uploaded: 0, deleted: 0, unchanged: 0, bytes: 0, foreign: 0, durationMs: 0 };
}

/** The file hosts to push, in mirror-file order; an unknown --only name is an InputError listing the known ones. */
function selectMirrors(all: MirrorConfig[], fileHosts: MirrorConfig[], only: string[] | undefined, mirrorsDir: string): MirrorConfig[] {
  if (!only || only.length === 0) return fileHosts;
  const known = fileHosts.map((c) => c.name);
  const wanted = new Set(only);
  for (const name of wanted) {
    if (known.includes(name)) continue;
    const other = all.find((c) => c.name === name);
    if (other) {
      throw new InputError('PUSH_NOT_FILE_HOST', `mirror ${name} (${other.type}) is a pinning target, not a file host: samizdat pin handles it`, {
        file: other.file,
        hint: known.length ? `File hosts: ${known.join(', ')}.` : 'There are no file hosts in the mirrors folder.',
      });
    }
    throw new InputError('PUSH_UNKNOWN_MIRROR', `there is no mirror named ${JSON.stringify(name)} in ${mirrorsDir}`, {
      hint: known.length ? `Known mirrors: ${known.join(', ')}.` : `There are no mirror files in ${mirrorsDir}: add one (mirrors/<name>.json).`,
    });
  }
  return fileHosts.filter((c) => wanted.has(c.name));
}
