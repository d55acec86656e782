import { generateKeyPairSync } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMirrorsInfo, mirrorsJson } from '../../src/build/mirrors.ts';
import { siteSettingsSchema } from '../../src/config/site.ts';
import { publicKeyFingerprint } from '../../src/manifest/index.ts';
import { tempDir } from '../support/net.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('samizdat-mirrors-info-'));
});
afterAll(() => cleanup());

describe('mirrors page data', () => {
  it('shows the fingerprint of the publicKey file named in the settings, over the signing key', async () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    await mkdir(path.join(dir, 'content'), { recursive: true });
    await writeFile(path.join(dir, 'content', 'news.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    const site = siteSettingsSchema.parse({ name: 'news', publicKey: 'news.pub', ipns: 'k51qzi5uqu5dexample' });
    const info = await loadMirrorsInfo(site, { settingsFile: path.join(dir, 'content', 'site.yaml'), signingFingerprint: 'SHA256:other' });
    expect(info.fingerprint).toBe(publicKeyFingerprint(publicKey));
    expect(info.ipfs.map((l) => l.url)).toEqual([
      'https://ipfs.io/ipns/k51qzi5uqu5dexample/',
      'https://dweb.link/ipns/k51qzi5uqu5dexample/',
      'https://4everland.io/ipns/k51qzi5uqu5dexample/',
      'https://k51qzi5uqu5dexample.ipns.dweb.link/',
    ]);
    expect(info.zipName).toBe('news.zip');
  });

  it('says plainly when the publicKey file is missing', async () => {
    const site = siteSettingsSchema.parse({ publicKey: 'missing.pub' });
    await expect(loadMirrorsInfo(site, { settingsFile: path.join(dir, 'site.yaml') })).rejects.toMatchObject({ code: 'PUBLIC_KEY_UNREADABLE' });
  });

  it('writes mirrors.json in the bypass-mirrors 2.0 shape', () => {
    const site = siteSettingsSchema.parse({ name: 'news', onion: `http://${'a'.repeat(56)}.onion/` });
    const json = JSON.parse(
      mirrorsJson(site, { mirrors: [{ label: 'eu', url: 'https://eu.example/', kind: 'mirror' }], ipfs: [], ipnsNames: [], contacts: [], zipName: 'news.zip', onion: `http://${'a'.repeat(56)}.onion/` }, '2024-01-01T00:00:00Z'),
    );
    expect(json).toMatchObject({
      version: '2.0',
      sites: [
        {
          main_domain: 'eu.example',
          available_alternatives: [
            { proto: 'https', type: 'mirror', url: 'https://eu.example/', created_at: '2024-01-01T00:00:00Z', updated_at: '2024-01-01T00:00:00Z' },
            { proto: 'tor', type: 'eotk', url: `http://${'a'.repeat(56)}.onion/` },
          ],
        },
      ],
    });
  });
});
