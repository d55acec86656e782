/**
 * npm run bench:push [-- --articles N]
 *
 * `samizdat push` against Debian's `rclone sync --checksum` (what operators use today), side by
 * side, on the same local servers: OpenSSH sshd (SFTP) and lighttpd mod_webdav (WebDAV).
 * The bundle is the build of the synthetic archive (bench/lib/archive.ts, default 10,000
 * articles). Two runs per tool and server, each tool into its own empty folder:
 *   1. the first, full push;
 *   2. the push after one article changed (its page and every list, feed and the manifest
 *      that the change touches are rebuilt).
 * Both tools get 4 transfers at once (samizdat's default concurrency; rclone's default --transfers).
 * Prints a table and writes bench/.work/push/<articles>/results-<servers>.json. `--servers sftp` runs one server only.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildSite } from '../../src/build/index.ts';
import type { Manifest } from '../../src/manifest/types.ts';
import { pushMirrors } from '../../src/push/index.ts';
import { startLighttpdDav } from '../../test/support/servers/lighttpd.ts';
import { startSshd } from '../../test/support/servers/sshd.ts';
import { articleText, generateArchive } from '../lib/archive.ts';

const run = promisify(execFile);
const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const ARTICLES = flag('articles', 10_000);
/** --servers sftp,webdav (default both). */
const SERVERS = (args.includes('--servers') ? args[args.indexOf('--servers') + 1]! : 'sftp,webdav').split(',') as Array<'sftp' | 'webdav'>;
const CONCURRENCY = 4;
/**
 * rclone's SFTP backend checks each upload (and, with --checksum, each existing file) by running
 * `md5sum` on the server over a new SSH session per file: about 0.25 s each here, over an hour
 * for 12,500 files. The full `--checksum` run on SFTP is measured only up to this many articles
 * (--sftp-hashcheck-max N); above it rclone runs with --sftp-disable-hashcheck (then --checksum
 * compares sizes only, as on WebDAV, which has no hashes either).
 */
const SFTP_HASHCHECK_MAX = flag('sftp-hashcheck-max', 1_000);
const WORK = path.resolve('bench/.work/push', String(ARTICLES));

interface Measure {
  tool: string;
  server: 'sftp' | 'webdav';
  run: 'first' | 'one-changed';
  seconds: number;
  files: number;
  bytes: number;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/** Builds the archive once (kept between runs), then the edition with one article changed. */
async function prepareBundles(): Promise<{ a: string; b: string; manifestA: Manifest; manifestB: Manifest; buildSeconds: number }> {
  const content = path.join(WORK, 'content');
  const a = path.join(WORK, 'site-a');
  const b = path.join(WORK, 'site-b');
  const cacheDir = path.join(WORK, 'build-cache');
  let buildSeconds = NaN;
  if (!(await exists(path.join(a, 'mirror-manifest.json')))) {
    await rm(WORK, { recursive: true, force: true });
    console.error(`generating ${ARTICLES} articles…`);
    await generateArchive({ dir: content, count: ARTICLES });
    console.error('building edition A…');
    const t = performance.now();
    await buildSite({ contentDir: content, outDir: a, cacheDir, env: {} });
    buildSeconds = (performance.now() - t) / 1000;
  }
  if (!(await exists(path.join(b, 'mirror-manifest.json')))) {
    // One article corrected: a sentence added to the newest-but-one article of the archive.
    const changed = articleText(ARTICLES - 2);
    const file = path.join(content, changed.name);
    await writeFile(file, changed.text + '\nCorrection: an earlier version of this article misstated a date.\n');
    console.error('building edition B (one article changed)…');
    await buildSite({ contentDir: content, outDir: b, cacheDir, env: {} });
    await writeFile(file, changed.text);
  }
  const manifestA = JSON.parse(await readFile(path.join(a, 'mirror-manifest.json'), 'utf8')) as Manifest;
  const manifestB = JSON.parse(await readFile(path.join(b, 'mirror-manifest.json'), 'utf8')) as Manifest;
  return { a, b, manifestA, manifestB, buildSeconds };
}

async function rcloneSync(config: string, from: string, to: string, extra: string[] = []): Promise<{ seconds: number; files: number; bytes: number }> {
  const t = performance.now();
  const { stderr } = await run(
    'rclone',
    ['sync', '--checksum', ...extra, '--config', config, '--transfers', String(CONCURRENCY), '--use-json-log', '-v', '--stats', '1h', from, to],
    { maxBuffer: 512 * 1024 * 1024 },
  );
  const seconds = (performance.now() - t) / 1000;
  const stats = stderr
    .split('\n')
    .filter((l) => l.includes('"stats"'))
    .map((l) => JSON.parse(l) as { stats: { bytes: number; transfers: number } })
    .at(-1)!.stats;
  return { seconds, files: stats.transfers, bytes: stats.bytes };
}

async function samizdatPush(siteDir: string, mirrorsDir: string, env: Record<string, string>): Promise<{ seconds: number; files: number; bytes: number }> {
  const t = performance.now();
  const report = await pushMirrors({ siteDir, mirrorsDir, env, stateDir: path.join(WORK, 'push-state') });
  const seconds = (performance.now() - t) / 1000;
  const h = report.hosts[0]!;
  if (h.status === 'failed') throw new Error(`samizdat push failed: ${h.error?.message}`);
  return { seconds, files: h.uploaded, bytes: h.bytes };
}

async function main(): Promise<void> {
  const { a, b, manifestA, manifestB, buildSeconds } = await prepareBundles();
  const changedFiles = manifestB.files.filter((f) => !manifestA.files.some((g) => g.path === f.path && g.sha256 === f.sha256));
  const bundleBytes = manifestA.files.reduce((n, f) => n + f.size, 0);
  console.error(`bundle: ${manifestA.files.length} files, ${(bundleBytes / 1048576).toFixed(1)} MiB; one article changed → ${changedFiles.length} files differ`);

  const [sshd, dav] = await Promise.all([startSshd(), startLighttpdDav()]);
  const measures: Measure[] = [];
  try {
    const tmp = path.join(WORK, 'run');
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    // rclone: a pinned host key (known_hosts), the password obscured as rclone wants it.
    const knownHosts = path.join(tmp, 'known_hosts');
    await writeFile(knownHosts, `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey.trim()}\n`);
    const obscured = (await run('rclone', ['obscure', dav.password])).stdout.trim();
    const rcloneConf = path.join(tmp, 'rclone.conf');
    await writeFile(
      rcloneConf,
      [
        '[sftp]', 'type = sftp', 'host = 127.0.0.1', `port = ${sshd.port}`, `user = ${sshd.user}`, `key_file = ${sshd.userKeyPath}`, `known_hosts_file = ${knownHosts}`, 'shell_type = unix', '',
        '[dav]', 'type = webdav', `url = ${dav.url}`, 'vendor = other', `user = ${dav.username}`, `pass = ${obscured}`, '',
      ].join('\n'),
    );
    const env = { SFTP_KEY: sshd.userKey, DAV_PASSWORD: dav.password };
    const servers = {
      sftp: {
        mirror: (folder: string) => ({ type: 'sftp', host: '127.0.0.1', port: sshd.port, username: sshd.user, path: path.join(sshd.root, folder), hostKeyFingerprint: sshd.hostKeyFingerprint, privateKeyEnv: 'SFTP_KEY', concurrency: CONCURRENCY, timeoutMs: 60_000 }),
        rclone: (folder: string) => `sftp:${path.join(sshd.root, folder)}`,
      },
      webdav: {
        mirror: (folder: string) => ({ type: 'webdav', endpoint: dav.url, path: folder, username: dav.username, passwordEnv: 'DAV_PASSWORD', concurrency: CONCURRENCY, timeoutMs: 60_000 }),
        rclone: (folder: string) => `dav:${folder}`,
      },
    } as const;
    for (const server of SERVERS) {
      const mirrorsDir = path.join(tmp, `mirrors-${server}`);
      await mkdir(mirrorsDir, { recursive: true });
      await writeFile(path.join(mirrorsDir, `bench-${server}.json`), JSON.stringify(servers[server].mirror('samizdat')));
      const rcloneExtra = server === 'sftp' && ARTICLES > SFTP_HASHCHECK_MAX ? ['--sftp-disable-hashcheck'] : [];
      const rcloneName = `rclone sync --checksum${rcloneExtra.length ? ' --sftp-disable-hashcheck' : ''}`;
      for (const [runName, site] of [['first', a], ['one-changed', b]] as const) {
        const record = (m: Measure) => {
          measures.push(m);
          console.error(`  ${m.server} ${m.run} ${m.tool}: ${m.seconds.toFixed(1)} s, ${m.files} files, ${m.bytes} bytes`);
        };
        record({ tool: 'samizdat push', server, run: runName, ...(await samizdatPush(site, mirrorsDir, env)) });
        record({ tool: rcloneName, server, run: runName, ...(await rcloneSync(rcloneConf, site, servers[server].rclone('rclone'), rcloneExtra)) });
      }
    }
  } finally {
    await Promise.allSettled([sshd.stop(), dav.stop()]);
  }

  const rows = measures.map((m) => `| ${m.server} | ${m.run} | ${m.tool} | ${m.seconds.toFixed(1)} s | ${m.files} | ${(m.bytes / 1048576).toFixed(2)} MiB |`);
  const ratio = (server: string, runName: string) => {
    const s = measures.find((m) => m.tool === 'samizdat push' && m.server === server && m.run === runName)!;
    const r = measures.find((m) => m.tool !== 'samizdat push' && m.server === server && m.run === runName)!;
    return `${server} ${runName}: samizdat/rclone time ${(s.seconds / r.seconds).toFixed(2)}, files ${s.files}/${r.files}, bytes ${(s.bytes / Math.max(1, r.bytes)).toFixed(2)}`;
  };
  const summary = [
    `bundle: ${ARTICLES} articles → ${manifestA.files.length} files, ${(bundleBytes / 1048576).toFixed(1)} MiB${Number.isNaN(buildSeconds) ? '' : ` (build ${buildSeconds.toFixed(0)} s)`}; one article changed → ${changedFiles.length} files differ (+ manifest)`,
    '',
    '| server | run | tool | time | files sent | bytes sent |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    ...SERVERS.flatMap((s) => ['first', 'one-changed'].map((r) => `- ${ratio(s, r)}`)),
    '',
    `(${new Date().toISOString()}, Node ${process.version}, ${(await run('rclone', ['version'])).stdout.split('\n')[0]}, ${ARTICLES} articles, concurrency ${CONCURRENCY})`,
  ].join('\n');
  console.log(summary);
  await writeFile(path.join(WORK, `results-${SERVERS.join('-')}.json`), JSON.stringify({ articles: ARTICLES, files: manifestA.files.length, bundleBytes, changedFiles: changedFiles.map((f) => f.path), measures }, null, 1));
}

await main();
