import type { HostCallOptions } from '../host.ts';

/**
 * A `touch` that also tells the caller the operation is alive. Callers (push) run their own
 * idle timeout fed by onProgress; a long listing or a git push makes no per-file transfer
 * events, so every sign of life (a folder listed, a line of git progress) is passed on as a
 * TransferProgress with an empty path and zero total, at most every 200 ms. Uploads report real
 * byte counts themselves and skip these.
 */
export function liveness(touch: () => void, options: HostCallOptions): () => void {
  let last = 0;
  return () => {
    touch();
    const now = Date.now();
    if (!options.onProgress || now - last < 200) return;
    last = now;
    options.onProgress({ type: 'transfer', path: '', bytes: 0, total: 0 });
  };
}
