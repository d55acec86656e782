// The audit's quick pass reads body text in runs (src/audit/fast-text.ts). It must build exactly
// parse5's trees, text included: on every hostile fixture, and on documents generated from the
// pieces that change how HTML is parsed. (Checked when it was written: letting runs take "&", or
// ignoring the insertion mode, makes this test fail on hundreds of the generated documents.)
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parse, parseFragment, serialize } from 'parse5';
import { describe, expect, it } from 'vitest';
import { fastTextStats, fastTextUsable, parseFragmentQuick, parseQuick } from '../../src/audit/fast-text.ts';
import { readFixtures, wrapPage } from './fixture-file.ts';

const FIXTURES = path.join(import.meta.dirname, '../fixtures');

const PIECES = [
  '<p>', '</p>', '<b>', '</b>', '<i>', '</i>', '<a href="x">', '</a>', '<table>', '<tr>', '<td>', '</td>', '</table>', '<pre>', '</pre>',
  '<textarea>', '</textarea>', '<title>', '</title>', '<style>', '</style>', '<script>', '</script>', '<noscript>', '</noscript>',
  '<svg>', '</svg>', '<math>', '<mi>', '<foreignObject>', '<template>', '</template>', '<select>', '<option>', '<frameset>', '<frame>',
  '<head>', '<body>', '<html>', '<!--', '-->', '<![CDATA[', ']]>', '&amp;', '&lt', '&#x3c;', '&#0;', '&notin', '\0', '\r\n', '\r', '\n',
  '\t', '\f', ' ', '  ', 'word', 'two words', 'слово за словом', '😀', '\ud800', '\ufdd0', '<img src=x onerror=y>', '<plaintext>', '<xmp>',
  '</xmp>', '<iframe>', '<noembed>', '<noframes>', '<caption>', '<colgroup>', '<col>', '<tbody>', '<li>', '<dd>', '<button>', '<form>',
  '<image>', '<desc>', '<annotation-xml encoding="text/html">', '<base>', '<meta>', '<br>', '</br>', '<', '< ', '<3', '</', '</ ',
  '<!DOCTYPE html>', '<?xml?>', '>', '"', "'", '=', '<h1>', '<listing>', '<nobr>', '</body>', '</html>', '<a href="javascript:x">',
];

/** Pieces of tags with attributes: quoted values with everything that can end or change a run. */
const ATTRIBUTE_PIECES = [
  '<a ', '<img ', '<p ', '<svg><a ', '<math><mi ', '<template><b ', '<table><td ', '<textarea ', '<frameset><frame ', '<html ', '<body ',
  'href', 'title', 'xlink:href', 'class', 'style', 'srcset', 'onclick', ' ', '\n', '\t', '=', '="', "='", '"', "'", '"', "'", '>', '/>',
  'plain words', '../../index.html', 'слово', '😀', '\ud800', '\udc00', '\ufdd0', '\u0085', '&amp;', '&quot;', '&#34;', '&', '&notin', '&lt',
  '\0', '\r\n', '\r', '<', '</a>', 'javascript:x', 'url(x)', '  two  spaces ', '\x7f', '\x1f',
];

/** Deterministic documents of 1-30 pieces. */
function* generated(count: number, pieces: readonly string[] = PIECES): Generator<string> {
  let seed = 42;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let i = 0; i < count; i++) {
    let s = '';
    for (let j = 1 + next(30); j > 0; j--) s += pieces[next(pieces.length)];
    yield s;
  }
}

function sameTrees(input: string): void {
  for (const scriptingEnabled of [true, false]) {
    expect(serialize(parseQuick(input, { scriptingEnabled })), input).toBe(serialize(parse(input, { scriptingEnabled })));
    expect(serialize(parseFragmentQuick(input, { scriptingEnabled })), input).toBe(serialize(parseFragment(input, { scriptingEnabled })));
  }
}

describe('reading body text in runs', () => {
  it('is in use with the parse5 this project locks (an upgrade turns it off until this test is run again)', () => {
    expect(fastTextUsable()).toBe(true);
  });

  it('takes the text of an ordinary page in runs', () => {
    const before = fastTextStats.runChars;
    parseQuick(wrapPage('<p>A paragraph of plain words, then more of them.</p>'), { scriptingEnabled: true });
    expect(fastTextStats.runChars - before).toBeGreaterThan(30);
  });

  it('builds the trees parse5 builds for every hostile fixture, as a page and as a fragment', () => {
    const inputs = [
      ...readdirSync(path.join(FIXTURES, 'audit')).flatMap((f) => readFixtures(path.join(FIXTURES, 'audit', f)).map((c) => c.input)),
      ...readFixtures(path.join(FIXTURES, 'xss.txt')).map((c) => c.input),
    ];
    expect(inputs.length).toBeGreaterThan(150);
    for (const input of inputs) {
      sameTrees(input);
      sameTrees(wrapPage(input));
    }
  });

  it('builds the trees parse5 builds for long documents (parse5 drops what it has read every 64 KB)', () => {
    const paragraph = `<p>${'Plain words of an article, and more of them: '.repeat(40)}</p>\n`;
    const pieces = [...generated(400)];
    for (let d = 0; d < 10; d++) {
      let doc = '<!DOCTYPE html><html><head><style>p { margin: 0 }</style></head><body>';
      for (let i = 0; doc.length < 200_000; i++) doc += paragraph + (i % 7 === 0 ? pieces[(d * 40 + i) % pieces.length] : '');
      sameTrees(doc);
    }
  });

  it('takes quoted attribute values in runs', () => {
    const before = fastTextStats.attributeRunChars;
    parseQuick(wrapPage('<a href="../../tags/one/index.html" title=\'A title of plain words\'>x</a>'), { scriptingEnabled: true });
    expect(fastTextStats.attributeRunChars - before).toBeGreaterThan(40);
  });

  it('builds the trees parse5 builds for 10,000 generated documents of attributes', () => {
    const before = fastTextStats.attributeRunChars;
    for (const input of generated(10_000, ATTRIBUTE_PIECES)) sameTrees(input);
    expect(fastTextStats.attributeRunChars - before).toBeGreaterThan(50_000);
  });

  it('builds the trees parse5 builds for 20,000 generated documents', () => {
    const before = fastTextStats.runChars;
    for (const input of generated(20_000)) sameTrees(input);
    // The generated documents do reach the shortcut.
    expect(fastTextStats.runChars - before).toBeGreaterThan(100_000);
  });
});
