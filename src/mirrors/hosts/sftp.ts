/**
 * `sftp` mirror host: any SSH server with the SFTP subsystem (OpenSSH's internal-sftp, hosting
 * panels, a VPS). Key authentication only; the server's host key must match a pinned
 * "SHA256:…" fingerprint (no trust on first use). Uploads go to a temporary name in the target
 * folder and are renamed into place (posix-rename@openssh.com where offered), so readers never
 * see half a file.
 *
 * The connection is made through ssh2-sftp-client; file operations use its underlying ssh2
 * SFTP channel directly, because they run concurrently and each needs its own deadline.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import type { SFTPWrapper, Stats } from 'ssh2';
import type SftpClient from 'ssh2-sftp-client';
import * as z from 'zod';
import { AbortedError, InputError, SamizdatError } from '../../errors.ts';
import { withDeadline } from '../deadline.ts';
import { liveness } from './liveness.ts';
import { localSourceSize } from './local-source.ts';
import { secretFromEnv } from '../env.ts';
import { HostAuthError, HostError, HostKeyMismatchError, HostNotFoundError, HostTimeoutError, HostUnreachableError } from '../errors.ts';
import type { HostCallOptions, MirrorHost, PutSource, RemoteFile } from '../host.ts';
import { assertRemotePath } from '../paths.ts';
import { defineFilesHostType, type TypedMirrorConfig } from '../host-type.ts';
import { lazyLibrary } from './library.ts';
import { redactSecrets } from './redact.ts';
import { fingerprintOfKeyBlob } from './sftp/ssh-util.ts';
import { downloadPipelined } from './sftp/download.ts';
import { uploadPipelined } from './sftp/upload.ts';

// Imported on the first connection, so commands that never open one do not load ssh2.
const loadSftp = lazyLibrary('ssh2-sftp-client', () => import('ssh2-sftp-client'));

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the NAME of an environment variable');

export const sftpSchema = z.object({
  host: z.string().min(1).describe('SSH server name or address.'),
  port: z.number().int().min(1).max(65535).default(22).describe('SSH port.'),
  username: z.string().min(1).describe('Login name on the server.'),
  path: z.string().min(1).describe('Folder on the server that becomes the mirror root (absolute, or relative to the login folder).'),
  hostKeyFingerprint: z
    .string()
    .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'must be "SHA256:…" exactly as `ssh-keygen -lf` prints it')
    .describe('Pinned fingerprint of the server host key; connections to any other key are refused. Get it out of band with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the server.'),
  privateKeyEnv: envName.optional().describe('Environment variable holding the private key text (OpenSSH or PEM).'),
  privateKeyFileEnv: envName.optional().describe('Environment variable holding the path of the private key file.'),
  passphraseEnv: envName.optional().describe('Environment variable holding the private key passphrase, if it has one.'),
});

export type SftpConfig = TypedMirrorConfig<typeof sftpSchema>;

/** Temporary upload names: hidden from list(), removed when an upload fails. */
const TEMP_PREFIX = '.samizdat-tmp-';
/** A temporary file untouched this long is a leftover of a crashed upload; list() removes it. */
export const STALE_TEMP_MS = 24 * 60 * 60 * 1000;

// SFTP status codes (draft-ietf-secsh-filexfer-02).
const SFTP_NO_SUCH_FILE = 2;
const SFTP_PERMISSION_DENIED = 3;

interface Session {
  client: SftpClient;
  sftp: SFTPWrapper;
  alive: boolean;
}

export class SftpHost implements MirrorHost {
  readonly type = 'sftp';
  readonly capabilities = { listHash: 'none', atomicPut: true, transactional: false } as const;
  readonly name: string;
  private readonly config: SftpConfig;
  private readonly privateKey: string | undefined;
  private readonly privateKeyFile: string | undefined;
  private readonly passphrase: string | undefined;
  private session: Promise<Session> | undefined;
  /** Folders known to exist on the server in this session (shared by concurrent puts). */
  private folders = new Map<string, Promise<void>>();

  constructor(config: SftpConfig, env: Readonly<Record<string, string | undefined>>) {
    this.name = config.name;
    this.config = config;
    if ((config.privateKeyEnv === undefined) === (config.privateKeyFileEnv === undefined)) {
      throw new InputError('CONFIG_INVALID', `mirror ${config.name}: give exactly one of privateKeyEnv and privateKeyFileEnv`, {
        file: config.file,
        hint: 'privateKeyEnv names a variable holding the key itself; privateKeyFileEnv names one holding its path.',
      });
    }
    if (config.privateKeyEnv) this.privateKey = secretFromEnv(env, config.name, 'privateKeyEnv', config.privateKeyEnv, config.file);
    if (config.privateKeyFileEnv) this.privateKeyFile = secretFromEnv(env, config.name, 'privateKeyFileEnv', config.privateKeyFileEnv, config.file);
    if (config.passphraseEnv) this.passphrase = secretFromEnv(env, config.name, 'passphraseEnv', config.passphraseEnv, config.file);
  }

  async connect(options: HostCallOptions = {}): Promise<void> {
    await withDeadline(this.name, 'connecting', this.config.timeoutMs, options.signal, (signal) => this.open(signal));
  }

  async list(options: HostCallOptions = {}): Promise<RemoteFile[]> {
    return this.guard('listing the files', options, async (signal, touch) => {
      const { sftp } = await this.open(signal);
      const limit = pLimit(Math.max(2, this.config.concurrency * 2));
      const files: RemoteFile[] = [];
      const stale: string[] = [];
      const walk = async (rel: string): Promise<void> => {
        const entries = await limit(() => readdir(sftp, this.remote(rel)));
        touch();
        if (entries === undefined) return; // the root does not exist yet
        const subfolders: Promise<void>[] = [];
        for (const entry of entries) {
          if (entry.filename === '.' || entry.filename === '..') continue;
          const child = rel ? `${rel}/${entry.filename}` : entry.filename;
          if (entry.filename.startsWith(TEMP_PREFIX)) {
            if (entry.attrs.mtime * 1000 < Date.now() - STALE_TEMP_MS) stale.push(this.remote(child));
            continue;
          }
          if (entry.attrs.isDirectory()) subfolders.push(walk(child));
          else if (entry.attrs.isFile()) files.push({ path: child, size: entry.attrs.size });
        }
        await Promise.all(subfolders);
      };
      await walk('');
      // Leftovers of uploads cut off by a crash or a killed connection: nobody is writing them any more.
      await Promise.all(stale.map((file) => limit(() => new Promise<void>((resolve) => sftp.unlink(file, () => resolve())))));
      return files;
    });
  }

  async read(remotePath: string, options: HostCallOptions = {}): Promise<Uint8Array> {
    assertRemotePath(this.name, remotePath);
    return this.guard(`reading ${remotePath}`, options, async (signal, touch) => {
      const { sftp } = await this.open(signal);
      try {
        return await downloadPipelined(sftp, this.remote(remotePath), signal, touch);
      } catch (err) {
        if (sftpCode(err) === SFTP_NO_SUCH_FILE) throw new HostNotFoundError(this.name, remotePath, { cause: err });
        throw err;
      }
    });
  }

  async put(remotePath: string, source: PutSource, options: HostCallOptions = {}): Promise<void> {
    assertRemotePath(this.name, remotePath);
    await this.guard(`uploading ${remotePath}`, options, async (signal, touch) => {
      await localSourceSize(this.name, source.localPath);
      const { sftp } = await this.open(signal);
      const target = this.remote(remotePath);
      const folder = path.posix.dirname(target);
      await this.mkdirp(sftp, folder);
      touch();
      const temp = path.posix.join(folder, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
      try {
        await uploadPipelined(sftp, source.localPath, temp, signal, (bytes, total) => {
          touch();
          options.onProgress?.({ type: 'transfer', path: remotePath, bytes, total });
        });
        touch();
        await rename(sftp, temp, target);
      } catch (err) {
        // Never leave the temporary file behind; do not wait for a server that may be gone.
        sftp.unlink(temp, () => {});
        throw err;
      }
    }, false);
  }

  async delete(remotePath: string, options: HostCallOptions = {}): Promise<void> {
    assertRemotePath(this.name, remotePath);
    await this.guard(`deleting ${remotePath}`, options, async (signal) => {
      const { sftp } = await this.open(signal);
      await new Promise<void>((resolve, reject) =>
        sftp.unlink(this.remote(remotePath), (err) => (err && sftpCode(err) !== SFTP_NO_SUCH_FILE ? reject(err) : resolve())),
      );
    });
  }

  async close(): Promise<void> {
    const pending = this.session;
    this.session = undefined;
    this.folders.clear();
    if (!pending) return;
    try {
      const session = await pending;
      await endQuietly(session);
    } catch {
      // a failed connect leaves nothing to close
    }
  }

  private remote(rel: string): string {
    return rel ? path.posix.join(this.config.path, rel) : this.config.path;
  }

  /** Runs one operation with the mirror's deadline; turns whatever it throws into a typed error. */
  /** Runs one operation under the mirror's idle deadline; `live` passes signs of life to onProgress (not for uploads, which report bytes). */
  private async guard<T>(what: string, options: HostCallOptions, work: (signal: AbortSignal, touch: () => void) => Promise<T>, live = true): Promise<T> {
    try {
      return await withDeadline(this.name, what, this.config.timeoutMs, options.signal, (signal, touch) => work(signal, live ? liveness(touch, options) : touch));
    } catch (err) {
      // A server that stopped answering leaves the channel stuck: start afresh next time.
      if (err instanceof HostTimeoutError) this.drop();
      throw this.typed(err, what);
    }
  }

  private drop(): void {
    const pending = this.session;
    this.session = undefined;
    this.folders.clear();
    pending?.then((s) => endQuietly(s)).catch(() => {});
  }

  /** The live session, opening one if there is none (also after the server went away). */
  private open(signal: AbortSignal): Promise<Session> {
    if (this.session) {
      const current = this.session;
      return current.then((s) => {
        if (s.alive) return s;
        if (this.session === current) this.session = undefined;
        return this.open(signal);
      });
    }
    const opening = this.handshake(signal);
    this.session = opening;
    opening.catch(() => {
      if (this.session === opening) this.session = undefined;
    });
    return opening;
  }

  private async handshake(signal: AbortSignal): Promise<Session> {
    const { default: SftpClient } = await loadSftp(this.name);
    // Cancelled (or timed out) while the library loaded: do not connect at all.
    if (signal.aborted) throw signal.reason instanceof SamizdatError ? signal.reason : new AbortedError('connection');
    const client = new SftpClient(this.name, { error: () => {}, end: () => {}, close: () => {} });
    let seenFingerprint: string | undefined;
    const pinned = this.config.hostKeyFingerprint;
    const session: Session = { client, sftp: undefined as unknown as SFTPWrapper, alive: true };
    client.on('close', () => (session.alive = false));
    client.on('end', () => (session.alive = false));
    const onAbort = () => void endQuietly(session);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      session.sftp = await client.connect({
        host: this.config.host,
        port: this.config.port,
        username: this.config.username,
        privateKey: this.privateKey ?? (await readFile(this.privateKeyFile!)),
        passphrase: this.passphrase,
        readyTimeout: this.config.timeoutMs,
        keepaliveInterval: Math.max(1000, Math.floor(this.config.timeoutMs / 3)),
        keepaliveCountMax: 3,
        // The host key blob arrives raw; compare its SHA-256 exactly as ssh-keygen -lf prints it.
        hostVerifier: (key: Buffer) => {
          seenFingerprint = fingerprintOfKeyBlob(key);
          return seenFingerprint === pinned;
        },
      });
      return session;
    } catch (err) {
      await endQuietly(session);
      if (seenFingerprint !== undefined && seenFingerprint !== pinned) throw new HostKeyMismatchError(this.name, pinned, seenFingerprint);
      if (signal.aborted) throw signal.reason instanceof SamizdatError ? signal.reason : new AbortedError('connection');
      throw this.typed(err, 'connecting');
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** mkdir -p, remembering what exists; concurrent puts into one folder share the work. */
  private mkdirp(sftp: SFTPWrapper, folder: string): Promise<void> {
    if (folder === '.' || folder === '/' || folder === '') return Promise.resolve();
    let made = this.folders.get(folder);
    if (!made) {
      // mkdir first: on a first push nearly every folder is new, so this is one round trip
      // instead of stat + mkdir. Only when it fails do we look at why.
      made = mkdir(sftp, folder).catch(async (err: unknown) => {
        if (sftpCode(err) === SFTP_NO_SUCH_FILE) {
          await this.mkdirp(sftp, path.posix.dirname(folder));
          return mkdir(sftp, folder).catch(async (again: unknown) => {
            if (!(await stat(sftp, folder))?.isDirectory()) throw again;
          });
        }
        // Already there (or made meanwhile by a concurrent put): fine if it is a folder.
        if (!(await stat(sftp, folder))?.isDirectory()) throw err;
      });
      made.catch(() => this.folders.delete(folder));
      this.folders.set(folder, made);
    }
    return made;
  }

  /** Whatever was thrown, as a typed HostError (or AbortedError) without any secret in it. */
  private typed(err: unknown, what: string): Error {
    if (err instanceof SamizdatError) return err;
    const secrets = [this.privateKey, this.passphrase].filter((s): s is string => !!s);
    const e = err as { message?: string; code?: unknown; level?: string };
    const original = String(e?.message ?? err);
    const message = redactSecrets(original, secrets);
    // Keep the original as cause unless a library put a secret into its message.
    const cause = message === original ? err : Object.assign(new Error(message), { code: e?.code });
    if (e?.level === 'client-authentication' || /authentication methods failed/i.test(message)) {
      return new HostAuthError(this.name, `the server refused the key for user ${this.config.username}`, { cause });
    }
    if (/Cannot parse privateKey|Encrypted private OpenSSH key detected|bad passphrase|no passphrase given/i.test(message)) {
      return new HostAuthError(this.name, `the private key could not be used: ${message}`, {
        cause,
        hint: `Check the key in ${this.config.privateKeyEnv ?? this.config.privateKeyFileEnv} (and passphraseEnv if it is encrypted).`,
      });
    }
    if (e?.level === 'client-timeout' || /Timed out while waiting for handshake/i.test(message)) {
      return new HostTimeoutError(this.name, what, this.config.timeoutMs, { cause });
    }
    if (sftpCode(err) === SFTP_PERMISSION_DENIED) {
      return new HostError('HOST_PERMISSION', this.name, `${what} was refused: permission denied`, {
        cause,
        hint: `Check that ${this.config.username} may write to ${this.config.path} on ${this.config.host}.`,
      });
    }
    if (
      e?.level === 'client-socket' ||
      /ECONNREFUSED|ECONNRESET|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|No response from server|Not connected|No SFTP connection|channel|closed/i.test(
        `${String(e?.code ?? '')} ${message}`,
      )
    ) {
      this.drop();
      return new HostUnreachableError(this.name, `${what} failed: the connection to ${this.config.host}:${this.config.port} broke (${message})`, { cause });
    }
    return new HostError('HOST_SFTP', this.name, `${what} failed: ${message}`, { cause, retryable: false });
  }
}

function sftpCode(err: unknown): unknown {
  return (err as { code?: unknown } | undefined)?.code;
}

async function endQuietly(session: Session): Promise<void> {
  session.alive = false;
  try {
    await Promise.race([session.client.end(), new Promise((r) => setTimeout(r, 1000).unref())]);
  } catch {
    // already closed
  }
}

function readdir(sftp: SFTPWrapper, dir: string): Promise<{ filename: string; attrs: Stats }[] | undefined> {
  return new Promise((resolve, reject) =>
    sftp.readdir(dir, (err, list) => {
      if (err) return sftpCode(err) === SFTP_NO_SUCH_FILE ? resolve(undefined) : reject(err);
      resolve(list);
    }),
  );
}

function mkdir(sftp: SFTPWrapper, folder: string): Promise<void> {
  return new Promise((resolve, reject) => sftp.mkdir(folder, (err) => (err ? reject(err) : resolve())));
}

function stat(sftp: SFTPWrapper, target: string): Promise<Stats | undefined> {
  return new Promise((resolve, reject) =>
    sftp.stat(target, (err, stats) => {
      if (err) return sftpCode(err) === SFTP_NO_SUCH_FILE ? resolve(undefined) : reject(err);
      resolve(stats);
    }),
  );
}

/** Atomic replace with posix-rename@openssh.com; plain SFTP rename refuses an existing target. */
function rename(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null | undefined) => (err ? reject(err) : resolve());
    try {
      sftp.ext_openssh_rename(from, to, done);
    } catch {
      // Not offered by this server: remove the old file first (a short window without it).
      sftp.unlink(to, () => sftp.rename(from, to, done));
    }
  });
}

export const sftpHostType = defineFilesHostType({
  summary: 'An SSH server with SFTP: key login, pinned host key, uploads renamed into place.',
  schema: sftpSchema,
  create: (config, { env }) => new SftpHost(config, env),
});
