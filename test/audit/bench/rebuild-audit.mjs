#!/usr/bin/env node
// Times the audit stage of a rebuild after one new article, outside the build: the bundle is a
// snapshot of the output folder after the rebuild (--after), the files that differ from the
// snapshot before it (--before) play the staged files, and the audit cache starts each round as
// the copy the first build left (--cache). Uses a compiled lib/ (scripts/compile.mjs).
//
//   B=/dev/shm/samizdat-bench/archive-10000   # build, snapshot samizdat-out and .samizdat/build/audit,
//                                            # add one article, build, snapshot again
//   node test/audit/bench/rebuild-audit.mjs --lib lib --before /dev/shm/ab/before --after /dev/shm/ab/after \
//     --cache /dev/shm/ab/cache0 [--seed] [--rounds 5]
// --seed first audits the "before" bundle into --cache (needed once the audit's code changed).
// --vouch: as a build does, the seeded state is vouched for the "before" bundle (vouchAudit, with a
// digest of its file list standing in for the manifest's), and each round says which files
// changed since (unchangedSince): only those are looked at.
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
};
const lib = path.resolve(opt('lib', 'lib'));
const before = path.resolve(opt('before', '/dev/shm/ab/before'));
const after = path.resolve(opt('after', '/dev/shm/ab/after'));
const cache0 = path.resolve(opt('cache', '/dev/shm/ab/cache0'));
const rounds = Number(opt('rounds', 5));
const work = path.resolve(opt('work', '/dev/shm/ab/run-cache'));

const list = (dir) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
const files = list(after).filter((f) => !/^mirror-manifest\.(json|sig)$/.test(f));
const sha = new Map();
const staged = new Set();
for (const f of files) {
  const bytes = readFileSync(path.join(after, f));
  sha.set(f, createHash('sha256').update(bytes).digest('hex'));
  let old;
  try {
    old = readFileSync(path.join(before, f));
  } catch {}
  if (!old || !old.equals(bytes)) staged.add(f);
}
const vouch = args.includes('--vouch');
// The "manifest list digest" of the before bundle: its paths and sha256s, sorted.
const beforeList = () =>
  createHash('sha256')
    .update(
      list(before)
        .filter((f) => !/^mirror-manifest\.(json|sig)$/.test(f))
        .sort()
        .map((f) => `${f} ${createHash('sha256').update(readFileSync(path.join(before, f))).digest('hex')}\n`)
        .join(''),
    )
    .digest('hex');
const listDigest = vouch ? beforeList() : undefined;
console.error(`${files.length} files, ${staged.size} staged; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const { auditBundle, vouchAudit } = await import(pathToFileURL(path.join(lib, 'audit/index.js')).href);
if (args.includes('--seed')) {
  // The cache a build of the "before" bundle leaves, made by this lib/ (its code is in the cache's keys).
  rmSync(cache0, { recursive: true, force: true });
  const t0 = performance.now();
  let stateId;
  const seeded = await auditBundle(before, { cacheDir: cache0, workers: 1, onCacheSaved: (id) => (stateId = id) });
  console.error(`seeded ${cache0} in ${(performance.now() - t0).toFixed(0)} ms, ${seeded.length} findings`);
  if (vouch && stateId && seeded.length === 0) vouchAudit(cache0, stateId, listDigest);
}
const times = [];
for (let r = 0; r < rounds; r++) {
  rmSync(work, { recursive: true, force: true });
  cpSync(cache0, work, { recursive: true });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let read;
  const findings = await auditBundle(after, {
    cacheDir: work,
    overlay: { files, locate: (f) => path.join(staged.has(f) ? after : before, f) },
    knownSha256: (f) => sha.get(f),
    ...(vouch ? { unchangedSince: { listDigest, changed: staged } } : {}),
    onProgress: (e) => {
      if (e.read !== undefined) read = e.read;
    },
  });
  const ms = performance.now() - t0;
  // CPU time too: on a shared machine it moves less with the others' load than wall time does.
  const cpu = process.cpuUsage(cpu0);
  times.push(ms);
  console.log(`round ${r}: ${ms.toFixed(0)} ms, cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, read ${read}, findings ${findings.length}`);
}
times.sort((a, b) => a - b);
if (times.length) console.log(`median ${times[times.length >> 1].toFixed(0)} ms`);
