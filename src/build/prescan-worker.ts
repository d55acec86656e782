// The thread of ./prescan.ts: scans the folders it is given, the content folder first, and posts
// each result as soon as it has it.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { scanContent } from '../content/scan.ts';
import { scanOutputs } from './output-scan.ts';
import type { PrescanMessage } from './prescan.ts';

const { contentDir, outDir } = workerData as { contentDir?: string; outDir?: string };
const post = (m: PrescanMessage) => parentPort!.postMessage(m);
if (contentDir !== undefined) {
  let scan = null;
  try {
    scan = scanContent(contentDir);
  } catch {
    // The build scans again in its own thread, and reports what is wrong.
  }
  post({ content: scan });
}
if (outDir !== undefined) {
  // The build wants the output scan last (after its audit): on two cores, the scan should take
  // what the build's own thread leaves, not a core from it. On Linux a priority is per thread.
  if (process.platform === 'linux') {
    try {
      setPriority(10);
    } catch {
      // Not allowed: the scan runs at the build's priority.
    }
  }
  post({ outputs: scanOutputs(outDir) ?? null });
}
