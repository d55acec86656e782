// Ed25519 signing keys: loading the private key from the environment, and the fingerprint
// readers compare with what the newsroom announced elsewhere.
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.ts';

/** The private key PEM itself (PKCS#8, "-----BEGIN PRIVATE KEY-----"). */
export const SIGNING_KEY_ENV = 'SAMIZDAT_SIGNING_KEY';
/** A path to a file holding the private key PEM; never a file tracked by git. */
export const SIGNING_KEY_FILE_ENV = 'SAMIZDAT_SIGNING_KEY_FILE';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** publicKeyFingerprint(publicKey). */
  fingerprint: string;
}

/**
 * The raw 32-byte Ed25519 public key. Throws InputError for any other kind of key.
 */
export function rawPublicKey(key: KeyObject): Buffer {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new InputError('KEY_NOT_ED25519', `the key is ${key.asymmetricKeyType ?? 'not an asymmetric key'}, not Ed25519`, {
      hint: 'Make a key pair with `samizdat keygen`.',
    });
  }
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = pub.export({ format: 'jwk' });
  return Buffer.from(String(jwk.x), 'base64url');
}

/**
 * The fingerprint of an Ed25519 public key: "SHA256:" followed by the unpadded standard
 * base64 of the SHA-256 of the raw 32-byte public key (43 characters). The same bytes always
 * give the same fingerprint; it is what the mirrors page shows and what `verify --pubkey`
 * accepts. A private key gives the fingerprint of its public half.
 */
export function publicKeyFingerprint(key: KeyObject | string): string {
  const obj = typeof key === 'string' ? parsePublicKeyPem(key) : key;
  const digest = createHash('sha256').update(rawPublicKey(obj)).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** True when text looks like a fingerprint made by publicKeyFingerprint. */
export function isFingerprint(text: string): boolean {
  return /^SHA256:[A-Za-z0-9+/]{43}$/.test(text);
}

/** A public key from PEM (a public key, or a private key whose public half is taken). */
export function parsePublicKeyPem(pem: string, source = 'the public key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new InputError('KEY_UNREADABLE', `${source} is not a PEM public key`, {
      hint: 'Use the FILE.pub written by `samizdat keygen --out FILE`, or its fingerprint (SHA256:…).',
      cause: err,
    });
  }
  rawPublicKey(key);
  return key;
}

/** Parses a private key PEM without ever putting its text into an error. */
export function parsePrivateKeyPem(pem: string, source: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (err) {
    // The cause is Node's decoder error, which never contains the key material.
    throw new InputError('SIGNING_KEY_UNREADABLE', `${source} does not hold a readable, unencrypted PEM private key`, {
      hint: 'Make a new key pair with `samizdat keygen --out FILE` and point SAMIZDAT_SIGNING_KEY_FILE at FILE.',
      cause: err,
    });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new InputError('KEY_NOT_ED25519', `${source} is a ${privateKey.asymmetricKeyType} key; samizdat signs with Ed25519 only`, {
      hint: 'Make a key pair with `samizdat keygen --out FILE`.',
    });
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, fingerprint: publicKeyFingerprint(publicKey) };
}

/** Resolves true when git tracks `file` (false when git is missing or it is not in a work tree). */
async function isTrackedByGit(file: string): Promise<boolean> {
  const dir = path.dirname(file);
  return new Promise((resolve) => {
    execFile(
      'git',
      ['-C', dir, 'ls-files', '--error-unmatch', '--', path.basename(file)],
      { env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' }, timeout: 10_000 },
      (err) => resolve(err === null),
    );
  });
}

/**
 * The signing key configured in the environment, or undefined when none is. Reads
 * SAMIZDAT_SIGNING_KEY (the PEM text) or SAMIZDAT_SIGNING_KEY_FILE (a path, relative to
 * `cwd`); setting both is an error. A key file tracked by git is refused: a private key in a
 * repository is a published private key. The key text never appears in errors.
 */
export async function loadSigningKey(env: NodeJS.ProcessEnv, cwd = process.cwd()): Promise<SigningKey | undefined> {
  const text = env[SIGNING_KEY_ENV];
  const fileSetting = env[SIGNING_KEY_FILE_ENV];
  const hasText = text !== undefined && text.trim() !== '';
  const hasFile = fileSetting !== undefined && fileSetting.trim() !== '';
  if (hasText && hasFile) {
    throw new InputError('SIGNING_KEY_AMBIGUOUS', `both ${SIGNING_KEY_ENV} and ${SIGNING_KEY_FILE_ENV} are set`, {
      hint: 'Set only one of them.',
    });
  }
  if (hasText) return parsePrivateKeyPem(text, `the environment variable ${SIGNING_KEY_ENV}`);
  if (!hasFile) return undefined;

  const file = path.resolve(cwd, fileSetting);
  let real: string;
  let pem: string;
  try {
    real = await realpath(file);
    pem = await readFile(real, 'utf8');
  } catch (err) {
    throw new InputError('SIGNING_KEY_UNREADABLE', `cannot read the signing key file named by ${SIGNING_KEY_FILE_ENV}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, {
      file,
      hint: 'Check the path, or make a key pair with `samizdat keygen --out FILE`.',
      cause: err,
    });
  }
  if (await isTrackedByGit(real)) {
    throw new InputError('SIGNING_KEY_TRACKED', 'the signing key file is tracked by git: a private key in a repository is a published key', {
      file,
      hint: 'Make a new key pair outside the repository (`samizdat keygen --out ~/.config/samizdat/signing.key`), remove the old file from git and announce the new fingerprint.',
    });
  }
  return parsePrivateKeyPem(pem, `the signing key file ${file}`);
}
