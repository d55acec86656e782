// The audit state written with only its changes (src/audit/cache.ts save): with new files added,
// it is the state written whole, byte for byte in size: paths stay one byte per character. (Each
// state has an id of its own, random.)
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditBundle, indexBundle } from '../../src/audit/index.ts';
import { STATE_FILE, STATE_FORMAT, stateWrites } from '../../src/audit/cache.ts';
import { readStateFile } from '../../src/state-file.ts';
import { tempDir } from '../support/net.ts';
import { wrapPage } from './fixture-file.ts';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('samizdat-audit-cache-save-'));
});
afterAll(async () => cleanup());

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function audit(dir: string, cacheDir: string): Promise<void> {
  const index = await indexBundle(dir);
  const hashes = new Map<string, string>();
  for (const f of index.files) hashes.set(f, sha(await readFile(path.join(dir, f))));
  const findings = await auditBundle(dir, { cacheDir, overlay: { files: index.files, locate: (f) => path.join(dir, f) }, knownSha256: (f) => hashes.get(f) });
  expect(findings).toEqual([]);
}

describe('the audit state saved with its changes', () => {
  it('with files added, has the size and the meaning of the state written whole', async () => {
    const dir = path.join(root, 'b');
    for (let i = 0; i < 30; i++) {
      await mkdir(path.join(dir, `p${i}`), { recursive: true });
      await writeFile(path.join(dir, `p${i}`, 'index.html'), wrapPage(`<p>page ${i} <a href="../p${(i + 1) % 30}/index.html">next</a></p>`));
    }
    const sizes: Record<string, number> = {};
    const bodies: Record<string, unknown> = {};
    for (const changesOnly of [true, false]) {
      const cacheDir = path.join(root, `c-${changesOnly}`);
      stateWrites.changesOnly = changesOnly;
      try {
        await rm(path.join(dir, 'new'), { recursive: true, force: true });
        await audit(dir, cacheDir);
        // New pages, with a name of Latin-1 letters (one byte each) and one of Cyrillic.
        await mkdir(path.join(dir, 'new'), { recursive: true });
        await writeFile(path.join(dir, 'new', 'café.html'), wrapPage('<p>new</p>'));
        await writeFile(path.join(dir, 'new', 'index.html'), wrapPage('<p>new index</p>'));
        await audit(dir, cacheDir);
        expect(stateWrites.lastChangesOnly).toBe(changesOnly);
        sizes[String(changesOnly)] = (await stat(path.join(cacheDir, STATE_FILE))).size;
        const body = (await readStateFile(path.join(cacheDir, STATE_FILE), STATE_FORMAT))!;
        bodies[String(changesOnly)] = { ...body, paths: (body.paths as string).split('\0').sort(), hashes: undefined, yesListed: undefined, journalBase: undefined, id: undefined };
      } finally {
        stateWrites.changesOnly = true;
      }
    }
    expect(sizes.true).toBe(sizes.false);
    expect(bodies.true).toEqual(bodies.false);
    expect((bodies.true as { paths: string[] }).paths).toContain('new/café.html');
  });
});
