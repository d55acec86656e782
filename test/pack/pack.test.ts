/**
 * pack: a real zip from a hand-made bundle, unpacked with Debian's unzip and checked file by
 * file; determinism across folders, clocks, time zones, file-creation orders, modes and mtimes.
 */
import { execFileSync } from 'node:child_process';
import { access, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { MANIFEST_FILE, SIGNATURE_FILE } from '../../src/manifest/index.ts';
import { HOWTO_FILE, howToLanguagesIn, packSite, type PackEvent } from '../../src/pack/index.ts';
import { main } from '../../src/cli/main.ts';
import { tempDir } from '../support/net.ts';
import { bundleFiles, fakeMedia, makeBundle, newSigningKey } from './bundle.ts';

let work: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  work = await tempDir('samizdat-pack-');
});
afterAll(async () => {
  await work.cleanup();
});

function capture() {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } },
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}

describe('packSite', () => {
  it('writes a zip that Debian unzip unpacks to exactly the bundle, index.html at the top, plus the how-to text and a sha256sum file', async () => {
    const key = await newSigningKey();
    const site = path.join(work.dir, 'a', 'site');
    const manifest = await makeBundle(site, { signingKey: key, extra: { 'media/big.bin': fakeMedia(5 * 1024 * 1024 + 3, 7) } });
    const events: PackEvent[] = [];
    const result = await packSite({ siteDir: site, outDir: path.join(work.dir, 'a', 'out'), onProgress: (e) => events.push(e) });

    expect(path.basename(result.zipPath)).toBe('demo-news.zip');
    expect(result.entries).toBe(manifest.files.length + 3);
    expect(result.signer).toBe(key.fingerprint);
    expect(events.at(-1)).toMatchObject({ type: 'done', zipPath: result.zipPath });
    expect(events.filter((e) => e.type === 'entry')).toHaveLength(result.entries);

    // sha256sum -c accepts the checksum file.
    expect(execFileSync('sha256sum', ['-c', path.basename(result.sha256Path)], { cwd: path.dirname(result.zipPath) }).toString()).toContain('demo-news.zip: OK');
    expect(await readFile(result.sha256Path, 'utf8')).toBe(`${result.sha256}  demo-news.zip\n`);

    // unzip -t finds no error; then unpack and compare every byte.
    expect(execFileSync('unzip', ['-tq', result.zipPath]).toString()).toContain('No errors detected');
    const unpacked = path.join(work.dir, 'a', 'unpacked');
    execFileSync('unzip', ['-q', result.zipPath, '-d', unpacked]);
    await access(path.join(unpacked, 'index.html'));
    for (const [name, content] of Object.entries(bundleFiles())) {
      expect(Buffer.compare(await readFile(path.join(unpacked, name)), Buffer.from(content)), name).toBe(0);
    }
    expect((await readFile(path.join(unpacked, 'media/big.bin'))).equals(fakeMedia(5 * 1024 * 1024 + 3, 7))).toBe(true);
    expect(await readFile(path.join(unpacked, MANIFEST_FILE))).toEqual(await readFile(path.join(site, MANIFEST_FILE)));
    expect(await readFile(path.join(unpacked, SIGNATURE_FILE))).toEqual(await readFile(path.join(site, SIGNATURE_FILE)));

    // The how-to text: Russian first (the home page's language), then by page count, ties by code.
    const howTo = await readFile(path.join(unpacked, HOWTO_FILE), 'utf8');
    expect(howToLanguagesIn(howTo)).toEqual(['ru', 'en', 'fa']);
    expect(result.languages).toEqual(['ru', 'en', 'fa']);
    expect(howTo).toContain('КАК ОТКРЫТЬ');
    expect(howTo).toContain('HOW TO OPEN');
    expect(howTo).toContain(`samizdat verify demo-news.zip --pubkey ${key.fingerprint}`);
    expect(howTo).toContain(manifest.publication.id);

    // zipinfo: sorted names, one timestamp (the publication date), -rw-r--r--, Unix, media stored.
    const listing = execFileSync('zipinfo', ['-T', result.zipPath]).toString().trim().split('\n').slice(2, -1);
    const names = listing.map((l) => l.split(/\s+/).slice(7).join(' '));
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(names[0]).toBe(HOWTO_FILE);
    for (const line of listing) {
      expect(line).toMatch(/^-rw-r--r-- .* unx /);
      expect(line).toContain('20260304.050606');
    }
    expect(listing.find((l) => l.endsWith('media/photo.jpg'))).toMatch(/ stor /);
    expect(listing.find((l) => l.endsWith('index.html'))).toMatch(/ def[NX] /);
  });

  it('gives the same zip bytes for the same bundle made in other folders, orders, modes, mtimes, clocks and time zones', async () => {
    const key = await newSigningKey();
    const one = path.join(work.dir, 'det1', 'site');
    const two = path.join(work.dir, 'elsewhere', 'deeper', 'det2');
    await makeBundle(one, { signingKey: key, order: 'forward', mtime: 1_000_000_000, mode: 0o644 });
    const first = await packSite({ siteDir: one, outDir: path.join(work.dir, 'det1') });

    const tz = process.env.TZ;
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2031-07-08T09:10:11Z'));
      process.env.TZ = 'Pacific/Kiritimati';
      await makeBundle(two, { signingKey: key, order: 'reverse', mtime: 1_700_000_123, mode: 0o600 });
      const second = await packSite({ siteDir: two, outDir: path.join(work.dir, 'elsewhere', 'zips'), level: 9 });
      expect(second.sha256).toBe(first.sha256);
      expect((await readFile(second.zipPath)).equals(await readFile(first.zipPath))).toBe(true);
    } finally {
      vi.useRealTimers();
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
    // Packing the same folder again gives the same bytes too.
    const again = await packSite({ siteDir: one, outDir: path.join(work.dir, 'det1', 'again') });
    expect(again.sha256).toBe(first.sha256);
  });

  it('refuses a bundle changed since its manifest was written, names the file and leaves no zip behind', async () => {
    const site = path.join(work.dir, 'changed', 'site');
    await makeBundle(site);
    await writeFile(path.join(site, 'articles/two/index.html'), 'tampered');
    const out = path.join(work.dir, 'changed', 'out');
    const err = await packSite({ siteDir: site, outDir: out }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('PACK_BUNDLE_CHANGED');
    expect((err as InputError).message).toContain('articles/two/index.html');
    expect(await readdir(out)).toEqual([]);
  });

  it('refuses a folder without a manifest, a broken signature, and an output folder inside the site', async () => {
    const bare = path.join(work.dir, 'bare');
    await makeBundle(bare);
    await writeFile(path.join(work.dir, 'nomanifest.html'), 'x');
    const e1 = await packSite({ siteDir: path.join(work.dir, 'a', 'out'), outDir: path.join(work.dir, 'x') }).catch((e: unknown) => e);
    expect((e1 as InputError).code).toBe('PACK_NO_MANIFEST');
    const e2 = await packSite({ siteDir: bare, outDir: path.join(bare, 'dist') }).catch((e: unknown) => e);
    expect((e2 as InputError).code).toBe('PACK_OUT_INSIDE_SITE');

    const key = await newSigningKey();
    const signed = path.join(work.dir, 'badsig');
    await makeBundle(signed, { signingKey: key });
    const m = await readFile(path.join(signed, MANIFEST_FILE), 'utf8');
    await writeFile(path.join(signed, MANIFEST_FILE), m.replace('"demo-news"', '"demo-newz"'));
    const e3 = await packSite({ siteDir: signed, outDir: path.join(work.dir, 'badsig-out') }).catch((e: unknown) => e);
    expect((e3 as InputError).code).toBe('PACK_BAD_SIGNATURE');
  });

  it('leaves out, with a warning, files the manifest does not list', async () => {
    const site = path.join(work.dir, 'extra', 'site');
    await makeBundle(site);
    await writeFile(path.join(site, '.DS_Store'), 'junk');
    const r = await packSite({ siteDir: site, outDir: path.join(work.dir, 'extra') });
    expect(r.warnings.map((w) => w.code)).toEqual(['PACK_UNLISTED_FILE']);
    expect(r.warnings[0]!.message).toContain('.DS_Store');
    expect(execFileSync('unzip', ['-Z1', r.zipPath]).toString()).not.toContain('.DS_Store');
  });

  it('stops with AbortedError on an aborted signal', async () => {
    const site = path.join(work.dir, 'abort', 'site');
    await makeBundle(site);
    const ac = new AbortController();
    ac.abort();
    await expect(packSite({ siteDir: site, outDir: path.join(work.dir, 'abort'), signal: ac.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('stops cleanly when cancelled half way, leaving no zip and no temp file', async () => {
    const site = path.join(work.dir, 'abort-mid', 'site');
    const extra: Record<string, string> = {};
    for (let i = 0; i < 300; i++) extra[`p/${i}.html`] = `<p>${i}</p>`.repeat(200);
    await makeBundle(site, { extra });
    const out = path.join(work.dir, 'abort-mid', 'out');
    const ac = new AbortController();
    const run = packSite({ siteDir: site, outDir: out, signal: ac.signal, onProgress: (e) => e.type === 'entry' && e.done === 20 && ac.abort() });
    await expect(run).rejects.toMatchObject({ code: 'ABORTED' });
    expect(await readdir(out)).toEqual([]);
  });
});

describe('samizdat pack', () => {
  it('packs dist/site into dist by default and prints a JSON result with --json', async () => {
    const root = path.join(work.dir, 'cli');
    await makeBundle(path.join(root, 'dist', 'site'));
    const c = capture();
    const code = await main(['pack', '--json'], { ...c.io, cwd: root, env: {} });
    expect(code).toBe(0);
    const r = JSON.parse(c.out);
    expect(r).toMatchObject({ ok: true, zipPath: path.join(root, 'dist', 'demo-news.zip'), site: 'demo-news' });
    expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);

    const c2 = capture();
    expect(await main(['pack', '--site', 'nowhere'], { ...c2.io, cwd: root, env: {} })).toBe(1);
    expect(c2.err).toContain('not a built bundle');
    const c3 = capture();
    expect(await main(['pack', '--site', 'nowhere', '--json'], { ...c3.io, cwd: root, env: {} })).toBe(1);
    expect(JSON.parse(c3.out)).toMatchObject({ ok: false, error: { code: 'PACK_NO_MANIFEST' } });
  });
});
