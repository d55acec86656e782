import type { MirrorConfig } from '../mirrors/config.ts';
import type { MirrorHost } from '../mirrors/host.ts';

/** What a host type provides to push: its kind and how to open one. */
export interface PushHostFactory {
  /** 'files' hosts get the bundle's files; 'pin' hosts are the IPFS stage's, push leaves them alone. */
  kind: 'files' | 'pin';
  create(config: MirrorConfig, context: { env: Readonly<Record<string, string | undefined>> }): MirrorHost;
}

/** Looks a host type up by its `type` field; undefined when no such type exists. */
export type PushHostLookup = (type: string) => PushHostFactory | undefined;

export interface RetryPolicy {
  /** Tries after the first one, for retryable errors only. */
  retries: number;
  /** First backoff delay; doubles each time, with ±25 % jitter. */
  baseDelayMs: number;
  /** Cap on one backoff delay. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseDelayMs: 500, maxDelayMs: 8_000 };

export interface PushOptions {
  /** The built bundle, with mirror-manifest.json at its root (default of the CLI: dist/site). */
  siteDir: string;
  /** One file per mirror host (default of the CLI: mirrors). */
  mirrorsDir: string;
  /** Push only these mirrors (by name: the file name without extension). */
  only?: string[];
  /** Plan and report what would change, touching nothing on any host. */
  dryRun?: boolean;
  /** Where secrets are read from (env var names come from the mirror files). */
  env: Readonly<Record<string, string | undefined>>;
  signal?: AbortSignal;
  onProgress?: (event: PushEvent) => void;
  /**
   * Where push keeps its resume journal and the last publication pushed to each host
   * (default: `.samizdat/push` beside the mirrors folder).
   */
  stateDir?: string;
  /** Host types (default: the mirror registry). Tests pass in-memory doubles here. */
  hostTypes?: PushHostLookup;
  retry?: Partial<RetryPolicy>;
  /** Sessions per host that uploads are spread over (default 4, at most the host's concurrency; 1 = one session). */
  connectionsPerHost?: number;
}

export type HostStatus = 'updated' | 'unchanged' | 'failed' | 'skipped';

/** A publication as a manifest names it. */
export interface PublicationRef {
  id: string;
  date: string;
}

export interface HostServing {
  /** Undefined when the host has no samizdat publication, or none could be learnt. */
  publication?: PublicationRef;
  /**
   * Where we learnt it: the host's own manifest (read during this push), or the record of the
   * last successful push from this machine (when the host could not be reached at all).
   */
  source: 'remote-manifest' | 'last-push' | 'unknown';
}

export interface HostReport {
  name: string;
  type: string;
  status: HostStatus;
  /** Files sent (including the manifest and signature). In a dry run: files that would be sent. */
  uploaded: number;
  deleted: number;
  unchanged: number;
  /** Bytes sent (in a dry run: that would be sent). */
  bytes: number;
  /** Files on the host that no samizdat manifest or push of ours names: never deleted. */
  foreign: number;
  durationMs: number;
  /** The publication the host serves after this push (for updated/unchanged hosts: the local one). */
  publication?: PublicationRef;
  /** For a failed host: which publication it still serves. */
  serving?: HostServing;
  /** Why the host failed or was skipped: never contains a secret. */
  error?: { code: string; message: string; hint?: string };
  /** Dry run only: what would be sent and removed, in the order push would do it. */
  plan?: { upload: string[]; delete: string[] };
}

export interface PushReport {
  dryRun: boolean;
  /** The local publication pushed. */
  publication: PublicationRef;
  site: string;
  hosts: HostReport[];
  /** True when at least one host failed. */
  failed: boolean;
  durationMs: number;
}

export type PushEvent =
  | { type: 'host-start'; host: string; hostType: string }
  | { type: 'host-plan'; host: string; upload: number; uploadBytes: number; delete: number; unchanged: number }
  | { type: 'host-progress'; host: string; filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number; path?: string }
  /** One file finished: sent, or removed from the host. */
  | { type: 'host-file'; host: string; action: 'uploaded' | 'deleted'; path: string; bytes: number }
  | { type: 'host-retry'; host: string; what: string; attempt: number; delayMs: number; error: { code: string; message: string } }
  | { type: 'host-done'; host: string; report: HostReport };
