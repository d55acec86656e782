import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostAuthError, HostTimeoutError } from '../../src/mirrors/errors.ts';
import { WebdavHost, type WebdavConfig } from '../../src/mirrors/hosts/webdav.ts';
import { startLighttpdDav } from '../support/servers/lighttpd.ts';
import type { DavTestServer } from '../support/servers/lighttpd.ts';
import { roundTrip } from './smoke.ts';

let dav: DavTestServer;
const hosts: WebdavHost[] = [];
function makeHost(over: Partial<WebdavConfig> = {}, password = dav.password): WebdavHost {
  const host = new WebdavHost(
    { name: 'test-dav', file: 'mirrors/test-dav.json', type: 'webdav', enabled: true, concurrency: 4, timeoutMs: 3000,
      endpoint: dav.url, path: 'www/site', username: dav.username, passwordEnv: 'PW', atomicMove: true, ...over } as WebdavConfig,
    { PW: password },
  );
  hosts.push(host);
  return host;
}
beforeAll(async () => { dav = await startLighttpdDav(); });
afterAll(async () => { await Promise.all(hosts.map((h) => h.close())); await dav?.stop(); });

describe('webdav host on lighttpd (smoke, until the conformance suite lands)', () => {
  it('round trip', async () => { await roundTrip(makeHost()); });
  it('wrong password', async () => { await expect(makeHost({}, 'nope-nope').connect()).rejects.toBeInstanceOf(HostAuthError); });
  it('stalled server times out', async () => {
    const host = makeHost();
    await host.connect();
    await dav.stall();
    try { await expect(host.list()).rejects.toBeInstanceOf(HostTimeoutError); } finally { await dav.resume(); }
    expect(await host.list()).toEqual([]);
  });
});
