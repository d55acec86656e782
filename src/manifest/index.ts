// The bundle's manifest: every file's path, size and SHA-256, optionally signed with Ed25519.
// The build calls writeManifest at the end of every build; pack and verify read it back.
import { createHash, type KeyObject } from 'node:crypto';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import { throwIfAborted } from '../errors.ts';
import { VERSION } from '../version.ts';
import { hashFile } from './hash.ts';
import { HashPool } from './hash-pool.ts';
import { publicKeyFingerprint } from './keys.ts';
import { signManifestBytes } from './signature.ts';
import { flat, layoutFiles, layoutOf, listText, readLayout, spliceLayout, spliceStats, writeLayout, writePiecesSync, type FilesLayout } from './layout.ts';
import { MANIFEST_FILE, MANIFEST_FORMAT, SIGNATURE_FILE, type Manifest, type ManifestFile } from './types.ts';

export * from './types.ts';
export { loadSigningKey, publicKeyFingerprint, parsePublicKeyPem, isFingerprint, SIGNING_KEY_ENV, SIGNING_KEY_FILE_ENV, type SigningKey } from './keys.ts';
export { parseSignatureFile, signManifestBytes, verifyManifestBytes, checkManifestSignature, SIGNATURE_FORMAT, type ManifestSignature, type SignatureCheck, type SignatureStatus } from './signature.ts';
export { sha256File, hashFile } from './hash.ts';
export { unsafePathReason, isSafeBundlePath } from './paths.ts';

export interface WriteManifestOptions {
  /** Site settings `name`. */
  site: string;
  /** Newest article date in the bundle, ISO 8601 UTC. */
  publicationDate: string;
  /**
   * When given, the manifest names its signer and `mirror-manifest.json.sig` is written beside
   * it (see signature.ts for the format). Without it, a stale signature file is removed.
   */
  signingKey?: { privateKey: KeyObject; fingerprint?: string };
  /** The site's languages, main language first (goes into `languages`). */
  languages?: string[];
  /**
   * A bundle not all in `dir` yet (a rebuild that wrote only the changed files): its complete file
   * list, where each file lies, and size and sha256 of the files known to be unchanged (not read).
   */
  overlay?: {
    files: Iterable<string>;
    locate(file: string): string;
    known?(file: string): { size: number; sha256: string } | undefined;
    /**
     * Every file of `files` that may be missing from the last build's manifest is among these (the
     * files written now). A hint for `layoutFile`, checked: without it they are looked for.
     */
    changed?: Iterable<string>;
    /**
     * With `changed`: the list digest (manifestListDigest) of the last build's manifest, when every
     * file of `files` not in `changed` is a file of that manifest and known() gives it with its
     * size and sha256 there. Then only the changed files are looked at (layout.ts).
     */
    listedBefore?: string;
  };
  /**
   * A state file (e.g. under .samizdat/build) where the manifest's entries are kept as bytes for the
   * next build: a rebuild with an overlay then makes only the entries that changed and copies the
   * others (layout.ts). The bytes written are the same either way.
   */
  layoutFile?: string;
  signal?: AbortSignal;
}

/** Every regular file under dir, relative "/" paths, sorted by code unit. */
export async function listBundleFiles(dir: string): Promise<string[]> {
  // Synchronous: a bundle has a folder per article, and thousands of readdir calls through the
  // thread pool take several times longer than the listing itself.
  const root = path.resolve(dir);
  const files = readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const parent = e.parentPath.length > root.length ? e.parentPath.slice(root.length + 1) : '';
      const rel = parent ? `${parent}${path.sep}${e.name}` : e.name;
      return path.sep === '/' ? rel : rel.split(path.sep).join('/');
    });
  return bundleFileOrder(files);
}

/** A bundle's file paths as a manifest lists them: without the manifest and its signature, sorted by code unit. */
export function bundleFileOrder(files: Iterable<string>): string[] {
  return [...files].filter((f) => f !== MANIFEST_FILE && f !== SIGNATURE_FILE).sort(compareCodeUnits);
}

export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** From this many files on, hashing runs on worker threads (starting them costs ~50 ms). */
const POOL_FROM = 500;

/** Size and SHA-256 of each file, on every core for large bundles. */
export async function hashFiles(dir: string, rels: string[], signal?: AbortSignal, locate: (rel: string) => string = (rel) => path.join(dir, rel)): Promise<ManifestFile[]> {
  if (rels.length >= POOL_FROM) {
    const pool = new HashPool();
    try {
      return await Promise.all(
        rels.map(async (rel) => {
          const abs = locate(rel);
          const o = await pool.hash(abs);
          throwIfAborted(signal, 'manifest');
          if (o[0] < 0) throw Object.assign(new Error(`cannot hash ${abs}: ${o[2]}`), { code: o[1] });
          return { path: rel, size: o[0], sha256: o[1] };
        }),
      );
    } finally {
      await pool.close();
    }
  }
  const limit = pLimit(8);
  return Promise.all(
    rels.map((rel) =>
      limit(async () => {
        throwIfAborted(signal, 'manifest');
        return { path: rel, ...(await hashFile(locate(rel), signal)) };
      }),
    ),
  );
}

async function hashOverlay(overlay: NonNullable<WriteManifestOptions['overlay']>, signal?: AbortSignal): Promise<ManifestFile[]> {
  const all = [...overlay.files].filter((f) => f !== MANIFEST_FILE && f !== SIGNATURE_FILE).sort(compareCodeUnits);
  const known = new Map<string, ManifestFile>();
  const unknown: string[] = [];
  for (const rel of all) {
    const k = overlay.known?.(rel);
    if (k) known.set(rel, { path: rel, size: k.size, sha256: k.sha256 });
    else unknown.push(rel);
  }
  for (const f of await hashFiles('', unknown, signal, (rel) => overlay.locate(rel))) known.set(f.path, f);
  return all.map((rel) => known.get(rel)!);
}

/** The manifest's bytes as written to disk (what the signature covers). */
export function serializeManifest(manifest: Manifest): Buffer {
  return Buffer.from(JSON.stringify(manifest, null, 1) + '\n', 'utf8');
}

/** Whether the last writeManifest made its entries from the kept layout (for tests). */
export const manifestWrites = { lastSpliced: false };

const listDigests = new WeakMap<Manifest, { digest: string; count: number }>();

/**
 * The sha256 (hex) of the file list of a manifest writeManifest wrote (the publication id is
 * its first 12 digits): what a caller keeps with its record of the files to pass as
 * overlay.listedBefore next time. Undefined for a manifest from elsewhere.
 */
export function manifestListDigest(manifest: Manifest): string | undefined {
  return listDigests.get(manifest)?.digest;
}

/** manifest.files.length, without making the file objects of a spliced manifest. */
export function manifestFileCount(manifest: Manifest): number {
  return listDigests.get(manifest)?.count ?? manifest.files.length;
}

/** Hashes every file of the bundle and writes mirror-manifest.json (and its signature) at its root. */
export async function writeManifest(dir: string, options: WriteManifestOptions): Promise<Manifest> {
  const { signal, overlay, layoutFile } = options;
  throwIfAborted(signal, 'manifest');
  // A rebuild: the last build's entries with the changed ones made anew, when they fit.
  spliceStats.mode = 'none';
  const base = overlay && layoutFile ? readLayout(layoutFile) : undefined;
  const layout = base && overlay ? await spliceLayout(base, overlay, (rels) => hashFiles('', rels, signal, (rel) => overlay.locate(rel))) : undefined;
  throwIfAborted(signal, 'manifest');
  manifestWrites.lastSpliced = layout !== undefined;
  const files = layout ? undefined : overlay ? await hashOverlay(overlay, signal) : await hashFiles(dir, await listBundleFiles(dir), signal);
  // The list as text when made whole (hashed as it is, as before), as bytes when kept or spliced.
  const list: Array<Buffer | string> = layout ? layout.list : [listText(files!)];
  const listHash = createHash('sha256');
  for (const piece of list) listHash.update(piece);
  const listDigest = listHash.digest('hex');
  if (layout) layout.listDigest = listDigest;
  const head: Omit<Manifest, 'files'> = {
    format: MANIFEST_FORMAT,
    samizdat: VERSION,
    site: options.site,
    publication: {
      id: `${options.publicationDate.slice(0, 10)}-${listDigest.slice(0, 12)}`,
      date: options.publicationDate,
    },
    ...(options.languages?.length ? { languages: [...options.languages] } : {}),
    ...(options.signingKey ? { signer: options.signingKey.fingerprint ?? publicKeyFingerprint(options.signingKey.privateKey) } : {}),
  };
  let manifest: Manifest;
  let bytes: Buffer[];
  let next: FilesLayout | undefined;
  if (layout) {
    // The bytes serializeManifest gives: the head, the entries as kept, the end.
    const [before, after] = filesFrame(head);
    bytes = [before, ...layout.entries, after];
    manifest = withFiles(head, layout);
    next = layout;
  } else {
    manifest = { ...head, files: files! };
    const whole = serializeManifest(manifest);
    bytes = [whole];
    if (layoutFile && files!.length) {
      const [before, after] = filesFrame(head);
      if (whole.subarray(0, before.length).equals(before) && whole.subarray(whole.length - after.length).equals(after)) {
        next = layoutOf(files!, whole.subarray(before.length, whole.length - after.length), Buffer.from(list[0]!), listDigest);
      }
    }
  }
  // Synchronously (see writePiecesSync), in its pieces: a spliced manifest is never joined unless it is signed.
  writePiecesSync(path.join(dir, MANIFEST_FILE), bytes);
  const sigPath = path.join(dir, SIGNATURE_FILE);
  // Synchronously too: an asynchronous remove of a file that is not there was a thread-pool round
  // trip (1-3 ms of a rebuild on a busy machine) for one system call.
  if (options.signingKey) writeFileSync(sigPath, signManifestBytes(flat(bytes), options.signingKey.privateKey));
  else rmSync(sigPath, { force: true });
  listDigests.set(manifest, { digest: listDigest, count: layout ? layout.count : files!.length });
  if (layoutFile) {
    // Kept for the next build; one that cannot be written (or is not there) only costs it time.
    try {
      if (next) writeLayout(layoutFile, next);
      else rmSync(layoutFile, { force: true });
    } catch {
      // nothing kept: the next build makes its manifest whole
    }
  }
  return manifest;
}

/** The manifest's bytes before and after the entries of its (non-empty) files array. */
function filesFrame(head: Omit<Manifest, 'files'>): [Buffer, Buffer] {
  const empty = JSON.stringify({ ...head, files: [] }, null, 1);
  // `"files": []` comes last: "…\n \"files\": []\n}" becomes "…\n \"files\": [\n" + entries + "\n ]\n}\n".
  return [Buffer.from(`${empty.slice(0, -'[]\n}'.length)}[\n`, 'utf8'), Buffer.from('\n ]\n}\n', 'utf8')];
}

/** The manifest of a spliced layout: its file objects are made only if someone asks for them. */
function withFiles(head: Omit<Manifest, 'files'>, layout: FilesLayout): Manifest {
  let files: ManifestFile[] | undefined;
  const manifest = { ...head } as Manifest;
  Object.defineProperty(manifest, 'files', {
    enumerable: true,
    configurable: true,
    get: () => (files ??= layoutFiles(layout)),
    set: (v: ManifestFile[]) => {
      files = v;
    },
  });
  return manifest;
}
export { writeKeyPair, defaultKeyFile, type KeyPairFiles } from './keygen.ts';
