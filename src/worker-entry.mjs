// Entry of every worker thread started from the TypeScript sources (src/, through tsx): plain
// JavaScript so that Node can start it in any host (the CLI, vitest, tsx). It loads the
// TypeScript through tsx, as bin/samizdat.mjs does, then the module startWorker named.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.samizdatWorkerModule);
