/**
 * A rebuild's manifest made from the last one (src/manifest/layout.ts), vouched for by the record
 * of outputs: only the files written now are looked at, and the bundle (manifest included) is
 * byte for byte what a first build of the same content gives, after adding, editing and removing
 * articles, with the kept layout damaged or gone, and signed.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite } from '../../src/build/index.ts';
import { spliceStats } from '../../src/manifest/layout.ts';
import { tempDir } from '../support/net.ts';
import { fileTree as tree, firstBuildTree } from '../support/tree.ts';

let work: { dir: string; cleanup: () => Promise<void> };
let content: string;
let out: string;
let cache: string;
let env: NodeJS.ProcessEnv = {};

const article = (n: number, extra = '') => `---\ntitle: Report number ${n}\ndate: 2024-0${(n % 9) + 1}-1${n % 10}\ntags: [${n % 2 ? 'odd' : 'even'}]\n---\n\nParagraph ${n}.${extra}\n`;

const mirrorsDir = () => path.join(work.dir, 'no-mirrors');
const rebuild = () => buildSite({ contentDir: content, outDir: out, cacheDir: cache, mirrorsDir: mirrorsDir(), env });
const coldTree = () => firstBuildTree(work.dir, { contentDir: content, mirrorsDir: mirrorsDir(), env });

beforeAll(async () => {
  work = await tempDir('samizdat-rebuild-manifest-');
  content = path.join(work.dir, 'content');
  out = path.join(work.dir, 'out');
  cache = path.join(work.dir, 'cache');
  await mkdir(content, { recursive: true });
  for (let n = 0; n < 40; n++) await writeFile(path.join(content, `a${n}.md`), article(n));
  await rebuild();
});
afterAll(() => work.cleanup());

describe('a rebuild\'s manifest', () => {
  it('is made from the last one, looking only at the files written, and equals a first build\'s', async () => {
    await writeFile(path.join(content, 'new.md'), article(100));
    await rebuild();
    expect(spliceStats.mode).toBe('vouched');
    expect(await tree(out)).toEqual(await coldTree());

    await writeFile(path.join(content, 'a3.md'), article(3, ' Edited.'));
    await rm(path.join(content, 'a7.md'));
    await rebuild();
    expect(spliceStats.mode).toBe('vouched');
    expect(await tree(out)).toEqual(await coldTree());
  });

  it('without its layout, or with a damaged one, is made whole: the same bytes', async () => {
    for (const damage of [async (f: string) => rm(f), async (f: string) => writeFile(f, (await readFile(f)).subarray(0, 100)), async (f: string) => writeFile(f, 'x')]) {
      await damage(path.join(cache, 'manifest.layout'));
      await writeFile(path.join(content, 'a5.md'), article(5, ` ${Date.now()}`));
      await rebuild();
      expect(spliceStats.mode).toBe('none');
      expect(await tree(out)).toEqual(await coldTree());
    }
    // The record of outputs from another build than the layout's: checked file by file.
    await writeFile(path.join(content, 'a6.md'), article(6, ' again'));
    const layout = await readFile(path.join(cache, 'manifest.layout'));
    await rebuild();
    await writeFile(path.join(cache, 'manifest.layout'), layout);
    await writeFile(path.join(content, 'a8.md'), article(8, ' again'));
    await rebuild();
    expect(spliceStats.mode).toBe('checked');
    expect(await tree(out)).toEqual(await coldTree());
  });

  it('signed: the signature covers the spliced bytes', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const keyFile = path.join(work.dir, 'key.pem');
    await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    env = { SAMIZDAT_SIGNING_KEY_FILE: keyFile };
    await rebuild();
    await writeFile(path.join(content, 'signed.md'), article(200));
    await rebuild();
    expect(spliceStats.mode).toBe('vouched');
    expect(await tree(out)).toEqual(await coldTree());
  });
});
