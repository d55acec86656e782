/**
 * `pinning-service`: the IPFS Pinning Services API (ipfs.github.io/pinning-services-api-spec),
 * still offered by Pinata and Filebase. A service cannot take an upload through this API: it
 * fetches the DAG from the IPFS network, from the `origins` we give (the multiaddrs of a node
 * that holds it, e.g. the `kubo` target). We post the CID, then poll until the service says
 * `pinned`; `queued` or `pinning` at the deadline is reported as not pinned.
 */
import { CID } from 'multiformats/cid';
import { base32 } from 'multiformats/bases/base32';
import * as z from 'zod';
import { AbortedError, SamizdatError, throwIfAborted } from '../../errors.ts';
import { HostAuthError, HostError, HostTimeoutError, HostUnreachableError } from '../../mirrors/errors.ts';
import { withDeadline } from '../../mirrors/deadline.ts';
import { secretFromEnv, type MirrorEnv } from '../../mirrors/env.ts';
import { PinFailedError, PinMismatchError } from './errors.ts';
import { sameCid } from './kubo.ts';
import type { PinCallOptions, PinOutcome, PinRequest, PinTarget } from './types.ts';

export const pinningServiceSchema = z.object({
  endpoint: z.url().describe('Base URL of the service\'s Pinning Service API, e.g. https://api.pinata.cloud/psa (no trailing /pins).'),
  tokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name such as PINATA_JWT').describe('Environment variable holding the access token (sent as Bearer).'),
  origins: z.array(z.string().regex(/^\/(ip4|ip6|dns|dns4|dns6|dnsaddr)\//, 'a multiaddr such as /dns4/node.example.org/tcp/4001/p2p/12D3…')).default([]).describe('Multiaddrs of nodes that hold the DAG, so the service fetches it quickly.'),
  pollIntervalMs: z.number().int().min(50).default(5_000),
  /** How long to wait for `pinned` before reporting the pin as unfinished. */
  pinTimeoutMs: z.number().int().min(100).default(600_000),
  keep: z.number().int().min(1).optional().describe('Keep the last N publications pinned; unpin older ones. Unset: never unpin.'),
});

export type PinningServiceConfig = z.output<typeof pinningServiceSchema>;

type PinStatusValue = 'queued' | 'pinning' | 'pinned' | 'failed';
interface PinStatus {
  requestid: string;
  status: PinStatusValue;
  pin: { cid: string; name?: string };
  info?: Record<string, string>;
}

export class PinningServicePinTarget implements PinTarget {
  readonly type = 'pinning-service';
  readonly keep: number | undefined;
  private readonly base: string;

  constructor(
    readonly name: string,
    private readonly config: PinningServiceConfig,
    private readonly token: string,
    private readonly timeoutMs = 30_000,
  ) {
    this.keep = config.keep;
    this.base = config.endpoint.replace(/\/+$/, '');
  }

  async connect(options: PinCallOptions = {}): Promise<void> {
    options.onProgress?.({ type: 'remote', target: this.name, stage: 'connect' });
    const body = await this.request<{ count?: unknown; results?: unknown }>('GET', '/pins?limit=1', undefined, options);
    if (typeof body.count !== 'number' || !Array.isArray(body.results)) {
      throw new PinFailedError(this.name, `${this.config.endpoint} answered GET /pins without {count, results}: it is not a Pinning Service API`, { retryable: false });
    }
  }

  async pin(request: PinRequest, options: PinCallOptions = {}): Promise<PinOutcome> {
    const expected = request.cid.toV1().toString(base32);
    options.onProgress?.({ type: 'remote', target: this.name, stage: 'pin' });
    let status = await this.request<PinStatus>('POST', '/pins', { cid: expected, name: request.name, origins: this.config.origins, meta: { app: 'samizdat' } }, options);
    this.checkStatus(status, request.cid);
    const deadline = Date.now() + this.config.pinTimeoutMs;
    while (status.status === 'queued' || status.status === 'pinning') {
      if (Date.now() >= deadline) {
        throw new PinFailedError(this.name, `the service still reports "${status.status}" for ${expected} after ${this.config.pinTimeoutMs} ms; it is NOT counted as pinned`, {
          hint: 'Give `origins` the multiaddr of a node that holds the DAG (for example your kubo target), or raise pinTimeoutMs.',
          retryable: true,
        });
      }
      await sleep(this.config.pollIntervalMs, options.signal);
      status = await this.request<PinStatus>('GET', `/pins/${encodeURIComponent(status.requestid)}`, undefined, options);
      this.checkStatus(status, request.cid);
      options.onProgress?.({ type: 'remote', target: this.name, stage: 'verify', detail: status.status });
    }
    if (status.status !== 'pinned') {
      throw new PinFailedError(this.name, `the service reports "${status.status}" for ${expected}${status.info?.status_details ? `: ${status.info.status_details}` : ''}`, { retryable: false });
    }
    return { cid: expected, status: 'pinned' };
  }

  async unpin(cid: CID, options: PinCallOptions = {}): Promise<void> {
    options.onProgress?.({ type: 'remote', target: this.name, stage: 'unpin', detail: cid.toString() });
    const v1 = cid.toV1().toString(base32);
    const list = await this.request<{ results: PinStatus[] }>('GET', `/pins?cid=${encodeURIComponent(v1)}&status=queued,pinning,pinned,failed`, undefined, options);
    for (const p of list.results ?? []) {
      if (!sameCid(CID.parse(p.pin.cid), cid)) continue;
      await this.request('DELETE', `/pins/${encodeURIComponent(p.requestid)}`, undefined, options);
    }
  }

  async close(): Promise<void> {}

  private checkStatus(status: PinStatus, cid: CID): void {
    let reported: CID;
    try {
      reported = CID.parse(status?.pin?.cid ?? '');
    } catch (err) {
      throw new PinFailedError(this.name, `the service answered without a valid pin.cid`, { cause: err });
    }
    if (!sameCid(reported, cid)) throw new PinMismatchError(this.name, cid.toV1().toString(base32), status.pin.cid);
    if (typeof status.requestid !== 'string' || !['queued', 'pinning', 'pinned', 'failed'].includes(status.status)) {
      throw new PinFailedError(this.name, `the service answered with an unknown pin status ${JSON.stringify(status.status)}`);
    }
  }

  private async request<T>(method: string, path: string, body: unknown, options: PinCallOptions): Promise<T> {
    const what = `${method} ${path.split('?')[0]}`;
    throwIfAborted(options.signal, `${what} on ${this.name}`);
    try {
      return await withDeadline(this.name, what, this.timeoutMs, options.signal, async (signal) => {
        const res = await fetch(`${this.base}${path}`, {
          method,
          signal,
          headers: { Authorization: `Bearer ${this.token}`, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        if (res.status === 401 || res.status === 403) throw new HostAuthError(this.name, `${this.config.endpoint} refused the token (HTTP ${res.status})`);
        if (res.status === 404 && method !== 'DELETE') {
          throw new PinFailedError(this.name, `${this.config.endpoint} answers ${what} with 404: it is not a Pinning Service API endpoint`, { retryable: false, hint: 'Set endpoint to the API base (the URL before /pins).' });
        }
        if (!res.ok && !(method === 'DELETE' && res.status === 404)) {
          const reason = safeReason(text);
          throw new PinFailedError(this.name, `${what} failed (HTTP ${res.status})${reason ? `: ${reason}` : ''}`, { retryable: res.status >= 500 || res.status === 429 });
        }
        if (method === 'DELETE' || text === '') return undefined as T;
        try {
          return JSON.parse(text) as T;
        } catch (err) {
          throw new PinFailedError(this.name, `${what} answered with something that is not JSON`, { cause: err, retryable: false });
        }
      });
    } catch (err) {
      if (err instanceof SamizdatError) throw err;
      const e = err as Error & { cause?: { code?: string } };
      if (e.name === 'TimeoutError') throw new HostTimeoutError(this.name, what, this.timeoutMs, { cause: err });
      if (e.cause?.code || /fetch failed/i.test(e.message)) {
        throw new HostUnreachableError(this.name, `cannot reach ${this.config.endpoint} (${e.cause?.code ?? e.message})`, { cause: err });
      }
      throw new HostError('PIN_UNEXPECTED', this.name, `${what} failed: ${e.message}`, { cause: err });
    }
  }
}

/** The spec's error body is {error: {reason, details}}; show the reason only (never echo a whole body). */
function safeReason(text: string): string | undefined {
  try {
    const j = JSON.parse(text) as { error?: { reason?: unknown; details?: unknown } };
    const r = [j.error?.reason, j.error?.details].filter((x) => typeof x === 'string').join(': ');
    return r ? r.slice(0, 300) : undefined;
  } catch {
    return undefined;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms);
    const onAbort = () => (clearTimeout(t), reject(new AbortedError('pin', { cause: signal?.reason })));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function createPinningServiceTarget(name: string, config: PinningServiceConfig & { timeoutMs?: number; file?: string }, env: MirrorEnv): PinningServicePinTarget {
  const token = secretFromEnv(env, name, 'tokenEnv', config.tokenEnv, config.file);
  return new PinningServicePinTarget(name, config, token, config.timeoutMs);
}
