/**
 * The check stage: from outside, is every mirror (and every gateway, for the newest CID)
 * reachable, serving the newest publication, and byte for byte what was published?
 * checkMirrors() never throws for a mirror's problem (each is in the report); it throws
 * InputError when there is nothing to compare with (no local build, bad mirror files).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { InputError, SamizdatError, throwIfAborted } from '../errors.ts';
import { loadMirrorConfigs, type MirrorConfig } from '../mirrors/config.ts';
import { hostTypes } from '../mirrors/registry.ts';
import { parseManifest } from '../manifest/parse.ts';
import { MANIFEST_FILE, type Manifest } from '../manifest/types.ts';
import type { OperationOptions } from '../progress.ts';
import { mirrorBase, verifyTarget, type VerifyReport } from '../verify/index.ts';
import { checkFeeds, ROOT_FEEDS } from './feeds.ts';
import { MIRROR_STATUS_FILE, recordMirrorStatus } from './status-file.ts';
import type { CheckEvent, CheckReport, SkippedTarget, TargetCheck } from './types.ts';

export type * from './types.ts';
export { parseFeed, ROOT_FEEDS } from './feeds.ts';
export { readMirrorStatus, MIRROR_STATUS_FILE, type MirrorStatus } from './status-file.ts';

export interface CheckOptions extends OperationOptions<CheckEvent> {
  /** The newest local build (dist/site): its manifest is the publication mirrors should serve. */
  siteDir: string;
  mirrorsDir: string;
  /** Root CID of the newest publication (from dist/publish.json); gateways are checked for it. */
  cid?: string;
  /** Gateway host names (site settings `gateways`): `https://<gw>/ipfs/<cid>/` is checked. */
  gateways?: readonly string[];
  /** Further gateway base URLs, e.g. "http://127.0.0.1:8080" (an own gateway); `/ipfs/<cid>/` is appended. */
  gatewayUrls?: readonly string[];
  /** Check only this many files per target, chosen at random (default: all). */
  sample?: number;
  /** Mirrors checked at once (default 4). */
  concurrency?: number;
  /** Per request (default 20 000 ms). */
  timeoutMs?: number;
  /** Where mirror-status.json is written (default `<project>/.samizdat`); false: not written. */
  stateDir?: string | false;
  /** The time written as last-verified (default: now). */
  now?: () => Date;
}

interface Target {
  name: string;
  kind: 'mirror' | 'gateway';
  /** URL or absolute folder. */
  target: string;
}

/** The project root: the folder that holds mirrors/ (folder mirrors' paths are relative to it). */
function projectRoot(mirrorsDir: string): string {
  return path.dirname(path.resolve(mirrorsDir));
}

function mirrorTarget(config: MirrorConfig, root: string): Target | SkippedTarget {
  const kind = hostTypes[config.type]?.kind;
  if (!config.enabled) return { name: config.name, reason: 'disabled in its mirror file' };
  if (kind === 'pin') return { name: config.name, reason: `a ${config.type} pinning target: checked through the IPFS gateways` };
  if (typeof config.url === 'string' && /^https?:\/\//i.test(config.url)) return { name: config.name, kind: 'mirror', target: config.url };
  if (config.type === 'folder' && typeof config.path === 'string') {
    return { name: config.name, kind: 'mirror', target: path.resolve(root, config.path) };
  }
  return { name: config.name, reason: 'no public "url" in its mirror file, so it cannot be checked from outside' };
}

function gatewayTargets(options: CheckOptions): Target[] {
  if (!options.cid) return [];
  const bases = [...(options.gateways ?? []).map((g) => `https://${g}`), ...(options.gatewayUrls ?? [])];
  return bases.map((base) => {
    const url = `${base.replace(/\/+$/, '')}/ipfs/${options.cid}/`;
    return { name: `ipfs:${new URL(base).host}`, kind: 'gateway' as const, target: url };
  });
}

async function readLatest(siteDir: string): Promise<Manifest> {
  const file = path.join(siteDir, MANIFEST_FILE);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new InputError('CHECK_NO_LOCAL_BUILD', `there is no local build to compare the mirrors with: ${file} is missing`, {
      file,
      hint: 'Run `samizdat build` (or `samizdat publish`) first, or point --site at the built bundle.',
      cause: err,
    });
  }
  return parseManifest(bytes, file);
}

function problemText(err: unknown): string {
  if (err instanceof SamizdatError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

async function checkTarget(t: Target, latest: Manifest, options: CheckOptions): Promise<TargetCheck> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const started = performance.now();
  let latencyMs: number | undefined;
  let report: VerifyReport;
  try {
    report = await verifyTarget(t.target, {
      ...(latest.signer ? { pubkey: latest.signer } : {}),
      ...(options.sample !== undefined ? { sample: options.sample } : {}),
      timeoutMs,
      signal: options.signal,
      onProgress: (e) => {
        if (e.type === 'manifest') latencyMs = Math.round(performance.now() - started);
      },
    });
  } catch (err) {
    return {
      name: t.name,
      kind: t.kind,
      target: t.target,
      status: 'unreachable',
      reachable: false,
      fresh: false,
      intact: false,
      feeds: [],
      problems: [problemText(err)],
    };
  }
  const fresh = report.publication.id === latest.publication.id;
  const couldNotFetch = report.failed.length > 0;
  // A signed publication must come signed by the same key; an unsigned one only needs to be unbroken.
  const signatureOk = latest.signer ? report.signature.status === 'valid' : ['valid', 'unsigned'].includes(report.signature.status);
  const filesAltered = report.missing.length > 0 || report.changed.length > 0 || report.unexpected.length > 0;
  const feeds = await checkFeeds(
    t.target.startsWith('http') ? { kind: 'url', base: mirrorBase(t.target) } : { kind: 'folder', dir: t.target },
    ROOT_FEEDS.filter((f) => latest.files.some((x) => x.path === f)),
    { timeoutMs, signal: options.signal },
  );
  const problems = [...report.problems];
  if (!fresh) problems.unshift(`serves the publication of ${report.publication.date.slice(0, 10)} (${report.publication.id}), not the newest ${latest.publication.id}`);
  for (const f of feeds) if (!f.ok) problems.push(`feed ${f.path} does not parse: ${f.error}`);
  const feedsOk = feeds.every((f) => f.ok);
  const intact = signatureOk && !filesAltered && feedsOk;
  const status = !intact ? 'altered' : couldNotFetch ? 'unreachable' : !fresh ? 'stale' : 'ok';
  return {
    name: t.name,
    kind: t.kind,
    target: t.target,
    status,
    reachable: true,
    fresh,
    intact: intact && !couldNotFetch,
    publication: report.publication,
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    files: { checked: report.files.checked, good: report.files.good, ...(report.sampled !== undefined ? { sampled: report.sampled } : {}) },
    feeds,
    problems,
  };
}

export async function checkMirrors(options: CheckOptions): Promise<CheckReport> {
  throwIfAborted(options.signal, 'check');
  const latest = await readLatest(options.siteDir);
  const root = projectRoot(options.mirrorsDir);
  const configs = await loadMirrorConfigs(options.mirrorsDir);
  const targets: Target[] = [];
  const skipped: SkippedTarget[] = [];
  for (const c of configs) {
    const t = mirrorTarget(c, root);
    if ('target' in t) targets.push(t);
    else skipped.push(t);
  }
  targets.push(...gatewayTargets(options));

  const limit = pLimit(options.concurrency ?? 4);
  const checks = await Promise.all(
    targets.map((t) =>
      limit(async () => {
        options.onProgress?.({ type: 'target-start', name: t.name, target: t.target });
        const check = await checkTarget(t, latest, options);
        options.onProgress?.({ type: 'target-done', check });
        return check;
      }),
    ),
  );
  const checkedAt = (options.now?.() ?? new Date()).toISOString();
  if (options.stateDir !== false) {
    await recordMirrorStatus(path.join(options.stateDir ?? path.join(root, '.samizdat'), MIRROR_STATUS_FILE), checks, checkedAt);
  }
  return {
    latest: { ...latest.publication, ...(options.cid ? { cid: options.cid } : {}) },
    checkedAt,
    targets: checks,
    skipped,
    ok: checks.every((c) => c.status === 'ok'),
  };
}
