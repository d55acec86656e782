import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { tempDir } from '../support/net.ts';
import { fixtureFiles, writeFixture } from './fixture.ts';

function capture() {
  let stdout = '';
  let stderr = '';
  return {
    io: { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: {} as NodeJS.ProcessEnv },
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
  };
}

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('samizdat-cli-build-'));
  await writeFixture(path.join(root, 'content'), fixtureFiles());
});
afterAll(() => cleanup());

describe('samizdat build', () => {
  it('--json prints one object with pages, feeds, warnings and no errors', async () => {
    const c = capture();
    const code = await main(['build', '--json'], { ...c.io, cwd: root });
    expect(code).toBe(0);
    const out = JSON.parse(c.stdout);
    expect(out).toMatchObject({ ok: true, articles: 4, errors: [], skipped: [], outDir: path.join(root, 'dist/site') });
    expect(out.pages).toBeGreaterThan(10);
    expect(out.feeds).toContain('atom.xml');
    expect(out.warnings).toContainEqual(expect.objectContaining({ code: 'REMOTE_IMAGE', file: 'en/first.md', line: 12 }));
    expect(out.publication.id).toMatch(/^2024-03-01-[0-9a-f]{12}$/);
  });

  it('--json reports every problem with file and line, and exits 1', async () => {
    await writeFile(path.join(root, 'content', 'bad.md'), '---\ntitle: x\ndate: 2024-13-01\nslug: ../up\n---\n');
    const c = capture();
    const code = await main(['build', '--json', '--out', 'out2'], { ...c.io, cwd: root });
    expect(code).toBe(1);
    const out = JSON.parse(c.stdout);
    expect(out.ok).toBe(false);
    expect(out.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'INVALID_DATE', file: 'bad.md', line: 3 }),
        expect.objectContaining({ code: 'SLUG_ESCAPES', file: 'bad.md', line: 4 }),
      ]),
    );
  });

  it('prints file:line and hints for people, and builds the rest with --skip-invalid', async () => {
    const c = capture();
    expect(await main(['build', '--out', 'out3'], { ...c.io, cwd: root })).toBe(1);
    expect(c.stderr).toContain('bad.md:3: "2024-13-01" is not a possible date');
    expect(c.stderr).toContain('→ Write the date as YYYY-MM-DD');
    const d = capture();
    expect(await main(['build', '--out', 'out3', '--skip-invalid'], { ...d.io, cwd: root })).toBe(0);
    expect(d.stdout).toMatch(/^Built 4 article\(s\) into out3/);
    expect(d.stderr).toContain('1 article(s) skipped');
    expect(d.stderr).toContain('warning: en/first.md:12: remote image');
  });
});
