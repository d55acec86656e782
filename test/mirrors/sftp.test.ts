import { existsSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { HostAuthError } from '../../src/mirrors/errors.ts';
import { SftpHost, type SftpConfig } from '../../src/mirrors/hosts/sftp.ts';
import { startSshd, type SshdServer } from '../support/servers/sshd.ts';
import { describeMirrorHost } from './conformance.ts';
import { expectNoSecret } from './no-secret.ts';

const TIMEOUT_MS = 2000;

function sftpHost(sshd: SshdServer, over: Partial<SftpConfig> = {}, env: Record<string, string> = { KEY: sshd.userKey }): SftpHost {
  return new SftpHost(
    {
      name: 'test-sftp', file: 'mirrors/test-sftp.json', type: 'sftp', enabled: true, concurrency: 4, timeoutMs: TIMEOUT_MS,
      host: '127.0.0.1', port: sshd.port, username: sshd.user, path: path.join(sshd.root, 'www'),
      hostKeyFingerprint: sshd.hostKeyFingerprint, privateKeyEnv: 'KEY', ...over,
    } as SftpConfig,
    env,
  );
}

describeMirrorHost<{ host: SftpHost; sshd: SshdServer }>({
  name: 'sftp (OpenSSH sshd)',
  async setup() {
    const sshd = await startSshd();
    return {
      sshd,
      host: sftpHost(sshd),
      timeoutMs: TIMEOUT_MS,
      withBadCredentials: () => sftpHost(sshd, {}, { KEY: sshd.strangerKey }),
      withWrongHostKey: () => sftpHost(sshd, { hostKeyFingerprint: sshd.otherHostKeyFingerprint }),
      async stall() {
        await sshd.stall();
        return () => sshd.resume();
      },
      kill: () => sshd.kill(),
      restart: () => sshd.restart(),
      observer: () => sftpHost(sshd),
    };
  },
  async teardown({ sshd }) {
    await sshd.stop();
  },
});

describe('sftp: beyond the suite', () => {
  let sshd: SshdServer;
  beforeAll(async () => (sshd = await startSshd()));
  afterAll(async () => sshd?.stop());

  it('never shows the private key or passphrase in errors', async () => {
    const refused = await sftpHost(sshd, {}, { KEY: sshd.strangerKey }).connect().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HostAuthError);
    expectNoSecret(refused, sshd.strangerKey);

    const garbage = '-----BEGIN OPENSSH PRIVATE KEY-----\nS3cr3tKeyMaterial-do-not-leak-0123456789abcdef\n-----END OPENSSH PRIVATE KEY-----\n';
    const unparsable = await sftpHost(sshd, {}, { KEY: garbage }).connect().catch((e: unknown) => e);
    expect(unparsable).toBeInstanceOf(HostAuthError);
    expectNoSecret(unparsable, garbage);

    const passphrase = 'correct horse battery staple 42';
    const withPass = await sftpHost(sshd, { passphraseEnv: 'PASS' }, { KEY: sshd.strangerKey, PASS: passphrase }).connect().catch((e: unknown) => e);
    expectNoSecret(withPass, passphrase);
  });

  it('names a missing variable (never a value) and needs exactly one key source', () => {
    expect(() => sftpHost(sshd, {}, {})).toThrow(InputError);
    expect(() => sftpHost(sshd, {}, {})).toThrow(/KEY/);
    expect(() => sftpHost(sshd, { privateKeyFileEnv: 'KEY_FILE' })).toThrow(/exactly one/);
  });

  it('reads the key from a file named by privateKeyFileEnv', async () => {
    const host = sftpHost(sshd, { privateKeyEnv: undefined, privateKeyFileEnv: 'KEY_FILE' }, { KEY_FILE: sshd.userKeyPath });
    await host.connect();
    expect(await host.list()).toEqual([]);
    await host.close();
  });

  it('removes temporary files a crashed upload left a day ago, and keeps fresh ones', async () => {
    const folder = path.join(sshd.root, 'www', 'a');
    await mkdir(folder, { recursive: true });
    const old = path.join(folder, '.samizdat-tmp-0123456789abcdef');
    const fresh = path.join(folder, '.samizdat-tmp-fedcba9876543210');
    await writeFile(old, 'half a file');
    await writeFile(fresh, 'being written right now');
    await writeFile(path.join(folder, 'page.html'), 'page');
    const dayAgo = new Date(Date.now() - 25 * 3600 * 1000);
    await utimes(old, dayAgo, dayAgo);
    const host = sftpHost(sshd);
    expect(await host.list()).toEqual([{ path: 'a/page.html', size: 4 }]);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    await host.close();
  });
});
