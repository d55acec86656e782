// The audit code's version (src/audit/cache.ts): every cached result is keyed by it, so a memo of
// it must never outlive a change to the sources it stands for.
import { existsSync } from 'node:fs';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditVersion, memoizedSourceVersion, sourceVersion } from '../../src/audit/cache.ts';
import { sourceFile } from '../../src/paths.ts';
import { tempDir } from '../support/net.ts';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('samizdat-audit-version-'));
});
afterAll(async () => cleanup());

describe('the audit code version', () => {
  it('is the hash of the audit sources, whether computed or taken from its memo', () => {
    expect(auditVersion()).toBe(sourceVersion(sourceFile('audit')));
    expect(memoizedSourceVersion(sourceFile('audit'), path.join(root, 'memo-here.json'))).toBe(auditVersion());
    expect(memoizedSourceVersion(sourceFile('audit'), path.join(root, 'memo-here.json'))).toBe(auditVersion());
  });

  it('is taken from the memo only while every source file is as it was', async () => {
    const here = path.join(root, 'audit');
    await cp(sourceFile('audit'), here, { recursive: true });
    const memo = path.join(root, 'memo.json');
    // Sources written just now: no memo (a change within the same clock tick would keep their stamp).
    expect(memoizedSourceVersion(here, memo)).toBe(sourceVersion(here));
    expect(existsSync(memo)).toBe(false);
    await sleep(2100);
    const first = memoizedSourceVersion(here, memo);
    expect(existsSync(memo)).toBe(true);
    expect(first).toBe(sourceVersion(here));
    // The memo is what is used while nothing changed (a version no source gives, to see it).
    const fake = 'f'.repeat(64);
    const written = JSON.parse(await readFile(memo, 'utf8')) as Record<string, unknown>;
    await writeFile(memo, JSON.stringify({ ...written, version: fake }));
    expect(memoizedSourceVersion(here, memo)).toBe(fake);

    // A change of one character, same size: another version, computed again.
    const file = path.join(here, 'rules', 'no-script.ts');
    const text = await readFile(file, 'utf8');
    const edited = text.replace('script', 'scripT');
    expect(edited.length).toBe(text.length);
    await writeFile(file, edited);
    const afterEdit = memoizedSourceVersion(here, memo);
    expect(afterEdit).not.toBe(fake);
    expect(afterEdit).not.toBe(first);
    expect(afterEdit).toBe(sourceVersion(here));

    // The memo the edit left (none: the edit is too recent), a file added, one removed: likewise.
    expect(JSON.parse(await readFile(memo, 'utf8')).version).toBe(fake);
    await writeFile(path.join(here, 'extra.ts'), 'export const x = 1;\n');
    expect(memoizedSourceVersion(here, memo)).toBe(sourceVersion(here));
    await rm(path.join(here, 'extra.ts'));
    expect(memoizedSourceVersion(here, memo)).toBe(afterEdit);
  });

  it('is computed when the memo is damaged', async () => {
    const memo = path.join(root, 'damaged.json');
    await writeFile(memo, '{"format": "samizdat-audit-version/1", "stamp": ');
    expect(memoizedSourceVersion(sourceFile('audit'), memo)).toBe(auditVersion());
  });
});
