#!/usr/bin/env node
// Starts the CLI from lib/ (compiled by scripts/compile.mjs) when that copy matches the sources,
// and from the TypeScript in src/ through tsx otherwise (Node 20 cannot strip types).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sourceStampSync } from '../scripts/source-stamp.mjs';

// The AWS SDK warns on every run that its 2027 releases will need Node 22; samizdat pins a
// release that supports Node 20 (see README), so the notice would only be noise in reports.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// `samizdat … | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const root = fileURLToPath(new URL('../', import.meta.url));
function compiledIsCurrent() {
  if (process.env.SAMIZDAT_FROM_SOURCE === '1') return false;
  try {
    return JSON.parse(readFileSync(new URL('../lib/stamp.json', import.meta.url), 'utf8')).stamp === sourceStampSync(root);
  } catch {
    return false;
  }
}

let main;
const compiled = compiledIsCurrent();
if (process.env.SAMIZDAT_DEBUG) process.stderr.write(`samizdat: running ${compiled ? 'the compiled lib/' : 'src/ through tsx'}\n`);
if (compiled) {
  // A rebuild's scans start on their thread before the CLI's modules load (src/cli/early-scans.ts).
  (await import('../lib/cli/early-scans.js')).prestartFromArgv(process.argv.slice(2), process.cwd());
  ({ main } = await import('../lib/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
