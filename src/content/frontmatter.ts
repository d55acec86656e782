import { LineCounter, parseDocument, isMap, type Document } from 'yaml';
import { loadPlainYaml } from './fast-yaml.ts';
import { CLOSE, OPEN, splitFences } from './fences.ts';

export { splitFences } from './fences.ts';

export interface FrontMatter {
  /** The parsed YAML document (undefined when the file has no front matter). */
  doc?: Document;
  lineCounter: LineCounter;
  /** Line of the YAML's first line in the file (the line after "---"). */
  yamlLine: number;
  body: string;
  bodyLine: number;
}

/** Splits "---\nyaml\n---\nbody" and parses the YAML with line numbers. */
export function splitFrontMatter(text: string): FrontMatter {
  const lineCounter = new LineCounter();
  const { yamlText, body, bodyLine } = splitFences(text);
  if (yamlText === undefined) return { lineCounter, yamlLine: 1, body, bodyLine };
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false, uniqueKeys: true });
  return { doc, lineCounter, yamlLine: 2, body, bodyLine };
}

/** Front matter read the fast way (./fast-yaml.ts): its top-level map, without line numbers. */
export interface PlainFrontMatter {
  data: Record<string, unknown>;
  yamlLine: number;
  body: string;
  bodyLine: number;
}

/**
 * The front matter by the fast reading, or undefined when there is none, it is never closed, or
 * the fast reading declines: splitFrontMatter then has the last word.
 */
export function readPlainFrontMatter(text: string): PlainFrontMatter | undefined {
  const { yamlText, body, bodyLine, closed } = splitFences(text);
  if (yamlText === undefined || !closed) return undefined;
  const data = loadPlainYaml(yamlText);
  return data && { data, yamlLine: 2, body, bodyLine };
}

/** 1-based file line of a front matter key's value, when it is there. */
export function fieldLine(fm: FrontMatter, key: string): number | undefined {
  if (!fm.doc || !isMap(fm.doc.contents)) return undefined;
  const pair = fm.doc.contents.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
  const node = (pair?.value ?? pair?.key) as { range?: [number, number, number] } | null | undefined;
  if (!node?.range) return undefined;
  return fm.lineCounter.linePos(node.range[0]).line + fm.yamlLine - 1;
}

/** Whether the front matter was closed by a "---" line (an unclosed one swallows the article). */
export function hasClosingFence(text: string): boolean {
  return OPEN.test(text) && CLOSE.test(text.replace(OPEN, ''));
}
