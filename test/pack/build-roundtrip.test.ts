/**
 * The real pipeline: the repository's sample content built by buildSite (signed), packed,
 * unpacked with Debian's unzip, verified as folder, zip and mirror URL; and a second build of
 * the same content elsewhere gives the same zip bytes.
 */
import { execFileSync } from 'node:child_process';
import { access, cp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite } from '../../src/build/index.ts';
import { HOWTO_FILE, howToLanguagesIn, packSite, type PackResult } from '../../src/pack/index.ts';
import { verifyTarget } from '../../src/verify/index.ts';
import { tempDir } from '../support/net.ts';
import { startStaticServer } from '../verify/static-server.ts';
import { newSigningKey } from './bundle.ts';

let work: { dir: string; cleanup: () => Promise<void> };
let key: Awaited<ReturnType<typeof newSigningKey>>;
let packed: PackResult;

beforeAll(async () => {
  work = await tempDir('samizdat-pack-build-');
  key = await newSigningKey();
  const contentDir = path.join(work.dir, 'content');
  await cp(path.resolve('content'), contentDir, { recursive: true });
  const built = await buildSite({ contentDir, outDir: path.join(work.dir, 'dist', 'site'), cacheDir: false, env: { SAMIZDAT_SIGNING_KEY: key.privatePem } });
  expect(built.signer).toBe(key.fingerprint);
  packed = await packSite({ siteDir: path.join(work.dir, 'dist', 'site'), outDir: path.join(work.dir, 'dist') });
});
afterAll(async () => {
  await work?.cleanup();
});

describe('build, pack, unzip, verify', () => {
  it('unzips to a copy with index.html at the top that verifies as folder, zip and URL against the key', async () => {
    const unpacked = path.join(work.dir, 'usb-stick');
    execFileSync('unzip', ['-q', packed.zipPath, '-d', unpacked]);
    await access(path.join(unpacked, 'index.html'));
    // The sample content has articles in several languages; the how-to text covers them.
    const langs = howToLanguagesIn(await readFile(path.join(unpacked, HOWTO_FILE), 'utf8'));
    expect(langs).toEqual(['en', 'fa', 'ru', 'ar']);
    expect(langs).toEqual(packed.languages);

    const server = await startStaticServer(unpacked);
    try {
      for (const target of [path.join(work.dir, 'dist', 'site'), packed.zipPath, unpacked, server.url]) {
        const r = await verifyTarget(target, { pubkey: key.fingerprint });
        expect(r.problems, target).toEqual([]);
        expect(r.ok).toBe(true);
        expect(r.files.listed).toBeGreaterThan(10);
      }
    } finally {
      await server.close();
    }
  });

  it('a second build of the same content in another folder packs to the same zip bytes', async () => {
    const contentDir = path.join(work.dir, 'elsewhere', 'content');
    await cp(path.resolve('content'), contentDir, { recursive: true });
    await buildSite({ contentDir, outDir: path.join(work.dir, 'elsewhere', 'site'), cacheDir: false, env: { SAMIZDAT_SIGNING_KEY: key.privatePem } });
    const again = await packSite({ siteDir: path.join(work.dir, 'elsewhere', 'site'), outDir: path.join(work.dir, 'elsewhere') });
    expect(again.sha256).toBe(packed.sha256);
    expect((await readFile(again.zipPath)).equals(await readFile(packed.zipPath))).toBe(true);
  });
});
