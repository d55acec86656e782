/**
 * The one conformance suite every MirrorHost type passes against its real server (like rclone's
 * fstests and js-stores' interface tests). A host's test file is little more than:
 *
 *   describeMirrorHost({
 *     name: 'sftp (OpenSSH)',
 *     setup: async () => ({ host, timeoutMs, withBadCredentials, stall, kill, restart, ... }),
 *     teardown: async (fixture) => { ... },
 *     skip: { 'wrong-host-key': 'a local folder has no host key' },
 *   });
 *
 * setup() runs once per file (start heavy servers there). The suite connects fixture.host,
 * works under a fresh folder per case, and closes it at the end. A case whose fault hook is
 * missing FAILS unless `skip` gives a reason for it; skipped cases are printed with their reason.
 *
 * Contract details the suite relies on beyond host.ts: connect() after close() opens the host
 * again (used after a server restart or stall), and list() never shows temp files of an
 * unfinished put.
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortedError } from '../../src/errors.ts';
import { HostAuthError, HostError, HostKeyMismatchError, HostNotFoundError, HostTimeoutError } from '../../src/mirrors/errors.ts';
import type { MirrorHost, PutSource, RemoteFile, TransferProgress } from '../../src/mirrors/host.ts';
import { tempDir } from '../support/net.ts';

export interface ConformanceFixture {
  /** The host under test, not yet connected (the suite connects it). */
  host: MirrorHost;
  /** The timeoutMs the host was configured with; required for 'stall-timeout'. Keep it short (1-5 s). */
  timeoutMs?: number;
  /** Same remote, wrong secret: connect() must throw HostAuthError. */
  withBadCredentials?(): MirrorHost;
  /** Same remote, another pinned host key: connect() must throw HostKeyMismatchError. */
  withWrongHostKey?(): MirrorHost;
  /** Makes the server stop answering (e.g. SIGSTOP) while keeping its port open; returns resume. */
  stall?(): Promise<() => Promise<void>>;
  /** Kills the server (SIGKILL), mid-operation. */
  kill?(): Promise<void>;
  /** Starts the killed server again on the same port and data, resolving once it answers. */
  restart?(): Promise<void>;
  /** A second, independent host on the same remote: what readers see. Defaults to `host`. */
  observer?(): MirrorHost;
}

export type ConformanceCase =
  | 'round-trip'
  | 'zero-length'
  | 'large'
  | 'odd-names'
  | 'nested'
  | 'parallel'
  | 'not-found'
  | 'delete-missing'
  | 'delete-many'
  | 'overwrite'
  | 'bad-path'
  | 'missing-source'
  | 'progress'
  | 'visibility'
  | 'already-aborted'
  | 'abort-midway'
  | 'bad-credentials'
  | 'wrong-host-key'
  | 'stall-timeout'
  | 'killed-mid-put';

export interface DescribeMirrorHostOptions<F extends ConformanceFixture = ConformanceFixture> {
  /** Shown as the describe() title, e.g. "s3 (OpenStack Swift s3api)". */
  name: string;
  setup(): Promise<F>;
  teardown?(fixture: F): Promise<void>;
  /** Cases that cannot apply to this host, each with the reason the suite prints. */
  skip?: Partial<Record<ConformanceCase, string>>;
  /** Size of the large file; default 12 MiB (three 5 MiB parts for a multipart S3 upload). */
  largeBytes?: number;
}

export const ODD_NAMES = [
  'with space.txt',
  'hash#tag.txt',
  'per%cent%20.txt',
  'question?mark.txt',
  'plus+and&amp=.txt',
  "quote's \"double\".txt",
  'кириллица/новости.html',
  'emoji 📰✊.txt',
  'MiXeD.Case.TXT',
  '中文 目录/文件.txt',
  'trailing.dots...txt',
];

export function describeMirrorHost<F extends ConformanceFixture>(options: DescribeMirrorHostOptions<F>): void {
  const skip = options.skip ?? {};
  const largeBytes = options.largeBytes ?? 12 * 1024 * 1024;

  describe(`MirrorHost conformance: ${options.name}`, () => {
    let fixture: F;
    let host: MirrorHost;
    let local: { dir: string; cleanup: () => Promise<void> };
    let fileCounter = 0;
    const skipped: string[] = [];

    beforeAll(async () => {
      local = await tempDir('samizdat-conformance-');
      fixture = await options.setup();
      host = fixture.host;
      await host.connect();
    });

    afterAll(async () => {
      await host?.close();
      if (fixture) await options.teardown?.(fixture);
      await local?.cleanup();
      if (skipped.length) console.warn(`MirrorHost conformance: ${options.name}: skipped cases:\n${skipped.map((s) => `  - ${s}`).join('\n')}`);
    });

    /** Registers one case, or a visible skip with its reason. */
    const test = (id: ConformanceCase, title: string, fn: () => Promise<void>, timeout?: number) => {
      const reason = skip[id];
      if (reason !== undefined) {
        if (!reason.trim()) throw new Error(`skip['${id}'] needs a reason`);
        skipped.push(`${id}: ${reason}`);
        it.skip(`${id}: ${title} (skipped: ${reason})`, () => {});
      } else {
        it(`${id}: ${title}`, fn, timeout);
      }
    };

    const hook = <K extends keyof ConformanceFixture>(id: ConformanceCase, name: K): NonNullable<ConformanceFixture[K]> => {
      const value = fixture[name];
      if (value === undefined) throw new Error(`the fixture has no ${String(name)} hook: provide it, or skip '${id}' with a reason`);
      return value as NonNullable<ConformanceFixture[K]>;
    };

    /** A fresh folder per case, so cases never see each other's files. */
    const folder = (id: string) => `conformance-${id}-${randomBytes(3).toString('hex')}`;

    const source = async (content: Uint8Array | string, contentType = 'application/octet-stream'): Promise<PutSource & { bytes: Uint8Array }> => {
      const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
      const localPath = path.join(local.dir, `src-${++fileCounter}`);
      await writeFile(localPath, bytes);
      return { localPath, size: bytes.length, sha256: sha256(bytes), contentType, cacheControl: 'public, max-age=60', bytes };
    };

    const settle = async () => {
      if (host.capabilities.transactional) await host.commit!('conformance test');
    };

    const listUnder = async (prefix: string, on: MirrorHost = host): Promise<RemoteFile[]> =>
      (await on.list())
        .filter((f) => f.path.startsWith(`${prefix}/`))
        .map((f) => ({ ...f, path: f.path.slice(prefix.length + 1) }))
        .sort((a, b) => (a.path < b.path ? -1 : 1));

    const expectListed = (file: RemoteFile | undefined, bytes: Uint8Array) => {
      expect(file, 'the file is listed').toBeDefined();
      expect(file!.size).toBe(bytes.length);
      if (file!.sha256 !== undefined) expect(file!.sha256).toBe(sha256(bytes));
      if (file!.md5 !== undefined) expect(file!.md5).toBe(md5(bytes));
      if (host.capabilities.listHash === 'sha256') expect(file!.sha256, 'listHash sha256 but no sha256 listed').toBeDefined();
    };

    const expectContent = async (remotePath: string, bytes: Uint8Array) => {
      const got = await host.read(remotePath);
      expect(got).toBeInstanceOf(Uint8Array);
      expect(got.length).toBe(bytes.length);
      expect(sha256(got)).toBe(sha256(bytes));
    };

    /** Reconnects after a fault (server restart, stall). */
    const reopen = async () => {
      await host.close();
      await host.connect();
    };

    test('round-trip', 'put, list, read and delete one file', async () => {
      const dir = folder('rt');
      const src = await source('<p>hello, mirror</p>\n', 'text/html; charset=utf-8');
      await host.put(`${dir}/index.html`, src);
      await settle();
      const listed = await listUnder(dir);
      expect(listed.map((f) => f.path)).toEqual(['index.html']);
      expectListed(listed[0], src.bytes);
      await expectContent(`${dir}/index.html`, src.bytes);
      await host.delete(`${dir}/index.html`);
      await settle();
      expect(await listUnder(dir)).toEqual([]);
      await expect(host.read(`${dir}/index.html`)).rejects.toBeInstanceOf(HostNotFoundError);
    });

    test('zero-length', 'an empty file round-trips', async () => {
      const dir = folder('zero');
      const src = await source(new Uint8Array(0));
      await host.put(`${dir}/empty.txt`, src);
      await settle();
      const listed = await listUnder(dir);
      expect(listed.map((f) => f.path)).toEqual(['empty.txt']);
      expectListed(listed[0], src.bytes);
      await expectContent(`${dir}/empty.txt`, src.bytes);
    });

    test(
      'large',
      `a ${(largeBytes / 1024 / 1024).toFixed(0)} MiB file round-trips byte for byte`,
      async () => {
        const dir = folder('large');
        const src = await source(randomBytes(largeBytes));
        await host.put(`${dir}/big.bin`, src);
        await settle();
        const listed = await listUnder(dir);
        expect(listed.map((f) => f.path)).toEqual(['big.bin']);
        expect(listed[0]!.size).toBe(largeBytes);
        if (listed[0]!.sha256 !== undefined) expect(listed[0]!.sha256).toBe(src.sha256);
        await expectContent(`${dir}/big.bin`, src.bytes);
      },
      120_000,
    );

    test('odd-names', 'spaces, #, %, ?, quotes, Cyrillic, CJK and emoji round-trip', async () => {
      const dir = folder('odd');
      const sources = new Map<string, Uint8Array>();
      for (const name of ODD_NAMES) {
        const src = await source(`content of ${name}`);
        sources.set(name, src.bytes);
        await host.put(`${dir}/${name}`, src);
      }
      await settle();
      const listed = await listUnder(dir);
      expect(listed.map((f) => f.path).sort()).toEqual([...ODD_NAMES].sort());
      for (const file of listed) expectListed(file, sources.get(file.path)!);
      for (const [name, bytes] of sources) await expectContent(`${dir}/${name}`, bytes);
      for (const name of ODD_NAMES) await host.delete(`${dir}/${name}`);
      await settle();
      expect(await listUnder(dir)).toEqual([]);
    });

    test('nested', 'nested folders are created on put and never listed as files', async () => {
      const dir = folder('nested');
      const deep = await source('deep');
      const shallow = await source('shallow');
      await host.put(`${dir}/a/b/c/deep.txt`, deep);
      await host.put(`${dir}/a/shallow.txt`, shallow);
      await settle();
      expect((await listUnder(dir)).map((f) => f.path)).toEqual(['a/b/c/deep.txt', 'a/shallow.txt']);
      await expectContent(`${dir}/a/b/c/deep.txt`, deep.bytes);
      await host.delete(`${dir}/a/b/c/deep.txt`);
      await settle();
      expect((await listUnder(dir)).map((f) => f.path)).toEqual(['a/shallow.txt']);
    });

    test('parallel', 'eight puts at once into one new folder all arrive', async () => {
      const dir = folder('parallel');
      const sources = await Promise.all(Array.from({ length: 8 }, (_, i) => source(`file ${i} `.repeat(100 + i))));
      await Promise.all(sources.map((src, i) => host.put(`${dir}/new/sub/${i}.txt`, src)));
      await settle();
      const listed = await listUnder(dir);
      expect(listed.map((f) => f.path)).toEqual(sources.map((_, i) => `new/sub/${i}.txt`));
      listed.forEach((file, i) => expectListed(file, sources[i]!.bytes));
    });

    test('not-found', 'reading a missing file throws HostNotFoundError', async () => {
      const dir = folder('missing');
      await expect(host.read(`${dir}/nothing.txt`)).rejects.toBeInstanceOf(HostNotFoundError);
      await expect(host.read(`${dir}/no/such/folder/nothing.txt`)).rejects.toBeInstanceOf(HostNotFoundError);
      const err = await host.read(`${dir}/nothing.txt`).catch((e: unknown) => e);
      expect((err as HostNotFoundError).retryable).toBe(false);
      expect((err as HostNotFoundError).host).toBe(host.name);
    });

    test('delete-missing', 'deleting a missing file succeeds', async () => {
      const dir = folder('delmissing');
      await expect(host.delete(`${dir}/nothing.txt`)).resolves.toBeUndefined();
      await expect(host.delete(`${dir}/no/such/folder/nothing.txt`)).resolves.toBeUndefined();
      await settle();
    });

    it('delete-many: deleteMany() removes every named file, missing ones included (hosts that have it)', async (ctx) => {
      if (skip['delete-many'] !== undefined || !host.deleteMany) {
        skipped.push(`delete-many: ${skip['delete-many'] ?? 'the host has no deleteMany(); push deletes one by one'}`);
        ctx.skip();
        return;
      }
      const dir = folder('delmany');
      const names = ['a.txt', 'b/c.txt', 'with space.txt', 'кириллица.txt'];
      for (const name of names) await host.put(`${dir}/${name}`, await source(name));
      await host.put(`${dir}/keep.txt`, await source('keep'));
      await settle();
      await host.deleteMany([...names.map((n) => `${dir}/${n}`), `${dir}/never-existed.txt`]);
      await settle();
      expect((await listUnder(dir)).map((f) => f.path)).toEqual(['keep.txt']);
      await expect(host.deleteMany([`${dir}/keep.txt`], { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError);
      expect((await listUnder(dir)).map((f) => f.path)).toEqual(['keep.txt']);
    });

    test('overwrite', 'a second put replaces the content, longer by shorter', async () => {
      const dir = folder('overwrite');
      await host.put(`${dir}/page.html`, await source('the first, much longer version of the page'));
      await settle();
      const second = await source('v2');
      await host.put(`${dir}/page.html`, second);
      await settle();
      await expectContent(`${dir}/page.html`, second.bytes);
      const listed = await listUnder(dir);
      expect(listed.map((f) => f.path)).toEqual(['page.html']);
      expectListed(listed[0], second.bytes);
    });

    test('bad-path', 'paths that could escape the root are refused and write nothing', async () => {
      const src = await source('escape');
      for (const bad of ['../escape.txt', '/absolute.txt', 'a/../../escape.txt', 'a/./b.txt', 'a//b.txt', '', 'back\\slash.txt']) {
        await expect(host.put(bad, src), `put ${JSON.stringify(bad)}`).rejects.toThrow();
        await expect(host.read(bad), `read ${JSON.stringify(bad)}`).rejects.toThrow();
        await expect(host.delete(bad), `delete ${JSON.stringify(bad)}`).rejects.toThrow();
      }
      await settle();
      expect((await host.list()).filter((f) => f.path.includes('escape') || f.path.includes('absolute'))).toEqual([]);
    });

    test('missing-source', 'a put whose local file is gone fails and changes nothing', async () => {
      const dir = folder('nosource');
      const old = await source('still here');
      await host.put(`${dir}/page.html`, old);
      await settle();
      const gone = { localPath: path.join(local.dir, 'does-not-exist'), size: 10, sha256: '0'.repeat(64), contentType: 'text/html' };
      await expect(host.put(`${dir}/page.html`, gone)).rejects.toThrow();
      await expect(host.put(`${dir}/new.html`, gone)).rejects.toThrow();
      await settle();
      expect((await listUnder(dir)).map((f) => f.path)).toEqual(['page.html']);
      await expectContent(`${dir}/page.html`, old.bytes);
    });

    test('progress', 'onProgress gets growing byte counts ending at the size', async () => {
      const dir = folder('progress');
      const src = await source(randomBytes(1024 * 1024 + 7));
      const events: TransferProgress[] = [];
      await host.put(`${dir}/progress.bin`, src, { onProgress: (e) => events.push(e) });
      await settle();
      expect(events.length).toBeGreaterThan(0);
      for (const e of events) {
        expect(e).toMatchObject({ type: 'transfer', path: `${dir}/progress.bin`, total: src.size });
      }
      for (let i = 1; i < events.length; i++) expect(events[i]!.bytes).toBeGreaterThanOrEqual(events[i - 1]!.bytes);
      expect(events.at(-1)!.bytes).toBe(src.size);
    });

    test('visibility', 'changes are visible to readers right after put, or (transactional hosts) only after commit()', async () => {
      const dir = folder('visible');
      const observer = fixture.observer?.() ?? host;
      if (observer !== host) await observer.connect();
      try {
        const src = await source('now you see me');
        await host.put(`${dir}/seen.txt`, src);
        if (host.capabilities.transactional) {
          expect(host.commit, 'a transactional host has commit()').toBeTypeOf('function');
          expect(observer, 'a transactional host needs an observer() hook').not.toBe(host);
          expect(await listUnder(dir, observer)).toEqual([]);
          await host.commit!('conformance: visibility');
        }
        expect((await listUnder(dir, observer)).map((f) => f.path)).toEqual(['seen.txt']);
        expect(sha256(await observer.read(`${dir}/seen.txt`))).toBe(src.sha256);
      } finally {
        if (observer !== host) await observer.close();
      }
    });

    test('already-aborted', 'an already-aborted signal throws AbortedError before doing anything', async () => {
      const dir = folder('preaborted');
      const keep = await source('keep me');
      await host.put(`${dir}/keep.txt`, keep);
      await settle();
      const signal = AbortSignal.abort(new Error('stop'));
      await expect(host.put(`${dir}/new.txt`, await source('never'), { signal })).rejects.toBeInstanceOf(AbortedError);
      await expect(host.put(`${dir}/keep.txt`, await source('replaced'), { signal })).rejects.toBeInstanceOf(AbortedError);
      await expect(host.delete(`${dir}/keep.txt`, { signal })).rejects.toBeInstanceOf(AbortedError);
      await expect(host.read(`${dir}/keep.txt`, { signal })).rejects.toBeInstanceOf(AbortedError);
      await expect(host.list({ signal })).rejects.toBeInstanceOf(AbortedError);
      await settle();
      const listed = await listUnder(dir);
      expect(listed.map((f) => f.path)).toEqual(['keep.txt']);
      await expectContent(`${dir}/keep.txt`, keep.bytes);
    });

    /** Starts a large put and calls `fault` at the first progress event in mid-transfer. */
    const putInterrupted = async (remotePath: string, fault: () => void): Promise<{ error: unknown; sawPartial: boolean }> => {
      const big = await source(randomBytes(largeBytes));
      let sawPartial = false;
      const error = await host
        .put(remotePath, big, {
          onProgress: (e) => {
            if (!sawPartial && e.bytes > 0 && e.bytes < e.total) {
              sawPartial = true;
              fault();
            }
          },
        })
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      return { error, sawPartial };
    };

    test(
      'abort-midway',
      'a put aborted half way leaves the old content and nothing partial',
      async () => {
        const dir = folder('abort');
        const old = await source('the old content');
        await host.put(`${dir}/file.bin`, old);
        await settle();
        const controller = new AbortController();
        const big = await source(randomBytes(largeBytes));
        let sawPartial = false;
        const put = host.put(`${dir}/file.bin`, big, {
          signal: controller.signal,
          onProgress: (e) => {
            if (!sawPartial && e.bytes > 0 && e.bytes < e.total) {
              sawPartial = true;
              controller.abort(new Error('user pressed ^C'));
            }
          },
        });
        await expect(put).rejects.toBeInstanceOf(AbortedError);
        expect(sawPartial, 'the host reports progress during a transfer, not only at its end').toBe(true);
        await settle();
        await expectContent(`${dir}/file.bin`, old.bytes);
        const listed = await listUnder(dir);
        expect(listed.map((f) => f.path)).toEqual(['file.bin']);
        expectListed(listed[0], old.bytes);
      },
      120_000,
    );

    test('bad-credentials', 'wrong credentials throw HostAuthError (not retryable) at connect', async () => {
      const bad = hook('bad-credentials', 'withBadCredentials')();
      try {
        const err = await bad.connect().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(HostAuthError);
        expect((err as HostAuthError).retryable).toBe(false);
        expect((err as HostAuthError).host).toBe(bad.name);
      } finally {
        await bad.close();
      }
    });

    test('wrong-host-key', 'a host key other than the pinned one throws HostKeyMismatchError', async () => {
      const wrong = hook('wrong-host-key', 'withWrongHostKey')();
      try {
        const err = await wrong.connect().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(HostKeyMismatchError);
        expect((err as HostKeyMismatchError).retryable).toBe(false);
      } finally {
        await wrong.close();
      }
    });

    test(
      'stall-timeout',
      'a server that stops answering gives HostTimeoutError within the configured timeout',
      async () => {
        const timeoutMs = fixture.timeoutMs;
        if (timeoutMs === undefined) throw new Error('the fixture must give timeoutMs when it has stall()');
        const dir = folder('stall');
        const src = await source('before the stall');
        await host.put(`${dir}/before.txt`, src);
        await settle();
        const during = await source('during the stall');
        const resume = await hook('stall-timeout', 'stall')();
        try {
          // All at once: each must give up on its own within the timeout.
          const outcomes = await Promise.all(
            (
              [
                ['list', () => host.list()],
                ['read', () => host.read(`${dir}/before.txt`)],
                ['put', () => host.put(`${dir}/during.txt`, during)],
              ] as const
            ).map(async ([what, op]) => {
              const started = Date.now();
              const err = await op().then(
                () => undefined,
                (e: unknown) => e,
              );
              return { what, err, took: Date.now() - started };
            }),
          );
          for (const { what, err, took } of outcomes) {
            expect(err, `${what} during a stall`).toBeInstanceOf(HostTimeoutError);
            expect((err as HostTimeoutError).retryable).toBe(true);
            expect(took, `${what} gave up after ${took} ms with timeoutMs ${timeoutMs}`).toBeLessThan(timeoutMs * 2 + 2000);
          }
        } finally {
          await resume();
        }
        await reopen();
        await expectContent(`${dir}/before.txt`, src.bytes);
      },
      120_000,
    );

    test(
      'killed-mid-put',
      'a server killed during a put: the put fails, and after a restart the old content is there and nothing partial',
      async () => {
        const kill = hook('killed-mid-put', 'kill');
        const restart = hook('killed-mid-put', 'restart');
        const dir = folder('killed');
        const old = await source('the old content, before the crash');
        await host.put(`${dir}/file.bin`, old);
        await settle();
        let killed: Promise<void> | undefined;
        const { error, sawPartial } = await putInterrupted(`${dir}/file.bin`, () => (killed = kill()));
        expect(sawPartial, 'the host reports progress during a transfer, not only at its end').toBe(true);
        await killed;
        expect(error, 'the put fails').toBeInstanceOf(HostError);
        await restart();
        await reopen();
        await expectContent(`${dir}/file.bin`, old.bytes);
        const listed = await listUnder(dir);
        expect(listed.map((f) => f.path)).toEqual(['file.bin']);
        expectListed(listed[0], old.bytes);
      },
      180_000,
    );
  });
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}
