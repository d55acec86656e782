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
