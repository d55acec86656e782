// What `--pubkey` may be: a fingerprint (SHA256:…), a PEM public key file, or PEM text.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.ts';
import { isFingerprint, parsePublicKeyPem, publicKeyFingerprint } from '../manifest/keys.ts';

/** The fingerprint of the key the caller trusts. */
export async function resolveExpectedKey(pubkey: string, cwd = process.cwd()): Promise<string> {
  const text = pubkey.trim();
  if (isFingerprint(text)) return text;
  if (/^SHA256:/i.test(text)) {
    throw new InputError('PUBKEY_BAD_FINGERPRINT', `${text} is not a samizdat key fingerprint (SHA256: and 43 base64 characters)`, {
      hint: 'Copy the fingerprint exactly as the publisher announced it, or give the path of the .pub file.',
    });
  }
  if (text.startsWith('-----BEGIN')) return publicKeyFingerprint(parsePublicKeyPem(text, 'the --pubkey text'));
  const file = path.resolve(cwd, text);
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError('PUBKEY_UNREADABLE', `--pubkey ${pubkey} is neither a fingerprint (SHA256:…) nor a readable file`, {
      file,
      hint: 'Give the fingerprint the publisher announced, or the path of their public key (.pub) file.',
      cause: err,
    });
  }
  return publicKeyFingerprint(parsePublicKeyPem(pem, `the public key file ${file}`));
}
