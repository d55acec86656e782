import { slugify as transliterate } from 'transliteration';

/**
 * A readable, URL-safe slug: Cyrillic and other scripts are transliterated to Latin
 * ("Привет, мир" → "privet-mir"). Empty when nothing usable is left.
 */
export function slugify(text: string, maxLength = 80): string {
  const slug = transliterate(text.normalize('NFC'), { lowercase: true, separator: '-', trim: true })
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '');
  if (slug.length <= maxLength) return slug;
  const cut = slug.slice(0, maxLength);
  const lastDash = cut.lastIndexOf('-');
  return (lastDash > maxLength / 2 ? cut.slice(0, lastDash) : cut).replace(/-$/, '');
}

/** An explicit slug is one path segment of letters, digits, dashes, underscores and dots. */
export const SAFE_SLUG = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
