/**
 * `git` mirror host: GitHub Pages, GitLab Pages, Codeberg Pages, or any git remote a static
 * host deploys from. The git CLI keeps a local clone with a work tree under
 * `.samizdat/git/<name>/`; put() and delete() change that work tree only, and commit() turns
 * the whole bundle into ONE commit on the configured branch and pushes it (forced: a pages
 * branch is an output). Until commit() nothing changes on the remote: capabilities.transactional.
 *
 * - HTTPS with a token: the token goes to git as an `http.extraHeader` through GIT_CONFIG_*
 *   variables of the child process, never into a URL, .git/config, a message or an error.
 * - ssh: a known_hosts file with the pinned host key and StrictHostKeyChecking=yes (no trust
 *   on first use), the key from an environment variable written to a private temp file.
 * - Commits are reproducible: fixed author and committer, and the date of the publication
 *   (mirror-manifest.json), not the clock.
 * - list() fetches the remote branch and lists its tree (`git ls-tree -r -l`), so it shows what
 *   readers see; read() takes a file from the branch as last fetched or pushed (connect(),
 *   list() or commit()), so a push costs three round trips: connect, list, push.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as z from 'zod';
import { InputError, SamizdatError } from '../../errors.ts';
import { withDeadline } from '../deadline.ts';
import { liveness } from './liveness.ts';
import { isLoopbackUrl } from './loopback.ts';
import { localSourceSize } from './local-source.ts';
import { secretFromEnv, type MirrorEnv } from '../env.ts';
import { HostError, HostNotFoundError } from '../errors.ts';
import type { HostCallOptions, MirrorHost, PutSource, RemoteFile } from '../host.ts';
import { defineFilesHostType, type TypedMirrorConfig } from '../host-type.ts';
import { assertRemotePath } from '../paths.ts';
import { MANIFEST_FILE } from '../../manifest/types.ts';
import { parseGitRemote, type GitRemote } from './git/remote.ts';
import { gitCause, gitHostError } from './git/errors.ts';
import { GitCommandError, runGit } from './git/run.ts';

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the NAME of an environment variable');

export const gitSchema = z.object({
  remote: z
    .string()
    .min(1)
    .refine((r) => typeof parseGitRemote(r) !== 'string', { error: (issue) => `the remote ${String(parseGitRemote(String(issue.input)))}` })
    .describe('Git remote: https://host/owner/repo.git (token in tokenEnv), ssh://git@host/owner/repo.git or git@host:owner/repo.git.'),
  branch: z
    .string()
    .regex(/^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*\.lock$)[A-Za-z0-9._/-]+(?<![/.])$/, 'must be a plain git branch name')
    .default('gh-pages')
    .describe('Branch the pages host publishes from (GitHub: gh-pages or as set; Codeberg: pages). It is force-pushed.'),
  tokenEnv: envName.optional().describe('HTTPS: environment variable holding the access token (GitHub/GitLab/Codeberg personal or project token).'),
  tokenUsername: z
    .string()
    .min(1)
    .default('x-access-token')
    .describe('HTTPS: user name sent with the token (GitHub: x-access-token, GitLab: oauth2, Codeberg: your user name).'),
  sshKeyEnv: envName.optional().describe('ssh: environment variable holding the private key text.'),
  sshKeyFileEnv: envName.optional().describe('ssh: environment variable holding the path of the private key file.'),
  sshHostKey: z
    .string()
    .regex(/^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) [A-Za-z0-9+/]+={0,2}$/, 'must be "TYPE BASE64", e.g. "ssh-ed25519 AAAAC3…" as in known_hosts')
    .optional()
    .describe("ssh: the server's public host key (as in known_hosts, without the host name); required for ssh remotes."),
  cname: z
    .string()
    .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, 'must be a domain name like news.example.org')
    .optional()
    .describe('Custom domain written to a CNAME file at the root (GitHub and Codeberg Pages read it).'),
  nojekyll: z.boolean().default(true).describe('Add an empty .nojekyll so GitHub Pages serves files and folders starting with "_" as they are.'),
  authorName: z.string().min(1).default('samizdat').describe('Author and committer name of the commits.'),
  authorEmail: z.string().min(3).default('samizdat@users.noreply.invalid').describe('Author and committer email of the commits.'),
  workDir: z.string().min(1).optional().describe('Local clone; default .samizdat/git/<mirror name>/ in the project root.'),
});

export type GitConfig = TypedMirrorConfig<typeof gitSchema>;

/** Where upload temp files go: inside .git, on the same disk as the work tree, never committed. */
const STAGING = 'samizdat-staging';
/** Written into .git of every clone samizdat makes; only such a work tree is ever reset or cleaned. */
const OWNER_MARK = 'samizdat-mirror';
/** The remote branch as last fetched or pushed. */
const REMOTE_REF_PREFIX = 'refs/remotes/mirror/';

export class GitHost implements MirrorHost {
  readonly type = 'git';
  readonly capabilities = { listHash: 'none', atomicPut: true, transactional: true } as const;
  readonly name: string;
  private readonly config: GitConfig;
  private readonly remote: GitRemote;
  private readonly workTree: string;
  private readonly gitDir: string;
  private readonly remoteRef: string;
  private readonly token: string | undefined;
  private readonly sshKey: string | undefined;
  private readonly sshKeyFile: string | undefined;
  private readonly secrets: string[] = [];
  /** Private temp folder: HOME for git, and for ssh the key copy and known_hosts. */
  private scratch: string | undefined;
  private env: NodeJS.ProcessEnv | undefined;
  private connected = false;
  /** Set once the work tree was reset to the remote branch; staged changes live until commit(). */
  private workTreeReady = false;
  /** Git commands that touch refs, the index or the work tree run one at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(config: GitConfig, env: MirrorEnv) {
    this.name = config.name;
    this.config = config;
    const remote = parseGitRemote(config.remote);
    if (typeof remote === 'string') throw new InputError('CONFIG_INVALID', `mirror ${config.name}: remote: the remote ${remote}`, { file: config.file });
    this.remote = remote;
    const problem = (message: string) => new InputError('CONFIG_INVALID', `mirror ${config.name}: ${message}`, { file: config.file });
    if (remote.transport === 'ssh') {
      if (!config.sshHostKey) throw problem('sshHostKey is required for an ssh remote: the host key is pinned, never trusted on first use');
      if ((config.sshKeyEnv === undefined) === (config.sshKeyFileEnv === undefined)) throw problem('give exactly one of sshKeyEnv and sshKeyFileEnv for an ssh remote');
      if (config.tokenEnv) throw problem('tokenEnv is for https remotes; an ssh remote uses sshKeyEnv');
    } else {
      if (config.sshKeyEnv || config.sshKeyFileEnv || config.sshHostKey) throw problem('sshKeyEnv, sshKeyFileEnv and sshHostKey are for ssh remotes');
      if (config.tokenEnv && remote.transport !== 'https' && remote.transport !== 'http') throw problem('tokenEnv needs an https remote');
    }
    if (config.tokenEnv && remote.transport === 'http' && !isLoopbackUrl(config.remote)) {
      throw problem('remote: http:// would send the token in clear; use https://');
    }
    if (config.tokenEnv) this.token = secretFromEnv(env, config.name, 'tokenEnv', config.tokenEnv, config.file);
    if (config.sshKeyEnv) this.sshKey = secretFromEnv(env, config.name, 'sshKeyEnv', config.sshKeyEnv, config.file);
    if (config.sshKeyFileEnv) this.sshKeyFile = secretFromEnv(env, config.name, 'sshKeyFileEnv', config.sshKeyFileEnv, config.file);
    if (this.token) this.secrets.push(this.token, this.basicAuth());
    if (this.sshKey) this.secrets.push(this.sshKey);
    const projectRoot = path.dirname(path.dirname(path.resolve(config.file)));
    this.workTree = path.resolve(projectRoot, config.workDir ?? path.join('.samizdat', 'git', config.name));
    this.gitDir = path.join(this.workTree, '.git');
    this.remoteRef = `${REMOTE_REF_PREFIX}${config.branch}`;
  }

  async connect(options: HostCallOptions = {}): Promise<void> {
    await this.guard('connecting', options, (signal, touch) => this.open(signal, touch));
  }

  async list(options: HostCallOptions = {}): Promise<RemoteFile[]> {
    return this.guard('listing the files', options, async (signal, touch) => {
      await this.open(signal, touch);
      return this.exclusive(async () => {
        const tip = await this.fetch(signal, touch);
        if (!tip) return [];
        const out = (await this.git(['ls-tree', '-r', '-l', '-z', tip], signal, touch)).stdout.toString('utf8');
        const hidden = new Set([...(this.config.nojekyll ? ['.nojekyll'] : []), ...(this.config.cname ? ['CNAME'] : [])]);
        const files: RemoteFile[] = [];
        for (const record of out.split('\0')) {
          // "<mode> SP <type> SP <object> SP+ <size> TAB <path>"
          const m = /^(\d+) (\w+) [0-9a-f]+ +(\d+|-)\t([\s\S]+)$/.exec(record);
          if (!m || m[2] !== 'blob' || m[1] === '120000' || hidden.has(m[4]!)) continue;
          files.push({ path: m[4]!, size: Number(m[3]) });
        }
        return files;
      });
    });
  }

  async read(remotePath: string, options: HostCallOptions = {}): Promise<Uint8Array> {
    this.checkPath(remotePath);
    return this.guard(`reading ${remotePath}`, options, async (signal, touch) => {
      await this.open(signal, touch);
      return this.exclusive(async () => {
        const tip = await this.knownTip(signal);
        if (!tip) throw new HostNotFoundError(this.name, remotePath);
        try {
          return new Uint8Array((await this.git(['cat-file', 'blob', `${tip}:${remotePath}`], signal, touch)).stdout);
        } catch (err) {
          if (err instanceof GitCommandError) throw new HostNotFoundError(this.name, remotePath, { cause: gitCause(err, this.secrets) });
          throw err;
        }
      });
    });
  }

  async put(remotePath: string, source: PutSource, options: HostCallOptions = {}): Promise<void> {
    this.checkPath(remotePath);
    await this.guard(`staging ${remotePath}`, options, async (signal, touch) => {
      const total = await localSourceSize(this.name, source.localPath);
      await this.open(signal, touch);
      const target = path.join(this.workTree, ...remotePath.split('/'));
      const staging = path.join(this.gitDir, STAGING);
      await mkdir(staging, { recursive: true });
      await mkdir(path.dirname(target), { recursive: true });
      const temp = path.join(staging, randomBytes(8).toString('hex'));
      let copied = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          copied += chunk.length;
          touch();
          options.onProgress?.({ type: 'transfer', path: remotePath, bytes: copied, total });
          callback(null, chunk);
        },
      });
      try {
        await pipeline(createReadStream(source.localPath), counter, createWriteStream(temp), { signal });
        await rename(temp, target);
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
    }, false);
  }

  async delete(remotePath: string, options: HostCallOptions = {}): Promise<void> {
    this.checkPath(remotePath);
    await this.guard(`deleting ${remotePath}`, options, async (signal, touch) => {
      await this.open(signal, touch);
      // Empty folders left behind are not tracked by git and vanish at the next connect.
      await rm(path.join(this.workTree, ...remotePath.split('/')), { force: true });
    });
  }

  /**
   * One commit of the whole work tree on top of the remote branch, pushed with --force.
   * Does nothing when the remote branch already has exactly this tree.
   */
  async commit(message: string, options: HostCallOptions = {}): Promise<void> {
    await this.guard('committing and pushing', options, async (signal, touch) => {
      await this.open(signal, touch);
      await this.exclusive(async () => {
        if (this.config.nojekyll) await writeFile(path.join(this.workTree, '.nojekyll'), '');
        if (this.config.cname) await writeFile(path.join(this.workTree, 'CNAME'), `${this.config.cname}\n`);
        await this.git(['add', '--all', '--force', '.'], signal, touch);
        const tree = (await this.git(['write-tree'], signal, touch)).stdout.toString().trim();
        // The tip as of connect()/list(): a force push replaces whatever came since.
        const tip = await this.knownTip(signal);
        if (tip && (await this.git(['rev-parse', `${tip}^{tree}`], signal, touch)).stdout.toString().trim() === tree) return;
        const date = `@${await this.commitDate(tip, signal)} +0000`;
        const commit = (
          await this.git(['commit-tree', tree, ...(tip ? ['-p', tip] : []), '-F', '-'], signal, touch, {
            input: message.endsWith('\n') ? message : `${message}\n`,
            env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
          })
        ).stdout
          .toString()
          .trim();
        await this.git(['push', '--force', '--progress', '--no-verify', this.config.remote, `${commit}:refs/heads/${this.config.branch}`], signal, touch);
        await this.git(['update-ref', this.remoteRef, commit], signal, touch);
        await this.git(['update-ref', `refs/heads/${this.config.branch}`, commit], signal, touch);
      });
    });
  }

  async close(): Promise<void> {
    this.connected = false;
    this.env = undefined;
    const scratch = this.scratch;
    this.scratch = undefined;
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }

  private basicAuth(): string {
    return Buffer.from(`${this.config.tokenUsername}:${this.token}`).toString('base64');
  }

  /** Refuses what assertRemotePath refuses, and any ".git" segment (git's own folder). */
  private checkPath(remotePath: string): void {
    assertRemotePath(this.name, remotePath);
    if (remotePath.split('/').some((s) => s.toLowerCase() === '.git')) {
      throw new SamizdatError('MIRROR_BAD_PATH', `mirror ${this.name}: refusing the path ${JSON.stringify(remotePath)}: git cannot store a ".git" folder`, {
        hint: 'Rename the file or folder in the bundle.',
      });
    }
  }

  /** Sets up the scratch folder and the clone, fetches the branch and (first time only) makes the work tree match it. */
  private async open(signal: AbortSignal, touch: () => void): Promise<void> {
    if (this.connected) return;
    await this.exclusive(async () => {
      if (this.connected) return;
      await this.prepareEnv();
      await this.claimWorkTree();
      let fresh = false;
      try {
        await stat(path.join(this.gitDir, 'HEAD'));
      } catch {
        fresh = true;
      }
      if (fresh) {
        await this.git(['init', '-q'], signal, touch);
        await writeFile(path.join(this.gitDir, OWNER_MARK), 'This clone belongs to a samizdat git mirror: its work tree is reset and cleaned on every push.\n');
        await this.git(['symbolic-ref', 'HEAD', `refs/heads/${this.config.branch}`], signal, touch);
        for (const [key, value] of [
          ['core.autocrlf', 'false'],
          ['gc.autoDetach', 'false'],
          ['core.hooksPath', path.join(this.gitDir, 'no-hooks')],
        ] as const) {
          await this.git(['config', key, value], signal, touch);
        }
      }
      const tip = await this.fetch(signal, touch);
      // Only the first connect of this host starts the work tree afresh from the remote branch.
      // A reconnect (push reopens the host after a failed commit or a dropped server) keeps what
      // was staged since, so the retried commit still publishes it.
      if (!this.workTreeReady) {
        await rm(path.join(this.gitDir, STAGING), { recursive: true, force: true });
        if (tip) {
          await this.git(['reset', '-q', '--hard', tip], signal, touch);
        } else {
          await this.git(['read-tree', '--empty'], signal, touch);
          await this.git(['update-ref', '-d', `refs/heads/${this.config.branch}`], signal, touch);
        }
        await this.git(['clean', '-q', '-ffdx'], signal, touch);
        this.workTreeReady = true;
      }
      this.connected = true;
    });
  }

  /**
   * The work tree is reset and cleaned (`git clean -ffdx`) on connect, so it must be a folder
   * samizdat made: a new or empty one, or one holding its mark. Anything else (a workDir set to
   * the project, a home folder, someone's clone) is refused rather than wiped.
   */
  private async claimWorkTree(): Promise<void> {
    const refuse = (why: string) =>
      new HostError('GIT_WORKDIR_NOT_OURS', this.name, `refusing to use ${this.workTree} as the local clone: ${why}`, {
        retryable: false,
        hint: 'Point workDir at a new folder (the default is .samizdat/git/<mirror name>/), or empty it.',
      });
    const projectRoot = path.dirname(path.dirname(path.resolve(this.config.file)));
    if (this.workTree === projectRoot || projectRoot.startsWith(`${this.workTree}${path.sep}`)) throw refuse('it holds the project itself');
    await mkdir(this.workTree, { recursive: true });
    const entries = await readdir(this.workTree);
    if (entries.length === 0) return;
    try {
      await stat(path.join(this.gitDir, OWNER_MARK));
    } catch {
      throw refuse('it already holds files that samizdat did not put there, and connecting would delete them');
    }
  }

  private async prepareEnv(): Promise<void> {
    if (this.env) return;
    this.scratch = await mkdtemp(path.join(os.tmpdir(), 'samizdat-git-'));
    await chmod(this.scratch, 0o700);
    const config: [string, string][] = [['credential.helper', '']];
    if (this.token) config.push(['http.extraHeader', `Authorization: Basic ${this.basicAuth()}`]);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: this.scratch,
      LC_ALL: 'C',
      GIT_DIR: this.gitDir,
      GIT_WORK_TREE: this.workTree,
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: this.config.authorName,
      GIT_AUTHOR_EMAIL: this.config.authorEmail,
      GIT_COMMITTER_NAME: this.config.authorName,
      GIT_COMMITTER_EMAIL: this.config.authorEmail,
      GIT_CONFIG_COUNT: String(config.length),
    };
    config.forEach(([key, value], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = key;
      env[`GIT_CONFIG_VALUE_${i}`] = value;
    });
    if (this.remote.transport === 'ssh') {
      const knownHosts = path.join(this.scratch, 'known_hosts');
      await writeFile(knownHosts, `${this.remote.knownHostsName} ${this.config.sshHostKey}\n`, { mode: 0o600 });
      let keyFile = this.sshKeyFile!;
      if (this.sshKey) {
        keyFile = path.join(this.scratch, 'key');
        await writeFile(keyFile, this.sshKey.endsWith('\n') ? this.sshKey : `${this.sshKey}\n`, { mode: 0o600 });
      }
      const seconds = Math.max(1, Math.ceil(this.config.timeoutMs / 1000));
      env.GIT_SSH_COMMAND = [
        'ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes',
        `-o IdentityFile=${shellQuote(keyFile)}`,
        `-o UserKnownHostsFile=${shellQuote(knownHosts)} -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes`,
        `-o ConnectTimeout=${seconds} -o ServerAliveInterval=${seconds} -o ServerAliveCountMax=2`,
      ].join(' ');
    }
    this.env = env;
  }

  /** Fetches the branch into the remote-tracking ref; its commit, or undefined when the branch does not exist yet. */
  private async fetch(signal: AbortSignal, touch: () => void): Promise<string | undefined> {
    try {
      await this.git(['fetch', '--progress', '--no-tags', '--depth=1', this.config.remote, `+refs/heads/${this.config.branch}:${this.remoteRef}`], signal, touch);
    } catch (err) {
      if (!(err instanceof GitCommandError && /couldn't find remote ref/i.test(err.stderr))) throw err;
      await this.git(['update-ref', '-d', this.remoteRef], signal, touch);
      return undefined;
    }
    return (await this.git(['rev-parse', '--verify', `${this.remoteRef}^{commit}`], signal, touch)).stdout.toString().trim();
  }

  /** The remote branch's commit as last fetched or pushed (no network), or undefined. */
  private async knownTip(signal: AbortSignal): Promise<string | undefined> {
    const out = await runGit(['rev-parse', '--verify', '--quiet', `${this.remoteRef}^{commit}`], { env: this.env!, cwd: this.workTree, signal, okCodes: [1] });
    return out.code === 0 ? out.stdout.toString().trim() : undefined;
  }

  /** Unix seconds for the commit: the publication's date, else the parent's, else 0 (never the clock). */
  private async commitDate(parent: string | undefined, signal: AbortSignal): Promise<number> {
    try {
      const manifest = JSON.parse(await readFile(path.join(this.workTree, MANIFEST_FILE), 'utf8')) as { publication?: { date?: unknown } };
      const ms = Date.parse(String(manifest.publication?.date));
      if (Number.isFinite(ms)) return Math.floor(ms / 1000);
    } catch {
      // no manifest in this bundle (tests, hand-made bundles)
    }
    if (parent) return Number((await this.git(['show', '-s', '--format=%ct', parent], signal)).stdout.toString().trim());
    return 0;
  }

  /** Runs git in the work tree. Commands that never talk to the server keep the idle timer alive while they run. */
  private async git(args: string[], signal: AbortSignal, touch?: () => void, extra: { input?: string; env?: NodeJS.ProcessEnv } = {}) {
    const networked = args[0] === 'fetch' || args[0] === 'push';
    const keepAlive = !networked && touch ? setInterval(touch, 200) : undefined;
    try {
      return await runGit(args, { env: { ...this.env, ...extra.env }, cwd: this.workTree, signal, touch, input: extra.input });
    } finally {
      clearInterval(keepAlive);
    }
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => {});
    return run;
  }

  /** Runs one operation under the mirror's idle deadline; `live` passes signs of life to onProgress (not for uploads, which report bytes). */
  private async guard<T>(what: string, options: HostCallOptions, work: (signal: AbortSignal, touch: () => void) => Promise<T>, live = true): Promise<T> {
    try {
      return await withDeadline(this.name, what, this.config.timeoutMs, options.signal, (signal, touch) => work(signal, live ? liveness(touch, options) : touch));
    } catch (err) {
      throw this.typed(err, what);
    }
  }

  private typed(err: unknown, what: string): Error {
    return gitHostError(err, {
      host: this.name,
      what,
      secrets: this.secrets,
      transport: this.remote.transport,
      branch: this.config.branch,
      workTree: this.workTree,
      sshHostKey: this.config.sshHostKey,
      credentialVariable: this.config.tokenEnv ?? this.config.sshKeyEnv ?? this.config.sshKeyFileEnv,
    });
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export const gitHostType = defineFilesHostType({
  summary: 'GitHub, GitLab or Codeberg Pages: one commit per publication, pushed to a pages branch over HTTPS (token) or ssh (pinned host key).',
  schema: gitSchema,
  create: (config, { env }) => new GitHost(config, env),
});
