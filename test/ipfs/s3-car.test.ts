/**
 * CAR upload with `import: car` metadata (an s3 mirror with importCar: true), against a real S3
 * protocol implementation: OpenStack Swift's s3api on 127.0.0.1 (SigV4, multipart).
 * Swift stores the CAR but does not import it, so it reports no CID: that case is checked
 * as is. The "store imports CARs" case (Filebase reports the root as `x-amz-meta-cid`) has no
 * implementation that runs here, so a few-line node:http proxy in front of Swift adds that header
 * to HEAD answers (the root named by the key, or a wrong one): a stand-in for that header only.
 */
import http from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { pinSite } from '../../src/ipfs/index.ts';
import type { MirrorConfig } from '../../src/mirrors/config.ts';
import { startSwift, type SwiftServer } from '../support/servers/swift.ts';
import { tempDir } from '../support/net.ts';

let swift: SwiftServer;
let proxy: http.Server;
let proxyUrl: string;
const proxyMode: { cid: 'from-key' | 'wrong' } = { cid: 'from-key' };
let dir: string;
let cleanup: () => Promise<void>;
let site: string;

beforeAll(async () => {
  swift = await startSwift();
  await swift.createBucket('ipfs');
  const target = new URL(swift.endpoint);
  proxy = http.createServer((req, res) => {
    const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const headers = { ...answer.headers };
      const m = /\/([a-z2-7]+)\.car(\?|$)/.exec(req.url ?? '');
      if (req.method === 'HEAD' && m && answer.statusCode === 200) {
        headers['x-amz-meta-cid'] = proxyMode.cid === 'from-key' ? m[1]! : 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e';
      }
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  ({ dir, cleanup } = await tempDir('samizdat-s3car-'));
  site = path.join(dir, 'site');
  await mkdir(site);
  await writeFile(path.join(site, 'index.html'), '<p>car</p>');
  await writeFile(path.join(site, 'big.bin'), Buffer.alloc(400_000, 3));
}, 120_000);

afterAll(async () => {
  await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
  await swift?.stop();
  await cleanup?.();
});

const s3 = (name: string, endpoint: string): MirrorConfig =>
  ({ type: 's3', name, file: `mirrors/${name}.yaml`, enabled: true, concurrency: 4, timeoutMs: 30_000, endpoint, region: 'us-east-1', bucket: 'ipfs', prefix: 'cars', forcePathStyle: true, accessKeyIdEnv: 'S3_KEY', secretAccessKeyEnv: 'S3_SECRET', importCar: true }) as MirrorConfig;
const env = () => ({ S3_KEY: swift.accessKeyId, S3_SECRET: swift.secretAccessKey });

describe('s3 importCar', () => {
  it('uploads <prefix>/<cid>.car with import=car; a store that reports no CID is not counted as pinned', async () => {
    const r = await pinSite({ siteDir: site, distDir: path.join(dir, 'dist'), blockstoreDir: path.join(dir, 'bs'), gateways: [], mirrors: [s3('swift', swift.endpoint)], env: env() });
    expect(r.remote[0]).toMatchObject({ name: 'swift', type: 's3-car', ok: false, error: { code: 'PIN_FAILED' } });
    expect(r.remote[0]!.error!.message).toMatch(/reports no CID.*nothing is pinned/);
    const client = new S3Client({ endpoint: swift.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey } });
    const head = await client.send(new HeadObjectCommand({ Bucket: 'ipfs', Key: `cars/${r.cid}.car` }));
    expect(head.Metadata).toMatchObject({ import: 'car' });
    expect(head.ContentLength).toBeGreaterThan(400_000);
    client.destroy();
  });

  it('counts it pinned when the store reports the same root, and refuses another root (header stand-in)', async () => {
    proxyMode.cid = 'from-key';
    const ok = await pinSite({ siteDir: site, distDir: path.join(dir, 'dist'), blockstoreDir: path.join(dir, 'bs'), gateways: [], mirrors: [s3('filebase-like', proxyUrl)], env: env() });
    expect(ok.remote[0]).toMatchObject({ ok: true, outcome: { cid: ok.cid, status: 'pinned' } });
    proxyMode.cid = 'wrong';
    const bad = await pinSite({ siteDir: site, distDir: path.join(dir, 'dist'), blockstoreDir: path.join(dir, 'bs'), gateways: [], mirrors: [s3('filebase-like', proxyUrl)], env: env() });
    expect(bad.remote[0]).toMatchObject({ ok: false, error: { code: 'PIN_ROOT_MISMATCH' } });
  });

  it('wrong credentials are HOST_AUTH and never echo the secret', async () => {
    const r = await pinSite({ siteDir: site, distDir: path.join(dir, 'dist'), blockstoreDir: path.join(dir, 'bs'), gateways: [], mirrors: [s3('swift', swift.endpoint)], env: { S3_KEY: swift.accessKeyId, S3_SECRET: 'not-the-secret-xyz' } });
    expect(r.remote[0]).toMatchObject({ ok: false, error: { code: 'HOST_AUTH' } });
    expect(JSON.stringify(r)).not.toContain('not-the-secret-xyz');
  });
});
