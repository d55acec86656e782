// Benchmarks time the CLI as an operator runs it after `npm ci`: compiled into lib/. This
// compiles it once and returns the script that starts it (./compiled-cli.mjs).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export async function ensureCompiledCli(): Promise<string> {
  await promisify(execFile)(process.execPath, [path.join(REPO, 'scripts/compile.mjs')]);
  return path.join(REPO, 'bench/lib/compiled-cli.mjs');
}
