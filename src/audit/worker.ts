// One audit worker thread: audits its share of the bundle's files and posts the findings back.
import { parentPort, workerData } from 'node:worker_threads';
import { selectRules } from './rules/index.ts';
import { auditFiles } from './run.ts';
import type { WorkerInput } from './pool.ts';

const input = workerData as WorkerInput;
const bundle = {
  files: new Set(input.files),
  folders: new Set(input.folders),
  others: new Map(input.others),
};
const results = await auditFiles(input.dir, input.chunk, selectRules(input.rules), bundle, { record: input.record });
parentPort!.postMessage(results);
