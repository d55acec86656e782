/**
 * The fast front matter reading (src/content/fast-yaml.ts, js-yaml) against the yaml package:
 * for every text either both give the same data (types included) and yaml finds no error, or the
 * fast reading declines. And parseArticle gives byte-identical answers with it on and off, over
 * the sample content, the front matters of the other tests, a corpus of tricky spellings and a
 * few thousand generated and mutated ones.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { isMap, parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadPlainYaml } from '../../src/content/fast-yaml.ts';
import { parseArticle, type ParsedFile } from '../../src/content/parse.ts';
import { fixtureFiles } from '../build/fixture.ts';

// The yaml package warns on process for keys that are collections ("[title]: x"): noise here.
beforeAll(() => void vi.spyOn(process, 'emitWarning').mockImplementation(() => {}));
afterAll(() => vi.restoreAllMocks());

const ROOT = path.resolve(fileURLToPath(import.meta.url), '../../..');
const ctx = { file: 'news/a.md', sourcePath: '/x/news/a.md', siteLang: 'en' };

/** Same value, same types, same key order; NaN equals NaN, -0 differs from 0. */
function sameData(a: unknown, b: unknown, at = '$'): string | undefined {
  if (typeof a !== typeof b) return `${at}: ${typeof a} vs ${typeof b}`;
  const show = (v: unknown) => (typeof v !== 'number' ? (JSON.stringify(v) ?? String(v)) : Object.is(v, -0) ? '-0' : String(v));
  if (a === null || b === null || typeof a !== 'object') return Object.is(a, b) ? undefined : `${at}: ${show(a)} vs ${show(b)}`;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${at}: different prototypes`;
  const ka = Object.keys(a as object), kb = Object.keys(b as object);
  if (ka.join('\0') !== kb.join('\0')) return `${at}: keys ${JSON.stringify(ka)} vs ${JSON.stringify(kb)}`;
  for (const k of ka) {
    const d = sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
    if (d) return d;
  }
  return undefined;
}

/** Compares the fast reading of one YAML text with the yaml package's (as splitFrontMatter reads it). */
function compare(yamlText: string): 'declined' | 'same' {
  const fast = loadPlainYaml(yamlText);
  if (fast === undefined) return 'declined';
  const doc = parseDocument(yamlText, { prettyErrors: false, uniqueKeys: true });
  const why = doc.errors.length
    ? `yaml reports ${doc.errors.map((e) => e.code).join(', ')}`
    : !isMap(doc.contents)
      ? 'yaml sees no map'
      : sameData(fast, doc.toJS({ maxAliasCount: 10 }));
  if (why) throw new Error(`the fast reading accepted ${JSON.stringify(yamlText)} but ${why}`);
  return 'same';
}

function serialize(r: ParsedFile): string {
  return JSON.stringify({
    article: r.article,
    problems: r.problems.map((p) => ({ ...p.toJSON(), name: p.name, cls: p.constructor.name, own: { ...p } })),
    warnings: r.warnings,
  });
}

/**
 * parseArticle with the fast reading on and off: byte-identical JSON (or the same exception, should
 * one ever be thrown).
 * Whether the article came out clean.
 */
function sameArticle(text: string | Buffer, file = ctx.file): boolean {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const c = { ...ctx, file };
  const run = (options: { fastYaml?: boolean }) => {
    try {
      const r = parseArticle(bytes, c, options);
      return { json: serialize(r), clean: !r.problems.length && !r.warnings.length };
    } catch (err) {
      return { json: `threw ${(err as Error).constructor.name}: ${(err as Error).message}`, clean: false };
    }
  };
  const on = run({}), off = run({ fastYaml: false });
  if (on.json !== off.json) throw new Error(`parseArticle differs for ${JSON.stringify(bytes.toString())}:\n fast ${on.json}\n yaml ${off.json}`);
  return on.clean;
}

const wrap = (yaml: string) => `---\n${yaml}${yaml.endsWith('\n') ? '' : '\n'}---\nBody.\n`;

// Scalar spellings, plain: every one is also tried quoted, as a list item and in a flow list.
const PLAIN = [
  '0', '-0', '+1', '007', '0o17', '0o8', '0O17', '0x1F', '0X1F', '0xg', '0b101', '-0x1F', '+0o17', '1_000', '1,000',
  '1e3', '1E3', '1.5e-3', '.5', '+.5', '-.5', '5.', '1.', '1e999', '-1e999', '123456789012345678901234567890',
  '9007199254740993', '3.14159', '6.02e+23', '.inf', '-.Inf', '+.INF', '.nan', '.NaN', 'NaN', 'inf', 'Infinity',
  '~', 'null', 'Null', 'NULL', 'nULL', 'yes', 'no', 'on', 'off', 'Yes', 'NO', 'y', 'n', 'true', 'True', 'TRUE', 'tRUE',
  'false', 'False', 'FALSE', '2020-01-01', '2020-1-1', '2020-01-01T10:00:00Z', '2020-01-01 10:00:00 +03:00',
  '2020-01-01t10:00:00.5-05:00', '2015-02-30', '2015-08-13T10:30', '12:30:00', '1:20', '190:20:30', '0:0',
  'Tom & Jerry', 'Q&A', 'C#', 'a #b', 'a#b', 'Wow!', 'Hi !there', 'a * b', '5*3', 'x <<y', 'a % b', '50%',
  'http://x.org/a?b=c#d', 'https://example.org/item/1', 'mailto:a@b.c', 'a:b', 'key:value', 'a - b', 'a -b', 'a ? b',
  'Привет, мир', 'سلام دنیا', 'שלום עולם', 'كيف تقرأوننا عندما يُحجب الموقع', '日本語のタイトル', '😀 emoji', 'a\u200fb', 'zero\u200bwidth',
  'e\u0301', 'x'.repeat(3000), 'word '.repeat(400).trim(), '-', '--', '.', '...x', '=', '<', '>x', '|x', '@x', '`x', 'a|b',
  'a>b', 'a]b', 'a}b', 'a,b', '%x', 'a\tb', 'trailing\t', 'media/p.jpg', '../media/pic.png', '/etc/passwd', 'talks-in-moscow',
  'en', 'pt-BR', 'EN', 'zh-Hant-TW', 'ru',
];
// Whole values that are not one plain scalar (after "key:").
const OTHER_VALUES = [
  '', ' ', ' # a comment', '"a\\"b"', '"\\x41\\u0041\\U0001F600"', '"tab\\tnew\\nline"', '"\\/"', '"\\ x"', '"\\N\\_\\L\\P"',
  '"\\e\\a\\b\\0\\v\\f\\r"', '"\\U00110000"', '"\\UFFFFFFFF"', '"\\uD800"', '"\\uD83D\\uDE00"', '"\\xzz"', '"\\x80"', '"\\q"', '"\\x4"', '"\\u12"', '"line1\n  line2"', '"line1\n\n  line2"', '"a\\\n  b"', '"   spaced   "', '""',
  '"#not a comment"', '"a" # comment', '"a"#x', '"a" b', '"x\n"', '"unterminated', "'it''s'", "''", "'a\n  b'", "'\\n stays'", "'a' # c",
  "'a'b", "'unterminated", "'x\n\n\n  y'", '"\u0001"', '"\\u0085"', '"\\u2028"', '"\u00a0nbsp"',
  '|\n  a\n  b\n', '|-\n  a\n', '|+\n  a\n\n', '>\n  a\n  b\n\n  c\n', '>-\n  a\n   indented\n  b\n', '|2\n   x\n', '>+\n\n',
  '|\n', '| # comment\n  a\n', '|\n\n  a\n  \n  b\n', '>\n  a\n\tb\n', '|1\n  two\n', '|-2\n    x\n', '|\n  a\n b\n', '>\n   lead\n  less\n',
  '|\n  trailing \n  spaces  \n', '>2-\n   x\n', '|\n  # not a comment\n', '>\n  folded\n\n\n  gaps\n',
  '[a, b]', '[]', '[ a , "b", 1, 0x1F, true, ~ ]', '[a, [b]]', '[a,\n  b]', '["x, y", z]', '[a b, c]', '[a: b]', '[a,]', '[,a]', '[a,,b]',
  '[a\n]', '[ "a" ,\'b\' ]', '[a #c\n  , b]', '[2020-01-01, 1.5, .nan]', '{a: b}', '{}', '{a: [b, c]}', '{a: 1, a: 2}', '[a, b', 'a]',
  '\n  - a\n  - b', '\n- a\n- b', '\n  - "a"\n  - 1\n  -\n  - ~', '\n  - a\n   - b', '\n  - a\n - b', '\n  -  a\n  -\tb', '\n  - [a]\n',
  '\n  - a: 1', '\n  a: 1\n  b: 2', '\n  a: 1\n   b: 2', '\n  title: nested', '\n  - - a', '\n  # c\n  - a\n\n  - b',
  'plain\n  continued', 'plain\n\n  after blank', 'plain\n  # not a comment?', 'a: b', 'a:b: c', 'x\ty',
];
const KEYS = ['title', 'date', 'updated', 'lang', 'author', 'summary', 'tags', 'slug', 'image', 'image_alt', 'image_caption', 'source', 'guid', 'draft'];
const ODD_KEYS = [
  'x', '1', '0x1F', '"title"', "'date'", '__proto__', '"__proto__"', 'constructor', 'toString', 'hasOwnProperty', 'Title',
  'null', '~', 'true', '1.5', '.nan', 'ключ', 'a b', '"a:b"', 'k'.repeat(1100), '', '? title', '[title]', '<<', '&a title', '!!str title',
];

// Whole documents: every spelling of the brief and the yaml spec's corners.
const CORPUS: string[] = [
  'title: Plain\ndate: 2020-01-01\n',
  'title: "Talks in Moscow"\ndate: 2015-08-13\nupdated: 2015-08-14T10:00:00+03:00\nlang: en\nauthor: A. Writer\nsummary: Short.\ntags: [Russia, Syria]\nimage: media/p.jpg\n',
  'title: x\r\ndate: 2020-01-01\r\ntags:\r\n  - a\r\n  - b\r\nsummary: |\r\n  one\r\n  two\r\n',
  'title: x\rdate: 2020-01-01\r',
  '\ufefftitle: BOM inside\ndate: 2020-01-01\n',
  'title: a\u2028b\ndate: 2020-01-01\n',
  'title: a\u0085b\ndate: 2020-01-01\n',
  'title: x   \ndate: 2020-01-01\t\n\n\n',
  'title: x # comment\n# full line\n  # indented comment\ndate: 2020-01-01 #c\n',
  '# only a comment\n',
  '',
  '\n\n',
  'just text',
  '- a\n- b\n',
  '[a, b]',
  '{title: x, date: 2020-01-01}',
  'title: x\ndate: 2020-01-01\ntitle: y\n',
  'title: x\n"title": y\n',
  '1: a\n"1": b\n',
  '.nan: a\n.NaN: b\n',
  '0x10: a\n16: b\n',
  'title: &a x\nsummary: *a\n',
  'title: !!str 123\ndate: !!timestamp 2020-01-01\n',
  'base: &b {x: 1}\nmerged:\n  <<: *b\n',
  '%YAML 1.1\n---\ntitle: yes\ndate: 2020-01-01\n',
  '%TAG ! tag:example.org,2000:\n---\ntitle: x\n',
  'title: x\n--- \ndate: y\n',
  'title: x\n...\n',
  '? title\n: complex\n',
  '[title]: x\ndate: 2020-01-01\n',
  '{title}: x\n',
  'title: [a]: b\n',
  'title: "a\nb"\ndate: 2020-01-01\n',
  "title: 'a\nb'\ndate: 2020-01-01\n",
  'title: a\nb\n',
  'title: a\n b\ndate: 2020-01-01\n',
  'tags: [a,\nb]\n',
  'tags: [a,\n  b\n]\n',
  'tags:\n- a\n-   b\n- "c"\ndate: 2020-01-01\n',
  'tags:\n  - a\n  -\n  - ~\n',
  '\ttitle: tab indented\n',
  'title:\ttab after colon\ndate:\t2020-01-01\n',
  'tags:\n\t- a\n',
  'title:\n  a\n\tb\n',
  'summary: >\n  folded\n  text\n\n  next\ntitle: x\n',
  'summary: |+\n  keep\n\n\ntitle: x\n',
  'summary: |-\n  strip\n\n\ntitle: x\n',
  'summary: >2\n    two extra\n  base\n',
  'summary: |\n   more\n  less\n',
  'summary: |\n',
  'summary: >\ntitle: x\n',
  'title: "\\x41\\u00e9\\U0001F600\\t\\\\"\n',
  'title: "a\\\n   b"\n',
  "title: 'it''s'\n",
  'title: "\\q"\n',
  'title: a: b\n',
  'title: "a"#b\n',
  'title: [a]#b\n',
  'title: x\n  y: z\n',
  'title:\n  nested: map\n',
  'title: - a\n',
  'title: @x\n',
  'title: `x\n',
  'title: |x\n',
  'title: "x" "y"\n',
  `title: ${'x'.repeat(100_000)}\ndate: 2020-01-01\n`,
  `${'k'.repeat(1100)}: x\n`,
  `"${'k'.repeat(1100)}": x\n`,
  '__proto__: x\ntitle: y\n',
  '__proto__:\n  polluted: true\n',
  'constructor: x\n',
  'title: שלום עולם\nlang: he\ndate: 2020-01-01\n',
  'title: "\u202eRTL override"\n',
  'title: a\u0000b\n',
  'title: a\u007fb\n',
  'title: "a\u0080b"\n',
  'title: a\u00a0b\n',
  'title : spaced colon\n',
  'title:no space\n',
  'title:  \n',
  'title:\n',
  'title: ~\ndate: null\n',
  'draft: yes\n',
  'draft: True\n',
  'draft: TRUE\n',
  'draft: "true"\n',
  'tags: ["a", \'b\', 1, 1.5, 0o17, true, ~, 2020-01-01]\n',
  'tags: a, b, c\n',
  'tags: []\n',
  'tags: {}\n',
  'a:\n  b:\n    c:\n      d: deep\n',
  'a: [[[[[[deep]]]]]]\n',
  `a: ${'['.repeat(200)}${']'.repeat(200)}\n`,
  // Found by the generated tests below (each once accepted by an earlier fast reading).
  'tags: \n  - "a\\\n  b"\n',
  "title: x\nsummary: 'x\n-\n\n  y' \n",
  'tags: \n- -\n- 0\n',
  'author:  |-2\n    \n \n',
  'tags: \n    - \n  - a: 1\n    - 0\n',
  'image: \r\n  - \r\n - b\r\n',
  'lang: \n#a\n  a\n\nsummary: x\n',
  'lang: |\n  trailing \n  spaces  \n\t\n',
  'slug: |-2\n  :  x\n\t\n',
  'guid: *http://x.org/a?b=c#d # c\n',
  'summary: |\n   \n  #\n',
  'image: |\n  \n \n # c\nguid: x\n',
  'source: | # comment\n  \n # c\ndraft: true\n',
  'title: "\\U00110000"\n',
];
for (const v of PLAIN) {
  CORPUS.push(`title: ${v}\ndate: 2020-01-01\n`, `title: "${v.replace(/["\\]/g, '\\$&')}"\n`, `title: '${v.replace(/'/g, "''")}'\n`);
  CORPUS.push(`tags:\n  - ${v}\n`, `tags: [${v}]\n`, `date: ${v}\n`, `${v}: key\n`, `draft: ${v}\n`);
}
for (const v of OTHER_VALUES) CORPUS.push(`title: ${v}\ndate: 2020-01-01\n`, `summary: ${v}\n`, `tags: ${v}\n`);
for (const k of ODD_KEYS) CORPUS.push(`${k}: v\n`, `title: t\n${k}: v\n`);

/** The front matters written by the other tests (string literals that start with "---\n"). */
function testFixtureTexts(): string[] {
  const out: string[] = [];
  const dir = path.join(ROOT, 'test');
  for (const rel of readdirSync(dir, { recursive: true }) as string[]) {
    if (!rel.endsWith('.ts') || rel.endsWith('frontmatter-fast.test.ts')) continue;
    const src = readFileSync(path.join(dir, rel), 'utf8');
    for (const m of src.matchAll(/(['"`])(---(?:\\r)?(?:\\n|\n)(?:\\[\s\S]|(?!\1)[^\\])*)\1/g)) {
      const quote = m[1]!;
      let raw = m[2]!;
      if (quote === '`') raw = raw.replace(/\$\{[^}]*\}/g, 'x');
      // The literal's escapes as JSON's; any other escape (\x41, \u{…}): leave the literal out.
      const json = raw.replace(/\\([\s\S])|(["\n\r\t])/g, (_all, esc?: string, bare?: string) =>
        esc !== undefined ? ("'`$".includes(esc) ? esc : `\\${esc}`) : JSON.stringify(bare).slice(1, -1));
      try {
        out.push(JSON.parse(`"${json}"`) as string);
      } catch {
        // not one JSON can read
      }
    }
  }
  return out;
}

describe('aliases the yaml package cannot expand', () => {
  it('reports an alias to no anchor, and an alias bomb, as invalid YAML instead of throwing', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]'].join('\n');
    for (const yaml of ['guid: *x', bomb]) {
      const r = parseArticle(Buffer.from(`---\ntitle: T\ndate: 2024-01-02\n${yaml}\n---\nBody\n`), ctx);
      expect(r.article).toBeUndefined();
      expect(r.problems.map((p) => [p.code, p.file, p.line])).toEqual([['INVALID_YAML', 'news/a.md', 2]]);
      expect(r.problems[0]!.message).toMatch(/^the front matter is not valid YAML: /);
    }
  });
});

describe('fast front matter reading', () => {
  it('agrees with the yaml package on every tricky front matter, or declines', () => {
    const outcome = { declined: 0, same: 0 };
    for (const y of CORPUS) {
      outcome[compare(y)]++;
      outcome[compare(y.replace(/\n/g, '\r\n'))]++;
    }
    // Both sides are exercised: a test where everything declines proves nothing.
    expect(outcome.same).toBeGreaterThan(400);
    expect(outcome.declined).toBeGreaterThan(200);
  });

  it('reads ordinary front matter itself (the fast path is used at all)', () => {
    for (const y of ['title: Plain\ndate: 2020-01-01\n', 'title: "Q&A: a * b!"\ndate: 2020-01-01T10:00:00Z\ntags: [a, 2024]\n', 'tags:\n- a\n- b\n']) {
      expect(loadPlainYaml(y)).toBeDefined();
    }
    expect(loadPlainYaml('title: x\ndate: 2020-01-01\ntags: [1, 0o17, 0x1F, .5, .inf, 1e3]\n')).toEqual({
      title: 'x', date: '2020-01-01', tags: [1, 15, 31, 0.5, Infinity, 1000],
    });
    // yaml's core schema, not js-yaml's: these stay text.
    expect(loadPlainYaml('a: 0b101\nb: -0x1F\nc: 1_000\nd: yes\n')).toEqual({ a: '0b101', b: '-0x1F', c: '1_000', d: 'yes' });
  });

  it('gives parseArticle byte-identical answers with the fast reading on and off: sample content, test fixtures, corpus', () => {
    let clean = 0;
    let total = 0;
    const contentDir = path.join(ROOT, 'content');
    for (const rel of readdirSync(contentDir, { recursive: true }) as string[]) {
      if (!rel.endsWith('.md')) continue;
      total++;
      if (sameArticle(readFileSync(path.join(contentDir, rel)), rel)) clean++;
    }
    for (const [name, text] of Object.entries(fixtureFiles())) {
      if (!name.endsWith('.md')) continue;
      total++;
      if (sameArticle(text, name)) clean++;
    }
    const literals = testFixtureTexts();
    expect(literals.length).toBeGreaterThan(50);
    for (const text of literals) {
      total++;
      if (sameArticle(text)) clean++;
    }
    for (const y of CORPUS) {
      for (const text of [wrap(y), wrap(`title: T\ndate: 2021-02-03\n${y}`), wrap(y).replace(/\n/g, '\r\n')]) {
        total++;
        if (sameArticle(text)) clean++;
      }
    }
    expect(total).toBeGreaterThan(1000);
    expect(clean).toBeGreaterThan(200);
  });

  it('serves the clean sample articles from the fast reading', () => {
    const contentDir = path.join(ROOT, 'content');
    const yamls = (readdirSync(contentDir, { recursive: true }) as string[])
      .filter((rel) => rel.endsWith('.md'))
      .map((rel) => /^---\r?\n([\s\S]*?)^---/m.exec(readFileSync(path.join(contentDir, rel), 'utf8'))![1]!);
    expect(yamls.length).toBeGreaterThan(0);
    for (const y of yamls) expect(compare(y)).toBe('same');
  });
});

// ---- generated front matters ----

const plainValue = fc.constantFrom(...PLAIN);
const textValue = fc.oneof(
  { weight: 4, arbitrary: plainValue },
  { weight: 2, arbitrary: plainValue.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`) },
  { weight: 1, arbitrary: plainValue.map((v) => `'${v.replace(/'/g, "''")}'`) },
  { weight: 3, arbitrary: fc.constantFrom(...OTHER_VALUES) },
);
const dateValue = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('2020-01-01', '2015-08-13T10:30:00Z', '2015-08-14T10:00:00+03:00', '2024-02-10 12:30', '"2020-01-01"', "'2021-12-31'") },
  { weight: 1, arbitrary: textValue },
);
const listValue = fc.oneof(
  fc.array(fc.oneof(plainValue, plainValue.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`)), { maxLength: 4 }).map((items) => `[${items.join(', ')}]`),
  fc.tuple(fc.array(fc.oneof(plainValue, textValue), { minLength: 1, maxLength: 4 }), fc.constantFrom('', '  ', '    ')).map(
    ([items, indent]) => items.map((i) => `\n${indent}- ${i}`).join(''),
  ),
  textValue,
);
const valueFor = (key: string) =>
  key === 'date' || key === 'updated' ? dateValue
  : key === 'tags' ? listValue
  : key === 'draft' ? fc.constantFrom('true', 'false', 'True', 'FALSE', 'yes', '"true"', '1', '')
  : key === 'lang' ? fc.oneof(fc.constantFrom('en', 'ru', 'fa', 'pt-BR', '"he"'), textValue)
  : key === 'source' ? fc.oneof(fc.constantFrom('https://example.org/a?b=c', '"http://x.org/#frag"'), textValue)
  : textValue;
const entry = fc
  .oneof({ weight: 10, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: fc.constantFrom(...ODD_KEYS) })
  .chain((key) => fc.tuple(fc.constant(key), fc.constantFrom(': ', ': ', ':  ', ' : ', ':\t'), valueFor(key), fc.constantFrom('', '', '', ' ', '\t', ' # c')));
const document = fc
  .tuple(
    fc.constantFrom('', '', '# head\n', '\n'),
    fc.uniqueArray(entry, { selector: (e) => e[0], maxLength: 8 }),
    fc.boolean(),
    fc.constantFrom('\n', '\n', '\r\n'),
  )
  .map(([head, entries, titled, eol]) => {
    const lines = entries.map(([k, sep, v, tail]) => `${k}${sep}${v}${tail}\n`);
    // Mostly with a title and a date, so that many come out clean and take the fast path.
    if (titled && !entries.some(([k]) => k === 'title' || k === 'date')) lines.unshift('title: Generated\n', 'date: 2020-02-02\n');
    return (head + lines.join('')).replace(/\n/g, eol);
  });
const HOSTILE = [':', '-', '?', '[', ']', '{', '}', ',', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`', '\t', ' ', '\n', '\r', '\\', '0', 'x', '.', '~'];
const mutate = (texts: fc.Arbitrary<string>) =>
  fc
    .tuple(texts, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...HOSTILE), fc.constantFrom('insert', 'replace', 'delete')), { minLength: 1, maxLength: 3 }))
    .map(([text, edits]) => {
      let t = text;
      for (const [at, ch, op] of edits) {
        const i = t.length ? at % t.length : 0;
        t = op === 'insert' ? t.slice(0, i) + ch + t.slice(i) : op === 'replace' ? t.slice(0, i) + ch + t.slice(i + 1) : t.slice(0, i) + t.slice(i + 1);
      }
      return t;
    });

// Shapes the fast reading accepts (plain, quoted, folded and literal text over lines, lists),
// filled with random text: most of these are read fast, so its corners get exercised.
const CHARS = [...'aaaabbbcde  \t:#-,[]{}\'"\\.&*!|>%@`?~0159Ωé日😀\u200f'];
const words = fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 16 });
const indent = fc.constantFrom('', ' ', '  ', '  ', '   ', '    ');
const ESCAPES = ['\\n', '\\t', '\\x41', '\\u00e9', '\\U0001F600', '\\U00110000', '\\uD800', '\\q', '\\0', '\\ ', '\\/', '\\"', '\\\\', '\\N', '\\_', '\\L', '\\P', '\\e', '\\x', '\\u12'];
const escaped = fc.array(fc.oneof(words.map((t) => t.replace(/["\\]/g, '\\$&')), fc.constantFrom(...ESCAPES)), { maxLength: 5 }).map((parts) => `"${parts.join('')}"`);
const shapedValue = fc.oneof(
  words,
  escaped,
  words.map((t) => `"${t.replace(/["\\]/g, '\\$&')}"`),
  words.map((t) => `'${t.replace(/'/g, "''")}'`),
  fc.tuple(words, fc.array(fc.tuple(fc.constantFrom('', '\n', '\n  \n'), indent, words), { minLength: 1, maxLength: 3 })).map(([t, more]) => [t, ...more.map(([gap, i, w]) => gap + i + w)].join('\n')),
  fc.array(fc.tuple(fc.constantFrom(', ', ',', ',\n  ', '\n  , ', ' ,\n    '), fc.oneof(words, words.map((t) => `'${t.replace(/'/g, "''")}'`))), { minLength: 1, maxLength: 4 }).map((items) => `[${items.map(([sep, w], i) => (i ? sep : '') + w).join('')}]`),
  fc.tuple(fc.constantFrom('|', '>'), fc.constantFrom('', '-', '+'), fc.constantFrom('', ' # c', ' '), fc.array(fc.tuple(indent, words), { maxLength: 5 })).map(
    ([style, chomp, tail, lines]) => `${style}${chomp}${tail}\n${lines.map(([i, w]) => `  ${i}${w}`.replace(/^ +$/, (sp) => sp.slice(0, sp.length % 4))).join('\n')}`,
  ),
  fc.tuple(fc.array(fc.oneof(words, words.map((t) => `"${t.replace(/["\\]/g, '\\$&')}"`)), { maxLength: 4 }), fc.constantFrom(', ', ',', ' , ')).map(([items, sep]) => `[${items.join(sep)}]`),
  fc.tuple(fc.array(words, { minLength: 1, maxLength: 4 }), fc.constantFrom('', '  ')).map(([items, i]) => items.map((w) => `\n${i}- ${w}`).join('')),
);
const between = fc.constantFrom('', '', '', '\n', '# c\n', '  # c\n', '    #\n', '  \n');
const shaped = fc
  .tuple(fc.uniqueArray(fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(': ', ': ', ' : ', ':  '), shapedValue, fc.constantFrom('', ' ', ' # c'), between), { selector: (e) => e[0], maxLength: 6 }), fc.constantFrom('\n', '\r\n'))
  .map(([entries, eol]) =>
    ['title: Shaped\ndate: 2020-02-02\n', ...entries.filter(([k]) => k !== 'title' && k !== 'date').map(([k, sep, v, tail, gap]) => `${k}${sep}${v}${tail}\n${gap}`)].join('').replace(/\n/g, eol),
  );

// FUZZ_RUNS=100000 FUZZ_SEED=7 npx vitest run test/content/frontmatter-fast.test.ts: a longer hunt.
const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

describe('fast front matter reading, generated', () => {
  const outcome = { declined: 0, same: 0, clean: 0 };
  const property = (y: string) => {
    outcome[compare(y)]++;
    if (sameArticle(wrap(y))) outcome.clean++;
  };

  it('agrees with the yaml package on 3,000 generated front matters, and parseArticle too', () => {
    fc.assert(fc.property(document, property), { seed: SEED ?? 20261129, numRuns: RUNS });
    expect(outcome.same).toBeGreaterThan(RUNS / 5);
    expect(outcome.clean).toBeGreaterThan(RUNS / 10);
  });

  it('agrees on 3,000 mutated ones (stray indicators, quotes, tabs, line breaks)', () => {
    fc.assert(fc.property(fc.oneof(mutate(document), mutate(shaped)), property), { seed: SEED ?? 1129, numRuns: RUNS });
    if (process.env.FUZZ_RUNS) console.log(outcome);
  });

  it('agrees on 3,000 front matters of accepted shapes with random text', () => {
    const before = outcome.same;
    fc.assert(fc.property(shaped, property), { seed: SEED ?? 291129, numRuns: RUNS });
    expect(outcome.same - before).toBeGreaterThan(RUNS / 4);
    if (process.env.FUZZ_RUNS) console.log(outcome);
  });
});
