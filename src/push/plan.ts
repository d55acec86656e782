/**
 * Deciding what one host needs: a pure function of the local bundle and what the host has.
 *
 * The host's state is its listing (sizes, and hashes where the host has them) plus its own
 * manifest. The listing is the truth about what is there; the remote manifest (and our resume
 * journal) only say which content a same-size file holds when the host cannot hash. So a remote
 * manifest left stale or lying by an interrupted push never hides a missing or wrong file.
 */
import { MANIFEST_FILE, SIGNATURE_FILE, type Manifest } from '../manifest/types.ts';
import type { RemoteFile } from '../mirrors/host.ts';
import { orderUploads, type Phase } from './order.ts';

export interface UploadItem {
  path: string;
  size: number;
  sha256: string;
}

export interface HostState {
  listing: Map<string, RemoteFile>;
  /** The host's mirror-manifest.json, when it has a readable one. */
  manifest?: Manifest;
  /** SHA-256 of the host's manifest bytes. */
  manifestSha256?: string;
  /** SHA-256 of the host's signature bytes, when it was read. */
  signatureSha256?: string;
}

export interface LocalState {
  manifest: Manifest;
  manifestSha256: string;
  manifestSize: number;
  signature?: { sha256: string; size: number };
}

export interface PlanHints {
  /** Files this machine put on this host in an interrupted push that is still valid to resume. */
  journal?: Map<string, { sha256: string; size: number }>;
  /** Paths a push of ours put on this host and no manifest names yet (removable when stale). */
  owned?: Set<string>;
  /** Local MD5s (hex) for hosts whose listing gives MD5s; computed only where sizes agree. */
  localMd5?: Map<string, string>;
}

export interface HostPlan {
  /** Uploads in the order they must happen, phase by phase. */
  phases: Array<{ phase: Phase; files: UploadItem[] }>;
  /** Removed before the manifest goes up (an old signature the new unsigned manifest would contradict). */
  deleteBefore: string[];
  /** Removed only once the new manifest is in place. */
  deleteAfter: string[];
  unchanged: number;
  /** Files on the host that no manifest or journal of ours names: left alone. */
  foreign: string[];
  uploadCount: number;
  uploadBytes: number;
}

/** The remote manifest's entries by path (built once: a find() per file would be quadratic). */
export function manifestIndex(manifest: Manifest | undefined): Map<string, { sha256: string; size: number }> {
  return new Map((manifest?.files ?? []).map((f) => [f.path, f]));
}

/** True when the host holds exactly this content at `file.path`, as far as it can tell us. */
export function remoteHas(
  file: UploadItem,
  listing: Map<string, RemoteFile>,
  remoteListed: Map<string, { sha256: string; size: number }>,
  hints: PlanHints = {},
): boolean {
  const r = listing.get(file.path);
  if (!r || r.size !== file.size) return false;
  if (r.sha256) return r.sha256.toLowerCase() === file.sha256;
  if (r.md5) {
    const local = hints.localMd5?.get(file.path);
    if (local) return r.md5.toLowerCase() === local;
  }
  // Same size, no hash from the host: trust what we put there ourselves (journal), then its manifest.
  const known = hints.journal?.get(file.path) ?? remoteListed.get(file.path);
  return known !== undefined && known.sha256 === file.sha256 && known.size === file.size;
}

export function planHostPush(local: LocalState, state: HostState, hints: PlanHints = {}): HostPlan {
  const remoteListed = manifestIndex(state.manifest);
  const has = (f: UploadItem): boolean => remoteHas(f, state.listing, remoteListed, hints);

  const uploads: UploadItem[] = [];
  let unchanged = 0;
  for (const f of local.manifest.files) {
    if (has(f)) unchanged++;
    else uploads.push({ path: f.path, size: f.size, sha256: f.sha256 });
  }

  const remoteManifest = state.listing.get(MANIFEST_FILE);
  const manifestCurrent =
    remoteManifest !== undefined && state.manifestSha256 === local.manifestSha256 && remoteManifest.size === local.manifestSize;
  const deleteBefore: string[] = [];
  if (local.signature) {
    const r = state.listing.get(SIGNATURE_FILE);
    const sigCurrent =
      manifestCurrent && r !== undefined && r.size === local.signature.size &&
      (r.sha256 ? r.sha256 === local.signature.sha256 : state.signatureSha256 === local.signature.sha256);
    if (sigCurrent) unchanged++;
    else uploads.push({ path: SIGNATURE_FILE, size: local.signature.size, sha256: local.signature.sha256 });
  } else if (state.listing.has(SIGNATURE_FILE)) {
    deleteBefore.push(SIGNATURE_FILE);
  }
  if (manifestCurrent) unchanged++;
  else uploads.push({ path: MANIFEST_FILE, size: local.manifestSize, sha256: local.manifestSha256 });

  const wanted = new Set(local.manifest.files.map((f) => f.path));
  wanted.add(MANIFEST_FILE);
  wanted.add(SIGNATURE_FILE);
  const deleteAfter: string[] = [];
  const foreign: string[] = [];
  for (const p of [...state.listing.keys()].sort()) {
    if (wanted.has(p)) continue;
    if (remoteListed.has(p) || hints.journal?.has(p) || hints.owned?.has(p)) deleteAfter.push(p);
    else foreign.push(p);
  }

  const phases = orderUploads(uploads);
  return {
    phases,
    deleteBefore,
    deleteAfter,
    unchanged,
    foreign,
    uploadCount: uploads.length,
    uploadBytes: uploads.reduce((n, f) => n + f.size, 0),
  };
}
