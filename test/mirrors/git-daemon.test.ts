import { readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostError, HostTimeoutError } from '../../src/mirrors/errors.ts';
import { startGitDaemon, readRemoteBranch, type GitTestServer } from '../support/servers/git.ts';
import { describeMirrorHost } from './conformance.ts';
import { GitHost } from '../../src/mirrors/hosts/git.ts';
import { cleanupGitFixtures, gitConfig, gitHost, STALL_TIMEOUT_MS, transactionalSkips } from './git-fixture.ts';

describeMirrorHost<{ host: ReturnType<typeof gitHost>; server: GitTestServer }>({
  name: 'git (git daemon, git://)',
  async setup() {
    const server = await startGitDaemon();
    return {
      server,
      host: gitHost({ remote: server.url, timeoutMs: 5000 }),
      timeoutMs: 5000,
      observer: () => gitHost({ remote: server.url }, {}, 'observer'),
      // Ready for stall-timeout and killed-mid-put once the suite drives commit() for
      // transactional hosts (see transactionalSkips); the tests below cover them meanwhile.
      async stall() {
        await server.stall();
        return () => server.resume();
      },
      kill: () => server.kill(),
      restart: () => server.restart(),
    };
  },
  teardown: async ({ server }) => server.stop(),
  skip: {
    'bad-credentials': 'git daemon serves git:// anonymously; git-http and git-ssh cover refused credentials',
    'wrong-host-key': 'git:// has no host key; git-ssh covers the pinned ssh host key',
    ...transactionalSkips,
  },
});

const local = mkdtempSync(path.join(os.tmpdir(), 'samizdat-git-src-'));
async function source(name: string, content: string | Buffer) {
  const localPath = path.join(local, name.replace(/\//g, '_'));
  await writeFile(localPath, content);
  return { localPath, size: Buffer.byteLength(content), sha256: '', contentType: 'text/plain' };
}
const manifest = (date: string) => JSON.stringify({ format: 'samizdat-manifest/1', publication: { id: 'x', date }, files: [] });

describe('git host: pages specifics', () => {
  let a: GitTestServer;
  let b: GitTestServer;
  beforeAll(async () => ([a, b] = await Promise.all([startGitDaemon(), startGitDaemon()])));
  afterAll(async () => Promise.all([a?.stop(), b?.stop()]));

  it('makes one reproducible commit per publication, with .nojekyll and CNAME, dated by the manifest', async () => {
    const commits: string[] = [];
    for (const server of [a, b]) {
      const host = gitHost({ remote: server.url, cname: 'news.example.org' });
      await host.connect();
      await host.put('index.html', await source('index.html', '<p>hi</p>'));
      await host.put('mirror-manifest.json', await source('manifest', manifest('2026-06-02T10:00:00Z')));
      await host.commit('samizdat publication 2026-06-02');
      await host.close();
      const remote = await readRemoteBranch(server.repo, 'pages');
      expect([...remote!.files.keys()].sort()).toEqual(['.nojekyll', 'CNAME', 'index.html', 'mirror-manifest.json']);
      expect(remote!.files.get('CNAME')!.toString()).toBe('news.example.org\n');
      commits.push(remote!.commit);
    }
    expect(commits[0]).toBe(commits[1]);
    const host = gitHost({ remote: a.url, cname: 'news.example.org' });
    expect((await host.list()).map((f) => f.path).sort()).toEqual(['index.html', 'mirror-manifest.json']);
    // Nothing changed: no new commit.
    await host.commit('again');
    expect((await readRemoteBranch(a.repo, 'pages'))!.commit).toBe(commits[0]);
    await host.close();
  });

  it('pushes its whole work tree over a branch someone else rewrote meanwhile', async () => {
    const mine = gitHost({ remote: b.url }, {}, 'mine');
    await mine.connect();
    await mine.put('mine.txt', await source('mine', 'mine'));
    await mine.commit('mine');
    const theirs = gitHost({ remote: b.url }, {}, 'theirs');
    for (const file of await theirs.list()) await theirs.delete(file.path);
    await theirs.put('theirs.txt', await source('theirs', 'theirs'));
    await theirs.commit('theirs');
    await theirs.close();
    await mine.put('late.txt', await source('late', 'late'));
    await mine.commit('mine again');
    await mine.close();
    const remote = await readRemoteBranch(b.repo, 'pages');
    // The first test's files are still in mine's work tree (CNAME is a plain file to a host without cname).
    expect([...remote!.files.keys()].sort()).toEqual(['.nojekyll', 'CNAME', 'index.html', 'late.txt', 'mine.txt', 'mirror-manifest.json']);
  });

  it('times out when the server stalls during connect, list and commit, and pushes after it resumes', async () => {
    const host = gitHost({ remote: a.url, timeoutMs: STALL_TIMEOUT_MS });
    await host.connect();
    await host.put('stall.txt', await source('stall', 'during the stall'));
    const fresh = gitHost({ remote: a.url, timeoutMs: STALL_TIMEOUT_MS }, {}, 'fresh');
    await a.stall();
    try {
      for (const op of [() => fresh.connect(), () => host.list(), () => host.commit('during a stall')]) {
        const started = Date.now();
        const err = await op().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(HostTimeoutError);
        expect((err as HostTimeoutError).retryable).toBe(true);
        expect(Date.now() - started).toBeLessThan(STALL_TIMEOUT_MS * 2 + 2000);
      }
    } finally {
      await a.resume();
    }
    await Promise.all([host.close(), fresh.close()]);
    const after = gitHost({ remote: a.url }, {}, 'after');
    await after.connect();
    await after.put('stall.txt', await source('stall', 'during the stall'));
    await after.commit('after the stall');
    expect((await readRemoteBranch(a.repo, 'pages'))!.files.get('stall.txt')!.toString()).toBe('during the stall');
    await after.close();
  });

  it('a server killed in the middle of the push leaves the old branch; the next commit completes', async () => {
    const host = gitHost({ remote: a.url });
    await host.connect();
    await host.put('old.txt', await source('old', 'published before the crash'));
    await host.commit('before the crash');
    const before = await readRemoteBranch(a.repo, 'pages');
    await host.put('big.bin', await source('big', Buffer.alloc(8 * 1024 * 1024, 7)));
    await a.stall(); // the push starts and hangs mid-way
    const pushing = host.commit('killed').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 500));
    await a.kill();
    const err = await pushing;
    expect(err).toBeInstanceOf(HostError);
    expect((err as HostError).retryable).toBe(true);
    await a.restart();
    expect((await readRemoteBranch(a.repo, 'pages'))!.commit).toBe(before!.commit);
    // What push does before retrying: reopen the host. The staged file must survive that.
    await host.close();
    await host.connect();
    await host.commit('after the restart');
    expect((await readRemoteBranch(a.repo, 'pages'))!.files.get('big.bin')!.length).toBe(8 * 1024 * 1024);
    await host.close();
  });

  it('never resets or cleans a folder it did not make', async () => {
    const project = mkdtempSync(path.join(os.tmpdir(), 'samizdat-git-own-'));
    await writeFile(path.join(project, 'precious.txt'), 'the operator\'s work');
    for (const workDir of ['.', '..', project]) {
      const host = new GitHost(
        { ...gitConfig({ remote: a.url, workDir }), file: path.join(project, 'mirrors', 'pages.json') },
        {},
      );
      const err = await host.connect().catch((e: unknown) => e);
      expect((err as HostError).code).toBe('GIT_WORKDIR_NOT_OURS');
      await host.close();
    }
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'samizdat-git-busy-'));
    await writeFile(path.join(elsewhere, 'notes.md'), 'not a mirror');
    const busy = gitHost({ remote: a.url, workDir: elsewhere });
    expect(((await busy.connect().catch((e: unknown) => e)) as HostError).code).toBe('GIT_WORKDIR_NOT_OURS');
    expect(await readFile(path.join(elsewhere, 'notes.md'), 'utf8')).toBe('not a mirror');
    expect(await readFile(path.join(project, 'precious.txt'), 'utf8')).toBe("the operator's work");
    await busy.close();
    await Promise.all([project, elsewhere].map((dir) => rm(dir, { recursive: true, force: true })));
  });
});

afterAll(async () => {
  await cleanupGitFixtures();
  await rm(local, { recursive: true, force: true });
});
