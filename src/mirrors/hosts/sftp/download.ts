import type { SFTPWrapper } from 'ssh2';

/** Bytes per SFTP read request, and requests in flight (see upload.ts for why many). */
const CHUNK = 32 * 1024;
const WINDOW = 32;

/**
 * The whole content of `remotePath`, read with many requests in flight. `onChunk` is called as
 * data arrives (for the idle timer). Errors carry the SFTP status code (2: no such file).
 */
export async function downloadPipelined(sftp: SFTPWrapper, remotePath: string, signal: AbortSignal, onChunk: () => void): Promise<Uint8Array> {
  const handle = await new Promise<Buffer>((resolve, reject) => sftp.open(remotePath, 'r', (err, h) => (err ? reject(err) : resolve(h))));
  try {
    const size = await new Promise<number>((resolve, reject) => sftp.fstat(handle, (err, st) => (err ? reject(err) : resolve(st.size))));
    const out = Buffer.alloc(size);
    let failure: unknown;
    const inflight = new Set<Promise<void>>();
    const readAt = (position: number, length: number): Promise<void> =>
      new Promise((resolve) =>
        sftp.read(handle, out, position, length, position, (err, bytesRead) => {
          if (err) failure ??= err;
          else if (bytesRead < length && !failure) {
            // A short read (the server's limit): ask for the rest.
            onChunk();
            if (bytesRead === 0) failure = new Error(`${remotePath} became shorter while it was being read`);
            else return void readAt(position + bytesRead, length - bytesRead).then(resolve);
          } else onChunk();
          resolve();
        }),
      );
    for (let position = 0; position < size; position += CHUNK) {
      if (signal.aborted) throw signal.reason;
      if (failure) throw failure;
      const p = readAt(position, Math.min(CHUNK, size - position));
      inflight.add(p);
      void p.then(() => inflight.delete(p));
      if (inflight.size >= WINDOW) await Promise.race(inflight);
    }
    await Promise.all(inflight);
    if (failure) throw failure;
    if (signal.aborted) throw signal.reason;
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } finally {
    sftp.close(handle, () => {});
  }
}
