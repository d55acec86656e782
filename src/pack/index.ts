// The pack stage: the bundle as one deterministic zip, with its SHA-256 beside it.
import { createReadStream, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Transform } from 'node:stream';
import { InputError, SamizdatError, throwIfAborted } from '../errors.ts';
import type { OperationOptions, Warning } from '../progress.ts';
import { checkManifestSignature } from '../manifest/signature.ts';
import { parseManifest } from '../manifest/parse.ts';
import { listBundleFiles } from '../manifest/index.ts';
import { MANIFEST_FILE, SIGNATURE_FILE, type Manifest, type ManifestFile } from '../manifest/types.ts';
import { bundleLanguages } from './languages.ts';
import { HOWTO_FILE, chooseHowToLanguages, renderHowTo } from './howto.ts';
import { writeDeterministicZip, type ZipSource } from './zip.ts';

export { HOWTO_FILE, renderHowTo, howToLanguagesIn, isGenuineHowTo, chooseHowToLanguages } from './howto.ts';

export type PackEvent =
  | { type: 'start'; entries: number; bytes: number }
  | { type: 'entry'; path: string; done: number; total: number }
  | { type: 'done'; zipPath: string; bytes: number };

export interface PackOptions extends OperationOptions<PackEvent> {
  /** The built bundle (default in the CLI: dist/site). */
  siteDir: string;
  /** Where `<site>.zip` and `<site>.zip.sha256` go (default in the CLI: dist). */
  outDir: string;
  /** zlib level, 0-9 (default 9: the zip travels over slow, metered links). */
  level?: number;
}

export interface PackResult {
  zipPath: string;
  /** `<zipPath>.sha256`, in sha256sum's format. */
  sha256Path: string;
  /** Lowercase hex SHA-256 of the zip. */
  sha256: string;
  /** Size of the zip. */
  bytes: number;
  /** Number of entries in the zip (bundle files, manifest, signature, how-to text). */
  entries: number;
  site: string;
  publicationId: string;
  /** Fingerprint of the manifest's signer, when signed. */
  signer?: string;
  /** Languages of the how-to-open text. */
  languages: string[];
  /** Files in the site folder that the manifest does not list: not packed. */
  warnings: Warning[];
}

/** Extensions whose content is already compressed: stored, since deflate would only cost time. */
const STORED = /\.(jpe?g|png|gif|webp|avif|heic|mp4|m4v|webm|mkv|mov|mp3|m4a|ogg|oga|opus|flac|woff2?|zip|gz|tgz|bz2|xz|zst|7z|br|car)$/i;

/** 1980-01-01, the earliest time a zip can hold. */
const ZIP_EPOCH = Date.UTC(1980, 0, 1, 0, 0, 0);

/** Every entry's timestamp: the publication date (content, not clock), whole seconds, ≥ 1980. */
export function entryDate(manifest: Manifest): Date {
  const t = Date.parse(manifest.publication.date);
  if (!Number.isFinite(t) || t < ZIP_EPOCH || t > Date.UTC(2107, 0, 1)) return new Date(ZIP_EPOCH);
  return new Date(Math.floor(t / 2000) * 2000); // DOS times count 2-second steps
}

export const SITE_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/i;

async function readOptional(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function changedError(siteDir: string, f: ManifestFile, what: string): InputError {
  return new InputError('PACK_BUNDLE_CHANGED', `${f.path} ${what} since the manifest was written`, {
    file: path.join(siteDir, f.path),
    hint: 'Run `samizdat build` again: the bundle must match its manifest before it can be packed.',
  });
}

/** A bundle file as a zip source whose bytes are checked against the manifest as they are read. */
function bundleSource(siteDir: string, f: ManifestFile): ZipSource {
  const abs = path.join(siteDir, f.path);
  return {
    name: f.path,
    store: STORED.test(f.path),
    load: async () => {
      if (f.size <= 4 * 1024 * 1024) {
        let bytes: Buffer;
        try {
          // Synchronous: a page is read in microseconds, while deflate runs in the thread pool.
          bytes = readFileSync(abs);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw changedError(siteDir, f, 'was removed');
          throw new SamizdatError('PACK_READ_FAILED', `cannot read ${f.path}: ${(err as Error).message}`, { file: abs, cause: err });
        }
        if (bytes.length !== f.size || createHash('sha256').update(bytes).digest('hex') !== f.sha256) throw changedError(siteDir, f, 'has changed');
        return bytes;
      }
      // Large media: streamed, and checked when its last byte has passed.
      const hash = createHash('sha256');
      let size = 0;
      const check = new Transform({
        transform(chunk: Buffer, _e, cb) {
          hash.update(chunk);
          size += chunk.length;
          cb(null, chunk);
        },
        flush(cb) {
          cb(size === f.size && hash.digest('hex') === f.sha256 ? null : changedError(siteDir, f, 'has changed'));
        },
      });
      const input = createReadStream(abs);
      input.on('error', (err) => check.destroy(err));
      return input.pipe(check);
    },
  };
}

/**
 * Packs the bundle at `siteDir` into `<outDir>/<site>.zip` (deterministic: the same bundle
 * always gives the same bytes) and writes `<site>.zip.sha256`. Checks every file against the
 * manifest while packing and the signature first; the zip appears only when complete.
 */
export async function packSite(options: PackOptions): Promise<PackResult> {
  const { signal, onProgress } = options;
  throwIfAborted(signal, 'pack');
  const siteDir = path.resolve(options.siteDir);
  const outDir = path.resolve(options.outDir);
  const level = options.level ?? 9;
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new InputError('PACK_BAD_LEVEL', `compression level ${level} is not 0-9`);
  const rel = path.relative(siteDir, outDir);
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
    throw new InputError('PACK_OUT_INSIDE_SITE', `the output folder ${outDir} is inside the site folder ${siteDir}`, {
      hint: 'Write the zip next to the site folder (the default is dist/ for dist/site/).',
    });
  }

  const manifestPath = path.join(siteDir, MANIFEST_FILE);
  const manifestBytes = await readOptional(manifestPath).catch((err: unknown) => {
    throw new InputError('PACK_NO_SITE', `cannot read ${manifestPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file: manifestPath, cause: err });
  });
  if (!manifestBytes) {
    throw new InputError('PACK_NO_MANIFEST', `${siteDir} has no ${MANIFEST_FILE}: it is not a built bundle`, {
      file: manifestPath,
      hint: 'Run `samizdat build` first, or point --site at the built folder.',
    });
  }
  const manifest = parseManifest(manifestBytes, manifestPath);
  if (!SITE_NAME.test(manifest.site)) {
    throw new InputError('PACK_BAD_SITE_NAME', `the manifest's site name ${JSON.stringify(manifest.site)} cannot be a file name`, { file: manifestPath });
  }
  if (manifest.files.some((f) => f.path === HOWTO_FILE)) {
    throw new InputError('PACK_NAME_TAKEN', `the bundle has its own ${HOWTO_FILE}, the name pack uses for its how-to-open text`, {
      file: path.join(siteDir, HOWTO_FILE),
      hint: `Rename that file in the site.`,
    });
  }
  if (!manifest.files.some((f) => f.path === 'index.html')) {
    throw new InputError('PACK_NO_INDEX', 'the bundle has no index.html at its top: an unzipped copy would not open', {
      file: manifestPath,
      hint: 'Run `samizdat build` again.',
    });
  }

  const sigBytes = await readOptional(path.join(siteDir, SIGNATURE_FILE));
  const sig = checkManifestSignature(manifestBytes, manifest.signer, sigBytes?.toString('utf8'), undefined);
  if (sig.status !== 'valid' && sig.status !== 'unsigned') {
    throw new InputError('PACK_BAD_SIGNATURE', `the bundle's signature is not valid: ${sig.message}`, {
      file: path.join(siteDir, SIGNATURE_FILE),
      hint: 'Run `samizdat build` again with the signing key set.',
    });
  }

  const listed = new Set(manifest.files.map((f) => f.path));
  const warnings: Warning[] = (await listBundleFiles(siteDir))
    .filter((f) => !listed.has(f) && f !== HOWTO_FILE)
    .map((f) => ({ code: 'PACK_UNLISTED_FILE', message: `${f} is not in the manifest and was left out of the zip`, file: path.join(siteDir, f) }));

  const languages = chooseHowToLanguages(await bundleLanguages(siteDir, manifest));
  const zipName = `${manifest.site}.zip`;
  const howTo = Buffer.from(renderHowTo(manifest, languages, zipName), 'utf8');

  const sources: ZipSource[] = manifest.files.map((f) => bundleSource(siteDir, f));
  sources.push({ name: MANIFEST_FILE, load: async () => manifestBytes });
  if (sigBytes) sources.push({ name: SIGNATURE_FILE, load: async () => sigBytes });
  sources.push({ name: HOWTO_FILE, load: async () => howTo });
  sources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const total = sources.length;
  onProgress?.({ type: 'start', entries: total, bytes: manifest.files.reduce((n, f) => n + f.size, 0) });
  await mkdir(outDir, { recursive: true });
  const zipPath = path.join(outDir, zipName);
  const tmp = path.join(outDir, `.${zipName}.${process.pid}.tmp`);
  let result: { sha256: string; bytes: number };
  try {
    result = await writeDeterministicZip(sources, tmp, {
      level,
      date: entryDate(manifest),
      signal,
      onEntry: (i) => onProgress?.({ type: 'entry', path: sources[i]!.name, done: i + 1, total }),
    });
    await rename(tmp, zipPath);
  } catch (err) {
    await rm(tmp, { force: true });
    if (err instanceof SamizdatError) throw err;
    throw new SamizdatError('PACK_FAILED', `could not write ${zipPath}: ${(err as Error).message}`, { file: zipPath, cause: err });
  }
  const sha256Path = `${zipPath}.sha256`;
  await writeFile(sha256Path, `${result.sha256}  ${zipName}\n`);
  onProgress?.({ type: 'done', zipPath, bytes: result.bytes });
  return {
    zipPath,
    sha256Path,
    sha256: result.sha256,
    bytes: result.bytes,
    entries: total,
    site: manifest.site,
    publicationId: manifest.publication.id,
    ...(manifest.signer ? { signer: manifest.signer } : {}),
    languages,
    warnings,
  };
}
