/**
 * A fast reading of front matter YAML with js-yaml (7-8x cheaper than the yaml package's
 * parseDocument and toJS, checks included), for the common plain case only. It answers
 * undefined ("ask the yaml package") whenever js-yaml fails or the text uses anything where the
 * two parsers could differ: anchors, aliases, tags, merge keys, directives, complex keys and the
 * corners listed below. Plain scalars resolve by the yaml package's YAML 1.2 core schema rebuilt
 * as js-yaml types (js-yaml's own CORE_SCHEMA also reads 0b101, -0x1F and +0o17 as numbers, -0
 * as 0 and 1e999 as text), so no dates either: they stay strings.
 * test/content/frontmatter-fast.test.ts checks the answers against the yaml package.
 */
import jsyaml from 'js-yaml';

// The tests of yaml/dist/schema/core (null, bool, int, float) and their results, kept exact.
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

// One js-yaml type per tag (js-yaml keeps only the last type of a tag).
const CORE_1_2 = jsyaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    new jsyaml.Type('tag:yaml.org,2002:null', {
      kind: 'scalar',
      resolve: (s: string | null) => s === null || NULL.test(s),
      construct: () => null,
    }),
    new jsyaml.Type('tag:yaml.org,2002:bool', {
      kind: 'scalar',
      resolve: (s: string | null) => s !== null && BOOL.test(s),
      construct: (s: string) => s[0] === 't' || s[0] === 'T',
    }),
    new jsyaml.Type('tag:yaml.org,2002:int', {
      kind: 'scalar',
      resolve: (s: string | null) => s !== null && (INT_OCT.test(s) || INT.test(s) || INT_HEX.test(s)),
      construct: (s: string) => (INT_OCT.test(s) ? parseInt(s.substring(2), 8) : INT.test(s) ? parseInt(s, 10) : parseInt(s.substring(2), 16)),
    }),
    new jsyaml.Type('tag:yaml.org,2002:float', {
      kind: 'scalar',
      resolve: (s: string | null) => s !== null && (FLOAT_NAN.test(s) || FLOAT_EXP.test(s) || FLOAT.test(s)),
      construct: (s: string) =>
        !FLOAT_NAN.test(s) ? parseFloat(s) : s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? -Infinity : Infinity,
    }),
  ],
});

/**
 * What sends a text to the yaml package, each with why. Conservative: plain text that merely
 * looks like one of these goes there too, which costs time, never correctness. The differential
 * test (test/content/frontmatter-fast.test.ts) found most of them.
 */
const NODE_START = String.raw`(?:^|[-?:,[{])[ \t]*`;
type Rule = readonly [why: string, pattern: RegExp];

/** Rules that each need one of RARE's characters: one test skips them all for most texts. */
const RARE = /[&*!?<#|>\\\t\r\u0085\u2028\u2029\uFEFF]/;
const RARE_RULES: readonly Rule[] = [
  ['an anchor, alias or tag', new RegExp(`${NODE_START}[&*!]`, 'm')],
  ['a complex key: the two name "? [a]" keys differently', new RegExp(`${NODE_START}\\?(?:[ \\t\\r\\n]|$)`, 'm')],
  ['a merge key', /<</],
  ['a block scalar indentation indicator: whitespace-only lines come out differently', new RegExp(`${NODE_START}[|>][-+]?[0-9]`, 'm')],
  [
    'a block scalar that starts with lines of spaces: yaml wants an indentation indicator when they are deeper than the text',
    new RegExp(`${NODE_START}[|>][-+]?[ \\t]*(?:#.*)?\\r?\\n(?:[ \\t]*\\r?\\n)*[ \\t]+\\r?(?:\\n|$)`, 'm'),
  ],
  ['a "#" right after a quote, bracket or sign: yaml wants a space before a comment', /[^\s\w]#/],
  ['a comment at column 0 before indented lines: yaml may then read the next key as part of a value', /^#[^\n]*\n(?:[ \t]*\r?\n)*[ \t]+\S/m],
  ['a tab in the indentation: yaml rejects more of those (e.g. in block scalars)', /^ *\t/m],
  ['a \\U escape: js-yaml takes code points past U+10FFFF, yaml rejects them', /\\U/],
  ['a lone CR, NEL, LS, PS or BOM: the two differ on what breaks a line', /\r(?!\n)|[\u0085\u2028\u2029\uFEFF]/],
];
const RULES: readonly Rule[] = [
  ['a list or map as a key: js-yaml reads "[title]: x" as the key "title"', /(?:^|[-?,[{])[ \t]*[[{]/m],
  ['a list item on the line of a key or item ("- - a"): js-yaml nests the next items wrongly', /[-:][ \t]+-(?:[ \t]|\r?$)/m],
  // A line at column 0 must be blank, a comment, a "- " item (a list under a key) or a "word:"
  // key: js-yaml accepts quoted text continued at column 0 where yaml reports bad indentation,
  // and %YAML directives or "---" / "..." markers change how the rest reads. Keys samizdat
  // knows are all lowercase words; other keys lose nothing (they come back with a warning).
  ['a line at column 0 that is not "key:", "- ", a comment or blank', /^(?![ \t]|#|\r?$|-(?:[ \t]|\r?$)|[a-z_]+:(?:[ \t]|\r?$))/m],
];
const LONG_KEY: Rule = ['a ":" 1000 or more characters into a line: yaml rejects implicit keys over 1024 characters', /^[^\n]{1000,}:/m];

/**
 * Why the fast reading declines a text before parsing it, or undefined. Besides the rules above:
 * - a quoted text over several lines, whose continuation lines yaml wants indented deeper than
 *   the item or key they belong to, and js-yaml takes as they come;
 * - "- " items at different indentations, which yaml rejects where js-yaml makes a list of them.
 */
export function declineReason(text: string): string | undefined {
  if (RARE.test(text)) for (const [why, pattern] of RARE_RULES) if (pattern.test(text)) return why;
  for (const [why, pattern] of RULES) if (pattern.test(text)) return why;
  if (text.length >= 1000 && LONG_KEY[1].test(text)) return LONG_KEY[0];
  if (quoteOverLines(text)) return 'a quoted text over several lines';
  if (mixedItemIndents(text)) return '"- " items at different indentations';
  return undefined;
}

const QUOTE_START = new RegExp(`${NODE_START}(["'])`, 'gm');

/**
 * Whether a quote where a node may start is not closed on its line. Conservatively: a quote in
 * plain text or a comment (" - 'a") counts too, and an escaped line break ("a\\" + newline).
 */
function quoteOverLines(text: string): boolean {
  QUOTE_START.lastIndex = 0;
  for (let m = QUOTE_START.exec(text); m; m = QUOTE_START.exec(text)) {
    const quote = m[1]!;
    let i = m.index + m[0].length;
    for (;; i++) {
      const c = text[i];
      if (c === undefined || c === '\n' || c === '\r') return true;
      if (quote === '"' && c === '\\') {
        i++;
        if (text[i] === undefined || text[i] === '\n' || text[i] === '\r') return true;
      } else if (c === quote) {
        if (quote === "'" && text[i + 1] === "'") i++;
        else break;
      }
    }
    QUOTE_START.lastIndex = i + 1;
  }
  return false;
}

const ITEM = /^( *)-(?:[ \t]|\r?$)/gm;

function mixedItemIndents(text: string): boolean {
  let indent: number | undefined;
  ITEM.lastIndex = 0;
  for (let m = ITEM.exec(text); m; m = ITEM.exec(text)) {
    if (indent === undefined) indent = m[1]!.length;
    else if (m[1]!.length !== indent) return true;
  }
  return false;
}

/**
 * The front matter's top-level map as the yaml package's toJS() gives it, or undefined when this
 * reading declines (the caller then uses the yaml package, for its answer and its messages).
 */
export function loadPlainYaml(text: string): Record<string, unknown> | undefined {
  if (declineReason(text) !== undefined) return undefined;
  let data: unknown;
  try {
    data = jsyaml.load(text, { schema: CORE_1_2 });
  } catch {
    return undefined;
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data) || hasNullKey(data)) return undefined;
  return data as Record<string, unknown>;
}

/**
 * Whether a map has the key "null": js-yaml's name for a null key ("null:", "~:", ": x"), which
 * yaml's toJS() names "" (a quoted "null" key is the same in both, but is rare enough to decline).
 */
function hasNullKey(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasNullKey);
  if (value === null || typeof value !== 'object') return false;
  for (const key in value) {
    if (key === 'null' || hasNullKey((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}
