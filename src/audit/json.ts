// JSON files (feed.json, mirrors.json). Every string field whose name ends in "_html" (JSON
// Feed's content_html) is HTML a reader will display, audited like any page fragment; fields
// that JSON Feed defines as links (url, external_url, home_page_url, feed_url, next_url) and
// images (icon, favicon, image, banner_image, avatar) are URL references.
import { LineCounter, parseDocument } from 'yaml';
import { htmlDocument } from './html.ts';
import { classifyUrl, folderOf, resolveRelative } from './url.ts';
import type { FragmentHook } from './fragments.ts';
import type { AuditDocument, UrlUse } from './types.ts';

const LINK_KEYS = new Set(['url', 'external_url', 'home_page_url', 'feed_url', 'next_url']);
const IMAGE_KEYS = new Set(['icon', 'favicon', 'image', 'banner_image', 'avatar']);

/** The folder an item's relative `url` is in: JSON Feed readers resolve content against it. */
function itemBase(feedFolder: string, url: unknown): string {
  if (typeof url !== 'string' || classifyUrl(url).form !== 'relative') return feedFolder;
  const r = resolveRelative(feedFolder, url);
  if (!r.ok || r.target === null) return feedFolder;
  return r.target.endsWith('/') ? r.target.replace(/\/+$/, '') : folderOf(r.target);
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Where the placeholders of a JSON feed's skeleton (./feed-splice.ts) were met: each string that
 * starts with `prefix`, in the order met, with the folder the value there is read against, and
 * whether it was an element of an array (anywhere else it cannot stand for an item).
 */
export interface JsonPlaceholders {
  prefix: string;
  seen: Array<{ name: string; inArray: boolean; base: string }>;
}

export function jsonDocuments(
  text: string,
  file: string,
  options: { locations?: boolean; fragments?: FragmentHook; placeholders?: JsonPlaceholders } = {},
): AuditDocument[] {
  const doc: AuditDocument = { file, kind: 'xml', elements: [], references: [], css: [], processingInstructions: [], syntaxErrors: [] };
  let value: Json;
  try {
    value = JSON.parse(text) as Json;
  } catch (err) {
    doc.syntaxErrors.push({ message: `not valid JSON: ${(err as Error).message}` });
    return [doc];
  }
  return jsonValueDocuments(value, text, file, folderOf(file), doc, options);
}

/**
 * The documents of a parsed JSON value read against `base` (the feed's folder for a whole
 * file; for one item of a feed, the folder its place in the feed gives it).
 */
export function jsonValueDocuments(
  value: Json,
  text: string,
  file: string,
  base: string,
  doc: AuditDocument,
  options: { locations?: boolean; fragments?: FragmentHook; placeholders?: JsonPlaceholders },
): AuditDocument[] {
  const placeholders = options.placeholders;
  // Line numbers only when asked (the audit asks again only for a file with findings): the yaml
  // parser reads JSON with positions, at a cost.
  let lineOf: (path: (string | number)[]) => number | undefined = () => undefined;
  if (options.locations ?? true) {
    const lineCounter = new LineCounter();
    const parsed = parseDocument(text, { lineCounter, uniqueKeys: false });
    lineOf = (p) => {
      const node = parsed.getIn(p, true) as { range?: [number, number] } | undefined;
      return node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
    };
  }
  const fragments: AuditDocument[] = [];
  const feedFolder = folderOf(file);
  const walk = (node: Json, at: (string | number)[], base: string, inArray = false) => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, [...at, i], base, true));
      return;
    }
    if (placeholders && typeof node === 'string' && node.startsWith(placeholders.prefix)) {
      placeholders.seen.push({ name: node, inArray, base });
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const here = typeof node.url === 'string' ? itemBase(feedFolder, node.url) : base;
    for (const [key, item] of Object.entries(node)) {
      const where = [...at, key];
      // A placeholder as a key or a member's value is not where an item can be: seen, out of place.
      if (placeholders && key.startsWith(placeholders.prefix)) placeholders.seen.push({ name: key, inArray: false, base: here });
      if (placeholders && typeof item === 'string' && item.startsWith(placeholders.prefix)) {
        placeholders.seen.push({ name: item, inArray: false, base: here });
        continue;
      }
      if (typeof item !== 'string') {
        walk(item, where, here);
      } else if (key.endsWith('_html')) {
        if (options.fragments?.skip(item, here)) continue;
        const line = lineOf(where);
        const fragment = htmlDocument(item, { file, kind: 'fragment', base: here, locations: false });
        options.fragments?.parsed(fragment, item, here);
        // The HTML sits on one line of the JSON file whatever its own "\n" escapes say.
        for (const x of [...fragment.elements, ...fragment.references, ...fragment.css]) x.line = line;
        for (const el of fragment.elements) for (const a of el.attrs) a.line = line;
        fragments.push(fragment);
      } else if (LINK_KEYS.has(key) || IMAGE_KEYS.has(key)) {
        const use: UrlUse = LINK_KEYS.has(key) ? 'navigation' : 'other';
        doc.references.push({ url: item, use, where: `"${key}"`, line: lineOf(where), base: feedFolder });
      }
    }
  };
  walk(value, [], base);
  return [doc, ...fragments];
}
