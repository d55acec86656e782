/**
 * The writing half of `samizdat pin`, on a worker thread (pin-writer-thread.mjs): block files
 * into the block store and the CARv1, while the main thread reads the bundle and
 * ipfs-unixfs-importer hashes it into blocks. Creating 25,000 small files and writing 200 MiB
 * cost about as much as hashing them; the two halves need not wait for each other.
 *
 * The main thread only copies each block, as a CAR frame (varint length, CID, bytes), into a
 * batch buffer that is transferred to the thread (no structured clone). The thread does the
 * rest: it skips repeated blocks (the importer hands over identical files and the empty folder
 * more than once), appends the new frames to the CAR, and writes the blocks the store lacks
 * (listing the store itself). At most MAX_IN_FLIGHT batches wait for it; beyond that the main
 * thread blocks until it catches up, so memory stays bounded whatever the disk's speed.
 *
 * The CAR: one root, each block once, in the order the importer makes them: children before
 * parents, an order that depends on the bundle only (put is synchronous and the bundle is read
 * synchronously: see importerOptions), so the same bundle gives the same bytes. Room for the
 * header is left for a root of the real root's byte length; the header is written at the end
 * (checked), then the file is renamed into place.
 */
import { Worker } from 'node:worker_threads';
import * as CarBufferWriter from '@ipld/car/buffer-writer';
import { varint } from 'multiformats';
import { CID } from 'multiformats/cid';
import { code as DAG_PB } from '@ipld/dag-pb';
import * as Digest from 'multiformats/hashes/digest';
import { SamizdatError } from '../errors.ts';
import type { LocalBlockstore } from './blockstore.ts';

const BATCH_BYTES = 1 << 20;
const MAX_IN_FLIGHT = 32;
const THREAD = new URL('./pin-writer-thread.mjs', import.meta.url);

interface WorkerError {
  message: string;
  code?: string;
  file: string;
  /** A block file (the store may hold a torn block) rather than the CAR. */
  inStore: boolean;
}

export class PinWriter {
  private readonly worker: Worker;
  private readonly inFlight: Int32Array;
  private readonly headerLength: number;
  private batch = newBatch(BATCH_BYTES);
  private used = 0;
  private closed = false;
  /** Batch buffers the thread is done with (see send). */
  private readonly free: Uint8Array[] = [];
  private done?: (msg: { error?: WorkerError; carBlocks: number; carBytes: number }) => void;
  /** Set when the thread failed or stopped before its 'done' (it may have left a block half written). */
  private crashed?: WorkerError;
  /** Blocks and block bytes in the CAR (known once finish or abort returns). */
  carBlocks = 0;
  carBytes = 0;

  /**
   * Starts the thread and the CAR at `carTmpPath`; `reservedRoot` (default placeholderRoot())
   * must have the byte length of the real root. New blocks go to `store` (between its beginWrite and endWrite).
   */
  constructor(
    store: LocalBlockstore,
    readonly carTmpPath: string,
    private readonly reservedRoot: CID = placeholderRoot(),
  ) {
    const counter = new SharedArrayBuffer(4);
    this.inFlight = new Int32Array(counter);
    this.headerLength = carHeader(reservedRoot).byteLength;
    this.worker = new Worker(THREAD, { workerData: { counter, carTmpPath, blocksDir: store.blocksDir, fresh: store.fresh, headerLength: this.headerLength } });
    this.worker.on('message', (msg: { type: 'free'; buffer: ArrayBuffer } | { type: 'done'; error?: WorkerError; carBlocks: number; carBytes: number }) => {
      if (msg.type === 'free') {
        if (msg.buffer.byteLength === BATCH_BYTES && this.free.length < 8) this.free.push(new Uint8Array(msg.buffer));
      } else this.done?.(msg);
    });
    const crash = (message: string) => {
      this.crashed ??= { message, file: this.carTmpPath, inStore: true };
      this.done?.({ error: this.crashed, carBlocks: 0, carBytes: 0 });
    };
    this.worker.on('error', (err) => crash(`the writer thread failed: ${err.message}`));
    this.worker.on('exit', (code) => crash(`the writer thread stopped (exit code ${code})`));
    // Waited for explicitly (finish, abort); it must not keep a failed pin's process alive.
    this.worker.unref();
  }

  /** Takes a copy of the block (the caller may reuse `bytes`); the thread ignores a block seen before. */
  put(cid: CID, bytes: Uint8Array): void {
    if (this.closed) throw new Error('PinWriter: put after finish');
    const cidBytes = cid.bytes;
    const length = cidBytes.byteLength + bytes.byteLength;
    const prefix = varint.encodingLength(length);
    if (this.used + prefix + length > this.batch.byteLength) this.send(prefix + length);
    varint.encodeTo(length, this.batch, this.used);
    this.used += prefix;
    this.batch.set(cidBytes, this.used);
    this.used += cidBytes.byteLength;
    this.batch.set(bytes, this.used);
    this.used += bytes.byteLength;
  }

  /** Hands the batch to the thread and starts a new one with room for at least `next` bytes. */
  private send(next: number): void {
    if (this.used > 0) {
      // Back-pressure: wait (synchronously: the import is synchronous) while the thread is far behind.
      for (let n = Atomics.load(this.inFlight, 0); n >= MAX_IN_FLIGHT; n = Atomics.load(this.inFlight, 0)) {
        // A thread that died answers no more: its events cannot arrive while this thread waits.
        if (this.worker.threadId === -1) throw writeError(this.crashed ?? { message: 'the writer thread stopped', file: this.carTmpPath, inStore: true });
        Atomics.wait(this.inFlight, 0, n, 1000);
      }
      Atomics.add(this.inFlight, 0, 1);
      const buffer = this.batch.buffer as ArrayBuffer;
      this.worker.postMessage({ type: 'blocks', buffer, length: this.used }, [buffer]);
      // Reuse a buffer the thread handed back (they come back between the import's breaks).
      this.batch = next <= BATCH_BYTES ? (this.free.pop() ?? newBatch(BATCH_BYTES)) : newBatch(next);
    } else if (next > this.batch.byteLength) this.batch = newBatch(next);
    this.used = 0;
  }

  private async close(message: { type: 'finish'; header: Uint8Array; carPath: string } | { type: 'abort' }): Promise<WorkerError | undefined> {
    this.closed = true;
    const done = new Promise<WorkerError | undefined>((resolve) => {
      this.done = (msg) => {
        this.carBlocks = msg.carBlocks;
        this.carBytes = msg.carBytes;
        resolve(msg.error);
      };
      // A crashed thread may have left a block half written: reported as a block store failure.
      if (this.crashed) resolve(this.crashed);
    });
    this.worker.ref();
    this.worker.postMessage(message);
    try {
      return await done;
    } finally {
      this.done = undefined;
      await this.worker.terminate();
    }
  }

  /**
   * Writes what is left, puts the real root in the CAR header and moves the CAR to `carPath`.
   * Throws BLOCKSTORE_WRITE when a block file could not be written (the store's write marker
   * must then stay), CAR_WRITE when the CAR could not.
   */
  async finish(root: CID, carPath: string): Promise<void> {
    const header = carHeader(root);
    if (header.byteLength !== this.headerLength) {
      await this.abort();
      throw new SamizdatError('CAR_HEADER', `the CAR header for ${root} is ${header.byteLength} bytes, not the ${this.headerLength} reserved for it (placeholder ${this.reservedRoot})`);
    }
    this.send(0);
    const failed = await this.close({ type: 'finish', header, carPath });
    if (failed) throw writeError(failed);
  }

  /**
   * After an error elsewhere: lets the thread write the blocks already queued (whole files, so
   * the store stays sound), deletes the temp CAR. Returns the thread's own error, if any.
   */
  async abort(): Promise<SamizdatError | undefined> {
    if (this.closed) return undefined;
    try {
      this.send(0);
    } catch (err) {
      // The thread is gone (send found it dead): nothing is left to stop.
      this.closed = true;
      return err as SamizdatError;
    }
    const failed = await this.close({ type: 'abort' });
    return failed ? writeError(failed) : undefined;
  }
}

function writeError(failed: WorkerError): SamizdatError {
  const full = failed.code === 'ENOSPC' ? 'The disk is full: free some space and run `samizdat pin` again.' : undefined;
  if (failed.inStore) {
    return new SamizdatError('BLOCKSTORE_WRITE', `cannot write the block file ${failed.file}: ${failed.message}`, { file: failed.file, hint: full ?? 'Check the block store folder, then run `samizdat pin` again.' });
  }
  return new SamizdatError('CAR_WRITE', `cannot write the CAR ${failed.file}: ${failed.message}`, { file: failed.file, hint: full ?? 'Check the dist folder, then run `samizdat pin` again.' });
}

/**
 * A root to reserve the CAR header with: CIDv1, dag-pb, sha2-256 (zero digest), as long as the
 * root folder's CIDv1 (and as a raw leaf's).
 */
export function placeholderRoot(): CID {
  return CID.createV1(DAG_PB, Digest.create(0x12, new Uint8Array(32)));
}

function carHeader(root: CID): Uint8Array {
  const length = CarBufferWriter.headerLength({ roots: [root] });
  return CarBufferWriter.createWriter(new ArrayBuffer(length), { roots: [root] }).close();
}

/** A batch buffer with an ArrayBuffer of its own (transferable; not from Node's shared pool, not zeroed). */
function newBatch(size: number): Uint8Array {
  const b = Buffer.allocUnsafeSlow(size);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
