/** The WebDAV conformance fixture and secret test, shared by webdav-lighttpd and webdav-nginx. */
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

/** Wrong passwords must never show up in errors (shared with webdav-nginx.test.ts). */
export function describeWebdavSecrets(start: () => Promise<DavTestServer>): void {
  describe('webdav: secrets', () => {
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
  });
}

