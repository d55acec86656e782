// One worker of an AuditStream (./stream.ts): audits pages as they arrive, as the bytes a
// UTF-8 write of their text gives, and posts every result back when told the stream has ended.
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { hashFileSync } from '../manifest/hash.ts';
import { selectRules } from './rules/index.ts';
import { auditWritten, type FileResult } from './run.ts';
import { cssResultsLearned } from './css.ts';
import { FragmentMemo } from './fragments.ts';
import { shortcutsPassed } from './cache.ts';
import type { StreamMessage, StreamWorkerInput, StreamWorkerOutput } from './stream.ts';

const input = workerData as StreamWorkerInput;
const rules = selectRules(input.rules);
const bundle = { files: new Set(input.files), folders: new Set(input.folders) };
const results: FileResult[] = [];
// Feed HTML and entries found clean, and stylesheets read, go back with the results, for the
// memo a rebuild uses (./fragments.ts): a first build leaves it as full as a rebuild would.
const memo = FragmentMemo.inMemory(rules.map((r) => r.name));
memo.listLearned();
const reported = new Set<string>();

parentPort!.on('message', (message: StreamMessage) => {
  if (message.type === 'end') {
    const onDisk: StreamWorkerOutput['onDisk'] = [];
    if (message.readBack !== undefined) {
      const buffer = Buffer.alloc(1 << 20);
      for (const r of results) {
        try {
          const { size, sha256, stat } = hashFileSync(path.join(message.readBack, ...r.file.split('/')), buffer);
          onDisk.push([r.file, size, sha256, stat.mtimeMs, stat.ino]);
        } catch {
          // Not readable as a regular file: the build hashes it itself and reports what is wrong.
        }
      }
    }
    parentPort!.postMessage({ results, onDisk } satisfies StreamWorkerOutput);
    parentPort!.close();
    return;
  }
  for (const [file, text] of message.pages) {
    const result = auditWritten(file, text, rules, bundle, true, memo);
    const fragments = memo.takeLearned();
    const css = cssResultsLearned();
    // The self checks this thread passed, once each: the next audit need not run their probes.
    const checked = shortcutsPassed().filter((name) => !reported.has(name));
    for (const name of checked) reported.add(name);
    if (fragments.length > 0 || css.length > 0 || checked.length > 0) result.learned = { fragments, css, ...(checked.length > 0 ? { checked } : {}) };
    results.push(result);
  }
});
