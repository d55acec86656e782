/**
 * A feed audited piece by piece, so that a rebuild does not parse again the entries it audited
 * last time. A rebuild after one new article writes every feed again (a new entry at the top,
 * the oldest one gone), but the other forty-nine entries are the very same text as before.
 *
 * The feed's text is cut into its entries (each `<entry …>…</entry>` or `<item …>…</item>`,
 * found as text) and the rest, its skeleton, in which every run of entries (entries with only
 * white space between them: all of a feed's, as samizdat writes them) is replaced by one empty
 * placeholder element with a name no feed can hold (a random one per process). Then:
 *
 *   1. The skeleton is parsed and audited as the file itself. Each placeholder must show up as an
 *      empty element, in order, inside at least one other element whose text the audit does not
 *      read as carried HTML or a URL: this proves that the parser reaches each cut in the content
 *      of an element (not in a comment, attribute, CDATA section or processing instruction), and
 *      tells which elements enclose it (its context). (Text is collected only for such elements,
 *      so no text on either side of the cut is read together with the entry's.) A feed with a
 *      DOCTYPE (which could define entities) is not cut at all.
 *      The white space between the entries of a run is left out of that parse: it is character
 *      data, valid wherever an element is, and read by no rule outside a capture.
 *   2. Each entry is audited inside its context: the file's folder (what relative URLs resolve
 *      against), the XML declaration's version, the start tags of the enclosing elements as
 *      saxes read them (same names, same attributes, so the same namespaces and xml:base), the
 *      entry, the end tags. An entry that begins with "<", ends with ">" and parses there
 *      without error is valid element content, so putting it where its placeholder was gives a
 *      well-formed feed whose elements, references and carried HTML are the skeleton's plus the
 *      entry's, with the same namespaces and bases: XML's grammar and its well-formedness
 *      constraints are local to an element, given its ancestors.
 *   3. The rules on a feed (kind "xml" and "fragment": no page-level rules) judge element by
 *      element, reference by reference, so the feed is clean exactly when the skeleton and every
 *      entry in its context are. An entry found clean is kept in the fragment memo by the hash of
 *      its context and text, with the questions it asked about the bundle; next time it is not
 *      parsed, and its questions are asked again (through the file's recording view).
 *
 * A JSON Feed is cut the same way into its items (spliceJsonClean, below), with a string as the
 * placeholder; there JSON's grammar, which has no context at all, makes the argument simpler.
 *
 * Anything unexpected (no entries, a placeholder not met as an empty element, an entry that is
 * not clean) gives up, and the feed is read whole as before. Only the quick read (no line
 * numbers) takes this path: a feed with findings is read again whole, with line numbers.
 * test/audit/feed-splice.test.ts compares the verdicts with the whole read on hostile feeds.
 */
import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type { SaxesTagNS } from 'saxes';
import { recordingView } from './cache.ts';
import { folderOf } from './url.ts';
import { FragmentMemo } from './fragments.ts';
import { runRules } from './run-rules.ts';
import { xmlDocuments, type PlaceholderSightings } from './xml.ts';
import { jsonDocuments, jsonValueDocuments, type Json, type JsonPlaceholders } from './json.ts';
import type { AuditDocument, AuditRule, BundleView } from './types.ts';

/** The elements a feed is cut into: Atom entries, RSS items. */
const ENTRY_NAMES = ['entry', 'item'];
/** Below this many entries a feed is read whole (nothing much to save). */
const MIN_ENTRIES = 2;

/**
 * A name no feed holds: "z", 64 random bits as 11 letters and digits, and "-" (the entry's number
 * follows), new in every process. Short, because saxes reads a name one character at a time and a
 * skeleton holds one per entry: with the 30-character name it had before, a rebuild's six feed
 * skeletons took 2-3 ms longer to read.
 */
export const PLACEHOLDER = `z${base62(randomBytes(8))}-`;

/** 8 bytes as 11 digits of base 62 (62^11 > 2^64: every value its own name). */
function base62(bytes: Buffer): string {
  const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let n = bytes.readBigUInt64BE(0);
  let out = '';
  for (let i = 0; i < 11; i++) {
    out += digits[Number(n % 62n)];
    n /= 62n;
  }
  return out;
}

/**
 * A feed's content as decoded text or as its UTF-8 bytes (valid, without a byte order mark): a
 * rebuild cuts the bytes it read and decodes only the skeleton and the entries it must parse.
 * Positions are in code units of the one or the other; cuts fall next to ASCII "<", ">", "{",
 * "}" and quotes, where both agree on the text. An entry's key hashes its UTF-8 bytes either way.
 */
export interface FeedSource {
  readonly length: number;
  indexOf(s: string, from: number): number;
  /** The code unit (or byte) at i; only compared with ASCII. */
  codeAt(i: number): number;
  text(start: number, end: number): string;
  utf8(start: number, end: number): string | Uint8Array;
}

export function textSource(text: string): FeedSource {
  return {
    length: text.length,
    indexOf: (s, from) => text.indexOf(s, from),
    codeAt: (i) => text.charCodeAt(i),
    text: (start, end) => text.slice(start, end),
    // Hashed as UTF-8 by the hash itself: text that reaches here has no lone surrogate.
    utf8: (start, end) => text.slice(start, end),
  };
}

/** The bytes of a feed, when they are valid UTF-8 without a byte order mark; else undefined. */
export function bytesSource(bytes: Buffer): FeedSource | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return undefined;
  if (!isUtf8(bytes)) return undefined;
  return {
    length: bytes.length,
    indexOf: (s, from) => bytes.indexOf(s, from, 'utf8'),
    codeAt: (i) => bytes[i] ?? Number.NaN,
    text: (start, end) => bytes.toString('utf8', start, end),
    utf8: (start, end) => bytes.subarray(start, end),
  };
}

/** Counts for tests: entries replayed from the memo, entries parsed, feeds read whole instead, placeholders cut (one per run of entries). */
export const spliceStats = { replayed: 0, parsed: 0, gaveUp: 0, cuts: 0 };

/** Where the entries of a feed lie: [start, end) of each, in order; undefined when there are too few. */
export function findEntries(content: string | FeedSource): Array<[number, number]> | undefined {
  const text = typeof content === 'string' ? textSource(content) : content;
  for (const name of ENTRY_NAMES) {
    const open = `<${name}`;
    const close = `</${name}>`;
    const found: Array<[number, number]> = [];
    for (let at = text.indexOf(open, 0); at !== -1; at = text.indexOf(open, at)) {
      const next = text.codeAt(at + open.length);
      // "<entry>", "<entry …", "<entry/>": not "<entryX".
      if (next !== 0x3e && next !== 0x20 && next !== 0x09 && next !== 0x0a && next !== 0x0d && next !== 0x2f) {
        at += open.length;
        continue;
      }
      const end = text.indexOf(close, at);
      if (end === -1) break;
      found.push([at, end + close.length]);
      at = end + close.length;
    }
    if (found.length >= MIN_ENTRIES) return found;
  }
  return undefined;
}

const escapeAttribute = (value: string) =>
  value.replace(/[&<"\u0000-\u001f]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '"' ? '&quot;' : `&#${c.charCodeAt(0)};`));

/** The start tags of the enclosing elements, as saxes read them, and the end tags. */
function contextOf(version: string, ancestors: readonly SaxesTagNS[]): { open: string; close: string } {
  let open = `<?xml version="${version}"?>`;
  let close = '';
  for (const tag of ancestors) {
    open += `<${tag.name}`;
    for (const a of Object.values(tag.attributes)) open += ` ${a.name}="${escapeAttribute(a.value)}"`;
    open += '>';
    close = `</${tag.name}>${close}`;
  }
  return { open, close };
}

/** Whether two lists of ancestors hold the same tag objects, in the same order. */
function sameTags(a: readonly SaxesTagNS[], b: readonly SaxesTagNS[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The quick read of an XML feed cut into entries (see above), asking every question through
 * `bundle` (the file's recording view). true: the feed is clean. false: the skeleton has a
 * finding (the feed is read again with line numbers). undefined: not cut (read it whole).
 */
export function spliceClean(content: string | FeedSource, file: string, rules: AuditRule[], bundle: BundleView, memo: FragmentMemo, invalidUtf8: boolean): boolean | undefined {
  if (invalidUtf8) return undefined;
  const text = typeof content === 'string' ? textSource(content) : content;
  const entries = findEntries(text);
  if (!entries) return undefined;
  for (const [start, end] of entries) {
    // An entry must begin and end with markup for its boundaries to be the placeholder's (see above);
    // findEntries cuts them so, checked here again because the proof rests on it.
    if (text.codeAt(start) !== 0x3c || text.codeAt(end - 1) !== 0x3e) return giveUp();
  }
  // Entries side by side with only white space between them are cut out as one run, for one
  // placeholder (a feed's fifty entries: one name for saxes to read, not fifty). White space is
  // character data that is valid content anywhere an element is, and the placeholder's parent
  // reads no text (it is not in a capture, checked below), so the run is valid content exactly
  // when each of its entries is, in the context the placeholder was met in.
  const runs: Array<[first: number, last: number]> = [];
  for (let i = 0; i < entries.length; i++) {
    const run = runs[runs.length - 1];
    if (run !== undefined && onlyXmlSpace(text, entries[i - 1]![1], entries[i]![0])) run[1] = i;
    else runs.push([i, i]);
  }
  let skeleton = '';
  let at = 0;
  runs.forEach(([first, last], r) => {
    skeleton += `${text.text(at, entries[first]![0])}<${PLACEHOLDER}${r}/>`;
    at = entries[last]![1];
  });
  skeleton += text.text(at, text.length);
  spliceStats.cuts += runs.length;

  const sightings: PlaceholderSightings = { prefix: PLACEHOLDER, seen: [] };
  const keys = new Map<AuditDocument, string>();
  const docs = xmlDocuments(skeleton, file, { locations: false, fragments: memo.hook(bundle, keys), placeholders: sightings });
  const seen = sightings.seen;
  if (docs[0]!.doctype !== undefined || seen.length !== runs.length) return giveUp();
  for (let r = 0; r < seen.length; r++) {
    const s = seen[r]!;
    // Inside carried HTML or a URL, the text around the cut and the entry's own text would be
    // read as one: not cut there.
    if (s.name !== `${PLACEHOLDER}${r}` || !s.empty || s.inCapture || s.ancestors.length === 0) return giveUp();
  }
  if (!cleanDocuments(docs, keys, rules, bundle, memo)) return false;

  const version = sightings.version ?? '1.0';
  // Entries side by side have the very same ancestors (the same tag objects): their context is
  // written once, not fifty times.
  let last: { ancestors: readonly SaxesTagNS[]; context: { open: string; close: string }; prefix: string } | undefined;
  let r = 0;
  for (let i = 0; i < entries.length; i++) {
    const [start, end] = entries[i]!;
    if (i > runs[r]![1]) r++;
    const ancestors = seen[r]!.ancestors;
    if (last === undefined || !sameTags(last.ancestors, ancestors)) {
      const context = contextOf(version, ancestors);
      // The file's folder too: relative URLs resolve against it where no xml:base says otherwise.
      last = { ancestors, context, prefix: `${JSON.stringify(folderOf(file))}\n${context.open}` };
    }
    const context = last.context;
    const key = FragmentMemo.segmentKey(last.prefix, text.utf8(start, end));
    if (memo.knownClean(key, bundle)) {
      spliceStats.replayed++;
      continue;
    }
    spliceStats.parsed++;
    // Its questions are the file's too: asked through the file's view, recorded for the memo.
    const rec = recordingView(bundle);
    const entryKeys = new Map<AuditDocument, string>();
    const entryDocs = xmlDocuments(context.open + text.text(start, end) + context.close, file, { locations: false, fragments: memo.hook(rec.view, entryKeys) });
    // Not clean in its context: the whole feed is read as before, which reports what is wrong.
    if (!cleanDocuments(entryDocs, entryKeys, rules, rec.view, memo)) return giveUp();
    memo.rememberSegment(key, rec.queries());
  }
  return true;
}

/**
 * Where the items of a JSON Feed lie, as JSON.stringify writes them with indentation: each from
 * a "{" that starts a line to the "}" that starts a line at the same indentation (a JSON string
 * cannot hold a line break, so every line break is between tokens). Undefined when there are
 * too few. Only a guess: spliceJsonClean checks what it cut.
 */
export function findJsonItems(content: string | FeedSource): Array<[number, number]> | undefined {
  const text = typeof content === 'string' ? textSource(content) : content;
  // '"items"', white space, ":", white space, "[", white space ending with a line break and the
  // indentation of the first item's "{".
  const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
  for (let at = text.indexOf('"items"', 0); at !== -1; at = text.indexOf('"items"', at + 7)) {
    let i = at + 7;
    while (isSpace(text.codeAt(i))) i++;
    if (text.codeAt(i++) !== 0x3a) continue;
    while (isSpace(text.codeAt(i))) i++;
    if (text.codeAt(i++) !== 0x5b) continue;
    let lineStart = -1;
    while (isSpace(text.codeAt(i))) {
      if (text.codeAt(i) === 0x0a) lineStart = i + 1;
      i++;
    }
    if (lineStart === -1 || text.codeAt(i) !== 0x7b) continue;
    let indent = '';
    for (let j = lineStart; j < i; j++) {
      const c = text.codeAt(j);
      if (c !== 0x20 && c !== 0x09) return undefined;
      indent += String.fromCharCode(c);
    }
    const open = `\n${indent}{`;
    const close = `\n${indent}}`;
    const found: Array<[number, number]> = [];
    for (let from = lineStart - 1; from !== -1; from = text.indexOf(open, from)) {
      const end = text.indexOf(close, from);
      if (end === -1) break;
      found.push([from + open.length - 1, end + close.length]);
      from = end + close.length;
    }
    return found.length >= MIN_ENTRIES ? found : undefined;
  }
  return undefined;
}

/**
 * The quick read of a JSON Feed cut into its items, as spliceClean does for XML. Each item is
 * replaced in the skeleton by a string holding a name no feed holds; the skeleton must parse, and
 * each such string must be met once, in order, as an element of an array: it was then read as a
 * whole string token, so the item's text there is read as the value it is alone (JSON's grammar
 * has no context), and that value is read against the folder the placeholder was read against.
 */
export function spliceJsonClean(content: string | FeedSource, file: string, rules: AuditRule[], bundle: BundleView, memo: FragmentMemo, invalidUtf8: boolean): boolean | undefined {
  if (invalidUtf8) return undefined;
  const text = typeof content === 'string' ? textSource(content) : content;
  const items = findJsonItems(text);
  if (!items) return undefined;
  let skeleton = '';
  let at = 0;
  items.forEach(([start, end], i) => {
    skeleton += `${text.text(at, start)}"${PLACEHOLDER}${i}"`;
    at = end;
  });
  skeleton += text.text(at, text.length);

  const placeholders: JsonPlaceholders = { prefix: PLACEHOLDER, seen: [] };
  const keys = new Map<AuditDocument, string>();
  const docs = jsonDocuments(skeleton, file, { locations: false, fragments: memo.hook(bundle, keys), placeholders });
  const seen = placeholders.seen;
  if (docs[0]!.syntaxErrors.length > 0 || seen.length !== items.length) return giveUp();
  for (let i = 0; i < seen.length; i++) {
    if (seen[i]!.name !== `${PLACEHOLDER}${i}` || !seen[i]!.inArray) return giveUp();
  }
  if (!cleanDocuments(docs, keys, rules, bundle, memo)) return false;

  for (let i = 0; i < items.length; i++) {
    const [start, end] = items[i]!;
    const base = seen[i]!.base;
    // The feed's folder too: an item's url is resolved against it.
    const key = FragmentMemo.segmentKey(`json\n${JSON.stringify(folderOf(file))}\n${JSON.stringify(base)}`, text.utf8(start, end));
    if (memo.knownClean(key, bundle)) {
      spliceStats.replayed++;
      continue;
    }
    spliceStats.parsed++;
    const item = text.text(start, end);
    let value: Json;
    try {
      value = JSON.parse(item) as Json;
    } catch {
      return giveUp();
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return giveUp();
    const rec = recordingView(bundle);
    const itemKeys = new Map<AuditDocument, string>();
    const doc: AuditDocument = { file, kind: 'xml', elements: [], references: [], css: [], processingInstructions: [], syntaxErrors: [] };
    const itemDocs = jsonValueDocuments(value, item, file, base, doc, { locations: false, fragments: memo.hook(rec.view, itemKeys) });
    if (!cleanDocuments(itemDocs, itemKeys, rules, rec.view, memo)) return giveUp();
    memo.rememberSegment(key, rec.queries());
  }
  return true;
}

/** Whether text[from, to) is only XML white space (space, tab, CR, LF): nothing else, and possibly nothing. */
function onlyXmlSpace(text: FeedSource, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.codeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}

function giveUp(): undefined {
  spliceStats.gaveUp++;
  return undefined;
}

/**
 * Runs the rules document by document; the HTML documents carried in the feed (those with a
 * memo key) are remembered as clean with their own questions. False at the first finding.
 */
export function cleanDocuments(docs: AuditDocument[], keys: ReadonlyMap<AuditDocument, string>, rules: AuditRule[], bundle: BundleView, memo: FragmentMemo): boolean {
  for (const doc of docs) {
    const key = keys.get(doc);
    if (key === undefined) {
      if (runRules([doc], rules, bundle).length > 0) return false;
      continue;
    }
    const rec = recordingView(bundle);
    if (runRules([doc], rules, rec.view).length > 0) return false;
    memo.remember(key, rec.queries());
  }
  return true;
}
