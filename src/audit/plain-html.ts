/**
 * Pages and fragments in plain HTML read without parse5. The pages a build writes are plain:
 * lowercase tags, double-quoted attributes, every element closed where it was opened, nothing
 * of what makes the HTML standard's tree builder move, add or drop elements. For such input the
 * standard's algorithm builds one element per start tag, in the order of the tags, so the
 * audit's flat list of elements (names, attributes, whether in <head>) can be read off the tags
 * with a few regular expressions: a cold parse5 costs 5-15 ms per page, most of a rebuild's audit.
 *
 * Anything outside that form returns undefined and the caller parses with parse5, so this only
 * decides how fast a page is read, never what is found. What it accepts (checked token by token,
 * with the parser's state kept as the open elements):
 * - no NUL and no CR anywhere (the preprocessor would change them), no "<" that does not start
 *   one of the tags below, no comment, no "<!" or "<?" but the leading `<!DOCTYPE html>`;
 * - a page is `<!DOCTYPE html>`, `<html …>`, `<head …>`, then only meta, link, base, title and
 *   style, `</head>`, `<body …>`, body content, `</body>`, `</html>`, with only whitespace
 *   between those (so no element is implied and none moves between head and body);
 * - tags: `<name attr="value" attr …>` with lowercase names, lowercase attribute names, values
 *   double-quoted, no attribute twice, `/>` only on void elements; end tags `</name>`;
 * - attribute values: no control or C1 character, surrogate or noncharacter, and "&" only as
 *   &amp; &lt; &gt; &quot; &apos; or a numeric reference to a plain character, with its ";";
 * - body elements from a list whose start tag the standard's "in body" rules only insert, under
 *   the conditions that keep it so: no element that closes a <p> while one is open, no heading
 *   right inside a heading, li only right inside ul/ol, dd/dt only inside dl, no formatting
 *   element (a, b, em, …) inside one of its own name (so the adoption agency and the "Noah's ark"
 *   clause never act, and every active formatting element is open: reconstruction does nothing);
 * - tables whose parts are all written out: table, then thead/tbody/tfoot, tr, td/th, with only
 *   whitespace between them outside the cells (a cell holds body content);
 * - every end tag closes the element opened last (so no end tag is ignored, implies an element
 *   or pops more than its own);
 * - title and style text up to the first `</title>` / `</style>` (any case), which must be just that.
 *
 * test/audit/plain-html.test.ts compares the documents with parse5's on the pages a build writes,
 * every hostile fixture and generated documents made of the pieces these conditions are about.
 */
import { cssReferences, cssWhere } from './css.ts';
import { addElementReferences } from './references.ts';
import type { AuditAttribute, AuditDocument, AuditElement } from './types.ts';

/** Elements whose start tag closes an open <p> ("in body": address, div, …, pre, headings, hr). */
const CLOSES_P = new Set([
  'address', 'article', 'aside', 'blockquote', 'details', 'div', 'dl', 'figcaption', 'figure', 'footer', 'header', 'hgroup', 'main', 'menu',
  'nav', 'ol', 'p', 'section', 'summary', 'ul', 'pre', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'table',
]);
/** A table's own structure: what each of its parts may hold outside cells (whitespace apart). */
const TABLE_PARTS = new Map<string, ReadonlySet<string>>([
  ['table', new Set(['thead', 'tbody', 'tfoot'])],
  ['thead', new Set(['tr'])],
  ['tbody', new Set(['tr'])],
  ['tfoot', new Set(['tr'])],
  ['tr', new Set(['td', 'th'])],
]);
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
/** Formatting elements (kept in the list of active formatting elements). */
const FORMATTING = new Set(['a', 'b', 'big', 'code', 'em', 'font', 'i', 's', 'small', 'strike', 'strong', 'tt', 'u']);
/** Elements the "in body" rules handle as "any other start tag" (parse5: no tag ID of its own, or one only foreign content looks at). */
const ORDINARY = new Set(['abbr', 'bdi', 'bdo', 'cite', 'data', 'del', 'dfn', 'ins', 'kbd', 'mark', 'q', 'samp', 'span', 'sub', 'sup', 'time', 'var']);
/** Void elements allowed in body ("in body": reconstruct, insert, pop). hr is in CLOSES_P too. */
const VOID_BODY = new Set(['br', 'img', 'wbr', 'hr']);
/** Allowed in head: void ones, and those whose text runs to their end tag. */
const VOID_HEAD = new Set(['meta', 'link', 'base']);
const TEXT_HEAD = new Set(['title', 'style']);

/** A start tag: name, attributes (with the whitespace before each), "/" of a self-closing tag. */
const START_TAG = /<([a-z][a-z0-9]*)((?:[\t\n\f ]+[a-z_:][a-z0-9_:.-]*(?:="[^"]*")?)*)[\t\n\f ]*(\/?)>/y;
const ATTRIBUTE = /[\t\n\f ]+([a-z_:][a-z0-9_:.-]*)(?:="([^"]*)")?/g;
const END_TAG = /<\/([a-z][a-z0-9]*)>/y;
const DOCTYPE = /<!DOCTYPE html>/iy;
const NOT_WHITESPACE = /[^\t\n\f ]/;
/** Characters a value may not hold as they are: controls but tab and LF, C1, surrogates, noncharacters. */
const ODD_IN_VALUE = /[\0-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]/;
const REFERENCE = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));/y;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** An attribute value as the tokenizer decodes it; undefined when it is not plain. */
function decodeValue(raw: string): string | undefined {
  if (ODD_IN_VALUE.test(raw)) return undefined;
  let amp = raw.indexOf('&');
  if (amp === -1) return raw;
  let out = '';
  let at = 0;
  while (amp !== -1) {
    REFERENCE.lastIndex = amp;
    const m = REFERENCE.exec(raw);
    if (!m) return undefined;
    let char: string;
    if (m[1] !== undefined) char = NAMED[m[1]]!;
    else {
      const cp = m[2] !== undefined ? Number(m[2]) : parseInt(m[3]!, 16);
      // Only code points the tokenizer takes as they are (no replacement, no windows-1252 remap).
      const plain = (cp >= 0x20 && cp < 0x7f) || (cp >= 0xa0 && cp < 0xd800) || (cp >= 0xe000 && cp < 0xfdd0) || (cp > 0xfdef && cp < 0xfffe) || (cp >= 0x10000 && cp <= 0x10ffff && (cp & 0xfffe) !== 0xfffe);
      if (!plain) return undefined;
      char = String.fromCodePoint(cp);
    }
    out += raw.slice(at, amp) + char;
    at = REFERENCE.lastIndex;
    amp = raw.indexOf('&', at);
  }
  return out + raw.slice(at);
}

/** The attributes of a start tag as the tokenizer gives them; undefined when not plain (or one is repeated). */
function attributesOf(source: string): Array<[string, string]> | undefined {
  const attrs: Array<[string, string]> = [];
  if (source === '') return attrs;
  ATTRIBUTE.lastIndex = 0;
  for (let m = ATTRIBUTE.exec(source); m; m = ATTRIBUTE.exec(source)) {
    const name = m[1]!;
    for (const [n] of attrs) if (n === name) return undefined;
    const value = m[2] === undefined ? '' : decodeValue(m[2]);
    if (value === undefined) return undefined;
    attrs.push([name, value]);
  }
  return attrs;
}

/** Where the text of a title or style element ends: its end tag, which must be exactly `</name>`. */
function textEnd(html: string, from: number, name: string): number | undefined {
  const close = `</${name}`;
  // Any case: the tokenizer lowercases an end tag's name before comparing it.
  const i = indexOfInsensitive(html, close, from);
  if (i === -1) return undefined;
  return html.charCodeAt(i + close.length) === 0x3e /* > */ ? i : undefined;
}

function indexOfInsensitive(html: string, needle: string, from: number): number {
  // The needle is lowercase ASCII; look for "</" and compare the letters after it.
  for (let i = html.indexOf('</', from); i !== -1; i = html.indexOf('</', i + 2)) {
    if (html.slice(i, i + needle.length).toLowerCase() === needle) return i;
  }
  return -1;
}

/** Whether plain HTML is read without parse5 (tests turn it off for the reference read), and how often it was. */
export const plainHtml = { enabled: true, read: 0, declined: 0 };

/**
 * The AuditDocument htmlDocument gives without line numbers, read from plain HTML (see above);
 * undefined when the HTML is not plain.
 */
export function plainHtmlDocument(html: string, options: { file: string; kind: 'page' | 'fragment'; base: string | null; firstLine?: number }): AuditDocument | undefined {
  if (!plainHtml.enabled) return undefined;
  const doc = readPlain(html, options);
  if (doc) plainHtml.read++;
  else plainHtml.declined++;
  return doc;
}

function readPlain(html: string, options: { file: string; kind: 'page' | 'fragment'; base: string | null; firstLine?: number }): AuditDocument | undefined {
  if (html.indexOf('\0') !== -1 || html.indexOf('\r') !== -1) return undefined;
  const page = options.kind === 'page';
  const doc: AuditDocument = { file: options.file, kind: options.kind, elements: [], references: [], css: [], processingInstructions: [], syntaxErrors: [] };
  const cssLine = options.firstLine ?? 1;
  // The open elements (below the body, or the fragment's root), and how many of them are <p>.
  const open: string[] = [];
  let openP = 0;
  // Where a page is: 0 before <html>, 1 before <head>, 2 in head, 3 after head, 4 in body, 5 after body, 6 after html.
  let phase = page ? 0 : 4;
  let at = 0;
  if (page) {
    DOCTYPE.lastIndex = 0;
    if (!DOCTYPE.test(html)) return undefined;
    at = DOCTYPE.lastIndex;
  }
  const add = (name: string, attrs: Array<[string, string]>, inHead: boolean, styleText?: string) => {
    const el: AuditElement = {
      name,
      namespace: 'html',
      attrs: attrs.map(([n, value]): AuditAttribute => ({ name: n, local: n.includes(':') ? n.slice(n.lastIndexOf(':') + 1) : n, value, line: undefined })),
      line: undefined,
      inHead,
    };
    doc.elements.push(el);
    addElementReferences(el, options.base, doc.references, doc.css);
    if (styleText !== undefined) {
      for (const c of cssReferences(styleText, cssLine)) {
        doc.css.push(c);
        if (c.kind !== 'expression' && c.kind !== 'binding') doc.references.push({ url: c.url, use: 'load', where: `${cssWhere(c.kind)} in <style>`, line: c.line, element: el, base: options.base });
      }
    }
  };
  while (at < html.length) {
    const lt = html.indexOf('<', at);
    const textEndAt = lt === -1 ? html.length : lt;
    // Text: anything in body but between a table's parts; elsewhere only whitespace (anything
    // else implies elements, or is moved out of the table).
    if (textEndAt > at && (phase !== 4 || (open.length > 0 && TABLE_PARTS.has(open[open.length - 1]!))) && NOT_WHITESPACE.test(html.slice(at, textEndAt))) return undefined;
    if (lt === -1) break;
    at = lt;
    if (html.charCodeAt(lt + 1) === 0x2f /* / */) {
      END_TAG.lastIndex = lt;
      const m = END_TAG.exec(html);
      if (!m) return undefined;
      at = END_TAG.lastIndex;
      const name = m[1]!;
      if (phase === 4 && open.length > 0) {
        if (open[open.length - 1] !== name) return undefined;
        open.pop();
        if (name === 'p') openP--;
      } else if (phase === 2 && name === 'head') phase = 3;
      else if (phase === 4 && page && name === 'body') phase = 5;
      else if (phase === 5 && name === 'html') phase = 6;
      else return undefined;
      continue;
    }
    START_TAG.lastIndex = lt;
    const m = START_TAG.exec(html);
    if (!m) return undefined;
    at = START_TAG.lastIndex;
    const name = m[1]!;
    const attrs = attributesOf(m[2]!);
    if (attrs === undefined) return undefined;
    const selfClosing = m[3] === '/';
    if (phase === 0 || phase === 1 || phase === 3) {
      const expected = phase === 0 ? 'html' : phase === 1 ? 'head' : 'body';
      if (name !== expected || selfClosing) return undefined;
      add(name, attrs, name === 'head');
      phase++;
      continue;
    }
    if (phase === 2) {
      if (VOID_HEAD.has(name)) {
        add(name, attrs, true);
        continue;
      }
      if (!TEXT_HEAD.has(name) || selfClosing) return undefined;
      const end = textEnd(html, at, name);
      if (end === undefined) return undefined;
      add(name, attrs, true, name === 'style' ? html.slice(at, end) : undefined);
      at = end + name.length + 3;
      continue;
    }
    if (phase !== 4) return undefined;
    // In body.
    const top = open.length > 0 ? open[open.length - 1]! : undefined;
    // In a table outside its cells: only its next part (anything else is moved out of the table,
    // or implies parts: a <tr> right in a <table> gets a <tbody>).
    const parts = top === undefined ? undefined : TABLE_PARTS.get(top);
    if (parts) {
      if (!parts.has(name) || selfClosing) return undefined;
      add(name, attrs, false);
      open.push(name);
      continue;
    }
    if (VOID_BODY.has(name)) {
      if (name === 'hr' && openP > 0) return undefined;
      add(name, attrs, false);
      continue;
    }
    if (selfClosing) return undefined;
    if (CLOSES_P.has(name)) {
      if (openP > 0) return undefined;
      if (HEADINGS.has(name) && top !== undefined && HEADINGS.has(top)) return undefined;
      if (name === 'p') openP++;
    } else if (name === 'li') {
      if (openP > 0 || (top !== 'ul' && top !== 'ol')) return undefined;
    } else if (name === 'dd' || name === 'dt') {
      if (openP > 0 || top !== 'dl') return undefined;
    } else if (FORMATTING.has(name)) {
      if (open.includes(name)) return undefined;
    } else if (!ORDINARY.has(name)) {
      return undefined;
    }
    add(name, attrs, false);
    open.push(name);
  }
  // A page ends after </html>; a fragment may leave elements open (they end with it).
  return page && phase !== 6 ? undefined : doc;
}
