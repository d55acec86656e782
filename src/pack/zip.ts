// A deterministic zip writer on top of archiver: entries in the order given (the caller sorts),
// one fixed timestamp, fixed permissions, no extra fields, nothing from the machine or clock.
// The same entries and the same Node (zlib) version give the same bytes.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { AbortedError } from '../errors.ts';
import { createZipArchive, type Predeflated } from './zip-format.ts';

const deflateRaw = promisify(zlib.deflateRaw);
/** zlib.crc32 arrived in Node 20.15; without it every entry is deflated by archiver itself. */
const crc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
/** Entries up to this size are deflated ahead, several at once on the thread pool. */
const PREDEFLATE_LIMIT = 4 * 1024 * 1024;

export interface ZipSource {
  /** Entry name: relative, "/"-separated, already checked safe. */
  name: string;
  /** Stored without compression (already-compressed media). */
  store?: boolean;
  /** The bytes, loaded only when the entry is near its turn. */
  load: () => Promise<Buffer | Readable>;
}

export interface ZipWriteOptions {
  /** zlib level 0-9. */
  level: number;
  /** The one timestamp of every entry. */
  date: Date;
  signal?: AbortSignal;
  /** Called after each entry is written, with its index. */
  onEntry?: (index: number) => void;
}

/** Entries loaded (and deflated) ahead of the one being written: keeps every core busy. */
const READ_AHEAD = 32;

/** Writes the zip to `file` and returns its SHA-256 and size. On failure the caller removes `file`. */
export async function writeDeterministicZip(sources: ZipSource[], file: string, options: ZipWriteOptions): Promise<{ sha256: string; bytes: number }> {
  if (options.signal?.aborted) throw new AbortedError('pack', { cause: options.signal.reason });
  const predeflated = new Map<string, Predeflated>();
  const archive = createZipArchive({ zlib: { level: options.level }, forceLocalTime: false, comment: '' }, predeflated);
  const hash = createHash('sha256');
  let bytes = 0;
  // archiver emits many small chunks (headers, descriptors, small entries): gather them into
  // ~1 MB writes, which costs far less than a write per chunk.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes < 1 << 20) return cb();
      const out = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      cb(null, out);
    },
    flush(cb) {
      cb(null, pendingBytes ? Buffer.concat(pending, pendingBytes) : undefined);
    },
  });
  const written = pipeline(archive, counter, createWriteStream(file, { mode: 0o644 }));

  let failure: unknown;
  const fail = (err: unknown) => {
    failure ??= err;
    archive.abort();
    // archiver ends its output after an abort only when no entry is in progress: tear the
    // pipeline down ourselves so the write stream always closes.
    counter.destroy(err instanceof Error ? err : new Error(String(err)));
  };
  archive.on('warning', fail);
  archive.on('error', fail);
  const onAbort = () => fail(new AbortedError('pack', { cause: options.signal?.reason }));
  options.signal?.addEventListener('abort', onAbort, { once: true });

  // archiver queues appends; feed it only a few at a time so memory stays bounded.
  let done = 0;
  let wake: (() => void) | undefined;
  archive.on('entry', () => {
    options.onEntry?.(done++);
    wake?.();
  });
  const loads: Array<Promise<Buffer | Readable> | undefined> = [];
  const startLoad = (i: number) => {
    const s = sources[i];
    if (s && !loads[i]) {
      loads[i] = s.load().then(async (data) => {
        // The same bytes archiver's own deflate would give at this level are not needed, only
        // the same bytes every time: zlib's one-shot deflate is deterministic for a given input.
        if (crc32 && Buffer.isBuffer(data) && !s.store && data.length > 0 && data.length <= PREDEFLATE_LIMIT) {
          const deflated = await deflateRaw(data, { level: options.level });
          predeflated.set(s.name, { data: deflated, crc: crc32(data), size: data.length });
        }
        return data;
      });
      loads[i]!.catch(() => {}); // awaited in order below
    }
  };
  try {
    for (let i = 0; i < sources.length && failure === undefined; i++) {
      for (let j = i; j < Math.min(sources.length, i + READ_AHEAD); j++) startLoad(j);
      const data = await loads[i]!;
      loads[i] = undefined;
      while (i - done >= READ_AHEAD && failure === undefined) await new Promise<void>((r) => (wake = r));
      if (failure !== undefined) break;
      const s = sources[i]!;
      archive.append(data, { name: s.name, date: options.date, mode: 0o644, store: s.store ?? false });
    }
    if (failure === undefined) await archive.finalize();
  } catch (err) {
    fail(err);
  }
  try {
    await written;
  } catch (err) {
    failure ??= err;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (failure !== undefined) throw failure;
  return { sha256: hash.digest('hex'), bytes };
}
