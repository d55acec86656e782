#!/usr/bin/env node
// Compiles the audit (src/audit/** and the few modules it imports) of a checkout into a lib/
// folder of its own, the way scripts/compile.mjs does (one ESM module per source module), so
// that audit-speed.mjs can time two versions of the audit side by side without touching lib/.
//
//   node test/audit/bench/compile-audit.mjs /tmp/audit-base /tmp/audit-old   # -> /tmp/audit-old/lib
//   node test/audit/bench/compile-audit.mjs . /tmp/audit-new
import { mkdir, readdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const [checkout, outRoot] = process.argv.slice(2).map((p) => path.resolve(p));
if (!checkout || !outRoot) throw new Error('usage: compile-audit.mjs CHECKOUT OUT');
const src = path.join(checkout, 'src');
const out = path.join(outRoot, 'lib');
const entries = [
  ...(await readdir(path.join(src, 'audit'), { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath, e.name)),
  ...['errors.ts', 'paths.ts', 'workers.ts', 'progress.ts'].map((f) => path.join(src, f)),
];
await rm(out, { recursive: true, force: true });
await build({
  entryPoints: entries,
  outdir: out,
  outbase: src,
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  plugins: [
    {
      name: 'keep-modules-apart',
      setup(b) {
        b.onResolve({ filter: /^\.\.?\// }, (args) => (args.kind === 'entry-point' ? undefined : { path: args.path.replace(/\.ts$/, '.js'), external: true }));
      },
    },
  ],
});
// The compiled modules resolve parse5, postcss … from the out folder: give it the checkout's.
const here = fileURLToPath(new URL('../../../', import.meta.url));
await mkdir(outRoot, { recursive: true });
await rm(path.join(outRoot, 'node_modules'), { force: true });
await symlink(path.join(here, 'node_modules'), path.join(outRoot, 'node_modules'));
console.log(`compiled ${entries.length} modules of ${checkout} into ${out}`);
