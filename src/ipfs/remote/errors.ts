import { HostError } from '../../mirrors/errors.ts';
import type { SamizdatErrorOptions } from '../../errors.ts';

/** The target reported a root other than the CID computed locally: nothing is counted as pinned. */
export class PinMismatchError extends HostError {
  constructor(host: string, expected: string, actual: string, options: SamizdatErrorOptions = {}) {
    super('PIN_ROOT_MISMATCH', host, `the server reports root ${actual}, but the bundle's CID is ${expected}; the publication is NOT counted as pinned there`, {
      hint: 'Check that the API URL points at the node you mean, and that nothing between (a proxy) rewrites the upload.',
      ...options,
      retryable: false,
    });
    this.name = 'PinMismatchError';
  }
}

/** The target answered, but did not pin (an error reply, a failed or unfinished pin, not an IPFS API). */
export class PinFailedError extends HostError {
  constructor(host: string, message: string, options: SamizdatErrorOptions = {}) {
    super('PIN_FAILED', host, message, options);
    this.name = 'PinFailedError';
  }
}
