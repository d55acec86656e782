// The output folder scan a rebuild compares with its state: on a thread (big bundles) it gives
// exactly what the in-thread scan gives.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prestartOutputScan, scanOutputs, scanOutputsOnThread, scanThreadStats, takePrestartedScan } from '../../src/build/output-scan.ts';
import { tempDir } from '../support/net.ts';

let root: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('samizdat-scan-'));
  for (let i = 0; i < 50; i++) {
    await mkdir(path.join(root, 'out', 'articles', `a${i}`), { recursive: true });
    await writeFile(path.join(root, 'out', 'articles', `a${i}`, 'index.html'), `page ${i}`);
  }
  await writeFile(path.join(root, 'out', 'index.html'), 'home');
  await symlink('/etc/hostname', path.join(root, 'out', 'link.txt'));
});

afterAll(async () => cleanup?.());

describe('scanning the output folder', () => {
  it('lists every file with its size, modification time and inode, and what is not a file', () => {
    const scan = scanOutputs(path.join(root, 'out'))!;
    expect(scan.files.size).toBe(51);
    expect(scan.files.get('articles/a7/index.html')).toMatch(/^6:\d+(\.\d+)?:\d+$/);
    expect(scan.others).toEqual(['link.txt']);
  });

  it('gives the same answer on a thread', async () => {
    const here = scanOutputs(path.join(root, 'out'))!;
    const before = { ...scanThreadStats };
    const there = (await scanOutputsOnThread(path.join(root, 'out')))!;
    expect(scanThreadStats).toEqual({ onThread: before.onThread + 1, here: before.here });
    expect([...there.files].sort()).toEqual([...here.files].sort());
    expect(there.others).toEqual(here.others);
  });

  it('a scan started early (by the CLI, before the build loads) is the one the build takes, once', async () => {
    const before = { ...scanThreadStats };
    prestartOutputScan(path.join(root, 'out'));
    prestartOutputScan(path.join(root, 'out', '.')); // the same folder: still one scan
    const taken = takePrestartedScan(path.join(root, 'out'));
    expect(taken).toBeDefined();
    expect(takePrestartedScan(path.join(root, 'out'))).toBeUndefined();
    expect([...(await taken)!.files].sort()).toEqual([...scanOutputs(path.join(root, 'out'))!.files].sort());
    expect(scanThreadStats.onThread).toBe(before.onThread + 1);
    // scanOutputsOnThread takes a prestarted scan too, and starts its own otherwise.
    prestartOutputScan(path.join(root, 'out'));
    expect((await scanOutputsOnThread(path.join(root, 'out')))!.files.size).toBe(51);
    expect(scanThreadStats.onThread).toBe(before.onThread + 2);
    expect(takePrestartedScan(path.join(root, 'out'))).toBeUndefined();
  });

  it('answers undefined for a folder that is not there, in a thread as here', async () => {
    expect(scanOutputs(path.join(root, 'missing'))).toBeUndefined();
    expect(await scanOutputsOnThread(path.join(root, 'missing'))).toBeUndefined();
  });
});
