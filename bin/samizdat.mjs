#!/usr/bin/env node
// Runs the TypeScript CLI through tsx: Node 20 cannot strip types, and a compile step would
// break `npx samizdat` right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
