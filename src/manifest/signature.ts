// mirror-manifest.json.sig: a detached Ed25519 signature over the exact bytes of
// mirror-manifest.json.
//
// Format (UTF-8 text, "\n" line ends, exactly three lines):
//   samizdat-signature/1
//   signer SHA256:<43 characters: unpadded base64 of sha256 over the raw 32-byte public key>
//   ed25519 <88 characters: standard base64 of the 64-byte signature>
// The signer line says which key signed; the manifest's own `signer` field says the same and
// is covered by the signature. Check it with any Ed25519 tool: decode the base64 and verify
// it against the manifest file's bytes.
import { sign, verify, type KeyObject } from 'node:crypto';
import { InputError } from '../errors.ts';
import { isFingerprint, publicKeyFingerprint } from './keys.ts';
import { SIGNATURE_FILE } from './types.ts';

export const SIGNATURE_FORMAT = 'samizdat-signature/1';

export interface ManifestSignature {
  /** Fingerprint of the signing public key. */
  signer: string;
  /** The 64-byte Ed25519 signature. */
  signature: Buffer;
}

/** Signs the manifest bytes and returns the signature file's text. */
export function signManifestBytes(bytes: Uint8Array, privateKey: KeyObject): string {
  const signature = sign(null, bytes, privateKey);
  return `${SIGNATURE_FORMAT}\nsigner ${publicKeyFingerprint(privateKey)}\ned25519 ${signature.toString('base64')}\n`;
}

/** Parses a signature file; throws InputError naming the file when it is not one. */
export function parseSignatureFile(text: string, file = SIGNATURE_FILE): ManifestSignature {
  const lines = text.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
  const fail = (what: string, line?: number) =>
    new InputError('SIGNATURE_MALFORMED', `the signature file is not a ${SIGNATURE_FORMAT} file: ${what}`, {
      file,
      line,
      hint: 'Rebuild with the signing key set, or fetch the signature file again.',
    });
  if (lines[0] !== SIGNATURE_FORMAT) throw fail(`the first line should be "${SIGNATURE_FORMAT}"`, 1);
  const signer = /^signer (\S+)$/.exec(lines[1] ?? '')?.[1];
  if (!signer || !isFingerprint(signer)) throw fail('the second line should be "signer SHA256:…"', 2);
  const b64 = /^ed25519 ([A-Za-z0-9+/]{86}==)$/.exec(lines[2] ?? '')?.[1];
  if (!b64) throw fail('the third line should be "ed25519 " and 88 base64 characters', 3);
  if (lines.length !== 3) throw fail('it has more than three lines', 4);
  return { signer, signature: Buffer.from(b64, 'base64') };
}

/** True when `signature` is a valid Ed25519 signature of `bytes` by `publicKey`. */
export function verifyManifestBytes(bytes: Uint8Array, signature: Buffer, publicKey: KeyObject): boolean {
  try {
    return verify(null, bytes, publicKey, signature);
  } catch {
    return false;
  }
}
