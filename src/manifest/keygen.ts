// Making a new signing key pair on disk: the private key readable by its owner only, never
// overwriting an existing key (losing a key means announcing a new fingerprint everywhere).
import { generateKeyPairSync } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.ts';
import { publicKeyFingerprint } from './keys.ts';

export interface KeyPairFiles {
  privateKeyFile: string;
  publicKeyFile: string;
  fingerprint: string;
  /** True when the private key file is inside a git work tree and not ignored there. */
  insideGitWorkTree: boolean;
}

async function writeExclusive(file: string, text: string, mode: number): Promise<void> {
  let handle;
  try {
    handle = await open(file, 'wx', mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new InputError('KEY_EXISTS', 'this key file already exists; samizdat keygen never overwrites a key', {
        file,
        hint: 'Choose another --out, or move the old key away yourself if you really mean to replace it.',
      });
    }
    throw new InputError('KEY_WRITE_FAILED', `cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file, cause: err });
  }
  try {
    await handle.writeFile(text);
    await handle.chmod(mode); // the umask may have narrowed or the file system widened it
  } finally {
    await handle.close();
  }
}

/** True when `file` lies in a git work tree and git would not ignore it. */
function unignoredInGitWorkTree(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('git', ['-C', path.dirname(file), 'rev-parse', '--is-inside-work-tree'], { timeout: 10_000 }, (err, out) => {
      if (err || out.trim() !== 'true') return resolve(false);
      execFile('git', ['-C', path.dirname(file), 'check-ignore', '-q', '--', path.basename(file)], { timeout: 10_000 }, (err2) => {
        // check-ignore exits 0 when ignored, 1 when not.
        resolve(err2 !== null);
      });
    });
  });
}

/**
 * Writes a new Ed25519 key pair: the PKCS#8 private key PEM at `file` (mode 0600) and the SPKI
 * public key PEM at `file + ".pub"` (mode 0644). Refuses to overwrite either.
 */
export async function writeKeyPair(file: string): Promise<KeyPairFiles> {
  const privateKeyFile = path.resolve(file);
  const publicKeyFile = `${privateKeyFile}.pub`;
  await mkdir(path.dirname(privateKeyFile), { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  // Public first: if it exists nothing is written; if the private write then fails, remove it.
  await writeExclusive(publicKeyFile, publicKey.export({ format: 'pem', type: 'spki' }).toString(), 0o644);
  try {
    await writeExclusive(privateKeyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), 0o600);
  } catch (err) {
    await rm(publicKeyFile, { force: true });
    throw err;
  }
  return {
    privateKeyFile,
    publicKeyFile,
    fingerprint: publicKeyFingerprint(publicKey),
    insideGitWorkTree: await unignoredInGitWorkTree(privateKeyFile),
  };
}

/** Where keygen writes without --out: outside any repository, in the user's config folder. */
export function defaultKeyFile(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || env.USERPROFILE || '.', '.config');
  return path.join(base, 'samizdat', 'signing.key');
}
