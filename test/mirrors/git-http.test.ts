import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostAuthError } from '../../src/mirrors/errors.ts';
import type { GitHost } from '../../src/mirrors/hosts/git.ts';
import { startGitHttp, type GitHttpTestServer } from '../support/servers/git.ts';
import { describeMirrorHost } from './conformance.ts';
import { cleanupGitFixtures, GIT_TIMEOUT_MS, gitHost, transportOnlySkips, transactionalSkips } from './git-fixture.ts';
import { expectNoSecret } from './no-secret.ts';

const tokenHost = (server: GitHttpTestServer, token = server.password, name = 'pages') =>
  gitHost({ remote: server.url, tokenEnv: 'PAGES_TOKEN', tokenUsername: server.username }, { PAGES_TOKEN: token }, name);

describeMirrorHost<{ host: GitHost; server: GitHttpTestServer }>({
  name: 'git (smart HTTP: git-http-backend behind lighttpd, basic auth token)',
  async setup() {
    const server = await startGitHttp();
    return {
      server,
      host: tokenHost(server),
      timeoutMs: GIT_TIMEOUT_MS,
      withBadCredentials: () => tokenHost(server, 'not-the-token', 'bad'),
      observer: () => tokenHost(server, server.password, 'observer'),
    };
  },
  teardown: async ({ server }) => server.stop(),
  skip: {
    'wrong-host-key': 'HTTPS identity is TLS certificate checking, not a pinned ssh host key; git-ssh covers pinning',
    ...transactionalSkips,
    ...transportOnlySkips,
  },
});

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(path.join(entry.parentPath, entry.name));
  }
  return out;
}

describe('git over HTTPS: the token stays secret', () => {
  let server: GitHttpTestServer;
  beforeAll(async () => (server = await startGitHttp()));
  afterAll(async () => server?.stop());

  it('never puts the token in errors, URLs, .git/config or any file of the clone', async () => {
    const secret = 'ghp_S3cretT0kenNeverPrinted0123456789';
    const bad = tokenHost(server, secret, 'leaky');
    const err = await bad.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostAuthError);
    expectNoSecret(err, secret);
    expectNoSecret(err, Buffer.from(`${server.username}:${secret}`).toString('base64'));
    await bad.close();

    const good = tokenHost(server, server.password, 'good');
    await good.connect();
    await good.commit('empty publication');
    const workTree = (good as unknown as { workTree: string }).workTree;
    for (const file of await filesUnder(path.join(workTree, '.git'))) {
      const text = await readFile(file);
      expect(text.includes(server.password), `token in ${file}`).toBe(false);
      expect(text.includes(Buffer.from(`${server.username}:${server.password}`).toString('base64')), `auth header in ${file}`).toBe(false);
    }
    expect(await readFile(path.join(workTree, '.git', 'config'), 'utf8')).not.toMatch(/extraheader|@127\.0\.0\.1/i);
    await good.close();
  });
});

afterAll(cleanupGitFixtures);
