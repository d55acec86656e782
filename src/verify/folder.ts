// A copy in a folder: an unzipped zip, a USB stick, a bundle just built.
//
// Fast path on purpose: one directory listing says which paths are regular files, and each file
// is then read with one synchronous open/read/close into a reused buffer. Thousands of small
// files through the thread pool cost several times more than the reading and hashing itself.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { hashFile } from '../manifest/hash.ts';
import type { ManifestFile } from '../manifest/types.ts';
import type { CopySource, FileCheck } from './types.ts';

type Kind = 'file' | 'dir' | 'symlink' | 'other';

/** Files up to this size are hashed from one synchronous read; larger ones are streamed. */
const SYNC_LIMIT = 8 * 1024 * 1024;
/** Give timers and abort signals a turn after this many synchronous reads. */
const YIELD_EVERY = 200;

export async function openFolder(dir: string): Promise<CopySource> {
  const root = await realpath(dir);
  let index: Map<string, Kind> | undefined;
  const listing = async () => {
    if (!index) {
      index = new Map();
      // readdir does not follow symbolic links, so nothing outside root is listed.
      for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
        const rel = path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/');
        index.set(rel, e.isFile() ? 'file' : e.isDirectory() ? 'dir' : e.isSymbolicLink() ? 'symlink' : 'other');
      }
    }
    return index;
  };
  let buffer = Buffer.alloc(256 * 1024);
  let sinceYield = 0;

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
      const kind = (await listing()).get(name);
      if (kind === undefined) return undefined;
      if (kind !== 'file') throw Object.assign(new Error(`${path.join(root, name)} is not a regular file`), { code: 'ENOTFILE' });
      const bytes = await readFile(path.join(root, name));
      return bytes.length > maxBytes ? bytes.subarray(0, maxBytes + 1) : bytes;
    },
    async check(file: ManifestFile, signal): Promise<FileCheck> {
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
      if (++sinceYield >= YIELD_EVERY) {
        sinceYield = 0;
        await new Promise((r) => setImmediate(r));
      }
      const abs = path.join(root, ...file.path.split('/'));
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
    async close() {},
  };
}
