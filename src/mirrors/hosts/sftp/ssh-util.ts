import { createHash } from 'node:crypto';

/** "SHA256:…" of an SSH public key blob, as `ssh-keygen -lf` prints it (base64, no padding). */
export function fingerprintOfKeyBlob(blob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}
