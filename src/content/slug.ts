import { createRequire } from 'node:module';
import { TABLE_RANGES } from './translit-table.ts';

type PackageSlugify = (text: string, options: { lowercase: boolean; separator: string; trim: boolean }) => string;

const requireHere = createRequire(import.meta.url);
let packageSlugify: PackageSlugify | undefined;

/**
 * The transliteration package's slugify, loaded on first use: loading it builds a table of some
 * 60,000 characters (tens of milliseconds), which a rebuild that parses one new article with a
 * Latin, Cyrillic or Arabic title never needs (see slugOfTableCharacters).
 */
function transliterationSlugify(): PackageSlugify {
  packageSlugify ??= (requireHere('transliteration') as { slugify: PackageSlugify }).slugify;
  return packageSlugify;
}

/** What the package maps a UTF-16 code unit to; undefined when it is outside the table's ranges. */
function tableEntry(unit: number): string | undefined {
  for (const range of TABLE_RANGES) {
    const i = unit - range.first;
    if (i >= 0 && i < range.to.length) return range.to[i];
  }
  return undefined;
}

/**
 * The package's slugify(text, { lowercase: true, separator: '-', trim: true }) for a text whose
 * every code unit is in ./translit-table.ts (undefined for any other text). For such a text the
 * package does exactly this (transliteration 2.6.1, src/common/{transliterate,slugify}.ts): each
 * character becomes its table entry (no CJK character, so no spacing is added between them; no
 * surrogate pairs, so the string is looked at one code unit at a time), the result is trimmed,
 * every run of characters outside its allowedChars `a-zA-Z0-9-_.~` (in a character class, where
 * `9-_` is a range) becomes one '-', runs of '-' become one, none is left at either end, and it is
 * lower-cased. test/content/slug-fast.test.ts compares the table with the package character by
 * character and this function with the package on many texts.
 */
export function slugOfTableCharacters(text: string): string | undefined {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const to = tableEntry(text.charCodeAt(i));
    if (to === undefined) return undefined;
    out += to;
  }
  return out
    .trim()
    .replace(/[^a-zA-Z0-9-_.~]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
}

/** The transliteration package's slug of a text, without loading the package when the table has every character. */
function transliterate(text: string): string {
  return slugOfTableCharacters(text) ?? transliterationSlugify()(text, { lowercase: true, separator: '-', trim: true });
}

/**
 * A readable, URL-safe slug: Cyrillic and other scripts are transliterated to Latin
 * ("Привет, мир" → "privet-mir"). Empty when nothing usable is left.
 */
export function slugify(text: string, maxLength = 80): string {
  return slugOfTransliterated(transliterate(text.normalize('NFC')), maxLength);
}

/** slugify's last step: a transliterated text cut to what a URL segment may hold, and to maxLength. */
export function slugOfTransliterated(transliterated: string, maxLength = 80): string {
  const slug = transliterated
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '');
  if (slug.length <= maxLength) return slug;
  const cut = slug.slice(0, maxLength);
  const lastDash = cut.lastIndexOf('-');
  return (lastDash > maxLength / 2 ? cut.slice(0, lastDash) : cut).replace(/-$/, '');
}

/** The package's own slug, always (for tests that compare the two ways). */
export function packageSlug(text: string): string {
  return transliterationSlugify()(text, { lowercase: true, separator: '-', trim: true });
}

/** An explicit slug is one path segment of letters, digits, dashes, underscores and dots. */
export const SAFE_SLUG = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
