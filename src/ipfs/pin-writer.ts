/**
 * The writing half of `samizdat pin`, on a worker thread: block files into the block store and
 * the CARv1, while the main thread reads the bundle and ipfs-unixfs-importer hashes it into
 * blocks. Creating 25,000 small files and writing 200 MiB cost about as much as hashing them;
 * the two halves need not wait for each other.
 *
 * The main thread copies each new block once, as a CAR frame (varint length, CID, bytes), into a
 * batch buffer that is transferred to the worker (no structured clone); the worker appends the
 * batch to the CAR and writes the blocks the store lacks from slices of the same buffer. At most
 * MAX_IN_FLIGHT batches wait for the worker; beyond that the main thread blocks until it catches
 * up, so memory stays bounded whatever the disk's speed.
 *
 * The CAR: one root, each block once (the importer hands over repeated blocks: identical files,
 * the empty folder), in the order the importer makes them: children before parents, an order
 * that depends on the bundle only (importerOptions imports one file and one block at a time), so
 * the same bundle gives the same bytes. The header names a placeholder root of the real root's
 * byte length, rewritten in place at the end (checked), then the file is renamed into place.
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
const BATCH_BLOCKS = 1024;
const MAX_IN_FLIGHT = 32;

/** The worker: plain JavaScript, so it runs the same under tsx and in a compiled build. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const inFlight = new Int32Array(workerData.counter);
const made = new Set();
let error;
let position = 0;
const car = fs.openSync(workerData.carTmpPath, 'w');
function writeAll(fd, bytes, at) {
  let off = 0;
  while (off < bytes.byteLength) off += fs.writeSync(fd, bytes, off, bytes.byteLength - off, at + off);
  return off;
}
function blocks(msg) {
  const bytes = new Uint8Array(msg.buffer, 0, msg.length);
  let file;
  try {
    for (let i = 0; i < msg.files.length; i++) {
      const dir = msg.dirs[i];
      file = msg.files[i];
      if (!made.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      try {
        fs.writeFileSync(file, bytes.subarray(msg.starts[i], msg.ends[i]));
      } catch (err) {
        try { fs.rmSync(file, { force: true }); } catch {}
        throw err;
      }
    }
    file = workerData.carTmpPath;
    position += writeAll(car, bytes, position);
  } catch (err) {
    error = { message: err.message, code: err.code, file, inStore: file !== workerData.carTmpPath };
  }
}
parentPort.on('message', (msg) => {
  if (msg.type === 'blocks') {
    if (!error) blocks(msg);
    Atomics.sub(inFlight, 0, 1);
    Atomics.notify(inFlight, 0);
    return;
  }
  // 'finish' (header, carPath) or 'abort': everything queued before it has been handled.
  try {
    if (msg.type === 'finish' && !error) {
      writeAll(car, msg.header, 0);
      fs.closeSync(car);
      fs.renameSync(workerData.carTmpPath, msg.carPath);
    } else {
      fs.closeSync(car);
      fs.rmSync(workerData.carTmpPath, { force: true });
    }
  } catch (err) {
    error ??= { message: err.message, code: err.code, file: msg.carPath ?? workerData.carTmpPath, inStore: false };
  }
  parentPort.postMessage({ type: 'done', error });
});
`;

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
  private readonly seen = new Set<string>();
  private readonly headerLength: number;
  private batch = newBatch(BATCH_BYTES);
  private used = 0;
  private dirs: string[] = [];
  private files: string[] = [];
  private starts: number[] = [];
  private ends: number[] = [];
  private closed = false;
  /** Blocks and block bytes in the CAR. */
  carBlocks = 0;
  carBytes = 0;

  /**
   * Starts the worker and the CAR at `carTmpPath`; `reservedRoot` (default placeholderRoot())
   * must have the byte length of the real root. New blocks go to `store` (between its beginWrite and endWrite).
   */
  constructor(
    private readonly store: LocalBlockstore,
    readonly carTmpPath: string,
    private readonly reservedRoot: CID = placeholderRoot(),
  ) {
    const counter = new SharedArrayBuffer(4);
    this.inFlight = new Int32Array(counter);
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { counter, carTmpPath } });
    // Waited for explicitly (finish, abort); it must not keep a failed pin's process alive.
    this.worker.unref();
    const header = carHeader(reservedRoot);
    this.headerLength = header.byteLength;
    this.append(header);
  }

  /** Takes a copy of the block (the caller may reuse `bytes`); a block seen before is ignored. */
  put(cid: CID, bytes: Uint8Array): void {
    if (this.closed) throw new Error('PinWriter: put after finish');
    // Codec and multihash: a raw block and a dag-pb block of the same bytes are two CAR entries.
    const digest = cid.multihash.digest;
    const key = `${cid.code}:${Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('base64')}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const cidBytes = cid.bytes;
    const length = cidBytes.byteLength + bytes.byteLength;
    const frame = varint.encodingLength(length) + length;
    if (this.used + frame > this.batch.byteLength) this.send(frame);
    varint.encodeTo(length, this.batch, this.used);
    this.used += varint.encodingLength(length);
    this.batch.set(cidBytes, this.used);
    this.used += cidBytes.byteLength;
    const start = this.used;
    this.batch.set(bytes, this.used);
    this.used += bytes.byteLength;
    this.carBlocks += 1;
    this.carBytes += bytes.byteLength;
    const target = this.store.claimWrite(cid);
    if (target) {
      this.dirs.push(target.dir);
      this.files.push(target.file);
      this.starts.push(start);
      this.ends.push(this.used);
    }
    if (this.files.length >= BATCH_BLOCKS) this.send(0);
  }

  private append(bytes: Uint8Array): void {
    if (this.used + bytes.byteLength > this.batch.byteLength) this.send(bytes.byteLength);
    this.batch.set(bytes, this.used);
    this.used += bytes.byteLength;
  }

  /** Hands the batch to the worker and starts a new one with room for at least `next` bytes. */
  private send(next: number): void {
    if (this.used > 0) {
      // Back-pressure: wait (synchronously: the import is synchronous) while the worker is far behind.
      for (let n = Atomics.load(this.inFlight, 0); n >= MAX_IN_FLIGHT; n = Atomics.load(this.inFlight, 0)) Atomics.wait(this.inFlight, 0, n, 1000);
      Atomics.add(this.inFlight, 0, 1);
      const buffer = this.batch.buffer as ArrayBuffer;
      this.worker.postMessage({ type: 'blocks', buffer, length: this.used, dirs: this.dirs, files: this.files, starts: this.starts, ends: this.ends }, [buffer]);
      this.batch = newBatch(Math.max(BATCH_BYTES, next));
    } else if (next > this.batch.byteLength) this.batch = newBatch(next);
    this.used = 0;
    this.dirs = [];
    this.files = [];
    this.starts = [];
    this.ends = [];
  }

  private async close(message: { type: 'finish'; header: Uint8Array; carPath: string } | { type: 'abort' }): Promise<WorkerError | undefined> {
    this.closed = true;
    const done = new Promise<WorkerError | undefined>((resolve) => {
      this.worker.once('message', (msg: { error?: WorkerError }) => resolve(msg.error));
      // A crashed worker may have left a block half written: reported as a block store failure.
      this.worker.once('error', (err) => resolve({ message: `the writer thread failed: ${err.message}`, file: this.carTmpPath, inStore: true }));
    });
    this.worker.ref();
    this.worker.postMessage(message);
    try {
      return await done;
    } finally {
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
   * After an error elsewhere: lets the worker write the blocks already queued (whole files, so
   * the store stays sound), deletes the temp CAR. Returns the worker's own error, if any.
   */
  async abort(): Promise<SamizdatError | undefined> {
    if (this.closed) return undefined;
    this.send(0);
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
