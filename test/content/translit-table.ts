/**
 * What the transliteration package maps each character of src/content/translit-table.ts's ranges
 * to, asked of the package itself: the table that module must hold. Used by the test that
 * compares them, and to write the module again after an upgrade:
 *   npx tsx test/content/translit-table.ts > src/content/translit-table.ts
 */
import { transliterate } from 'transliteration';
import { pathToFileURL } from 'node:url';
import { TABLE_RANGES } from '../../src/content/translit-table.ts';

/** The package's transliteration of each character of [first, last], in order. */
export function packageTable(first: number, last: number): string[] {
  const out: string[] = [];
  for (let c = first; c <= last; c++) out.push(transliterate(String.fromCharCode(c), { trim: false, unknown: '' }));
  return out;
}

/** The module src/content/translit-table.ts, for these ranges as the installed package maps them. */
export function tableModule(ranges: ReadonlyArray<readonly [number, number]> = TABLE_RANGES.map((r) => [r.first, r.first + r.to.length - 1] as const)): string {
  const hex = (n: number) => `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;
  const parts = ranges.map(([first, last]) => `  { first: ${hex(first)}, to: ${JSON.stringify(packageTable(first, last))} },`);
  return `/**
 * What the transliteration package (the version in package-lock.json) maps each character of a
 * few ranges to: Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic and Persian letters, common
 * punctuation. Written by test/content/translit-table.ts from the package itself, and compared
 * with it, character by character, by test/content/slug-fast.test.ts. ./slug.ts slugifies a title
 * of these characters alone with it, and loads the package (whose table of 60,000 characters
 * takes tens of milliseconds to build) only for any other title.
 */
export interface TableRange {
  first: number;
  /** The transliteration of first, first + 1, …: '' for a character that gives nothing. */
  to: readonly string[];
}

export const TABLE_RANGES: readonly TableRange[] = [
${parts.join('\n')}
];
`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.stdout.write(tableModule());
