/**
 * Pushing the bundle to ONE host: read its state, plan, upload phase by phase (manifest last),
 * remove stale files, commit if the host is transactional. Never throws for a host problem: the
 * outcome, failed or not, is the HostReport, so one host never stops the others.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import pLimit from 'p-limit';
import { AbortedError, SamizdatError } from '../errors.ts';
import { MANIFEST_FILE, SIGNATURE_FILE, type Manifest } from '../manifest/types.ts';
import type { MirrorConfig } from '../mirrors/config.ts';
import { HostNotFoundError } from '../mirrors/errors.ts';
import type { MirrorHost, PutSource, RemoteFile, TransferProgress } from '../mirrors/host.ts';
import { PushJournal } from './journal.ts';
import { parseManifest } from '../manifest/parse.ts';
import { sha256Hex, type LocalBundle } from './local-bundle.ts';
import { contentTypeOf, cacheControlOf } from './media.ts';
import { planHostPush, type HostPlan, type HostState, type UploadItem } from './plan.ts';
import { asHostError, callHost, ConnectionKeeper, type CallContext } from './retry.ts';
import { redact, secretValues, type Env } from './secrets.ts';
import type { HostReport, HostServing, PushEvent, RetryPolicy } from './types.ts';

export interface HostPushOptions {
  bundle: LocalBundle;
  config: MirrorConfig;
  host: MirrorHost;
  /**
   * Opens another connection to the same mirror (no I/O until connect()). Uploads then spread
   * over up to `connections` of them: a server often handles one session's requests one after
   * another (OpenSSH's sftp-server does), so more sessions, not more requests, make it faster.
   */
  openAnother?: () => MirrorHost;
  /** Sessions to spread uploads over (default 1); ignored for transactional hosts. */
  connections?: number;
  env: Env;
  stateDir: string;
  dryRun: boolean;
  retry: RetryPolicy;
  signal?: AbortSignal;
  onProgress?: (event: PushEvent) => void;
}

/**
 * Settings that name the target: a journal written for another target must not be reused.
 * Tuning and credentials (fields ending in "Env") do not change where the files are.
 */
export function configFingerprint(config: MirrorConfig): string {
  const { concurrency: _c, timeoutMs: _t, enabled: _e, file: _f, url: _u, ...rest } = config;
  const target = Object.fromEntries(Object.entries(rest).filter(([k]) => !k.endsWith('Env')));
  const sorted = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sorted(x)]))
      : v;
  return sha256Hex(JSON.stringify(sorted(target))).slice(0, 16);
}

async function md5File(file: string, signal: AbortSignal): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file, { signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function pushToHost(o: HostPushOptions): Promise<HostReport> {
  const started = Date.now();
  const { bundle, config, host } = o;
  const local = bundle.manifest;
  const emit = (e: PushEvent) => o.onProgress?.(e);
  const report: HostReport = { name: config.name, type: config.type, status: 'failed', uploaded: 0, deleted: 0, unchanged: 0, bytes: 0, foreign: 0, durationMs: 0 };
  emit({ type: 'host-start', host: config.name, hostType: config.type });

  // Stops this host's in-flight calls as soon as one of them has failed for good.
  const hostAbort = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, hostAbort.signal]) : hostAbort.signal;
  // Every call in flight listens on it: up to `concurrency` (64) at once is not a leak.
  setMaxListeners(1000, signal);
  const ctx: CallContext = {
    host: config.name,
    signal,
    timeoutMs: config.timeoutMs,
    retry: o.retry,
    onRetry: ({ what, attempt, delayMs, error }) =>
      emit({ type: 'host-retry', host: config.name, what, attempt, delayMs, error: { code: error.code, message: redact(error.message, secretValues(config, o.env)) } }),
  };
  const keeper = new ConnectionKeeper(async () => {
    await host.close().catch(() => {});
    await host.connect({ signal: AbortSignal.any([signal, AbortSignal.timeout(config.timeoutMs)]) });
  });
  const journal = await PushJournal.open(o.stateDir, config.name, configFingerprint(config));
  const lanes: Lane[] = [{ host, ctx, inFlight: 0, ready: undefined }];
  let remoteManifest: Manifest | undefined;
  let remoteRead = false;
  let manifestWritten = false;

  try {
    await callHost('connect', ctx, (s) => host.connect({ signal: s }));
    ctx.connection = keeper;
    lanes[0]!.ready = Promise.resolve();
    if (!host.capabilities.transactional && o.openAnother) {
      for (let i = 1; i < Math.min(o.connections ?? 1, config.concurrency); i++) lanes.push(openLane(o.openAnother(), ctx, config.timeoutMs, signal));
    }
    const state = await readHostState(host, ctx);
    remoteManifest = state.manifest;
    remoteRead = true;
    const base = state.manifestSha256 ?? null;
    const view = journal.view(base);
    const localMd5 = host.capabilities.listHash === 'md5' ? await localMd5s(bundle, state.listing, signal) : undefined;
    const plan = planHostPush(
      { manifest: local, manifestSha256: bundle.manifestSha256, manifestSize: bundle.manifestBytes.byteLength, signature: bundle.signature && { sha256: bundle.signature.sha256, size: bundle.signature.bytes.byteLength } },
      state,
      { journal: view.put, owned: view.owned, localMd5 },
    );
    report.unchanged = plan.unchanged;
    report.foreign = plan.foreign.length;
    const deleteCount = plan.deleteBefore.length + plan.deleteAfter.length;
    emit({ type: 'host-plan', host: config.name, upload: plan.uploadCount, uploadBytes: plan.uploadBytes, delete: deleteCount, unchanged: plan.unchanged });

    if (o.dryRun) {
      report.uploaded = plan.uploadCount;
      report.bytes = plan.uploadBytes;
      report.deleted = deleteCount;
      report.plan = { upload: plan.phases.flatMap((p) => p.files.map((f) => f.path)), delete: [...plan.deleteBefore, ...plan.deleteAfter] };
      report.status = plan.uploadCount + deleteCount > 0 ? 'updated' : 'unchanged';
      report.publication = remoteManifest?.publication;
      return report;
    }

    if (plan.uploadCount + deleteCount > 0) {
      await applyPlan(o, plan, ctx, lanes, journal, view, base, report, () => (manifestWritten = true));
    }
    await journal.finish(local.publication);
    report.status = report.uploaded + report.deleted > 0 ? 'updated' : 'unchanged';
    report.publication = local.publication;
    return report;
  } catch (err) {
    hostAbort.abort();
    // What did arrive must be on record, so the rerun does not send it again.
    await journal.flush().catch(() => {});
    const error = err instanceof AbortedError && o.signal?.aborted ? err : asHostError(config.name, err);
    const secrets = secretValues(config, o.env);
    report.status = 'failed';
    report.error = { code: error.code, message: redact(error.message, secrets), ...(error instanceof SamizdatError && error.hint ? { hint: redact(error.hint, secrets) } : {}) };
    report.serving = await servingAfterFailure(manifestWritten, remoteRead, remoteManifest, local, journal);
    return report;
  } finally {
    hostAbort.abort();
    await Promise.all(lanes.map((l) => l.host.close().catch(() => {})));
    report.durationMs = Date.now() - started;
    emit({ type: 'host-done', host: config.name, report });
  }
}

/**
 * list() and commit() walk or send the whole tree (12,500 files: about a minute over WebDAV).
 * Adapters report signs of life through onProgress, which restarts push's idle clock; an adapter
 * that does not may go 20 × timeoutMs without one before push gives up (its own deadline applies too).
 */
const WHOLE_TREE_FACTOR = 20;

/** One session to the mirror, with its own reconnect state; opened on first use. */
interface Lane {
  host: MirrorHost;
  ctx: CallContext;
  inFlight: number;
  ready: Promise<void> | undefined;
}

function openLane(host: MirrorHost, base: CallContext, timeoutMs: number, signal: AbortSignal): Lane {
  const ctx: CallContext = { ...base };
  ctx.connection = new ConnectionKeeper(async () => {
    await host.close().catch(() => {});
    await host.connect({ signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
  });
  return { host, ctx, inFlight: 0, ready: undefined };
}

/** The least busy session, connected (a failed connect fails the call like any other error). */
async function takeLane(lanes: Lane[]): Promise<Lane> {
  const lane = lanes.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
  lane.inFlight++;
  try {
    lane.ready ??= callHost('connect', { ...lane.ctx, connection: undefined }, (s) => lane.host.connect({ signal: s }));
    await lane.ready;
  } catch (err) {
    lane.ready = undefined;
    lane.inFlight--;
    throw err;
  }
  return lane;
}

async function servingAfterFailure(
  manifestWritten: boolean,
  remoteRead: boolean,
  remoteManifest: Manifest | undefined,
  local: Manifest,
  journal: PushJournal,
): Promise<HostServing> {
  if (manifestWritten) return { publication: local.publication, source: 'remote-manifest' };
  if (remoteRead) return { publication: remoteManifest?.publication, source: 'remote-manifest' };
  const last = await journal.lastPushed();
  return last ? { publication: last, source: 'last-push' } : { source: 'unknown' };
}

/** The host's listing and its own manifest (and signature hash when only a read can tell). */
async function readHostState(host: MirrorHost, ctx: CallContext): Promise<HostState> {
  const files = await callHost('list', { ...ctx, timeoutMs: ctx.timeoutMs * WHOLE_TREE_FACTOR }, (s, touch) => host.list({ signal: s, onProgress: touch }));
  const listing = new Map<string, RemoteFile>(files.map((f) => [f.path, f]));
  const state: HostState = { listing };
  if (listing.has(MANIFEST_FILE)) {
    const bytes = await readOptional(host, ctx, MANIFEST_FILE);
    if (bytes) {
      state.manifestSha256 = sha256Hex(bytes);
      try {
        state.manifest = parseManifest(bytes, `${host.name}:${MANIFEST_FILE}`);
      } catch {
        // A damaged remote manifest is treated as none: every file is checked against the listing.
      }
    }
  }
  const sig = listing.get(SIGNATURE_FILE);
  if (sig && !sig.sha256) {
    const bytes = await readOptional(host, ctx, SIGNATURE_FILE);
    if (bytes) state.signatureSha256 = sha256Hex(bytes);
  }
  return state;
}

async function readOptional(host: MirrorHost, ctx: CallContext, file: string): Promise<Uint8Array | undefined> {
  try {
    return await callHost(`read ${file}`, ctx, (s, touch) => host.read(file, { signal: s, onProgress: touch }));
  } catch (err) {
    if (err instanceof HostNotFoundError) return undefined;
    throw err;
  }
}

/** MD5 of local files the host lists with an MD5 and the same size (only those can match). */
async function localMd5s(bundle: LocalBundle, listing: Map<string, RemoteFile>, signal: AbortSignal): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const limit = pLimit(8);
  await Promise.all(
    bundle.manifest.files.map((f) =>
      limit(async () => {
        const r = listing.get(f.path);
        if (r?.md5 && r.size === f.size) out.set(f.path, await md5File(path.join(bundle.siteDir, f.path), signal));
      }),
    ),
  );
  return out;
}

async function applyPlan(
  o: HostPushOptions,
  plan: HostPlan,
  ctx: CallContext,
  lanes: Lane[],
  journal: PushJournal,
  view: ReturnType<PushJournal['view']>,
  base: string | null,
  report: HostReport,
  onManifestWritten: () => void,
): Promise<void> {
  const { host, config, bundle } = o;
  const emit = (e: PushEvent) => o.onProgress?.(e);
  const transactional = host.capabilities.transactional;
  // Transactional hosts show nothing before commit(), so an unfinished push left nothing to resume.
  if (!transactional) await journal.begin(base, view);

  const filesTotal = plan.uploadCount;
  const bytesTotal = plan.uploadBytes;
  let bytesDone = 0;
  const inFlight = new Map<string, number>();
  const progress = (pathNow?: string) => {
    let partial = 0;
    for (const b of inFlight.values()) partial += b;
    emit({ type: 'host-progress', host: config.name, filesDone: report.uploaded, filesTotal, bytesDone: bytesDone + partial, bytesTotal, path: pathNow });
  };

  const put = async (f: UploadItem) => {
    const source: PutSource = {
      localPath: path.join(bundle.siteDir, f.path),
      size: f.size,
      sha256: f.sha256,
      contentType: contentTypeOf(f.path),
      cacheControl: cacheControlOf(f.path),
    };
    const lane = await takeLane(lanes);
    try {
      await callHost(`upload of ${f.path}`, lane.ctx, (s, touch) => {
        inFlight.set(f.path, 0);
        return lane.host.put(f.path, source, {
          signal: s,
          onProgress: (e: TransferProgress) => {
            touch();
            inFlight.set(f.path, e.bytes);
            progress(f.path);
          },
        });
      });
    } finally {
      lane.inFlight--;
    }
    inFlight.delete(f.path);
    report.uploaded++;
    report.bytes += f.size;
    bytesDone += f.size;
    if (!transactional) journal.recordPut(f.path, f.sha256, f.size);
    emit({ type: 'host-file', host: config.name, action: 'uploaded', path: f.path, bytes: f.size });
    progress(f.path);
  };
  const remove = async (p: string) => {
    const lane = await takeLane(lanes);
    try {
      await callHost(`removal of ${p}`, lane.ctx, (s) => lane.host.delete(p, { signal: s }));
    } finally {
      lane.inFlight--;
    }
    report.deleted++;
    emit({ type: 'host-file', host: config.name, action: 'deleted', path: p, bytes: 0 });
  };
  const limit = pLimit(config.concurrency);
  const all = async <T>(items: T[], fn: (item: T) => Promise<void>) => {
    // The first failure rejects at once and aborts the host's signal, which stops the rest.
    await Promise.all(items.map((item) => limit(() => (ctx.signal.aborted ? Promise.resolve() : fn(item)))));
    if (ctx.signal.aborted) throw new AbortedError(`push to ${config.name}`, { cause: ctx.signal.reason });
  };

  progress();
  // An old signature the new (unsigned) manifest would contradict goes just before the manifest:
  // removed earlier, the old manifest would be served unsigned for the whole push.
  const removeBefore = async () => {
    for (const p of plan.deleteBefore.splice(0)) await remove(p);
  };
  for (const { phase, files } of plan.phases) {
    if (phase === 'manifest') await removeBefore();
    if (phase === 'manifest' && !transactional) {
      // Once the new manifest is up, the old one no longer names the stale files: remember them.
      await journal.beforeManifest(bundle.manifestSha256, plan.deleteAfter);
    }
    await all(files, put);
    if (phase === 'manifest' && !transactional) onManifestWritten();
  }
  await removeBefore();
  await all(plan.deleteAfter, remove);
  if (transactional && host.commit) {
    await callHost('commit', { ...ctx, timeoutMs: ctx.timeoutMs * WHOLE_TREE_FACTOR }, (s, touch) => host.commit!(`samizdat publication ${bundle.manifest.publication.id}`, { signal: s, onProgress: touch }));
    onManifestWritten();
  }
}
