/**
 * Writes block files on a worker thread while the main thread reads and hashes the bundle:
 * creating 25,000 small files costs about as much as hashing 200 MiB, and the two need not wait
 * for each other. Blocks are copied into batches (one transferred buffer each, no structured
 * clone of every block); at most MAX_IN_FLIGHT batches wait for the worker, beyond that the
 * main thread blocks until it catches up, so memory stays bounded whatever the disk's speed.
 */
import { Worker } from 'node:worker_threads';

const BATCH_BYTES = 1 << 20;
const BATCH_BLOCKS = 512;
const MAX_IN_FLIGHT = 32;

/** The worker: plain JavaScript (it must run the same under tsx and compiled builds). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { mkdirSync, writeFileSync, rmSync } = require('node:fs');
const inFlight = new Int32Array(workerData.counter);
const made = new Set();
let error;
parentPort.on('message', (msg) => {
  if (msg.type === 'end') {
    parentPort.postMessage({ type: 'done', error });
    return;
  }
  const bytes = new Uint8Array(msg.buffer);
  if (!error) {
    for (let i = 0; i < msg.dirs.length; i++) {
      const dir = msg.dirs[i];
      const file = msg.files[i];
      try {
        if (!made.has(dir)) {
          mkdirSync(dir, { recursive: true });
          made.add(dir);
        }
        writeFileSync(file, bytes.subarray(msg.offsets[i], msg.offsets[i + 1]));
      } catch (err) {
        try { rmSync(file, { force: true }); } catch {}
        error = { message: err.message, code: err.code, file };
        break;
      }
    }
  }
  Atomics.sub(inFlight, 0, 1);
  Atomics.notify(inFlight, 0);
});
`;

export interface BlockWriteError {
  message: string;
  code?: string;
  file: string;
}

export class BackgroundBlockWriter {
  private readonly worker: Worker;
  private readonly inFlight: Int32Array;
  private dirs: string[] = [];
  private files: string[] = [];
  private offsets: number[] = [0];
  private buffer = newBatch(BATCH_BYTES);
  private used = 0;

  constructor() {
    const counter = new SharedArrayBuffer(4);
    this.inFlight = new Int32Array(counter);
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { counter } });
    // The main thread waits for it explicitly (finish); it must not keep a failed pin alive.
    this.worker.unref();
  }

  /** Queues `bytes` to be written to `file` (in `dir`, created once). The bytes are copied. */
  write(dir: string, file: string, bytes: Uint8Array): void {
    if (this.used + bytes.byteLength > this.buffer.byteLength && this.dirs.length > 0) this.send();
    if (bytes.byteLength > this.buffer.byteLength) this.buffer = newBatch(bytes.byteLength);
    this.buffer.set(bytes, this.used);
    this.used += bytes.byteLength;
    this.dirs.push(dir);
    this.files.push(file);
    this.offsets.push(this.used);
    if (this.dirs.length >= BATCH_BLOCKS) this.send();
  }

  private send(): void {
    if (this.dirs.length === 0) return;
    // Back-pressure: wait (synchronously: the import is synchronous) while the worker is far behind.
    while (Atomics.load(this.inFlight, 0) >= MAX_IN_FLIGHT) Atomics.wait(this.inFlight, 0, Atomics.load(this.inFlight, 0), 1000);
    Atomics.add(this.inFlight, 0, 1);
    const buffer = this.buffer.buffer as ArrayBuffer;
    this.worker.postMessage({ type: 'blocks', dirs: this.dirs, files: this.files, offsets: this.offsets, buffer }, [buffer]);
    this.buffer = newBatch(BATCH_BYTES);
    this.dirs = [];
    this.files = [];
    this.offsets = [0];
    this.used = 0;
  }

  /** Sends what is left and waits until every block is written. Resolves with the first write error, if any. */
  async finish(): Promise<BlockWriteError | undefined> {
    this.send();
    const done = new Promise<BlockWriteError | undefined>((resolve, reject) => {
      this.worker.once('message', (msg: { type: string; error?: BlockWriteError }) => resolve(msg.error));
      this.worker.once('error', reject);
    });
    this.worker.ref();
    this.worker.postMessage({ type: 'end' });
    try {
      return await done;
    } finally {
      await this.worker.terminate();
    }
  }

  /** Stops the worker without waiting for queued blocks (after an error: the write marker stays, so the next pin checks the store). */
  async abandon(): Promise<void> {
    await this.worker.terminate();
  }
}

/** A batch buffer with an ArrayBuffer of its own (transferable; not from Node's shared pool, not zeroed). */
function newBatch(size: number): Uint8Array {
  const b = Buffer.allocUnsafeSlow(size);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
