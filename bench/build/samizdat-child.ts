// One samizdat build in its own process (so /usr/bin/time sees its peak memory); prints the
// result summary and per-stage milliseconds as JSON on stdout.
import { buildSite, type BuildStage } from '../../src/build/index.ts';

const [contentDir, outDir, cacheDir] = process.argv.slice(2) as [string, string, string];
const stages: Partial<Record<BuildStage, number>> = {};
let current: BuildStage | undefined;
let since = performance.now();
const result = await buildSite({
  contentDir,
  outDir,
  cacheDir,
  env: {},
  onProgress: (e) => {
    if (e.type !== 'stage') return;
    const now = performance.now();
    if (current) stages[current] = Math.round(now - since);
    current = e.stage;
    since = now;
  },
});
if (current) stages[current] = Math.round(performance.now() - since);
process.stdout.write(JSON.stringify({ articles: result.articles, pages: result.pages, files: result.manifest.files.length, rendered: result.rendered, stages }) + '\n');
