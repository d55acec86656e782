/**
 * End to end, as an operator runs it: `samizdat publish` to a folder, S3 (OpenStack Swift),
 * SFTP (sshd), WebDAV (lighttpd and nginx) and git (git daemon) at once, then `samizdat check`
 * from outside through what readers fetch: plain web servers in front of each host's folder,
 * Swift's public container URL, and a pages-style checkout of the git branch. Then the faults
 * check must name: a file changed behind samizdat's back, a host that stopped answering, and a
 * host that missed a publication (stale until it is pushed again).
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmod, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckReport } from '../../src/check/index.ts';
import { main } from '../../src/cli/main.ts';
import type { PublishReport } from '../../src/publish/index.ts';
import { startStaticNginx, type StaticNginx } from '../support/nginx-static.ts';
import { tempDir } from '../support/net.ts';
import { startGitDaemon, type GitTestServer } from '../support/servers/git.ts';
import { startLighttpdDav, type DavTestServer } from '../support/servers/lighttpd.ts';
import { startNginxDav } from '../support/servers/nginx-dav.ts';
import { startSshd, type SshdServer } from '../support/servers/sshd.ts';
import { startSwift, type SwiftServer } from '../support/servers/swift.ts';

const run = promisify(execFile);
const MIRRORS = ['local', 'swift', 'sftp', 'lighttpd', 'nginx', 'pages'];

let work: { dir: string; cleanup: () => Promise<void> };
let project: string;
let sshd: SshdServer;
let lighttpd: DavTestServer;
let nginx: DavTestServer;
let swift: SwiftServer;
let git: GitTestServer;
let swiftPublicUrl: string;
const web: Record<string, StaticNginx> = {};
let env: NodeJS.ProcessEnv;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    cwd: project,
    env,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

async function publish(): Promise<{ code: number; report: PublishReport; stderr: string }> {
  const r = await cli(['publish', '--json']);
  return { code: r.code, report: JSON.parse(r.stdout) as PublishReport, stderr: r.stderr };
}

async function check(): Promise<{ code: number; report: CheckReport; byName: Record<string, CheckReport['targets'][number]> }> {
  const r = await cli(['check', '--json', '--no-gateways', '--timeout', '15000']);
  const report = JSON.parse(r.stdout) as CheckReport;
  return { code: r.code, report, byName: Object.fromEntries(report.targets.map((t) => [t.name, t])) };
}

/** Swift serves a container to anonymous readers once its read ACL allows it (as a public bucket would). */
async function makeSwiftContainerPublic(container: string): Promise<string> {
  const auth = await fetch(`${swift.endpoint}/auth/v1.0`, { headers: { 'X-Auth-User': swift.accessKeyId, 'X-Auth-Key': swift.secretAccessKey } });
  expect(auth.status).toBe(200);
  const storage = auth.headers.get('x-storage-url')!.replace(/^https?:\/\/[^/]+/, swift.endpoint);
  const res = await fetch(`${storage}/${container}`, { method: 'POST', headers: { 'X-Auth-Token': auth.headers.get('x-auth-token')!, 'X-Container-Read': '.r:*' } });
  expect(res.status).toBeLessThan(300);
  return `${storage}/${container}/`;
}

/** A pages host publishes the branch it receives: a post-receive hook exports it into a folder. */
async function servePagesBranch(repo: string, folder: string): Promise<void> {
  await mkdir(folder, { recursive: true });
  const hook = path.join(repo, 'hooks', 'post-receive');
  await writeFile(hook, `#!/bin/sh\nset -e\nfind '${folder}' -mindepth 1 -delete\ngit archive pages | tar -x -C '${folder}'\n`);
  await chmod(hook, 0o755);
}

async function writeMirrors(): Promise<void> {
  const dir = path.join(project, 'mirrors');
  await mkdir(dir, { recursive: true });
  const common = { concurrency: 4, timeoutMs: 15000 };
  const mirrors: Record<string, Record<string, unknown>> = {
    local: { type: 'folder', path: 'dist/mirror' },
    swift: { type: 's3', url: swiftPublicUrl, endpoint: swift.endpoint, region: swift.region, bucket: 'site', forcePathStyle: true, accessKeyIdEnv: 'S3_KEY', secretAccessKeyEnv: 'S3_SECRET' },
    sftp: { type: 'sftp', url: web.sftp!.rootUrl, host: '127.0.0.1', port: sshd.port, username: sshd.user, path: path.join(sshd.root, 'www'), hostKeyFingerprint: sshd.hostKeyFingerprint, privateKeyEnv: 'SFTP_KEY' },
    lighttpd: { type: 'webdav', url: web.lighttpd!.rootUrl, endpoint: lighttpd.url, username: lighttpd.username, passwordEnv: 'LIGHTTPD_PASSWORD' },
    nginx: { type: 'webdav', url: web.nginx!.rootUrl, endpoint: nginx.url, username: nginx.username, passwordEnv: 'NGINX_PASSWORD' },
    pages: { type: 'git', url: web.pages!.rootUrl, remote: git.url, branch: 'pages' },
  };
  for (const [name, m] of Object.entries(mirrors)) await writeFile(path.join(dir, `${name}.json`), JSON.stringify({ ...common, ...m }, null, 1));
}

beforeAll(async () => {
  work = await tempDir('samizdat-publish-e2e-');
  project = path.join(work.dir, 'newsroom');
  await cp(path.resolve('content'), path.join(project, 'content'), { recursive: true });
  [sshd, lighttpd, nginx, swift, git] = await Promise.all([startSshd(), startLighttpdDav(), startNginxDav(), startSwift(), startGitDaemon()]);
  await swift.createBucket('site');
  swiftPublicUrl = await makeSwiftContainerPublic('site');
  const pagesDir = path.join(work.dir, 'pages-www');
  await servePagesBranch(git.repo, pagesDir);
  const published = { lighttpd: lighttpd.root, nginx: nginx.root, sftp: path.join(sshd.root, 'www'), pages: pagesDir };
  for (const [name, folder] of Object.entries(published)) {
    await mkdir(folder, { recursive: true });
    web[name] = await startStaticNginx(folder);
  }
  env = {
    PATH: process.env.PATH,
    HOME: work.dir,
    SAMIZDAT_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    S3_KEY: swift.accessKeyId,
    S3_SECRET: swift.secretAccessKey,
    SFTP_KEY: sshd.userKey,
    LIGHTTPD_PASSWORD: lighttpd.password,
    NGINX_PASSWORD: nginx.password,
  };
  await writeMirrors();
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([sshd?.stop(), lighttpd?.stop(), nginx?.stop(), swift?.stop(), git?.stop(), ...Object.values(web).map((w) => w.stop())]);
  await work?.cleanup();
});

describe('samizdat publish, then samizdat check', () => {
  let first: PublishReport;

  it('publishes to a folder, S3, SFTP, two WebDAV servers and git at once, and checks them all fresh and intact', async () => {
    const { code, report, stderr } = await publish();
    expect(stderr).toBe('');
    expect(report.stages.map((s) => [s.stage, s.status]), JSON.stringify(report.stages, null, 1)).toEqual([['build', 'ok'], ['pack', 'ok'], ['pin', 'ok'], ['push', 'ok'], ['check', 'ok']]);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.publication?.signer).toMatch(/^SHA256:/);
    expect(report.mirrors.map((m) => [m.name, m.status]).sort()).toEqual(MIRRORS.map((n) => [n, 'updated']).sort());
    expect(report.check?.targets.map((t) => [t.name, t.status]).sort()).toEqual(MIRRORS.map((n) => [n, 'ok']).sort());
    for (const t of report.check!.targets) expect(t.feeds.every((f) => f.ok), t.name).toBe(true);

    // The report on disk says the same, with the CID, the CAR, the zip and its hash.
    const onDisk = JSON.parse(await readFile(path.join(project, 'dist', 'publish.json'), 'utf8')) as PublishReport;
    expect(onDisk.ipfs?.cid).toBe(report.ipfs?.cid);
    expect(onDisk.ipfs?.links.gateways[0]?.path).toContain(`/ipfs/${report.ipfs!.cid}/`);
    const zip = await readFile(path.join(project, report.zip!.path));
    expect((await run('sha256sum', [path.join(project, report.zip!.path)])).stdout.split(' ')[0]).toBe(report.zip!.sha256);
    expect(zip.length).toBe(report.zip!.bytes);
    await readFile(path.join(project, report.ipfs!.car));
    first = report;
  }, 240_000);

  it('names the host and the file when a file is changed behind samizdat\'s back', async () => {
    const file = path.join(lighttpd.root, 'index.html');
    const original = await readFile(file);
    await writeFile(file, Buffer.concat([original, Buffer.from('<!-- injected -->')]));
    try {
      const { code, byName, report } = await check();
      expect(code).toBe(1);
      expect(byName.lighttpd).toMatchObject({ status: 'altered', reachable: true, fresh: true, intact: false });
      expect(byName.lighttpd!.problems.join('\n')).toContain('index.html');
      for (const n of MIRRORS.filter((m) => m !== 'lighttpd')) expect(byName[n]?.status, n).toBe('ok');
      expect(report.ok).toBe(false);
    } finally {
      await writeFile(file, original);
    }
    expect((await check()).code).toBe(0);
  }, 120_000);

  it('names a host that stopped answering as unreachable', async () => {
    await swift.killProxy();
    try {
      const { code, byName } = await check();
      expect(code).toBe(1);
      expect(byName.swift).toMatchObject({ status: 'unreachable', reachable: false });
      for (const n of MIRRORS.filter((m) => m !== 'swift')) expect(byName[n]?.status, n).toBe('ok');
    } finally {
      await swift.restartProxy();
    }
  }, 120_000);

  it('shows a host that missed a publication as stale until it is pushed again', async () => {
    await writeFile(
      path.join(project, 'content', 'breaking.md'),
      '---\ntitle: Breaking news from the newsroom\ndate: 2026-11-27\n---\nA new article, published while one mirror was down.\n',
    );
    await sshd.kill();
    const second = await publish();
    expect(second.code).toBe(1);
    expect(second.report.publication!.id).not.toBe(first.publication!.id);
    const sftp = second.report.mirrors.find((m) => m.name === 'sftp')!;
    expect(sftp.status).toBe('failed');
    expect(sftp.serving?.publication?.id).toBe(first.publication!.id);
    for (const m of second.report.mirrors.filter((x) => x.name !== 'sftp')) expect(m.status, m.name).toBe('updated');
    const staleInReport = second.report.check!.targets.find((t) => t.name === 'sftp')!;
    expect(staleInReport).toMatchObject({ status: 'stale', fresh: false, intact: true, publication: first.publication ? { id: first.publication.id } : {} });

    const stale = await check();
    expect(stale.code).toBe(1);
    expect(stale.byName.sftp).toMatchObject({ status: 'stale', fresh: false });
    expect(stale.byName.sftp!.problems[0]).toContain(first.publication!.id);

    await sshd.restart();
    const pushed = await cli(['push', '--only', 'sftp', '--json']);
    expect(pushed.code).toBe(0);
    const fresh = await check();
    expect(fresh.report.targets.map((t) => [t.name, t.status]).sort()).toEqual(MIRRORS.map((n) => [n, 'ok']).sort());
    expect(fresh.code).toBe(0);

    // The next build tells readers' apps when each mirror was last verified (mirrors.json).
    expect((await cli(['build'])).code).toBe(0);
    const list = JSON.parse(await readFile(path.join(project, 'dist', 'site', 'mirrors.json'), 'utf8')) as {
      sites: Array<{ available_alternatives: Array<{ type: string; url: string; last_verified?: string }> }>;
    };
    const listed = list.sites[0]!.available_alternatives.filter((a) => a.type === 'mirror');
    expect(listed.map((a) => a.url).sort()).toEqual(fresh.report.targets.filter((t) => t.target.startsWith('http')).map((t) => t.target).sort());
    for (const a of listed) expect(a.last_verified, a.url).toBe(fresh.report.checkedAt);
  }, 240_000);
});
