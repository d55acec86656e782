import { Worker } from 'node:worker_threads';
import { FROM_SOURCE } from './paths.ts';

/**
 * Starts a worker thread on `module`, a .ts module's URL (new URL('./x.ts', import.meta.url)):
 * compiled (lib/), its .js copy directly; from src/, through an entry that loads tsx first.
 * The worker finds its input in workerData, as given.
 */
export function startWorker(module: URL, workerData: object): Worker {
  const options = { stdout: false, stderr: false };
  if (!FROM_SOURCE) return new Worker(new URL(module.href.replace(/\.ts$/, '.js')), { ...options, workerData });
  return new Worker(new URL('./worker-entry.mjs', import.meta.url), { ...options, workerData: { ...workerData, samizdatWorkerModule: module.href } });
}
