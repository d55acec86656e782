import { createHash } from 'node:crypto';

/** "SHA256:…" of an SSH public key blob, as `ssh-keygen -lf` prints it (base64, no padding). */
export function fingerprintOfKeyBlob(blob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * `text` with every secret value (and every long line of a multi-line secret, such as a key
 * file) replaced by "[secret]". Used on messages from libraries and child processes before they
 * go into an error.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    const pieces = [secret, ...secret.split(/\r?\n/).map((l) => l.trim())].filter((p) => p.length >= 8);
    for (const piece of pieces.sort((a, b) => b.length - a.length)) out = out.split(piece).join('[secret]');
  }
  return out;
}
