/**
 * CAR upload to an object store that imports CARs: Filebase's S3 API pins the DAG of an object
 * uploaded with the metadata `import: car` and reports its root as the object's `cid` metadata.
 * This is the `importCar: true` option of an `s3` mirror file (src/mirrors/hosts/s3.ts): push
 * copies the bundle's files there as usual; `samizdat pin` also uploads `<prefix><cid>.car` and
 * counts it pinned only when the store reports the same root CID.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { CID } from 'multiformats/cid';
import { base32 } from 'multiformats/bases/base32';
import { SamizdatError, throwIfAborted } from '../../errors.ts';
import { withDeadline } from '../../mirrors/deadline.ts';
import { secretFromEnv, type MirrorEnv } from '../../mirrors/env.ts';
import { HostAuthError, HostError, HostTimeoutError, HostUnreachableError } from '../../mirrors/errors.ts';
import { lazyLibrary } from '../../mirrors/hosts/library.ts';
import { PinFailedError, PinMismatchError } from './errors.ts';
import { sameCid } from './kubo.ts';
import type { PinCallOptions, PinOutcome, PinRequest, PinTarget } from './types.ts';

export interface S3CarSettings {
  endpoint?: string;
  region: string;
  bucket: string;
  prefix: string;
  forcePathStyle: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  timeoutMs: number;
  keep?: number;
}

// Imported on first use (the AWS SDK takes 0.17 s to load), like the s3 mirror host does.
const loadS3 = lazyLibrary('@aws-sdk/client-s3', () => import('@aws-sdk/client-s3'));
const loadStorage = lazyLibrary('@aws-sdk/lib-storage', () => import('@aws-sdk/lib-storage'));

export class S3CarImportTarget implements PinTarget {
  readonly type = 's3-car';
  readonly keep: number | undefined;
  private client: S3Client | undefined;

  constructor(
    readonly name: string,
    private readonly settings: S3CarSettings,
  ) {
    this.keep = settings.keep;
  }

  /** The SDK and the client, loaded and made on the first request. */
  private async s3(): Promise<{ client: S3Client; sdk: typeof import('@aws-sdk/client-s3') }> {
    const sdk = await loadS3(this.name);
    this.client ??= new sdk.S3Client({
      endpoint: this.settings.endpoint,
      region: this.settings.region,
      forcePathStyle: this.settings.forcePathStyle,
      credentials: this.settings.credentials,
      maxAttempts: 1,
      // Stores other than AWS reject the SDK's default streaming checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    return { client: this.client, sdk };
  }

  private key(cid: CID): string {
    return `${this.settings.prefix}${cid.toV1().toString(base32)}.car`;
  }

  async connect(options: PinCallOptions = {}): Promise<void> {
    options.onProgress?.({ type: 'remote', target: this.name, stage: 'connect' });
  }

  async pin(request: PinRequest, options: PinCallOptions = {}): Promise<PinOutcome> {
    const expected = request.cid.toV1().toString(base32);
    const key = this.key(request.cid);
    const { size } = await stat(request.carPath);
    options.onProgress?.({ type: 'remote', target: this.name, stage: 'upload' });
    await this.call('CAR upload', options, async (signal, touch) => {
      const [{ client }, { Upload }] = await Promise.all([this.s3(), loadStorage(this.name)]);
      const abort = new AbortController();
      signal.addEventListener('abort', () => abort.abort(signal.reason), { once: true });
      const upload = new Upload({
        client,
        params: { Bucket: this.settings.bucket, Key: key, Body: createReadStream(request.carPath), ContentType: 'application/vnd.ipld.car', ContentLength: size, Metadata: { import: 'car' } },
        queueSize: 2,
        partSize: 16 * 1024 * 1024,
        abortController: abort,
      });
      upload.on('httpUploadProgress', (p) => {
        touch();
        options.onProgress?.({ type: 'remote', target: this.name, stage: 'upload', bytes: p.loaded });
      });
      await upload.done();
    });
    options.onProgress?.({ type: 'remote', target: this.name, stage: 'verify' });
    const head = await this.call('HeadObject', options, async (signal) => {
      const { client, sdk } = await this.s3();
      return client.send(new sdk.HeadObjectCommand({ Bucket: this.settings.bucket, Key: key }), { abortSignal: signal });
    });
    const reported = head.Metadata?.cid;
    if (!reported) {
      throw new PinFailedError(this.name, `uploaded ${key}, but the store reports no CID for it: it does not import CARs, so nothing is pinned there`, {
        hint: 'importCar works with stores that import CARs on upload (Filebase); turn it off for other S3 stores.',
        retryable: false,
      });
    }
    let cid: CID;
    try {
      cid = CID.parse(reported);
    } catch (err) {
      throw new PinFailedError(this.name, `the store reports ${JSON.stringify(reported)} as the CID, which is not a CID`, { cause: err });
    }
    if (!sameCid(cid, request.cid)) throw new PinMismatchError(this.name, expected, reported);
    return { cid: expected, status: 'pinned' };
  }

  async unpin(cid: CID, options: PinCallOptions = {}): Promise<void> {
    options.onProgress?.({ type: 'remote', target: this.name, stage: 'unpin', detail: cid.toString() });
    await this.call('DeleteObject', options, async (signal) => {
      const { client, sdk } = await this.s3();
      return client.send(new sdk.DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.key(cid) }), { abortSignal: signal });
    });
  }

  async close(): Promise<void> {
    this.client?.destroy();
    this.client = undefined;
  }

  private async call<T>(what: string, options: PinCallOptions, work: (signal: AbortSignal, touch: () => void) => Promise<T>): Promise<T> {
    throwIfAborted(options.signal, `${what} on ${this.name}`);
    try {
      return await withDeadline(this.name, what, this.settings.timeoutMs, options.signal, work);
    } catch (err) {
      if (err instanceof SamizdatError) throw err;
      const e = err as Error & { $metadata?: { httpStatusCode?: number }; code?: string; cause?: { code?: string } };
      const status = e.$metadata?.httpStatusCode;
      const detail = this.scrub(`${e.name}: ${e.message}`);
      if (status === 401 || status === 403 || /InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied/.test(e.name)) throw new HostAuthError(this.name, `${what}: the store refused the credentials (${detail})`, { cause: err });
      if (e.name === 'TimeoutError') throw new HostTimeoutError(this.name, what, this.settings.timeoutMs, { cause: err });
      const code = e.code ?? e.cause?.code;
      if (code && /^E[A-Z]+/.test(code)) throw new HostUnreachableError(this.name, `${what}: ${this.settings.endpoint ?? 'AWS'} did not answer (${code})`, { cause: err });
      throw new HostError('PIN_S3_FAILED', this.name, `${what}: ${detail}`, { cause: err, retryable: status === undefined || status >= 500 });
    }
  }

  private scrub(text: string): string {
    let out = text;
    for (const s of [this.settings.credentials.secretAccessKey, this.settings.credentials.sessionToken, this.settings.credentials.accessKeyId]) if (s && s.length >= 4) out = out.split(s).join('***');
    return out;
  }
}

/** The CAR-import target of an `s3` mirror file with `importCar: true` (fields as in s3Schema). */
export function createS3CarTarget(config: Record<string, unknown> & { name: string; file?: string }, env: MirrorEnv): S3CarImportTarget {
  const c = config as unknown as {
    name: string;
    file?: string;
    endpoint?: string;
    region?: string;
    bucket: string;
    prefix?: string;
    forcePathStyle?: boolean;
    accessKeyIdEnv: string;
    secretAccessKeyEnv: string;
    sessionTokenEnv?: string;
    timeoutMs?: number;
    keep?: number;
  };
  const credentials = {
    accessKeyId: secretFromEnv(env, c.name, 'accessKeyIdEnv', c.accessKeyIdEnv, c.file),
    secretAccessKey: secretFromEnv(env, c.name, 'secretAccessKeyEnv', c.secretAccessKeyEnv, c.file),
    ...(c.sessionTokenEnv ? { sessionToken: secretFromEnv(env, c.name, 'sessionTokenEnv', c.sessionTokenEnv, c.file) } : {}),
  };
  const prefix = (c.prefix ?? '').replace(/^\/+/, '');
  return new S3CarImportTarget(c.name, {
    endpoint: c.endpoint,
    region: c.region ?? 'us-east-1',
    bucket: c.bucket,
    prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix,
    forcePathStyle: c.forcePathStyle ?? false,
    credentials,
    timeoutMs: c.timeoutMs ?? 30_000,
  });
}
