/**
 * Remote IPFS pin targets: places that keep the publication's DAG alive on the IPFS network
 * (a Kubo node, an IPFS Cluster through its Kubo-compatible proxy, a pinning service). They are
 * not file hosts: `samizdat push` skips them, `samizdat pin` uses them. Same spirit as
 * MirrorHost: each call takes an AbortSignal and a progress callback and throws typed errors
 * (HostUnreachableError, HostAuthError, HostTimeoutError from src/mirrors/errors.ts, and
 * PinMismatchError / PinFailedError from ./errors.ts).
 */
import type { CID } from 'multiformats/cid';
import type { OperationOptions } from '../../progress.ts';
import type { PinProgress } from '../progress.ts';

export type PinCallOptions = OperationOptions<PinProgress>;

export interface PinRequest {
  /** Root CID computed locally: the only CID a target may report back. */
  cid: CID;
  /** CARv1 with that single root (dist/<cid>.car), for targets that accept uploads. */
  carPath: string;
  /** Human name of the pin (site name and publication date), where the target stores one. */
  name: string;
}

export interface PinOutcome {
  /** Root CID as the target reported it (base32), after checking it equals the local one. */
  cid: string;
  /** 'pinned': the whole DAG is held; 'queued' / 'pinning': a service accepted it but has not finished. */
  status: 'pinned' | 'queued' | 'pinning';
  /** Set when an IPNS name was published: the name and the path it points at. */
  ipns?: { name: string; value: string };
  /** Set when the root was copied into MFS. */
  mfsPath?: string;
}

export interface PinTarget {
  readonly name: string;
  readonly type: string;
  /** Keep this many most recent publications pinned here; older ones are unpinned. Undefined: keep all. */
  readonly keep: number | undefined;

  /**
   * Checks that the API answers and accepts the credentials. Throws HostUnreachableError
   * (retryable), HostAuthError, HostTimeoutError, or PinFailedError for an address that answers
   * but is not this kind of API.
   */
  connect(options?: PinCallOptions): Promise<void>;

  /**
   * Makes the target hold the whole DAG of `request.cid`, pinned. Resolves only when the target
   * reported exactly that root; a different root throws PinMismatchError. Never resolves for a
   * half-done pin: a service that has not finished within the deadline throws PinFailedError
   * (retryable) naming the state it was left in.
   */
  pin(request: PinRequest, options?: PinCallOptions): Promise<PinOutcome>;

  /** Removes the pin of `cid`. Unpinning something not pinned succeeds (idempotent). */
  unpin(cid: CID, options?: PinCallOptions): Promise<void>;

  /** Releases connections. Safe to call more than once. */
  close(): Promise<void>;
}
