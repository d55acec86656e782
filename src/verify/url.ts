// A copy on a mirror, over HTTP(S): every file fetched and hashed as it streams in, each request
// under its own timeout. A web server cannot be listed, so extra files there go unseen.
import { createHash } from 'node:crypto';
import { AbortedError, InputError, SamizdatError } from '../errors.ts';
import { VERSION } from '../version.ts';
import type { ManifestFile } from '../manifest/types.ts';
import type { CopySource, FileCheck } from './types.ts';

export interface UrlSourceOptions {
  timeoutMs: number;
  /** Attempts after the first, for timeouts, network errors, 429 and 5xx. */
  retries: number;
  signal?: AbortSignal;
}

/** The mirror's base URL, ending in "/": "https://x/news" and "https://x/news/index.html" give "https://x/news/". */
export function mirrorBase(target: string): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch (err) {
    throw new InputError('VERIFY_BAD_URL', `${target} is not a URL`, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InputError('VERIFY_BAD_URL', `${target}: only http and https mirrors can be checked`);
  url.search = '';
  url.hash = '';
  if (url.pathname.endsWith('/index.html')) url.pathname = url.pathname.slice(0, -'index.html'.length);
  else if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

function fileUrl(base: URL, rel: string): URL {
  return new URL(rel.split('/').map(encodeURIComponent).join('/'), base);
}

/** A request outcome that is not a body. */
class RequestProblem extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * GETs `url` and feeds the body to `onChunk`; stops (RequestProblem TOO_LARGE) past maxBytes.
 * Throws RequestProblem for HTTP errors, timeouts and network failures, AbortedError when the
 * caller's signal fires.
 */
async function fetchBody(url: URL, opts: UrlSourceOptions, maxBytes: number, onChunk: (b: Uint8Array) => void): Promise<number> {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  try {
    const res = await fetch(url, {
      signal,
      redirect: 'follow',
      headers: { 'user-agent': `samizdat/${VERSION} verify`, 'cache-control': 'no-cache', accept: '*/*' },
    });
    if (res.status === 404 || res.status === 410) {
      await res.body?.cancel();
      throw new RequestProblem('HTTP_NOT_FOUND', `HTTP ${res.status}`, false, res.status);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new RequestProblem(`HTTP_${res.status}`, `HTTP ${res.status} ${res.statusText}`.trim(), res.status === 429 || res.status >= 500, res.status);
    }
    let size = 0;
    if (res.body) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > maxBytes) {
          await res.body.cancel().catch(() => {});
          throw new RequestProblem('TOO_LARGE', `more than ${maxBytes} bytes`, false);
        }
        onChunk(chunk);
      }
    }
    return size;
  } catch (err) {
    if (err instanceof RequestProblem) throw err;
    if (opts.signal?.aborted) throw new AbortedError('verification', { cause: opts.signal.reason });
    if (timeout.aborted) throw new RequestProblem('TIMEOUT', `no complete answer within ${opts.timeoutMs} ms`, true);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new RequestProblem(cause?.code ?? 'NETWORK', cause?.message ?? (err as Error).message, true);
  }
}

async function withRetries<T>(opts: UrlSourceOptions, run: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof RequestProblem) || !err.retryable || attempt >= opts.retries) throw err;
      await delay(200 * 2 ** attempt);
    }
  }
}

export function openUrl(target: string, opts: UrlSourceOptions): CopySource {
  const base = mirrorBase(target);
  return {
    kind: 'url',
    async readSmall(name, maxBytes) {
      const url = fileUrl(base, name);
      const chunks: Uint8Array[] = [];
      try {
        await withRetries(opts, () => {
          chunks.length = 0;
          return fetchBody(url, opts, maxBytes, (c) => chunks.push(c));
        });
      } catch (err) {
        if (err instanceof RequestProblem) {
          if (err.code === 'HTTP_NOT_FOUND') return undefined;
          if (err.code === 'TOO_LARGE') return Buffer.alloc(maxBytes + 1);
          throw new SamizdatError('MIRROR_UNREACHABLE', `cannot fetch ${url.href}: ${err.message}`, {
            file: url.href,
            retryable: err.retryable,
            hint: err.retryable ? 'The mirror may be down, blocked or slow from here: try again later or from another network.' : 'Check the mirror URL.',
            cause: err,
          });
        }
        throw err;
      }
      return Buffer.concat(chunks);
    },
    async check(f: ManifestFile): Promise<FileCheck> {
      const url = fileUrl(base, f.path);
      let hash = createHash('sha256');
      try {
        const size = await withRetries(opts, () => {
          hash = createHash('sha256');
          return fetchBody(url, opts, f.size, (c) => hash.update(c));
        });
        return { status: 'found', size, sha256: hash.digest('hex') };
      } catch (err) {
        if (!(err instanceof RequestProblem)) throw err;
        if (err.code === 'HTTP_NOT_FOUND') return { status: 'missing' };
        if (err.code === 'TOO_LARGE') return { status: 'changed', reason: `the mirror serves more than the ${f.size} bytes listed` };
        return { status: 'failed', code: err.code, message: `${url.href}: ${err.message}`, retryable: err.retryable };
      }
    },
    async list() {
      return undefined;
    },
    async close() {},
  };
}
