/**
 * The CLI runs from lib/ (compiled by scripts/compile.mjs) only while lib/ matches the sources,
 * and from src/ through tsx otherwise. Runs in a copy of the repository (node_modules linked),
 * so the real lib/ that other tests use is never replaced under them.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/net.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

let work: { dir: string; cleanup: () => Promise<void> };
let repo: string;

async function samizdat(args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [path.join(repo, 'bin/samizdat.mjs'), ...args], {
    cwd: repo,
    env: { PATH: process.env.PATH, HOME: work.dir, SAMIZDAT_DEBUG: '1', ...env },
  });
}

/** lib/stages/build.json: the stage's script and cache (named by their contents) and the modules it shares. */
async function stageFiles(): Promise<{ source: string; cache: string; shared: string[] }> {
  return JSON.parse(await readFile(path.join(repo, 'lib/stages/build.json'), 'utf8'));
}

/** Every file under dir (relative path → bytes). */
async function tree(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) files.set(path.relative(dir, path.join(e.parentPath, e.name)), await readFile(path.join(e.parentPath, e.name)));
  }
  return files;
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

  it('loads the build stage from one compiled file with its V8 code cache, and builds the same bytes as the plain modules', async () => {
    const content = path.join(work.dir, 'content');
    await writeFile(path.join(content, 'ru.md'), '---\ntitle: Новая статья о зеркалах\ndate: 2026-01-03\ntags: [суды]\n---\n\nТекст *статьи* <b onclick="x()">жирный</b>.\n');
    const staged = await samizdat(['build', '--content', content, '--out', path.join(work.dir, 'out-staged')]);
    expect(staged.stderr).toContain('build stage from lib/stages/ (code cache used)');
    const plain = await samizdat(['build', '--content', content, '--out', path.join(work.dir, 'out-plain')], { SAMIZDAT_PLAIN_MODULES: '1' });
    expect(plain.stderr).not.toContain('lib/stages/');
    const [a, b] = [await tree(path.join(work.dir, 'out-staged')), await tree(path.join(work.dir, 'out-plain'))];
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    for (const [file, bytes] of a) expect(bytes.equals(b.get(file)!), file).toBe(true);
    // Transliterated slug and tag (the transliteration tables load in the stage).
    expect(a.get(path.join('articles', '2026', '01', 'novaya-statya-o-zerkalah', 'index.html'))?.toString()).toContain('Новая статья');
    expect(a.has(path.join('tags', 'sudy', 'index.html'))).toBe(true);
  }, 120_000);

  it('makes the code cache again when V8 rejects it (another Node since the compile) or it is lost, and keeps one per set of Node options', async () => {
    const cache = path.join(repo, 'lib/stages', (await stageFiles()).cache);
    const good = await readFile(cache);
    const content = path.join(work.dir, 'content');
    const out = path.join(work.dir, 'out-recache');
    await writeFile(cache, Buffer.alloc(good.length, 7));
    expect((await samizdat(['build', '--content', content, '--out', out])).stderr).toContain('(code cache rejected)');
    expect((await samizdat(['build', '--content', content, '--out', out])).stderr).toContain('(code cache used)');
    await rm(cache);
    expect((await samizdat(['build', '--content', content, '--out', out])).stderr).toContain('(code cache missing)');
    expect((await samizdat(['build', '--content', content, '--out', out])).stderr).toContain('(code cache used)');
    // A V8 flag (bench:build sets this one) would make V8 reject the plain cache: a cache of its own.
    const flagged = { NODE_OPTIONS: '--max-old-space-size=3072' };
    expect((await samizdat(['build', '--content', content, '--out', out], flagged)).stderr).toContain('(code cache missing)');
    expect((await samizdat(['build', '--content', content, '--out', out], flagged)).stderr).toContain('(code cache used)');
    expect((await samizdat(['build', '--content', content, '--out', out])).stderr).toContain('(code cache used)');
  }, 120_000);

  it('saves the code cache again after the first rebuild, with what that rebuild compiled, and only then', async () => {
    const content = path.join(work.dir, 'content-tune');
    await cp(path.join(work.dir, 'content'), content, { recursive: true });
    const out = path.join(work.dir, 'out-tune');
    // Node options of this test's own, so that its cache is its own file.
    const own = { NODE_OPTIONS: '--max-old-space-size=3001' };
    const stages = path.join(repo, 'lib/stages');
    const before = new Set(await readdir(stages));
    const build = async () => (await samizdat(['build', '--content', content, '--out', out], own)).stderr;
    expect(await build()).toContain('(code cache missing)'); // a first build: not a rebuild, nothing tuned
    const cacheName = (await readdir(stages)).find((f) => !before.has(f) && f.endsWith('.v8cache'))!;
    const cache = path.join(stages, cacheName);
    const tuned = async () => JSON.parse(await readFile(`${cache}.tuned`, 'utf8')) as { level: number; size: number };
    const sizeOf = async () => (await readFile(cache)).length;
    const compiledOnly = await sizeOf();
    await expect(readFile(`${cache}.tuned`)).rejects.toThrow();

    // A rebuild with no change: saved with what it compiled.
    expect(await build()).toMatch(/\(code cache used\)\n/);
    expect(await tuned()).toEqual({ level: 1, size: await sizeOf() });
    const afterRebuild = await sizeOf();
    expect(afterRebuild).toBeGreaterThan(compiledOnly);

    // A rebuild that renders a new article compiles the rendering too: saved once more.
    await writeFile(path.join(content, 'second.md'), '---\ntitle: Второй\ndate: 2026-01-03\n---\n\nText *here*.\n');
    expect(await build()).toContain('(code cache used) [tuned 1]');
    expect(await tuned()).toEqual({ level: 2, size: await sizeOf() });
    const afterRender = await sizeOf();
    expect(afterRender).toBeGreaterThan(afterRebuild);
    const saved = await readFile(cache);

    // From then on it is used as it is, not saved again.
    await writeFile(path.join(content, 'third.md'), '---\ntitle: Third\ndate: 2026-01-04\n---\n\nMore text.\n');
    expect(await build()).toContain('(code cache used) [tuned 2]');
    expect((await readFile(cache)).equals(saved)).toBe(true);

    // A cache V8 rejects is made again, and counts as tuned only as far as the run that made it.
    await writeFile(cache, Buffer.alloc(saved.length, 7));
    expect(await build()).toContain('(code cache rejected)');
    expect(await tuned()).toEqual({ level: 1, size: await sizeOf() });
    expect(await build()).toContain('(code cache used) [tuned 1]');
    // A cache written since without tuning (its size is not the one noted) counts as not tuned.
    await writeFile(cache, saved.subarray(0, 1000));
    expect(await build()).toContain('(code cache rejected)');
    await writeFile(`${cache}.tuned`, JSON.stringify({ level: 2, size: 1 }));
    expect(await build()).toMatch(/\(code cache used\)\n/);
  }, 120_000);

  it('keeps one copy of the modules the CLI loaded first: errors thrown in the stage print as the CLI\'s own', async () => {
    const stage = await stageFiles();
    expect(stage.shared).toEqual(expect.arrayContaining(['errors.js', 'build/prescan.js']));
    const code = await readFile(path.join(repo, 'lib/stages', (await stageFiles()).source), 'utf8');
    expect(code).not.toMatch(/class SamizdatError\b/);
    expect(code).toContain('require("samizdat-lib:errors.js")');
    const bad = path.join(work.dir, 'bad-content');
    await mkdir(bad);
    await writeFile(path.join(bad, 'no-title.md'), '---\ndate: 2026-01-02\n---\n\nNo title.\n');
    const outcomes = [];
    const envs: Array<Record<string, string>> = [{}, { SAMIZDAT_PLAIN_MODULES: '1' }];
    for (const env of envs) {
      const failed = await samizdat(['build', '--content', bad, '--out', path.join(work.dir, 'out-bad')], env).then(
        () => expect.fail('the build should fail'),
        (err: { code: number; stderr: string }) => err,
      );
      expect(failed.code).toBe(1);
      outcomes.push(failed.stderr.split('\n').filter((l) => !l.startsWith('samizdat: ')).join('\n'));
    }
    // AggregateInputError recognised by the CLI: each problem with its file, no stack trace.
    expect(outcomes[0]).toContain('no-title.md');
    expect(outcomes[0]).not.toMatch(/\n\s+at /);
    expect(outcomes[0]).toBe(outcomes[1]);
  }, 120_000);

  it('starts the worker threads of the stage from their own lib/ files', async () => {
    // Every module of the stage finds its neighbours where its own lib/ file would (a pool whose
    // worker cannot start runs its tasks in the calling thread, so a build alone would not tell).
    const code = await readFile(path.join(repo, 'lib/stages', (await stageFiles()).source), 'utf8');
    const workers = [...code.matchAll(/new URL\("(\.[^"]+)\.ts", __samizdatModuleUrl\("([^"]+)"\)\)/g)].map((m) => path.join(repo, 'lib', path.dirname(m[2]!), `${m[1]}.js`));
    expect(workers.map((w) => path.relative(path.join(repo, 'lib'), w))).toEqual(expect.arrayContaining(['build/parse-render-worker.js', 'build/render-worker.js', 'audit/worker.js', 'audit/stream-worker.js']));
    for (const w of workers) expect((await readFile(w, 'utf8')).length, w).toBeGreaterThan(0);
    const { loadStage } = (await import(path.join(repo, 'lib/cached-stage.js'))) as typeof import('../../src/cached-stage.ts');
    let fellBack = false;
    const { buildSite } = await loadStage('build', async () => {
      fellBack = true;
      return import(path.join(repo, 'lib/build/index.js')) as Promise<typeof import('../../src/build/index.ts')>;
    });
    expect(fellBack).toBe(false);
    const result = await buildSite({ contentDir: path.join(work.dir, 'content'), outDir: path.join(work.dir, 'out-threads'), cacheDir: false, threads: true });
    expect(result.articles).toBe(2);
    const [a, b] = [await tree(path.join(work.dir, 'out-threads')), await tree(path.join(work.dir, 'out-plain'))];
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    // Eleventy's configuration took the stage's templates, not a second copy of their modules.
    const published = (globalThis as Record<symbol, Record<string, { eleventyTemplates: Array<{ template: unknown }> }>>)[Symbol.for('samizdat.stageModules')];
    const fromStage = published?.['build/templates/eleventy.js']?.eleventyTemplates;
    expect(fromStage?.length).toBeGreaterThan(3);
    const { default: configure } = (await import(path.join(repo, 'lib/eleventy.config.js'))) as { default: (c: unknown) => unknown };
    const added: unknown[] = [];
    const fake = new Proxy({}, { get: (_, key) => (key === 'addTemplate' ? (_path: string, template: unknown) => added.push(template) : () => {}) });
    configure(fake);
    expect(added).toEqual(fromStage!.map((t) => t.template));
    expect(added[0]).toBe(fromStage![0]!.template);
  }, 120_000);

  it('falls back to src/ through tsx as soon as a source file changes, so an edit is never shadowed', async () => {
    const file = path.join(repo, 'src', 'version.ts');
    const later = new Date(Date.now() + 5_000);
    await utimes(file, later, later);
    const { stdout, stderr } = await samizdat(['--version']);
    expect(stderr).toContain('running src/ through tsx');
    expect(stdout.trim()).toBe(JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')).version);
  }, 60_000);
});
