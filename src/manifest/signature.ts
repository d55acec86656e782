// mirror-manifest.json.sig: a detached Ed25519 signature over the exact bytes of
// mirror-manifest.json.
//
// Format (UTF-8 text, "\n" line ends, exactly four lines):
//   samizdat-signature/1
//   signer SHA256:<43 characters: unpadded base64 of sha256 over the raw 32-byte public key>
//   key <44 characters: standard base64 of the raw 32-byte Ed25519 public key>
//   ed25519 <88 characters: standard base64 of the 64-byte signature>
// The key line lets anyone check the signature; the signer line (and the manifest's own
// `signer` field, which the signature covers) must be that key's fingerprint. Whether the key
// is the newsroom's is a separate question: compare the fingerprint with the announced one
// (`samizdat verify --pubkey`). Any Ed25519 tool can check it: decode the base64 values and
// verify the signature over the manifest file's bytes with the raw public key.
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { InputError } from '../errors.ts';
import { isFingerprint, publicKeyFingerprint, rawPublicKey } from './keys.ts';
import { SIGNATURE_FILE } from './types.ts';

export const SIGNATURE_FORMAT = 'samizdat-signature/1';

export interface ManifestSignature {
  /** Fingerprint of the signing public key, as the file states it. */
  signer: string;
  /** The public key from the file. */
  publicKey: KeyObject;
  /** The 64-byte Ed25519 signature. */
  signature: Buffer;
}

/** Signs the manifest bytes and returns the signature file's text. */
export function signManifestBytes(bytes: Uint8Array, privateKey: KeyObject): string {
  const signature = sign(null, bytes, privateKey);
  const raw = rawPublicKey(privateKey);
  return `${SIGNATURE_FORMAT}\nsigner ${publicKeyFingerprint(privateKey)}\nkey ${raw.toString('base64')}\ned25519 ${signature.toString('base64')}\n`;
}

/** Parses a signature file; throws InputError (SIGNATURE_MALFORMED) naming the file when it is not one. */
export function parseSignatureFile(text: string, file = SIGNATURE_FILE): ManifestSignature {
  const lines = text.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
  const fail = (what: string, line?: number) =>
    new InputError('SIGNATURE_MALFORMED', `the signature file is not a ${SIGNATURE_FORMAT} file: ${what}`, {
      file,
      line,
      hint: 'Do not trust this copy until you get a good one: fetch the copy again from another mirror.',
    });
  if (lines[0] !== SIGNATURE_FORMAT) throw fail(`the first line should be "${SIGNATURE_FORMAT}"`, 1);
  const signer = /^signer (\S+)$/.exec(lines[1] ?? '')?.[1];
  if (!signer || !isFingerprint(signer)) throw fail('the second line should be "signer SHA256:…"', 2);
  const key = /^key ([A-Za-z0-9+/]{43}=)$/.exec(lines[2] ?? '')?.[1];
  if (!key) throw fail('the third line should be "key " and 44 base64 characters', 3);
  const b64 = /^ed25519 ([A-Za-z0-9+/]{86}==)$/.exec(lines[3] ?? '')?.[1];
  if (!b64) throw fail('the fourth line should be "ed25519 " and 88 base64 characters', 4);
  if (lines.length !== 4) throw fail('it has more than four lines', 5);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key, 'base64').toString('base64url') }, format: 'jwk' });
  } catch (err) {
    throw Object.assign(fail('the key line is not an Ed25519 public key', 3), { cause: err });
  }
  return { signer, publicKey, signature: Buffer.from(b64, 'base64') };
}

/** True when `signature` is a valid Ed25519 signature of `bytes` by `publicKey`. */
export function verifyManifestBytes(bytes: Uint8Array, signature: Buffer, publicKey: KeyObject): boolean {
  try {
    return verify(null, bytes, publicKey, signature);
  } catch {
    return false;
  }
}

export type SignatureStatus =
  /** Signed, the signature checks out with the key in the file, and matches the wanted key if one was given. */
  | 'valid'
  /** No signature file (and the manifest names no signer). */
  | 'unsigned'
  /** The manifest names a signer but the signature file is missing: it was stripped. */
  | 'missing'
  /** The signature file cannot be read. */
  | 'malformed'
  /** The signature does not match the manifest bytes, or the fingerprints disagree. */
  | 'invalid'
  /** A valid signature, but by another key than the one asked for. */
  | 'wrong-key';

export interface SignatureCheck {
  status: SignatureStatus;
  /** Fingerprint of the key that signed, when the file could be read. */
  signer?: string;
  /** The fingerprint asked for (--pubkey), if any. */
  expected?: string;
  message: string;
}

/**
 * Checks a manifest's signature. `manifestSigner` is the manifest's `signer` field; `expected`
 * the fingerprint the caller trusts (undefined: any valid signature, or none, is accepted
 * as far as the signature goes: the caller decides whether unsigned is enough).
 */
export function checkManifestSignature(
  manifestBytes: Uint8Array,
  manifestSigner: string | undefined,
  sigText: string | undefined,
  expected: string | undefined,
): SignatureCheck {
  const base = expected ? { expected } : {};
  if (sigText === undefined) {
    if (manifestSigner) {
      return { ...base, status: 'missing', signer: manifestSigner, message: `the manifest says it is signed by ${manifestSigner}, but ${SIGNATURE_FILE} is missing` };
    }
    return { ...base, status: 'unsigned', message: 'the manifest is not signed' };
  }
  let sig: ManifestSignature;
  try {
    sig = parseSignatureFile(sigText);
  } catch (err) {
    return { ...base, status: 'malformed', message: (err as Error).message };
  }
  const keyFingerprint = publicKeyFingerprint(sig.publicKey);
  if (keyFingerprint !== sig.signer || (manifestSigner !== undefined && manifestSigner !== sig.signer) || manifestSigner === undefined) {
    return { ...base, status: 'invalid', signer: keyFingerprint, message: `the signer named in the manifest (${manifestSigner ?? 'none'}) and in ${SIGNATURE_FILE} (${sig.signer}, key ${keyFingerprint}) disagree` };
  }
  if (!verifyManifestBytes(manifestBytes, sig.signature, sig.publicKey)) {
    return { ...base, status: 'invalid', signer: sig.signer, message: `the signature does not match the manifest: ${SIGNATURE_FILE} or the manifest was changed` };
  }
  if (expected && expected !== sig.signer) {
    return { ...base, status: 'wrong-key', signer: sig.signer, message: `signed by ${sig.signer}, not by the expected key ${expected}` };
  }
  return { ...base, status: 'valid', signer: sig.signer, message: `signed by ${sig.signer}` };
}
