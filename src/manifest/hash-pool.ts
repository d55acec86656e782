// Hashing files on every core: a few worker threads, each reading and hashing synchronously,
// fed in batches so that messages cost little next to the work. Used by writeManifest and by
// verify for folders: a newsroom archive is tens of thousands of small files.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../workers.ts';

/** [size, sha256] for a hashed file, or [-1, errno code, message]. */
export type HashOutcome = [number, string] | [-1, string, string];

const BATCH = 32;

export class HashPool {
  private readonly workers: Worker[] = [];
  private readonly inFlight: number[] = [];
  private readonly waiting = new Map<number, { worker: number; resolve: (out: HashOutcome[]) => void; reject: (err: unknown) => void }>();
  private queue: Array<{ file: string; resolve: (o: HashOutcome) => void; reject: (e: unknown) => void }> = [];
  private nextId = 0;
  private flushScheduled = false;
  private failed: unknown;
  private closing = false;

  constructor(size = Math.max(1, Math.min(4, availableParallelism()))) {
    for (let i = 0; i < size; i++) {
      const w = startWorker(new URL('./hash-worker.ts', import.meta.url), {});
      w.unref();
      w.on('message', ({ id, out }: { id: number; out: HashOutcome[] }) => {
        this.inFlight[i]!--;
        this.waiting.get(id)?.resolve(out);
        this.waiting.delete(id);
      });
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`a hashing thread stopped (exit code ${code})`));
      });
      this.workers.push(w);
      this.inFlight.push(0);
    }
  }

  /** Size and SHA-256 of a file, read without following a final symbolic link. */
  hash(file: string): Promise<HashOutcome> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.queue.push({ file, resolve, reject });
      if (this.queue.length >= BATCH) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.queue.length) {
      const batch = this.queue.splice(0, BATCH);
      let w = 0;
      for (let i = 1; i < this.workers.length; i++) if (this.inFlight[i]! < this.inFlight[w]!) w = i;
      const id = this.nextId++;
      this.inFlight[w]!++;
      this.waiting.set(id, {
        worker: w,
        resolve: (out) => batch.forEach((item, k) => item.resolve(out[k]!)),
        reject: (err) => batch.forEach((item) => item.reject(err)),
      });
      this.workers[w]!.postMessage({ id, files: batch.map((b) => b.file) });
    }
  }

  private fail(err: unknown): void {
    this.failed ??= err;
    for (const item of this.queue) item.reject(err);
    this.queue = [];
    for (const pending of this.waiting.values()) pending.reject(err);
    this.waiting.clear();
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
