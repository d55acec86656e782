/**
 * The scans a rebuild of a big archive needs before it can decide anything: the article files
 * with their stats (../content/scan.ts) and what the last build left in the output folder
 * (./output-scan.ts). Tens of thousands of stats take a few tenths of a second, so the build and
 * publish commands start both on one thread before they load the build's modules, and the build
 * takes the answers when it gets to them. A thread that fails is only a lost head start: the
 * scan is then done in the calling thread.
 *
 * Between the two scans the thread also parses and renders the few articles that look new or
 * edited (../content/recent.ts, ./early-parse.ts): the YAML readers, the transliteration tables,
 * markdown-it and the sanitizer then load on the second core, and the build's thread, which would
 * spend ~0.2 s loading and running them, takes the answers instead (takePrestartedEarlyParses).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ParseContext, ParsedFile } from '../content/parse.ts';
import type { ContentScan, Stamp } from '../content/scan.ts';
import { scanOutputs, type OutputScan } from './output-scan.ts';
import type { ParsedAndRendered } from './parse-render-worker.ts';
import { startWorker } from '../workers.ts';

/** The files the scan thread parses early, and the site language it parses them for. */
export interface EarlyList {
  siteLang: string;
  files: Array<{ file: string; sourcePath: string; stamp: Stamp }>;
}

/**
 * What the scan thread posts: each scan asked for, once (null: could not be made there); with a
 * cache folder, after the content scan, the files it parses early (null: none) and then each
 * one's answer (null: the build parses that file itself).
 */
export type PrescanMessage =
  | { content: ContentScan | null }
  | { outputs: OutputScan | null }
  | { early: EarlyList | null }
  | { parsed: { file: string; answer: ParsedAndRendered | null } };

/**
 * How long the build waits for early answers, counted from the first time it waits, before it
 * starts parsing what has not come itself (and takes whichever answer comes first): about what
 * loading the parsing code and parsing take it. Settable for tests (a thread run through tsx
 * starts slowly). And what happened to early parses (tests, measurements): listed by the thread,
 * answered with an article, given to the build, waited for longer than waitMs.
 */
export const earlyParse = { waitMs: 150, stats: { listed: 0, answered: 0, used: 0, late: 0 } };

/**
 * For the build: the early answer of parsing a file of exactly this stamp with exactly this
 * context, or undefined (none comes: parse it). One that is slow to come races parseHere.
 */
export type EarlyParses = (ctx: ParseContext, stamp: Stamp, parseHere: () => Promise<ParsedFile>) => Promise<ParsedFile | undefined>;

/** The build's side of the early parses: answers as they come, each taken once, and the wait for them. */
class EarlyAnswers {
  private readonly list: Promise<Map<string, EarlyList['files'][number]> | undefined>;
  private siteLang = '';
  private answerList: (files: EarlyList | null) => void = () => {};
  private listOpen = true;
  private readonly answers = new Map<string, { answer: Promise<ParsedAndRendered | null>; resolve: (a: ParsedAndRendered | null) => void }>();
  private readonly taken = new Set<string>();
  private deadline: Promise<undefined> | undefined;

  constructor() {
    this.list = new Promise((resolve) => {
      this.answerList = (early) => {
        if (!this.listOpen) return;
        this.listOpen = false;
        if (!early) return resolve(undefined);
        this.siteLang = early.siteLang;
        earlyParse.stats.listed += early.files.length;
        for (const f of early.files) this.slot(f.file);
        resolve(new Map(early.files.map((f) => [f.file, f])));
      };
    });
  }

  private slot(file: string) {
    let slot = this.answers.get(file);
    if (!slot) {
      let resolve: (a: ParsedAndRendered | null) => void = () => {};
      const answer = new Promise<ParsedAndRendered | null>((r) => (resolve = r));
      slot = { answer, resolve };
      this.answers.set(file, slot);
    }
    return slot;
  }

  listed(early: EarlyList | null): void {
    this.answerList(early);
  }

  answered(file: string, answer: ParsedAndRendered | null): void {
    if (answer) earlyParse.stats.answered++;
    this.answers.get(file)?.resolve(answer);
  }

  /** The thread ended: nothing more comes. */
  end(): void {
    this.answerList(null);
    for (const { resolve } of this.answers.values()) resolve(null);
  }

  take: EarlyParses = async (ctx, stamp, parseHere) => {
    const files = await this.list;
    const listed = files?.get(ctx.file);
    if (!listed || ctx.siteLang !== this.siteLang || ctx.sourcePath !== listed.sourcePath || listed.stamp.some((v, i) => v !== stamp[i])) return undefined;
    const slot = this.answers.get(ctx.file);
    if (!slot || this.taken.has(ctx.file)) return undefined;
    this.taken.add(ctx.file);
    this.deadline ??= new Promise((resolve) => setTimeout(resolve, earlyParse.waitMs, undefined).unref());
    let answer = await Promise.race([slot.answer, this.deadline]);
    if (answer === undefined) {
      // Late (a busy machine): parse here too, and take whichever answer comes first. A parse
      // here that loses is only lost time; its result or error is dropped.
      earlyParse.stats.late++;
      const here = parseHere();
      here.catch(() => {});
      answer = await Promise.race([slot.answer, here.then(() => null)]);
      if (!answer) return here;
    }
    if (!answer) return undefined;
    earlyParse.stats.used++;
    return answer;
  };
}

/** How output scans on a thread ended (for tests): answered by the thread, or done here instead. */
export const scanThreadStats = { onThread: 0, here: 0 };

interface Scans {
  content?: Promise<ContentScan | undefined>;
  outputs?: Promise<OutputScan | undefined>;
  early?: EarlyAnswers;
}

/**
 * Scans on one worker thread (./prescan-worker.ts): the content folder first (a build needs it
 * first), then the output folder. An output scan the thread does not answer is done here; a
 * content scan it does not answer resolves to undefined, and the build scans (and reports a
 * missing folder) itself.
 */
function startScanThread(dirs: { contentDir?: string; outDir?: string; cacheDir?: string }): Scans {
  let answerContent: (scan: ContentScan | undefined) => void = () => {};
  let answerOutputs: (scan: OutputScan | undefined) => void = () => {};
  const scans: Scans = {};
  if (dirs.contentDir !== undefined) scans.content = new Promise((resolve) => (answerContent = resolve));
  if (dirs.outDir !== undefined) scans.outputs = new Promise((resolve) => (answerOutputs = resolve));
  if (dirs.contentDir !== undefined && dirs.cacheDir !== undefined) scans.early = new EarlyAnswers();
  let contentOpen = scans.content !== undefined;
  let outputsOpen = scans.outputs !== undefined;
  const giveUp = () => {
    scans.early?.end();
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
    } else if ('early' in m) {
      scans.early?.listed(m.early);
    } else if ('parsed' in m) {
      scans.early?.answered(m.parsed.file, m.parsed.answer);
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

const prestarted = {
  content: new Map<string, Promise<ContentScan | undefined>>(),
  outputs: new Map<string, Promise<OutputScan | undefined>>(),
  early: new Map<string, EarlyParses>(),
};

/**
 * Starts the scans of a rebuild about to begin: called by the CLI before it loads the build's
 * modules (a few tenths of a second). With no output folder yet (a first build) there is
 * nothing to compare with, and nothing is started. cacheDir: the build's (buildSite's option:
 * default `<contentDir>/../.samizdat/build`; false: none, and nothing is parsed early).
 */
export function prestartScans(dirs: { contentDir: string; outDir: string; cacheDir?: string | false }): void {
  const contentDir = path.resolve(dirs.contentDir);
  const outDir = path.resolve(dirs.outDir);
  if (prestarted.outputs.has(outDir) || !existsSync(outDir)) return;
  const cacheDir = dirs.cacheDir === false ? undefined : path.resolve(dirs.cacheDir ?? path.join(contentDir, '..', '.samizdat', 'build'));
  const scans = startScanThread({ contentDir, outDir, ...(cacheDir ? { cacheDir } : {}) });
  prestarted.content.set(contentDir, scans.content!);
  prestarted.outputs.set(outDir, scans.outputs!);
  if (scans.early) prestarted.early.set(contentDir, scans.early.take);
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

/**
 * The early parses of the thread prestartScans started for the content folder dir, once;
 * undefined if none was (loadContent's `early` option).
 */
export function takePrestartedEarlyParses(dir: string): EarlyParses | undefined {
  return take(prestarted.early, dir);
}

/** The output scan prestartScans started for dir, once; undefined if none was. */
export function takePrestartedScan(dir: string): Promise<OutputScan | undefined> | undefined {
  return take(prestarted.outputs, dir);
}

/** Scans dir on a thread while the caller goes on, or takes the scan prestartScans started. */
export function scanOutputsOnThread(dir: string): Promise<OutputScan | undefined> {
  return takePrestartedScan(dir) ?? startScanThread({ outDir: dir }).outputs!;
}
