/**
 * The scans a rebuild of a big archive needs before it can decide anything: the article files
 * with their stats (../content/scan.ts) and what the last build left in the output folder
 * (./output-scan.ts). Tens of thousands of stats take a few tenths of a second, so the build and
 * publish commands start both on one thread before they load the build's modules, and the build
 * takes the answers when it gets to them. A thread that fails is only a lost head start: the
 * scan is then done in the calling thread.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ContentScan } from '../content/scan.ts';
import { scanOutputs, type OutputScan } from './output-scan.ts';
import { startWorker } from '../workers.ts';

/** What the scan thread posts: each scan asked for, once (null: could not be made there). */
export type PrescanMessage = { content: ContentScan | null } | { outputs: OutputScan | null };

/** How output scans on a thread ended (for tests): answered by the thread, or done here instead. */
export const scanThreadStats = { onThread: 0, here: 0 };

interface Scans {
  content?: Promise<ContentScan | undefined>;
  outputs?: Promise<OutputScan | undefined>;
}

/**
 * Scans on one worker thread (./prescan-worker.ts): the content folder first (a build needs it
 * first), then the output folder. An output scan the thread does not answer is done here; a
 * content scan it does not answer resolves to undefined, and the build scans (and reports a
 * missing folder) itself.
 */
function startScanThread(dirs: { contentDir?: string; outDir?: string }): Scans {
  let answerContent: (scan: ContentScan | undefined) => void = () => {};
  let answerOutputs: (scan: OutputScan | undefined) => void = () => {};
  const scans: Scans = {};
  if (dirs.contentDir !== undefined) scans.content = new Promise((resolve) => (answerContent = resolve));
  if (dirs.outDir !== undefined) scans.outputs = new Promise((resolve) => (answerOutputs = resolve));
  let contentOpen = scans.content !== undefined;
  let outputsOpen = scans.outputs !== undefined;
  const giveUp = () => {
    if (contentOpen) answerContent(undefined);
    contentOpen = false;
    if (outputsOpen) {
      scanThreadStats.here++;
      let scan: OutputScan | undefined;
      try {
        scan = scanOutputs(dirs.outDir!);
      } catch {
        scan = undefined; // nothing known of outDir: the whole bundle is written again
      }
      answerOutputs(scan);
    }
    outputsOpen = false;
  };
  let worker;
  try {
    worker = startWorker(new URL('./prescan-worker.ts', import.meta.url), dirs);
  } catch {
    giveUp();
    return scans;
  }
  worker.on('message', (m: PrescanMessage) => {
    if ('content' in m && contentOpen) {
      contentOpen = false;
      answerContent(m.content ?? undefined);
    } else if ('outputs' in m && outputsOpen) {
      outputsOpen = false;
      scanThreadStats.onThread++;
      answerOutputs(m.outputs ?? undefined);
    }
  });
  worker.once('error', giveUp);
  worker.once('exit', giveUp);
  return scans;
}

const prestarted = { content: new Map<string, Promise<ContentScan | undefined>>(), outputs: new Map<string, Promise<OutputScan | undefined>>() };

/**
 * Starts the scans of a rebuild about to begin: called by the CLI before it loads the build's
 * modules (a few tenths of a second). With no output folder yet (a first build) there is
 * nothing to compare with, and nothing is started.
 */
export function prestartScans(dirs: { contentDir: string; outDir: string }): void {
  const contentDir = path.resolve(dirs.contentDir);
  const outDir = path.resolve(dirs.outDir);
  if (prestarted.outputs.has(outDir) || !existsSync(outDir)) return;
  const scans = startScanThread({ contentDir, outDir });
  prestarted.content.set(contentDir, scans.content!);
  prestarted.outputs.set(outDir, scans.outputs!);
}

function take<T>(map: Map<string, T>, dir: string): T | undefined {
  const key = path.resolve(dir);
  const scan = map.get(key);
  map.delete(key);
  return scan;
}

/** The content scan prestartScans started for dir, once; undefined if none was. */
export function takePrestartedContentScan(dir: string): Promise<ContentScan | undefined> | undefined {
  return take(prestarted.content, dir);
}

/** The output scan prestartScans started for dir, once; undefined if none was. */
export function takePrestartedScan(dir: string): Promise<OutputScan | undefined> | undefined {
  return take(prestarted.outputs, dir);
}

/** Scans dir on a thread while the caller goes on, or takes the scan prestartScans started. */
export function scanOutputsOnThread(dir: string): Promise<OutputScan | undefined> {
  return takePrestartedScan(dir) ?? startScanThread({ outDir: dir }).outputs!;
}
