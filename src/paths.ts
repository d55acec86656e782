import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root. This file runs either as src/paths.ts (through tsx) or as its compiled copy
 * lib/paths.js (scripts/compile.mjs); both sit one level below the root.
 */
export const PACKAGE_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** True when running the TypeScript through tsx; false in the compiled lib/. */
export const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * A file of samizdat's TypeScript source. Caches key on the source of the code that made their
 * entries, and must get the same key whether the CLI runs compiled or through tsx.
 */
export function sourceFile(...parts: string[]): string {
  return path.join(PACKAGE_ROOT, 'src', ...parts);
}

const requireHere = createRequire(import.meta.url);

/**
 * The installed version of a dependency, from its own package.json: the one in the project's
 * node_modules, else found by walking up from the module it resolves to, since many packages do
 * not export "./package.json". Undefined when not found. Caches put it in their keys, so an upgrade starts them afresh.
 */
export function packageVersion(name: string): string | undefined {
  // Where an install puts it first: resolving a module takes milliseconds at every start-up.
  try {
    const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
    if (pkg.name === name && typeof pkg.version === 'string') return pkg.version;
  } catch {
    // not there: resolved below
  }
  let dir: string;
  try {
    dir = path.dirname(requireHere.resolve(name));
  } catch {
    return undefined;
  }
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name) return pkg.version;
    } catch {
      // no package.json here: keep walking up
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}
