// The thread of scanContentOnThread (./scan-thread.ts): scans one content folder and posts the
// result, or null when it cannot (the caller then scans in its own thread and reports why).
import { parentPort, workerData } from 'node:worker_threads';
import { scanContent, type ContentScan } from './scan.ts';

let scan: ContentScan | null;
try {
  scan = scanContent((workerData as { dir: string }).dir);
} catch {
  scan = null;
}
parentPort!.postMessage(scan);
