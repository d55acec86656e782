#!/usr/bin/env node
// Runs the TypeScript CLI through tsx: Node 20 cannot strip types, and a compile step would
// break `npx samizdat` right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
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
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
