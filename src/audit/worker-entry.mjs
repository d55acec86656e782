// Entry of an audit worker thread (./pool.ts). Plain JavaScript so that Node can start it in any
// host (the CLI, vitest, tsx); it loads the TypeScript through tsx, as bin/samizdat.mjs does.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
