import { availableParallelism } from 'node:os';
import { parentPort, Worker } from 'node:worker_threads';
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

/** A task's answer from a worker; no `output`: the task failed there and the caller runs it itself. */
interface TaskReply<Out> {
  id: number;
  output?: Out;
}

/**
 * Runs one pure task per input on worker threads (module calls serveTasks), the least busy worker
 * first. A pool is only ever a way to go faster: a task that fails in a worker, or every task
 * once a worker has died, runs through `inThread` in the calling thread, which gives the result
 * or the error exactly as a run without the pool would.
 */
export class TaskPool<In, Out> {
  private readonly workers: Worker[] = [];
  private readonly inFlight: number[] = [];
  private readonly dead = new Set<number>();
  private readonly waiting = new Map<number, { input: In; worker: number; resolve: (out: Out) => void; reject: (err: unknown) => void }>();
  private nextId = 0;
  private closed = false;

  constructor(
    module: URL,
    workerData: object,
    private readonly inThread: (input: In) => Promise<Out>,
    size = Math.max(1, Math.min(4, availableParallelism())),
  ) {
    for (let i = 0; i < size; i++) {
      const worker = startWorker(module, workerData);
      worker.on('message', ({ id, output }: TaskReply<Out>) => {
        const job = this.waiting.get(id);
        if (!job) return;
        this.waiting.delete(id);
        this.inFlight[i]!--;
        if (output !== undefined) job.resolve(output);
        else this.inThread(job.input).then(job.resolve, job.reject);
      });
      const die = () => {
        if (this.closed || this.dead.has(i)) return;
        this.dead.add(i);
        for (const [id, job] of this.waiting) {
          if (job.worker !== i) continue;
          this.waiting.delete(id);
          this.inThread(job.input).then(job.resolve, job.reject);
        }
      };
      worker.once('error', die);
      worker.once('exit', die);
      this.workers.push(worker);
      this.inFlight.push(0);
    }
  }

  run(input: In): Promise<Out> {
    let worker = -1;
    for (let i = 0; i < this.workers.length; i++) {
      if (!this.dead.has(i) && (worker === -1 || this.inFlight[i]! < this.inFlight[worker]!)) worker = i;
    }
    if (worker === -1 || this.closed) return this.inThread(input);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { input, worker, resolve, reject });
      this.inFlight[worker]!++;
      this.workers[worker]!.postMessage({ id, input });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** In a worker started by a TaskPool: answers every task with fn(input). */
export function serveTasks<In, Out>(fn: (input: In) => Out | Promise<Out>): void {
  const port = parentPort!;
  port.on('message', ({ id, input }: { id: number; input: In }) => {
    Promise.resolve()
      .then(() => fn(input))
      .then(
        (output) => port.postMessage({ id, output } satisfies TaskReply<Out>),
        // An error's class does not survive the trip: the caller runs the task itself instead.
        () => port.postMessage({ id } satisfies TaskReply<Out>),
      );
  });
}
