import { AbortedError } from '../errors.ts';
import { HostTimeoutError } from './errors.ts';

/**
 * Runs `work` with a signal that fires when the caller's signal fires or after `timeoutMs`
 * without activity, whichever comes first. A transfer calls `touch()` on every chunk so a slow
 * but moving upload is not cut off, while a server that stops answering is. Either ending
 * turns into the typed error and turns either into the typed error (AbortedError or
 * HostTimeoutError, both with the original as `cause`). `work` must honour the signal;
 * the deadline also rejects by itself, so a call that ignores its signal cannot hang the caller.
 */
export async function withDeadline<T>(
  host: string,
  what: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  work: (signal: AbortSignal, touch: () => void) => Promise<T>,
): Promise<T> {
  if (signal?.aborted) throw new AbortedError(what, { cause: signal.reason });
  const controller = new AbortController();
  let timedOut = false;
  let rejectEarly: (err: unknown) => void = () => {};
  const early = new Promise<never>((_, reject) => (rejectEarly = reject));
  const expire = () => {
    timedOut = true;
    const err = new HostTimeoutError(host, what, timeoutMs);
    controller.abort(err);
    rejectEarly(err);
  };
  let timer = setTimeout(expire, timeoutMs);
  const touch = () => {
    if (timedOut) return;
    clearTimeout(timer);
    timer = setTimeout(expire, timeoutMs);
  };
  const onAbort = () => {
    const err = new AbortedError(what, { cause: signal?.reason });
    controller.abort(err);
    rejectEarly(err);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const running = work(controller.signal, touch);
  try {
    return await Promise.race([running, early]);
  } catch (err) {
    if (timedOut && !(err instanceof HostTimeoutError)) throw new HostTimeoutError(host, what, timeoutMs, { cause: err });
    if (signal?.aborted && !(err instanceof AbortedError)) throw new AbortedError(what, { cause: err });
    throw err;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    // The work may still settle later; never let that become an unhandled rejection.
    running.catch(() => {});
  }
}
