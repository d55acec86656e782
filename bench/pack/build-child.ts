// Builds the benchmark archive once, in its own process: node --import tsx build-child.ts CONTENT OUT
import { buildSite } from '../../src/build/index.ts';

const [contentDir, outDir] = process.argv.slice(2) as [string, string];
const t = performance.now();
const result = await buildSite({ contentDir, outDir, cacheDir: false, env: {} });
process.stdout.write(JSON.stringify({ articles: result.articles, files: result.manifest.files.length, seconds: (performance.now() - t) / 1000 }) + '\n');
