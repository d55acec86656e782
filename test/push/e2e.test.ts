/**
 * End to end: one bundle pushed to every real host type at once (folder; S3 on OpenStack Swift;
 * SFTP on OpenSSH sshd; WebDAV on lighttpd and on nginx; git daemon), each host then read back file by
 * file; then fault runs (one host down from the start, one killed mid-push, one with wrong
 * credentials) and a rerun once the faults are gone. Servers start once for the whole file.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite } from '../../src/build/index.ts';
import type { Manifest } from '../../src/manifest/index.ts';
import { MANIFEST_FILE, SIGNATURE_FILE } from '../../src/manifest/types.ts';
import { loadMirrorConfigs } from '../../src/mirrors/config.ts';
import { createMirrorHost } from '../../src/mirrors/registry.ts';
import { phaseOf, pushMirrors, type PushEvent, type PushReport } from '../../src/push/index.ts';
import { verifyTarget } from '../../src/verify/index.ts';
import { startStaticNginx, type StaticNginx } from '../support/nginx-static.ts';
import { tempDir } from '../support/net.ts';
import { startLighttpdDav } from '../support/servers/lighttpd.ts';
import { startNginxDav } from '../support/servers/nginx-dav.ts';
import { startSshd, type SshdServer } from '../support/servers/sshd.ts';
import { startSwift, type SwiftServer } from '../support/servers/swift.ts';
import { readRemoteBranch, startGitDaemon, type GitTestServer } from '../support/servers/git.ts';
import type { DavTestServer } from '../support/servers/lighttpd.ts';

const ARTICLES = 60;
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

let work: { dir: string; cleanup: () => Promise<void> };
let siteDir: string;
let contentDir: string;
let mirrorsDir: string;
let stateDir: string;
let sshd: SshdServer;
let lighttpd: DavTestServer;
let nginx: DavTestServer;
let swift: SwiftServer;
let git: GitTestServer;
let env: Record<string, string>;
const web: Record<string, StaticNginx> = {};
const signingKeyPem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/**
 * The content of a newsroom: the repository's sample articles plus ARTICLES generated ones.
 * `version` changes the text of every even article (corrections across the archive); `drop`
 * removes one; `extra` adds newer ones (a new publication date).
 */
async function writeContent(version: number, options: { drop?: number; extra?: number } = {}): Promise<void> {
  await rm(contentDir, { recursive: true, force: true });
  await cp(path.resolve('content'), contentDir, { recursive: true });
  await mkdir(path.join(contentDir, 'gen'), { recursive: true });
  for (let i = 0; i < ARTICLES + (options.extra ?? 0); i++) {
    if (i === options.drop) continue;
    const day = i >= ARTICLES ? '2026-11-25' : `2026-05-${String(1 + (i % 28)).padStart(2, '0')}`;
    const rev = i % 2 === 0 ? version : 1;
    await writeFile(
      path.join(contentDir, 'gen', `story-${i}.md`),
      `---\ntitle: Story number ${i}\ndate: ${day}\ntags: [news, topic-${i % 5}]\n---\nRevision ${rev}. ${'Some reporting. '.repeat(120)}\n`,
    );
  }
}

/** Builds the content with the real build (signed), as `samizdat build` would. */
async function build(): Promise<Manifest> {
  const result = await buildSite({ contentDir, outDir: siteDir, cacheDir: false, env: { SAMIZDAT_SIGNING_KEY: signingKeyPem } });
  expect(result.signer).toBeTruthy();
  return result.manifest;
}

async function writeMirrors(over: Record<string, Record<string, unknown>> = {}): Promise<void> {
  await rm(mirrorsDir, { recursive: true, force: true });
  await mkdir(mirrorsDir, { recursive: true });
  // Generous limits: an SSH handshake took over 3 s under the full suite's load beside other work
  // (one red CI run). The faults below fail fast (refused, reset, 401); time limits have tests
  // of their own.
  const common = { concurrency: 4, timeoutMs: 20_000 };
  const mirrors: Record<string, Record<string, unknown>> = {
    local: { type: 'folder', path: path.join(work.dir, 'folder-mirror') },
    swift: { type: 's3', endpoint: swift.endpoint, region: swift.region, bucket: 'mirror', forcePathStyle: true, accessKeyIdEnv: 'S3_KEY', secretAccessKeyEnv: 'S3_SECRET', partSizeMiB: 5 },
    sftp: { type: 'sftp', host: '127.0.0.1', port: sshd.port, username: sshd.user, path: path.join(sshd.root, 'www'), hostKeyFingerprint: sshd.hostKeyFingerprint, privateKeyEnv: 'SFTP_KEY', concurrency: 2 },
    lighttpd: { type: 'webdav', endpoint: lighttpd.url, username: lighttpd.username, passwordEnv: 'LIGHTTPD_PASSWORD' },
    nginx: { type: 'webdav', endpoint: nginx.url, username: nginx.username, passwordEnv: 'NGINX_PASSWORD' },
    git: { type: 'git', remote: git.url, branch: 'pages' },
  };
  for (const [name, m] of Object.entries(mirrors)) {
    await writeFile(path.join(mirrorsDir, `${name}.json`), JSON.stringify({ ...common, ...m, ...over[name] }, null, 1));
  }
}

async function push(events: PushEvent[] = []): Promise<PushReport> {
  return pushMirrors({ siteDir, mirrorsDir, stateDir, env, retry: { retries: 2, baseDelayMs: 100, maxDelayMs: 400 }, onProgress: (e) => events.push(e) });
}

const byName = (report: PushReport) => Object.fromEntries(report.hosts.map((h) => [h.name, h]));

/** Reads every file back through a fresh connection and compares it with the local manifest. */
async function readBack(name: string, manifest: Manifest): Promise<void> {
  const config = (await loadMirrorConfigs(mirrorsDir)).find((c) => c.name === name)!;
  const host = createMirrorHost(config, { env });
  await host.connect();
  try {
    const listed = new Map((await host.list()).map((f) => [f.path, f]));
    const expected = [...manifest.files.map((f) => f.path), MANIFEST_FILE, SIGNATURE_FILE].sort();
    expect([...listed.keys()].sort(), `${name}: files on the host`).toEqual(expected);
    for (const f of manifest.files) {
      expect(listed.get(f.path)!.size, `${name}: ${f.path} size`).toBe(f.size);
      expect(sha(await host.read(f.path)), `${name}: ${f.path}`).toBe(f.sha256);
    }
    const remoteManifest = JSON.parse(Buffer.from(await host.read(MANIFEST_FILE)).toString('utf8')) as Manifest;
    expect(remoteManifest.publication).toEqual(manifest.publication);
  } finally {
    await host.close();
  }
}

/**
 * What readers get: each mirror folder that a web server would publish (the WebDAV roots, the
 * SFTP folder, the local folder) served over HTTP by a plain nginx, and checked with the pack
 * stage's verifyTarget against the signed manifest and the build's key.
 */
async function verifyAsReaders(manifest: Manifest, names: string[]): Promise<void> {
  for (const name of names) {
    const report = await verifyTarget(web[name]!.rootUrl, { pubkey: manifest.signer });
    expect(report.problems, `${name} over HTTP`).toEqual([]);
    expect(report, name).toMatchObject({ ok: true, publication: manifest.publication, signature: { status: 'valid' } });
    expect(report.files.good, name).toBe(manifest.files.length);
  }
  const local = await verifyTarget(path.join(work.dir, 'folder-mirror'), { pubkey: manifest.signer });
  expect(local.problems, 'local folder').toEqual([]);
  expect(local.ok).toBe(true);
}

beforeAll(async () => {
  work = await tempDir('samizdat-push-e2e-');
  siteDir = path.join(work.dir, 'site');
  contentDir = path.join(work.dir, 'content');
  mirrorsDir = path.join(work.dir, 'mirrors');
  stateDir = path.join(work.dir, 'state');
  [sshd, lighttpd, nginx, swift, git] = await Promise.all([startSshd(), startLighttpdDav(), startNginxDav(), startSwift(), startGitDaemon()]);
  await swift.createBucket('mirror');
  env = {
    S3_KEY: swift.accessKeyId,
    S3_SECRET: swift.secretAccessKey,
    SFTP_KEY: sshd.userKey,
    LIGHTTPD_PASSWORD: lighttpd.password,
    NGINX_PASSWORD: nginx.password,
    WRONG_PASSWORD: 'not-the-password',
  };
  await writeMirrors();
  const published = { lighttpd: lighttpd.root, nginx: nginx.root, sftp: path.join(sshd.root, 'www') };
  for (const [name, folder] of Object.entries(published)) {
    await mkdir(folder, { recursive: true });
    web[name] = await startStaticNginx(folder);
  }
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([sshd?.stop(), lighttpd?.stop(), nginx?.stop(), swift?.stop(), git?.stop(), ...Object.values(web).map((w) => w.stop())]);
  await work?.cleanup();
});

describe('push to every real host at once', () => {
  let pub1: Manifest;
  const HOSTS = ['local', 'swift', 'sftp', 'lighttpd', 'nginx', 'git'];

  it('first push: every host gets the whole bundle, read back file by file', async () => {
    await writeContent(1);
    pub1 = await build();
    const report = await push();
    const total = pub1.files.length + 2;
    for (const name of HOSTS) expect(byName(report)[name], name).toMatchObject({ status: 'updated', uploaded: total, deleted: 0 });
    expect(report.failed).toBe(false);
    await Promise.all(HOSTS.map((name) => readBack(name, pub1)));
    await verifyAsReaders(pub1, ['lighttpd', 'nginx', 'sftp']);
    // The git host made one commit for the whole publication.
    const branch = await readRemoteBranch(git.repo, 'pages');
    expect(branch!.files.get(MANIFEST_FILE)!.toString()).toContain(pub1.publication.id);
    expect(branch!.files.has('.nojekyll')).toBe(true);
    // The build's layout meets the push order: article pages go before the pages that list them.
    const html = pub1.files.map((f) => f.path).filter((p) => p.endsWith('.html'));
    for (const p of html) expect(phaseOf(p), p).toBe(p.startsWith('articles/') ? 'article' : 'index');
  }, 120_000);

  it('a second push of the same bundle sends nothing anywhere', async () => {
    const report = await push();
    for (const name of HOSTS) expect(byName(report)[name], name).toMatchObject({ status: 'unchanged', uploaded: 0, deleted: 0 });
  }, 60_000);

  it('faults: down from the start, killed mid-push, wrong credentials; the others complete; a rerun finishes without re-sending', async () => {
    await writeContent(2, { drop: 3, extra: 2 });
    const pub2 = await build();
    expect(pub2.publication.date > pub1.publication.date).toBe(true);
    const old = new Map(pub1.files.map((f) => [f.path, f.sha256]));
    const changed = pub2.files.filter((f) => old.get(f.path) !== f.sha256).map((f) => f.path);
    const removed = pub1.files.filter((f) => !pub2.files.some((g) => g.path === f.path)).map((f) => f.path);
    expect(changed.length).toBeGreaterThan(30);
    expect(removed).toContain('articles/2026/05/story-number-3/index.html');

    await lighttpd.kill(); // down from the start
    await writeMirrors({ nginx: { passwordEnv: 'WRONG_PASSWORD' } }); // wrong credentials
    const events: PushEvent[] = [];
    let killing: Promise<void> | undefined;
    const faulty = await push(
      new Proxy(events, {
        get(target, prop, receiver) {
          if (prop !== 'push') return Reflect.get(target, prop, receiver);
          return (e: PushEvent) => {
            // sshd killed after three files of the new publication arrived
            if (!killing && e.type === 'host-file' && e.host === 'sftp' && target.filter((x) => x.type === 'host-file' && x.host === 'sftp').length >= 2) killing = sshd.kill();
            return target.push(e);
          };
        },
      }),
    );
    await killing;
    const r = byName(faulty);
    expect(faulty.failed).toBe(true);
    for (const name of ['local', 'swift', 'git']) expect(r[name], name).toMatchObject({ status: 'updated', uploaded: changed.length + 2, deleted: removed.length });
    expect(r.lighttpd).toMatchObject({ status: 'failed', serving: { source: 'last-push', publication: pub1.publication } });
    expect(r.nginx).toMatchObject({ status: 'failed', error: { code: 'HOST_AUTH' }, serving: { source: 'last-push', publication: pub1.publication } });
    expect(r.sftp).toMatchObject({ status: 'failed', serving: { source: 'remote-manifest', publication: pub1.publication } });
    expect(r.sftp!.uploaded).toBeGreaterThanOrEqual(3);
    expect(r.sftp!.uploaded).toBeLessThan(changed.length);
    await Promise.all(['local', 'swift', 'git'].map((name) => readBack(name, pub2)));
    const sentBefore = new Set(events.filter((e) => e.type === 'host-file' && e.host === 'sftp').map((e) => (e as { path: string }).path));
    expect(sentBefore.size).toBe(r.sftp!.uploaded);

    // The faults go away.
    await Promise.all([lighttpd.restart(), sshd.restart()]);
    await writeMirrors();
    const rerunEvents: PushEvent[] = [];
    const rerun = byName(await push(rerunEvents));
    for (const name of ['local', 'swift', 'git']) expect(rerun[name], name).toMatchObject({ status: 'unchanged', uploaded: 0 });
    for (const name of ['lighttpd', 'nginx']) expect(rerun[name], name).toMatchObject({ status: 'updated', uploaded: changed.length + 2, deleted: removed.length });
    // sftp: what arrived before the kill is not sent again (a file in flight at the kill may be).
    const resent = rerunEvents.filter((e) => e.type === 'host-file' && e.host === 'sftp' && e.action === 'uploaded').map((e) => (e as { path: string }).path);
    expect(resent.filter((p) => sentBefore.has(p))).toEqual([]);
    expect(rerun.sftp).toMatchObject({ status: 'updated', uploaded: changed.length + 2 - sentBefore.size, deleted: removed.length });
    await Promise.all(HOSTS.map((name) => readBack(name, pub2)));
    await verifyAsReaders(pub2, ['lighttpd', 'nginx', 'sftp']);
  }, 180_000);
});
