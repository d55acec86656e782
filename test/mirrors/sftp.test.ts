import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostAuthError, HostKeyMismatchError, HostNotFoundError, HostTimeoutError } from '../../src/mirrors/errors.ts';
import { SftpHost, type SftpConfig } from '../../src/mirrors/hosts/sftp.ts';
import { startSshd, type SshdServer } from '../support/servers/sshd.ts';

let sshd: SshdServer;
let local: string;
const hosts: SftpHost[] = [];

function makeHost(over: Partial<SftpConfig> = {}, env: Record<string, string> = {}): SftpHost {
  const host = new SftpHost(
    {
      name: 'test-sftp', file: 'mirrors/test-sftp.json', type: 'sftp', enabled: true, concurrency: 4, timeoutMs: 3000,
      host: '127.0.0.1', port: sshd.port, username: sshd.user, path: path.join(sshd.root, 'site'),
      hostKeyFingerprint: sshd.hostKeyFingerprint, privateKeyEnv: 'KEY', ...over,
    } as SftpConfig,
    { KEY: sshd.userKey, ...env },
  );
  hosts.push(host);
  return host;
}

async function source(name: string, content: string | Buffer) {
  const localPath = path.join(local, name);
  await writeFile(localPath, content);
  return { localPath, size: Buffer.byteLength(content), sha256: '', contentType: 'text/plain' };
}

beforeAll(async () => {
  sshd = await startSshd();
  local = await mkdtemp(path.join(os.tmpdir(), 'samizdat-sftp-src-'));
});
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.close()));
  await sshd?.stop();
});

describe('sftp host (smoke, until the conformance suite lands)', () => {
  it('puts, lists, reads, overwrites and deletes nested files', async () => {
    const host = makeHost();
    await host.connect();
    expect(await host.list()).toEqual([]);
    await host.put('a/b/ünï cødé.txt', await source('one', 'hello'));
    await host.put('top.txt', await source('two', ''));
    expect((await host.list()).sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'a/b/ünï cødé.txt', size: 5 },
      { path: 'top.txt', size: 0 },
    ]);
    await host.put('a/b/ünï cødé.txt', await source('three', 'bye!!!'));
    expect(Buffer.from(await host.read('a/b/ünï cødé.txt')).toString()).toBe('bye!!!');
    await host.delete('a/b/ünï cødé.txt');
    await host.delete('a/b/ünï cødé.txt');
    await expect(host.read('a/b/ünï cødé.txt')).rejects.toBeInstanceOf(HostNotFoundError);
    expect(await host.list()).toEqual([{ path: 'top.txt', size: 0 }]);
  });

  it('refuses a wrong host key and a wrong user key with typed errors', async () => {
    await expect(makeHost({ hostKeyFingerprint: sshd.otherHostKeyFingerprint }).connect()).rejects.toBeInstanceOf(HostKeyMismatchError);
    await expect(makeHost({}, { KEY: sshd.strangerKey }).connect()).rejects.toBeInstanceOf(HostAuthError);
  });

  it('times out on a stalled server and works again after it resumes', async () => {
    const host = makeHost();
    await host.connect();
    await sshd.stall();
    try {
      const t0 = Date.now();
      await expect(host.list()).rejects.toBeInstanceOf(HostTimeoutError);
      expect(Date.now() - t0).toBeLessThan(6000);
    } finally {
      await sshd.resume();
    }
    expect(await host.list()).toEqual([{ path: 'top.txt', size: 0 }]);
  });
});
