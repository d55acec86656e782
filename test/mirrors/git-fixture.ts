/** Builders shared by the git-daemon, git-http and git-ssh tests. */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GitHost, type GitConfig } from '../../src/mirrors/hosts/git.ts';

/** Generous: the git CLI starts several processes per operation, and CI machines get busy. */
export const GIT_TIMEOUT_MS = 15_000;
/** For hosts that a test stalls on purpose. */
export const STALL_TIMEOUT_MS = 3000;

const projects: string[] = [];
const hosts: GitHost[] = [];

/** Closes every host gitHost() made and removes their project folders (call in afterAll). */
export async function cleanupGitFixtures(): Promise<void> {
  await Promise.all(hosts.splice(0).map((h) => h.close().catch(() => {})));
  await Promise.all(projects.splice(0).map((p) => rm(p, { recursive: true, force: true })));
}

/** A complete git mirror config whose mirror file sits in a project folder of its own. */
export function gitConfig(over: Partial<GitConfig> & { remote: string }, name = 'pages'): GitConfig {
  const project = mkdtempSync(path.join(os.tmpdir(), 'samizdat-git-project-'));
  projects.push(project);
  return {
    name, file: path.join(project, 'mirrors', `${name}.json`), type: 'git', enabled: true, concurrency: 4, timeoutMs: GIT_TIMEOUT_MS,
    branch: 'pages', tokenUsername: 'x-access-token', nojekyll: true, authorName: 'samizdat', authorEmail: 'samizdat@users.noreply.invalid',
    ...over,
  } as GitConfig;
}

/** A host with its own project folder (it keeps its clone under <project>/.samizdat/git/<name>). */
export function gitHost(over: Partial<GitConfig> & { remote: string }, env: Record<string, string> = {}, name = 'pages'): GitHost {
  const host = new GitHost(gitConfig(over, name), env);
  hosts.push(host);
  return host;
}

export const transactionalSkips = {
  'stall-timeout':
    'put() only stages into the local work tree, so a stalled server cannot time it out; git-daemon.test.ts stalls the server during list, read and commit() instead',
  'killed-mid-put':
    'put() never talks to the server; git-daemon.test.ts kills the server in the middle of the push that commit() makes instead',
} as const;

/**
 * Cases that exercise only the local staging code, identical whatever the transport: they run
 * against git daemon; the HTTP and ssh files keep the cases where the transport matters.
 */
const SAME_AS_DAEMON = 'transport-independent (local staging and tree reading); runs in git-daemon.test.ts';
export const transportOnlySkips = {
  'zero-length': SAME_AS_DAEMON,
  'odd-names': SAME_AS_DAEMON,
  nested: SAME_AS_DAEMON,
  parallel: SAME_AS_DAEMON,
  'delete-missing': SAME_AS_DAEMON,
  'missing-source': SAME_AS_DAEMON,
  overwrite: SAME_AS_DAEMON,
  'bad-path': SAME_AS_DAEMON,
  progress: SAME_AS_DAEMON,
  'abort-midway': SAME_AS_DAEMON,
} as const;
