// Plain HTML read without parse5 (src/audit/plain-html.ts): whenever it accepts a page or a
// fragment, its document must be exactly the one parse5 gives; and a rebuild's page that carries
// any hostile fixture must get exactly the findings of the read with parse5 alone. Checked on the
// pages a build writes, on every hostile fixture, and on generated documents: well-nested trees
// of the elements whose handling the reader's conditions are about (a <div> inside a <p>, a heading
// right inside a heading, li inside li, a inside a, …), then damaged by random cuts and insertions.
import { readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { htmlDocument } from '../../src/audit/html.ts';
import { plainHtml, plainHtmlDocument } from '../../src/audit/plain-html.ts';
import { auditBundle, indexBundle, selectRules, type AuditFinding } from '../../src/audit/index.ts';
import { auditFileText } from '../../src/audit/run.ts';
import { buildSite } from '../../src/build/index.ts';
import { tempDir } from '../support/net.ts';
import { readFixtures, wrapPage } from './fixture-file.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.join(import.meta.dirname, '../fixtures');
const hostile = [
  ...readdirSync(path.join(FIXTURES, 'audit')).flatMap((f) => readFixtures(path.join(FIXTURES, 'audit', f)).map((c) => c.input)),
  ...readFixtures(path.join(FIXTURES, 'xss.txt')).map((c) => c.input),
];
const rules = selectRules();
const line = (f: AuditFinding) => `${f.file}:${f.line ?? ''} ${f.rule} ${f.message}`;

/** Both reads of one input; true when the plain reader accepted it (and gave parse5's document). */
function same(html: string, kind: 'page' | 'fragment', base: string | null = 'a'): boolean {
  const plain = plainHtmlDocument(html, { file: 'a/index.html', kind, base, ...(kind === 'fragment' ? { firstLine: 7 } : {}) });
  if (plain === undefined) return false;
  expect(plain, html).toStrictEqual(htmlDocument(html, { file: 'a/index.html', kind, base, ...(kind === 'fragment' ? { firstLine: 7 } : {}), locations: false, plain: false }));
  return true;
}

/** The findings of the audit's read with parse5 only: the reference. */
function withParse5Only<T>(fn: () => T): T {
  plainHtml.enabled = false;
  try {
    return fn();
  } finally {
    plainHtml.enabled = true;
  }
}

let work: { dir: string; cleanup: () => Promise<void> };
let out: string;
let pages: string[];

const EXTRA_ARTICLE = `---
title: "Everything Markdown makes: lists, code & quotes"
date: 2024-03-01
tags: [mixed, "a & b"]
summary: 'A summary with "quotes", <angle brackets> & ampersands'
---

## A heading

Text with *emphasis*, **strong**, \`code\`, a [link](https://example.org/?a=1&b=2 "title & more") and
a [local one](../../../../index.html).

1. one
   - nested *item*
   - another
2. two

> A quote
>
> > nested

\`\`\`
code <block> & more
\`\`\`

Term<br>line

<div class="raw"><p>raw <b>HTML</b> <span title="x &amp; y">kept</span></p></div>

| a | b |
|---|---|
| 1 | 2 |

---

![alt text](https://example.org/remote.png)
`;

beforeAll(async () => {
  work = await tempDir('samizdat-plain-html-');
  const content = path.join(work.dir, 'content');
  await cp(path.join(ROOT, 'content'), content, { recursive: true });
  await writeFile(path.join(content, 'zz-everything.md'), EXTRA_ARTICLE);
  out = path.join(work.dir, 'out');
  await buildSite({ contentDir: content, outDir: out, cacheDir: false, threads: false, env: {} });
  pages = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.html')).map((f) => f.split(path.sep).join('/'));
}, 120_000);
afterAll(async () => work?.cleanup());

describe('plain HTML read without parse5', () => {
  it('reads every page a build writes, as parse5 does', () => {
    expect(pages.length).toBeGreaterThan(20);
    let accepted = 0;
    for (const p of pages) if (same(readFileSync(path.join(out, p), 'utf8'), 'page', path.posix.dirname(p) === '.' ? '' : path.posix.dirname(p))) accepted++;
    // All of them are plain (the article with a list, a table, code and raw HTML too).
    expect(accepted).toBe(pages.length);
  });

  it(`gives parse5's document for every hostile fixture it accepts, as a page and as a fragment (${hostile.length} fixtures)`, () => {
    expect(hostile.length).toBeGreaterThan(150);
    let accepted = 0;
    for (const input of hostile) {
      if (same(wrapPage(input), 'page')) accepted++;
      if (same(input, 'fragment')) accepted++;
    }
    // Some hostile input is plain HTML (an event handler, a javascript: link): read without parse5 and found all the same.
    expect(accepted).toBeGreaterThan(20);
  });

  it('finds in a page of a build carrying each hostile fixture what the read with parse5 alone finds', () => {
    const page = readFileSync(path.join(out, pages.find((p) => p.startsWith('articles/'))!), 'utf8');
    const at = page.indexOf('</main>');
    expect(at).toBeGreaterThan(0);
    const bundle = { files: new Set(pages), folders: new Set(['', 'articles']) };
    let found = 0;
    for (const input of hostile) {
      const text = `${page.slice(0, at)}${input}\n${page.slice(at)}`;
      const reference = withParse5Only(() => auditFileText(text, 'articles/x/index.html', 'html', rules, bundle)).map(line);
      expect(auditFileText(text, 'articles/x/index.html', 'html', rules, bundle).map(line), input).toEqual(reference);
      if (reference.length > 0) found++;
    }
    expect(found).toBeGreaterThan(hostile.length / 2);
  });

  it('catches every hostile fixture arriving in a rebuild, with the audit cache of the clean build', async () => {
    const dir = path.join(work.dir, 'rebuild');
    const cacheDir = path.join(work.dir, 'rebuild-cache');
    await cp(out, dir, { recursive: true });
    const audit = async () => {
      const index = await indexBundle(dir);
      return auditBundle(dir, { cacheDir, overlay: { files: index.files, locate: (f) => path.join(dir, f) } });
    };
    expect(await audit()).toEqual([]);
    // Every hostile fixture lands in a page of its own, written from an article page of the build.
    const article = pages.find((p) => p.startsWith('articles/'))!;
    const page = await readFile(path.join(out, article), 'utf8');
    const at = page.indexOf('</main>');
    for (let i = 0; i < hostile.length; i++) {
      const folder = path.join(dir, path.dirname(article), `../hostile-${i}`);
      await mkdir(folder, { recursive: true });
      await writeFile(path.join(folder, 'index.html'), `${page.slice(0, at)}${hostile[i]}\n${page.slice(at)}`);
    }
    const read0 = plainHtml.read;
    const rebuilt = (await audit()).map(line);
    expect(plainHtml.read - read0).toBeGreaterThan(0);
    const reference = (await withParse5Only(() => auditBundle(dir))).map(line);
    expect(rebuilt).toEqual(reference);
    // Each fixture with a finding of its own in the whole read is caught in the rebuild.
    const files = new Set(reference.map((l) => l.slice(0, l.indexOf(':'))));
    expect(files.size).toBeGreaterThan(hostile.length / 2);
  });

  it('declines or reads as parse5 does each near miss of plain HTML (each undoes one condition of the reader)', () => {
    const fragments = [
      '<p><div>x</div></p>', '<p><hr></p>', '<p><h2>x</h2></p>', '<p><ul><li>x</li></ul></p>', '<h2><h3>x</h3></h2><p>y</p>',
      '<ul><li><b><li>x</li></b></li></ul>', '<dl><dt><b><dd>x</dd></b></dt></dl>', '<ol><li><i><li>x</li></i></li></ol>',
      '<a href="1"><div><a href="2">x</a></div></a>', '<b><b><b><b>x</b></b></b></b><p>y</p>', '<b><i>x</b>y</i>', '<div><span>x</div>y</span>',
      '<a title="1" title="2">x</a>', '<a title="a\rb">x</a>', '<a title="a\r\nb">x</a>', '<a title="a\0b">x</a>', '<p>a\rb</p>',
      '<a title="&#x80;">', '<a title="&#0;">', '<a title="&#xD800;">', '<a title="&#x110000;">', '<a title="&#xFFFE;">', '<a title="&notin;">',
      '<a title="&amp">', '<a title="&ampx;">', '<a title="&AMP;">', '<a title="&#39">', '<a title="&#0039;&#x00027;">', '<a href="javascript&colon;x">',
      '<p/>x</p>', '<br/ >', '</br>', '<img src="x"/>', '<div/>x</div>', '<a href=x>y</a>', "<a href='x'>y</a>", '<a href = "x">y</a>', '<A href="x">y</A>',
      '<a href="x"title="y">z</a>', '<p>x</P>', '</p>', '<span>x</span></div>', '<p>a < b</p>', '<p>a <3</p>', '<p></ x></p>', '<!-- c --><p>x</p>',
      '<table><tr><td>x</td></tr></table>', '<table><tbody><tr><td>x</td></tr></tbody></table>', '<table>x<tbody></tbody></table>',
      '<table><tbody>x<tr></tr></tbody></table>', '<table><tbody><tr>x<td></td></tr></tbody></table>', '<table><tbody><tr><td>x</td>y</tr></tbody></table>',
      '<table><tbody><tr><br></tr></tbody></table>', '<table><tbody><tr><td><p>x</td></tr></tbody></table>', '<p>x<table><tbody></tbody></table></p>',
      '<a href="x"><table><tbody><tr><td><a href="y">z</a></td></tr></tbody></table></a>', '<b><table><tbody><tr><td>x</td></tr></tbody></table></b>',
      '<table><tbody><tr><td><table><tbody><tr><th>x</th></tr></tbody></table></td></tr></tbody></table>', '<table><caption>c</caption></table>',
      '<table><tbody><tr><td>x<tr><td>y</td></tr></td></tr></tbody></table>', '<table><thead><tr><th style="text-align:right">a</th></tr></thead></table>',
      '<table> <tbody>\n<tr>\t<td>x</td> </tr> </tbody> </table>', '<table><tbody><tr><td><div>x</div></td></tr></tbody></table><p>y</p>', '<svg><a href="x">y</a></svg>', '<li>x</li>', '<dd>x</dd>', '<meta http-equiv="refresh" content="0;url=x">',
    ];
    const pages = [
      '<!DOCTYPE html><html><head>x<meta charset="utf-8"></head><body></body></html>',
      '<!DOCTYPE html><html><head><div></div></head><body></body></html>',
      '<!DOCTYPE html><html><head></head>x<body></body></html>',
      '<!DOCTYPE html><html><head></head><body></body></html><p>x</p>',
      '<!DOCTYPE html><html><head></head><body></body>x</html>',
      '<!DOCTYPE html><html><head></head><body><p>x</body></html>',
      '<!DOCTYPE html><html><head><title>a</title x></head><body></body></html>',
      '<!DOCTYPE html><html><head><style>a</style x>b</style></head><body></body></html>',
      '<!DOCTYPE html><html><head><style>a</stylex>b{background:url(https://x.example/a.png)}</style></head><body></body></html>',
      '<!DOCTYPE html><html><head><title>a <b>c</b></TITLE><style>p{background:url(https://x.example/a.png)}</STYLE></head><body></body></html>',
      '<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="stylesheet" href="https://x.example/a.css"><base href="https://x.example/"></head><body><p>x</p></body></html>',
      '<!DOCTYPE html><html><body></body></html>',
      '<!doctype html><html><head></head><body><p>x</p></body></html>\n',
      '<!DOCTYPE html PUBLIC "x"><html><head></head><body></body></html>',
      ' <!DOCTYPE html><html><head></head><body></body></html>',
      '<html><head></head><body></body></html>',
      '<!DOCTYPE html><html><head></head><body></body></html>\n<!-- c -->',
      '<!DOCTYPE html><html><head></head><body><head><meta charset="x"></head></body></html>',
      '<!DOCTYPE html><html><head></head><body><body onload="x()"></body></html>',
      '<!DOCTYPE html><html><head><style>p{background:url("https://x.example/a\r.png")}</style></head><body></body></html>',
      '<!DOCTYPE html><html><head><style>p{background:url("https://x.example/a\0.png")}</style></head><body></body></html>',
      '<!DOCTYPE html><html><head><noscript><meta http-equiv="refresh" content="0"></noscript></head><body></body></html>',
    ];
    for (const f of fragments) {
      same(f, 'fragment');
      same(wrapPage(f), 'page');
    }
    for (const p of pages) same(p, 'page', '');
  });

  it("gives parse5's document for generated trees near the limits of plain HTML, whole and damaged", () => {
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      // The high bits: the low ones of this generator repeat with a short period.
      return Math.floor(seed / 65536) % n;
    };
    const pick = <T,>(xs: readonly T[]): T => xs[next(xs.length)]!;
    // Mostly elements the reader knows (so that they meet each other in every way), sometimes others.
    const NAMES = [
      'p', 'div', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'h1', 'h2', 'h3', 'a', 'b', 'em', 'i', 'strong', 'code', 'span', 'time', 'sup', 'q', 'pre',
      'blockquote', 'section', 'nav', 'figure', 'figcaption', 'details', 'summary', 'small', 'font', 'u', 's', 'address', 'main', 'header', 'footer',
      'table', 'thead', 'tbody', 'tfoot', 'tr', 'td', 'th', 'table', 'tbody', 'tr', 'td',
    ];
    const OTHERS = ['nobr', 'button', 'caption', 'colgroup', 'form', 'select', 'option', 'svg', 'math', 'template', 'textarea', 'title', 'style', 'label', 'rt', 'ruby', 'body', 'html', 'head', 'noscript'];
    const VOIDS = ['br', 'img', 'hr', 'wbr', 'br', 'img', 'hr', 'meta', 'link', 'input', 'source', 'embed', 'area'];
    const ATTRS = [
      'class="c"', 'href="../x/index.html"', 'href="javascript:alert(1)"', 'title="&amp;&lt;&gt;&quot;&apos;"', 'title="&#39;&#x27;&#1;"',
      'title="&#x80;"', 'title="&#0;"', 'title="&notin;"', 'title="&amp"', 'title="a\nb\tc"', 'lang="ru"', 'onclick="x()"', 'style="background:url(x.png)"',
      'src="i.png"', 'srcset="a.png 1x, b.png 2x"', 'xml:lang="en"', 'data-x', 'id="i"',
    ];
    const TEXT = ['text', ' ', '\n', 'a &amp; b', '&', 'x > y', 'слово', '😀', '\u2028'];
    const tree = (depth: number): string => {
      let s = '';
      for (let n = next(4); n > 0; n--) {
        const r = next(10);
        if (r < 3 || depth > 5) s += pick(TEXT);
        else if (r < 4) s += `<${pick(VOIDS)}${next(2) ? ` ${pick(ATTRS)}` : ''}${next(4) ? '' : '/'}>`;
        else {
          const name = next(12) ? pick(NAMES) : pick(OTHERS);
          const attrs = Array.from({ length: next(3) }, () => ` ${pick(ATTRS)}`).join('');
          s += `<${name}${attrs}>${tree(depth + 1)}</${name}>`;
        }
      }
      return s;
    };
    const DAMAGE = ['</p>', '<p>', '</b>', '<b>', '</li>', '<li>', '</div>', '</a>', '<a href="y">', '<', '</', '<!-- c -->', '\r', '\0', '<h2>', '</br>', '<P>', '</body>', '<body>', '<head>', '<html>'];
    let plain = 0;
    let total = 0;
    for (let i = 0; i < 6000; i++) {
      let body = tree(0);
      if (i % 3 === 0) {
        const at = next(body.length + 1);
        body = next(2) ? body.slice(0, at) + pick(DAMAGE) + body.slice(at) : body.slice(0, at) + body.slice(at + 1 + next(8));
      }
      for (const [doc, kind] of [[wrapPage(body), 'page'], [body, 'fragment']] as const) {
        total++;
        if (same(doc, kind)) plain++;
      }
    }
    // Enough of both: the reader accepts many and declines many.
    expect(plain).toBeGreaterThan(total / 10);
    expect(plain).toBeLessThan(total * 0.9);
  });
});
