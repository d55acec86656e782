// The URLs of a srcset attribute, following the HTML standard's "parse a srcset attribute"
// steps (a URL is a run of non-whitespace; descriptors run to the next comma outside parentheses).

export function srcsetUrls(value: string): string[] {
  const urls: string[] = [];
  const n = value.length;
  let i = 0;
  const isSpace = (c: string | undefined) => c !== undefined && /[\t\n\f\r ]/.test(c);
  while (i < n) {
    while (i < n && (isSpace(value[i]) || value[i] === ',')) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isSpace(value[i])) i++;
    let url = value.slice(start, i);
    if (url.endsWith(',')) {
      url = url.replace(/,+$/, '');
    } else {
      // Skip the descriptors, up to a comma outside parentheses.
      let depth = 0;
      while (i < n) {
        const c = value[i]!;
        if (c === '(') depth++;
        else if (c === ')') depth = Math.max(0, depth - 1);
        else if (c === ',' && depth === 0) break;
        i++;
      }
    }
    if (url !== '') urls.push(url);
  }
  return urls;
}
