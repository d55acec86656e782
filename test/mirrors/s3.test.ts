import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeError, InputError } from '../../src/errors.ts';
import { HostAuthError, HostError, HostUnreachableError } from '../../src/mirrors/errors.ts';
import { isAwsEndpoint, S3Host } from '../../src/mirrors/hosts/s3.ts';
import { createMirrorHost } from '../../src/mirrors/registry.ts';
import { freePort, tempDir } from '../support/net.ts';
import { startSwift, type SwiftServer } from '../support/servers/swift.ts';
import { describeMirrorHost, sha256 } from './conformance.ts';

// Real OpenStack Swift with s3api (SigV4, multipart ETags), started once for this file.
let swift: SwiftServer | undefined;
afterAll(async () => swift?.stop());

// Long enough for a loaded two-core CI machine, short enough for the stall case.
const TIMEOUT_MS = 5000;

function host(name: string, secret: string): S3Host {
  return new S3Host(name, {
    endpoint: swift!.endpoint,
    region: swift!.region,
    bucket: 'conformance',
    prefix: 'site/',
    forcePathStyle: true,
    credentials: { accessKeyId: swift!.accessKeyId, secretAccessKey: secret },
    timeoutMs: TIMEOUT_MS,
    partSize: 5 * 1024 * 1024,
  });
}

describeMirrorHost({
  name: 's3 (OpenStack Swift s3api)',
  async setup() {
    swift = await startSwift();
    await swift.createBucket('conformance');
    return {
      host: host('swift', swift.secretAccessKey),
      timeoutMs: TIMEOUT_MS,
      withBadCredentials: () => host('swift-bad', 'not-the-secret'),
      stall: () => swift!.stallProxy(),
      kill: () => swift!.killProxy(),
      restart: () => swift!.restartProxy(),
      observer: () => host('swift-reader', swift!.secretAccessKey),
    };
  },
  skip: {
    'wrong-host-key': 'S3 over HTTP(S) has no pinned host key; TLS certificates are checked by the system trust store',
  },
});

describe('s3 host specifics (OpenStack Swift s3api)', () => {
  let raw: S3Client;
  let local: { dir: string; cleanup: () => Promise<void> };

  beforeAll(async () => {
    swift ??= await startSwift();
    await swift.createBucket('specifics');
    local = await tempDir('samizdat-s3-specifics-');
    raw = new S3Client({
      endpoint: swift.endpoint,
      region: swift.region,
      forcePathStyle: true,
      credentials: { accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  });
  afterAll(async () => {
    raw?.destroy();
    await local?.cleanup();
  });

  const putFile = async (h: S3Host, remote: string, bytes: Uint8Array, contentType: string, cacheControl?: string) => {
    const localPath = path.join(local.dir, `f-${Math.random().toString(36).slice(2)}`);
    await writeFile(localPath, bytes);
    await h.put(remote, { localPath, size: bytes.length, sha256: sha256(bytes), contentType, cacheControl });
  };

  it('built from a mirror file through the registry, secrets from env; Content-Type and Cache-Control per file; md5 only for single-part objects', async () => {
    const config = {
      name: 'eu-s3',
      file: '/project/mirrors/eu-s3.yaml',
      type: 's3',
      enabled: true,
      concurrency: 4,
      timeoutMs: 5000,
      endpoint: swift!.endpoint,
      region: swift!.region,
      bucket: 'specifics',
      prefix: 'www',
      forcePathStyle: true,
      accessKeyIdEnv: 'TEST_S3_KEY',
      secretAccessKeyEnv: 'TEST_S3_SECRET',
      partSizeMiB: 5,
      queueSize: 2,
    };
    const h = createMirrorHost(config, { env: { TEST_S3_KEY: swift!.accessKeyId, TEST_S3_SECRET: swift!.secretAccessKey } }) as S3Host;
    await h.connect();
    try {
      const small = new TextEncoder().encode('<!doctype html><title>x</title>');
      const big = randomBytes(11 * 1024 * 1024);
      await putFile(h, 'index.html', small, 'text/html; charset=utf-8', 'public, max-age=300');
      await putFile(h, 'media/big.bin', big, 'application/octet-stream', 'public, max-age=31536000, immutable');

      const head = await raw.send(new HeadObjectCommand({ Bucket: 'specifics', Key: 'www/index.html' }));
      expect(head.ContentType).toBe('text/html; charset=utf-8');
      expect(head.CacheControl).toBe('public, max-age=300');
      const bigHead = await raw.send(new HeadObjectCommand({ Bucket: 'specifics', Key: 'www/media/big.bin' }));
      expect(bigHead.CacheControl).toBe('public, max-age=31536000, immutable');
      expect(bigHead.ETag, 'uploaded as multipart').toMatch(/-3"?$/);

      const listed = await h.list();
      expect(listed.find((f) => f.path === 'index.html')).toEqual({ path: 'index.html', size: small.length, md5: createHash('md5').update(small).digest('hex') });
      expect(listed.find((f) => f.path === 'media/big.bin')).toEqual({ path: 'media/big.bin', size: big.length });
    } finally {
      await h.close();
    }
  });

  it('a prefix is a folder: objects beside it (same leading letters) or above it are neither listed nor touched', async () => {
    const h = new S3Host('prefixed', {
      endpoint: swift!.endpoint, region: swift!.region, bucket: 'specifics', prefix: 'site', forcePathStyle: true,
      credentials: { accessKeyId: swift!.accessKeyId, secretAccessKey: swift!.secretAccessKey }, timeoutMs: 5000,
    });
    await h.connect();
    try {
      for (const Key of ['site-other/index.html', 'sitemap.xml', 'site/inside.html']) {
        await raw.send(new PutObjectCommand({ Bucket: 'specifics', Key, Body: Key }));
      }
      expect((await h.list()).map((f) => f.path)).toEqual(['inside.html']);
      await h.delete('inside.html');
      await putFile(h, 'index.html', new TextEncoder().encode('new'), 'text/html');
      const all = await raw.send(new ListObjectsV2Command({ Bucket: 'specifics' }));
      const keys = (all.Contents ?? []).map((o) => o.Key);
      expect(keys).toEqual(expect.arrayContaining(['site-other/index.html', 'sitemap.xml', 'site/index.html']));
      expect(keys).not.toContain('site/inside.html');
    } finally {
      await h.close();
    }
  });

  it('only non-AWS endpoints get the relaxed checksum settings', () => {
    expect(isAwsEndpoint(undefined)).toBe(true);
    expect(isAwsEndpoint('https://s3.eu-west-1.amazonaws.com')).toBe(true);
    expect(isAwsEndpoint('https://abc.r2.cloudflarestorage.com')).toBe(false);
    expect(isAwsEndpoint('https://amazonaws.com.evil.example')).toBe(false);
  });

  it('a missing secret names the variable and the mirror, never a value', () => {
    const config = {
      name: 'eu-s3', file: '/project/mirrors/eu-s3.yaml', type: 's3', enabled: true, concurrency: 4, timeoutMs: 5000,
      bucket: 'specifics', region: 'us-east-1', prefix: '', forcePathStyle: false, partSizeMiB: 8, queueSize: 4,
      accessKeyIdEnv: 'TEST_S3_KEY', secretAccessKeyEnv: 'TEST_S3_SECRET',
    };
    let err: unknown;
    try {
      createMirrorHost(config, { env: { TEST_S3_KEY: 'AKIAVISIBLEKEYVALUE1' } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('MIRROR_SECRET_MISSING');
    expect(describeError(err)).toContain('TEST_S3_SECRET');
    expect(describeError(err)).toContain('eu-s3');
    expect(describeError(err)).not.toContain('AKIAVISIBLEKEYVALUE1');
  });

  it('wrong secret: HostAuthError whose message and JSON never contain the secret', async () => {
    const secret = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';
    const h = new S3Host('leaky', {
      endpoint: swift!.endpoint, region: swift!.region, bucket: 'specifics', forcePathStyle: true,
      credentials: { accessKeyId: swift!.accessKeyId, secretAccessKey: secret }, timeoutMs: 5000,
    });
    const err = await h.connect().then(() => undefined, (e: unknown) => e);
    await h.close();
    expect(err).toBeInstanceOf(HostAuthError);
    expect(describeError(err)).not.toContain(secret);
    expect(JSON.stringify(err)).not.toContain(secret);
  });

  it('a missing bucket is a clear, non-retryable error', async () => {
    const h = new S3Host('nobucket', {
      endpoint: swift!.endpoint, region: swift!.region, bucket: 'does-not-exist', forcePathStyle: true,
      credentials: { accessKeyId: swift!.accessKeyId, secretAccessKey: swift!.secretAccessKey }, timeoutMs: 5000,
    });
    const err = await h.connect().then(() => undefined, (e: unknown) => e);
    await h.close();
    expect(err).toBeInstanceOf(HostError);
    expect((err as HostError).code).toBe('HOST_NO_BUCKET');
    expect((err as HostError).retryable).toBe(false);
  });

  it('nothing answers on the endpoint: HostUnreachableError, retryable', async () => {
    const h = new S3Host('down', {
      endpoint: `http://127.0.0.1:${await freePort()}`, region: 'us-east-1', bucket: 'specifics', forcePathStyle: true,
      credentials: { accessKeyId: 'k', secretAccessKey: 's' }, timeoutMs: 3000,
    });
    const err = await h.connect().then(() => undefined, (e: unknown) => e);
    await h.close();
    expect(err).toBeInstanceOf(HostUnreachableError);
    expect((err as HostUnreachableError).retryable).toBe(true);
  });
});
