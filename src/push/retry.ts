/**
 * One host operation with a timeout, retried with exponential backoff when (and only when) the
 * error says trying again may help (SamizdatError.retryable).
 */
import { AbortedError, SamizdatError } from '../errors.ts';
import { HostError, HostTimeoutError } from '../mirrors/errors.ts';
import type { RetryPolicy } from './types.ts';

export interface CallContext {
  host: string;
  /** Aborts when the caller cancels or this host's push has failed. */
  signal: AbortSignal;
  timeoutMs: number;
  retry: RetryPolicy;
  onRetry?: (info: { what: string; attempt: number; delayMs: number; error: SamizdatError }) => void;
  /** Reopens a connection a retryable failure may have broken (see ConnectionKeeper). */
  connection?: ConnectionKeeper;
  /** Test hook: the clock used for backoff delays. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Shared by every call on one host: after a retryable failure the next attempt first reopens
 * the host (close + connect), once, however many calls were in flight on the broken connection.
 * Generations keep a call that failed on an old connection from closing a fresh one.
 */
export class ConnectionKeeper {
  private gen = 0;
  private brokenGen = -1;
  private reopening: Promise<void> | undefined;

  constructor(private readonly reopen: () => Promise<void>) {}

  generation(): number {
    return this.gen;
  }

  markBroken(gen: number): void {
    if (gen === this.gen) this.brokenGen = gen;
  }

  async ensure(): Promise<void> {
    if (this.reopening) return this.reopening;
    if (this.brokenGen !== this.gen) return;
    this.reopening = this.reopen().then(
      () => {
        this.gen++;
        this.reopening = undefined;
      },
      (err) => {
        this.reopening = undefined;
        throw err;
      },
    );
    return this.reopening;
  }
}

export function backoffDelay(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(base * (0.75 + 0.5 * random()));
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new AbortedError('push', { cause: signal.reason }));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError('push', { cause: signal.reason }));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Settles with `promise`, or rejects as soon as `signal` aborts, so an adapter that ignores its
 * signal cannot hang the push. The abandoned promise's later rejection is swallowed.
 */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => {});
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

/** Any thrown value as a SamizdatError; unknown errors are not retried (we cannot tell they are transient). */
export function asHostError(host: string, err: unknown): SamizdatError {
  if (err instanceof SamizdatError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new HostError('HOST_ERROR', host, message, { cause: err });
}

/**
 * A signal that fires when `parent` fires or after `ms` without activity; `touch()` restarts the
 * clock, so a slow but moving transfer is not cut off while a server that stops answering is.
 * (One controller and one listener: AbortSignal.any() per call costs real time over 10,000 files.)
 */
export function idleTimeout(ms: number, parent: AbortSignal): { signal: AbortSignal; touch: () => void; fired: () => boolean; clear: () => void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let fired = false;
  const onParentAbort = () => controller.abort(parent.reason);
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      fired = true;
      controller.abort(new Error(`no activity for ${ms} ms`));
    }, ms);
  };
  if (parent.aborted) controller.abort(parent.reason);
  else {
    parent.addEventListener('abort', onParentAbort, { once: true });
    arm();
  }
  return {
    signal: controller.signal,
    touch: () => controller.signal.aborted || arm(),
    fired: () => fired,
    clear: () => {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParentAbort);
    },
  };
}

/**
 * Runs one host operation under the host's signal and an idle timeout of `timeoutMs`, retrying
 * retryable failures with exponential backoff. `op` gets the combined signal and a `touch` to
 * call on progress. A caller abort is an AbortedError; a timeout is a (retryable) HostTimeoutError.
 */
export async function callHost<T>(what: string, ctx: CallContext, op: (signal: AbortSignal, touch: () => void) => Promise<T>): Promise<T> {
  const wait = ctx.sleep ?? sleep;
  for (let attempt = 0; ; attempt++) {
    if (ctx.signal.aborted) throw new AbortedError(`push to ${ctx.host}`, { cause: ctx.signal.reason });
    const timeout = idleTimeout(ctx.timeoutMs, ctx.signal);
    const signal = timeout.signal;
    let error: SamizdatError;
    const gen = ctx.connection?.generation() ?? 0;
    try {
      if (attempt > 0) await raceAbort(Promise.resolve().then(() => ctx.connection?.ensure()), signal);
      return await raceAbort(Promise.resolve().then(() => op(signal, timeout.touch)), signal);
    } catch (err) {
      if (ctx.signal.aborted) throw new AbortedError(`push to ${ctx.host}`, { cause: ctx.signal.reason });
      error = timeout.fired() && !(err instanceof HostTimeoutError) ? new HostTimeoutError(ctx.host, what, ctx.timeoutMs, { cause: err }) : asHostError(ctx.host, err);
    } finally {
      timeout.clear();
    }
    if (!error.retryable || attempt >= ctx.retry.retries) throw error;
    ctx.connection?.markBroken(gen);
    const delayMs = backoffDelay(attempt, ctx.retry);
    ctx.onRetry?.({ what, attempt: attempt + 1, delayMs, error });
    await wait(delayMs, ctx.signal);
  }
}
