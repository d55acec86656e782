/**
 * `s3`: any S3-compatible store (AWS, Cloudflare R2, Backblaze B2, DigitalOcean Spaces, Wasabi,
 * MinIO, Filebase, OpenStack Swift s3api) with @aws-sdk/client-s3 v3 and @aws-sdk/lib-storage.
 *
 * - put: lib-storage's Upload, one PutObject below `partSizeMiB`, a multipart upload above it;
 *   an object only appears when the PUT or CompleteMultipartUpload succeeds, so a failed or
 *   aborted put leaves the old object (atomicPut). Content-Type and Cache-Control per file.
 * - list: ListObjectsV2 under `prefix`; md5 from single-part ETags (multipart ETags are not MD5).
 * - Non-AWS endpoints get requestChecksumCalculation/responseChecksumValidation WHEN_REQUIRED
 *   (streamed uploads fail on many of them otherwise) and Content-MD5 on DeleteObjects.
 * - The SDK does not retry (maxAttempts 1): the push engine retries what is retryable, so a
 *   timeout here is honest. A socket idle for `timeoutMs` fails with HostTimeoutError.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { ListObjectsV2CommandOutput, S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { SamizdatError, throwIfAborted } from '../../errors.ts';
import { withDeadline } from '../deadline.ts';
import { envVarNameSchema, secretFromEnv } from '../env.ts';
import { HostAuthError, HostError, HostNotFoundError, HostTimeoutError, HostUnreachableError } from '../errors.ts';
import { defineFilesHostType } from '../host-type.ts';
import type { HostCallOptions, HostCapabilities, MirrorHost, PutSource, RemoteFile } from '../host.ts';
import { assertRemotePath, joinRemote } from '../paths.ts';
import { lazyLibrary } from './library.ts';

export const s3Schema = z.object({
  endpoint: z.url().optional().describe('S3 endpoint, e.g. https://<account>.r2.cloudflarestorage.com; leave out for AWS itself.'),
  region: z.string().min(1).default('us-east-1').describe('Region; R2 uses "auto", most others accept "us-east-1".'),
  bucket: z.string().min(3).max(63).describe('Bucket name; the bucket must exist (samizdat never creates buckets).'),
  prefix: z
    .string()
    .default('')
    .refine((p) => !p.startsWith('/') && !p.split('/').some((s) => s === '.' || s === '..'), 'a key prefix such as "site/", without a leading "/" or ".." segments')
    .describe('Key prefix inside the bucket, e.g. "site/"; empty puts the bundle at the bucket root.'),
  forcePathStyle: z.boolean().default(false).describe('Path-style URLs (endpoint/bucket/key): MinIO, Swift and most self-hosted stores need true.'),
  accessKeyIdEnv: envVarNameSchema,
  secretAccessKeyEnv: envVarNameSchema,
  sessionTokenEnv: envVarNameSchema.optional(),
  partSizeMiB: z.number().int().min(5).max(5120).default(8).describe('Files larger than this go up as a multipart upload in parts of this size.'),
  queueSize: z.number().int().min(1).max(16).default(4).describe('Parts of one multipart upload in flight at once.'),
  /** Read by `samizdat pin` (src/ipfs/remote/s3-car.ts), ignored by push. */
  importCar: z.boolean().default(false).describe('`samizdat pin` also uploads dist/<cid>.car here as <prefix><cid>.car with metadata import=car, so a store that imports CARs (Filebase) pins it; the CID the store reports must match.'),
});

export interface S3HostSettings {
  endpoint?: string;
  region: string;
  bucket: string;
  prefix?: string;
  forcePathStyle?: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  timeoutMs?: number;
  partSize?: number;
  queueSize?: number;
}

/** Endpoints that are not AWS's own need the checksum settings and Content-MD5 below. */
export function isAwsEndpoint(endpoint: string | undefined): boolean {
  if (endpoint === undefined) return true;
  return /(^|\.)amazonaws\.com(\.cn)?$/i.test(new URL(endpoint).hostname);
}

// The SDK is imported on first use (0.17 s), so commands that never talk to S3 do not load it.
type S3Sdk = typeof import('@aws-sdk/client-s3');
const loadS3 = lazyLibrary('@aws-sdk/client-s3', () => import('@aws-sdk/client-s3'));
const loadStorage = lazyLibrary('@aws-sdk/lib-storage', () => import('@aws-sdk/lib-storage'));

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);
const AUTH_NAMES = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'InvalidToken', 'ExpiredToken', 'InvalidSecurity']);

export class S3Host implements MirrorHost {
  readonly type = 's3';
  readonly capabilities: HostCapabilities = { listHash: 'md5', atomicPut: true, transactional: false };
  private client: S3Client | undefined;
  private readonly keyPrefix: string;
  private readonly timeoutMs: number;
  private readonly partSize: number;

  constructor(
    readonly name: string,
    private readonly settings: S3HostSettings,
  ) {
    this.keyPrefix = joinRemote(settings.prefix ?? '', '').replace(/\/?$/, '/').replace(/^\/$/, '');
    this.timeoutMs = settings.timeoutMs ?? 30_000;
    this.partSize = settings.partSize ?? 8 * 1024 * 1024;
  }

  async connect(options: HostCallOptions = {}): Promise<void> {
    // One cheap signed request checks the endpoint, the bucket and the credentials.
    await this.call('connect', options.signal, async (signal) => {
      const { client, sdk } = await this.s3();
      return client.send(new sdk.ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: this.keyPrefix, MaxKeys: 1 }), { abortSignal: signal });
    });
  }

  async list(options: HostCallOptions = {}): Promise<RemoteFile[]> {
    const files: RemoteFile[] = [];
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await this.call('listing', options.signal, async (signal) => {
        const { client, sdk } = await this.s3();
        return client.send(new sdk.ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: this.keyPrefix, ContinuationToken: token }), { abortSignal: signal });
      });
      for (const object of page.Contents ?? []) {
        const rel = object.Key?.slice(this.keyPrefix.length);
        if (!rel || rel.endsWith('/')) continue; // "folder" marker objects some tools create
        const file: RemoteFile = { path: rel, size: object.Size ?? 0 };
        const etag = object.ETag?.replace(/"/g, '').toLowerCase();
        if (etag && /^[0-9a-f]{32}$/.test(etag)) file.md5 = etag;
        files.push(file);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return files;
  }

  async read(remotePath: string, options: HostCallOptions = {}): Promise<Uint8Array> {
    const key = this.key(remotePath);
    return this.call(
      `read of ${remotePath}`,
      options.signal,
      async (signal, touch) => {
        const { client, sdk } = await this.s3();
        const result = await client.send(new sdk.GetObjectCommand({ Bucket: this.settings.bucket, Key: key }), { abortSignal: signal });
        const chunks: Uint8Array[] = [];
        for await (const chunk of result.Body as AsyncIterable<Uint8Array>) {
          touch();
          chunks.push(chunk);
        }
        return new Uint8Array(Buffer.concat(chunks));
      },
      remotePath,
    );
  }

  async put(remotePath: string, source: PutSource, options: HostCallOptions = {}): Promise<void> {
    const key = this.key(remotePath);
    // Backstop only: a stalled socket fails after timeoutMs on its own; a part may take
    // longer than that to send on a slow link, so allow it at 64 KiB/s.
    const backstopMs = this.timeoutMs + Math.ceil(this.partSize / 65_536) * 1000;
    await this.call(
      `upload of ${remotePath}`,
      options.signal,
      async (signal, touch) => {
        const [s3, { Upload }] = await Promise.all([this.s3(), loadStorage(this.name)]);
        const upload = new Upload({
          client: scopedClient(s3, signal, this.timeoutMs),
          params: {
            Bucket: this.settings.bucket,
            Key: key,
            Body: createReadStream(source.localPath),
            ContentLength: source.size,
            ContentType: source.contentType,
            ...(source.cacheControl ? { CacheControl: source.cacheControl } : {}),
          },
          partSize: this.partSize,
          queueSize: this.settings.queueSize ?? 4,
          leavePartsOnError: false,
        });
        upload.on('httpUploadProgress', (p) => {
          touch();
          options.onProgress?.({ type: 'transfer', path: remotePath, bytes: p.loaded ?? 0, total: source.size });
        });
        const stop = () => void upload.abort();
        signal.addEventListener('abort', stop, { once: true });
        try {
          await upload.done();
        } finally {
          signal.removeEventListener('abort', stop);
        }
      },
      undefined,
      backstopMs,
    );
  }

  async delete(remotePath: string, options: HostCallOptions = {}): Promise<void> {
    const key = this.key(remotePath);
    try {
      await this.call(`delete of ${remotePath}`, options.signal, async (signal) => {
        const { client, sdk } = await this.s3();
        return client.send(new sdk.DeleteObjectCommand({ Bucket: this.settings.bucket, Key: key }), { abortSignal: signal });
      });
    } catch (err) {
      if (err instanceof HostNotFoundError) return;
      throw err;
    }
  }

  /** Deletes many files with DeleteObjects, 1000 per request. Missing files are fine. */
  async deleteMany(remotePaths: string[], options: HostCallOptions = {}): Promise<void> {
    const keys = remotePaths.map((p) => this.key(p));
    throwIfAborted(options.signal, `delete on mirror ${this.name}`);
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const result = await this.call(`delete of ${batch.length} files`, options.signal, async (signal) => {
        const { client, sdk } = await this.s3();
        return client.send(new sdk.DeleteObjectsCommand({ Bucket: this.settings.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }), { abortSignal: signal });
      });
      const failed = (result.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length) {
        const first = failed[0]!;
        throw new HostError('HOST_DELETE_FAILED', this.name, `${failed.length} of ${batch.length} deletes failed, first ${first.Key?.slice(this.keyPrefix.length)}: ${first.Code} ${first.Message ?? ''}`.trim(), {
          retryable: failed.every((e) => e.Code === 'InternalError' || e.Code === 'SlowDown'),
        });
      }
    }
  }

  async close(): Promise<void> {
    this.client?.destroy();
    this.client = undefined;
  }

  /** The SDK and the client, loaded and made on the first request (also after close()). */
  private async s3(): Promise<{ client: S3Client; sdk: S3Sdk }> {
    const sdk = await loadS3(this.name);
    this.client ??= this.makeClient(sdk);
    return { client: this.client, sdk };
  }

  private makeClient(sdk: S3Sdk): S3Client {
    const { endpoint, region, forcePathStyle, credentials } = this.settings;
    const aws = isAwsEndpoint(endpoint);
    const client = new sdk.S3Client({
      ...(endpoint ? { endpoint } : {}),
      region,
      forcePathStyle: forcePathStyle ?? false,
      credentials,
      maxAttempts: 1,
      requestHandler: { connectionTimeout: this.timeoutMs, socketTimeout: this.timeoutMs },
      ...(aws ? {} : { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }),
    });
    if (!aws) {
      // Swift (and some others) refuse DeleteObjects without Content-MD5; the SDK sends only CRC32.
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const request = args.request as { headers?: Record<string, string>; body?: unknown };
          if (context.commandName === 'DeleteObjectsCommand' && request.headers && typeof request.body === 'string') {
            request.headers['content-md5'] = createHash('md5').update(request.body).digest('base64');
          }
          return next(args);
        },
        { step: 'build', name: 'samizdatContentMd5OnDeleteObjects', priority: 'low' },
      );
    }
    return client;
  }

  private key(remotePath: string): string {
    assertRemotePath(this.name, remotePath);
    return this.keyPrefix + remotePath;
  }

  /** Runs one operation under the timeout and the caller's signal, with errors mapped. */
  private async call<T>(
    what: string,
    signal: AbortSignal | undefined,
    work: (signal: AbortSignal, touch: () => void) => Promise<T>,
    notFoundPath?: string,
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    try {
      return await withDeadline(this.name, what, timeoutMs, signal, work);
    } catch (err) {
      throw this.mapError(err, what, notFoundPath);
    }
  }

  private mapError(err: unknown, what: string, notFoundPath?: string): SamizdatError {
    if (err instanceof SamizdatError) return err;
    const local = err as NodeJS.ErrnoException;
    if (local.syscall && typeof local.path === 'string') {
      // Reading the local file failed (lib-storage streams it): not the host's fault, not retryable.
      return new SamizdatError('LOCAL_READ_FAILED', `cannot read ${local.path} to upload it: ${local.code ?? local.message}`, { file: local.path, cause: err });
    }
    const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    const name = e.name ?? 'Error';
    const detail = this.scrub(`${name}${status ? ` (HTTP ${status})` : ''}${e.message && e.message !== name ? `: ${e.message}` : ''}`);
    if (name === 'TimeoutError' || e.code === 'ETIMEDOUT' || name === 'RequestTimeout') return new HostTimeoutError(this.name, what, this.timeoutMs, { cause: err });
    if (name === 'NoSuchBucket') {
      return new HostError('HOST_NO_BUCKET', this.name, `the bucket ${this.settings.bucket} does not exist`, {
        cause: err,
        hint: 'Create the bucket with your provider (samizdat never creates buckets), or fix "bucket" in the mirror file.',
      });
    }
    if (notFoundPath !== undefined && (name === 'NoSuchKey' || name === 'NotFound' || status === 404)) return new HostNotFoundError(this.name, notFoundPath, { cause: err });
    if (AUTH_NAMES.has(name) || status === 401 || status === 403) {
      return new HostAuthError(this.name, `${what}: the server refused the credentials (${detail})`, { cause: err });
    }
    const code = e.code ?? (err as { cause?: { code?: string } }).cause?.code;
    if ((code && NETWORK_CODES.has(code)) || /socket hang up|ECONNRESET|ECONNREFUSED/.test(e.message ?? '')) {
      return new HostUnreachableError(this.name, `${what}: ${this.settings.endpoint ?? 'AWS'} did not answer (${code ?? detail})`, { cause: err });
    }
    if (status === undefined || status >= 500 || status === 429 || name === 'SlowDown') {
      return new HostError('HOST_SERVER_ERROR', this.name, `${what}: ${detail}`, { cause: err, retryable: true });
    }
    return new HostError('HOST_REQUEST_FAILED', this.name, `${what}: ${detail}`, { cause: err, retryable: false });
  }

  /** Server messages never contain secrets, but make sure. */
  private scrub(text: string): string {
    let out = text;
    const { accessKeyId, secretAccessKey, sessionToken } = this.settings.credentials;
    for (const secret of [secretAccessKey, sessionToken, accessKeyId]) {
      if (secret && secret.length >= 4) out = out.split(secret).join('***');
    }
    return out;
  }
}

/**
 * The client lib-storage sees: every request it sends carries our signal (lib-storage's own
 * abort() does not cancel requests in flight, so an aborted single PUT could still land),
 * except the AbortMultipartUpload that cleans up after a failure.
 */
function scopedClient({ client, sdk }: { client: S3Client; sdk: S3Sdk }, signal: AbortSignal, timeoutMs: number): S3Client {
  const scoped = Object.create(client) as S3Client;
  scoped.send = ((command: unknown, options?: object) =>
    client.send(command as never, {
      ...options,
      abortSignal: command instanceof sdk.AbortMultipartUploadCommand ? AbortSignal.timeout(timeoutMs) : signal,
    })) as S3Client['send'];
  return scoped;
}

export const s3HostType = defineFilesHostType({
  summary: 'Any S3-compatible object store (AWS, R2, B2, Spaces, Wasabi, MinIO, Filebase, Swift); multipart for large files.',
  schema: s3Schema,
  create(config, { env }) {
    const credentials = {
      accessKeyId: secretFromEnv(env, config.name, 'accessKeyIdEnv', config.accessKeyIdEnv, config.file),
      secretAccessKey: secretFromEnv(env, config.name, 'secretAccessKeyEnv', config.secretAccessKeyEnv, config.file),
      ...(config.sessionTokenEnv ? { sessionToken: secretFromEnv(env, config.name, 'sessionTokenEnv', config.sessionTokenEnv, config.file) } : {}),
    };
    return new S3Host(config.name, {
      endpoint: config.endpoint,
      region: config.region,
      bucket: config.bucket,
      prefix: config.prefix,
      forcePathStyle: config.forcePathStyle,
      credentials,
      timeoutMs: config.timeoutMs,
      partSize: config.partSizeMiB * 1024 * 1024,
      queueSize: config.queueSize,
    });
  },
});
