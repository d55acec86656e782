/**
 * `webdav` mirror host: any WebDAV server (Nextcloud, ownCloud, Apache mod_dav, lighttpd,
 * nginx dav-ext, many hosting panels). Written for the strictest of them:
 * - folders are created (MKCOL, one level at a time) before any file goes into them, because
 *   strict servers answer 409 to a PUT into a missing folder;
 * - listing walks folder by folder with Depth: 1: many servers refuse Depth: infinity (nginx,
 *   Apache's default), and lighttpd, which allows it, answered a tree of 300 files with 176
 *   entries when measured: an incomplete listing is worse than a slow one;
 * - folder URLs always end in "/", which nginx requires;
 * - a file is uploaded to a temporary name in its folder and MOVEd over the target
 *   (Overwrite: T), so readers see the old file or the new one, never a part.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import path from 'node:path';
import { Transform } from 'node:stream';
import pLimit from 'p-limit';
import type { WebDAVClient, WebDAVClientOptions } from 'webdav';
import * as z from 'zod';
import { InputError, SamizdatError } from '../../errors.ts';
import { withDeadline } from '../deadline.ts';
import { liveness } from './liveness.ts';
import { isLoopbackUrl } from './loopback.ts';
import { localSourceSize } from './local-source.ts';
import type { DavEntry } from './webdav/multistatus.ts';
import { secretFromEnv } from '../env.ts';
import { HostAuthError, HostError, HostNotFoundError, HostTimeoutError, HostUnreachableError } from '../errors.ts';
import type { HostCallOptions, MirrorHost, PutSource, RemoteFile } from '../host.ts';
import { defineFilesHostType, type TypedMirrorConfig } from '../host-type.ts';
import { assertRemotePath } from '../paths.ts';
import { lazyLibrary } from './library.ts';
import { redactSecrets } from './redact.ts';

// Imported on first use (0.14 s with the XML parsers), so commands that never talk WebDAV do not load them.
const loadWebdav = lazyLibrary('webdav', () => import('webdav'));
const loadMultistatus = lazyLibrary('htmlparser2', () => import('./webdav/multistatus.ts'));

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the NAME of an environment variable');

export const webdavSchema = z.object({
  endpoint: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// address' })
    .refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), 'must not contain credentials: give username and passwordEnv')
    .describe('WebDAV address of the server folder, e.g. https://cloud.example.org/remote.php/dav/files/me/ (no credentials in it).'),
  path: z.string().default('').describe('Folder under the endpoint that becomes the mirror root ("" for the endpoint itself).'),
  username: z.string().min(1).optional().describe('Login name (or give usernameEnv).'),
  usernameEnv: envName.optional().describe('Environment variable holding the login name.'),
  passwordEnv: envName.describe('Environment variable holding the password or app token.'),
  allowInsecureHttp: z
    .boolean()
    .default(false)
    .describe('Allow an http:// endpoint on a host other than this machine (the password then crosses the network in clear).'),
  atomicMove: z
    .boolean()
    .default(true)
    .describe('Upload to a temporary name, then MOVE over the target (true); false PUTs directly, for servers without MOVE.'),
});

export type WebdavConfig = TypedMirrorConfig<typeof webdavSchema>;

/** Temporary upload names: hidden from list(), removed when an upload fails. */
const TEMP_PREFIX = '.samizdat-tmp-';
/** A temporary file untouched this long is a leftover of a crashed upload; list() removes it. */
const STALE_TEMP_MS = 24 * 60 * 60 * 1000;
/** PROPFINDs in flight while walking folders (reads are cheap; rclone checks 8 at once too). */
const LIST_PARALLEL = 8;

interface DavError {
  status?: number;
  code?: string;
  type?: string;
  message?: string;
}

export class WebdavHost implements MirrorHost {
  readonly type = 'webdav';
  readonly capabilities;
  readonly name: string;
  private readonly config: WebdavConfig;
  private readonly clientOptions: WebDAVClientOptions;
  private davClient: Promise<WebDAVClient> | undefined;
  private readonly secrets: string[];
  private readonly agent: HttpAgent;
  /** Root-relative folders known to exist ("" is the root), shared by concurrent puts. */
  private folders = new Map<string, Promise<void>>();

  constructor(config: WebdavConfig, env: Readonly<Record<string, string | undefined>>) {
    this.name = config.name;
    this.config = config;
    this.capabilities = { listHash: 'none', atomicPut: config.atomicMove, transactional: false } as const;
    if ((config.username === undefined) === (config.usernameEnv === undefined)) {
      throw new InputError('CONFIG_INVALID', `mirror ${config.name}: give exactly one of username and usernameEnv`, { file: config.file });
    }
    if (config.endpoint.startsWith('http:') && !isLoopbackUrl(config.endpoint) && !config.allowInsecureHttp) {
      throw new InputError('CONFIG_INVALID', `mirror ${config.name}: endpoint: http:// would send the password in clear; use https://`, {
        file: config.file,
        hint: 'Set allowInsecureHttp: true only for a server on a network you trust.',
      });
    }
    const username = config.username ?? secretFromEnv(env, config.name, 'usernameEnv', config.usernameEnv!, config.file);
    const password = secretFromEnv(env, config.name, 'passwordEnv', config.passwordEnv, config.file);
    this.secrets = [password, Buffer.from(`${username}:${password}`).toString('base64')];
    const https = config.endpoint.startsWith('https:');
    this.agent = https
      ? new HttpsAgent({ keepAlive: true, maxSockets: Math.max(config.concurrency, LIST_PARALLEL) + 2 })
      : new HttpAgent({ keepAlive: true, maxSockets: Math.max(config.concurrency, LIST_PARALLEL) + 2 });
    this.clientOptions = { username, password, ...(https ? { httpsAgent: this.agent } : { httpAgent: this.agent }) };
  }

  /** The webdav client, made on the first request (that is when the library is imported). */
  private client(): Promise<WebDAVClient> {
    if (!this.davClient) {
      const making = loadWebdav(this.name).then(({ createClient }) => createClient(this.config.endpoint, this.clientOptions));
      this.davClient = making;
      making.catch(() => {
        if (this.davClient === making) this.davClient = undefined;
      });
    }
    return this.davClient;
  }

  async connect(options: HostCallOptions = {}): Promise<void> {
    // A PROPFIND of the endpoint proves the address, the credentials and that it speaks WebDAV.
    await this.guard('connecting', options, async (signal) => {
      await (await this.client()).stat('/', { signal });
    });
  }

  async list(options: HostCallOptions = {}): Promise<RemoteFile[]> {
    return this.guard('listing the files', options, (signal, touch) => this.walk(signal, touch));
  }

  /** Folder by folder with Depth: 1, several folders at once. */
  private async walk(signal: AbortSignal, touch: () => void): Promise<RemoteFile[]> {
    const [client, { decodeHrefPath, parseMultistatus, PROPFIND_BODY }] = await Promise.all([this.client(), loadMultistatus(this.name)]);
    const limit = pLimit(LIST_PARALLEL);
    const files: RemoteFile[] = [];
    const stale: string[] = [];
    const endpointPath = decodeHrefPath(this.config.endpoint, this.config.endpoint);
    const walk = async (rel: string): Promise<void> => {
      let entries: DavEntry[];
      try {
        entries = await limit(async () => {
          const response = await client.customRequest(this.folderUrl(rel), {
            method: 'PROPFIND',
            headers: { Depth: '1', 'Content-Type': 'application/xml; charset=utf-8' },
            data: PROPFIND_BODY,
            signal,
          });
          return parseMultistatus(await response.text(), this.config.endpoint);
        });
      } catch (err) {
        if ((err as DavError).status === 404) return; // the root does not exist yet
        throw err;
      }
      touch();
      const self = `${endpointPath}${this.fileUrl(rel)}`.replace(/\/+$/, '');
      const subfolders: Promise<void>[] = [];
      for (const entry of entries) {
        // Only direct children: the folder itself comes back too.
        const slash = entry.path.lastIndexOf('/');
        if (entry.path === self || entry.path.slice(0, slash) !== self) continue;
        const name = entry.path.slice(slash + 1);
        const child = rel ? `${rel}/${name}` : name;
        if (name.startsWith(TEMP_PREFIX)) {
          if (!entry.folder && entry.modified < Date.now() - STALE_TEMP_MS) stale.push(child);
          continue;
        }
        if (entry.folder) subfolders.push(walk(child));
        else files.push({ path: child, size: entry.size });
      }
      await Promise.all(subfolders);
    };
    await walk('');
    // Leftovers of uploads cut off by a crash or a killed connection: nobody is writing them any more.
    await Promise.all(stale.map((file) => limit(() => client.deleteFile(this.fileUrl(file), { signal }).catch(() => {}))));
    return files;
  }

  async read(remotePath: string, options: HostCallOptions = {}): Promise<Uint8Array> {
    assertRemotePath(this.name, remotePath);
    return this.guard(`reading ${remotePath}`, options, async (signal) => {
      try {
        const data = await (await this.client()).getFileContents(this.fileUrl(remotePath), { signal, format: 'binary' });
        return new Uint8Array(data as ArrayBuffer | Buffer);
      } catch (err) {
        if ((err as DavError).status === 404) throw new HostNotFoundError(this.name, remotePath, { cause: this.clean(err) });
        throw err;
      }
    });
  }

  async put(remotePath: string, source: PutSource, options: HostCallOptions = {}): Promise<void> {
    assertRemotePath(this.name, remotePath);
    await this.guard(`uploading ${remotePath}`, options, async (signal, touch) => {
      await localSourceSize(this.name, source.localPath);
      const client = await this.client();
      const folder = path.posix.dirname(remotePath);
      await this.mkdirp(folder === '.' ? '' : folder, signal);
      touch();
      const target = this.fileUrl(remotePath);
      const temp = this.config.atomicMove ? this.fileUrl(path.posix.join(folder, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`)) : target;
      let sent = 0;
      const file = createReadStream(source.localPath);
      const body = file.pipe(
        new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            sent += chunk.length;
            touch();
            options.onProgress?.({ type: 'transfer', path: remotePath, bytes: sent, total: source.size });
            callback(null, chunk);
          },
        }),
      );
      file.on('error', (err) => body.destroy(err));
      try {
        await client.putFileContents(temp, body, {
          signal,
          overwrite: true,
          headers: { 'Content-Length': String(source.size), 'Content-Type': source.contentType },
        });
        touch();
        if (temp !== target) await client.moveFile(temp, target, { signal, overwrite: true });
      } catch (err) {
        body.destroy();
        // Never leave the temporary file behind; do not wait for a server that may be gone.
        if (temp !== target) client.deleteFile(temp, { signal: AbortSignal.timeout(this.config.timeoutMs) }).catch(() => {});
        throw err;
      }
    }, false);
  }

  async delete(remotePath: string, options: HostCallOptions = {}): Promise<void> {
    assertRemotePath(this.name, remotePath);
    await this.guard(`deleting ${remotePath}`, options, async (signal) => {
      try {
        await (await this.client()).deleteFile(this.fileUrl(remotePath), { signal });
      } catch (err) {
        if ((err as DavError).status !== 404) throw err;
      }
    });
  }

  async close(): Promise<void> {
    this.folders.clear();
    this.agent.destroy();
  }

  /** Path of a file under the endpoint ("/"-led, not encoded: the client encodes). */
  private fileUrl(rel: string): string {
    return `/${[this.config.path.replace(/^\/+|\/+$/g, ''), rel].filter(Boolean).join('/')}`;
  }

  /** Path of a folder under the endpoint, always with the trailing slash nginx wants. */
  private folderUrl(rel: string): string {
    const p = this.fileUrl(rel);
    return p.endsWith('/') ? p : `${p}/`;
  }

  /** MKCOL each missing level from the top, remembering what exists (405 means it already did). */
  private mkdirp(rel: string, signal: AbortSignal): Promise<void> {
    let made = this.folders.get(rel);
    if (!made) {
      made = (async () => {
        if (rel === '') {
          // The root itself, and the configured path down to it.
          const parts = this.config.path.split('/').filter(Boolean);
          for (let i = 1; i <= parts.length; i++) await this.mkcol(`/${parts.slice(0, i).join('/')}/`, signal);
          return;
        }
        const parent = path.posix.dirname(rel);
        await this.mkdirp(parent === '.' ? '' : parent, signal);
        await this.mkcol(this.folderUrl(rel), signal);
      })();
      made.catch(() => this.folders.delete(rel));
      this.folders.set(rel, made);
    }
    return made;
  }

  private async mkcol(url: string, signal: AbortSignal): Promise<void> {
    try {
      await (await this.client()).createDirectory(url, { signal });
    } catch (err) {
      // 405: it exists already. Anything else is a real failure (a file in the way, no rights).
      if ((err as DavError).status !== 405) throw err;
    }
  }

  /** Runs one operation under the mirror's idle deadline; `live` passes signs of life to onProgress (not for uploads, which report bytes). */
  private async guard<T>(what: string, options: HostCallOptions, work: (signal: AbortSignal, touch: () => void) => Promise<T>, live = true): Promise<T> {
    try {
      return await withDeadline(this.name, what, this.config.timeoutMs, options.signal, (signal, touch) => work(signal, live ? liveness(touch, options) : touch));
    } catch (err) {
      throw this.typed(err, what);
    }
  }

  /** A plain Error with the message (secrets removed) and status, without the response object. */
  private clean(err: unknown): Error {
    const e = err as DavError;
    return Object.assign(new Error(redactSecrets(String(e?.message ?? err), this.secrets)), { status: e?.status, code: e?.code });
  }

  private typed(err: unknown, what: string): Error {
    if (err instanceof SamizdatError) return err;
    const e = err as DavError;
    const cause = this.clean(err);
    const where = `${this.config.endpoint}`;
    if (e?.status === 401 || e?.status === 403) {
      return new HostAuthError(this.name, `${where} answered ${e.status} to ${what}: the server refused the credentials`, { cause });
    }
    if (e?.status === 507) return new HostError('HOST_FULL', this.name, `${what} failed: the server is out of space (507)`, { cause, retryable: false });
    if (e?.status === 409) {
      return new HostError('HOST_CONFLICT', this.name, `${what} failed: the server answered 409 Conflict (a file where a folder should be?)`, { cause, retryable: false });
    }
    if (typeof e?.status === 'number') {
      return new HostError('HOST_HTTP', this.name, `${what} failed: ${where} answered ${e.status}`, { cause, retryable: e.status >= 500 || e.status === 429 });
    }
    if (e?.type === 'request-timeout') return new HostTimeoutError(this.name, what, this.config.timeoutMs, { cause });
    return new HostUnreachableError(this.name, `${what} failed: ${cause.message}`, { cause });
  }
}

export const webdavHostType = defineFilesHostType({
  summary: 'A WebDAV server (Nextcloud, Apache, lighttpd, nginx): folders created first, uploads MOVEd into place.',
  schema: webdavSchema,
  create: (config, { env }) => new WebdavHost(config, env),
});
