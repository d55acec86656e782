/**
 * The README's quick start on a fresh clone: `npm run publish` with no configuration and an
 * empty environment builds the sample content, packs the zip, imports the bundle into the local
 * IPFS block store with its CAR, pushes to the default folder mirror under dist/, and checks it.
 * The clone is a copy of the repository's tracked files (node_modules linked in: `npm ci` is
 * what CI itself runs first).
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, readdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PublishReport } from '../../src/publish/index.ts';
import { tempDir } from '../support/net.ts';

const run = promisify(execFile);
let work: { dir: string; cleanup: () => Promise<void> };
let clone: string;

beforeAll(async () => {
  work = await tempDir('samizdat-fresh-clone-');
  clone = path.join(work.dir, 'samizdat');
  // Tracked and new files, never ignored ones (dist/, .samizdat/, node_modules/, .env).
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { maxBuffer: 64 << 20 });
  for (const file of stdout.split('\0').filter(Boolean)) {
    await mkdir(path.dirname(path.join(clone, file)), { recursive: true });
    await cp(file, path.join(clone, file)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err; // deleted in the work tree but not yet in the index
    });
  }
  await symlink(path.resolve('node_modules'), path.join(clone, 'node_modules'));
});

afterAll(async () => work?.cleanup());

it('npm run publish works on a fresh clone with an empty environment', async () => {
  const home = path.join(work.dir, 'home');
  await mkdir(home);
  const env = { PATH: process.env.PATH!, HOME: home };
  const result = await run('npm', ['run', '--silent', 'publish'], { cwd: clone, env, maxBuffer: 16 << 20 }).catch((err: { code: number; stdout: string; stderr: string }) => err);
  const output = `${result.stdout}\n${result.stderr}`;
  expect('code' in result ? result.code : 0, output).toBe(0);
  expect(result.stdout).toContain('Published: every stage and every mirror succeeded.');

  const report = JSON.parse(await readFile(path.join(clone, 'dist', 'publish.json'), 'utf8')) as PublishReport;
  expect(report.ok).toBe(true);
  expect(report.mirrors.map((m) => [m.name, m.type, m.status])).toEqual([['local', 'folder', 'updated']]);
  expect(report.check?.targets.map((t) => [t.name, t.status])).toEqual([['local', 'ok']]);
  const dist = await readdir(path.join(clone, 'dist'));
  expect(dist).toContain(`${report.ipfs!.cid}.car`);
  expect(dist).toContain(path.basename(report.zip!.path));
  expect(await readdir(path.join(clone, 'dist', 'mirror'))).toContain('index.html');
  expect((await readdir(path.join(clone, '.samizdat', 'ipfs'))).length).toBeGreaterThan(0);
  // The seed article is in the bundle: the sample content really was built.
  const home404 = await readFile(path.join(clone, 'dist', 'mirror', 'index.html'), 'utf8');
  expect(home404).toContain('Russian Foreign Minister Hosts Syria');
}, 300_000);
