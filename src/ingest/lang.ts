/**
 * The language of a text when nothing declares it, from its script: only where the script
 * nearly settles it (Cyrillic, Arabic script, Hebrew). Latin text gets no guess: the site's
 * language applies.
 */
export function guessLang(text: string): string | undefined {
  let cyr = 0, arab = 0, hebr = 0, latin = 0;
  for (const ch of text.slice(0, 20_000)) {
    if (/\p{Script=Cyrillic}/u.test(ch)) cyr++;
    else if (/\p{Script=Arabic}/u.test(ch)) arab++;
    else if (/\p{Script=Hebrew}/u.test(ch)) hebr++;
    else if (/\p{Script=Latin}/u.test(ch)) latin++;
  }
  const max = Math.max(cyr, arab, hebr, latin);
  if (max === 0 || max === latin) return undefined;
  if (max === cyr) {
    if (/[ґєії]/iu.test(text)) return 'uk';
    if (/[ў]/iu.test(text)) return 'be';
    return 'ru';
  }
  if (max === arab) {
    // Letters Persian has and Arabic does not: پ چ ژ گ, and the Persian forms of kaf and yeh.
    const persian = (text.match(/[پچژگکی]/gu) ?? []).length;
    const arabicOnly = (text.match(/[ةكيى]/gu) ?? []).length;
    if (/[ٹڈڑںھے]/u.test(text)) return 'ur';
    return persian > arabicOnly ? 'fa' : 'ar';
  }
  return 'he';
}

/** A usable BCP 47 tag from what a page says ("en_US" → "en-US"), or undefined. */
export function normaliseLang(value: string | undefined | null): string | undefined {
  if (!value) return undefined;
  const tag = value.trim().replace(/_/g, '-').split(/[,;\s]/)[0]!;
  if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(tag)) return undefined;
  const [primary, ...rest] = tag.split('-');
  return [primary!.toLowerCase(), ...rest.map((p) => (p.length === 2 ? p.toUpperCase() : p.length === 4 ? p[0]!.toUpperCase() + p.slice(1).toLowerCase() : p))].join('-');
}
