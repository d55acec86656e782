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
    b.onResolve({ filter: /^\.\.?\// }, (args) => (args.kind === 'entry-point' ? undefined : { path: args.path.replace(/\.ts$/, '.js'), external: true }));
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
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  plugins: [keepModulesApart],
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
