// The audit's quick read (no line numbers, a tree without text outside style elements) must see
// exactly the elements, attributes, references and CSS of the full read, on every hostile case.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { htmlDocument } from '../../src/audit/html.ts';
import { readFixtures, wrapPage } from './fixture-file.ts';

const FIXTURES = path.join(import.meta.dirname, '../fixtures');
const inputs = [
  ...readdirSync(path.join(FIXTURES, 'audit')).flatMap((f) => readFixtures(path.join(FIXTURES, 'audit', f)).map((c) => c.input)),
  ...readFixtures(path.join(FIXTURES, 'xss.txt')).map((c) => c.input),
];

/** A document without line numbers and element back-references, for comparing reads. */
function shape(html: string, kind: 'page' | 'fragment', locations: boolean): unknown {
  const doc = htmlDocument(html, { file: 'a/index.html', kind, base: 'a', locations });
  return {
    elements: doc.elements.map((e) => ({ ...e, line: undefined, attrs: e.attrs.map((a) => ({ ...a, line: undefined })) })),
    references: doc.references.map((r) => ({ ...r, line: undefined, element: r.element?.name })),
    css: doc.css.map((c) => ({ ...c, line: undefined })),
  };
}

describe('htmlDocument', () => {
  it(`reads the same with and without line numbers (${inputs.length} hostile and clean cases, as pages and fragments)`, () => {
    expect(inputs.length).toBeGreaterThan(150);
    for (const input of inputs) {
      expect(shape(wrapPage(input), 'page', false)).toEqual(shape(wrapPage(input), 'page', true));
      expect(shape(input, 'fragment', false)).toEqual(shape(input, 'fragment', true));
    }
  });

  it('still reads the text of style elements, in HTML and in SVG', () => {
    const html = wrapPage('<p>text url(x.png)</p><style>p { background: url(https://a.example/x.png) }</style><svg><style>@import "https://b.example/y.css";</style></svg>');
    const doc = htmlDocument(html, { file: 'index.html', kind: 'page', base: '', locations: false });
    expect(doc.css.map((c) => c.url)).toEqual(expect.arrayContaining(['https://a.example/x.png', 'https://b.example/y.css']));
    expect(doc.css.map((c) => c.url)).not.toContain('x.png');
  });
});
