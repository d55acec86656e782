// The verify stage: is this copy (a folder, a zip, a mirror URL) exactly what was published?
// The signature first, then every file against the manifest.
import { randomInt } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { InputError, throwIfAborted } from '../errors.ts';
import type { OperationOptions } from '../progress.ts';
import { checkManifestSignature } from '../manifest/signature.ts';
import { parseManifest } from '../manifest/parse.ts';
import { MANIFEST_FILE, SIGNATURE_FILE, type Manifest, type ManifestFile } from '../manifest/types.ts';
import { HOWTO_FILE, isGenuineHowTo } from '../pack/howto.ts';
import { openFolder } from './folder.ts';
import { resolveExpectedKey } from './pubkey.ts';
import type { CopySource, FileCheck, TargetKind, VerifyEvent, VerifyReport } from './types.ts';
import { mirrorBase, openUrl } from './url.ts';
import { openZip } from './zip.ts';

export type { VerifyReport, VerifyEvent, ChangedFile, FailedFile, TargetKind } from './types.ts';
export { mirrorBase } from './url.ts';
export { resolveExpectedKey } from './pubkey.ts';

export interface VerifyOptions extends OperationOptions<VerifyEvent> {
  /** The key the copy must be signed by: a fingerprint (SHA256:…), a PEM file path, or PEM text. Unsigned then fails. */
  pubkey?: string;
  /** Files checked at once (default 8). */
  concurrency?: number;
  /** Per HTTP request, headers and body (default 30 000 ms). URLs only. */
  timeoutMs?: number;
  /** Extra attempts for a timed-out or failing request (default 1). URLs only. */
  retries?: number;
  /** Check only this many files, chosen at random (index.html always among them). */
  sample?: number;
  /** Where relative paths and --pubkey files are resolved (default process.cwd()). */
  cwd?: string;
}

const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
const MAX_SMALL_BYTES = 64 * 1024;

async function openTarget(target: string, options: VerifyOptions): Promise<{ source: CopySource; where: string }> {
  if (/^https?:\/\//i.test(target)) {
    const source = openUrl(target, { timeoutMs: options.timeoutMs ?? 30_000, retries: options.retries ?? 1, signal: options.signal });
    return { source, where: target };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    throw new InputError('VERIFY_BAD_TARGET', `${target}: only folders, zip files and http(s) URLs can be verified`);
  }
  const where = path.resolve(options.cwd ?? process.cwd(), target);
  let st;
  try {
    st = await stat(where);
  } catch (err) {
    throw new InputError('VERIFY_NOT_FOUND', `${where} does not exist`, {
      file: where,
      hint: 'Give a folder, a .zip file, or the http(s) URL of a mirror.',
      cause: err,
    });
  }
  if (st.isDirectory()) return { source: await openFolder(where), where };
  return { source: await openZip(where), where };
}

/** Up to n manifest files chosen at random, index.html always first when listed. */
function sampleFiles(files: ManifestFile[], n: number): ManifestFile[] {
  if (n >= files.length) return files;
  const pool = [...files];
  const chosen: ManifestFile[] = [];
  const home = pool.findIndex((f) => f.path === 'index.html');
  if (home >= 0) chosen.push(...pool.splice(home, 1));
  while (chosen.length < n) chosen.push(...pool.splice(randomInt(pool.length), 1));
  return chosen;
}

/**
 * Verifies a copy. Resolves to a report (ok true only for a genuine, complete copy); throws
 * InputError / SamizdatError when the copy cannot be examined at all: target missing, no or
 * unreadable manifest (MANIFEST_NOT_JSON, MANIFEST_UNSAFE_PATH…), damaged or hostile zip
 * (ZIP_CORRUPT, ZIP_UNSAFE_ENTRY), unreachable mirror (MIRROR_UNREACHABLE, retryable), bad --pubkey.
 */
export async function verifyTarget(target: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const { signal, onProgress } = options;
  throwIfAborted(signal, 'verification');
  const expected = options.pubkey === undefined ? undefined : await resolveExpectedKey(options.pubkey, options.cwd);
  const { source, where } = await openTarget(target, options);
  try {
    const manifestBytes = await source.readSmall(MANIFEST_FILE, MAX_MANIFEST_BYTES);
    const manifestName = source.kind === 'url' ? new URL(MANIFEST_FILE, mirrorBase(target)).href : `${where}${source.kind === 'zip' ? ':' : path.sep}${MANIFEST_FILE}`;
    if (!manifestBytes) {
      throw new InputError('VERIFY_NO_MANIFEST', `${where} has no ${MANIFEST_FILE}: it is not a samizdat copy, or an incomplete one`, {
        file: manifestName,
        hint: source.kind === 'url' ? 'Check the URL: it must be the mirror\'s top folder, where index.html is.' : 'Give the folder (or zip) that contains index.html and mirror-manifest.json.',
      });
    }
    if (manifestBytes.length > MAX_MANIFEST_BYTES) throw new InputError('MANIFEST_TOO_LARGE', `the manifest is larger than ${MAX_MANIFEST_BYTES} bytes`, { file: manifestName });
    const manifest = parseManifest(manifestBytes, manifestName);
    const sigBytes = await source.readSmall(SIGNATURE_FILE, MAX_SMALL_BYTES);
    const signature = checkManifestSignature(manifestBytes, manifest.signer, sigBytes?.toString('utf8'), expected);

    const toCheck = options.sample !== undefined ? sampleFiles(manifest.files, Math.max(1, Math.floor(options.sample))) : manifest.files;
    onProgress?.({ type: 'manifest', files: manifest.files.length, toCheck: toCheck.length, signature: signature.status });

    const report = emptyReport(where, source.kind, manifest, signature, options.sample !== undefined ? toCheck.length : undefined);
    const planned = source.plan?.(toCheck.length).concurrency;
    const limit = pLimit(Math.max(1, planned ?? options.concurrency ?? 8));
    let done = 0;
    await Promise.all(
      toCheck.map((f) =>
        limit(async () => {
          throwIfAborted(signal, 'verification');
          const result = await source.check(f, signal);
          const status = record(report, f, result);
          onProgress?.({ type: 'file', path: f.path, status, done: ++done, total: toCheck.length });
        }),
      ),
    );
    throwIfAborted(signal, 'verification');

    if (options.sample === undefined) {
      const listing = await source.list();
      if (listing) {
        report.unexpectedChecked = true;
        const listed = new Set(manifest.files.map((f) => f.path));
        for (const p of listing.sort()) {
          if (listed.has(p) || p === MANIFEST_FILE || p === SIGNATURE_FILE) continue;
          if (p === HOWTO_FILE) {
            const bytes = await source.readSmall(HOWTO_FILE, MAX_SMALL_BYTES);
            if (bytes && bytes.length <= MAX_SMALL_BYTES && isGenuineHowTo(bytes, manifest)) continue;
            report.changed.push({ path: HOWTO_FILE, reason: 'it is not the how-to-open text samizdat pack writes for this manifest: its instructions may have been altered' });
            continue;
          }
          report.unexpected.push(p);
        }
      }
    }
    return finish(report, expected !== undefined);
  } finally {
    await source.close();
  }
}

function emptyReport(target: string, kind: TargetKind, manifest: Manifest, signature: VerifyReport['signature'], sampled: number | undefined): VerifyReport {
  return {
    target,
    kind,
    ok: false,
    site: manifest.site,
    samizdat: manifest.samizdat,
    publication: manifest.publication,
    signature,
    files: { listed: manifest.files.length, checked: 0, good: 0 },
    missing: [],
    changed: [],
    unexpected: [],
    failed: [],
    unexpectedChecked: false,
    ...(sampled !== undefined ? { sampled } : {}),
    problems: [],
  };
}

function record(report: VerifyReport, f: ManifestFile, result: FileCheck): 'good' | 'missing' | 'changed' | 'failed' {
  const expected = { size: f.size, sha256: f.sha256 };
  switch (result.status) {
    case 'missing':
      report.missing.push(f.path);
      return 'missing';
    case 'failed':
      report.failed.push({ path: f.path, code: result.code, message: result.message, retryable: result.retryable });
      return 'failed';
    case 'changed':
      report.files.checked++;
      report.changed.push({ path: f.path, expected, ...(result.size !== undefined ? { actual: { size: result.size } } : {}), reason: result.reason });
      return 'changed';
    case 'found':
      report.files.checked++;
      if (result.size === f.size && result.sha256 === f.sha256) {
        report.files.good++;
        return 'good';
      }
      report.changed.push({
        path: f.path,
        expected,
        actual: { size: result.size, sha256: result.sha256 },
        reason: result.size === f.size ? 'its content differs (same size, another SHA-256)' : `its size is ${result.size} bytes, not ${f.size}`,
      });
      return 'changed';
  }
}

function finish(report: VerifyReport, keyRequired: boolean): VerifyReport {
  const sort = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  report.missing.sort(sort);
  report.changed.sort((a, b) => sort(a.path, b.path));
  report.failed.sort((a, b) => sort(a.path, b.path));
  const p = report.problems;
  const sig = report.signature;
  const sigOk = sig.status === 'valid' || (sig.status === 'unsigned' && !keyRequired);
  if (!sigOk) p.push(sig.status === 'unsigned' ? `signature: the manifest is not signed, but --pubkey ${sig.expected} was required` : `signature (${sig.status}): ${sig.message}`);
  for (const m of report.missing) p.push(`missing: ${m}`);
  for (const c of report.changed) p.push(`changed: ${c.path}: ${c.reason}`);
  for (const u of report.unexpected) p.push(`unexpected: ${u} is not in the manifest`);
  for (const f of report.failed) p.push(`not checked: ${f.path}: ${f.message}`);
  report.ok = p.length === 0;
  return report;
}
