/**
 * Git remotes on 127.0.0.1 for the `git` mirror host (GitHub/GitLab/Codeberg Pages stand-ins).
 * Every remote is a bare repository with `receive.denyNonFastForwards false` (pages branches are
 * outputs and may be force-pushed) and `http.receivepack true`.
 *
 *   const daemon = await startGitDaemon();   // git daemon, anonymous push over git://  (~0.1 s)
 *   daemon.url                               // "git://127.0.0.1:PORT/site.git"
 *   const web = await startGitHttp();         // lighttpd + git-http-backend (CGI), basic auth: how
 *   web.url, web.username, web.password       //   real hosts are pushed to (HTTPS + token)
 *   server.repo                              // path of the bare repository on disk
 *   await server.stall() / resume() / kill() / restart() / stop()
 *   await readRemoteBranch(server.repo, 'pages')   // { commit, files: Map<path, content> } or undefined
 *
 * Git over ssh needs no extra server: `makeBareRepo(dir)` plus the sshd of sshd.ts, with
 * `ssh://USER@127.0.0.1:PORT/ABSOLUTE/PATH.git` as the remote.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, tempDir } from '../net.ts';
import { startLighttpd } from './lighttpd.ts';
import { startManaged, faultHooks } from './managed-process.ts';

const run = promisify(execFile);

/** A clean environment for git commands run by the tests themselves. */
export const testGitEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };

export interface GitTestServer {
  readonly port: number;
  /** Remote URL of the bare repository (no credentials in it). */
  readonly url: string;
  /** The bare repository on disk. */
  readonly repo: string;
  readonly dir: string;
  stall(): Promise<void>;
  resume(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface GitHttpTestServer extends GitTestServer {
  readonly username: string;
  readonly password: string;
}

/** `git init --bare` at `repoPath`, configured to accept force pushes over any transport. */
export async function makeBareRepo(repoPath: string): Promise<string> {
  await run('git', ['init', '-q', '--bare', repoPath], { env: testGitEnv });
  for (const [key, value] of [
    ['receive.denyNonFastForwards', 'false'],
    ['http.receivepack', 'true'],
    ['daemon.receivepack', 'true'],
  ]) {
    await run('git', ['--git-dir', repoPath, 'config', key!, value!], { env: testGitEnv });
  }
  return repoPath;
}

export async function startGitDaemon(): Promise<GitTestServer> {
  const { dir, cleanup } = await tempDir('samizdat-git-daemon-');
  const port = await freePort();
  const repo = await makeBareRepo(path.join(dir, 'site.git'));
  const proc = await startManaged({
    command: 'git',
    args: ['daemon', '--listen=127.0.0.1', `--port=${port}`, `--base-path=${dir}`, '--export-all', '--enable=receive-pack', '--reuseaddr', '--informative-errors', dir],
    port,
    logFile: path.join(dir, 'daemon.log'),
    env: testGitEnv,
  });
  return {
    port,
    url: `git://127.0.0.1:${port}/site.git`,
    repo,
    dir,
    ...faultHooks(proc, cleanup),
  };
}

export async function startGitHttp(): Promise<GitHttpTestServer> {
  let repo = '';
  const server = await startLighttpd({
    modules: ['mod_alias', 'mod_cgi', 'mod_setenv'],
    password: 'git-http-test-token',
    config: (dir) => {
      repo = path.join(dir, 'repos', 'site.git');
      mkdirSync(path.join(dir, 'empty'));
      return [
        `server.document-root = "${path.join(dir, 'empty')}"`,
        'alias.url = ( "/git" => "/usr/lib/git-core/git-http-backend" )',
        '$HTTP["url"] =~ "^/git" {',
        '  cgi.assign = ( "" => "" )',
        `  setenv.add-environment = ( "GIT_PROJECT_ROOT" => "${path.join(dir, 'repos')}", "GIT_HTTP_EXPORT_ALL" => "", "GIT_CONFIG_NOSYSTEM" => "1" )`,
        '}',
      ].join('\n');
    },
  });
  await makeBareRepo(repo);
  return Object.assign(server, { url: `${server.url}git/site.git`, repo });
}

/** The files on `branch` of a bare repository, read with git itself (for end-to-end checks). */
export async function readRemoteBranch(repo: string, branch: string): Promise<{ commit: string; files: Map<string, Buffer> } | undefined> {
  const git = (args: string[]) => run('git', ['--git-dir', repo, ...args], { env: testGitEnv, encoding: 'buffer', maxBuffer: 1 << 30 });
  let commit: string;
  try {
    commit = (await git(['rev-parse', '--verify', `refs/heads/${branch}^{commit}`])).stdout.toString().trim();
  } catch {
    return undefined;
  }
  const listing = (await git(['ls-tree', '-r', '-z', '--name-only', commit])).stdout.toString('utf8').split('\0').filter(Boolean);
  const files = new Map<string, Buffer>();
  for (const file of listing) files.set(file, (await git(['cat-file', 'blob', `${commit}:${file}`])).stdout);
  return { commit, files };
}
