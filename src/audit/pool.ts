// The audit of a big bundle, spread over worker threads: parsing is CPU work and a build machine
// has more than one core. Files are dealt out round-robin; findings come back as plain data.
import type { Worker } from 'node:worker_threads';
import { AbortedError, throwIfAborted } from '../errors.ts';
import { startWorker } from '../workers.ts';
import { selectRules } from './rules/index.ts';
import { auditFiles, type FileResult } from './run.ts';
import type { BundleIndex } from './types.ts';

/** What a worker receives (structured-cloned). */
export interface WorkerInput {
  dir: string;
  chunk: string[];
  rules: readonly string[] | undefined;
  files: string[];
  folders: string[];
  others: [string, 'symlink' | 'other'][];
  /** Return what the audit cache needs (content hash, bundle questions). */
  record: boolean;
}

const MODULE = new URL('./worker.ts', import.meta.url);

/** Runs one worker over input.chunk; rejects if it cannot start or dies. */
export function runWorker(input: WorkerInput, signal: AbortSignal | undefined): Promise<FileResult[]> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(MODULE, input);
    let settled = false;
    const onAbort = () => void worker.terminate();
    signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    worker.once('message', (results: FileResult[]) => finish(() => resolve(results)));
    worker.once('error', (err) => finish(() => reject(err)));
    worker.once('exit', (code) =>
      finish(() => reject(signal?.aborted ? new AbortedError('audit', { cause: signal.reason }) : new Error(`audit worker exited with code ${code} before reporting`))),
    );
  });
}

/**
 * Audits `files` in up to `workers` threads. If a worker cannot run (a host that cannot start
 * threads, a loader that fails), the whole audit runs again in the calling thread, so a worker
 * problem can cost time but never a finding.
 */
export async function auditInWorkers(
  dir: string,
  files: readonly string[],
  options: { rules: readonly string[] | undefined; bundle: BundleIndex; workers: number; signal?: AbortSignal; record?: boolean },
): Promise<FileResult[]> {
  const { bundle, signal } = options;
  const chunks: string[][] = Array.from({ length: Math.max(1, Math.min(options.workers, files.length)) }, () => []);
  files.forEach((f, i) => chunks[i % chunks.length]!.push(f));
  const shared = {
    dir,
    rules: options.rules,
    files: [...bundle.files],
    folders: [...bundle.folders],
    others: [...(bundle.others ?? new Map<string, 'symlink' | 'other'>())],
    record: options.record ?? false,
  };
  try {
    const results = await Promise.all(chunks.map((chunk) => runWorker({ ...shared, chunk }, signal)));
    return results.flat();
  } catch (err) {
    throwIfAborted(signal, 'audit');
    if (err instanceof AbortedError) throw err;
    return auditFiles(dir, files, selectRules(options.rules), bundle, { signal, record: options.record ?? false });
  }
}
