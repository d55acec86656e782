// One worker of an AuditStream (./stream.ts): audits pages as they arrive, as the bytes a
// UTF-8 write of their text gives, and posts every result back when told the stream has ended.
import { parentPort, workerData } from 'node:worker_threads';
import { selectRules } from './rules/index.ts';
import { auditWritten, type FileResult } from './run.ts';
import type { StreamMessage, StreamWorkerInput } from './stream.ts';

const input = workerData as StreamWorkerInput;
const rules = selectRules(input.rules);
const bundle = { files: new Set(input.files), folders: new Set(input.folders) };
const results: FileResult[] = [];

parentPort!.on('message', (message: StreamMessage) => {
  if (message.type === 'end') {
    parentPort!.postMessage(results);
    parentPort!.close();
    return;
  }
  for (const [file, text] of message.pages) results.push(auditWritten(file, text, rules, bundle, true));
});
