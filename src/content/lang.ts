/** Languages written right to left (ISO 639 codes, primary subtag). */
const RTL_LANGUAGES = new Set([
  'ar', 'arc', 'ckb', 'dv', 'fa', 'ha-arab', 'he', 'iw', 'khw', 'ks', 'ku-arab', 'ps', 'sd', 'syr', 'ug', 'ur', 'yi', 'prs', 'pnb', 'az-arab', 'uz-arab',
]);
/** Scripts written right to left, when a tag names one (e.g. "az-Arab"). */
const RTL_SCRIPTS = new Set(['arab', 'hebr', 'syrc', 'thaa', 'nkoo', 'adlm', 'rohg', 'samr', 'mand']);

/** "rtl" for languages written right to left ("ar", "fa-IR", "he", "ur", "az-Arab"), else "ltr". */
export function textDirection(lang: string): 'ltr' | 'rtl' {
  // Asked for every article of every build, of a handful of tags.
  let dir = directions.get(lang);
  if (dir === undefined) {
    dir = directionOf(lang);
    if (directions.size < 10_000) directions.set(lang, dir);
  }
  return dir;
}

const directions = new Map<string, 'ltr' | 'rtl'>();

function directionOf(lang: string): 'ltr' | 'rtl' {
  const parts = lang.toLowerCase().split(/[-_]/);
  const script = parts.find((p, i) => i > 0 && p.length === 4);
  if (script) return RTL_SCRIPTS.has(script) ? 'rtl' : 'ltr';
  return RTL_LANGUAGES.has(parts[0]!) ? 'rtl' : 'ltr';
}
