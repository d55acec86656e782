/** The WebDAV conformance fixture and secret test, shared by webdav-lighttpd and webdav-nginx. */
import { existsSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostAuthError } from '../../src/mirrors/errors.ts';
import { WebdavHost, type WebdavConfig } from '../../src/mirrors/hosts/webdav.ts';
import type { DavTestServer } from '../support/servers/lighttpd.ts';
import { expectNoSecret } from './no-secret.ts';

const TIMEOUT_MS = 2000;

export function webdavHost(dav: DavTestServer, over: Partial<WebdavConfig> = {}, password = dav.password): WebdavHost {
  return new WebdavHost(
    {
      name: 'test-dav', file: 'mirrors/test-dav.json', type: 'webdav', enabled: true, concurrency: 4, timeoutMs: TIMEOUT_MS,
      endpoint: dav.url, path: 'public/site', username: dav.username, passwordEnv: 'DAV_PASSWORD', atomicMove: true, ...over,
    } as WebdavConfig,
    { DAV_PASSWORD: password },
  );
}

/** The conformance fixture for a WebDAV test server (shared with webdav-nginx.test.ts). */
export async function webdavFixture(dav: DavTestServer) {
  return {
    dav,
    host: webdavHost(dav),
    timeoutMs: TIMEOUT_MS,
    withBadCredentials: () => webdavHost(dav, {}, 'not-the-password'),
    async stall() {
      await dav.stall();
      return () => dav.resume();
    },
    kill: () => dav.kill(),
    restart: () => dav.restart(),
    observer: () => webdavHost(dav),
  };
}

export const webdavSkips = {
  'wrong-host-key': 'WebDAV runs over HTTP(S): identity is TLS certificate checking, not a pinned SSH host key',
} as const;

/** Secrets in errors and leftovers of crashed uploads (shared with webdav-nginx.test.ts). */
export function describeWebdavExtras(start: () => Promise<DavTestServer>, options: { listsDotFiles: boolean }): void {
  describe('webdav: beyond the suite', () => {
    let dav: DavTestServer;
    beforeAll(async () => (dav = await start()));
    afterAll(async () => dav?.stop());
    it('never shows the password or the basic-auth header value in errors', async () => {
      const secret = 'S3cret-Pa55word-never-printed';
      const host = webdavHost(dav, {}, secret);
      const err = await host.connect().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HostAuthError);
      expectNoSecret(err, secret);
      expectNoSecret(err, Buffer.from(`${dav.username}:${secret}`).toString('base64'));
      const readErr = await host.read('index.html').catch((e: unknown) => e);
      expectNoSecret(readErr, secret);
      await host.close();
    });

    // nginx dav-ext leaves dot-files out of PROPFIND answers: its leftovers stay invisible instead.
    it.runIf(options.listsDotFiles)('removes temporary files a crashed upload left a day ago, and keeps fresh ones', async () => {
      const folder = path.join(dav.root, 'public', 'site', 'a');
      await mkdir(folder, { recursive: true });
      const old = path.join(folder, '.samizdat-tmp-0123456789abcdef');
      const fresh = path.join(folder, '.samizdat-tmp-fedcba9876543210');
      await writeFile(old, 'half a file');
      await writeFile(fresh, 'being written right now');
      await writeFile(path.join(folder, 'page.html'), 'page');
      const dayAgo = new Date(Date.now() - 25 * 3600 * 1000);
      await utimes(old, dayAgo, dayAgo);
      const host = webdavHost(dav);
      expect(await host.list()).toEqual([{ path: 'a/page.html', size: 4 }]);
      expect(existsSync(old)).toBe(false);
      expect(existsSync(fresh)).toBe(true);
      await host.close();
    });
  });
}
