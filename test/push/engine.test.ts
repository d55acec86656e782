/**
 * The push engine's logic against in-memory hosts (test/push/memory-host.ts: a test double, not
 * proof any adapter works; the real hosts are pushed to in e2e.test.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError, SamizdatError } from '../../src/errors.ts';
import { HostAuthError, HostUnreachableError } from '../../src/mirrors/errors.ts';
import type { HostCapabilities } from '../../src/mirrors/host.ts';
import { phaseOf, pushMirrors, registryHostTypes, type PushEvent, type PushOptions } from '../../src/push/index.ts';
import { tempDir } from '../support/net.ts';
import { BASE_FILES, writeBundle } from './bundle.ts';
import { MemoryHost, MemoryStore, type MemoryHostFaults } from './memory-host.ts';

interface HostSpec {
  caps?: Partial<HostCapabilities>;
  faults?: MemoryHostFaults;
  config?: Record<string, unknown>;
}

let work: { dir: string; cleanup: () => Promise<void> };
let siteDir: string;
let mirrorsDir: string;
let stores: Record<string, MemoryStore>;

beforeEach(async () => {
  work = await tempDir('samizdat-push-');
  siteDir = path.join(work.dir, 'site');
  mirrorsDir = path.join(work.dir, 'mirrors');
  stores = {};
  await writeBundle(siteDir, BASE_FILES);
});
afterEach(() => work.cleanup());

async function push(specs: Record<string, HostSpec>, extra: Partial<PushOptions> = {}) {
  await mkdir(mirrorsDir, { recursive: true });
  for (const [name, spec] of Object.entries(specs)) {
    stores[name] ??= new MemoryStore();
    stores[name].putAttempts = 0;
    stores[name].connects = 0;
    const base = spec.config?.type ? {} : { type: 'folder', path: `unused/${name}` };
    await writeFile(path.join(mirrorsDir, `${name}.json`), JSON.stringify({ ...base, concurrency: 3, timeoutMs: 400, ...spec.config }));
  }
  const events: PushEvent[] = [];
  const report = await pushMirrors({
    siteDir,
    mirrorsDir,
    env: { SECRET_TOKEN: 'hunter2-very-secret' },
    stateDir: path.join(work.dir, 'state'),
    retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 20 },
    onProgress: (e) => events.push(e),
    // Every mirror file says "folder"; the double stands in for it.
    hostTypes: () => ({
      kind: 'files',
      create: (config) => new MemoryHost(config.name, stores[config.name]!, specs[config.name]?.caps, specs[config.name]?.faults),
    }),
    ...extra,
  });
  return { report, events };
}

const puts = (store: MemoryStore) => store.log.filter((l) => l.startsWith('put:')).map((l) => l.slice(4));
const bundleCount = Object.keys(BASE_FILES).length + 1; // + manifest

describe('order', () => {
  it('classifies assets, articles, indexes, signature and manifest', () => {
    expect(phaseOf('style.css')).toBe('asset');
    expect(phaseOf('media/photo.jpg')).toBe('asset');
    expect(phaseOf('articles/first/index.html')).toBe('article');
    expect(phaseOf('2026/06/story.html')).toBe('article');
    expect(phaseOf('index.html')).toBe('index');
    expect(phaseOf('404.html')).toBe('index');
    expect(phaseOf('tags/news/index.html')).toBe('index');
    expect(phaseOf('page/2/index.html')).toBe('index');
    expect(phaseOf('feed.xml')).toBe('index');
    expect(phaseOf('ru/feed.json')).toBe('index');
    expect(phaseOf('mirrors.json')).toBe('index');
    expect(phaseOf('mirror-manifest.json.sig')).toBe('signature');
    expect(phaseOf('mirror-manifest.json')).toBe('manifest');
  });
});

describe('pushMirrors with in-memory hosts', () => {
  it('uploads everything to an empty host, assets → articles → indexes → signature → manifest', async () => {
    await writeBundle(siteDir, BASE_FILES, { signature: 'sig' });
    const { report, events } = await push({ a: {} });
    const h = report.hosts[0]!;
    expect(h).toMatchObject({ name: 'a', status: 'updated', uploaded: bundleCount + 1, deleted: 0, unchanged: 0 });
    const order = puts(stores.a!).map(phaseOf);
    const rank = ['asset', 'article', 'index', 'signature', 'manifest'];
    expect(order.map((p) => rank.indexOf(p))).toEqual([...order.map((p) => rank.indexOf(p))].sort((x, y) => x - y));
    expect(order.at(-1)).toBe('manifest');
    expect(order.at(-2)).toBe('signature');
    expect(stores.a!.files.get('index.html')?.contentType).toBe('text/html; charset=utf-8');
    // uploads spread over one session per file in flight (concurrency 3 here)
    expect(stores.a!.connects).toBe(3);
    const last = events.filter((e) => e.type === 'host-progress').at(-1);
    expect(last).toMatchObject({ filesDone: bundleCount + 1, filesTotal: bundleCount + 1 });
    expect(last && 'bytesDone' in last && last.bytesDone === last.bytesTotal).toBe(true);
  });

  it('a second push with nothing changed sends nothing', async () => {
    await push({ a: {} });
    const before = puts(stores.a!).length;
    const { report } = await push({ a: {} });
    expect(report.hosts[0]).toMatchObject({ status: 'unchanged', uploaded: 0, deleted: 0, unchanged: bundleCount });
    expect(puts(stores.a!).length).toBe(before);
  });

  it('after one article changed, sends only it and the pages that changed, then the manifest; deletes stale files after the manifest', async () => {
    await push({ a: {} });
    stores.a!.log = [];
    const next = { ...BASE_FILES, 'articles/first/index.html': BASE_FILES['articles/first/index.html'] + '<p>fixed</p>' } as Record<string, string>;
    delete next['articles/second/index.html'];
    await writeBundle(siteDir, next);
    const { report } = await push({ a: {} });
    expect(report.hosts[0]).toMatchObject({ status: 'updated', uploaded: 2, deleted: 1 });
    expect(stores.a!.log.filter((l) => l !== 'connect' && l !== 'list' && !l.startsWith('read:'))).toEqual([
      'put:articles/first/index.html',
      'put:mirror-manifest.json',
      'delete:articles/second/index.html',
    ]);
  });

  it('a bundle no longer signed: the old signature goes just before the new manifest, not earlier', async () => {
    await writeBundle(siteDir, BASE_FILES, { signature: 'sig' });
    await push({ a: {} });
    await writeBundle(siteDir, { ...BASE_FILES, 'articles/third/index.html': '<p>3</p>' });
    stores.a!.log = [];
    await push({ a: {} });
    const ops = stores.a!.log.filter((l) => l.startsWith('put:') || l.startsWith('delete:'));
    expect(ops).toEqual(['put:articles/third/index.html', 'delete:mirror-manifest.json.sig', 'put:mirror-manifest.json']);
  });

  it('never deletes files no samizdat manifest or push put there', async () => {
    stores.a = new MemoryStore();
    stores.a.files.set('operator-notes.txt', { bytes: Buffer.from('mine') });
    const { report } = await push({ a: {} });
    expect(report.hosts[0]).toMatchObject({ status: 'updated', deleted: 0, foreign: 1 });
    expect(stores.a.files.has('operator-notes.txt')).toBe(true);
  });

  it('re-sends files the remote manifest claims but the listing contradicts (stale or lying manifest)', async () => {
    await push({ a: {} });
    stores.a!.files.get('style.css')!.bytes = Buffer.from('truncated'); // size now differs from the manifest
    stores.a!.files.delete('articles/first/index.html'); // listed by the manifest, gone from the host
    stores.a!.log = [];
    const { report } = await push({ a: {} });
    expect(report.hosts[0]).toMatchObject({ status: 'updated', uploaded: 2 });
    expect(puts(stores.a!).sort()).toEqual(['articles/first/index.html', 'style.css']);
  });

  it('on a hashing host, a same-size file with other bytes is re-sent', async () => {
    await push({ a: { caps: { listHash: 'sha256' } } });
    const css = stores.a!.files.get('style.css')!;
    css.bytes = Buffer.from(css.bytes.toString().replace('body', 'BODY'));
    stores.a!.log = [];
    const { report } = await push({ a: { caps: { listHash: 'sha256' } } });
    expect(report.hosts[0]!.uploaded).toBe(1);
    expect(puts(stores.a!)).toEqual(['style.css']);
  });

  it('on an MD5-listing host (S3), compares local MD5s', async () => {
    await push({ a: { caps: { listHash: 'md5' } } });
    const css = stores.a!.files.get('style.css')!;
    css.bytes = Buffer.from(css.bytes.toString().replace('body', 'BODY'));
    stores.a!.log = [];
    const { report } = await push({ a: { caps: { listHash: 'md5' } } });
    expect(puts(stores.a!)).toEqual(['style.css']);
    expect(report.hosts[0]!.unchanged).toBe(bundleCount - 1);
  });

  it('resumes an interrupted push on a host that cannot hash, without re-sending what arrived', async () => {
    await push({ a: {} });
    // New publication: every article and index changes (same sizes are the hard case for a size-only host).
    const next = Object.fromEntries(Object.entries(BASE_FILES).map(([p, c]) => [p, p.endsWith('.html') ? c.replace('<!doctype html>', '<!DOCTYPE html>') : c]));
    await writeBundle(siteDir, next, { date: '2026-06-03T10:00:00Z' });
    const changed = Object.keys(next).filter((p) => p.endsWith('.html')).length;
    stores.a!.log = [];
    // The connection dies for good after two uploads of the new push.
    const dead = new HostAuthError('a', 'session revoked');
    const first = await push({ a: { faults: { put: (_p, n) => (n > 2 ? dead : undefined) } } });
    expect(first.report.hosts[0]).toMatchObject({ status: 'failed', uploaded: 2 });
    expect(first.report.hosts[0]!.serving).toEqual({ publication: { id: expect.stringMatching(/^2026-06-02/), date: '2026-06-02T10:00:00Z' }, source: 'remote-manifest' });
    expect(stores.a!.text('mirror-manifest.json')).toContain('2026-06-02T10:00:00Z');
    const arrived = puts(stores.a!);
    expect(arrived).toHaveLength(2);
    stores.a!.log = [];
    const second = await push({ a: {} });
    expect(second.report.hosts[0]).toMatchObject({ status: 'updated', uploaded: changed - 2 + 1 });
    expect(puts(stores.a!)).not.toContain(arrived[0]);
    expect(puts(stores.a!)).not.toContain(arrived[1]);
    expect(stores.a!.text('mirror-manifest.json')).toContain('2026-06-03T10:00:00Z');
  });

  it('retries retryable errors with backoff, and not the others', async () => {
    const transient = new HostUnreachableError('a', 'connection reset');
    const { report, events } = await push({
      a: { faults: { put: (p, n) => (p === 'style.css' && n <= 2 ? transient : undefined) } },
      b: { faults: { put: (p) => (p === 'style.css' ? new HostAuthError('b') : undefined) } },
    });
    const [a, b] = report.hosts;
    expect(a).toMatchObject({ status: 'updated', uploaded: bundleCount });
    expect(events.filter((e) => e.type === 'host-retry' && e.host === 'a').length).toBeGreaterThanOrEqual(1);
    expect(b).toMatchObject({ status: 'failed', error: { code: 'HOST_AUTH' } });
    expect(events.filter((e) => e.type === 'host-retry' && e.host === 'b')).toHaveLength(0);
    expect(stores.b!.putAttempts).toBeLessThanOrEqual(3); // style.css once, plus at most the other in-flight puts
    expect(report.failed).toBe(true);
    // a reconnected before retrying on what may be a broken connection
    expect(stores.a!.connects).toBeGreaterThan(1);
  });

  it('times out an operation that never answers, retries it, then gives up on that host only', async () => {
    const t0 = Date.now();
    const { report } = await push({ slow: { faults: { hangPut: (p) => p === 'style.css' } }, ok: {} });
    const slow = report.hosts.find((h) => h.name === 'slow')!;
    expect(slow).toMatchObject({ status: 'failed', error: { code: 'HOST_TIMEOUT' } });
    expect(slow.error!.message).toContain('within 400 ms');
    expect(report.hosts.find((h) => h.name === 'ok')).toMatchObject({ status: 'updated' });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(stores.slow!.files.has('mirror-manifest.json')).toBe(false);
  });

  it('one host down from the start: the others complete; it is reported with what it served at the last push', async () => {
    await push({ a: {}, b: {} });
    await writeBundle(siteDir, { ...BASE_FILES, 'articles/third/index.html': '<p>new</p>' }, { date: '2026-06-05T00:00:00Z' });
    const down = new HostUnreachableError('b', 'connection refused');
    const { report } = await push({ a: {}, b: { faults: { connect: () => down } } });
    expect(report.hosts.find((h) => h.name === 'a')).toMatchObject({ status: 'updated', uploaded: 2 });
    const b = report.hosts.find((h) => h.name === 'b')!;
    expect(b.status).toBe('failed');
    expect(b.serving).toMatchObject({ source: 'last-push', publication: { date: '2026-06-02T10:00:00Z' } });
    expect(stores.b!.connects).toBe(3); // first try + 2 retries
  });

  it('a transactional host gets its puts and deletes, then exactly one commit', async () => {
    const { report } = await push({ g: { caps: { transactional: true, listHash: 'sha256' } } });
    expect(report.hosts[0]).toMatchObject({ status: 'updated', uploaded: bundleCount });
    expect(stores.g!.log.filter((l) => l === 'commit')).toHaveLength(1);
    expect(stores.g!.log.at(-1)).toBe('commit');
    expect(stores.g!.connects).toBe(1); // one work tree, one commit: never spread over sessions
  });

  it('--dry-run lists the plan and touches nothing', async () => {
    const { report } = await push({ a: {} }, { dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(report.hosts[0]!.plan!.upload.at(-1)).toBe('mirror-manifest.json');
    expect(report.hosts[0]!.plan!.upload).toHaveLength(bundleCount);
    expect(stores.a!.files.size).toBe(0);
    expect(puts(stores.a!)).toHaveLength(0);
  });

  it('disabled mirrors are skipped; --only picks mirrors and an unknown name lists the known ones', async () => {
    const { report } = await push({ a: {}, off: { config: { enabled: false } } });
    expect(report.hosts.map((h) => [h.name, h.status])).toEqual([['a', 'updated'], ['off', 'skipped']]);
    const only = await push({ a: {}, b: {} }, { only: ['b'] });
    expect(only.report.hosts.map((h) => h.name)).toEqual(['b']);
    const err = await push({ a: {}, b: {} }, { only: ['nope'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('PUSH_UNKNOWN_MIRROR');
    expect((err as InputError).hint).toContain('a, b');
  });

  it('leaves pinning targets to samizdat pin, and says so when --only names one', async () => {
    const kubo = { type: 'kubo', api: 'http://127.0.0.1:9/', enabled: true };
    const lookup: PushOptions['hostTypes'] = (type) =>
      type === 'kubo' ? registryHostTypes(type) : { kind: 'files', create: (config) => new MemoryHost(config.name, stores[config.name]!) };
    const { report } = await push({ a: {}, ipfs: { config: kubo } }, { hostTypes: lookup });
    expect(registryHostTypes('kubo')?.kind).toBe('pin');
    expect(report.hosts.map((h) => h.name)).toEqual(['a']);
    const err = await push({ a: {}, ipfs: { config: kubo } }, { hostTypes: lookup, only: ['ipfs'] }).catch((e: unknown) => e);
    expect((err as SamizdatError).code).toBe('PUSH_NOT_FILE_HOST');
    expect((err as SamizdatError).hint).toContain('File hosts: a.');
  });

  it('never reports a secret, even when a server echoes it', async () => {
    const echo = new HostAuthError('a', 'denied for token hunter2-very-secret');
    const webdav = { type: 'webdav', endpoint: 'http://127.0.0.1:9/dav/', username: 'u', passwordEnv: 'SECRET_TOKEN' };
    const { report, events } = await push({ a: { config: webdav, faults: { connect: () => echo } } });
    expect(report.hosts[0]).toMatchObject({ status: 'failed', error: { code: 'HOST_AUTH' } });
    expect(report.hosts[0]!.error!.message).toContain('***');
    expect(JSON.stringify(report)).not.toContain('hunter2');
    expect(JSON.stringify(events)).not.toContain('hunter2');
  });

  it('a missing or invalid local manifest is an InputError telling to run samizdat build', async () => {
    const err = await push({ a: {} }, { siteDir: path.join(work.dir, 'nowhere') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as SamizdatError).code).toBe('MANIFEST_MISSING');
    expect((err as SamizdatError).hint).toContain('samizdat build');
    await writeFile(path.join(siteDir, 'mirror-manifest.json'), '{"format":"nope"}');
    const bad = await push({ a: {} }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(InputError);
    expect((bad as SamizdatError).hint).toContain('samizdat build');
  });

  it('refuses a bundle edited after its manifest was written', async () => {
    await writeFile(path.join(siteDir, 'style.css'), 'changed after the build');
    const err = await push({ a: {} }).catch((e: unknown) => e);
    expect((err as SamizdatError).code).toBe('MANIFEST_STALE');
    expect(stores.a!.log).toHaveLength(0);
  });

  it('a cancelled push stops every host and reports them failed with ABORTED', async () => {
    const controller = new AbortController();
    const { report } = await push(
      { a: { faults: { put: (_p, n) => (n === 3 ? (controller.abort(), undefined) : undefined) } } },
      { signal: controller.signal },
    );
    expect(report.hosts[0]).toMatchObject({ status: 'failed', error: { code: 'ABORTED' } });
    expect(stores.a!.files.has('mirror-manifest.json')).toBe(false);
  });
});
