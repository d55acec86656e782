// The CLI loads only the command named first (src/cli/main.ts); help, suggestions and every
// command still work as when all were loaded.
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { commands } from '../../src/cli/commands/index.ts';

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: {}, cwd: process.cwd() });
  return { code, stdout, stderr };
}

describe('commands loaded on demand', () => {
  it('--help lists every command, in pipeline order', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    const listed = [...stdout.matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]);
    expect(listed.filter((c) => c !== 'help')).toEqual(commands.map((c) => c.name));
  });

  it('each command, loaded alone, has its own help', async () => {
    for (const { name } of commands) {
      const { code, stdout } = await cli([name, '--help']);
      expect(code, name).toBe(0);
      expect(stdout, name).toContain(`Usage: samizdat ${name}`);
    }
  });

  it('a mistyped command is still suggested, and a mistyped option of a command too', async () => {
    const typo = await cli(['buidl']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Did you mean build?');
    const option = await cli(['build', '--josn']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('Did you mean --json?');
  });
});
