/** `samizdat push` through the CLI entry point, against real folder mirrors. */
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { tempDir } from '../support/net.ts';
import { BASE_FILES, writeBundle } from './bundle.ts';

let work: { dir: string; cleanup: () => Promise<void> };

function io(tty = false) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      stdout: { write: (s: string) => out.push(s), isTTY: tty },
      stderr: { write: (s: string) => err.push(s), isTTY: tty, columns: 100 },
      env: {},
      cwd: work.dir,
    },
  };
}

beforeAll(async () => {
  work = await tempDir('samizdat-push-cli-');
  await writeBundle(path.join(work.dir, 'dist/site'), BASE_FILES, { date: '2026-06-02T10:00:00Z' });
  await mkdir(path.join(work.dir, 'mirrors'));
  await mkdir(path.join(work.dir, 'out'));
  await writeFile(path.join(work.dir, 'mirrors/one.json'), JSON.stringify({ type: 'folder', path: 'out/one' }));
  await writeFile(path.join(work.dir, 'mirrors/two.yaml'), 'type: folder\npath: out/two\n');
});
afterAll(() => work.cleanup());

describe('samizdat push', () => {
  it('--dry-run lists what would change and touches nothing', async () => {
    const t = io();
    expect(await main(['push', '--dry-run'], t.io)).toBe(0);
    const text = t.out.join('');
    expect(text).toContain('one: 10 to upload, 0 to delete');
    expect(text).toContain('  + mirror-manifest.json');
    expect(text).toMatch(/one\s+folder\s+would update\s+10/);
    const written = (await readdir(path.join(work.dir, 'out'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    expect(written).toEqual([]);
  });

  it('pushes every mirror; quiet on stderr when not a terminal; prints the table', async () => {
    const t = io();
    expect(await main(['push'], t.io)).toBe(0);
    expect(t.err.join('')).toBe('');
    expect(t.out.join('')).toMatch(/one\s+folder\s+updated\s+10\s+0\s+0/);
    expect(t.out.join('')).toMatch(/two\s+folder\s+updated\s+10/);
    expect((await readdir(path.join(work.dir, 'out/one'))).sort()).toContain('mirror-manifest.json');
  });

  it('--json gives the report as one object; a failed host makes the exit code 1 and says what it still serves', async () => {
    // The mirrors' folder becomes a plain file: the folder host cannot create or open its root.
    await rename(path.join(work.dir, 'out'), path.join(work.dir, 'out-gone'));
    await writeFile(path.join(work.dir, 'out'), 'not a folder');
    await writeBundle(path.join(work.dir, 'dist/site'), { ...BASE_FILES, 'articles/third/index.html': 'new' }, { date: '2026-06-09T10:00:00Z' });
    const j = io();
    expect(await main(['push', '--json', '--only', 'one'], j.io)).toBe(1);
    const report = JSON.parse(j.out.join(''));
    expect(report.hosts).toHaveLength(1);
    expect(report.hosts[0]).toMatchObject({ name: 'one', status: 'failed', serving: { source: 'last-push', publication: { date: '2026-06-02T10:00:00Z' } } });
    const t = io();
    expect(await main(['push'], t.io)).toBe(1);
    expect(t.out.join('')).toContain('one was not updated and still serves the publication of 2 June 2026');
    await rm(path.join(work.dir, 'out'));
    await rename(path.join(work.dir, 'out-gone'), path.join(work.dir, 'out'));
  });

  it('an unknown --only name is an error listing the known names', async () => {
    const t = io();
    expect(await main(['push', '--only', 'nope'], t.io)).toBe(1);
    expect(t.err.join('')).toContain('there is no mirror named "nope"');
    expect(t.err.join('')).toContain('Known mirrors: one, two.');
  });

  it('a missing build says to run samizdat build', async () => {
    const t = io();
    expect(await main(['push', '--site', 'nowhere'], t.io)).toBe(1);
    expect(t.err.join('')).toMatch(/no mirror-manifest\.json in .*nowhere[\s\S]*samizdat build/);
  });

  it('draws a progress line per host on a terminal', async () => {
    await writeBundle(path.join(work.dir, 'dist/site'), { ...BASE_FILES, 'articles/fourth/index.html': 'newer' }, { date: '2026-06-10T10:00:00Z' });
    const t = io(true);
    expect(await main(['push'], t.io)).toBe(0);
    const drawn = t.err.join('');
    expect(drawn).toContain('\x1b[2K');
    expect(drawn).toMatch(/one\s+\[#+\] 2\/2 files/);
    expect(drawn).toMatch(/two\s+\[#+\] 2\/2 files/);
  });
});
