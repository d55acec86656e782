/**
 * `kubo`: a Kubo node's RPC API (or IPFS Cluster's Kubo-compatible proxy, which turns
 * `pin/add` into a cluster-wide pin). Talks through kubo-rpc-client, the maintained client
 * (ipfs-http-client is deprecated). The CAR goes up with `dag/import`, the root is pinned, and
 * the root the server reports must equal the CID computed locally.
 */
import { createReadStream } from 'node:fs';
import type { KuboRPCClient } from 'kubo-rpc-client';
import { CID } from 'multiformats/cid';
import { base32 } from 'multiformats/bases/base32';
import * as z from 'zod';
import { SamizdatError, throwIfAborted } from '../../errors.ts';
import { HostAuthError, HostError, HostTimeoutError, HostUnreachableError } from '../../mirrors/errors.ts';
import { withDeadline } from '../../mirrors/deadline.ts';
import { secretFromEnv, type MirrorEnv } from '../../mirrors/env.ts';
import { lazyLibrary } from '../../mirrors/hosts/library.ts';
import { PinFailedError, PinMismatchError } from './errors.ts';
import type { PinCallOptions, PinOutcome, PinRequest, PinTarget } from './types.ts';

export const kuboSchema = z.object({
  api: z.url().describe('RPC API of the Kubo node or IPFS Cluster proxy, e.g. http://127.0.0.1:5001 (Cluster proxy: http://127.0.0.1:9095).'),
  authHeaderEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name such as KUBO_AUTH')
    .optional()
    .describe('Environment variable holding the whole Authorization header value ("Basic …" or "Bearer …").'),
  ipns: z
    .object({
      key: z.string().min(1).default('self').describe('Key name on the node (ipfs key list).'),
      lifetime: z.string().regex(/^\d+(ns|us|ms|s|m|h)$/, 'a duration such as 48h').default('48h'),
    })
    .optional()
    .describe('Publish the new root under this IPNS key after pinning.'),
  mfsPath: z
    .string()
    .regex(/^\/[^\0]*[^/]$/, 'an absolute MFS path such as /samizdat/site')
    .optional()
    .describe('Copy the root into the node\'s MFS at this path (visible in the Web UI\'s Files).'),
  keep: z.number().int().min(1).optional().describe('Keep the last N publications pinned; unpin older ones. Unset: never unpin.'),
});

export type KuboConfig = z.output<typeof kuboSchema>;

// Imported on first use: 0.4 s that commands without a kubo target should not pay.
const loadKubo = lazyLibrary('kubo-rpc-client', () => import('kubo-rpc-client'));

export class KuboPinTarget implements PinTarget {
  readonly type = 'kubo';
  readonly keep: number | undefined;
  private rpc: Promise<KuboRPCClient> | undefined;

  constructor(
    readonly name: string,
    private readonly config: KuboConfig,
    private readonly authorization: string | undefined,
    private readonly timeoutMs = 30_000,
  ) {
    this.keep = config.keep;
  }

  /** The RPC client, made on the first call (that is when kubo-rpc-client is imported). */
  private client(): Promise<KuboRPCClient> {
    if (!this.rpc) {
      const headers: Record<string, string> = this.authorization ? { Authorization: this.authorization } : {};
      const making = loadKubo(this.name).then(({ create }) => create({ url: apiUrl(this.config.api), headers }));
      this.rpc = making;
      making.catch(() => {
        if (this.rpc === making) this.rpc = undefined;
      });
    }
    return this.rpc;
  }

  async connect(options: PinCallOptions = {}): Promise<void> {
    options.onProgress?.({ type: 'remote', target: this.name, stage: 'connect' });
    await this.call('connect', options, (client, signal) => client.version({ signal }));
  }

  async pin(request: PinRequest, options: PinCallOptions = {}): Promise<PinOutcome> {
    const expected = request.cid.toV1().toString(base32);
    const { onProgress } = options;

    // 1. Upload the CAR; the node reports the CAR's roots.
    onProgress?.({ type: 'remote', target: this.name, stage: 'upload' });
    const target = this.name;
    const roots = await this.call('dag/import', options, async (client, signal, touch) => {
      let sent = 0;
      const car = createReadStream(request.carPath, { highWaterMark: 1 << 20 });
      const counted = (async function* () {
        for await (const chunk of car as AsyncIterable<Buffer>) {
          sent += chunk.byteLength;
          touch();
          onProgress?.({ type: 'remote', target, stage: 'upload', bytes: sent });
          yield chunk;
        }
      })();
      const found: Array<{ cid: CID; pinErrorMsg?: string }> = [];
      // kubo-rpc-client wants the CAR stream inside an array (one part per CAR).
      for await (const r of client.dag.import([counted], { pinRoots: true, signal })) found.push(r.root);
      return found;
    });
    if (roots.length !== 1) throw new PinFailedError(this.name, `dag/import reported ${roots.length} roots instead of 1`);
    const reported = roots[0]!;
    if (!sameCid(reported.cid, request.cid)) throw new PinMismatchError(this.name, expected, reported.cid.toV1().toString(base32));
    if (reported.pinErrorMsg) throw new PinFailedError(this.name, `the node imported the CAR but could not pin it: ${reported.pinErrorMsg}`);

    // 2. Pin explicitly: a no-op on Kubo after pin-roots, a cluster-wide pin through IPFS Cluster's proxy.
    onProgress?.({ type: 'remote', target: this.name, stage: 'pin' });
    const pinned = await this.call('pin/add', options, (client, signal) => client.pin.add(request.cid, { recursive: true, signal }));
    if (!sameCid(pinned, request.cid)) throw new PinMismatchError(this.name, expected, pinned.toV1().toString(base32));

    // 3. Ask what is pinned, as a reader of the node would.
    onProgress?.({ type: 'remote', target: this.name, stage: 'verify' });
    const listed = await this.call('pin/ls', options, async (client, signal) => {
      const out: Array<{ cid: CID; type: string }> = [];
      for await (const p of client.pin.ls({ paths: [request.cid], signal })) out.push(p);
      return out;
    });
    const recursive = listed.find((p) => sameCid(p.cid, request.cid) && p.type === 'recursive');
    if (!recursive) throw new PinFailedError(this.name, `pin/ls does not list ${expected} as a recursive pin after pin/add`);

    const outcome: PinOutcome = { cid: expected, status: 'pinned' };
    if (this.config.mfsPath) outcome.mfsPath = await this.copyToMfs(request.cid, this.config.mfsPath, options);
    if (this.config.ipns) outcome.ipns = await this.publishIpns(request.cid, this.config.ipns, options);
    return outcome;
  }

  async unpin(cid: CID, options: PinCallOptions = {}): Promise<void> {
    options.onProgress?.({ type: 'remote', target: this.name, stage: 'unpin', detail: cid.toString() });
    try {
      await this.call('pin/rm', options, (client, signal) => client.pin.rm(cid, { recursive: true, signal }));
    } catch (err) {
      // Idempotent: something already unpinned is fine.
      if (err instanceof PinFailedError && /not pinned|is not pinned/i.test(err.message)) return;
      throw err;
    }
  }

  async close(): Promise<void> {}

  private async copyToMfs(cid: CID, mfsPath: string, options: PinCallOptions): Promise<string> {
    options.onProgress?.({ type: 'remote', target: this.name, stage: 'mfs', detail: mfsPath });
    const parent = mfsPath.slice(0, mfsPath.lastIndexOf('/')) || '/';
    await this.call('files/mkdir', options, (client, signal) => client.files.mkdir(parent, { parents: true, signal }));
    // files/cp refuses to overwrite: remove the previous publication's copy first.
    try {
      await this.call('files/rm', options, (client, signal) => client.files.rm(mfsPath, { recursive: true, signal }));
    } catch (err) {
      if (!(err instanceof PinFailedError && /does not exist|not exist|no such file|file does not exist/i.test(err.message))) throw err;
    }
    await this.call('files/cp', options, (client, signal) => client.files.cp(`/ipfs/${cid.toString()}`, mfsPath, { signal }));
    const stat = await this.call('files/stat', options, (client, signal) => client.files.stat(mfsPath, { signal }));
    if (!sameCid(stat.cid, cid)) throw new PinMismatchError(this.name, cid.toV1().toString(base32), stat.cid.toV1().toString(base32));
    return mfsPath;
  }

  private async publishIpns(cid: CID, ipns: NonNullable<KuboConfig['ipns']>, options: PinCallOptions): Promise<{ name: string; value: string }> {
    options.onProgress?.({ type: 'remote', target: this.name, stage: 'ipns', detail: ipns.key });
    let r: { name: string; value: string };
    try {
      r = await this.call('name/publish', options, (client, signal) =>
        client.name.publish(`/ipfs/${cid.toString()}`, { key: ipns.key, lifetime: ipns.lifetime, resolve: false, signal }),
      );
    } catch (err) {
      if (!(err instanceof PinFailedError)) throw err;
      throw new PinFailedError(this.name, `the root is pinned, but publishing it under the IPNS key "${ipns.key}" failed: ${err.message.replace(/^mirror \S+: /, '')}`, {
        hint: `Check that the node has the key (ipfs key list); create it with \`ipfs key gen ${ipns.key}\`.`,
        retryable: err.retryable,
        cause: err,
      });
    }
    const value = r.value.replace(/^\/ipfs\//, '');
    let published: CID | undefined;
    try {
      published = CID.parse(value);
    } catch {
      published = undefined;
    }
    if (!published || !sameCid(published, cid)) throw new PinMismatchError(this.name, cid.toV1().toString(base32), r.value);
    return { name: r.name, value: `/ipfs/${cid.toV1().toString(base32)}` };
  }

  /** Runs one RPC call with the deadline, and turns what went wrong into a typed error. */
  private async call<T>(what: string, options: PinCallOptions, work: (client: KuboRPCClient, signal: AbortSignal, touch: () => void) => Promise<T>): Promise<T> {
    throwIfAborted(options.signal, `${what} on ${this.name}`);
    try {
      return await withDeadline(this.name, what, this.timeoutMs, options.signal, async (signal, touch) => work(await this.client(), signal, touch));
    } catch (err) {
      throw this.wrap(err, what);
    }
  }

  private wrap(err: unknown, what: string): Error {
    if (err instanceof SamizdatError) return err;
    const e = err as Error & { response?: { status?: number }; cause?: { code?: string } };
    const status = e.response?.status;
    const api = this.config.api;
    if (status === 401 || status === 403) return new HostAuthError(this.name, `${api} refused the credentials (HTTP ${status}) on ${what}`, { cause: err });
    if (status === 404 || status === 405) {
      return new PinFailedError(this.name, `${api} does not answer ${what} (HTTP ${status}): it is not a Kubo RPC API`, {
        hint: 'Set api to the node\'s RPC address (Kubo: port 5001; IPFS Cluster proxy: 9095), not a gateway URL.',
        retryable: false,
        cause: err,
      });
    }
    if (e.name === 'TimeoutError') return new HostTimeoutError(this.name, what, this.timeoutMs, { cause: err });
    if (status !== undefined) return new PinFailedError(this.name, `${what} failed (HTTP ${status}): ${e.message}`, { retryable: status >= 500, cause: err });
    const code = e.cause?.code ?? (err as NodeJS.ErrnoException).code;
    if (code || /fetch failed|ECONNREFUSED|ENOTFOUND|socket/i.test(e.message)) {
      return new HostUnreachableError(this.name, `cannot reach ${api} (${code ?? e.message})`, {
        hint: 'Check that the node runs and that api points at its RPC address.',
        cause: err,
      });
    }
    return new HostError('PIN_UNEXPECTED', this.name, `${what} failed: ${e.message}`, { cause: err });
  }
}

/** Same content address: codec and multihash (the version and base the server prints may differ). */
export function sameCid(a: CID, b: CID): boolean {
  return a.code === b.code && a.multihash.code === b.multihash.code && equalBytes(a.multihash.digest, b.multihash.digest) && (a.version === b.version || a.toV1().equals(b.toV1()));
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** kubo-rpc-client wants the full API path; users write the address as Kubo prints it. */
function apiUrl(api: string): string {
  const u = new URL(api);
  if (!/\/api\/v0\/?$/.test(u.pathname)) u.pathname = `${u.pathname.replace(/\/$/, '')}/api/v0`;
  return u.toString();
}

export function createKuboTarget(name: string, config: KuboConfig & { timeoutMs?: number; file?: string }, env: MirrorEnv): KuboPinTarget {
  const auth = config.authHeaderEnv ? secretFromEnv(env, name, 'authHeaderEnv', config.authHeaderEnv, config.file) : undefined;
  return new KuboPinTarget(name, config, auth, config.timeoutMs);
}
