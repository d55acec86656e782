/**
 * npm run bench:pack [-- --count N] [--work DIR] [--site DIR] [--level 0-9] [--runs R] [--synthetic]
 *
 * On the build benchmark's archive (bench/lib/archive.ts, default 10,000 articles, generated and
 * built once with samizdat build into <work>/archive-<count>/pack-site; <work> defaults to
 * /dev/shm/samizdat-bench-pack, apart from bench:build's folder so the two never race),
 * times side by side, each in its own process under /usr/bin/time, median of R runs:
 *   samizdat pack             vs  Info-ZIP  zip -r -X -q -<level>  on the same folder
 *   samizdat verify <folder>  vs  sha256sum -c --quiet  over the same files
 * both as the CLI (what a user runs, start-up included) and as the library call alone, with
 * wall and CPU (user+system) seconds, and prints ratios (samizdat / reference: below 1 is
 * faster). --synthetic skips the real build and writes a synthetic site of comparable sizes
 * instead. --work on tmpfs (the default when /dev/shm exists) measures CPU rather than the disk.
 */
import { ensureCompiledCli } from '../lib/compiled-cli.ts';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateArchive } from '../lib/archive.ts';
import { parseManifest } from '../../src/manifest/parse.ts';
import { writeSyntheticSite } from './synthetic.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const count = Number(arg('count') ?? 10_000);
const level = Number(arg('level') ?? 9);
const runs = Number(arg('runs') ?? 3);
const synthetic = process.argv.includes('--synthetic');
// A folder of its own (not bench:build's), so that one benchmark never deletes the other's files.
const work = path.resolve(arg('work') ?? (existsSync('/dev/shm') ? path.join('/dev/shm', 'samizdat-bench-pack') : path.join(REPO, 'bench/.work/pack')));

interface Run {
  wallS: number;
  cpuS: number;
  peakMiB: number;
  out: string;
}

function timed(cmd: string, args: string[], cwd = REPO, okCodes = [0]): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/time', ['-f', '%e %M %U %S', cmd, ...args], { cwd, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      const last = stderr.trim().split('\n').pop() ?? '';
      const m = /^([\d.]+) (\d+) ([\d.]+) ([\d.]+)$/.exec(last);
      const code = err ? (err as { code?: number }).code ?? 1 : 0;
      if (!m || !okCodes.includes(code)) return reject(new Error(`${cmd} ${args.join(' ')} failed (${code}):\n${stderr.slice(-2000)}`));
      resolve({ wallS: Number(m[1]), cpuS: +(Number(m[3]) + Number(m[4])).toFixed(2), peakMiB: Math.round(Number(m[2]) / 1024), out: stdout });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function site(): Promise<{ dir: string; kind: string }> {
  const explicit = arg('site');
  if (explicit) return { dir: path.resolve(explicit), kind: 'given folder' };
  const base = path.join(work, `archive-${count}`);
  if (synthetic) {
    const dir = path.join(work, `synthetic-${count}`);
    if (!existsSync(path.join(dir, 'mirror-manifest.json'))) {
      await rm(dir, { recursive: true, force: true });
      await writeSyntheticSite(dir, count);
    }
    return { dir, kind: 'synthetic site (bench/pack/synthetic.ts)' };
  }
  const dir = path.join(base, 'pack-site');
  if (!existsSync(path.join(dir, 'mirror-manifest.json'))) {
    const content = path.join(base, 'content');
    if (!existsSync(path.join(base, '.complete'))) {
      await rm(base, { recursive: true, force: true });
      await generateArchive({ dir: content, count });
      await writeFile(path.join(base, '.complete'), `${count}\n`);
    }
    console.log(`building ${count} articles with samizdat build (once) …`);
    const built = await timed(process.execPath, ['--import', 'tsx', path.join(REPO, 'bench/pack/build-child.ts'), content, dir]);
    console.log(`built in ${built.wallS} s: ${built.out.trim()}`);
  }
  return { dir, kind: `samizdat build of bench/lib/archive.ts (${count} articles)` };
}

async function main(): Promise<void> {
  const { dir, kind } = await site();
  const manifest = parseManifest(await readFile(path.join(dir, 'mirror-manifest.json')));
  const bytes = manifest.files.reduce((n, f) => n + f.size, 0);
  const out = path.join(work, 'pack-out');
  await mkdir(out, { recursive: true });
  // sha256sum's own input, from the same manifest (not timed).
  const sums = path.join(out, 'SHA256SUMS');
  await writeFile(sums, manifest.files.map((f) => `${f.sha256}  ${f.path}\n`).join(''));
  const cli = await ensureCompiledCli();
  // Warm the page cache so every contender reads from memory.
  await timed('sha256sum', ['-c', '--quiet', sums], dir);

  const child = path.join(REPO, 'bench/pack/lib-child.ts');
  const lib = (args: string[]) => timed(process.execPath, ['--import', 'tsx', child, ...args]).then((r) => {
    const inner = JSON.parse(r.out) as { ms: number; cpuMs: number };
    return { ...r, wallS: inner.ms / 1000, cpuS: inner.cpuMs / 1000 };
  });
  const t: Record<string, Run[]> = { pack: [], packLib: [], zip: [], verify: [], verifyLib: [], sha256sum: [] };
  const s = (k: string) => `${t[k]!.at(-1)!.wallS} s (cpu ${t[k]!.at(-1)!.cpuS})`;
  for (let r = 0; r < runs; r++) {
    await rm(path.join(out, 'infozip.zip'), { force: true });
    t.zip!.push(await timed('zip', ['-r', '-X', '-q', `-${level}`, path.join(out, 'infozip.zip'), '.'], dir));
    t.pack!.push(await timed(process.execPath, [cli, 'pack', '--site', dir, '--out', out, '--level', String(level), '--json']));
    t.packLib!.push(await lib(['pack', dir, out, String(level)]));
    t.sha256sum!.push(await timed('sha256sum', ['-c', '--quiet', sums], dir));
    t.verify!.push(await timed(process.execPath, [cli, 'verify', dir, '--json']));
    t.verifyLib!.push(await lib(['verify', dir]));
    console.log(`run ${r + 1}: zip ${s('zip')}, pack ${s('pack')}, packSite ${s('packLib')}; sha256sum ${s('sha256sum')}, verify ${s('verify')}, verifyTarget ${s('verifyLib')}`);
  }
  const packed = JSON.parse(t.pack![0]!.out) as { zipPath: string; bytes: number; entries: number };
  const verified = JSON.parse(t.verify![0]!.out) as { ok: boolean; files: { good: number } };
  if (!verified.ok) throw new Error('verify did not pass on the benchmark site');
  const m = (k: string) => median(t[k]!.map((x) => x.wallS));
  const cpu = (k: string) => median(t[k]!.map((x) => x.cpuS));
  const mem = (k: string) => median(t[k]!.map((x) => x.peakMiB));
  const ratio = (a: number, b: number) => +(a / b).toFixed(2);
  const summary = {
    site: kind,
    folder: dir,
    files: manifest.files.length,
    megabytes: +(bytes / 1e6).toFixed(1),
    level,
    runs,
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
    wallSeconds: { [`zip -r -X -q -${level}`]: m('zip'), 'samizdat pack (CLI)': m('pack'), 'packSite (library)': m('packLib'), 'sha256sum -c': m('sha256sum'), 'samizdat verify (CLI)': m('verify'), 'verifyTarget (library)': m('verifyLib') },
    cpuSeconds: { [`zip -r -X -q -${level}`]: cpu('zip'), 'samizdat pack (CLI)': cpu('pack'), 'packSite (library)': cpu('packLib'), 'sha256sum -c': cpu('sha256sum'), 'samizdat verify (CLI)': cpu('verify'), 'verifyTarget (library)': cpu('verifyLib') },
    peakMiB: { zip: mem('zip'), 'samizdat pack': mem('pack'), 'sha256sum -c': mem('sha256sum'), 'samizdat verify': mem('verify') },
    zipMegabytes: { 'samizdat pack': +(packed.bytes / 1e6).toFixed(2), 'Info-ZIP': +((await stat(path.join(out, 'infozip.zip'))).size / 1e6).toFixed(2) },
    ratios: {
      'pack CLI / zip (wall), target ≤ 1': ratio(m('pack'), m('zip')),
      'packSite / zip (wall)': ratio(m('packLib'), m('zip')),
      'pack CLI / zip (cpu)': ratio(cpu('pack'), cpu('zip')),
      'verify CLI / sha256sum -c (wall), target ≤ 1': ratio(m('verify'), m('sha256sum')),
      'verifyTarget / sha256sum -c (wall)': ratio(m('verifyLib'), m('sha256sum')),
      'verify CLI / sha256sum -c (cpu)': ratio(cpu('verify'), cpu('sha256sum')),
    },
  };
  console.log(JSON.stringify(summary, null, 2));
  await writeFile(path.join(work, `result-pack-${count}.json`), JSON.stringify(summary, null, 2) + '\n');
}

await main();
