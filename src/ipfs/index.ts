/**
 * The pin stage: import the bundle into the local block store with Kubo's exact `ipfs add -r
 * --cid-version=1` settings, write `dist/<cid>.car`, give gateway links, pin to the remote
 * targets in mirrors/ (kubo, pinning-service), and unpin old publications by policy.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { base32 } from 'multiformats/bases/base32';
import { CID } from 'multiformats/cid';
import { SamizdatError, throwIfAborted } from '../errors.ts';
import type { OperationOptions } from '../progress.ts';
import type { MirrorConfig } from '../mirrors/config.ts';
import type { MirrorEnv } from '../mirrors/env.ts';
import { openBlockstore } from './blockstore.ts';
import { verifyCar } from './car.ts';
import { PinWriter } from './pin-writer.ts';
import { importListed, type ImportBundleResult } from './import.ts';
import { listBundle } from './walk.ts';
import { KUBO_ADD_CIDV1 } from './options.ts';
import { gatewayLinks, type PublicationLinks } from './links.ts';
import type { PinProgress } from './progress.ts';
import { forgetTarget, readPublications, recordPublication, rootsToUnpin, writePublications } from './publications.ts';
import { pinTargetsFrom, type PinOutcome, type PinTarget } from './remote/index.ts';

export { DEFAULT_BLOCKSTORE_DIR, openBlockstore, LocalBlockstore } from './blockstore.ts';
export { KUBO_ADD_CIDV1, importerOptions } from './options.ts';
export { gatewayLinks } from './links.ts';
export { writeCar, verifyCar, walkDag } from './car.ts';
export { importBundle, importListed } from './import.ts';
export type { PinProgress } from './progress.ts';
export type { PublicationLinks, GatewayLinks } from './links.ts';

export interface PinSiteOptions extends OperationOptions<PinProgress> {
  /** The built bundle (dist/site). */
  siteDir: string;
  /** Where `<cid>.car` is written (dist). */
  distDir: string;
  /** The local block store (default .samizdat/ipfs). */
  blockstoreDir: string;
  /** Gateway host names for the links (site settings `gateways`). */
  gateways: readonly string[];
  /** Mirror files; those of type kubo and pinning-service are pinned to, the others ignored. */
  mirrors?: readonly MirrorConfig[];
  /** Where secrets named by mirror files are read. */
  env?: MirrorEnv;
  /** Publication name given to remote pins (default: the bundle folder's name and the date). */
  pinName?: string;
  /** Include dot-files (`ipfs add --hidden`). Default false, like `ipfs add -r`. */
  hidden?: boolean;
}

export interface RemotePinResult {
  name: string;
  type: string;
  ok: boolean;
  outcome?: PinOutcome;
  error?: { code: string; message: string; hint?: string; retryable: boolean };
  /** Older roots unpinned here under the target's `keep` policy. */
  unpinned: string[];
  /** Unpins that failed (the publication itself is still pinned). */
  unpinErrors: Array<{ cid: string; message: string }>;
}

export interface PinSiteResult {
  /** Root CID, CIDv1 base32: what every gateway link uses. */
  cid: string;
  carPath: string;
  carBlocks: number;
  files: number;
  bytes: number;
  /** Dot-files left out, as `ipfs add -r` leaves them out. */
  skippedHidden: string[];
  links: PublicationLinks;
  /** One entry per remote pin target, in mirror order. */
  remote: RemotePinResult[];
  /** True when the local import and every remote target succeeded. */
  ok: boolean;
}

export async function pinSite(options: PinSiteOptions): Promise<PinSiteResult> {
  const { signal, onProgress } = options;
  throwIfAborted(signal, 'pin');
  const targets = pinTargetsFrom(options.mirrors ?? [], options.env ?? {});

  // A missing or unusable bundle fails here, before anything is created.
  const listed = listBundle(options.siteDir, { hidden: options.hidden, signal });
  const store = await openBlockstore(options.blockstoreDir);
  await mkdir(options.distDir, { recursive: true });
  store.beginWrite();
  // One pass: ipfs-unixfs-importer reads and hashes on this thread; each block, once made, goes
  // to a writer thread that appends it to the CAR and writes it into the block store if missing
  // (pin-writer.ts). The CAR's name needs the root, known only at the end: a temp name until then.
  const writer = new PinWriter(store, path.join(options.distDir, `.pin-${process.pid}-${randomBytes(4).toString('hex')}.car.tmp`));
  let imported!: ImportBundleResult;
  let carPath!: string;
  let cid!: CID;
  let failed: unknown;
  // Whether every block handed to the writer is whole on disk: only then may the store's write
  // marker go (otherwise the next pin checks every block).
  let storeSound = false;
  try {
    // PinWriter.put copies each block before it returns.
    imported = await importListed(listed, { put: (block, bytes) => (writer.put(block, bytes), block) }, { signal, onProgress, profile: KUBO_ADD_CIDV1 });
    cid = imported.cid.toV1();
    carPath = path.join(options.distDir, `${cid.toString(base32)}.car`);
    await writer.finish(cid, carPath);
    storeSound = true;
  } catch (err) {
    failed = err;
    const own = await writer.abort();
    storeSound = own === undefined && !(err instanceof SamizdatError && err.code === 'BLOCKSTORE_WRITE');
  }
  if (storeSound) store.endWrite();
  if (failed !== undefined) throw failed;
  const cidText = cid.toString(base32);
  onProgress?.({ type: 'car', blocks: writer.carBlocks, bytes: writer.carBytes });

  const remote = targets.length ? await pinRemote(targets, { cid, carPath, name: options.pinName ?? defaultPinName(options.siteDir) }, options) : [];
  let publications = await readPublications(options.blockstoreDir);
  publications = recordPublication(publications, {
    cid: cidText,
    pinnedAt: new Date().toISOString(),
    files: imported.files,
    bytes: imported.bytes,
    targets: remote.filter((r) => r.ok).map((r) => r.name),
  });
  // Unpin by policy only on targets that now hold the new publication.
  for (const target of targets) {
    const result = remote.find((r) => r.name === target.name)!;
    if (!result.ok) continue;
    for (const old of rootsToUnpin(publications, target.name, target.keep)) {
      try {
        await target.unpin(CID.parse(old), { signal, onProgress });
        result.unpinned.push(old);
        publications = forgetTarget(publications, old, target.name);
      } catch (err) {
        result.unpinErrors.push({ cid: old, message: (err as Error).message });
      }
    }
  }
  await writePublications(options.blockstoreDir, publications);
  await Promise.all(targets.map((t) => t.close()));

  return {
    cid: cidText,
    carPath,
    carBlocks: writer.carBlocks,
    files: imported.files,
    bytes: imported.bytes,
    skippedHidden: imported.skippedHidden,
    links: gatewayLinks(cid, options.gateways),
    remote,
    ok: remote.every((r) => r.ok),
  };
}

/**
 * Pins to every target: Kubo nodes first (in parallel), then pinning services, which fetch the
 * DAG from the network and so do best once a node holds it. One failing target never stops the others.
 */
async function pinRemote(targets: PinTarget[], request: { cid: CID; carPath: string; name: string }, options: PinSiteOptions): Promise<RemotePinResult[]> {
  const { signal, onProgress } = options;
  // The CAR is checked once before anything leaves the machine.
  await verifyCar(request.carPath, request.cid, { signal });
  const results = new Map<string, RemotePinResult>();
  const run = async (target: PinTarget) => {
    const result: RemotePinResult = { name: target.name, type: target.type, ok: false, unpinned: [], unpinErrors: [] };
    results.set(target.name, result);
    try {
      await target.connect({ signal, onProgress });
      result.outcome = await target.pin(request, { signal, onProgress });
      result.ok = true;
      onProgress?.({ type: 'remote', target: target.name, stage: 'done' });
    } catch (err) {
      result.error = errorSummary(err);
    }
  };
  await Promise.all(targets.filter((t) => t.type !== 'pinning-service').map(run));
  await Promise.all(targets.filter((t) => t.type === 'pinning-service').map(run));
  return targets.map((t) => results.get(t.name)!);
}

function errorSummary(err: unknown): RemotePinResult['error'] {
  if (err instanceof SamizdatError) return { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}), retryable: err.retryable };
  return { code: 'UNEXPECTED', message: err instanceof Error ? err.message : String(err), retryable: false };
}

function defaultPinName(siteDir: string): string {
  return `samizdat ${path.basename(path.resolve(siteDir, '..', '..'))} ${new Date().toISOString().slice(0, 10)}`;
}
