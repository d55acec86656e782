import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostAuthError } from '../../src/mirrors/errors.ts';
import type { GitHost } from '../../src/mirrors/hosts/git.ts';
import { makeBareRepo, readRemoteBranch } from '../support/servers/git.ts';
import { startSshd, type SshdServer } from '../support/servers/sshd.ts';
import { describeMirrorHost } from './conformance.ts';
import { cleanupGitFixtures, gitHost, transportOnlySkips, transactionalSkips } from './git-fixture.ts';
import { expectNoSecret } from './no-secret.ts';

const SSH_TIMEOUT_MS = 15_000;
const sshHost = (sshd: SshdServer, repo: string, over: { key?: string; hostKey?: string; name?: string } = {}) =>
  gitHost(
    { remote: `ssh://${sshd.user}@127.0.0.1:${sshd.port}${repo}`, sshKeyEnv: 'DEPLOY_KEY', sshHostKey: over.hostKey ?? sshd.hostPublicKey, timeoutMs: SSH_TIMEOUT_MS },
    { DEPLOY_KEY: over.key ?? sshd.userKey },
    over.name ?? 'pages',
  );

describeMirrorHost<{ host: GitHost; sshd: SshdServer }>({
  name: 'git (over ssh to OpenSSH sshd, pinned host key)',
  async setup() {
    const sshd = await startSshd();
    const repo = await makeBareRepo(path.join(sshd.dir, 'site.git'));
    return {
      sshd,
      host: sshHost(sshd, repo),
      timeoutMs: SSH_TIMEOUT_MS,
      withBadCredentials: () => sshHost(sshd, repo, { key: sshd.strangerKey, name: 'bad' }),
      withWrongHostKey: () => sshHost(sshd, repo, { hostKey: sshd.otherHostPublicKey, name: 'wrongkey' }),
      observer: () => sshHost(sshd, repo, { name: 'observer' }),
    };
  },
  teardown: async ({ sshd }) => sshd.stop(),
  // Staging, naming and paths are the same code whatever the transport and run against git
  // daemon; here the point is the ssh transport: round trips, authentication, host-key
  // pinning, and what a second clone sees.
  skip: {
    ...transactionalSkips,
    ...transportOnlySkips,
    large: 'git-daemon and git-http push the large file; over ssh the same pack protocol runs, kept short here',
  },
});

describe('git over ssh: the deploy key stays secret', () => {
  let sshd: SshdServer;
  let repo: string;
  beforeAll(async () => {
    sshd = await startSshd();
    repo = await makeBareRepo(path.join(sshd.dir, 'site.git'));
  });
  afterAll(async () => sshd?.stop());

  it('refuses a stranger key and an unreadable key without showing either', async () => {
    for (const key of [sshd.strangerKey, '-----BEGIN OPENSSH PRIVATE KEY-----\nS3cretDeployKeyMaterial-0123456789abcdef\n-----END OPENSSH PRIVATE KEY-----\n']) {
      const host = sshHost(sshd, repo, { key, name: 'leaky' });
      const err = await host.connect().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HostAuthError);
      expectNoSecret(err, key);
      await host.close();
    }
  });

  it('pushes with the pinned key and a deploy key', async () => {
    const host = sshHost(sshd, repo, { name: 'deploy' });
    await host.connect();
    await host.commit('first');
    expect([...(await readRemoteBranch(repo, 'pages'))!.files.keys()]).toEqual(['.nojekyll']);
    await host.close();
  });
});

afterAll(cleanupGitFixtures);
