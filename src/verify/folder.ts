// A copy in a folder: an unzipped zip, a USB stick, a bundle just built.
//
// Fast path on purpose: one directory listing says which paths are regular files, and each file
// is then read with one synchronous open/read/close into a reused buffer. Thousands of small
// files through the thread pool cost several times more than the reading and hashing itself.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { hashFile } from '../manifest/hash.ts';
import type { ManifestFile } from '../manifest/types.ts';
import { HashPool, type HashOutcome } from '../manifest/hash-pool.ts';
import type { CopySource, FileCheck } from './types.ts';

type Kind = 'file' | 'dir' | 'symlink' | 'other';

/** Files up to this size are hashed from one synchronous read; larger ones are streamed. */
const SYNC_LIMIT = 8 * 1024 * 1024;
/** Give timers and abort signals a turn after this many synchronous reads. */
const YIELD_EVERY = 200;
/** From this many files on, hashing is spread over worker threads (starting them costs ~50 ms). */
const POOL_FROM = 500;

/** A file at the top of the copy (the manifest, its signature), read without following a link. */
async function readTopFile(root: string, name: string, maxBytes: number): Promise<Buffer | undefined> {
  let fd: number;
  try {
    fd = openSync(path.join(root, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw Object.assign(new Error(`${path.join(root, name)} is not a regular file`), { code: 'ENOTFILE' });
    throw err;
  }
  try {
    if (!fstatSync(fd).isFile()) throw Object.assign(new Error(`${path.join(root, name)} is not a regular file`), { code: 'ENOTFILE' });
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.alloc(64 * 1024);
      const got = readSync(fd, buf, 0, buf.length, total);
      if (got === 0) break;
      chunks.push(buf.subarray(0, got));
      total += got;
      if (total > maxBytes) break;
    }
    const bytes = Buffer.concat(chunks);
    return bytes.length > maxBytes ? bytes.subarray(0, maxBytes + 1) : bytes;
  } finally {
    closeSync(fd);
  }
}

export async function openFolder(dir: string): Promise<CopySource> {
  const root = await realpath(dir);
  let index: Promise<Map<string, Kind>> | undefined;
  const listing = (): Promise<Map<string, Kind>> =>
    (index ??= (async () => {
      // One turn first, so that hashes already asked of the thread pool are sent to it and run
      // while this thread lists the folder.
      await new Promise((r) => setImmediate(r));
      const kinds = new Map<string, Kind>();
      // readdir does not follow symbolic links, so nothing outside root is listed.
      // Synchronous: a bundle has a folder per article, and thousands of readdir calls through
      // the thread pool take several times longer. parentPath always starts with root, and
      // slicing is much cheaper than path.relative per file.
      for (const e of readdirSync(root, { recursive: true, withFileTypes: true })) {
        const parent = e.parentPath.length > root.length ? e.parentPath.slice(root.length + 1) : '';
        const relNative = parent ? `${parent}${path.sep}${e.name}` : e.name;
        const rel = path.sep === '/' ? relNative : relNative.split(path.sep).join('/');
        kinds.set(rel, e.isFile() ? 'file' : e.isDirectory() ? 'dir' : e.isSymbolicLink() ? 'symlink' : 'other');
      }
      return kinds;
    })());
  let buffer = Buffer.alloc(256 * 1024);
  let sinceYield = 0;
  let pool: HashPool | undefined;

  const fromPool = (abs: string, o: HashOutcome): FileCheck => {
    if (o[0] >= 0) return { status: 'found', size: o[0], sha256: o[1] };
    const code = o[1];
    if (code === 'ENOENT') return { status: 'missing' };
    if (code === 'ELOOP' || code === 'ENOTFILE' || code === 'EISDIR') return { status: 'changed', reason: 'it is not a regular file' };
    return { status: 'failed', code, message: `${abs}: ${o[2]}`, retryable: false };
  };

  const hashSmall = (abs: string): { size: number; sha256: string } | 'large' => {
    // O_NOFOLLOW: a file swapped for a link after the listing is refused, not followed.
    const fd = openSync(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
      if (st.size > SYNC_LIMIT) return 'large';
      if (buffer.length < st.size + 1) buffer = Buffer.alloc(Math.max(st.size + 1, buffer.length * 2));
      let n = 0;
      // Read until EOF: the file may have grown since fstat.
      for (;;) {
        if (n === buffer.length) {
          const bigger = Buffer.alloc(buffer.length * 2);
          buffer.copy(bigger, 0, 0, n);
          buffer = bigger;
        }
        const got = readSync(fd, buffer, n, buffer.length - n, n);
        if (got === 0) break;
        n += got;
      }
      return { size: n, sha256: createHash('sha256').update(buffer.subarray(0, n)).digest('hex') };
    } finally {
      closeSync(fd);
    }
  };

  return {
    kind: 'folder',
    async readSmall(name, maxBytes) {
      if (!name.includes('/')) return readTopFile(root, name, maxBytes);
      const kind = (await listing()).get(name);
      if (kind === undefined) return undefined;
      if (kind !== 'file') throw Object.assign(new Error(`${path.join(root, name)} is not a regular file`), { code: 'ENOTFILE' });
      const bytes = await readFile(path.join(root, name));
      return bytes.length > maxBytes ? bytes.subarray(0, maxBytes + 1) : bytes;
    },
    plan(files: number) {
      if (files < POOL_FROM || pool) return {};
      try {
        pool = new HashPool();
        // Every file is handed to the pool at once, so hashing runs while this thread lists.
        return { concurrency: files };
      } catch {
        return {}; // no worker threads here: hash on this thread
      }
    },
    async check(file: ManifestFile, signal): Promise<FileCheck> {
      // Manifest paths are checked safe (no "..", no empty segments), so joining is concatenation.
      const abs = root + path.sep + (path.sep === '/' ? file.path : file.path.split('/').join(path.sep));
      // With the pool, the hash is asked for before the listing is known: the listing then
      // decides whether it counts (a file behind a symbolic link is never reported as found).
      const hashed = pool?.hash(abs);
      hashed?.catch(() => {});
      const idx = await listing();
      const kind = idx.get(file.path);
      if (kind === undefined) {
        const parts = file.path.split('/');
        for (let i = 1; i < parts.length; i++) {
          const up = idx.get(parts.slice(0, i).join('/'));
          if (up === 'symlink') return { status: 'changed', reason: 'it lies behind a symbolic link' };
          if (up === 'file' || up === 'other') return { status: 'missing' };
        }
        return { status: 'missing' };
      }
      if (kind === 'symlink') return { status: 'changed', reason: 'it is a symbolic link' };
      if (kind !== 'file') return { status: 'changed', reason: 'it is not a regular file' };
      if (hashed) return fromPool(abs, await hashed);
      if (++sinceYield >= YIELD_EVERY) {
        sinceYield = 0;
        await new Promise((r) => setImmediate(r));
      }
      try {
        const small = hashSmall(abs);
        return { status: 'found', ...(small === 'large' ? await hashFile(abs, signal) : small) };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return { status: 'missing' };
        if (code === 'ELOOP' || code === 'ENOTFILE' || code === 'EISDIR') return { status: 'changed', reason: 'it is not a regular file' };
        if ((err as Error).name === 'AbortError') throw err;
        return { status: 'failed', code: code ?? 'READ_FAILED', message: `${abs}: ${(err as Error).message}`, retryable: false };
      }
    },
    async list() {
      return [...(await listing())].filter(([, k]) => k !== 'dir').map(([p]) => p);
    },
    async close() {
      await pool?.close();
    },
  };
}
