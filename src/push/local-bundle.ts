import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.ts';
import { parseManifest } from '../manifest/parse.ts';
import { MANIFEST_FILE, SIGNATURE_FILE, type Manifest } from '../manifest/types.ts';

/** The bundle push sends: its manifest, the manifest's own bytes, and the signature if any. */
export interface LocalBundle {
  siteDir: string;
  manifest: Manifest;
  /** The manifest file as it is on disk (what goes on the hosts, byte for byte). */
  manifestBytes: Uint8Array;
  manifestSha256: string;
  /** The signature file, when the bundle is signed. */
  signature?: { bytes: Uint8Array; sha256: string };
}

const BUILD_HINT = 'Run `samizdat build` (and `samizdat pack` to sign it) first, or pass --site with the folder that holds the built site.';

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Parses the local manifest with the shared parser; its problems point at `samizdat build`. */
function parseLocalManifest(bytes: Uint8Array, file: string): Manifest {
  try {
    return parseManifest(bytes, file);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    throw new InputError(err.code, err.message, { file, hint: BUILD_HINT, cause: err });
  }
}

/**
 * Reads the built bundle's manifest (and signature) and checks every listed file exists with
 * the listed size, so a bundle edited after the build is refused before any host is touched.
 */
export async function readLocalBundle(siteDir: string, signal?: AbortSignal): Promise<LocalBundle> {
  const file = path.join(siteDir, MANIFEST_FILE);
  let manifestBytes: Buffer;
  try {
    manifestBytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? `there is no ${MANIFEST_FILE} in ${siteDir}` : `cannot read ${file}: ${(err as Error).message}`;
    throw new InputError('MANIFEST_MISSING', `${what}, so there is no built site to push`, { file, hint: BUILD_HINT, cause: err });
  }
  const manifest = parseLocalManifest(manifestBytes, file);
  const stale: string[] = [];
  const batch = 64;
  for (let i = 0; i < manifest.files.length; i += batch) {
    signal?.throwIfAborted();
    await Promise.all(
      manifest.files.slice(i, i + batch).map(async (f) => {
        const size = await stat(path.join(siteDir, f.path)).then((s) => (s.isFile() ? s.size : -1), () => -1);
        if (size !== f.size) stale.push(size < 0 ? `${f.path} is missing` : `${f.path} is ${size} bytes, the manifest says ${f.size}`);
      }),
    );
  }
  if (stale.length) {
    throw new InputError('MANIFEST_STALE', `the site in ${siteDir} no longer matches its manifest: ${stale.slice(0, 3).join('; ')}${stale.length > 3 ? ` (and ${stale.length - 3} more)` : ''}`, {
      file,
      hint: 'Rebuild with `samizdat build` so the manifest describes the files that are there.',
    });
  }
  let signature: LocalBundle['signature'];
  try {
    const bytes = await readFile(path.join(siteDir, SIGNATURE_FILE));
    signature = { bytes, sha256: sha256Hex(bytes) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new InputError('SIGNATURE_UNREADABLE', `cannot read ${SIGNATURE_FILE}: ${(err as Error).message}`, { file: path.join(siteDir, SIGNATURE_FILE), cause: err });
  }
  return { siteDir, manifest, manifestBytes, manifestSha256: sha256Hex(manifestBytes), signature };
}
