/**
 * A rebuild's manifest made from the last build's entries (src/manifest/layout.ts) must be byte
 * for byte the manifest the whole serialization writes for the same bundle, whatever happened to
 * the bundle, to the kept layout, or to what the build says about its files.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestFileCount, manifestListDigest, manifestWrites, serializeManifest, writeManifest, MANIFEST_FILE, SIGNATURE_FILE, type Manifest, type WriteManifestOptions } from '../../src/manifest/index.ts';
import { flat, pieceWrites, PIECES_PER_WRITE, readLayout, spliceStats, writeLayout, writePiecesSync } from '../../src/manifest/layout.ts';
import { tempDir } from '../support/net.ts';
import { rng } from '../support/rng.ts';

let work: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  work = await tempDir('samizdat-manifest-layout-');
});
afterAll(() => work.cleanup());


const NAMES = ['index.html', 'a.html', 'atom.xml', 'feed.json', 'статья.html', 'مقال.html', 'q"uote.html', 'sp ace.html', 'x\\y.html', '😀.html', 'Z.html', 'z.html', '_.css'];
const DIRS = ['', 'tags/', 'tags/новости/', '2024/05/', 'lang/fa/', 'a/b/c/'];

interface Bundle {
  /** rel → bytes */
  files: Map<string, string>;
}

function randomPath(r: () => number): string {
  const d = DIRS[Math.floor(r() * DIRS.length)]!;
  const n = NAMES[Math.floor(r() * NAMES.length)]!;
  return `${d}${Math.floor(r() * 40)}-${n}`;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Makes dir hold exactly the bundle's files (written only where they differ). */
async function materialize(dir: string, b: Bundle, was?: Map<string, string>): Promise<void> {
  if (!was) await rm(dir, { recursive: true, force: true });
  for (const rel of was?.keys() ?? []) if (!b.files.has(rel)) await rm(path.join(dir, ...rel.split('/')), { force: true });
  for (const [rel, text] of b.files) {
    if (was?.get(rel) === text) continue;
    const abs = path.join(dir, ...rel.split('/'));
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, text);
  }
}

const base = (extra: Partial<WriteManifestOptions> = {}): WriteManifestOptions => ({ site: 'Самиздат "test"', publicationDate: '2024-05-01T00:00:00Z', ...extra });

/** The manifest the code without a layout writes for this bundle, whose files lie in dir (the reference bytes). */
async function reference(dir: string, b: Bundle, known: (rel: string) => { size: number; sha256: string } | undefined, extra: Partial<WriteManifestOptions> = {}): Promise<Buffer> {
  const out = path.join(work.dir, 'ref');
  await mkdir(out, { recursive: true });
  await writeManifest(out, { ...base(extra), overlay: { files: new Set(b.files.keys()), locate: (rel) => path.join(dir, ...rel.split('/')), known } });
  return readFile(path.join(out, MANIFEST_FILE));
}

describe('manifest layout', () => {
  it('a whole write keeps a layout, and its bytes are those serializeManifest gives', async () => {
    const dir = path.join(work.dir, 'whole');
    const layoutFile = path.join(work.dir, 'whole.layout');
    const b: Bundle = { files: new Map([['index.html', 'x'], ['a/b.html', 'y'], ['q"u\\ote.html', 'z']]) };
    await materialize(dir, b);
    const m = await writeManifest(dir, { ...base({ languages: ['ru', 'en'] }), layoutFile });
    const bytes = await readFile(path.join(dir, MANIFEST_FILE));
    expect(bytes.equals(serializeManifest(m))).toBe(true);
    expect(JSON.parse(bytes.toString('utf8')).files.map((f: { path: string }) => f.path)).toEqual(['a/b.html', 'index.html', 'q"u\\ote.html']);
    expect(readLayout(layoutFile)?.count).toBe(3);
  });

  it('over 60 random rebuilds, spliced manifests equal the whole serialization byte for byte', async () => {
    const r = rng(42);
    const dir = path.join(work.dir, 'splice');
    const layoutFile = path.join(work.dir, 'splice.layout');
    const b: Bundle = { files: new Map() };
    for (let i = 0; i < 300; i++) b.files.set(randomPath(r), `file ${i}`);
    await materialize(dir, b);
    const { privateKey } = generateKeyPairSync('ed25519');
    let last = await writeManifest(dir, { ...base(), layoutFile });
    let spliced = 0;
    let vouched = 0;
    for (let round = 0; round < 60; round++) {
      const previous = new Map(last.files.map((f) => [f.path, f]));
      const was = new Map(b.files);
      // Changes: new files, edited files, removed files (sometimes none, sometimes many).
      const changed = new Set<string>();
      const edits = Math.floor(r() * (round % 10 === 9 ? 120 : 6));
      for (let e = 0; e < edits; e++) {
        const kind = r();
        const keys = [...b.files.keys()];
        if (kind < 0.4 || keys.length < 5) {
          const p = randomPath(r);
          b.files.set(p, `new ${round} ${e}`);
          changed.add(p);
        } else if (kind < 0.75) {
          const p = keys[Math.floor(r() * keys.length)]!;
          b.files.set(p, `edited ${round} ${e} ${'x'.repeat(Math.floor(r() * 50))}`);
          changed.add(p);
        } else {
          const p = keys[Math.floor(r() * keys.length)]!;
          b.files.delete(p);
          changed.delete(p);
        }
      }
      await materialize(dir, b, was);
      // What a build knows: the previous size and sha256 of the files it did not write.
      const known = (rel: string) => (changed.has(rel) ? { size: Buffer.byteLength(b.files.get(rel)!), sha256: sha(b.files.get(rel)!) } : previous.get(rel));
      // Sometimes the build only knows the unchanged files (the written ones are hashed).
      const knowsWritten = round % 3 !== 0;
      const k = (rel: string) => (knowsWritten || !changed.has(rel) ? known(rel) : undefined);
      const extra: Partial<WriteManifestOptions> = round % 4 === 0 ? { signingKey: { privateKey }, languages: ['fa', 'ar'] } : {};
      last = await writeManifest(dir, {
        ...base(extra),
        layoutFile,
        overlay: {
          files: new Set(b.files.keys()),
          locate: (rel) => path.join(dir, ...rel.split('/')),
          known: k,
          ...(round % 2 ? { changed } : {}),
          // The promise a build makes: every file it did not write is one of the last manifest's.
          ...(round % 2 && round % 5 !== 0 ? { listedBefore: manifestListDigest(last)! } : {}),
        },
      });
      if (manifestWrites.lastSpliced) spliced++;
      if (spliceStats.mode === 'vouched') vouched++;
      expect(manifestFileCount(last)).toBe(b.files.size);
      const bytes = await readFile(path.join(dir, MANIFEST_FILE));
      expect(bytes.equals(await reference(dir, b, k, extra)), `round ${round}`).toBe(true);
      expect(bytes.equals(serializeManifest(last)), `round ${round}: files of the result`).toBe(true);
      if (extra.signingKey) expect((await readFile(path.join(dir, SIGNATURE_FILE), 'utf8')).startsWith('samizdat-signature')).toBe(true);
      expect(JSON.stringify(last)).toBe(JSON.stringify(JSON.parse(bytes.toString('utf8'))));
    }
    expect(spliced).toBeGreaterThan(50);
    expect(vouched).toBeGreaterThan(15);
  });

  it('a stale, damaged or foreign layout, a lying hint or a build that disagrees only costs time', async () => {
    const dir = path.join(work.dir, 'stale');
    const layoutFile = path.join(work.dir, 'stale.layout');
    const b: Bundle = { files: new Map(Array.from({ length: 50 }, (_, i) => [`p/${i}.html`, `v${i}`])) };
    await materialize(dir, b);
    const first = await writeManifest(dir, { ...base(), layoutFile });
    const firstFiles = new Map(first.files.map((f) => [f.path, f]));
    const goodLayout = await readFile(layoutFile);
    const files = () => new Set(b.files.keys());
    const locate = (rel: string) => path.join(dir, ...rel.split('/'));
    const write = (overlay: Partial<NonNullable<WriteManifestOptions['overlay']>>) =>
      writeManifest(dir, { ...base(), layoutFile, overlay: { files: files(), locate, ...overlay } });
    const check = async (known: (rel: string) => { size: number; sha256: string } | undefined) => {
      expect((await readFile(path.join(dir, MANIFEST_FILE))).equals(await reference(dir, b, known))).toBe(true);
    };

    // A file changed on disk that the build does not vouch for (known says nothing): hashed again.
    b.files.set('p/3.html', 'changed');
    await materialize(dir, b);
    const known1 = (rel: string) => (rel === 'p/3.html' ? undefined : firstFiles.get(rel));
    await writeFile(layoutFile, goodLayout);
    await write({ known: known1 });
    expect(manifestWrites.lastSpliced).toBe(true);
    await check(known1);

    // The build says another size and sha256 than the layout: the build's word is written.
    await writeFile(layoutFile, goodLayout);
    const other = { size: 7, sha256: 'f'.repeat(64) };
    const known2 = (rel: string) => (rel === 'p/10.html' ? other : rel === 'p/3.html' ? undefined : firstFiles.get(rel));
    await write({ known: known2 });
    expect(manifestWrites.lastSpliced).toBe(true);
    await check(known2);

    // The same sha256 with another size (a record that disagrees with itself): the build's word.
    await writeFile(layoutFile, goodLayout);
    const known3 = (rel: string) => (rel === 'p/11.html' ? { ...firstFiles.get(rel)!, size: 999 } : known1(rel));
    await write({ known: known3 });
    expect(manifestWrites.lastSpliced).toBe(true);
    await check(known3);

    // A new file the hint does not name: the count does not add up, so the whole list is made.
    b.files.set('p/new.html', 'new');
    await materialize(dir, b);
    await writeFile(layoutFile, goodLayout);
    await write({ known: known1, changed: ['p/3.html'] });
    expect(manifestWrites.lastSpliced).toBe(false);
    await check(known1);
    // Without a hint it is found.
    await writeFile(layoutFile, goodLayout);
    await write({ known: known1 });
    expect(manifestWrites.lastSpliced).toBe(true);
    await check(known1);

    // Vouched for by the build with the digest of the layout's manifest: only the changed files
    // are looked at, also when some went away; a digest of another list: checked file by file.
    await writeFile(layoutFile, goodLayout);
    const digest = manifestListDigest(first)!;
    await write({ known: known1, changed: ['p/3.html', 'p/new.html'], listedBefore: digest });
    expect(spliceStats.mode).toBe('vouched');
    await check(known1);
    await writeFile(layoutFile, goodLayout);
    await write({ known: known1, changed: ['p/3.html', 'p/new.html'], listedBefore: 'e'.repeat(64) });
    expect(spliceStats.mode).toBe('checked');
    await check(known1);
    b.files.delete('p/7.html');
    b.files.delete('p/40.html');
    await materialize(dir, b);
    await rm(path.join(dir, 'p', '7.html'), { force: true });
    await rm(path.join(dir, 'p', '40.html'), { force: true });
    await writeFile(layoutFile, goodLayout);
    await write({ known: known1, changed: ['p/3.html', 'p/new.html'], listedBefore: digest });
    expect(spliceStats.mode).toBe('vouched');
    await check(known1);
    // A vouched build that forgets a new file: more files than the layout and the changed ones.
    b.files.set('p/other.html', 'other');
    await materialize(dir, b);
    await writeFile(layoutFile, goodLayout);
    await write({ known: known1, changed: ['p/3.html', 'p/new.html'], listedBefore: digest });
    expect(manifestWrites.lastSpliced).toBe(false);
    await check(known1);

    // A layout cut short, emptied, of another format, with another header or of garbage: not used, the same bytes.
    const header = (h: object) => {
      const at = goodLayout.indexOf(0x0a);
      const end = goodLayout.indexOf(0x0a, at + 1);
      const old = JSON.parse(goodLayout.toString('utf8', at + 1, end)) as object;
      const text = JSON.stringify({ ...old, ...h });
      return Buffer.concat([goodLayout.subarray(0, at + 1), Buffer.from(text.padEnd(end - at - 1, ' ')), goodLayout.subarray(end)]);
    };
    for (const damaged of [
      goodLayout.subarray(0, goodLayout.length >> 1),
      goodLayout.subarray(0, goodLayout.length - 1),
      Buffer.concat([goodLayout, Buffer.from('x')]),
      Buffer.alloc(0),
      Buffer.from('{"format":1}'),
      Buffer.concat([Buffer.from('samizdat-manifest-layout/0'), goodLayout.subarray(goodLayout.indexOf(0x0a))]),
      header({ endian: 'XE' }),
      header({ count: 49 }),
      header({ listDigest: 'short' }),
      Buffer.from(goodLayout).fill(7, 40, 400),
    ]) {
      await writeFile(layoutFile, damaged);
      await write({ known: known1 });
      expect(manifestWrites.lastSpliced).toBe(false);
      await check(known1);
    }

    // A layout well-formed but not sorted, or with lengths that do not agree: refused.
    await writeFile(layoutFile, goodLayout);
    const body = readLayout(layoutFile)!;
    expect(body).toBeDefined();
    const list = flat(body.list);
    const listEnds = body.listEnds;
    const count = body.count;
    // The first two lines swapped: not sorted.
    const swapped = Buffer.concat([list.subarray(listEnds[0]!, listEnds[1]!), list.subarray(0, listEnds[0]!), list.subarray(listEnds[1]!)]);
    const swappedEnds = Uint32Array.from(listEnds);
    swappedEnds[0] = listEnds[1]! - listEnds[0]!;
    // A line whose framing is damaged.
    const framing = Buffer.from(list);
    framing[64] = 0x41;
    const zeroEnds = new Uint32Array(count);
    zeroEnds[count - 1] = body.entryEnds[count - 1]!;
    for (const bad of [
      { ...body, list: [swapped], listEnds: swappedEnds },
      { ...body, list: [framing] },
      { ...body, entryEnds: zeroEnds },
    ]) {
      writeLayout(layoutFile, bad);
      expect(readLayout(layoutFile)).toBeDefined();
      await write({ known: known1 });
      expect(manifestWrites.lastSpliced).toBe(false);
      await check(known1);
    }

    // Every file removed but one, every file replaced: still the same bytes.
    await writeFile(layoutFile, goodLayout);
    b.files = new Map([['only.html', 'x']]);
    await materialize(dir, b);
    await write({});
    await check(() => undefined);
  });

  it('a manifest with no files is written whole, and the layout kept goes', async () => {
    const dir = path.join(work.dir, 'empty');
    const layoutFile = path.join(work.dir, 'empty.layout');
    await mkdir(dir, { recursive: true });
    await writeFile(layoutFile, 'old');
    const m: Manifest = await writeManifest(dir, { ...base(), layoutFile, overlay: { files: new Set(), locate: (rel) => path.join(dir, rel) } });
    expect((await readFile(path.join(dir, MANIFEST_FILE))).equals(serializeManifest(m))).toBe(true);
    await expect(readFile(layoutFile)).rejects.toThrow();
  });

  it('pieces are written as they are, a batch per write call, never joined first', async () => {
    const file = path.join(work.dir, 'pieces.bin');
    const r = rng(7);
    // More pieces than one call takes, some empty, some views into one buffer (as a spliced layout's are).
    const whole = Buffer.from(Array.from({ length: 300_000 }, () => Math.floor(r() * 256)));
    const pieces: Buffer[] = [];
    for (let at = 0; at < whole.length; ) {
      const n = r() < 0.1 ? 0 : Math.floor(r() * 400);
      pieces.push(whole.subarray(at, Math.min(whole.length, at + n)));
      at += n;
    }
    expect(pieces.length).toBeGreaterThan(2 * PIECES_PER_WRITE);
    const before = pieceWrites.calls;
    writePiecesSync(file, pieces);
    expect((await readFile(file)).equals(whole)).toBe(true);
    // A regular file takes each writev whole: one call per batch.
    expect(pieceWrites.calls - before).toBe(Math.ceil(pieces.length / PIECES_PER_WRITE));
    writePiecesSync(file, []);
    expect((await readFile(file)).length).toBe(0);
  });
});
