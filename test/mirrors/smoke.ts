/**
 * A short round trip every host of this area must pass; stands in until the shared conformance
 * suite (test/mirrors/conformance.ts) is available, then the per-server files call that instead.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { HostNotFoundError } from '../../src/mirrors/errors.ts';
import type { MirrorHost, PutSource } from '../../src/mirrors/host.ts';

export async function sourceFile(content: string | Buffer): Promise<PutSource> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'samizdat-src-'));
  const localPath = path.join(dir, 'file');
  await writeFile(localPath, content);
  return { localPath, size: Buffer.byteLength(content), sha256: '', contentType: 'text/plain; charset=utf-8' };
}

const sorted = <T extends { path: string }>(files: T[]) => [...files].sort((a, b) => (a.path < b.path ? -1 : 1));

export async function roundTrip(host: MirrorHost): Promise<void> {
  await host.connect();
  const commit = async () => host.commit?.('smoke');
  expect(await host.list()).toEqual([]);
  await host.put('a/b/ünï cødé #1 %20.txt', await sourceFile('hello'));
  await host.put('top.txt', await sourceFile(''));
  await commit();
  expect(sorted(await host.list()).map(({ path, size }) => ({ path, size }))).toEqual([
    { path: 'a/b/ünï cødé #1 %20.txt', size: 5 },
    { path: 'top.txt', size: 0 },
  ]);
  await host.put('a/b/ünï cødé #1 %20.txt', await sourceFile('bye!!!'));
  await commit();
  expect(Buffer.from(await host.read('a/b/ünï cødé #1 %20.txt')).toString()).toBe('bye!!!');
  await host.delete('a/b/ünï cødé #1 %20.txt');
  await host.delete('a/b/ünï cødé #1 %20.txt');
  await commit();
  await expect(host.read('a/b/ünï cødé #1 %20.txt')).rejects.toBeInstanceOf(HostNotFoundError);
  expect((await host.list()).map(({ path, size }) => ({ path, size }))).toEqual([{ path: 'top.txt', size: 0 }]);
  await host.delete('top.txt');
  await commit();
}
