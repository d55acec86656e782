/**
 * A rebuild's audit reads its few files into one reused buffer (readTransient, through readEach
 * with `transient`): the bytes must be exactly readFileSync's, errors the same, whatever the sizes.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEach, readTransient } from '../../src/audit/run.ts';
import { auditBundle } from '../../src/audit/index.ts';
import { tempDir } from '../support/net.ts';
import { rng } from '../support/rng.ts';

let work: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  work = await tempDir('samizdat-read-transient-');
});
afterAll(() => work.cleanup());

function randomBytes(n: number, seed: number): Buffer {
  const r = rng(seed);
  return Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)));
}

describe('readTransient', () => {
  it('gives readFileSync bytes for empty, small and large files, in one buffer reused while it is big enough', async () => {
    const sizes = [0, 1, 4096, 100_000, (1 << 20) - 1, 1 << 20, (3 << 20) + 17, 10];
    const files: string[] = [];
    for (const [i, size] of sizes.entries()) {
      const file = path.join(work.dir, `f${i}.bin`);
      await writeFile(file, randomBytes(size, i + 1));
      files.push(file);
    }
    let last: ArrayBufferLike | undefined;
    for (const [i, file] of files.entries()) {
      const bytes = readTransient(file);
      expect(bytes.equals(readFileSync(file))).toBe(true);
      // The two last files fit in the buffer the large one grew: the same memory.
      if (i === files.length - 1) expect(bytes.buffer).toBe(last);
      last = bytes.buffer;
    }
  });

  it('throws what readFileSync throws', async () => {
    const missing = path.join(work.dir, 'missing.html');
    expect(() => readTransient(missing)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    const folder = path.join(work.dir, 'folder.html');
    await mkdir(folder, { recursive: true });
    expect(() => readTransient(folder)).toThrow(expect.objectContaining({ code: 'EISDIR' }));
  });

  it('readEach hands each file its own bytes, transient or not', async () => {
    const dir = path.join(work.dir, 'each');
    await mkdir(dir, { recursive: true });
    const names = ['a.html', 'b.xml', 'c.json'];
    for (const [i, n] of names.entries()) await writeFile(path.join(dir, n), randomBytes(50_000 * (i + 1), 10 + i));
    for (const transient of [false, true]) {
      const seen: string[] = [];
      await readEach(dir, names, undefined, (file, bytes) => {
        expect(bytes.equals(readFileSync(path.join(dir, file)))).toBe(true);
        seen.push(file);
      }, undefined, undefined, transient);
      expect(seen).toEqual(names);
    }
  });

  it('an audit of a few files read this way finds what is in each of them', async () => {
    const dir = path.join(work.dir, 'bundle');
    await mkdir(dir, { recursive: true });
    const page = (body: string) =>
      `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"><meta name="referrer" content="no-referrer"><title>t</title></head><body>${body}</body></html>`;
    // A big clean page read first, then a small one with a script: the script is found in the
    // small page's bytes, not in what the buffer held before.
    await writeFile(path.join(dir, 'a.html'), page(`<p>${'word '.repeat(100_000)}</p><a href="b.html">b</a>`));
    await writeFile(path.join(dir, 'b.html'), page('<script>alert(1)</script><a href="a.html">a</a>'));
    const findings = await auditBundle(dir, { workers: 1 });
    expect(findings.some((f) => f.file === 'b.html' && f.rule === 'no-script')).toBe(true);
    expect(findings.filter((f) => f.file === 'a.html')).toEqual([]);
  });
});
