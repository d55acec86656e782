/**
 * verify: real round trips through folders, zips (ours, Info-ZIP's, hostile hand-crafted ones)
 * and a mirror served over HTTP on 127.0.0.1, with every kind of damage the issue names.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, readdir, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, SamizdatError } from '../../src/errors.ts';
import { MANIFEST_FILE, SIGNATURE_FILE, writeManifest } from '../../src/manifest/index.ts';
import { HOWTO_FILE, packSite } from '../../src/pack/index.ts';
import { verifyTarget, type VerifyEvent } from '../../src/verify/index.ts';
import { main } from '../../src/cli/main.ts';
import { freePort, tempDir } from '../support/net.ts';
import { makeBundle, newSigningKey } from '../pack/bundle.ts';
import { startStaticServer, type StaticServer } from './static-server.ts';

let work: { dir: string; cleanup: () => Promise<void> };
let key: Awaited<ReturnType<typeof newSigningKey>>;
let other: Awaited<ReturnType<typeof newSigningKey>>;
let site: string;
let zipPath: string;
let server: StaticServer;
let pubFile: string;

/** A fresh copy of the genuine site to damage. */
async function copyOfSite(name: string): Promise<string> {
  const dir = path.join(work.dir, 'copies', name);
  await cp(site, dir, { recursive: true });
  return dir;
}

/** Zips a folder with Info-ZIP, names relative to the folder. */
function infoZip(dir: string, zip: string): string {
  execFileSync('zip', ['-r', '-X', '-q', zip, '.'], { cwd: dir });
  return zip;
}

beforeAll(async () => {
  work = await tempDir('samizdat-verify-');
  key = await newSigningKey();
  other = await newSigningKey();
  site = path.join(work.dir, 'site');
  await makeBundle(site, { signingKey: key });
  zipPath = (await packSite({ siteDir: site, outDir: path.join(work.dir, 'zips') })).zipPath;
  pubFile = path.join(work.dir, 'newsroom.key.pub');
  await writeFile(pubFile, key.publicPem);
  const mirror = await copyOfSite('mirror');
  server = await startStaticServer(mirror);
});
afterAll(async () => {
  await server?.close();
  await work.cleanup();
});

describe('a genuine copy', () => {
  it('passes as the built folder, the zip, the unzipped zip and the mirror URL, with the key as fingerprint or .pub file', async () => {
    const unpacked = path.join(work.dir, 'unpacked');
    execFileSync('unzip', ['-q', zipPath, '-d', unpacked]);
    for (const target of [site, zipPath, unpacked, server.url]) {
      const events: VerifyEvent[] = [];
      const r = await verifyTarget(target, { pubkey: key.fingerprint, onProgress: (e) => events.push(e) });
      expect(r.problems, target).toEqual([]);
      expect(r.ok).toBe(true);
      expect(r.signature).toMatchObject({ status: 'valid', signer: key.fingerprint, expected: key.fingerprint });
      expect(r.files.good).toBe(r.files.listed);
      expect(events.filter((e) => e.type === 'file')).toHaveLength(r.files.listed);
      expect(r.unexpectedChecked).toBe(!target.startsWith('http'));
    }
    expect((await verifyTarget(zipPath, { pubkey: pubFile })).ok).toBe(true);
    expect((await verifyTarget(zipPath, { pubkey: key.publicPem })).ok).toBe(true);
    // The mirror got every listed file, fetched by its URL-encoded name.
    expect(server.requests).toContain('/articles/три/index.html');
  });

  it('checks a random sample when asked, index.html always included', async () => {
    const r = await verifyTarget(server.url, { sample: 3 });
    expect(r.ok).toBe(true);
    expect(r.sampled).toBe(3);
    expect(r.files.checked).toBe(3);
  });

  it('accepts an unsigned copy without --pubkey, and refuses it with one', async () => {
    const dir = await copyOfSite('unsigned');
    await writeManifest(dir, { site: 'demo-news', publicationDate: '2026-03-04T05:06:07Z' });
    const r = await verifyTarget(dir);
    expect(r.ok).toBe(true);
    expect(r.signature.status).toBe('unsigned');
    const withKey = await verifyTarget(dir, { pubkey: key.fingerprint });
    expect(withKey.ok).toBe(false);
    expect(withKey.problems).toEqual([`signature: the manifest is not signed, but --pubkey ${key.fingerprint} was required`]);
  });
});

describe('large folders (hashed on worker threads)', () => {
  it('a 700-file copy verifies, and one changed byte, a removed file and a link are still caught by name', async () => {
    const dir = path.join(work.dir, 'large');
    const extra: Record<string, string> = {};
    for (let i = 0; i < 700; i++) extra[`p/${i % 7}/page-${i}.html`] = `<p>page ${i}</p>`.repeat(1 + (i % 13));
    await makeBundle(dir, { signingKey: key, extra });
    const events: VerifyEvent[] = [];
    const good = await verifyTarget(dir, { pubkey: key.fingerprint, onProgress: (e) => events.push(e) });
    expect(good.ok).toBe(true);
    expect(good.files.good).toBeGreaterThan(700);
    expect(events.filter((e) => e.type === 'file')).toHaveLength(good.files.listed);

    await writeFile(path.join(dir, 'p/3/page-500.html'), (await readFile(path.join(dir, 'p/3/page-500.html'), 'utf8')).replace('500', '501'));
    await rm(path.join(dir, 'p/0/page-7.html'));
    await rm(path.join(dir, 'p/1/page-1.html'));
    await symlink(path.join(dir, 'p/1/page-8.html'), path.join(dir, 'p/1/page-1.html'));
    const bad = await verifyTarget(dir);
    expect(bad.ok).toBe(false);
    expect(bad.missing).toEqual(['p/0/page-7.html']);
    expect(bad.changed.map((c) => c.path)).toEqual(['p/1/page-1.html', 'p/3/page-500.html']);
  });

  it('files behind a symlinked folder, and a FIFO in place of a page, are reported (hashing starts before the listing) and never hang', async () => {
    const dir = path.join(work.dir, 'large-links');
    const extra: Record<string, string> = {};
    for (let i = 0; i < 600; i++) extra[`q/${i % 6}/page-${i}.html`] = `<p>page ${i}</p>`;
    await makeBundle(dir, { signingKey: key, extra });
    // The same bytes, reached through a link to a folder outside the copy: still not genuine.
    const outside = path.join(work.dir, 'outside-q2');
    await cp(path.join(dir, 'q/2'), outside, { recursive: true });
    await rm(path.join(dir, 'q/2'), { recursive: true });
    await symlink(outside, path.join(dir, 'q/2'));
    await rm(path.join(dir, 'q/4/page-4.html'));
    execFileSync('mkfifo', [path.join(dir, 'q/4/page-4.html')]);
    const bad = await verifyTarget(dir);
    expect(bad.ok).toBe(false);
    const changed = new Map(bad.changed.map((c) => [c.path, c.reason]));
    expect(changed.get('q/2/page-2.html')).toMatch(/symbolic link/);
    expect([...changed.keys()].filter((p) => p.startsWith('q/2/'))).toHaveLength(100);
    expect(changed.get('q/4/page-4.html')).toMatch(/not a regular file/);
  }, 30_000);
});

describe('hand-made zips', () => {
  it('a zip with the bundle inside one folder verifies; entries beside that folder are unexpected', async () => {
    const parent = path.join(work.dir, 'nested');
    await cp(site, path.join(parent, 'news'), { recursive: true });
    const zip = infoZip(parent, path.join(work.dir, 'nested.zip'));
    const r = await verifyTarget(zip, { pubkey: key.fingerprint });
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    await writeFile(path.join(parent, 'README.txt'), 'added beside the folder');
    const r2 = await verifyTarget(infoZip(parent, path.join(work.dir, 'nested2.zip')));
    expect(r2.unexpected).toEqual(['README.txt']);
  });
});

describe('damage is caught, with the file named', () => {
  it('one byte changed, a file removed, a file added: in a folder and in an Info-ZIP zip of it', async () => {
    const dir = await copyOfSite('damaged');
    const page = path.join(dir, 'articles/two/index.html');
    const bytes = await readFile(page);
    bytes[100] = bytes[100]! ^ 1;
    await writeFile(page, bytes);
    await rm(path.join(dir, 'feed.xml'));
    await writeFile(path.join(dir, 'articles/extra.html'), '<p>planted</p>');
    const zip = infoZip(dir, path.join(work.dir, 'damaged.zip'));
    for (const target of [dir, zip]) {
      const r = await verifyTarget(target, { pubkey: key.fingerprint });
      expect(r.ok, target).toBe(false);
      expect(r.signature.status).toBe('valid');
      expect(r.changed.map((c) => c.path)).toEqual(['articles/two/index.html']);
      expect(r.changed[0]!.reason).toContain('content differs');
      expect(r.missing).toEqual(['feed.xml']);
      expect(r.unexpected).toEqual(['articles/extra.html']);
      expect(r.problems).toEqual([
        'missing: feed.xml',
        'changed: articles/two/index.html: its content differs (same size, another SHA-256)',
        'unexpected: articles/extra.html is not in the manifest',
      ]);
    }
  });

  it('the same damage on a mirror served over HTTP', async () => {
    const dir = await copyOfSite('bad-mirror');
    const page = path.join(dir, 'index.html');
    const bytes = await readFile(page);
    bytes[bytes.length - 3] = 0x41;
    await writeFile(page, bytes);
    await rm(path.join(dir, 'media/photo.jpg'));
    await writeFile(path.join(dir, 'assets/style.css'), 'body { font-family: serif; } /* and more */\n');
    const srv = await startStaticServer(dir);
    try {
      const r = await verifyTarget(srv.url, { pubkey: key.fingerprint });
      expect(r.ok).toBe(false);
      expect(r.missing).toEqual(['media/photo.jpg']);
      expect(r.changed.map((c) => c.path)).toEqual(['assets/style.css', 'index.html']);
      expect(r.changed[0]!.reason).toContain('more than');
    } finally {
      await srv.close();
    }
  });

  it('a manifest re-signed with another key: valid on its own, refused with --pubkey; a swapped signature file is invalid', async () => {
    const dir = await copyOfSite('resigned');
    await writeFile(path.join(dir, 'index.html'), '<p>the censor\'s version</p>');
    await writeManifest(dir, { site: 'demo-news', publicationDate: '2026-03-04T05:06:07Z', signingKey: other });
    const alone = await verifyTarget(dir);
    expect(alone.ok).toBe(true); // consistent, but signed by someone else:
    expect(alone.signature).toMatchObject({ status: 'valid', signer: other.fingerprint });
    const r = await verifyTarget(dir, { pubkey: pubFile });
    expect(r.ok).toBe(false);
    expect(r.signature).toMatchObject({ status: 'wrong-key', signer: other.fingerprint, expected: key.fingerprint });

    // The original signature beside the changed manifest.
    await cp(path.join(site, SIGNATURE_FILE), path.join(dir, SIGNATURE_FILE));
    const swapped = await verifyTarget(dir, { pubkey: key.fingerprint });
    expect(swapped.ok).toBe(false);
    expect(swapped.signature.status).toBe('invalid');
  });

  it('a manifest edited to match a tampered file fails the signature; a stripped signature is noticed', async () => {
    const dir = await copyOfSite('edited');
    const manifest = JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), 'utf8'));
    await writeFile(path.join(dir, 'empty.txt'), 'x');
    manifest.files.find((f: { path: string }) => f.path === 'empty.txt').size = 1;
    manifest.files.find((f: { path: string }) => f.path === 'empty.txt').sha256 = '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881';
    await writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 1) + '\n');
    const r = await verifyTarget(dir);
    expect(r.ok).toBe(false);
    expect(r.signature.status).toBe('invalid');
    expect(r.changed).toEqual([]);

    await rm(path.join(dir, SIGNATURE_FILE));
    const stripped = await verifyTarget(dir);
    expect(stripped.ok).toBe(false);
    expect(stripped.signature.status).toBe('missing');
  });

  it('an altered how-to-open text in the zip is reported as changed', async () => {
    const dir = path.join(work.dir, 'howto');
    execFileSync('unzip', ['-q', zipPath, '-d', dir]);
    const text = await readFile(path.join(dir, HOWTO_FILE), 'utf8');
    await writeFile(path.join(dir, HOWTO_FILE), text.replace(key.fingerprint, other.fingerprint));
    const r = await verifyTarget(infoZip(dir, path.join(work.dir, 'howto.zip')), { pubkey: key.fingerprint });
    expect(r.ok).toBe(false);
    expect(r.changed.map((c) => c.path)).toEqual([HOWTO_FILE]);
    // Untouched, the same text (re-zipped by Info-ZIP) passes.
    const clean = path.join(work.dir, 'howto-clean');
    execFileSync('unzip', ['-q', zipPath, '-d', clean]);
    expect((await verifyTarget(infoZip(clean, path.join(work.dir, 'howto-clean.zip')))).ok).toBe(true);
  });

  it('a symbolic link in a folder copy, even to the right content, is not genuine', async () => {
    const dir = await copyOfSite('symlink');
    await cp(path.join(dir, 'feed.xml'), path.join(work.dir, 'outside-feed.xml'));
    await rm(path.join(dir, 'feed.xml'));
    await symlink(path.join(work.dir, 'outside-feed.xml'), path.join(dir, 'feed.xml'));
    const r = await verifyTarget(dir);
    expect(r.ok).toBe(false);
    expect(r.changed).toMatchObject([{ path: 'feed.xml', reason: expect.stringContaining('symbolic link') }]);
  });
});

describe('mirrors that are slow or gone', () => {
  it('a file slower than the timeout is reported as not checked, by name, and the rest still checked', async () => {
    server.delays.set('/articles/one/index.html', 3000);
    try {
      const started = Date.now();
      const r = await verifyTarget(server.url, { timeoutMs: 300, retries: 0 });
      expect(Date.now() - started).toBeLessThan(2500);
      expect(r.ok).toBe(false);
      expect(r.failed).toMatchObject([{ path: 'articles/one/index.html', code: 'TIMEOUT', retryable: true }]);
      expect(r.files.good).toBe(r.files.listed - 1);
    } finally {
      server.delays.clear();
    }
  });

  it('a server error on one file is retried, then reported', async () => {
    server.statuses.set('/feed.xml', 503);
    try {
      const before = server.requests.filter((p) => p === '/feed.xml').length;
      const r = await verifyTarget(server.url, { retries: 1 });
      expect(server.requests.filter((p) => p === '/feed.xml').length - before).toBe(2);
      expect(r.failed).toMatchObject([{ path: 'feed.xml', code: 'HTTP_503', retryable: true }]);
    } finally {
      server.statuses.clear();
    }
  });

  it('a slow manifest, an unreachable mirror and a site without a manifest are clear errors', async () => {
    server.delays.set(`/${MANIFEST_FILE}`, 3000);
    try {
      const e1 = await verifyTarget(server.url, { timeoutMs: 200, retries: 0 }).catch((e: unknown) => e);
      expect(e1).toBeInstanceOf(SamizdatError);
      expect((e1 as SamizdatError).code).toBe('MIRROR_UNREACHABLE');
      expect((e1 as SamizdatError).retryable).toBe(true);
      expect((e1 as SamizdatError).message).toContain(MANIFEST_FILE);
    } finally {
      server.delays.clear();
    }
    const port = await freePort();
    const e2 = await verifyTarget(`http://127.0.0.1:${port}/news/`, { timeoutMs: 2000, retries: 0 }).catch((e: unknown) => e);
    expect((e2 as SamizdatError).code).toBe('MIRROR_UNREACHABLE');
    expect((e2 as SamizdatError).message).toContain(`http://127.0.0.1:${port}/news/mirror-manifest.json`);
    const e3 = await verifyTarget(`${server.url}articles/`).catch((e: unknown) => e);
    expect((e3 as InputError).code).toBe('VERIFY_NO_MANIFEST');
  });
});

describe('hostile or broken input', () => {
  it('a truncated zip, a corrupted one and a non-zip are clear errors or named changes, never a crash', async () => {
    const truncated = path.join(work.dir, 'truncated.zip');
    await cp(zipPath, truncated);
    const size = (await readFile(truncated)).length;
    await truncate(truncated, Math.floor(size / 2));
    await expect(verifyTarget(truncated)).rejects.toMatchObject({ code: 'ZIP_CORRUPT', file: truncated });

    const notZip = path.join(work.dir, 'not.zip');
    await writeFile(notZip, 'this is not a zip at all');
    await expect(verifyTarget(notZip)).rejects.toMatchObject({ code: 'ZIP_CORRUPT' });

    // Damage inside the compressed data of one entry: the central directory still reads.
    const corrupt = path.join(work.dir, 'corrupt.zip');
    const bytes = await readFile(zipPath);
    const at = bytes.indexOf(Buffer.from('articles/one/index.html')) + 'articles/one/index.html'.length + 40;
    for (let i = 0; i < 16; i++) bytes[at + i] = bytes[at + i]! ^ 0x5a;
    await writeFile(corrupt, bytes);
    const r = await verifyTarget(corrupt);
    expect(r.ok).toBe(false);
    expect(r.changed.map((c) => c.path)).toEqual(['articles/one/index.html']);
  });

  it('zip entries named ../evil or /absolute are refused, and nothing is written anywhere', async () => {
    const before = await readdir(work.dir);
    for (const [n, marker, evil] of [
      [1, '__/evil.html', '../evil.html'],
      [2, '_tmp/evil.html', '/tmp/evil.html'],
      [3, 'a/__/__/b.html', 'a/../../b.html'],
      [4, 'x_y.html', 'x\\y.html'],
    ] as const) {
      const dir = await copyOfSite(`evil-${n}`);
      await mkdir(path.dirname(path.join(dir, marker)), { recursive: true });
      await writeFile(path.join(dir, marker), '<p>evil</p>');
      const zip = infoZip(dir, path.join(work.dir, `evil-${n}.zip`));
      const bytes = await readFile(zip);
      const from = Buffer.from(marker);
      let patched = 0;
      for (let i = bytes.indexOf(from); i >= 0; i = bytes.indexOf(from, i + 1)) {
        Buffer.from(evil).copy(bytes, i);
        patched++;
      }
      expect(patched).toBe(2); // local header and central directory
      await writeFile(zip, bytes);
      const err = await verifyTarget(zip).catch((e: unknown) => e);
      expect(err, evil).toBeInstanceOf(InputError);
      expect((err as InputError).code).toBe('ZIP_UNSAFE_ENTRY');
      expect((err as InputError).message).toContain(JSON.stringify(evil));
    }
    await expect(readFile('/tmp/evil.html')).rejects.toThrow();
    await expect(readFile(path.join(work.dir, '..', 'evil.html'))).rejects.toThrow();
    expect((await readdir(work.dir)).filter((n) => !before.includes(n)).every((n) => n.startsWith('evil-') || n === 'copies')).toBe(true);
  });

  it('a manifest that is not JSON, or lists paths outside the bundle, is refused with the file named', async () => {
    const dir = await copyOfSite('notjson');
    await writeFile(path.join(dir, MANIFEST_FILE), '<html>not json</html>');
    await expect(verifyTarget(dir)).rejects.toMatchObject({ code: 'MANIFEST_NOT_JSON', file: path.join(dir, MANIFEST_FILE) });

    for (const bad of ['../outside.txt', '/etc/passwd', 'a/../../b', 'C:/win.ini', 'a\\b']) {
      const d = await copyOfSite(`outside-${bad.length}-${bad.charCodeAt(0)}`);
      const manifest = JSON.parse(await readFile(path.join(d, MANIFEST_FILE), 'utf8'));
      manifest.files.push({ path: bad, size: 1, sha256: '0'.repeat(64) });
      await writeFile(path.join(d, MANIFEST_FILE), JSON.stringify(manifest));
      const err = await verifyTarget(d).catch((e: unknown) => e);
      expect((err as InputError).code, bad).toBe('MANIFEST_UNSAFE_PATH');
      expect((err as InputError).message).toContain(JSON.stringify(bad));
    }
    await expect(verifyTarget(path.join(work.dir, 'nothing-here'))).rejects.toMatchObject({ code: 'VERIFY_NOT_FOUND' });
    await expect(verifyTarget(site, { pubkey: 'SHA256:short' })).rejects.toMatchObject({ code: 'PUBKEY_BAD_FINGERPRINT' });
    await expect(verifyTarget(site, { pubkey: path.join(work.dir, 'no.pub') })).rejects.toMatchObject({ code: 'PUBKEY_UNREADABLE' });
  });
});

describe('samizdat verify', () => {
  function capture() {
    let out = '';
    let err = '';
    return {
      io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: {}, cwd: work.dir },
      get out() {
        return out;
      },
      get err() {
        return err;
      },
    };
  }

  it('exits 0 for a genuine copy and 1 otherwise, printing the problems or a JSON report', async () => {
    const ok = capture();
    expect(await main(['verify', zipPath, '--pubkey', key.fingerprint], ok.io)).toBe(0);
    expect(ok.out).toContain('OK:');
    expect(ok.out).toContain(`Signed by the expected key ${key.fingerprint}`);

    const dir = await copyOfSite('cli-bad');
    await rm(path.join(dir, 'index.html'));
    const bad = capture();
    expect(await main(['verify', dir], bad.io)).toBe(1);
    expect(bad.out).toContain('NOT OK');
    expect(bad.out).toContain('missing: index.html');

    const json = capture();
    expect(await main(['verify', server.url, '--json', '--pubkey', other.fingerprint], json.io)).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, kind: 'url', signature: { status: 'wrong-key' } });

    const err = capture();
    expect(await main(['verify', path.join(work.dir, 'not-there.zip'), '--json'], err.io)).toBe(1);
    expect(JSON.parse(err.out)).toMatchObject({ ok: false, error: { code: 'VERIFY_NOT_FOUND' } });
  });
});

describe('cancelling', () => {
  it('stops a mirror check with AbortedError when the signal fires', async () => {
    server.delays.set('/articles/one/index.html', 5000);
    try {
      const ac = new AbortController();
      const pending = verifyTarget(server.url, { signal: ac.signal, timeoutMs: 10_000 });
      setTimeout(() => ac.abort(), 200);
      const started = Date.now();
      await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      server.delays.clear();
    }
  });
});

describe('mirror URLs', () => {
  it('takes the mirror base from the URL given: a sub-path, index.html, query and fragment dropped', async () => {
    const { mirrorBase } = await import('../../src/verify/index.ts');
    expect(mirrorBase('https://m.example.org/news').href).toBe('https://m.example.org/news/');
    expect(mirrorBase('https://gw.example.org/ipfs/bafyabc/index.html?x=1#top').href).toBe('https://gw.example.org/ipfs/bafyabc/');
    expect(() => mirrorBase('ftp://m.example.org/')).toThrow(InputError);
    await expect(verifyTarget('ftp://m.example.org/')).rejects.toMatchObject({ code: 'VERIFY_BAD_TARGET' });
  });

  it('verifies a mirror served under a sub-path', async () => {
    const root = path.join(work.dir, 'gateway');
    await cp(site, path.join(root, 'ipfs', 'bafytest'), { recursive: true });
    const srv = await startStaticServer(root);
    try {
      const r = await verifyTarget(`${srv.url}ipfs/bafytest/index.html`, { pubkey: key.fingerprint });
      expect(r.problems).toEqual([]);
      expect(r.ok).toBe(true);
      expect(srv.requests).toContain('/ipfs/bafytest/mirror-manifest.json');
    } finally {
      await srv.close();
    }
  });
});
