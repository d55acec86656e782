/**
 * npm run bench:pin [-- --count N] [--rounds R] [--work DIR]
 *
 * The IPFS stage on the 10,000-article archive (bench/lib/archive.ts, built with buildSite):
 * CID computation and CAR export (samizdat's pinSite: ipfs-unixfs-importer with Kubo's `ipfs add
 * -r --cid-version=1` settings, each block written into a fresh block store and into the CARv1 as
 * the importer makes it), next to `sha256sum` over the same files, side by side, with the ratio.
 * Also: the CID alone (the same import, blocks hashed and dropped), the importer with its own
 * builders, one file and one block at a time (what pin did until 2026-11-28; see importerOptions), a rerun into the existing block
 * store, and the whole `samizdat pin` command (compiled CLI in a new process, fresh store and
 * rerun): what an operator waits for, module loading and a cold JIT included. Files are read once first so both sides start from a warm page cache; --work defaults to
 * /dev/shm to measure CPU rather than the disk.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { importer } from 'ipfs-unixfs-importer';
import type { CID } from 'multiformats/cid';
import { generateArchive } from '../lib/archive.ts';
import { ensureCompiledCli } from '../lib/compiled-cli.ts';
import { buildSite } from '../../src/build/index.ts';
import { pinSite, importListed } from '../../src/ipfs/index.ts';
import { plainImporterOptions } from '../../src/ipfs/options.ts';
import { listBundle, walkBundle } from '../../src/ipfs/walk.ts';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const count = Number(arg('count') ?? 10_000);
const rounds = Number(arg('rounds') ?? 5);
const work = path.resolve(arg('work') ?? (existsSync('/dev/shm') ? '/dev/shm/samizdat-bench' : path.join(REPO, 'bench/.work')));

interface Timing<T> {
  /** Best wall time of the runs, seconds. */
  s: number;
  /** CPU seconds (user + system) of that run: what the machine's load does not distort. */
  cpu: number;
  value: T;
}

/** Best of `runs` (the machine may be shared: the best run is the least disturbed). `setup` runs before each, untimed. */
async function timed<T>(fn: () => Promise<T>, runs = 3, setup?: (run: number) => Promise<void>): Promise<Timing<T>> {
  let best: Timing<T> | undefined;
  for (let i = 0; i < runs; i++) {
    await setup?.(i);
    const c0 = process.cpuUsage();
    const t = performance.now();
    const value = await fn();
    const c = process.cpuUsage(c0);
    const r = { s: (performance.now() - t) / 1000, cpu: (c.user + c.system) / 1e6, value };
    if (!best || r.s < best.s) best = r;
  }
  return best!;
}

/** sha256sum in a child process under /usr/bin/time: wall and its own CPU seconds. */
async function timedSha256sum(site: string, runs = 3): Promise<Timing<null>> {
  let best: Timing<null> | undefined;
  for (let i = 0; i < runs; i++) {
    const { stderr } = await run('/usr/bin/time', ['-f', '%e %U %S', 'sh', '-c', `find "${site}" -type f -print0 | xargs -0 sha256sum > /dev/null`], { maxBuffer: 1 << 20 });
    const [wall, user, sys] = stderr.trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number];
    const r = { s: wall, cpu: user + sys, value: null };
    if (!best || r.s < best.s) best = r;
  }
  return best!;
}

/**
 * Node hashing the same files, each read whole, in a separate plain process (nothing else
 * loaded: the libraries this script imports slow down every await). It times itself, startup left out.
 */
async function timedNodeSha(site: string): Promise<Timing<null>> {
  const code = `
    import { readdirSync, readFileSync } from 'node:fs';
    import { createHash } from 'node:crypto';
    import path from 'node:path';
    const files = readdirSync(process.argv[1], { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => path.join(d.parentPath, d.name));
    const c0 = process.cpuUsage();
    const t = performance.now();
    for (const f of files) createHash('sha256').update(readFileSync(f)).digest();
    const c = process.cpuUsage(c0);
    console.log(JSON.stringify({ s: (performance.now() - t) / 1000, cpu: (c.user + c.system) / 1e6 }));
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code, site], { maxBuffer: 1 << 20 });
  return { ...(JSON.parse(stdout) as { s: number; cpu: number }), value: null };
}

/** The compiled CLI in a child process under /usr/bin/time: wall and its own CPU seconds; the value is the root CID it printed. */
async function timedCli(cli: string, args: string[], setup?: () => Promise<void>): Promise<Timing<string>> {
  await setup?.();
  const { stdout, stderr } = await run('/usr/bin/time', ['-f', '%e %U %S', process.execPath, cli, ...args], { maxBuffer: 1 << 24 });
  const [s, user, sys] = stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { s: s!, cpu: user! + sys!, value: (JSON.parse(stdout) as { cid: string }).cid };
}

async function listFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile()).map((d) => path.join(d.parentPath, d.name));
}

async function main(): Promise<void> {
  const base = path.join(work, `pin-${count}`);
  const content = path.join(base, 'content');
  const site = path.join(base, 'site');
  if (!existsSync(path.join(base, '.complete'))) {
    await rm(base, { recursive: true, force: true });
    console.log(`generating ${count} articles and building them (once; cached in ${base}) …`);
    await generateArchive({ dir: content, count });
    await buildSite({ contentDir: content, outDir: site, cacheDir: false, env: {} });
    await writeFile(path.join(base, '.complete'), '');
  }
  const files = await listFiles(site);
  let bytes = 0;
  for (const f of files) bytes += (await stat(f)).size;
  console.log(`bundle: ${files.length} files, ${(bytes / 1048576).toFixed(1)} MiB in ${site}`);

  // Warm the page cache for both sides.
  await run('sh', ['-c', `find "${site}" -type f -print0 | xargs -0 cat > /dev/null`], { maxBuffer: 1 << 20 });

  // Rounds: every step once per round, one after the other, so that each ratio compares runs a
  // few seconds apart (the machine is shared and its load moves by the minute). Reported: the
  // median of each step, and the median of the per-round ratios.
  const blockstoreDir = path.join(base, 'blocks');
  const dist = path.join(base, 'dist');
  const steps = {
    sha: [] as Timing<null>[],
    nodeSha: [] as Timing<null>[],
    cidOnly: [] as Timing<string>[],
    cidSerial: [] as Timing<string>[],
    fresh: [] as Timing<Awaited<ReturnType<typeof pinSite>>>[],
    rerun: [] as Timing<Awaited<ReturnType<typeof pinSite>>>[],
    cliFresh: [] as Timing<string>[],
    cliRerun: [] as Timing<string>[],
  };
  const cli = await ensureCompiledCli();
  const cliStore = path.join(base, 'cli-blocks');
  const cliDist = path.join(base, 'cli-dist');
  for (let round = 0; round < rounds; round++) {
    steps.sha.push(await timedSha256sum(site, 1));
    steps.nodeSha.push(await timedNodeSha(site));
    // What pin computes (importListed: ipfs-unixfs-importer, importerOptions()), blocks hashed and dropped.
    steps.cidOnly.push(await timed(async () => (await importListed(listBundle(site), { put: (c: CID) => c })).cid.toString(), 1));
    // The importer with its own file and folder builders, one file and one block at a time: pin until 2026-11-28.
    steps.cidSerial.push(
      await timed(async () => {
        let root: CID | undefined;
        const discard = { put: async (c: CID) => c };
        for await (const e of importer(walkBundle(site).candidates, discard, { ...plainImporterOptions(), fileImportConcurrency: 1, blockWriteConcurrency: 1 })) if (e.path === 'bundle') root = e.cid;
        return root!.toString();
      }, 1),
    );
    // A fresh store, deleted before the clock starts; then a rerun into it.
    steps.fresh.push(await timed(() => pinSite({ siteDir: site, distDir: dist, blockstoreDir, gateways: [] }), 1, () => rm(blockstoreDir, { recursive: true, force: true })));
    steps.rerun.push(await timed(() => pinSite({ siteDir: site, distDir: dist, blockstoreDir, gateways: [] }), 1));
    // The whole command as an operator runs it (compiled CLI in a new process: start-up, settings, report).
    steps.cliFresh.push(await timedCli(cli, ['pin', '--site', site, '--blockstore', cliStore, '--out', cliDist, '--content', path.join(base, 'no-content'), '--mirrors', path.join(base, 'no-mirrors'), '--json'], () => rm(cliStore, { recursive: true, force: true })));
    steps.cliRerun.push(await timedCli(cli, ['pin', '--site', site, '--blockstore', cliStore, '--out', cliDist, '--content', path.join(base, 'no-content'), '--mirrors', path.join(base, 'no-mirrors'), '--json']));
    console.log(`round ${round + 1}/${rounds}: sha256sum ${steps.sha[round]!.s.toFixed(2)} s, pin fresh ${steps.fresh[round]!.s.toFixed(2)} s, rerun ${steps.rerun[round]!.s.toFixed(2)} s; CLI fresh ${steps.cliFresh[round]!.s.toFixed(2)} s, rerun ${steps.cliRerun[round]!.s.toFixed(2)} s`);
  }
  const cids = new Set([...steps.cidOnly, ...steps.cidSerial, ...steps.cliFresh, ...steps.cliRerun].map((t) => t.value).concat([...steps.fresh, ...steps.rerun].map((t) => t.value.cid)));
  if (cids.size !== 1) throw new Error(`CIDs differ between runs: ${[...cids].join(', ')}`);
  const last = steps.fresh[0]!.value;
  const carBytes = (await stat(last.carPath)).size;

  const median = (xs: number[]) => {
    const v = [...xs].sort((a, b) => a - b);
    return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
  };
  const row = (ts: Timing<unknown>[]) => ({
    s: median(ts.map((t) => t.s)),
    cpu: median(ts.map((t) => t.cpu)),
    // Per-round ratio against that round's sha256sum.
    ratio: median(ts.map((t, i) => t.s / steps.sha[i]!.s)),
    cpuRatio: median(ts.map((t, i) => t.cpu / steps.sha[i]!.cpu)),
    min: Math.min(...ts.map((t) => t.s)),
    max: Math.max(...ts.map((t) => t.s)),
  });
  const rows = [
    ['sha256sum over the same files', row(steps.sha)],
    ['Node: readFileSync + sha256, file by file', row(steps.nodeSha)],
    ['CID only: importer as pin runs it, blocks dropped', row(steps.cidOnly)],
    ['CID only: importer alone, one file + one block at a time', row(steps.cidSerial)],
    ['pin: CID + block store + CAR (fresh store)', row(steps.fresh)],
    ['pin: rerun (blocks already stored)', row(steps.rerun)],
    ['samizdat pin (CLI, new process), fresh store', row(steps.cliFresh)],
    ['samizdat pin (CLI, new process), rerun', row(steps.cliRerun)],
  ] as const;
  const os = await import('node:os');
  console.log('');
  console.log(`${rounds} rounds; medians; × sha = median of the per-round ratios`);
  console.log(`${''.padEnd(50)} ${'wall s'.padStart(7)} ${'range'.padStart(11)} ${'× sha'.padStart(6)} ${'cpu s'.padStart(6)} ${'× sha'.padStart(6)}`);
  for (const [name, t] of rows) {
    console.log(`${name.padEnd(50)} ${t.s.toFixed(2).padStart(7)} ${`${t.min.toFixed(2)}-${t.max.toFixed(2)}`.padStart(11)} ${t.ratio.toFixed(2).padStart(6)} ${t.cpu.toFixed(2).padStart(6)} ${t.cpuRatio.toFixed(2).padStart(6)}`);
  }
  console.log(`uptime: ${(await run('uptime')).stdout.trim()} (${os.cpus().length} cores)`);
  console.log(`CID ${last.cid}; CAR ${(carBytes / 1048576).toFixed(1)} MiB, ${last.carBlocks} blocks`);
  const result = {
    count,
    rounds,
    files: files.length,
    bytes,
    cid: last.cid,
    carBytes,
    carBlocks: last.carBlocks,
    loadavg: os.loadavg(),
    rows: Object.fromEntries(rows.map(([n, t]) => [n, Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Number(v.toFixed(3))]))])),
    perRound: Object.fromEntries(Object.entries(steps).map(([k, ts]) => [k, ts.map((t) => ({ s: Number(t.s.toFixed(3)), cpu: Number(t.cpu.toFixed(3)) }))])),
  };
  await writeFile(path.join(work, `pin-result-${count}.json`), JSON.stringify(result, null, 2) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
