import { afterAll } from 'vitest';
import { S3Host } from '../../src/mirrors/hosts/s3.ts';
import { startSwift, type SwiftServer } from '../support/servers/swift.ts';
import { describeMirrorHost } from './conformance.ts';

// Real OpenStack Swift with s3api (SigV4, multipart ETags), started once for this file.
let swift: SwiftServer | undefined;
afterAll(async () => swift?.stop());

const TIMEOUT_MS = 3000;

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
