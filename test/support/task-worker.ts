// A TaskPool worker for test/workers.test.ts: answers with its thread id, fails on request, and
// ends its thread on request (as a crash would).
import { threadId } from 'node:worker_threads';
import { serveTasks } from '../../src/workers.ts';

serveTasks((input: { n: number; fail?: boolean; exit?: boolean }) => {
  if (input.exit) process.exit(3);
  if (input.fail) throw new Error('refused in the worker');
  return { doubled: input.n * 2, thread: threadId };
});
