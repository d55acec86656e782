import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { FROM_SOURCE } from './paths.ts';

/**
 * A stage's modules as one compiled file with a V8 code cache (lib/stages/, written by
 * scripts/compile.mjs). Node 20 keeps no compiled code between runs for ES modules: importing
 * the build stage's hundred-odd modules took ~220 ms of every rebuild, most of it finding,
 * parsing and compiling the same JavaScript again; one script with its cache loads in ~85 ms.
 *
 * lib/stages/NAME-HASH.cjs is a function expression (CommonJS as esbuild writes it, wrapped): it
 * takes the modules the CLI has already loaded (`shared`, listed in NAME.json), so that there is
 * one copy of each (the CLI's `instanceof SamizdatError` holds for errors thrown inside), and the
 * URL each of its modules would have as its own file in lib/ (workers and templates are found
 * from import.meta.url).
 */

/** lib/, where this module is compiled to (lib/cached-stage.js). */
const LIB = new URL('./', import.meta.url);

export type StageName = 'build';

/** Where a loaded stage publishes its instances of modules other lib/ code may import. */
const STAGE_MODULES = Symbol.for('samizdat.stageModules');

interface StageFiles {
  source: string;
  cache: string;
  shared: string[];
}

/**
 * lib/stages/NAME.json names the stage's script and cache (named by their contents). V8 takes a
 * code cache only in a process with the same V8 flags (`--max-old-space-size`, which bench:build
 * sets, is one), so a process started with options has a cache of its own beside the plain one.
 */
function stageFiles(name: StageName, lib: URL): StageFiles {
  const dir = fileURLToPath(new URL('stages/', lib));
  const files = JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8')) as StageFiles;
  const options = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ').trim();
  const cache = options ? files.cache.replace(/\.v8cache$/, `.${createHash('sha256').update(options).digest('hex').slice(0, 8)}.v8cache`) : files.cache;
  return { source: path.join(dir, files.source), cache: path.join(dir, cache), shared: files.shared };
}

interface Compiled {
  script: vm.Script;
  exports: unknown;
}

/**
 * A module namespace as esbuild's CommonJS code takes it without copying it on every require
 * (`__esModule`): the same bindings, read through.
 */
function asRequired(namespace: Record<string, unknown>): object {
  const required = { __esModule: true };
  for (const key of Object.keys(namespace)) Object.defineProperty(required, key, { enumerable: true, get: () => namespace[key] });
  return required;
}

async function runStage(files: StageFiles, lib: URL, cachedData: Buffer | undefined, filename = files.source): Promise<Compiled> {
  // Loaded already (the CLI imported them before asking for the stage): the same instances.
  const shared = new Map(await Promise.all(files.shared.map(async (rel) => [rel, asRequired(await import(new URL(rel, lib).href))] as const)));
  // V8 keeps the file name of the script that made the cache: stack traces name the file there.
  // latin1: the file is ASCII (scripts/compile.mjs), and read so it is a one-byte string at once.
  const script = new vm.Script(readFileSync(files.source, 'latin1'), { filename, cachedData });
  const requireThere = createRequire(files.source);
  const requireShared = (id: string): unknown => {
    if (!id.startsWith('samizdat-lib:')) return requireThere(id);
    const m = shared.get(id.slice('samizdat-lib:'.length));
    if (!m) throw new Error(`${files.source}: ${id} is not among the modules it was compiled to share`);
    return m;
  };
  const module = { exports: {} as unknown };
  const moduleUrl = (rel: string) => new URL(rel, lib).href;
  // Dynamic imports of packages: import() cannot run in a vm.Script on Node 20 without a flag.
  const importPackage = (specifier: string) => import(specifier);
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, requireShared, module, filename, path.dirname(filename), moduleUrl, importPackage);
  return { script, exports: module.exports };
}

/**
 * The stage's module: from lib/stages/ with its code cache when running compiled and it is
 * there, else (from src/ through tsx, or without a compiled stage) through `fallback`, the
 * plain import of the same module.
 */
export async function loadStage<T>(name: StageName, fallback: () => Promise<T>): Promise<T> {
  // SAMIZDAT_PLAIN_MODULES=1: the plain modules, to compare.
  if (FROM_SOURCE || process.env.SAMIZDAT_PLAIN_MODULES === '1') return fallback();
  let files: StageFiles;
  try {
    files = stageFiles(name, LIB);
  } catch {
    return fallback();
  }
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(files.cache);
  } catch {
    // no cache (yet): compiled from source below
  }
  let compiled: Compiled;
  try {
    compiled = await runStage(files, LIB, cachedData);
  } catch (err) {
    // Only a way to start faster: the plain modules do the same work.
    if (process.env.SAMIZDAT_DEBUG) process.stderr.write(`samizdat: ${name} stage not loaded from lib/stages/ (${err instanceof Error ? err.message : String(err)})\n`);
    return fallback();
  }
  // The Eleventy configuration (lib/eleventy.config.js) takes the stage's instances of the
  // modules it imports, rather than loading a second copy of them and all they import.
  const published = (compiled.exports as { __samizdatModules?: Record<string, unknown> }).__samizdatModules;
  if (published) Object.assign(((globalThis as Record<symbol, unknown>)[STAGE_MODULES] ??= {}) as object, published);
  const cache = !cachedData ? 'missing' : compiled.script.cachedDataRejected ? 'rejected' : 'used';
  const level = cache === 'used' ? tunedLevel(files.cache, cachedData!.length) : 0;
  if (process.env.SAMIZDAT_DEBUG) process.stderr.write(`samizdat: ${name} stage from lib/stages/ (code cache ${cache})${level ? ` [tuned ${level}]` : ''}\n`);
  // Made by another Node (an upgrade since the compile) or lost: made again for the next run,
  // where lib/ can be written.
  if (cache !== 'used') saveCache(files.cache, compiled.script, 0);
  loaded.set(name, { cache: files.cache, script: compiled.script, level });
  return compiled.exports as T;
}

/**
 * How far a stage's code cache was tuned (tuneStageCache): 0 as compiled (top-level code only),
 * 1 after a rebuild, 2 after a rebuild that rendered an article. Kept beside the cache with the
 * cache's size, so a cache written since by another process without tuning reads as 0.
 */
type TunedLevel = 0 | 1 | 2;
const tunedFile = (cache: string) => `${cache}.tuned`;

function tunedLevel(cache: string, size: number): TunedLevel {
  try {
    const t = JSON.parse(readFileSync(tunedFile(cache), 'utf8')) as { level?: unknown; size?: unknown };
    return t.size === size && (t.level === 1 || t.level === 2) ? t.level : 0;
  } catch {
    return 0;
  }
}

const loaded = new Map<StageName, { cache: string; script: vm.Script; level: TunedLevel }>();

/**
 * Saves the stage's code cache again once a rebuild has run, if it was not saved after one as
 * far yet. The cache written by the compile holds only what the modules' top-level code
 * compiled; every function a rebuild calls was then compiled from source again on every run,
 * about a tenth of a rebuild's time. A cache saved after a rebuild holds those too (V8 saves
 * every function compiled so far), so the first rebuild after an install pays for the save
 * (some tens of milliseconds) and every later one starts with them compiled. Called by the CLI
 * once its command is done; `level` says what the run did (TunedLevel).
 */
export function tuneStageCache(name: StageName, level: 1 | 2): void {
  const stage = loaded.get(name);
  if (!stage || stage.level >= level) return;
  if (saveCache(stage.cache, stage.script, level)) stage.level = level;
}

function saveCache(file: string, script: vm.Script, level: TunedLevel): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const data = script.createCachedData();
    writeFileSync(tmp, data);
    renameSync(tmp, file);
    if (level) writeFileSync(tunedFile(file), JSON.stringify({ level, size: data.length }));
    else rmSync(tunedFile(file), { force: true });
    return true;
  } catch {
    rmSync(tmp, { force: true });
    return false;
  }
}

/**
 * Writes the code cache of the compiled stage next to this module: loads it (its
 * modules' top-level code runs, as it will in the CLI) and saves what V8 compiled. Called by
 * scripts/compile.mjs in a process of its own (started without options, as the CLI is), in the
 * folder that becomes `finalLib`.
 */
export async function writeStageCache(name: StageName, finalLib: string): Promise<void> {
  const files = stageFiles(name, LIB);
  // Made after the modules' top-level code only: a cache made after a whole build (every
  // function a rebuild runs compiled) is three times the size and a rebuild no faster.
  const { script } = await runStage(files, LIB, undefined, path.join(finalLib, 'stages', path.basename(files.source)));
  if (!saveCache(files.cache, script, 0)) throw new Error(`could not write ${files.cache}`);
}
