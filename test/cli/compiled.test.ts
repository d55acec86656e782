/**
 * The CLI runs from lib/ (compiled by scripts/compile.mjs) only while lib/ matches the sources,
 * and from src/ through tsx otherwise. Runs in a copy of the repository (node_modules linked),
 * so the real lib/ that other tests use is never replaced under them.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/net.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

let work: { dir: string; cleanup: () => Promise<void> };
let repo: string;

async function samizdat(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [path.join(repo, 'bin/samizdat.mjs'), ...args], {
    cwd: repo,
    env: { PATH: process.env.PATH, HOME: work.dir, SAMIZDAT_DEBUG: '1' },
  });
}

beforeAll(async () => {
  work = await tempDir('samizdat-compiled-');
  repo = path.join(work.dir, 'repo');
  await mkdir(repo);
  for (const entry of ['src', 'scripts', 'bin', 'package.json', '.eleventy.ts']) await cp(path.join(ROOT, entry), path.join(repo, entry), { recursive: true });
  await symlink(path.join(ROOT, 'node_modules'), path.join(repo, 'node_modules'));
  await mkdir(path.join(work.dir, 'content'));
  await writeFile(path.join(work.dir, 'content', 'hello.md'), '---\ntitle: Hello from the compiled CLI\ndate: 2026-01-02\n---\n\nBody text.\n');
  await run(process.execPath, [path.join(repo, 'scripts/compile.mjs')], { cwd: repo });
}, 60_000);

afterAll(async () => work?.cleanup());

describe('the compiled CLI', () => {
  it('runs from lib/ and builds a site (Eleventy config, templates, audit) from there', async () => {
    const { stdout, stderr } = await samizdat(['build', '--content', path.join(work.dir, 'content'), '--out', path.join(work.dir, 'out'), '--json']);
    expect(stderr).toContain('running the compiled lib/');
    const result = JSON.parse(stdout) as { pages: number; articles?: number };
    expect(result.pages).toBeGreaterThan(1);
    expect(await readFile(path.join(work.dir, 'out', 'index.html'), 'utf8')).toContain('Hello from the compiled CLI');
  }, 60_000);

  it('holds one shared copy of the hot dependencies in lib/vendor/, and parse5 there still passes the fast-text self check', async () => {
    const html = await readFile(path.join(repo, 'lib/audit/html.js'), 'utf8');
    const fastText = await readFile(path.join(repo, 'lib/audit/fast-text.js'), 'utf8');
    // Both import parse5 from the same vendor chunk (fast-text patches the tokenizer html.ts uses).
    const parse5Chunk = (text: string) => [...text.matchAll(/from "(\.\.\/vendor\/chunk-[A-Z0-9]+\.js)"/g)].map((m) => m[1]);
    expect(html).not.toMatch(/from "parse5"/);
    expect(parse5Chunk(fastText).filter((c) => parse5Chunk(html).includes(c)).length).toBeGreaterThan(0);
    // Eleventy stays an import of node_modules (it reads its own files).
    expect(await readFile(path.join(repo, 'lib/build/eleventy.js'), 'utf8')).toContain('import("@11ty/eleventy")');
    const { fastTextUsable } = (await import(path.join(repo, 'lib/audit/fast-text.js'))) as typeof import('../../src/audit/fast-text.ts');
    expect(fastTextUsable()).toBe(true);
  });

  it('runs the audit worker threads from lib/ without a TypeScript loader', async () => {
    const { auditBundle } = (await import(path.join(repo, 'lib/audit/index.js'))) as typeof import('../../src/audit/index.ts');
    const findings = await auditBundle(path.join(work.dir, 'out'), { workers: 2 });
    expect(findings).toEqual([]);
    await writeFile(path.join(work.dir, 'out', 'bad.html'), '<!doctype html><html lang="en"><head><title>x</title></head><body><script>alert(1)</script></body></html>');
    const bad = await auditBundle(path.join(work.dir, 'out'), { workers: 2 });
    expect(bad.map((f) => f.file)).toContain('bad.html');
  }, 60_000);

  it('falls back to src/ through tsx as soon as a source file changes, so an edit is never shadowed', async () => {
    const file = path.join(repo, 'src', 'version.ts');
    const later = new Date(Date.now() + 5_000);
    await utimes(file, later, later);
    const { stdout, stderr } = await samizdat(['--version']);
    expect(stderr).toContain('running src/ through tsx');
    expect(stdout.trim()).toBe(JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')).version);
  }, 60_000);
});
