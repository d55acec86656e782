/**
 * Debian's headless Chromium, driven by playwright-core, for tests that look at the bundle the
 * way a reader's browser does. Everything stays on loopback: the resolver maps every host name
 * except 127.0.0.1 to "not found", so even a mistaken outside request cannot leave the machine
 * (it is still seen, and failed, by recordRequests); reader contexts also refuse IP addresses
 * other than loopback.
 *
 *   const chromium = await launchChromium();               // once per test file (~0.5 s)
 *   const reader = await chromium.readerContext();         // JavaScript off, like a careful reader
 *   const page = await reader.newPage();
 *   const log = recordRequests(page);                      // every request the page makes
 *   await page.goto(url);
 *   log.urls                                               // ["http://127.0.0.1:…/index.html", …]
 *   log.outside((u) => u.startsWith(prefix))               // the ones not accepted by the predicate
 *   const results = await chromium.axe(url);               // axe-core, with page scripts blocked
 *   await chromium.close();                                // ends the browser process it started
 *
 * axe-core (@axe-core/playwright) hangs forever on a JavaScript-disabled context, so axe() runs
 * in its own JavaScript-enabled context where every response gets a
 * `Content-Security-Policy: script-src 'none'` header (page scripts stay blocked; axe is injected
 * through the DevTools protocol, which CSP does not govern), always under a timeout. It works
 * for http:// URLs only (Playwright cannot rewrite file:// responses).
 */
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page, type Request } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The arguments Chromium needs on these machines (../shared/TEST-SERVERS.md). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export type AxeResults = Awaited<ReturnType<AxeBuilder['analyze']>>;

export interface TestChromium {
  browser: Browser;
  /** A fresh context with JavaScript disabled (the reader tests' browser). */
  readerContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** Runs axe-core on an http:// URL in a separate JavaScript-enabled context with page scripts blocked. */
  axe(url: string, options?: { timeoutMs?: number; tags?: string[] }): Promise<AxeResults>;
  close(): Promise<void>;
}

export interface RequestLog {
  /** Every request URL, in order (including ones that failed or were blocked). */
  readonly urls: string[];
  /** Requests that failed, with Chromium's reason (e.g. net::ERR_NAME_NOT_RESOLVED). */
  readonly failed: { url: string; error: string }[];
  /** The URLs `inside` does not accept. */
  outside(inside: (url: string) => boolean): string[];
  stop(): void;
}

/** Records every request a page (or every page of a context) makes, from now until stop(). */
export function recordRequests(target: Page | BrowserContext): RequestLog {
  const urls: string[] = [];
  const failed: { url: string; error: string }[] = [];
  const onRequest = (r: Request) => void urls.push(r.url());
  const onFailed = (r: Request) => void failed.push({ url: r.url(), error: r.failure()?.errorText ?? 'failed' });
  target.on('request', onRequest);
  target.on('requestfailed', onFailed);
  return {
    urls,
    failed,
    outside: (inside) => urls.filter((u) => !inside(u)),
    stop() {
      target.off('request', onRequest);
      target.off('requestfailed', onFailed);
    },
  };
}

/** Rejects after ms with a clear message; the caller cleans up what hangs. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function launchChromium(options: { args?: string[] } = {}): Promise<TestChromium> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...(options.args ?? [])] });
  return {
    browser,
    async readerContext(contextOptions = {}) {
      const context = await browser.newContext({ javaScriptEnabled: false, ...contextOptions });
      // Host names already resolve to nothing; this also stops IP literals other than loopback.
      await context.route((url) => /^(https?|wss?|ftp):$/.test(url.protocol) && !LOOPBACK.has(url.hostname), (route) => route.abort('blockedbyclient'));
      return context;
    },
    async axe(url, { timeoutMs = 30_000, tags } = {}) {
      if (!/^https?:/.test(url)) throw new Error(`axe(): ${url} is not an http(s) URL; serve the bundle first`);
      const context = await browser.newContext({ javaScriptEnabled: true });
      try {
        await context.route('**/*', async (route) => {
          if (!LOOPBACK.has(new URL(route.request().url()).hostname)) return route.abort('blockedbyclient');
          const response = await route.fetch();
          await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': "script-src 'none'" } });
        });
        const page = await context.newPage();
        await page.goto(url);
        const builder = new AxeBuilder({ page });
        if (tags) builder.withTags(tags);
        return await withTimeout(builder.analyze(), timeoutMs, `axe-core on ${url}`);
      } finally {
        await context.close().catch(() => {});
      }
    },
    async close() {
      await browser.close();
    },
  };
}
