import { createHash } from 'node:crypto';
import { closeSync, constants, createReadStream, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

/** Lowercase hex SHA-256 of a file, streamed. */
export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Files up to this size are read in one call: most of a bundle is small pages. */
const WHOLE_READ_LIMIT = 4 * 1024 * 1024;

/**
 * Size and SHA-256 of a regular file, from one open file handle (so both describe the same
 * file). Throws a NodeJS.ErrnoException (ENOENT, EISDIR…) as fs does.
 */
export async function hashFile(file: string, signal?: AbortSignal): Promise<{ size: number; sha256: string }> {
  const handle = await open(file, 'r');
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw Object.assign(new Error(`${file} is not a regular file`), { code: 'ENOTFILE' });
    const hash = createHash('sha256');
    if (st.size <= WHOLE_READ_LIMIT) {
      const bytes = await handle.readFile({ signal });
      hash.update(bytes);
      return { size: bytes.length, sha256: hash.digest('hex') };
    }
    let size = 0;
    for await (const chunk of handle.createReadStream({ signal, autoClose: false }) as AsyncIterable<Buffer>) {
      size += chunk.length;
      hash.update(chunk);
    }
    return { size, sha256: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}

// Not following a final symbolic link, and not hanging on a FIFO (refused as not a regular file).
const SYNC_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * hashFile for a thread that has nothing else to do meanwhile: synchronous, into `buffer`
 * (reused between calls), with the open file's stat. Throws a NodeJS.ErrnoException as fs does (ENOTFILE when the path is
 * not a regular file, ELOOP for a symbolic link).
 */
export function hashFileSync(file: string, buffer: Buffer): { size: number; sha256: string; stat: Stats } {
  const fd = openSync(file, SYNC_FLAGS);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
    const hash = createHash('sha256');
    let size = 0;
    for (;;) {
      const got = readSync(fd, buffer, 0, buffer.length, size);
      if (got === 0) break;
      hash.update(buffer.subarray(0, got));
      size += got;
    }
    return { size, sha256: hash.digest('hex'), stat };
  } finally {
    closeSync(fd);
  }
}
