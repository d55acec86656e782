import { open as openLocal } from 'node:fs/promises';
import type { SFTPWrapper } from 'ssh2';

/** Bytes per SFTP write request (OpenSSH accepts up to 256 KiB; 32 KiB is safe everywhere). */
const CHUNK = 32 * 1024;
/** Write requests in flight at once: one request at a time would make loopback crawl at ~2 MB/s. */
const WINDOW = 32;

/**
 * Copies a local file to `remotePath` (created or truncated) with many SFTP write requests in
 * flight, like OpenSSH's sftp client does. `onBytes` gets the running total of bytes the server
 * confirmed. Stops issuing writes as soon as `signal` fires or a write fails, then closes the
 * handle; the caller removes the remote file.
 */
export async function uploadPipelined(
  sftp: SFTPWrapper,
  localPath: string,
  remotePath: string,
  signal: AbortSignal,
  onBytes: (confirmed: number, total: number) => void,
): Promise<void> {
  const local = await openLocal(localPath, 'r');
  try {
    const size = (await local.stat()).size;
    const handle = await new Promise<Buffer>((resolve, reject) =>
      sftp.open(remotePath, 'w', { mode: 0o644 }, (err, h) => (err ? reject(err) : resolve(h))),
    );
    let failure: unknown;
    try {
      const inflight = new Set<Promise<void>>();
      let confirmed = 0;
      for (let position = 0; position < size; ) {
        if (signal.aborted) throw signal.reason;
        if (failure) throw failure;
        const length = Math.min(CHUNK, size - position);
        const buffer = Buffer.allocUnsafe(length);
        const { bytesRead } = await local.read(buffer, 0, length, position);
        if (bytesRead !== length) throw new Error(`${localPath} changed while it was being uploaded`);
        const written = new Promise<void>((resolve) =>
          sftp.write(handle, buffer, 0, length, position, (err) => {
            if (err) failure ??= err;
            else onBytes((confirmed += length), size);
            resolve();
          }),
        );
        inflight.add(written);
        void written.then(() => inflight.delete(written));
        position += length;
        if (inflight.size >= WINDOW) await Promise.race(inflight);
      }
      await Promise.all(inflight);
      if (failure) throw failure;
      if (signal.aborted) throw signal.reason;
    } finally {
      await new Promise<void>((resolve, reject) => sftp.close(handle, (err) => (err && !failure ? reject(err) : resolve())));
    }
  } finally {
    await local.close();
  }
}
