/**
 * Fetching pages, feeds and images: one timeout for the whole request, a size limit enforced
 * while reading (a lying or missing Content-Length cannot get past it), redirects followed by
 * hand so each hop is counted and checked, and the content type checked against what the
 * caller expects. Errors name the URL and the cause.
 */
import { AbortedError, InputError, SamizdatError } from '../errors.ts';
import type { FetchLimits } from './types.ts';
import { VERSION } from '../version.ts';

export const DEFAULT_LIMITS: Required<FetchLimits> = {
  timeoutMs: 20_000,
  maxBytes: 10 * 1024 * 1024,
  maxRedirects: 5,
  maxImageBytes: 10 * 1024 * 1024,
};

/** What the caller can use: pages and feeds are text, images are images. */
export type Expect = 'document' | 'image';

export interface Fetched {
  /** The URL asked for. */
  url: string;
  /** Where the body came from, after redirects. */
  finalUrl: string;
  /** MIME type without parameters, lowercased ("" when the server sent none). */
  mime: string;
  charset?: string;
  bytes: Buffer;
}

const DOCUMENT_TYPES = /^(text\/(html|plain|xml)|application\/(xhtml\+xml|xml|rss\+xml|atom\+xml|rdf\+xml|feed\+json|json))$/;

export async function fetchResource(
  url: string,
  expect: Expect,
  options: { limits?: FetchLimits; signal?: AbortSignal } = {},
): Promise<Fetched> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const maxBytes = expect === 'image' ? limits.maxImageBytes : limits.maxBytes;
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const fail = (code: string, why: string, extra: { retryable?: boolean; cause?: unknown; hint?: string } = {}) =>
    new SamizdatError(code, `could not fetch ${url}: ${why}`, extra);

  let current = url;
  for (let hop = 0; ; hop++) {
    const parsed = safeUrl(current);
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw new InputError('INGEST_BAD_URL', `${current === url ? url : `${url} redirects to ${current}, which`} is not an http(s) URL`, { hint: 'Give an address starting with http:// or https://.' });
    }
    let res: Response;
    try {
      res = await fetch(parsed, {
        redirect: 'manual',
        signal,
        headers: {
          'user-agent': `samizdat-ingest/${VERSION}`,
          accept: expect === 'image' ? 'image/*' : 'text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,application/feed+json,application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.1',
        },
      });
    } catch (err) {
      throw networkError(err, url, limits.timeoutMs, options.signal, timeout);
    }
    if (res.status >= 300 && res.status < 400 && res.headers.has('location')) {
      await res.body?.cancel().catch(() => {});
      if (hop >= limits.maxRedirects) {
        throw fail('INGEST_TOO_MANY_REDIRECTS', `more than ${limits.maxRedirects} redirects (the last one to ${res.headers.get('location')})`, { hint: 'Give the final address of the page, or check the server for a redirect loop.' });
      }
      current = new URL(res.headers.get('location')!, parsed).href;
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
      throw fail('INGEST_HTTP_STATUS', `the server answered ${res.status} ${res.statusText}`.trimEnd(), {
        retryable,
        hint: retryable ? 'The server has a problem; try again later.' : 'Check the address.',
      });
    }
    const contentType = res.headers.get('content-type') ?? '';
    const mime = contentType.split(';')[0]!.trim().toLowerCase();
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1];
    const typeOk = expect === 'image' ? mime.startsWith('image/') : mime === '' || DOCUMENT_TYPES.test(mime);
    if (!typeOk) {
      await res.body?.cancel().catch(() => {});
      throw fail('INGEST_CONTENT_TYPE', `it is ${mime}, not ${expect === 'image' ? 'an image' : 'a web page, text or a feed'}`, {
        hint: expect === 'image' ? 'The image is kept as a link.' : 'Give the address of the article page or the feed itself.',
      });
    }
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel().catch(() => {});
      throw tooLarge(url, maxBytes);
    }
    const bytes = await readLimited(res, maxBytes, url, limits.timeoutMs, options.signal, timeout);
    return { url, finalUrl: current, mime, ...(charset ? { charset } : {}), bytes };
  }
}

async function readLimited(res: Response, maxBytes: number, url: string, timeoutMs: number, user: AbortSignal | undefined, timeout: AbortSignal): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge(url, maxBytes);
      }
      chunks.push(Buffer.from(value));
    }
  } catch (err) {
    if (err instanceof SamizdatError) throw err;
    throw networkError(err, url, timeoutMs, user, timeout);
  }
  return Buffer.concat(chunks);
}

export function tooLarge(what: string, maxBytes: number, file?: string): InputError {
  return new InputError('INGEST_TOO_LARGE', `${what} is larger than the limit of ${formatBytes(maxBytes)}`, {
    ...(file ? { file } : {}),
    hint: 'Raise the limit with --max-size if this really is one article or feed.',
  });
}

function networkError(err: unknown, url: string, timeoutMs: number, user: AbortSignal | undefined, timeout: AbortSignal): SamizdatError {
  if (user?.aborted) return new AbortedError('ingest', { cause: err });
  if (timeout.aborted) {
    return new SamizdatError('INGEST_TIMEOUT', `could not fetch ${url}: no complete answer within ${timeoutMs / 1000} s`, {
      retryable: true,
      cause: err,
      hint: 'The server is slow or unreachable from here; try again, or raise --timeout.',
    });
  }
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code === 'ECONNREFUSED' ? 'the connection was refused'
    : cause?.code === 'ENOTFOUND' ? 'the host name does not resolve'
    : cause?.code === 'ECONNRESET' ? 'the connection was reset'
    : cause?.message ?? (err as Error).message;
  return new SamizdatError('INGEST_UNREACHABLE', `could not fetch ${url}: ${why}`, {
    retryable: true,
    cause: err,
    hint: 'Check the address and your connection (a blocked site may need a VPN or Tor), then try again.',
  });
}

function safeUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
