// A thread of HashPool (./hash-pool.ts): hashes batches of files, each read synchronously.
import { parentPort } from 'node:worker_threads';
import { hashFileSync } from './hash.ts';
import type { HashOutcome } from './hash-pool.ts';

const buffer = Buffer.alloc(1 << 20);

parentPort!.on('message', ({ id, files }: { id: number; files: string[] }) => {
  const out = files.map((file): HashOutcome => {
    try {
      const { size, sha256 } = hashFileSync(file, buffer);
      return [size, sha256];
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return [-1, e.code ?? 'READ_FAILED', e.message];
    }
  });
  parentPort!.postMessage({ id, out });
});
