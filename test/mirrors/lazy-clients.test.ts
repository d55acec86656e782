/**
 * The client libraries of mirror and pin targets (kubo-rpc-client, webdav, ssh2-sftp-client,
 * the AWS SDK) load only when a target of that type is used: `samizdat pin` of one file spent
 * 0.85 s of its 1.1 s importing them. The CLI runs in a child process with an ESM resolve hook
 * that prints every module it resolves; the AWS SDK is CommonJS, but its entry is imported from
 * ESM and so passes the hook too.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostError, HostUnreachableError } from '../../src/mirrors/errors.ts';
import { lazyLibrary } from '../../src/mirrors/hosts/library.ts';
import { S3Host } from '../../src/mirrors/hosts/s3.ts';
import { SftpHost } from '../../src/mirrors/hosts/sftp.ts';
import { WebdavHost } from '../../src/mirrors/hosts/webdav.ts';
import { createKuboTarget } from '../../src/ipfs/remote/kubo.ts';
import { CID } from 'multiformats/cid';
import { freePort, tempDir } from '../support/net.ts';

const BIN = fileURLToPath(new URL('../../bin/samizdat.mjs', import.meta.url));
const CLIENTS = ['kubo-rpc-client', 'webdav', 'ssh2-sftp-client', '@aws-sdk'];
const FP = 'SHA256:GMOqhuahdwuzJdCve32h5doH4pStFmEFDvDnNxvjtaU';

let dir: string;
let cleanup: () => Promise<void>;
let hookImport: string;
let sshKey: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('samizdat-lazy-'));
  const hook = path.join(dir, 'hook.mjs');
  await writeFile(hook, "export async function resolve(s, c, n) { const r = await n(s, c); if (!r.url.startsWith('node:')) process._rawDebug('R ' + r.url); return r; }\n");
  hookImport = path.join(dir, 'register.mjs');
  await writeFile(hookImport, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`);
});
beforeAll(async () => {
  const keyFile = path.join(dir, 'id_ed25519');
  await new Promise<void>((resolve, reject) =>
    spawn('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile], { stdio: 'ignore' }).on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ssh-keygen exited ${code}`)))),
  );
  sshKey = await readFile(keyFile, 'utf8');
});
afterAll(() => cleanup?.());

/** A project with a one-file site and the given mirror files (none: no mirrors folder). */
async function project(name: string, mirrors: Record<string, string>): Promise<string> {
  const root = path.join(dir, name);
  await mkdir(path.join(root, 'site'), { recursive: true });
  await writeFile(path.join(root, 'site/index.html'), 'hi\n');
  if (Object.keys(mirrors).length) {
    await mkdir(path.join(root, 'mirrors'));
    for (const [file, text] of Object.entries(mirrors)) await writeFile(path.join(root, 'mirrors', file), text);
  }
  return root;
}

/** Runs `samizdat pin --json` there under the hook: the packages it loaded, its exit code and report. */
async function pin(root: string, env: Record<string, string> = {}): Promise<{ packages: Set<string>; code: number | null; report: { ok?: boolean; remote?: Array<Record<string, unknown>> }; stderr: string }> {
  const child = spawn(process.execPath, ['--import', hookImport, BIN, 'pin', '--site', 'site', '--out', 'out', '--blockstore', 'blocks', '--json'], {
    cwd: root,
    env: { ...process.env, ...env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const packages = new Set<string>();
  for (const line of stderr.split('\n')) {
    const m = /^R .*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
    if (m) packages.add(m[1]!);
  }
  let report = {};
  try {
    report = JSON.parse(stdout);
  } catch {
    // asserted below through `report.ok`
  }
  return { packages, code, report, stderr: stderr.split('\n').filter((l) => !l.startsWith('R ')).join('\n') };
}

const loaded = (packages: Set<string>) => CLIENTS.filter((c) => [...packages].some((p) => p === c || p.startsWith(`${c}/`)));

// The three CLI runs are independent: run them at once (2 s each through tsx, 0.7 s compiled).
describe.concurrent('client libraries load on first use', () => {
  it('`samizdat pin` of one file with no mirrors folder loads none of them', async ({ expect }) => {
    const r = await pin(await project('bare', {}));
    expect(r.stderr.trim()).toBe('');
    expect(r.code).toBe(0);
    expect(r.report.ok).toBe(true);
    expect(r.packages.has('ipfs-unixfs-importer')).toBe(true); // the hook does see packages
    expect(loaded(r.packages)).toEqual([]);
  });

  it('nor with s3, sftp and webdav mirror files, which pin does not use, and a kubo target loads only kubo-rpc-client', async ({ expect }) => {
    const port = await freePort(); // nothing listens there
    const r = await pin(
      await project('mixed', {
        's3.yaml': 'type: s3\nendpoint: http://127.0.0.1:9\nbucket: site\naccessKeyIdEnv: AK\nsecretAccessKeyEnv: SK\n',
        'box.yaml': `type: sftp\nhost: 127.0.0.1\nusername: u\npath: /srv\nhostKeyFingerprint: "${FP}"\nprivateKeyEnv: KEY\n`,
        'dav.yaml': 'type: webdav\nendpoint: http://127.0.0.1:9/dav/\nusername: u\npasswordEnv: PW\n',
        'node.yaml': `type: kubo\napi: http://127.0.0.1:${port}\ntimeoutMs: 5000\n`,
      }),
    );
    expect(r.code).toBe(1);
    expect(r.report.ok).toBe(false);
    expect(r.report.remote).toEqual([expect.objectContaining({ name: 'node', ok: false, error: expect.objectContaining({ code: 'HOST_UNREACHABLE' }) })]);
    expect(loaded(r.packages)).toEqual(['kubo-rpc-client']);
  });

  it('an s3 mirror with importCar loads the AWS SDK when pin uses it', async ({ expect }) => {
    const port = await freePort();
    const r = await pin(
      await project('car', {
        'car.yaml': `type: s3\nendpoint: http://127.0.0.1:${port}\nforcePathStyle: true\nbucket: site\naccessKeyIdEnv: AK\nsecretAccessKeyEnv: SK\nimportCar: true\ntimeoutMs: 5000\n`,
      }),
      { AK: 'access-key', SK: 'secret-key' },
    );
    expect(r.code).toBe(1);
    expect(r.report.remote).toEqual([expect.objectContaining({ name: 'car', ok: false, error: expect.objectContaining({ code: 'HOST_UNREACHABLE' }) })]);
    expect(loaded(r.packages)).toEqual(['@aws-sdk']);
  });
});

describe('lazily made clients', () => {
  it('a library that cannot be loaded is a HostError naming it, and the next call tries again', async () => {
    let attempts = 0;
    const missing = 'samizdat-no-such-package';
    const load = lazyLibrary(missing, () => {
      attempts++;
      return import(/* @vite-ignore */ missing);
    });
    const err = await load('box').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostError);
    expect(err).toMatchObject({ code: 'HOST_LIBRARY_MISSING', retryable: false });
    expect((err as Error).message).toMatch(/^mirror box: cannot load the client library samizdat-no-such-package \(/);
    await expect(load('box')).rejects.toThrow(/cannot load the client library/);
    expect(attempts).toBe(2);
  });

  it('every host works without connect() first: list() on a closed port is HostUnreachableError', async () => {
    const port = await freePort();
    const common = { enabled: true, concurrency: 2, timeoutMs: 5000, file: 'mirrors/x.yaml' };
    const s3 = new S3Host('s3', { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', bucket: 'site', forcePathStyle: true, credentials: { accessKeyId: 'ak', secretAccessKey: 'sk' }, timeoutMs: 5000 });
    const dav = new WebdavHost({ ...common, type: 'webdav', name: 'dav', endpoint: `http://127.0.0.1:${port}/dav/`, path: '', username: 'u', passwordEnv: 'PW', allowInsecureHttp: false, atomicMove: true }, { PW: 'pw' });
    const box = new SftpHost({ ...common, type: 'sftp', name: 'box', host: '127.0.0.1', port, username: 'u', path: '/srv', hostKeyFingerprint: FP, privateKeyEnv: 'KEY' }, { KEY: sshKey });
    for (const host of [s3, dav, box]) {
      await expect(host.list(), host.name).rejects.toBeInstanceOf(HostUnreachableError);
      await host.close();
    }
    const kubo = createKuboTarget('node', { api: `http://127.0.0.1:${port}`, timeoutMs: 5000 }, {});
    const cid = CID.parse('bafybeigz6zbccq2c5duexseghkf2lee3mgy4f2fyywlgaiacaydliyddxm');
    await expect(kubo.unpin(cid)).rejects.toBeInstanceOf(HostUnreachableError);
    await kubo.close();
  });
});
