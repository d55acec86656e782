/**
 * The operator's side of the CLI: suggestions for typos, a failing build that uploads nothing
 * and says so, and check's error when there is nothing to compare with.
 */
import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import type { PublishReport } from '../../src/publish/index.ts';
import { tempDir } from '../support/net.ts';

let work: { dir: string; cleanup: () => Promise<void> };

async function cli(args: string[], cwd = work.dir) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { cwd, env: { PATH: process.env.PATH }, stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  work = await tempDir('samizdat-publish-cli-');
});
afterAll(async () => work?.cleanup());

describe('samizdat CLI for operators', () => {
  it('suggests the command or flag meant, and exits 2', async () => {
    const cmd = await cli(['publsh']);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toContain("unknown command 'publsh'");
    expect(cmd.stderr).toContain('Did you mean publish?');
    const flag = await cli(['check', '--josn']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('Did you mean --json?');
  });

  it('publish --help and check --help show examples', async () => {
    for (const command of ['publish', 'check']) {
      const help = await cli([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Examples:');
      expect(help.stdout).toMatch(/Exit code/);
    }
  });

  it('a failing build uploads nothing, names the file and line, and says the mirrors keep the last publication', async () => {
    const project = path.join(work.dir, 'broken');
    await cp(path.resolve('content'), path.join(project, 'content'), { recursive: true });
    await writeFile(path.join(project, 'content', 'bad.md'), '---\ntitle: [unclosed\ndate: 2026-11-27\n---\nText.\n');
    await mkdir(path.join(project, 'mirrors'));
    await writeFile(path.join(project, 'mirrors', 'local.json'), JSON.stringify({ type: 'folder', path: 'dist/mirror' }));

    const human = await cli(['publish'], project);
    expect(human.code).toBe(1);
    expect(human.stderr).toMatch(/bad\.md:\d+/);
    expect(human.stdout).toContain('push skipped: the build failed: nothing was uploaded, every mirror still serves its previous publication');
    expect(human.stdout).toContain('Publish FAILED');
    await expect(readdir(path.join(project, 'dist', 'mirror'))).rejects.toThrow(/ENOENT/);

    const json = await cli(['publish', '--json'], project);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as PublishReport;
    expect(report.ok).toBe(false);
    expect(report.stages.map((s) => [s.stage, s.status])).toEqual([['build', 'failed'], ['pack', 'skipped'], ['pin', 'skipped'], ['push', 'skipped'], ['check', 'skipped']]);
    expect(report.stages[0]!.error!.problems!.some((p) => p.where?.includes('bad.md'))).toBe(true);
    expect(report.mirrors).toEqual([]);
  }, 120_000);

  it('check without a local build says what to run', async () => {
    const r = await cli(['check', '--no-gateways'], path.join(work.dir));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('there is no local build to compare the mirrors with');
    expect(r.stderr).toContain('samizdat build');
  });
});
