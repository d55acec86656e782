// A rebuild that takes every article from the caches must not load the code that parses and
// renders articles: the YAML readers, the transliteration tables, markdown-it, the sanitizer and
// postcss take a third of the build command's start-up. This follows the static imports of the
// build command's modules (dynamic import() and `import type` load nothing) and checks that those
// modules are reached only lazily.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

/** Relative modules a module loads when it is loaded. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?([^;]*?)\s*from\s*'(\.[^']+)'|^import\s+'(\.[^']+)'/gms)) {
    if (m[5]) out.push(m[5]);
    else if (!m[2] && !(m[1] === 'export' && /^\{\s*type\s/.test(m[3]!) && !/,\s*(?!type\s)\w/.test(m[3]!))) out.push(m[4]!);
  }
  return out.map((spec) => path.resolve(path.dirname(file), spec));
}

function loadedWith(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const dep of staticImports(file)) visit(dep);
  };
  for (const e of entries) visit(path.join(SRC, e));
  return new Set([...seen].map((f) => path.relative(SRC, f).split(path.sep).join('/')));
}

describe('what the build command loads at start', () => {
  const loaded = loadedWith(['cli/commands/build.ts', 'build/index.ts']);

  it('follows the imports (the check sees the modules it should)', () => {
    for (const m of ['build/index.ts', 'content/index.ts', 'content/cache.ts', 'build/model.ts', 'build/cache.ts', 'audit/index.ts']) expect(loaded, m).toContain(m);
  });

  it('leaves out validating settings and mirror files (zod, every mirror type), which load only when such a file changed', () => {
    for (const m of ['config/site.ts', 'mirrors/config.ts', 'mirrors/registry.ts', 'manifest/parse.ts']) expect(loaded, m).not.toContain(m);
    const withZod = [...loaded].filter((m) => /from 'zod'/.test(readFileSync(path.join(SRC, m), 'utf8')));
    expect(withZod).toEqual([]);
    expect(loaded).toContain('config/validated.ts');
  });

  it('leaves out parsing and rendering, which load only when an article is parsed or rendered', () => {
    for (const m of ['content/parse.ts', 'content/slug.ts', 'content/frontmatter.ts', 'content/fast-yaml.ts', 'build/render.ts', 'build/markdown.ts']) expect(loaded, m).not.toContain(m);
  });
});
