#!/usr/bin/env node
// Times two compiled versions of the audit (each checkout's lib/) on the same pages of a built
// bundle, the way an AuditStream worker audits them (auditWritten, recording what the cache
// needs), and fails if any file's FileResult (findings, sha256, bundle questions and answers)
// differs between them. Each measured pass runs in a child process of its own, old and new
// alternating, so that neither warms the other's heap or JIT.
//
//   flock /tmp/bench-run.lock node test/audit/bench/audit-speed.mjs \
//     --old /tmp/audit-base/lib --new lib --bundle /dev/shm/audit-bundle [--pages 3000] [--rounds 3] [--all] [--prof DIR]
//
// --all compares the results of every audited file of the bundle (once, untimed) as well, both
// as handed over by the build (auditWritten) and as read from disk (auditBytes).
//
// The old version: `git worktree add /tmp/audit-base <commit>` (with node_modules linked in), then
// `node scripts/compile.mjs` there, and pass --old /tmp/audit-base/lib --new lib.
// A bundle: samizdat build of the bench archive (bench/), or fixture-bundle.ts for a hostile one.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PerformanceObserver, performance } from 'node:perf_hooks';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
};
const flag = (name) => args.includes(`--${name}`);

if (flag('child')) await child();
else await parent();

/** The bundle's files, sorted, as "/" paths. */
function listBundle(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

async function parent() {
  const oldLib = path.resolve(opt('old'));
  const newLib = path.resolve(opt('new'));
  const bundle = path.resolve(opt('bundle', '/dev/shm/audit-bundle'));
  const pages = Number(opt('pages', 3000));
  const rounds = Number(opt('rounds', 3));
  const prof = opt('prof');
  const all = listBundle(bundle);
  const audited = all.filter((f) => /\.(html|xml|json|svg)$/.test(f));
  // Mostly article pages (what a build has most of), a few lists, and every feed.
  const html = audited.filter((f) => f.endsWith('.html'));
  const articles = html.filter((f) => f.startsWith('articles/'));
  const others = html.filter((f) => !f.startsWith('articles/'));
  const pick = (list, n) => (n >= list.length ? list : Array.from({ length: n }, (_, i) => list[Math.floor((i * list.length) / n)]));
  const chosen = [...pick(articles, Math.round(pages * 0.9)), ...pick(others, pages - Math.round(pages * 0.9)), ...audited.filter((f) => !f.endsWith('.html'))];
  const work = mkdtempSync(path.join(tmpdir(), 'audit-speed-'));
  const listFile = path.join(work, 'files.json');
  writeFileSync(listFile, JSON.stringify({ bundle, all, chosen }));
  const run = (lib, out, extra = [], mode = 'written') =>
    new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [...extra, fileURLToPath(import.meta.url), '--child', lib, listFile, out, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`child exited ${code}`))));
    });

  console.log(`uptime: ${execFileSync('uptime').toString().trim()}`);
  console.log(`${chosen.length} files (${chosen.filter((f) => f.startsWith('articles/')).length} article pages), ${cpus().length} cores`);
  const times = { old: [], new: [] };
  for (let r = 0; r < rounds; r++) {
    for (const which of r % 2 === 0 ? ['old', 'new'] : ['new', 'old']) {
      const out = path.join(work, `${which}-${r}.json`);
      const t = await run(which === 'old' ? oldLib : newLib, out);
      times[which].push(t);
      console.log(
        `round ${r + 1} ${which}: cpu ${t.cpuMs.toFixed(0)} ms (user ${t.userMs.toFixed(0)}, sys ${t.sysMs.toFixed(0)}), wall ${t.wallMs.toFixed(0)} ms, gc ${t.gcMs.toFixed(0)} ms; ` +
          `${t.articleUs.toFixed(0)} µs CPU an article page (first ${t.articleCount}); load ${loadavg()[0].toFixed(2)}`,
      );
    }
    compare(path.join(work, `old-${r}.json`), path.join(work, `new-${r}.json`));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  // The machine drifts between rounds more than old and new differ within one: pair them.
  if (rounds > 0) {
    const ratios = times.old.map((o, r) => times.new[r].articleUs / o.articleUs);
    console.log(`median of each round's new/old article-page CPU: ${median(ratios).toFixed(3)} (${((1 - median(ratios)) * 100).toFixed(1)}% less; rounds ${ratios.map((x) => x.toFixed(2)).join(' ')})`);
  }
  for (const key of rounds > 0 ? ['articleUs', 'cpuMs', 'wallMs', 'gcMs'] : []) {
    const o = median(times.old.map((t) => t[key]));
    const n = median(times.new.map((t) => t[key]));
    const perFile = key === 'articleUs' ? '' : `; ${((o / chosen.length) * 1000).toFixed(0)} → ${((n / chosen.length) * 1000).toFixed(0)} µs a file`;
    console.log(`median ${key}: old ${o.toFixed(0)}, new ${n.toFixed(0)} (${((1 - n / o) * 100).toFixed(1)}% less${perFile})`);
  }
  if (flag('all')) {
    // Both ways in: page text handed over by the build (auditWritten), and bytes read from disk (auditBytes).
    writeFileSync(listFile, JSON.stringify({ bundle, all, chosen: audited }));
    for (const mode of ['written', 'bytes']) {
      compare(await runAll(oldLib, 'old', mode), await runAll(newLib, 'new', mode));
      console.log(`every one of the ${audited.length} audited files (${mode}): the same FileResult`);
    }
    async function runAll(lib, which, mode) {
      const out = path.join(work, `${which}-all-${mode}.json`);
      await run(lib, out, [], mode);
      return out;
    }
  }
  if (prof) {
    writeFileSync(listFile, JSON.stringify({ bundle, all, chosen }));
    for (const [which, lib] of [['old', oldLib], ['new', newLib]]) {
      await run(lib, path.join(work, `${which}-prof.json`), ['--cpu-prof', `--cpu-prof-dir=${path.resolve(prof, which)}`]);
    }
    console.log(`CPU profiles in ${prof}/old and ${prof}/new`);
  }
  rmSync(work, { recursive: true, force: true });
}

/** Fails unless both runs gave exactly the same results, file by file. */
function compare(oldFile, newFile) {
  const a = JSON.parse(readFileSync(oldFile, 'utf8'));
  const b = JSON.parse(readFileSync(newFile, 'utf8'));
  if (a.length !== b.length) throw new Error(`result count differs: ${a.length} vs ${b.length}`);
  let findings = 0;
  let queries = 0;
  for (let i = 0; i < a.length; i++) {
    const x = JSON.stringify(a[i]);
    const y = JSON.stringify(b[i]);
    if (x !== y) {
      console.error(`DIFFERENT RESULT for ${a[i].file}:\nold ${x.slice(0, 2000)}\nnew ${y.slice(0, 2000)}`);
      process.exit(1);
    }
    findings += a[i].findings.length;
    queries += a[i].queries?.length ?? 0;
  }
  console.log(`  same FileResult for all ${a.length} files (${findings} findings, ${queries} recorded bundle questions)`);
  return 0;
}

async function child() {
  const i = args.indexOf('--child');
  const [lib, listFile, out, mode] = args.slice(i + 1);
  const { bundle, all, chosen } = JSON.parse(readFileSync(listFile, 'utf8'));
  const run = await import(pathToFileURL(path.join(lib, 'audit/run.js')).href);
  const { selectRules } = await import(pathToFileURL(path.join(lib, 'audit/rules/index.js')).href);
  const texts = chosen.map((f) => (mode === 'bytes' ? readFileSync(path.join(bundle, f)) : readFileSync(path.join(bundle, f), 'utf8')));
  const audit = mode === 'bytes' ? run.auditBytes : run.auditWritten;
  // As stream-worker.ts has it: the expected bundle, as Sets.
  const index = run.indexFileList(all);
  const view = { files: new Set(index.files), folders: new Set(index.folders) };
  const rules = selectRules(undefined);
  let gcMs = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  obs.observe({ entryTypes: ['gc'] });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const results = [];
  // Article pages come first in the list: their share is timed on its own as well.
  const articles = chosen.findIndex((f) => !f.startsWith('articles/'));
  let articleCpu;
  for (let k = 0; k < chosen.length; k++) {
    if (k === articles) articleCpu = process.cpuUsage(c0);
    results.push(audit(chosen[k], texts[k], rules, view, true));
  }
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  articleCpu ??= c;
  await new Promise((r) => setTimeout(r, 10)); // let the gc observer report
  obs.disconnect();
  writeFileSync(out, JSON.stringify(results));
  const articleCount = articles === -1 ? chosen.length : articles;
  const articleUs = (articleCpu.user + articleCpu.system) / articleCount;
  process.stdout.write(JSON.stringify({ cpuMs: (c.user + c.system) / 1000, userMs: c.user / 1000, sysMs: c.system / 1000, wallMs, gcMs, articleUs, articleCount }));
}
