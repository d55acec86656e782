/**
 * Settings and mirror files are validated once per version of their bytes
 * (src/config/validated.ts): what is kept must be exactly what validation gives, any change to
 * a file validates it again, and a problem is reported every time, never kept.
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSiteSettings } from '../../src/config/site.ts';
import { loadMirrorEntriesValidated, loadSiteSettingsValidated } from '../../src/config/validated.ts';
import { loadMirrorConfigs } from '../../src/mirrors/config.ts';
import { tempDir } from '../support/net.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
let work: { dir: string; cleanup: () => Promise<void> };
let content: string;
let mirrors: string;
let cache: string;
const keptFile = () => path.join(cache, 'validated-config.json');

/** Replaces one kept value by hand, key unchanged: what a later load returns shows whether it validated again. */
async function forgeKept(name: 'site' | 'mirrors', value: unknown): Promise<void> {
  const data = JSON.parse(await readFile(keptFile(), 'utf8')) as { kept: Record<string, { key: string; value: unknown }> };
  data.kept[name]!.value = value;
  await writeFile(keptFile(), JSON.stringify(data));
}

beforeAll(async () => {
  work = await tempDir('samizdat-validated-');
  content = path.join(work.dir, 'content');
  mirrors = path.join(work.dir, 'mirrors');
  cache = path.join(work.dir, 'cache');
  await mkdir(content);
  await cp(path.join(ROOT, 'content/site.yaml'), path.join(content, 'site.yaml'));
  await mkdir(mirrors);
  await writeFile(path.join(mirrors, 'eu.yaml'), 'type: folder\npath: /srv/eu\nurl: https://eu.example.org/\n');
  await writeFile(path.join(mirrors, 'off.yaml'), 'type: folder\npath: /srv/off\nurl: https://off.example.org/\nenabled: false\n');
});

afterAll(async () => work?.cleanup());

describe('site settings validated once per version of the file', () => {
  it('gives what loadSiteSettings gives, to the byte of its JSON, with and without a settings file', async () => {
    const direct = await loadSiteSettings(content);
    const first = await loadSiteSettingsValidated(content, cache);
    const again = await loadSiteSettingsValidated(content, cache);
    expect(JSON.stringify(first)).toBe(JSON.stringify(direct));
    expect(JSON.stringify(again)).toBe(JSON.stringify(direct));
    const empty = path.join(work.dir, 'empty');
    await mkdir(empty);
    expect(JSON.stringify(await loadSiteSettingsValidated(empty, cache))).toBe(JSON.stringify(await loadSiteSettings(empty)));
    expect(JSON.stringify(await loadSiteSettingsValidated(empty, cache))).toBe(JSON.stringify(await loadSiteSettings(empty)));
  });

  it('takes the kept settings while the file is unchanged, and validates again once it changes', async () => {
    await loadSiteSettingsValidated(content, cache);
    const { settings } = await loadSiteSettingsValidated(content, cache);
    await forgeKept('site', { ...settings, title: 'kept, not validated' });
    expect((await loadSiteSettingsValidated(content, cache)).settings.title).toBe('kept, not validated');
    const file = path.join(content, 'site.yaml');
    await writeFile(file, `${await readFile(file, 'utf8')}\n# edited\n`);
    expect((await loadSiteSettingsValidated(content, cache)).settings.title).toBe(settings.title);
  });

  it('reports a problem every time, and keeps nothing for it', async () => {
    const file = path.join(content, 'site.yaml');
    const good = await readFile(file, 'utf8');
    await writeFile(file, `${good}\nnosuchsetting: 3\n`);
    for (let i = 0; i < 2; i++) await expect(loadSiteSettingsValidated(content, cache)).rejects.toThrow(/problem/);
    await writeFile(file, good);
    expect((await loadSiteSettingsValidated(content, cache)).settings.pageSize).toBeGreaterThan(0);
  });

  it('works without a cache folder, and with a damaged kept file', async () => {
    expect(JSON.stringify(await loadSiteSettingsValidated(content, undefined))).toBe(JSON.stringify(await loadSiteSettings(content)));
    await writeFile(keptFile(), '{ damaged');
    expect(JSON.stringify(await loadSiteSettingsValidated(content, cache))).toBe(JSON.stringify(await loadSiteSettings(content)));
  });
});

describe('mirror files validated once per version of their bytes', () => {
  it('gives the name, URL and state loadMirrorConfigs gives', async () => {
    const direct = (await loadMirrorConfigs(mirrors)).map((c) => ({ name: c.name, enabled: c.enabled, url: c.url }));
    expect(await loadMirrorEntriesValidated(mirrors, cache)).toEqual(direct);
    expect(await loadMirrorEntriesValidated(mirrors, cache)).toEqual(direct);
    expect(direct.map((m) => m.enabled)).toEqual([true, false]);
  });

  it('takes the kept entries while no file changed, and validates again when one is added, edited or removed', async () => {
    await loadMirrorEntriesValidated(mirrors, cache);
    await forgeKept('mirrors', [{ name: 'kept', enabled: true, url: 'https://kept.example.org/' }]);
    expect((await loadMirrorEntriesValidated(mirrors, cache)).map((m) => m.name)).toEqual(['kept']);
    await writeFile(path.join(mirrors, 'us.yaml'), 'type: folder\npath: /srv/us\nurl: https://us.example.org/\n');
    expect((await loadMirrorEntriesValidated(mirrors, cache)).map((m) => m.name)).toEqual(['eu', 'off', 'us']);
    await forgeKept('mirrors', []);
    await writeFile(path.join(mirrors, 'us.yaml'), 'type: folder\npath: /srv/us\nurl: https://us2.example.org/\n');
    expect((await loadMirrorEntriesValidated(mirrors, cache)).find((m) => m.name === 'us')?.url).toBe('https://us2.example.org/');
    await forgeKept('mirrors', []);
    await rm(path.join(mirrors, 'us.yaml'));
    expect((await loadMirrorEntriesValidated(mirrors, cache)).map((m) => m.name)).toEqual(['eu', 'off']);
  });

  it('reports a problem in a mirror file every time, and has no mirrors for a missing folder', async () => {
    await writeFile(path.join(mirrors, 'bad.yaml'), 'type: nosuchtype\n');
    for (let i = 0; i < 2; i++) await expect(loadMirrorEntriesValidated(mirrors, cache)).rejects.toThrow(/problem/);
    await rm(path.join(mirrors, 'bad.yaml'));
    expect(await loadMirrorEntriesValidated(path.join(work.dir, 'no-such-folder'), cache)).toEqual([]);
  });
});
