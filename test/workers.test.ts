// TaskPool: tasks run on worker threads; a task that fails there, or every task once its worker
// has died, runs in the calling thread instead, so the pool can cost time but never a result.
import { threadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { TaskPool } from '../src/workers.ts';

type In = { n: number; fail?: boolean; exit?: boolean };
type Out = { doubled: number; thread: number };
const MODULE = new URL('./support/task-worker.ts', import.meta.url);

function pool(size: number, inThread: (input: In) => Promise<Out> = async (i) => ({ doubled: i.n * 2, thread: threadId })) {
  return new TaskPool<In, Out>(MODULE, {}, inThread, size);
}

describe('TaskPool', () => {
  it('runs tasks on its worker threads, spread over them', async () => {
    const p = pool(2);
    try {
      const outs = await Promise.all(Array.from({ length: 20 }, (_, n) => p.run({ n })));
      expect(outs.map((o) => o.doubled)).toEqual(Array.from({ length: 20 }, (_, n) => n * 2));
      const threads = new Set(outs.map((o) => o.thread));
      expect(threads.has(threadId)).toBe(false);
      expect(threads.size).toBe(2);
    } finally {
      await p.close();
    }
  });

  it('runs a task that failed in a worker in the calling thread, which gives the real error', async () => {
    const p = pool(1, async (i) => {
      if (i.fail) throw new RangeError(`the real error for ${i.n}`);
      return { doubled: i.n * 2, thread: threadId };
    });
    try {
      await expect(p.run({ n: 7, fail: true })).rejects.toThrow(new RangeError('the real error for 7'));
      expect((await p.run({ n: 1 })).thread).not.toBe(threadId);
    } finally {
      await p.close();
    }
  });

  it('runs the tasks of a worker that died in the calling thread, and the next ones on the others', async () => {
    const p = pool(2);
    try {
      const outs = await Promise.all([p.run({ n: 1, exit: true }), p.run({ n: 2 }), p.run({ n: 3 })]);
      expect(outs.map((o) => o.doubled)).toEqual([2, 4, 6]);
      expect(outs[0]!.thread).toBe(threadId);
      const later = await Promise.all(Array.from({ length: 6 }, (_, n) => p.run({ n })));
      expect(new Set(later.map((o) => o.thread)).size).toBe(1);
      expect(later[0]!.thread).not.toBe(threadId);
    } finally {
      await p.close();
    }
  });
});
