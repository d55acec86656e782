#!/usr/bin/env node
// Compiles src/ to lib/ (one JavaScript module per TypeScript module, same folders), so that the
// CLI starts without a TypeScript loader: half a second less on every command. bin/samizdat.mjs
// uses lib/ only while its stamp matches the sources (scripts/source-stamp.mjs), and runs src/
// through tsx otherwise, so an edited source is never shadowed by a stale copy.
// Run by `npm ci` (prepare) and `npm test` (pretest); `npm run compile` by hand.
import { copyFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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

// Taken before the sources are read: a file edited while compiling makes the stamp stale, never wrong.
const stamp = sourceStampSync(root);
await rm(tmp, { recursive: true, force: true });
await build({
  entryPoints: entries,
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
        b.onResolve({ filter: /^\.\/src\// }, (args) => ({ path: args.path.replace(/^\.\/src\//, './').replace(/\.ts$/, '.js'), external: true }));
      },
    },
  ],
});
await mkdir(tmp, { recursive: true });
// Plain-JavaScript modules of src/ (worker threads) are used as they are.
for (const e of await readdir(src, { recursive: true, withFileTypes: true })) {
  if (!e.isFile() || !e.name.endsWith('.mjs')) continue;
  const rel = path.relative(src, path.join(e.parentPath ?? e.path, e.name));
  await mkdir(path.dirname(path.join(tmp, rel)), { recursive: true });
  await copyFile(path.join(src, rel), path.join(tmp, rel));
}
await writeFile(path.join(tmp, 'stamp.json'), JSON.stringify({ stamp }));
// Swap whole folders so that a reader never sees half of one build and half of another.
const old = `${out}.old-${process.pid}`;
await rename(out, old).catch((err) => {
  if (err.code !== 'ENOENT') throw err;
});
await rename(tmp, out);
await rm(old, { recursive: true, force: true });
