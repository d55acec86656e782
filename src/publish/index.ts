/**
 * `samizdat publish`: build, pack, pin, push, check, in that order. A failing build, pack or
 * local IPFS import stops the run before anything is uploaded, so every mirror keeps serving
 * the last good publication. Past that point one failing mirror or pin target never stops the
 * others; the report says which failed and what they still serve.
 */
import path from 'node:path';
import { buildSite, type BuildProgress } from '../build/index.ts';
import { checkMirrors, type CheckEvent } from '../check/index.ts';
import { loadSiteSettings } from '../config/site.ts';
import { AggregateInputError, SamizdatError } from '../errors.ts';
import { DEFAULT_BLOCKSTORE_DIR, pinSite, type PinProgress } from '../ipfs/index.ts';
import { loadMirrorConfigs } from '../mirrors/config.ts';
import { packSite, type PackEvent } from '../pack/index.ts';
import { pushMirrors, type PushEvent } from '../push/index.ts';
import { VERSION } from '../version.ts';
import { writePublishReport, type PublishReport, type StageName, type StageReport } from './report.ts';

export * from './report.ts';

export type PublishEvent =
  | { type: 'stage-start'; stage: StageName }
  | { type: 'stage-done'; report: StageReport }
  | { type: 'build'; event: BuildProgress }
  | { type: 'pack'; event: PackEvent }
  | { type: 'pin'; event: PinProgress }
  | { type: 'push'; event: PushEvent }
  | { type: 'check'; event: CheckEvent };

export interface PublishOptions {
  /** The project root: content/, mirrors/, dist/ and .samizdat/ are resolved against it. */
  root: string;
  contentDir?: string;
  mirrorsDir?: string;
  /** Where the bundle, zip, CAR and report go (default `<root>/dist`); the bundle is `<distDir>/site`. */
  distDir?: string;
  blockstoreDir?: string;
  env: NodeJS.ProcessEnv;
  /** Skip the final check (default: check). */
  check?: boolean;
  /** Check a random sample of this many files per mirror instead of all. */
  sample?: number;
  /** Extra gateways to check the new CID on, e.g. an own gateway ("http://127.0.0.1:8080"). */
  gatewayUrls?: string[];
  signal?: AbortSignal;
  onProgress?: (event: PublishEvent) => void;
}

function errorOf(err: unknown): StageReport['error'] {
  if (err instanceof AggregateInputError) {
    return { code: err.code, message: err.message, problems: err.problems.map((p) => ({ ...(p.location ? { where: p.location } : {}), message: p.message })) };
  }
  if (err instanceof SamizdatError) return { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  return { code: 'UNEXPECTED', message: err instanceof Error ? err.message : String(err) };
}

export async function publishSite(options: PublishOptions): Promise<{ report: PublishReport; reportPath: string; error?: unknown }> {
  const root = path.resolve(options.root);
  const contentDir = path.resolve(root, options.contentDir ?? 'content');
  const mirrorsDir = path.resolve(root, options.mirrorsDir ?? 'mirrors');
  const distDir = path.resolve(root, options.distDir ?? 'dist');
  const siteDir = path.join(distDir, 'site');
  const { signal } = options;
  const emit = options.onProgress ?? (() => {});
  const report: PublishReport = { samizdat: VERSION, startedAt: new Date().toISOString(), ok: false, mirrors: [], stages: [] };
  let firstError: unknown;

  /** Runs one stage, timing it; returns undefined when it threw (the error goes in the report). */
  async function stage<T>(name: StageName, run: () => Promise<T>, failed?: (value: T) => boolean): Promise<T | undefined> {
    emit({ type: 'stage-start', stage: name });
    const started = performance.now();
    let value: T | undefined;
    let entry: StageReport;
    try {
      value = await run();
      entry = { stage: name, status: failed?.(value) ? 'failed' : 'ok', durationMs: Math.round(performance.now() - started) };
    } catch (err) {
      firstError ??= err;
      entry = { stage: name, status: 'failed', durationMs: Math.round(performance.now() - started), error: errorOf(err) };
    }
    report.stages.push(entry);
    emit({ type: 'stage-done', report: entry });
    return value;
  }
  function skip(names: StageName[], reason: string): void {
    for (const name of names) report.stages.push({ stage: name, status: 'skipped', durationMs: 0, reason });
  }

  const built = await stage('build', () =>
    buildSite({ contentDir, outDir: siteDir, mirrorsDir, env: options.env, signal, onProgress: (event) => emit({ type: 'build', event }) }),
  );
  if (!built) {
    skip(['pack', 'pin', 'push', 'check'], 'the build failed: nothing was uploaded, every mirror still serves its previous publication');
    return finish();
  }
  report.publication = {
    id: built.manifest.publication.id,
    date: built.manifest.publication.date,
    ...(built.signer ? { signer: built.signer } : {}),
    articles: built.articles,
    pages: built.pages,
  };

  const packed = await stage('pack', () => packSite({ siteDir, outDir: distDir, signal, onProgress: (event) => emit({ type: 'pack', event }) }));
  if (!packed) {
    skip(['pin', 'push', 'check'], 'packing failed: nothing was uploaded, every mirror still serves its previous publication');
    return finish();
  }
  report.zip = { path: path.relative(root, packed.zipPath), sha256: packed.sha256, bytes: packed.bytes };

  const { settings } = await loadSiteSettings(contentDir);
  const mirrors = await loadMirrorConfigs(mirrorsDir);
  const pinned = await stage(
    'pin',
    () =>
      pinSite({
        siteDir,
        distDir,
        blockstoreDir: path.resolve(root, options.blockstoreDir ?? settings.ipfs?.blockstore ?? DEFAULT_BLOCKSTORE_DIR),
        gateways: settings.gateways,
        mirrors,
        env: options.env,
        signal,
        onProgress: (event) => emit({ type: 'pin', event }),
      }),
    (r) => !r.ok,
  );
  if (pinned) report.ipfs = { cid: pinned.cid, car: path.relative(root, pinned.carPath), links: pinned.links, remote: pinned.remote };
  if (!report.ipfs) {
    // The local import itself failed: the bundle or the block store is damaged. Upload nothing.
    skip(['push', 'check'], 'the IPFS import failed: nothing was uploaded, every mirror still serves its previous publication');
    return finish();
  }

  const pushed = await stage(
    'push',
    () => pushMirrors({ siteDir, mirrorsDir, env: options.env, signal, onProgress: (event) => emit({ type: 'push', event }) }),
    (r) => r.hosts.some((h) => h.status === 'failed'),
  );
  if (pushed) report.mirrors = pushed.hosts;

  if (options.check === false) skip(['check'], 'turned off');
  else {
    const checked = await stage(
      'check',
      () =>
        checkMirrors({
          siteDir,
          mirrorsDir,
          cid: report.ipfs?.cid,
          ...(options.gatewayUrls ? { gatewayUrls: options.gatewayUrls } : {}),
          ...(options.sample !== undefined ? { sample: options.sample } : {}),
          signal,
          onProgress: (event) => emit({ type: 'check', event }),
        }),
      (r) => !r.ok,
    );
    if (checked) report.check = checked;
  }
  return finish();

  async function finish() {
    report.ok = report.stages.every((s) => s.status !== 'failed');
    const reportPath = await writePublishReport(distDir, report);
    return { report, reportPath, ...(firstError !== undefined ? { error: firstError } : {}) };
  }
}
