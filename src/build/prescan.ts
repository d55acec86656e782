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
import type { RenderedArticle } from './render.ts';
import { startWorker } from '../workers.ts';

/** The files the scan thread parses early, and the site language it parses them for. */
export interface EarlyList {
  siteLang: string;
  files: Array<{ file: string; sourcePath: string; stamp: Stamp }>;
}

/**
 * What the scan thread posts: each scan asked for, once (null: could not be made there); with a
 * cache folder, after the content scan, the files it parses early (null: none), each one's parse
 * (null: the build parses that file itself) and then, for each file parsed there, its rendering
 * (null: a draft, or one the build renders itself).
 */
export type PrescanMessage =
  | { content: ContentScan | null }
  | { outputs: OutputScan | null }
  | { early: EarlyList | null }
  | { parsed: { file: string; answer: ParsedFile | null } }
  | { rendered: { file: string; rendered: RenderedArticle | null } };

/**
 * How long the build waits for early answers, counted from the first time it waits, before it
 * starts parsing what has not come itself (and takes whichever answer comes first): about what
 * loading the parsing code and parsing take it. The same for the renderings, which the build
 * then makes itself. Settable for tests (a thread run through tsx starts slowly). And what
 * happened (tests, measurements): files listed by the thread, parses it answered, parses and
 * renderings the build took, waits longer than waitMs.
 */
export const earlyParse = { waitMs: 150, stats: { listed: 0, answered: 0, used: 0, late: 0, renders: 0, lateRenders: 0 } };

/**
 * For the build: the early answer of parsing a file of exactly this stamp with exactly this
 * context, or undefined (none comes: parse it). One that is slow to come races parseHere. An
 * answer from the thread has `more`: the same answer with its rendering, when that comes.
 */
export type EarlyParses = (ctx: ParseContext, stamp: Stamp, parseHere: () => Promise<ParsedFile>) => Promise<(ParsedFile & { more?: () => Promise<ParsedAndRendered> }) | undefined>;

/** A value that comes once, from a message or not at all (null). */
class Later<T> {
  readonly value: Promise<T | null>;
  resolve: (v: T | null) => void = () => {};
  constructor() {
    this.value = new Promise((r) => (this.resolve = r));
  }
}

/** Resolves to undefined after ms: how long to wait, from the first wait on. */
const timer = (ms: number) => new Promise<undefined>((resolve) => setTimeout(resolve, ms, undefined).unref());

/** The build's side of the early parses: answers as they come, each taken once, and the waits for them. */
class EarlyAnswers {
  private readonly list = new Later<EarlyList>();
  private readonly parses = new Map<string, { parsed: Later<ParsedFile>; rendered: Later<RenderedArticle> }>();
  private readonly taken = new Set<string>();
  private parseDeadline: Promise<undefined> | undefined;
  private renderDeadline: Promise<undefined> | undefined;

  listed(early: EarlyList | null): void {
    if (early) {
      earlyParse.stats.listed += early.files.length;
      for (const f of early.files) this.parses.set(f.file, { parsed: new Later(), rendered: new Later() });
    }
    this.list.resolve(early);
  }

  answered(file: string, answer: ParsedFile | null): void {
    if (answer) earlyParse.stats.answered++;
    this.parses.get(file)?.parsed.resolve(answer);
  }

  rendered(file: string, rendered: RenderedArticle | null): void {
    this.parses.get(file)?.rendered.resolve(rendered);
  }

  /** The thread ended: nothing more comes. */
  end(): void {
    this.list.resolve(null);
    for (const { parsed, rendered } of this.parses.values()) {
      parsed.resolve(null);
      rendered.resolve(null);
    }
  }

  take: EarlyParses = async (ctx, stamp, parseHere) => {
    const early = await this.list.value;
    const listed = early?.files.find((f) => f.file === ctx.file);
    if (!listed || ctx.siteLang !== early!.siteLang || ctx.sourcePath !== listed.sourcePath || listed.stamp.some((v, i) => v !== stamp[i])) return undefined;
    const slot = this.parses.get(ctx.file);
    if (!slot || this.taken.has(ctx.file)) return undefined;
    this.taken.add(ctx.file);
    this.parseDeadline ??= timer(earlyParse.waitMs);
    let answer = await Promise.race([slot.parsed.value, this.parseDeadline]);
    if (answer === undefined) {
      // Late (a busy machine): parse here too, and take whichever answer comes first. A parse
      // here that loses is only lost time; its result or error is dropped.
      earlyParse.stats.late++;
      const here = parseHere();
      here.catch(() => {});
      answer = await Promise.race([slot.parsed.value, here.then(() => null)]);
      if (!answer) return here;
    }
    if (!answer) return undefined;
    earlyParse.stats.used++;
    const parsed = answer;
    // The rendering follows the parse (the thread loads the renderer after posting the parses):
    // asked for when the build has done what it can without it. Not in time: rendered there.
    const more = async (): Promise<ParsedAndRendered> => {
      this.renderDeadline ??= timer(earlyParse.waitMs);
      const rendered = await Promise.race([slot.rendered.value, this.renderDeadline]);
      if (rendered === undefined) earlyParse.stats.lateRenders++;
      if (!rendered) return parsed;
      earlyParse.stats.renders++;
      return { ...parsed, rendered };
    };
    return { ...parsed, more };
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
    } else if ('rendered' in m) {
      scans.early?.rendered(m.rendered.file, m.rendered.rendered);
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
