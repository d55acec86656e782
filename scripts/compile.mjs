#!/usr/bin/env node
// Compiles src/ to lib/ (one JavaScript module per TypeScript module, same folders), so that the
// CLI starts without a TypeScript loader: half a second less on every command. bin/samizdat.mjs
// uses lib/ only while its stamp matches the sources (scripts/source-stamp.mjs), and runs src/
// through tsx otherwise, so an edited source is never shadowed by a stale copy.
// The build stage is also compiled into one script with a V8 code cache (lib/stages/, below).
// Run by `npm ci` (prepare) and `npm test` (pretest); `npm run compile` by hand.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { sourceStampSync } from './source-stamp.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const src = path.join(root, 'src');
const out = path.join(root, 'lib');
const tmp = path.join(root, `.lib-${process.pid}.tmp`);

const entries = (await readdir(src, { recursive: true, withFileTypes: true }))
  .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
  .map((e) => path.join(e.parentPath ?? e.path, e.name));

// Each module stays its own file (so import.meta.url keeps pointing where the source expects);
// relative imports are left as imports, renamed from .ts to .js.
const keepModulesApart = {
  name: 'keep-modules-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => (args.kind === 'entry-point' || !args.importer.startsWith(src) ? undefined : { path: args.path.replace(/\.ts$/, '.js'), external: true }));
  },
};

/**
 * Dependencies of the build's hot path, compiled into shared chunks of lib/vendor/ (one copy of
 * each, shared by every module and worker that imports it). Loading them from a few big files
 * instead of hundreds of small ones in node_modules takes a third of a second off the start of
 * every command and of every worker thread. They are plain JavaScript that never looks for its
 * own files. Everything else stays an import of node_modules: Eleventy (reads its own files),
 * the mirror SDKs (lazy, some native) and the rest.
 */
const BUNDLED = ['zod', 'yaml', 'js-yaml', 'parse5', 'saxes', 'markdown-it', 'sanitize-html', 'htmlparser2', 'postcss', 'transliteration', 'p-limit', 'multiformats', 'image-size', 'entities', 'commander'];
const packageOf = (spec) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
const bundleHotDependencies = {
  name: 'bundle-hot-dependencies',
  setup(b) {
    // Only samizdat's own imports choose; a bundled package's own dependencies go with it.
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind === 'entry-point' || !args.importer.startsWith(src) || args.path.startsWith('node:')) return undefined;
      return BUNDLED.includes(packageOf(args.path)) ? undefined : { path: args.path, external: true };
    });
  },
};

/**
 * The build stage once more, as one script with a V8 code cache (lib/stages/build-HASH.cjs and
 * .v8cache, named in build.json, loaded by src/cached-stage.ts, which says why). Its modules are the ones
 * src/build/index.ts reaches that the CLI has not loaded before it asks for the stage: what
 * src/cli/main.ts imports, and what the build command imports first (the prestarted scans),
 * stay the CLI's own instances, passed in (`samizdat-lib:` requires), so that no module is ever
 * loaded twice in one thread with state of its own. A module's import.meta.url becomes the URL
 * of its own lib/ file, so workers and templates are found as from lib/. Without the stage (it
 * failed to compile or load here) the CLI imports lib/build/index.js as before.
 */
const STAGES = [{ name: 'build', entry: 'build/index.ts', command: 'cli/commands/build.ts' }];
// Also bundled in a stage: plain ES module files of packages that CommonJS could not require().
const STAGE_BUNDLED = [...BUNDLED, '@11ty/eleventy-plugin-rss'];

/**
 * src/ modules (absolute paths) the CLI may have loaded when it asks for the stage: what
 * src/cli/main.ts and src/cli/early-scans.ts (which bin/samizdat.mjs loads first) import, what every command that loads this stage imports (the CLI loads only
 * the command it runs, src/cli/commands/index.ts), and what the stage's command imports on the
 * way (the prestarted scans). Modules only other commands import are compiled into the stage:
 * importing them as modules of their own cost a rebuild some milliseconds. From the graph of the
 * one-module-per-file compile (its relative imports are external, renamed to .js).
 */
async function modulesLoadedBefore(stage, libGraph) {
  const commandsDir = path.join(src, 'cli/commands');
  const commands = [];
  for (const f of (await readdir(commandsDir)).filter((f) => f.endsWith('.ts'))) {
    const file = path.join(commandsDir, f);
    if (file === path.join(src, stage.command) || (await readFile(file, 'utf8')).includes(`loadStage('${stage.name}'`)) commands.push(file);
  }
  const imports = (file, kind) =>
    (libGraph.inputs[path.relative(root, file)]?.imports ?? [])
      .filter((i) => i.kind === kind && i.external && /^\.\.?\//.test(i.path))
      .map((i) => path.resolve(path.dirname(file), i.path.replace(/\.js$/, '.ts')));
  const stageEntry = path.join(src, stage.entry);
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    imports(file, 'import-statement').forEach(visit);
  };
  [path.join(src, 'cli/main.ts'), path.join(src, 'cli/early-scans.ts'), ...commands].forEach(visit);
  imports(path.join(src, stage.command), 'dynamic-import').filter((f) => f !== stageEntry).forEach(visit);
  if (seen.has(stageEntry)) throw new Error(`${stage.entry} is imported statically before the stage loads`);
  return seen;
}

async function bundleStage(stage, libGraph, configImports) {
  const shared = await modulesLoadedBefore(stage, libGraph);
  const libPath = (abs) => path.relative(src, abs).split(path.sep).join('/').replace(/\.ts$/, '.js');
  const outfile = path.join(tmp, 'stages', `${stage.name}.cjs`);
  // The stage's entry, and its instances of the modules the Eleventy configuration imports
  // (__samizdatModules, by lib/ path: the configuration takes those).
  const published = [...configImports].filter((f) => !shared.has(f));
  const entry = [
    `export * from ${JSON.stringify(`./${stage.entry}`)};`,
    ...published.map((f, i) => `import * as m${i} from ${JSON.stringify(`./${path.relative(src, f).split(path.sep).join('/')}`)};`),
    `export const __samizdatModules = { ${published.map((f, i) => `${JSON.stringify(libPath(f))}: m${i}`).join(', ')} };`,
  ].join('\n');
  // Filters (regular expressions run by esbuild itself) rather than a callback for each of the
  // thousand imports: a shared module stands for the CLI's instance, a package not bundled stays
  // a require() or import() of node_modules.
  const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  const packages = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.optionalDependencies }).filter((p) => !STAGE_BUNDLED.includes(p));
  const { metafile } = await build({
    stdin: { contents: entry, resolveDir: src, sourcefile: `${stage.name}-stage.js`, loader: 'js' },
    outfile,
    absWorkingDir: root,
    bundle: true,
    metafile: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    logOverride: { 'empty-import-meta': 'error' },
    plugins: [
      {
        name: 'stage',
        setup(b) {
          const names = [...new Set([...shared].map((f) => path.basename(f)))];
          b.onResolve({ filter: new RegExp(`^\\.\\.?/(.*/)?(${names.map(escape).join('|')})$`) }, (args) => {
            const abs = path.resolve(args.resolveDir, args.path);
            return shared.has(abs) ? { path: `samizdat-lib:${libPath(abs)}`, external: true } : undefined;
          });
          b.onResolve({ filter: new RegExp(`^(${packages.map(escape).join('|')})(/|$)`) }, (args) => ({ path: args.path, external: true }));
          b.onLoad({ filter: new RegExp(`^${escape(src + path.sep)}.*\\.ts$`) }, async (args) => {
            const text = await readFile(args.path, 'utf8');
            return { contents: text.replaceAll('import.meta.url', `__samizdatModuleUrl(${JSON.stringify(libPath(args.path))})`), loader: 'ts' };
          });
        },
      },
    ],
  });
  let code = await readFile(outfile, 'utf8');
  // import() cannot run in a vm.Script on Node 20: each import of a package goes through the
  // loader's own (and the compile fails rather than leave one behind).
  const dynamic = new Set(Object.values(metafile.outputs).flatMap((o) => o.imports.filter((i) => i.kind === 'dynamic-import' && i.external).map((i) => i.path)));
  for (const spec of dynamic) code = code.replaceAll(`import(${JSON.stringify(spec)})`, `__samizdatImport(${JSON.stringify(spec)})`);
  const left = code.match(/(?<![\w$.])import\s*\(/);
  if (left) throw new Error(`an import() is left in ${outfile} at ${left.index}`);
  // ASCII only, so that the CLI reads it as a one-byte string (reading 2.4 MB as UTF-8 takes
  // 15 ms). What esbuild leaves (comments, a regular expression) is escaped: the same text.
  if (/\\[^\x00-\x7f]/.test(code)) throw new Error(`${outfile} has an escaped non-ASCII character`);
  code = code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const params = ['exports', 'require', 'module', '__filename', '__dirname', '__samizdatModuleUrl', '__samizdatImport'];
  const script = `(function (${params.join(', ')}) {${code}\n})\n`;
  await rm(outfile);
  // Named by their contents, and found through NAME.json: a CLI that reads them while lib/ is
  // swapped finds no file (and imports the plain modules) rather than a cache of another script
  // (V8 checks only its length).
  const id = `${stage.name}-${createHash('sha256').update(script).digest('hex').slice(0, 12)}`;
  await writeFile(path.join(tmp, 'stages', `${id}.cjs`), script);
  // The shared modules the stage requires, which the loader hands it (importing any not loaded yet).
  const required = new Set(Object.values(metafile.outputs).flatMap((o) => o.imports.filter((i) => i.path.startsWith('samizdat-lib:')).map((i) => i.path.slice('samizdat-lib:'.length))));
  const files = { source: `${id}.cjs`, cache: `${id}.v8cache`, shared: [...required].sort() };
  await writeFile(path.join(tmp, 'stages', `${stage.name}.json`), JSON.stringify(files, null, 1) + '\n');
}

/** The stage's code cache, made once lib/ is complete in tmp. */
async function cacheStage(stage) {
  // Run in a process of its own, as the CLI runs it: what V8 compiled on the way is kept.
  const loader = pathToFileURL(path.join(tmp, 'cached-stage.js')).href;
  // A script file, not `node -e`: the cache is kept per set of Node options (src/cached-stage.ts).
  const maker = path.join(tmp, 'stages', `make-${stage.name}-cache.mjs`);
  await writeFile(maker, `import { writeStageCache } from ${JSON.stringify(loader)};\nawait writeStageCache(${JSON.stringify(stage.name)}, ${JSON.stringify(out)});\n`);
  try {
    await promisify(execFile)(process.execPath, [maker]);
  } finally {
    await rm(maker, { force: true });
  }
}

// Taken before the sources are read: a file edited while compiling makes the stamp stale, never wrong.
const stamp = sourceStampSync(root);
await rm(tmp, { recursive: true, force: true });
const { metafile: libGraph } = await build({
  entryPoints: entries,
  absWorkingDir: root,
  metafile: true,
  outdir: tmp,
  outbase: src,
  bundle: true,
  splitting: true,
  chunkNames: 'vendor/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // The bundled CommonJS packages call require() for Node's own modules.
  banner: { js: "import { createRequire as __samizdatCreateRequire } from 'node:module'; const require = __samizdatCreateRequire(import.meta.url);" },
  plugins: [keepModulesApart, bundleHotDependencies],
});
/** Export names of a lib/ module (path relative to lib/), from the compile's graph. */
const libExports = (rel) => libGraph.outputs[path.relative(root, path.join(tmp, rel))]?.exports;
const configImports = new Set();
// The Eleventy configuration too (lib/eleventy.config.js), so that a compiled build needs no
// TypeScript loader at all: its imports of src/… become imports of the compiled modules.
await build({
  entryPoints: [path.join(root, '.eleventy.ts')],
  outfile: path.join(tmp, 'eleventy.config.js'),
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  plugins: [
    {
      name: 'config-imports-lib',
      setup(b) {
        // Each through a stand-in that takes the build stage's instance when the stage is loaded
        // (src/cached-stage.ts), not a second copy of the module and all it imports.
        b.onResolve({ filter: /^\.\/src\// }, (args) => {
          configImports.add(path.join(root, args.path));
          return { path: args.path.replace(/^\.\/src\//, '').replace(/\.ts$/, '.js'), namespace: 'stage-or-lib' };
        });
        b.onResolve({ filter: /.*/, namespace: 'stage-or-lib' }, (args) => ({ path: args.path, external: true }));
        b.onLoad({ filter: /.*/, namespace: 'stage-or-lib' }, (args) => {
          const names = libExports(args.path);
          if (!names) throw new Error(`no exports known for ${args.path}`);
          return {
            contents: [
              `const m = globalThis[Symbol.for('samizdat.stageModules')]?.[${JSON.stringify(args.path)}] ?? (await import(${JSON.stringify(`./${args.path}`)}));`,
              ...names.map((n) => (n === 'default' ? 'export default m.default;' : `export const ${n} = m.${n};`)),
            ].join('\n'),
            loader: 'js',
          };
        });
      },
    },
  ],
});
// The stages compile meanwhile (their code caches need the whole of lib/, below).
const staged = STAGES.map((stage) => bundleStage(stage, libGraph, configImports));
staged.forEach((p) => p.catch(() => {})); // reported below
await mkdir(tmp, { recursive: true });
// Plain-JavaScript modules of src/ (worker threads) are used as they are.
for (const e of await readdir(src, { recursive: true, withFileTypes: true })) {
  if (!e.isFile() || !e.name.endsWith('.mjs')) continue;
  const rel = path.relative(src, path.join(e.parentPath ?? e.path, e.name));
  await mkdir(path.dirname(path.join(tmp, rel)), { recursive: true });
  await copyFile(path.join(src, rel), path.join(tmp, rel));
}

for (const [i, stage] of STAGES.entries()) {
  try {
    await staged[i];
    await cacheStage(stage);
  } catch (err) {
    // The CLI works without it (a little slower to start): say so, and leave no half of one.
    process.stderr.write(`compile: the ${stage.name} stage is not compiled into one file: ${err.stderr || err.message}\n`);
    const left = await readdir(path.join(tmp, 'stages')).catch(() => []);
    await Promise.all(left.filter((f) => f.startsWith(`${stage.name}.`) || f.startsWith(`${stage.name}-`)).map((f) => rm(path.join(tmp, 'stages', f), { force: true })));
  }
}
await writeFile(path.join(tmp, 'stamp.json'), JSON.stringify({ stamp }));
// Swap whole folders so that a reader never sees half of one build and half of another.
const old = `${out}.old-${process.pid}`;
await rename(out, old).catch((err) => {
  if (err.code !== 'ENOENT') throw err;
});
await rename(tmp, out);
await rm(old, { recursive: true, force: true });
