// Benchmarks time the CLI as an operator runs it after `npm ci`: compiled into lib/. This
// compiles it and checks that bin/samizdat.mjs really starts from lib/ (it falls back to tsx
// when a source file is newer than the compiled copy, which would distort every figure).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));

export async function ensureCompiledCli(): Promise<string> {
  await run(process.execPath, [path.join(REPO, 'scripts/compile.mjs')]);
  const { stderr } = await run(process.execPath, [path.join(REPO, 'bin/samizdat.mjs'), '--version'], { env: { ...process.env, SAMIZDAT_DEBUG: '1' } });
  if (!stderr.includes('compiled lib/')) throw new Error(`the CLI does not start from the compiled lib/: ${stderr.trim()}`);
  return path.join(REPO, 'bin/samizdat.mjs');
}

/** Call after timing: a source edited during the run would have made later runs use tsx. */
export async function assertStillCompiled(): Promise<void> {
  const { stderr } = await run(process.execPath, [path.join(REPO, 'bin/samizdat.mjs'), '--version'], { env: { ...process.env, SAMIZDAT_DEBUG: '1' } });
  if (!stderr.includes('compiled lib/')) throw new Error('a source file changed during the benchmark, so some runs used tsx instead of the compiled lib/: run it again');
}
