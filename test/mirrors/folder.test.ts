import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AbortedError } from '../../src/errors.ts';
import { loadMirrorConfigs } from '../../src/mirrors/config.ts';
import { HostUnreachableError } from '../../src/mirrors/errors.ts';
import type { PutSource } from '../../src/mirrors/host.ts';
import { FOLDER_TEMP_PREFIX, FolderHost } from '../../src/mirrors/hosts/folder.ts';
import { createMirrorHost } from '../../src/mirrors/registry.ts';
import { tempDir } from '../support/net.ts';
import { describeMirrorHost } from './conformance.ts';

let root: { dir: string; cleanup: () => Promise<void> };

describeMirrorHost({
  name: 'folder (local disk)',
  async setup() {
    root = await tempDir('samizdat-folder-host-');
    return { host: new FolderHost('local', path.join(root.dir, 'mirror')) };
  },
  async teardown() {
    await root.cleanup();
  },
  skip: {
    'bad-credentials': 'a local folder has no credentials (and root bypasses file permissions)',
    'wrong-host-key': 'a local folder has no host key',
    'stall-timeout': 'a local disk has no server that can stop answering',
    'killed-mid-put': 'a local disk has no server to kill; an interrupted put is covered by abort-midway',
  },
});

describe('folder host specifics', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    tmp = await tempDir('samizdat-folder-specifics-');
  });
  afterEach(async () => tmp.cleanup());

  const sourceOf = async (text: string): Promise<PutSource> => {
    const localPath = path.join(tmp.dir, `src-${Math.random().toString(36).slice(2)}`);
    await writeFile(localPath, text);
    return { localPath, size: Buffer.byteLength(text), sha256: createHash('sha256').update(text).digest('hex'), contentType: 'text/plain' };
  };

  it('from a mirror file: a relative path lands under the project root, and the root is created on first put', async () => {
    await mkdir(path.join(tmp.dir, 'mirrors'));
    await writeFile(path.join(tmp.dir, 'mirrors', 'local.yaml'), 'type: folder\npath: dist/mirror\n');
    const [config] = await loadMirrorConfigs(path.join(tmp.dir, 'mirrors'));
    const host = createMirrorHost(config!, { env: {} });
    await host.connect();
    await host.put('index.html', await sourceOf('<p>hi</p>'));
    expect(await readFile(path.join(tmp.dir, 'dist', 'mirror', 'index.html'), 'utf8')).toBe('<p>hi</p>');
  });

  it('refuses to connect when neither the root nor its parent exists (an unmounted share)', async () => {
    const host = new FolderHost('share', path.join(tmp.dir, 'mnt', 'share', 'site'));
    const err = await host.connect().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(HostUnreachableError);
    expect((err as HostUnreachableError).retryable).toBe(false);
    await expect(stat(path.join(tmp.dir, 'mnt'))).rejects.toThrow();
  });

  it('never lists the temp files of an unfinished put, and cleans them up on abort', async () => {
    const root = path.join(tmp.dir, 'mirror');
    const host = new FolderHost('local', root);
    await host.put('a/page.html', await sourceOf('page'));
    await writeFile(path.join(root, 'a', `${FOLDER_TEMP_PREFIX}deadbeef`), 'left by a crash');
    expect((await host.list()).map((f) => f.path)).toEqual(['a/page.html']);
    const big = path.join(tmp.dir, 'big');
    await writeFile(big, Buffer.alloc(8 * 1024 * 1024, 1));
    const controller = new AbortController();
    const put = host.put('a/big.bin', { localPath: big, size: 8 * 1024 * 1024, sha256: '0'.repeat(64), contentType: 'application/octet-stream' }, {
      signal: controller.signal,
      onProgress: (e) => e.bytes > 0 && controller.abort(),
    });
    await expect(put).rejects.toBeInstanceOf(AbortedError);
    expect((await readdir(path.join(root, 'a'))).sort()).toEqual([`${FOLDER_TEMP_PREFIX}deadbeef`, 'page.html']);
  });

  it('hashOnList: false lists sizes only and says so in its capabilities', async () => {
    const host = new FolderHost('slow-mount', path.join(tmp.dir, 'mirror'), { hashOnList: false });
    await host.put('x.txt', await sourceOf('12345'));
    expect(host.capabilities.listHash).toBe('none');
    expect(await host.list()).toEqual([{ path: 'x.txt', size: 5 }]);
  });

  it('delete removes folders it leaves empty, but never the root', async () => {
    const root = path.join(tmp.dir, 'mirror');
    const host = new FolderHost('local', root);
    await host.put('a/b/c.txt', await sourceOf('c'));
    await host.put('a/d.txt', await sourceOf('d'));
    await host.delete('a/b/c.txt');
    expect(await readdir(path.join(root, 'a'))).toEqual(['d.txt']);
    await host.delete('a/d.txt');
    expect(await readdir(root)).toEqual([]);
  });
});
