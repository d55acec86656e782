// The thread of scanOutputsOnThread (./output-scan.ts): scans one folder and posts the result.
import { parentPort, workerData } from 'node:worker_threads';
import { scanOutputs } from './output-scan.ts';

parentPort!.postMessage(scanOutputs((workerData as { dir: string }).dir) ?? null);
