// Every reference a stylesheet makes. postcss gives the structure and line numbers; values are
// read with a small tokenizer that follows CSS Syntax Level 3 for what matters here: comments,
// strings, escapes ("u\72l(" is "url("), functions, and unquoted url() tokens.
import { createHash } from 'node:crypto';
import postcss, { type AnyNode } from 'postcss';
import type { CssReference } from './types.ts';

/** Functions whose string arguments are URLs. */
const URL_FUNCTIONS = new Set(['url', 'url-import', 'src', 'image-set', '-webkit-image-set', 'image', 'cross-fade', '-webkit-cross-fade']);
/** Properties whose whole value attaches behaviour (old Firefox XBL, old IE HTC). */
const BINDING_PROPERTIES = new Set(['-moz-binding', 'behavior', '-ms-behavior']);

interface ScanHit {
  kind: string;
  url: string;
  /** 0-based line offset within the scanned text. */
  lineOffset: number;
}

/**
 * Scans CSS text (a value, a declaration list or a whole stylesheet) for url(), image-set()
 * strings, @import strings and expression(). Used on every value postcss finds, and on the
 * whole text when postcss cannot parse it (browsers recover from errors postcss refuses).
 */
export function scanCss(source: string): ScanHit[] {
  // Comments go first, newlines kept: old IE joined "expr/**/ession(" into one name, and no
  // browser reads anything inside a comment.
  const text = source.replace(/\/\*[\s\S]*?(?:\*\/|$)/g, (c) => c.replace(/[^\n]/g, ''));
  const hits: ScanHit[] = [];
  const stack: string[] = [];
  let line = 0;
  let i = 0;
  let importPending = false;
  const n = text.length;

  const isIdentChar = (c: string) => /[A-Za-z0-9_\-]/.test(c) || c.charCodeAt(0) > 0x7f;
  const isIdentStart = (c: string | undefined) => c !== undefined && (/[A-Za-z_\-]/.test(c) || c.charCodeAt(0) > 0x7f);
  const countLines = (s: string) => {
    for (const ch of s) if (ch === '\n' || ch === '\f') line++;
  };

  /** Reads an escape at text[i] === "\\"; returns the character and moves i past it. */
  const readEscape = (): string => {
    i++; // the backslash
    const hex = /^[0-9a-fA-F]{1,6}/.exec(text.slice(i, i + 6));
    if (hex) {
      i += hex[0].length;
      if (text[i] === '\r' && text[i + 1] === '\n') i += 2;
      else if (text[i] !== undefined && /[ \t\n\f\r]/.test(text[i]!)) i++;
      const cp = parseInt(hex[0], 16);
      return cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? '\ufffd' : String.fromCodePoint(cp);
    }
    const ch = text[i] ?? '';
    i++;
    if (ch === '\n') line++;
    return ch === '\n' ? '' : ch;
  };

  const readIdent = (): string => {
    let out = '';
    while (i < n) {
      const c = text[i]!;
      if (c === '\\' && text[i + 1] !== '\n' && text[i + 1] !== undefined) out += readEscape();
      else if (isIdentChar(c)) (out += c), i++;
      else break;
    }
    return out;
  };

  const readString = (quote: string): string => {
    i++;
    let out = '';
    while (i < n && text[i] !== quote) {
      const c = text[i]!;
      if (c === '\\') out += readEscape();
      else if (c === '\n') break; // a bad string ends at the newline
      else (out += c), i++;
    }
    i++;
    return out;
  };

  const push = (kind: string, url: string) => hits.push({ kind, url, lineOffset: line });

  while (i < n) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? n : end + 2;
      countLines(text.slice(i, stop));
      i = stop;
    } else if (c === '"' || c === "'") {
      const startLine = line;
      const value = readString(c);
      const top = stack[stack.length - 1];
      if (top !== undefined && URL_FUNCTIONS.has(top)) hits.push({ kind: top, url: value, lineOffset: startLine });
      else if (importPending && stack.length === 0) hits.push({ kind: 'import', url: value, lineOffset: startLine });
      importPending = false;
    } else if (c === '@') {
      i++;
      importPending = readIdent().toLowerCase() === 'import';
    } else if (isIdentStart(c) || (c === '\\' && text[i + 1] !== '\n')) {
      const name = readIdent().toLowerCase();
      if (text[i] !== '(') continue;
      i++;
      if (name === 'url') {
        while (i < n && /[ \t\n\r\f]/.test(text[i]!)) countLines(text[i++]!);
        if (text[i] === '"' || text[i] === "'") {
          stack.push(importPending && stack.length === 0 ? 'url-import' : 'url');
          importPending = false;
          continue;
        }
        let raw = '';
        while (i < n && text[i] !== ')') {
          if (text[i] === '\\') raw += readEscape();
          else raw += text[i++];
        }
        i++;
        push(importPending && stack.length === 0 ? 'import' : 'url', raw.trim());
        importPending = false;
      } else {
        if (name === 'expression') push('expression', '');
        stack.push(name);
      }
    } else if (c === '(') {
      stack.push('(');
      i++;
    } else if (c === ')') {
      stack.pop();
      i++;
    } else {
      if (c === '\n' || c === '\f') line++;
      if (c === ';' || c === '{') importPending = false;
      i++;
    }
  }
  // A string inside url("…") at the top of an @import is the import itself.
  return hits.map((h) => (h.kind === 'url-import' ? { ...h, kind: 'import' } : h));
}

/** Undoes CSS escapes in an identifier such as a property name ("beh\61vior"). */
function unescapeIdent(ident: string): string {
  return ident.replace(/\\([0-9a-fA-F]{1,6})[ \t\n\r\f]?|\\(.)/gs, (_, hex: string | undefined, ch: string | undefined) =>
    hex ? String.fromCodePoint(Math.min(parseInt(hex, 16), 0x10ffff)) : (ch ?? ''),
  );
}

/**
 * Every reference in a piece of CSS. `firstLine` is the line of the CSS's first character in
 * its file. A stylesheet postcss cannot parse is scanned whole, so nothing hides behind an error.
 */
export function cssReferences(text: string, firstLine = 1): CssReference[] {
  // Every page carries the same inline stylesheet: read each distinct text once, and across
  // audits through the memo of ./fragments.ts (by the text's hash).
  let refs = cssCache.get(text);
  if (!refs) {
    const key = cssMemo.size > 0 || cssMemo.recording ? cssKey(text) : undefined;
    refs = (key !== undefined ? cssMemo.known.get(key) : undefined) ?? cssReferencesUncached(text);
    if (key !== undefined) {
      if (cssMemo.used.size >= 256) cssMemo.used.clear();
      cssMemo.used.set(key, refs);
    }
    if (cssCache.size >= 256) cssCache.clear();
    cssCache.set(text, refs);
  }
  return refs.map((r) => ({ ...r, line: (r.line ?? 1) + firstLine - 1 }));
}

const cssCache = new Map<string, CssReference[]>();

/**
 * Results of stylesheets read in earlier audits (a pure function of the text, so kept by its
 * sha256 with the audit's version), and those met in this process since recording started.
 */
const cssMemo = {
  known: new Map<string, CssReference[]>(),
  used: new Map<string, CssReference[]>(),
  recording: false,
  get size(): number {
    return this.known.size;
  },
};

function cssKey(text: string): string {
  return createHash('sha256').update(text, 'utf16le').digest('hex');
}

/** Takes the results kept by an earlier audit, and records the stylesheets met from now on. */
export function adoptCssResults(entries: Iterable<[string, CssReference[]]>): void {
  for (const [key, refs] of entries) cssMemo.known.set(key, refs);
  cssMemo.recording = true;
  // Texts read before recording started are met again through cssCache: keep them too.
  for (const [text, refs] of cssCache) cssMemo.used.set(cssKey(text), refs);
}

/** Results computed in another thread (cssResultsLearned there), kept for the next audit. */
export function keepCssResults(entries: Iterable<[string, CssReference[]]>): void {
  adoptCssResults([]);
  for (const [key, refs] of entries) {
    cssMemo.known.set(key, refs);
    cssMemo.used.set(key, refs);
  }
}

/** In a worker: the stylesheet results read since the last call (by the text's sha256). */
export function cssResultsLearned(): Array<[string, CssReference[]]> {
  const learned: Array<[string, CssReference[]]> = [];
  for (const [text, refs] of cssCache) {
    if (cssLearned.has(text)) continue;
    cssLearned.add(text);
    learned.push([cssKey(text), refs]);
  }
  return learned;
}

const cssLearned = new Set<string>();

/** The stylesheet results met since adoptCssResults, for the next audit. */
export function cssResultsUsed(): Array<[string, CssReference[]]> {
  return [...cssMemo.used];
}

function cssReferencesUncached(text: string, firstLine = 1): CssReference[] {
  const out: CssReference[] = [];
  const add = (hits: ScanHit[], nodeLine: number) => {
    for (const h of hits) {
      // url("…") strings come back as kind "url"; keep the kinds readers understand.
      out.push({ kind: h.kind === 'url-import' ? 'import' : h.kind, url: h.url, line: firstLine + nodeLine - 1 + h.lineOffset });
    }
  };
  let root: postcss.Root;
  try {
    root = postcss.parse(text);
  } catch {
    add(scanCss(text), 1);
    return out;
  }
  root.walk((node: AnyNode) => {
    const nodeLine = node.source?.start?.line ?? 1;
    if (node.type === 'decl') {
      const prop = unescapeIdent(node.prop).toLowerCase();
      const hits = scanCss(node.value);
      if (BINDING_PROPERTIES.has(prop)) out.push({ kind: 'binding', url: node.value, line: firstLine + nodeLine - 1 });
      add(hits, nodeLine);
    } else if (node.type === 'atrule') {
      const name = unescapeIdent(node.name).toLowerCase();
      if (name === 'namespace') return; // names a namespace, loads nothing
      const hits = scanCss(`@${name} ${node.params}`);
      add(hits, nodeLine);
    } else if (node.type === 'rule') {
      // Selectors load nothing, but a broken declaration can leave a url() in a selector's text.
      add(scanCss(node.selector), nodeLine);
    }
  });
  return out;
}

/** How a CSS reference reads in a message: "CSS @import", "CSS url()". */
export function cssWhere(kind: string): string {
  return kind === 'import' ? 'CSS @import' : `CSS ${kind}()`;
}
