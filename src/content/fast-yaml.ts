/**
 * A fast reading of front matter YAML with js-yaml (about 10x cheaper than the yaml package's
 * parseDocument), for the common plain case only. It answers undefined ("ask the yaml package")
 * whenever js-yaml fails or the text uses anything where the two parsers could differ: anchors,
 * aliases, tags, merge keys, directives, complex keys. Plain scalars resolve by the yaml
 * package's YAML 1.2 core schema rebuilt as js-yaml types (js-yaml's own CORE_SCHEMA also reads
 * 0b101, -0x1F and +0o17 as numbers, and 1e999 as text), so no dates: they stay strings.
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
 * What sends a text to the yaml package, conservatively (plain text that merely looks like these
 * goes there too, which costs time, never correctness):
 * - "&", "*", "!" where a node may start: anchors, aliases, tags;
 * - "?" or "[" / "{" where a key may start: complex keys, which the two turn into different
 *   strings (js-yaml reads "[title]: x" as the key "title");
 * - "<<": merge keys;
 * - a ":" 1000 or more characters into a line: yaml rejects implicit keys over 1024 characters;
 * - a "#" right after a quote, bracket or sign: yaml rejects a comment not separated by a space
 *   ('title: "x"#y'), js-yaml does not;
 * - a tab in a line's indentation (yaml rejects more of those than js-yaml, e.g. after a
 *   block scalar);
 * - a carriage return alone, a byte order mark, NEL or a Unicode line/paragraph separator, which
 *   the two do not treat alike as line breaks.
 */
const DECLINE = new RegExp(
  [
    /(?:^|[-?:,[{])[ \t]*[&*!]/.source,
    /(?:^|[-?:,[{])[ \t]*\?(?:[ \t\r\n]|$)/.source,
    /(?:^|[-?,[{])[ \t]*[[{]/.source,
    /<</.source,
    /^[^\n]{1000,}:/.source,
    /[^\s\w]#/.source,
    /^ *\t/.source,
    /\r(?!\n)|[\u0085\u2028\u2029\uFEFF]/.source,
  ].join('|'),
  'm',
);

/**
 * A line that starts at column 0 must be blank, a comment, a "- " item (a list under a key) or
 * a "word:" key. Anything else there is the yaml package's to judge: js-yaml accepts a quoted
 * text continued at column 0 ('title: "a' then 'b"') where yaml reports bad indentation, and
 * %YAML directives or "---" / "..." markers change how the rest reads. Keys samizdat knows are
 * all lowercase words, so other keys lose nothing: they come back with a warning anyway.
 */
const COLUMN_0 = /^(?![ \t]|#|\r?$|-(?:[ \t]|\r?$)|[a-z_]+:(?:[ \t]|\r?$))/m;

/**
 * The front matter's top-level map as the yaml package's toJS() gives it, or undefined when this
 * reading declines (the caller then uses the yaml package, for its answer and its messages).
 */
export function loadPlainYaml(text: string): Record<string, unknown> | undefined {
  if (DECLINE.test(text) || COLUMN_0.test(text)) return undefined;
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
