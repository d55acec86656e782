/**
 * The bundle audit: every HTML, XML (feeds, SVG), JSON and CSS file of a built bundle checked
 * against the bundle contract (DESIGN.md): no script, no event handlers, no dangerous URLs, no
 * embedding elements, nothing loaded from outside the bundle, relative internal links that
 * name files, and on every page a strict Content-Security-Policy and no-referrer.
 *
 *   const findings = await auditBundle('dist/site');   // [] means the bundle is clean
 *
 * Rules are a named table (./rules/index.ts); pass `rules` to run only some.
 */
import os from 'node:os';
import path from 'node:path';
import { throwIfAborted } from '../errors.ts';
import type { ProgressCallback } from '../progress.ts';
import { auditInWorkers } from './pool.ts';
import { selectRules } from './rules/index.ts';
import { adoptShortcutsPassed, AuditCache, recordingView, sha256 } from './cache.ts';
import { FragmentMemo } from './fragments.ts';
import { keepCssResults } from './css.ts';
import { auditFiles, compareFindings, fileEntry, indexBundle, indexFileList, kindOfFile, readEach, runRules, type FileResult, type ReadFile } from './run.ts';
import type { AuditDocument, AuditFinding, BundleIndex } from './types.ts';

export type { AuditFinding, AuditRule, AuditDocument, BundleIndex } from './types.ts';
export { RULES, RULE_NAMES, getRule, selectRules } from './rules/index.ts';
export { auditText, documentsOf, indexBundle, kindOfFile, type AuditedKind, type FileResult } from './run.ts';
export { AuditStream, type AuditStreamOptions } from './stream.ts';
export { vouchAudit } from './cache.ts';

/** Progress of an audit: how many of the files it reads are done. */
export type AuditProgress = {
  type: 'audited';
  done: number;
  total: number;
  /** In the last event: how many files were read and audited now (the others were replayed). */
  read?: number;
};

export interface AuditOptions {
  signal?: AbortSignal;
  /** Called at the start (done 0), every few hundred files in the calling thread, and at the end. */
  onProgress?: ProgressCallback<AuditProgress>;
  /** Run only these rules (names from RULE_NAMES); unknown names throw. Default: all. */
  rules?: readonly string[];
  /**
   * Worker threads. Default: one per core (at most 4) once the bundle has WORKER_THRESHOLD files
   * to read, none below. 0 or 1: the calling thread only. A number above 1: that many, always.
   */
  workers?: number;
  /**
   * Folder for the audit cache (./cache.ts). With it, a file whose bytes, path and bundle
   * neighbourhood are unchanged since the last audit is not read again. Default: no cache.
   */
  cacheDir?: string;
  /**
   * Audit a bundle that is not all in `dir` yet (a rebuild that wrote only the changed files):
   * its complete file list and where each file lies.
   */
  overlay?: {
    files: Iterable<string>;
    locate(file: string): string;
  };
  /** indexBundle(dir), when the caller has it already (not used with `overlay`). */
  index?: BundleIndex;
  /**
   * The sha256 of files whose bytes are already known (hashed for the manifest, or unchanged
   * since the last build): with a cache or `prior`, those are not read when a result can be replayed.
   */
  knownSha256?(file: string): string | undefined;
  /**
   * Results computed before the files were read (an AuditStream, run with the same rules). Each
   * is reused only for a file whose bytes have its sha256 and whose bundle questions get the
   * same answers now; everything else is audited here.
   */
  prior?: readonly FileResult[];
  /**
   * A rebuild's word on what changed: every file of the bundle not in `changed` is a file of the
   * bundle whose manifest list has the digest `listDigest`, with the bytes that list gives it.
   * With a cache that vouches it audited exactly that bundle and found it clean (vouchAudit),
   * those files are kept from the cache without being looked at one by one; otherwise this is
   * not used. (Like knownSha256, it is the caller's word on bytes it checks itself.)
   */
  unchangedSince?: { listDigest: string; changed: ReadonlySet<string> };
  /**
   * Called once the cache is saved, with the id of the state written (undefined: none was). Once
   * the manifest of this very bundle is written, vouchAudit(cacheDir, id, its list digest)
   * records that this state audited it, for the next audit's `unchangedSince`.
   */
  onCacheSaved?(stateId: string | undefined): void;
}

/**
 * Below this many files starting worker threads costs more than it saves: a worker takes about
 * 0.7 s of CPU to load, a 14 KB page about 1.3 ms to audit.
 */
export const WORKER_THRESHOLD = 1500;

/** Files read to be hashed and found changed are kept for their audit up to this many bytes in all. */
const KEEP_READ_BYTES = 64 << 20;

/**
 * Audits every HTML, XML, JSON and CSS file under dir. Returns the findings sorted by file and
 * line ([] when the bundle keeps the contract). Never throws for what it finds; throws only when
 * the folder cannot be read, a rule name is unknown, or the signal fires.
 */
export async function auditBundle(dir: string, options: AuditOptions = {}): Promise<AuditFinding[]> {
  throwIfAborted(options.signal, 'audit');
  const rules = selectRules(options.rules);
  const overlay = options.overlay;
  const bundle = overlay ? indexFileList(overlay.files) : (options.index ?? (await indexBundle(dir)));
  const locate = overlay ? (file: string) => overlay.locate(file) : (file: string) => path.join(dir, file);
  const findings: AuditFinding[] = [];
  const progress = options.onProgress;

  // With a cache, only files whose result cannot be reused are audited.
  const ruleNames = rules.map((r) => r.name);
  const cache =
    options.cacheDir !== undefined ? await AuditCache.open(options.cacheDir, ruleNames) : options.prior?.length ? AuditCache.inMemory(ruleNames) : undefined;
  for (const r of options.prior ?? []) {
    if (r.sha256 && r.queries) cache!.prime(r.file, r.sha256, { findings: r.findings, queries: r.queries });
    // The parser shortcuts' self checks passed where these results were made: kept with the state.
    if (r.learned?.checked) adoptShortcutsPassed(r.learned.checked);
  }
  // An empty cache has nothing to replay: reading every file here only to hash it would double the reads.
  const replaying = cache !== undefined && !cache.empty;

  // A rebuild that says what changed, with a cache that vouches for the rest: only the changed
  // files are looked at below, the others are kept from the state as they are.
  const since = options.unchangedSince;
  const lookedAt = replaying && since !== undefined ? cache.beginUnchanged(bundle, since.listDigest, since.changed) : undefined;
  const unchanged = lookedAt !== undefined;
  const looked: Iterable<string> = lookedAt ?? bundle.files;
  // One pass over the bundle (a rebuild's has 12,000 files, each looked up in the state once),
  // or over the changed files: every regular file by name, unless its name passed last time (a
  // check by name sees only the name); the files the audit reads, and where the state lists them.
  const files: string[] = [];
  const slots: Array<number | undefined> = [];
  const named: string[] = [];
  let listed = 0;
  for (const file of looked) {
    const slot = cache?.slot(file);
    if (!cache || !cache.nameClean(file, slot)) named.push(file);
    // A file the state lists was audited: its name is of a kind the audit reads.
    if (slot === undefined && kindOfFile(file) === undefined) continue;
    if (slot !== undefined) listed++;
    files.push(file);
    slots.push(slot);
  }
  // Then each replayed from the cache when it can be.
  let todo: string[] = [];
  const unknown: string[] = [];
  // The sha256 of files to audit that lie in dir, as the caller knows them: not computed again
  // for their results. (A file elsewhere, carried over from the last build, may have been changed
  // by hand since: its result is keyed by the bytes read.)
  const knownInDir = new Map<string, string>();
  // Files of the audited kinds in the bundle, looked at or not.
  const total = files.length + (unchanged ? cache!.stats.unlooked : 0);
  if (replaying) {
    if (!unchanged) await cache!.begin(bundle, listed);
    for (let i = 0; i < files.length; i++) {
      const file = files[i]!;
      const known = options.knownSha256?.(file);
      if (known === undefined) unknown.push(file);
      else if (!replay(file, known, slots[i])) {
        todo.push(file);
        if (!overlay || overlay.locate(file) === path.join(dir, file)) knownInDir.set(file, known);
      }
    }
  }
  progress?.({ type: 'audited', done: 0, total });

  // Some names must not be in a bundle at all, whatever the files hold.
  const entries: AuditDocument[] = [
    ...named.map((file) => fileEntry(file, 'file')),
    ...[...(bundle.others ?? new Map<string, 'symlink' | 'other'>())].map(([file, entry]) => fileEntry(file, entry)),
  ];
  const byName = recordingView(bundle);
  const nameFindings = runRules(entries, rules, byName.view);
  findings.push(...nameFindings);
  // Names that asked about the bundle (no rule does today) are not kept as passed.
  cache?.namesChecked(bundle.files, byName.queries().length > 0 ? undefined : new Set(nameFindings.map((f) => f.file)));

  const read = new Map<string, ReadFile>();
  let keptBytes = 0;
  if (replaying) {
    await readEach(dir, unknown, options.signal, (file, bytes) => {
      const hash = sha256(bytes);
      if (replay(file, hash)) return;
      todo.push(file);
      // Audited from these bytes below, not read (and hashed) again, within a bound on memory.
      if (keptBytes + bytes.length <= KEEP_READ_BYTES) {
        read.set(file, { bytes, sha256: hash });
        keptBytes += bytes.length;
      }
    }, locate);
  } else {
    todo = files;
  }
  // Read in path order (the same order, whichever files were replayed).
  todo.sort();
  function replay(file: string, hash: string, slot?: number): boolean {
    const hit = cache!.lookup(file, hash, bundle, slot);
    if (hit && hit.length > 0) findings.push(...hit);
    return hit !== undefined;
  }

  // Worker threads read from dir: with an overlay, files may lie elsewhere.
  const allInDir = !overlay || todo.every((f) => overlay.locate(f) === path.join(dir, f));
  const workers = !allInDir ? 1 : (options.workers ?? (todo.length >= WORKER_THRESHOLD ? Math.min(4, os.availableParallelism()) : 1));
  const record = cache !== undefined;
  let results: FileResult[];
  const saving: Promise<void>[] = [];
  // What the threads that produced `prior` taught their memos, saved with this audit's.
  const learned = options.prior?.some((r) => r.learned !== undefined) ?? false;
  const inThreads = workers > 1 && todo.length > 0;
  // HTML carried in feeds and stylesheets, known from the last audit (./fragments.ts).
  const memo = options.cacheDir !== undefined && (learned || (!inThreads && todo.length > 0)) ? await FragmentMemo.open(options.cacheDir, ruleNames) : undefined;
  if (memo && learned) adoptLearned(memo, options.prior!);
  if (inThreads) {
    results = await auditInWorkers(dir, todo, { rules: options.rules, bundle, workers, signal: options.signal, record });
  } else {
    const done0 = total - todo.length;
    const onFile = progress && ((n: number) => n % 500 === 0 && n < todo.length && progress({ type: 'audited', done: done0 + n, total }));
    const sha256Of = knownInDir.size > 0 ? (file: string) => knownInDir.get(file) : undefined;
    results = await auditFiles(dir, todo, rules, bundle, { signal: options.signal, record, locate, ...(onFile ? { onFile } : {}), ...(memo ? { memo } : {}), read, ...(sha256Of ? { sha256Of } : {}) });
  }
  if (memo) saving.push(memo.save());
  for (const r of results) {
    findings.push(...r.findings);
    if (cache && r.sha256 && r.queries) cache.store(r.file, r.sha256, { findings: r.findings, queries: r.queries });
  }
  let stateId: string | undefined;
  if (cache) {
    saving.push(
      cache.save({ clean: findings.length === 0 }).then((id) => {
        stateId = id;
      }),
    );
  }
  // A cache that cannot be written only costs time on the next audit.
  await Promise.all(saving.map((p) => p.catch(() => {})));
  if (options.cacheDir !== undefined) options.onCacheSaved?.(stateId);
  progress?.({ type: 'audited', done: total, total, read: todo.length });
  return findings.sort(compareFindings);
}

/** Memo entries learned where `prior` was audited (pure functions of their text: kept as they are). */
function adoptLearned(memo: FragmentMemo, prior: readonly FileResult[]): void {
  for (const r of prior) {
    if (!r.learned) continue;
    memo.adopt(r.learned.fragments);
    keepCssResults(r.learned.css);
  }
}
