/**
 * One interface for every kind of mirror host (like rclone's backends). Each adapter lives in
 * src/mirrors/hosts/<type>.ts and passes the shared conformance suite (test/mirrors/conformance.ts)
 * against a real server on loopback.
 *
 * Paths are always relative to the mirror's root, with "/" separators, no leading "/", never
 * containing "." or ".." segments (callers guarantee this; adapters must still refuse them).
 */
import type { OperationOptions } from '../progress.ts';

export interface RemoteFile {
  /** Relative path, "/"-separated. */
  path: string;
  size: number;
  /** Lowercase hex SHA-256 of the content, when the host can tell without downloading. */
  sha256?: string;
  /** Lowercase hex MD5, when the host gives one (S3 single-part ETag). */
  md5?: string;
}

/** A local file to upload. Adapters stream it from `localPath`; they never load huge files whole. */
export interface PutSource {
  localPath: string;
  size: number;
  sha256: string;
  /** MIME type with charset where it matters, e.g. "text/html; charset=utf-8". */
  contentType: string;
  /** Cache-Control value the host should serve, where it supports per-file headers. */
  cacheControl?: string;
}

export interface TransferProgress {
  type: 'transfer';
  path: string;
  /** Bytes of this file sent so far. */
  bytes: number;
  total: number;
}

export type HostCallOptions = OperationOptions<TransferProgress>;

export interface HostCapabilities {
  /** Which hash list() fills in: "sha256", "md5", or "none" (then push reads the remote manifest or compares sizes). */
  listHash: 'sha256' | 'md5' | 'none';
  /** True when put() is atomic (temp name + rename, or a store with atomic object writes). */
  atomicPut: boolean;
  /** True when changes only become visible at commit() (git: one commit per publication). */
  transactional: boolean;
}

export interface MirrorHost {
  readonly name: string;
  readonly type: string;
  readonly capabilities: HostCapabilities;

  /**
   * Opens the connection and checks credentials and host identity.
   * Throws HostAuthError (wrong credentials), HostKeyMismatchError (pinned key differs),
   * HostUnreachableError (retryable) or HostTimeoutError (retryable).
   */
  connect(options?: HostCallOptions): Promise<void>;

  /** Every file under the root (not folders), any order. An empty or missing root is []. */
  list(options?: HostCallOptions): Promise<RemoteFile[]>;

  /** The whole content of one file. Throws HostNotFoundError when it does not exist. */
  read(path: string, options?: HostCallOptions): Promise<Uint8Array>;

  /**
   * Creates or replaces one file, creating parent folders as needed. A put that fails or is
   * aborted half way leaves no partial file visible under `path` (the old content, if any, stays).
   */
  put(path: string, source: PutSource, options?: HostCallOptions): Promise<void>;

  /** Removes one file. Removing a file that does not exist succeeds (idempotent). */
  delete(path: string, options?: HostCallOptions): Promise<void>;

  /**
   * Optional: removes many files in few requests (S3 DeleteObjects). Same contract as delete()
   * for each path; when absent, callers delete one by one.
   */
  deleteMany?(paths: string[], options?: HostCallOptions): Promise<void>;

  /** For transactional hosts: makes every put and delete since connect() visible at once. */
  commit?(message: string, options?: HostCallOptions): Promise<void>;

  /**
   * Releases connections and temp files. Safe to call more than once, and after a failed connect.
   * connect() after close() opens the host again (push reconnects after a server restart).
   */
  close(): Promise<void>;
}
