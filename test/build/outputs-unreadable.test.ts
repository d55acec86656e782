/**
 * A rebuild decides what it carries over from the output folder before the folder's scan is in,
 * and checks the scan before the audit. If the folder cannot be listed by then (removed or
 * replaced meanwhile), the build starts again as a whole build instead of trusting its state.
 *
 * Mock: scanOutputs is replaced to report an unlistable folder. Root (which runs the tests) can
 * list any folder, and a folder removed at the right moment would be a race, so the failure is
 * simulated; everything else (the builds, the folders, the comparison) is real.
 */
import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { tempDir } from '../support/net.ts';
import { fileTree as tree } from '../support/tree.ts';

const failNextScan = vi.hoisted(() => ({ on: false }));
vi.mock('../../src/build/output-scan.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/build/output-scan.ts')>();
  return {
    ...real,
    scanOutputs: (dir: string) => {
      if (failNextScan.on) {
        failNextScan.on = false;
        return undefined;
      }
      return real.scanOutputs(dir);
    },
  };
});
const { buildSite } = await import('../../src/build/index.ts');

const ROOT = path.resolve(import.meta.dirname, '../..');
let work: { dir: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  work = await tempDir('samizdat-unreadable-');
  await cp(path.join(ROOT, 'content'), path.join(work.dir, 'content'), { recursive: true });
  await mkdir(path.join(work.dir, 'no-mirrors'));
}, 60_000);

afterAll(async () => work?.cleanup());

it('an output folder that cannot be listed when the rebuild checks it: the bundle is built whole, and right', async () => {
  const content = path.join(work.dir, 'content');
  const out = path.join(work.dir, 'out');
  const build = (outDir: string, cacheDir: string | false) => buildSite({ contentDir: content, outDir, cacheDir, mirrorsDir: path.join(work.dir, 'no-mirrors'), env: {}, threads: false });
  await build(out, path.join(work.dir, 'cache'));
  failNextScan.on = true;
  const r = await build(out, path.join(work.dir, 'cache'));
  expect(failNextScan.on).toBe(false); // the failing scan was asked for
  expect(r.filesWritten).toBe(r.manifest.files.length);
  const fresh = path.join(work.dir, 'fresh');
  await build(fresh, false);
  expect(await tree(out)).toEqual(await tree(fresh));
  await rm(fresh, { recursive: true });
}, 120_000);
