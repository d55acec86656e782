/**
 * npm run bench:build [-- --count N] [--work DIR] [--skip-hugo] [--skip-eleventy] [--pairs N]
 *
 * Generates a deterministic synthetic archive (bench/lib/archive.ts; default 10,000 articles of
 * about 1,000 words, Latin and Cyrillic, with tags) and measures side by side, each in its own
 * process under /usr/bin/time: samizdat build (cold cache), raw Eleventy on the same Markdown
 * with a minimal layout, Debian's hugo on the same files, and samizdat rebuilding after one new
 * article (warm cache). Prints wall time, peak RSS, ratios and article page gzipped sizes.
 * Put --work on tmpfs (default /dev/shm when it exists) to measure CPU rather than the disk.
 * --pairs N then repeats, N times back to back, the cold build with raw Eleventy and the rebuild
 * with hugo, and reports the median of each ratio (the machine's speed drifts between runs).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { articleText, generateArchive } from '../lib/archive.ts';
import { ensureCompiledCli } from '../lib/compiled-cli.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const count = Number(arg('count') ?? 10_000);
const work = path.resolve(arg('work') ?? (existsSync('/dev/shm') ? path.join('/dev/shm', 'samizdat-bench') : path.join(REPO, 'bench/.work')));
const skipHugo = process.argv.includes('--skip-hugo');
const skipEleventy = process.argv.includes('--skip-eleventy');
const pairCount = Number(arg('pairs') ?? 0);

interface Run {
  wallS: number;
  peakMiB: number;
  out: string;
}

/**
 * Every tool runs in a clean environment (PATH and HOME), as on an operator's machine, not in
 * whatever the caller's shell holds: these machines set NODE_EXTRA_CA_CERTS (their npm proxy's
 * certificate authority), which Node 20 parses at the start of every process, before any of its
 * code runs (~70 ms here; nodejs/node#40524), and a stray NODE_OPTIONS would change what is
 * measured. One rebuild is also timed in the caller's environment, and reported beside.
 */
const CLEAN_ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? os.homedir() };

function timed(cmd: string, args: string[], cwd = REPO, env: NodeJS.ProcessEnv = CLEAN_ENV): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...env, NODE_OPTIONS: '--max-old-space-size=6144' } }, (err, stdout, stderr) => {
      const last = stderr.trim().split('\n').pop() ?? '';
      const m = /^([\d.]+) (\d+)$/.exec(last);
      if (err || !m) return reject(new Error(`${cmd} ${args.join(' ')} failed: ${err?.message ?? ''}\n${stderr.slice(-2000)}`));
      resolve({ wallS: Number(m[1]), peakMiB: Math.round(Number(m[2]) / 1024), out: stdout });
    });
  });
}

async function gzSizes(dir: string): Promise<{ median: number; max: number; n: number }> {
  const files = (await readdir(path.join(dir, 'articles'), { recursive: true })).filter((f) => f.endsWith('index.html'));
  const sizes: number[] = [];
  for (const f of files) sizes.push(gzipSync(await readFile(path.join(dir, 'articles', f)), { level: 9 }).length);
  sizes.sort((a, b) => a - b);
  return { median: sizes[Math.floor(sizes.length / 2)] ?? 0, max: sizes[sizes.length - 1] ?? 0, n: sizes.length };
}

async function main(): Promise<void> {
  const base = path.join(work, `archive-${count}`);
  const content = path.join(base, 'content');
  if (!existsSync(path.join(base, '.complete'))) {
    await rm(base, { recursive: true, force: true });
    const t = performance.now();
    await generateArchive({ dir: content, count });
    await writeFile(path.join(base, '.complete'), `${count}\n`);
    console.log(`generated ${count} articles in ${((performance.now() - t) / 1000).toFixed(1)} s → ${content}`);
  }
  await rm(path.join(content, 'zz-new-article.md'), { force: true });
  const results: Record<string, Run & { detail?: unknown }> = {};
  // The real CLI, as an operator runs it after `npm ci` (which compiles lib/, as done here).
  const bin = await ensureCompiledCli();
  const cache = path.join(base, '.samizdat');
  const mirrors = path.join(base, 'mirrors');
  await mkdir(mirrors, { recursive: true });
  const cli = [bin, 'build', '--content', content, '--out', path.join(base, 'samizdat-out'), '--mirrors', mirrors, '--json'];
  const detail = (out: string) => {
    const r = JSON.parse(out) as { articles: number; pages: number; files: number; rendered: unknown; timings: unknown };
    return { articles: r.articles, pages: r.pages, files: r.files, rendered: r.rendered, stages: r.timings };
  };

  const coldBuild = async () => {
    await rm(cache, { recursive: true, force: true });
    await rm(path.join(base, 'samizdat-out'), { recursive: true, force: true });
    return timed(process.execPath, cli);
  };
  const newArticle = path.join(content, 'zz-new-article.md');
  const rebuildWithNewArticle = async (env?: NodeJS.ProcessEnv) => {
    await writeFile(newArticle, articleText(count + 1).text);
    try {
      return await timed(process.execPath, cli, REPO, env);
    } finally {
      await rm(newArticle, { force: true });
    }
  };
  const rawEleventy = async () => {
    await rm(path.join(base, 'eleventy-out'), { recursive: true, force: true });
    return timed(process.execPath, [
      path.join(REPO, 'node_modules/@11ty/eleventy/cmd.cjs'),
      `--config=${path.join(REPO, 'bench/build/raw-eleventy.config.mjs')}`,
      `--input=${content}`,
      `--output=${path.join(base, 'eleventy-out')}`,
      '--quiet',
    ]);
  };
  const site = path.join(base, 'hugo-site');
  const hugoFull = async () => {
    if (!existsSync(path.join(site, 'hugo.toml'))) {
      await rm(site, { recursive: true, force: true });
      await mkdir(path.join(site, 'layouts/_default'), { recursive: true });
      await writeFile(path.join(site, 'hugo.toml'), 'baseURL = "/"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n[markup.goldmark.renderer]\nunsafe = true\n');
      const layout = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body><main>{{ .Content }}</main></body></html>\n';
      await writeFile(path.join(site, 'layouts/_default/single.html'), layout);
      await writeFile(path.join(site, 'layouts/_default/list.html'), layout);
      await symlink(content, path.join(site, 'content'));
    }
    return timed('hugo', ['--quiet', '--source', site, '--destination', path.join(base, 'hugo-out')]);
  };

  const cold = await coldBuild();
  results['samizdat build (cold)'] = { ...cold, detail: detail(cold.out) };
  console.log('samizdat build (cold)', cold.wallS, 's', cold.peakMiB, 'MiB', JSON.stringify(detail(cold.out)));

  const warm = await timed(process.execPath, cli);
  results['samizdat build (warm cache, no change)'] = { ...warm, detail: detail(warm.out) };
  console.log('samizdat build (warm, no change)', warm.wallS, 's', warm.peakMiB, 'MiB', JSON.stringify(detail(warm.out)));

  const rebuild = await rebuildWithNewArticle();
  results['samizdat rebuild after one new article'] = { ...rebuild, detail: detail(rebuild.out) };
  console.log('samizdat rebuild (+1 article)', rebuild.wallS, 's', rebuild.peakMiB, 'MiB', JSON.stringify(detail(rebuild.out)));

  // The same rebuild in the caller's environment (see CLEAN_ENV), after a build that takes the
  // article out again.
  await timed(process.execPath, cli);
  const callerEnvRebuild = await rebuildWithNewArticle(process.env);
  results["samizdat rebuild after one new article (caller's environment)"] = { ...callerEnvRebuild, detail: detail(callerEnvRebuild.out) };
  console.log("samizdat rebuild (+1 article, caller's environment)", callerEnvRebuild.wallS, 's', JSON.stringify(detail(callerEnvRebuild.out)));

  if (!skipEleventy) {
    const el = await rawEleventy();
    results['raw Eleventy'] = el;
    console.log('raw Eleventy', el.wallS, 's', el.peakMiB, 'MiB');
  }

  if (!skipHugo) {
    const hugo = await hugoFull();
    results['hugo'] = hugo;
    console.log('hugo', hugo.wallS, 's', hugo.peakMiB, 'MiB');
  }

  // The machine's speed drifts by more than the differences measured here, so with --pairs each
  // comparison is also made N more times back to back, and the median ratio reported.
  const pairs: Array<{ cold: number; eleventy: number; rebuild: number; hugo: number }> = [];
  for (let i = 0; i < pairCount && !skipEleventy && !skipHugo; i++) {
    const c = await coldBuild();
    const e = await rawEleventy();
    const rb = await rebuildWithNewArticle();
    const h = await hugoFull();
    pairs.push({ cold: c.wallS, eleventy: e.wallS, rebuild: rb.wallS, hugo: h.wallS });
    console.log(`pair ${i + 1}: cold ${c.wallS} s / raw Eleventy ${e.wallS} s = ${(c.wallS / e.wallS).toFixed(2)}; rebuild ${rb.wallS} s / hugo ${h.wallS} s = ${(rb.wallS / h.wallS).toFixed(2)}`);
  }
  const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };

  const gz = await gzSizes(path.join(base, 'samizdat-out'));
  const r = (a?: Run, b?: Run) => (a && b ? (a.wallS / b.wallS).toFixed(2) : 'n/a');
  const m = (a?: Run, b?: Run) => (a && b ? (a.peakMiB / b.peakMiB).toFixed(2) : 'n/a');
  const summary = {
    count,
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
    work,
    runs: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, { wallS: v.wallS, peakMiB: v.peakMiB, ...(v.detail ? { detail: v.detail } : {}) }])),
    ratios: {
      'samizdat / raw Eleventy (time)': r(results['samizdat build (cold)'], results['raw Eleventy']),
      'samizdat / raw Eleventy (memory)': m(results['samizdat build (cold)'], results['raw Eleventy']),
      'samizdat / hugo (time)': r(results['samizdat build (cold)'], results['hugo']),
      'rebuild(+1) / hugo full (time), target ≤ 0.20': r(results['samizdat rebuild after one new article'], results['hugo']),
      "rebuild(+1) in the caller's environment / hugo full (time)": r(results["samizdat rebuild after one new article (caller's environment)"], results['hugo']),
    },
    environment: `tools run with PATH and HOME only${process.env.NODE_EXTRA_CA_CERTS ? ' (the caller sets NODE_EXTRA_CA_CERTS, which every Node process parses at start)' : ''}`,
    articlePageGzipBytes: { ...gz, targetUnder: 14 * 1024 },
    ...(pairs.length
      ? {
          pairs,
          pairMedians: {
            'samizdat / raw Eleventy (time)': median(pairs.map((p) => p.cold / p.eleventy)).toFixed(2),
            'rebuild(+1) / hugo full (time), target ≤ 0.20': median(pairs.map((p) => p.rebuild / p.hugo)).toFixed(2),
          },
        }
      : {}),
  };
  console.log(JSON.stringify(summary, null, 2));
  await writeFile(path.join(work, `result-${count}.json`), JSON.stringify(summary, null, 2) + '\n');
}

await main();
