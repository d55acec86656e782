/**
 * The `pinning-service` target. No implementation of the IPFS Pinning Service API can run here
 * (Pinata and Filebase are hosted services), so this test uses a minimal stand-in written from
 * the spec (ipfs/pinning-services-api-spec: POST/GET /pins, GET/DELETE /pins/{requestid},
 * Bearer auth, {error:{reason,details}} bodies). The stand-in moves a pin from queued to pinning
 * to pinned on successive polls, or keeps it stuck, fails it, or lies about the CID on demand.
 */
import http from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinSite } from '../../src/ipfs/index.ts';
import { readPublications } from '../../src/ipfs/publications.ts';
import type { MirrorConfig } from '../../src/mirrors/config.ts';
import { tempDir } from '../support/net.ts';

const TOKEN = 'psa-token-that-must-never-leak';

interface StoredPin { requestid: string; status: string; created: string; pin: { cid: string; name?: string; origins?: string[] }; polls: number; }

function standIn(behaviour: { mode: 'normal' | 'stuck' | 'fail' | 'lie' }) {
  const pins = new Map<string, StoredPin>();
  const log: Array<{ method: string; url: string; body?: unknown }> = [];
  let next = 1;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : undefined;
      log.push({ method: req.method!, url: req.url!, body });
      const json = (status: number, value: unknown) => {
        res.statusCode = status;
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(value));
      };
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(401, { error: { reason: 'UNAUTHORIZED', details: 'bad token' } });
      const url = new URL(req.url!, 'http://x');
      const view = (p: StoredPin) => ({ requestid: p.requestid, status: p.status, created: p.created, pin: p.pin, delegates: ['/ip4/127.0.0.1/tcp/1/p2p/12D3KooWStandIn'], info: {} });
      if (url.pathname === '/psa/pins' && req.method === 'GET') {
        const cids = url.searchParams.get('cid')?.split(',');
        const statuses = (url.searchParams.get('status') ?? 'pinned').split(',');
        const results = [...pins.values()].filter((p) => (!cids || cids.includes(p.pin.cid)) && statuses.includes(p.status)).map(view);
        return json(200, { count: results.length, results });
      }
      if (url.pathname === '/psa/pins' && req.method === 'POST') {
        if (typeof body?.cid !== 'string') return json(400, { error: { reason: 'BAD_REQUEST', details: 'cid required' } });
        const p: StoredPin = { requestid: `req-${next++}`, status: 'queued', created: new Date().toISOString(), pin: { cid: behaviour.mode === 'lie' ? 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e' : body.cid, name: body.name, origins: body.origins }, polls: 0 };
        pins.set(p.requestid, p);
        return json(202, view(p));
      }
      const m = /^\/psa\/pins\/([^/]+)$/.exec(url.pathname);
      const p = m ? pins.get(decodeURIComponent(m[1]!)) : undefined;
      if (m && !p) return json(404, { error: { reason: 'NOT_FOUND', details: 'no such pin' } });
      if (p && req.method === 'GET') {
        p.polls += 1;
        if (behaviour.mode === 'normal') p.status = p.polls >= 2 ? 'pinned' : 'pinning';
        if (behaviour.mode === 'fail') p.status = 'failed';
        return json(200, view(p));
      }
      if (p && req.method === 'DELETE') {
        pins.delete(p.requestid);
        res.statusCode = 202;
        return void res.end();
      }
      json(404, { error: { reason: 'NOT_FOUND', details: url.pathname } });
    });
  });
  return { server, pins, log };
}

const psa = (name: string, endpoint: string, fields: Record<string, unknown> = {}): MirrorConfig =>
  ({ type: 'pinning-service', name, file: `mirrors/${name}.yaml`, enabled: true, concurrency: 4, timeoutMs: 10_000, endpoint, tokenEnv: 'PSA_TOKEN', origins: ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWExample'], pollIntervalMs: 50, pinTimeoutMs: 2_000, ...fields }) as MirrorConfig;

describe('pinning-service pin target (spec-following stand-in)', () => {
  const behaviour: { mode: 'normal' | 'stuck' | 'fail' | 'lie' } = { mode: 'normal' };
  const svc = standIn(behaviour);
  let endpoint: string;
  let dir: string;
  let cleanup: () => Promise<void>;
  let site: string;
  const run = (mirrors: MirrorConfig[], extra: Record<string, unknown> = {}) =>
    pinSite({ siteDir: site, distDir: path.join(dir, 'dist'), blockstoreDir: path.join(dir, 'bs'), gateways: [], mirrors, env: { PSA_TOKEN: TOKEN }, ...extra });

  beforeAll(async () => {
    await new Promise<void>((r) => svc.server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(svc.server.address() as AddressInfo).port}/psa`;
    ({ dir, cleanup } = await tempDir('samizdat-psa-'));
    site = path.join(dir, 'site');
    await mkdir(site);
    await writeFile(path.join(site, 'index.html'), 'v1');
  });
  afterAll(async () => {
    await new Promise<void>((r) => svc.server.close(() => r()));
    await cleanup();
  });

  it('posts the CID with name and origins, polls until pinned', async () => {
    behaviour.mode = 'normal';
    svc.log.length = 0;
    const r = await run([psa('pinata', endpoint)], { pinName: 'news 2026-11-28' });
    expect(r.remote[0]).toMatchObject({ name: 'pinata', type: 'pinning-service', ok: true, outcome: { cid: r.cid, status: 'pinned' } });
    const post = svc.log.find((l) => l.method === 'POST');
    expect(post?.body).toEqual({ cid: r.cid, name: 'news 2026-11-28', origins: ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWExample'], meta: { app: 'samizdat' } });
    expect(svc.log.filter((l) => l.method === 'GET' && /\/pins\/req-/.test(l.url)).length).toBeGreaterThanOrEqual(2);
  });

  it('keep: 1 deletes the older publication\'s pin request once the new one is pinned', async () => {
    behaviour.mode = 'normal';
    const blockstoreDir = path.join(dir, 'bs-keep');
    await writeFile(path.join(site, 'index.html'), 'v1');
    const first = await run([psa('pinata', endpoint, { keep: 1 })], { blockstoreDir });
    await writeFile(path.join(site, 'index.html'), 'v2');
    const second = await run([psa('pinata', endpoint, { keep: 1 })], { blockstoreDir });
    expect(second.remote[0]).toMatchObject({ ok: true, unpinned: [first.cid] });
    const held = [...svc.pins.values()].map((p) => p.pin.cid);
    expect(held).toContain(second.cid);
    expect(held).not.toContain(first.cid);
  });

  it('a pin still queued at the deadline is a retryable failure, never "pinned"', async () => {
    behaviour.mode = 'stuck';
    const blockstoreDir = path.join(dir, 'bs-stuck');
    const r = await run([psa('slow', endpoint, { pinTimeoutMs: 300 })], { blockstoreDir });
    expect(r.ok).toBe(false);
    expect(r.remote[0]).toMatchObject({ ok: false, error: { code: 'PIN_FAILED', retryable: true } });
    expect(r.remote[0]!.error!.message).toMatch(/still reports "queued".*NOT counted as pinned/);
    expect((await readPublications(blockstoreDir))[0]!.targets).toEqual([]);
  });

  it('a failed pin, a service reporting another CID, a wrong token and a wrong endpoint are each clear', async () => {
    behaviour.mode = 'fail';
    const failed = await run([psa('svc', endpoint)]);
    expect(failed.remote[0]).toMatchObject({ ok: false, error: { code: 'PIN_FAILED', message: expect.stringContaining('"failed"') } });

    behaviour.mode = 'lie';
    const lie = await run([psa('svc', endpoint)]);
    expect(lie.remote[0]).toMatchObject({ ok: false, error: { code: 'PIN_ROOT_MISMATCH' } });

    behaviour.mode = 'normal';
    const denied = await run([psa('svc', endpoint)], { env: { PSA_TOKEN: 'wrong' } });
    expect(denied.remote[0]).toMatchObject({ ok: false, error: { code: 'HOST_AUTH' } });
    const wrong = await run([psa('svc', endpoint.replace(/\/psa$/, '/nothing-here'))]);
    expect(wrong.remote[0]).toMatchObject({ ok: false, error: { code: 'PIN_FAILED', retryable: false } });
    expect(JSON.stringify([failed, lie, denied, wrong])).not.toContain(TOKEN);
  });
});
