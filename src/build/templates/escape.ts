/** Escaping for text and attribute values in HTML and XML. Every template value goes through it. */
const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

const NEEDS_WORK = /[&<>"'\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

export function esc(value: string | number | undefined): string {
  const text = String(value ?? '');
  // Most values (dates, URLs, plain titles) need nothing: skip the two replaces.
  if (!NEEDS_WORK.test(text)) return text;
  return stripInvalidXmlChars(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * Removes what XML 1.0 forbids (C0 controls but tab/newline/CR, lone surrogates, U+FFFE/F):
 * a feed with one of them is not well-formed, whatever its escaping.
 */
export function stripInvalidXmlChars(text: string): string {
  // Nearly every text has none: two plain scans (isWellFormed finds lone surrogates) instead of a
  // replace with look-arounds over every feed's full text.
  if ((text as string & { isWellFormed(): boolean }).isWellFormed() && !CONTROL_OR_NONCHARACTER.test(text)) return text;
  return text.replace(INVALID_XML_CHARS, '');
}

// eslint-disable-next-line no-control-regex
const CONTROL_OR_NONCHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The relative path from a bundle file to the bundle's root: "" or "../../". */
export function rootOf(url: string): string {
  return '../'.repeat(url.split('/').length - 1);
}

/** A link from the page at `from` to the bundle file `to` (both relative to the root). */
export function rel(from: string, to: string): string {
  return rootOf(from) + to;
}
