// JSON files (feed.json, mirrors.json): every string field whose name ends in "_html" (JSON
// Feed's content_html) is HTML a reader will display, audited like any page fragment.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { htmlDocument } from './html.ts';
import { classifyUrl, folderOf, resolveRelative } from './url.ts';
import type { AuditDocument } from './types.ts';

/** The folder an item's relative `url` is in: JSON Feed readers resolve content against it. */
function itemBase(feedFolder: string, url: unknown): string {
  if (typeof url !== 'string' || classifyUrl(url).form !== 'relative') return feedFolder;
  const r = resolveRelative(feedFolder, url);
  if (!r.ok || r.target === null) return feedFolder;
  return r.target.endsWith('/') ? r.target.replace(/\/+$/, '') : folderOf(r.target);
}

export function jsonDocuments(text: string, file: string, options: { locations?: boolean } = {}): AuditDocument[] {
  const doc: AuditDocument = { file, kind: 'xml', elements: [], references: [], css: [], processingInstructions: [], syntaxErrors: [] };
  try {
    JSON.parse(text);
  } catch (err) {
    doc.syntaxErrors.push({ message: `not valid JSON: ${(err as Error).message}` });
    return [doc];
  }
  // Only files that carry HTML need positions; the yaml parser reads JSON with line numbers.
  if (!text.includes('_html"')) return [doc];
  const lineCounter = new LineCounter();
  const parsed = parseDocument(text, { lineCounter, uniqueKeys: false });
  const fragments: AuditDocument[] = [];
  const feedFolder = folderOf(file);
  const walk = (node: YamlNode | null | undefined, base: string) => {
    if (isMap(node)) {
      const urlItem = node.items.find((p) => isScalar(p.key) && p.key.value === 'url');
      const here = urlItem && isScalar(urlItem.value) ? itemBase(feedFolder, urlItem.value.value) : base;
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '';
        if (key.endsWith('_html') && isScalar(pair.value) && typeof pair.value.value === 'string') {
          const line = pair.value.range ? lineCounter.linePos(pair.value.range[0]).line : undefined;
          const fragment = htmlDocument(pair.value.value, { file, kind: 'fragment', base: here, locations: false });
          // The HTML sits on one line of the JSON file whatever its own "\n" escapes say.
          for (const item of [...fragment.elements, ...fragment.references, ...fragment.css]) item.line = line;
          for (const el of fragment.elements) for (const a of el.attrs) a.line = line;
          fragments.push(fragment);
        } else {
          walk(pair.value as YamlNode, here);
        }
      }
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item as YamlNode, base);
    }
  };
  walk(parsed.contents as YamlNode, feedFolder);
  return [doc, ...fragments];
}
