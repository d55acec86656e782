/**
 * summaryFromHtml reads only the beginning of a long page: it must give exactly what turning the
 * whole page into text gives, wherever the beginnings it reads happen to cut (inside a tag, an
 * entity, a word, or between words), for short and long pages and around 40 words.
 */
import { describe, expect, it } from 'vitest';
import { htmlToText, renderMarkdown } from '../../src/build/markdown.ts';
import { SUMMARY_FIRST_READ as FIRST, summaryFromHtml } from '../../src/build/render.ts';
import { articleText } from '../../bench/lib/archive.ts';

/** The summary from the whole text: what summaryFromHtml gave before it read beginnings only. */
function wholeSummary(html: string): string {
  const words = htmlToText(html).split(' ').filter(Boolean);
  return words.length <= 40 ? words.join(' ') : `${words.slice(0, 40).join(' ')} …`;
}

describe('summaryFromHtml', () => {
  it('equals the summary of the whole text for generated articles in Latin and Cyrillic script', () => {
    for (let i = 0; i < 40; i++) {
      const { text } = articleText(i, { words: 200 + i * 60 });
      const body = text.slice(text.indexOf('\n---', 3) + 4);
      const { html } = renderMarkdown(body, { sourceFile: `a${i}.md`, lineOffset: 1 });
      expect(html.length).toBeGreaterThan(i > 10 ? 4 * FIRST : 0);
      expect(summaryFromHtml(html)).toBe(wholeSummary(html));
    }
  });

  it('equals it wherever the first characters it reads end: in a tag, an entity, a word or between words', () => {
    const filler = (n: number) => 'x'.repeat(n);
    const cases: string[] = [];
    // The first cut falls at every offset of a long tag, an entity and a word in turn.
    for (let shift = 0; shift < 60; shift++) {
      const head = `<p>${filler(FIRST - 96 + shift)}</p>`;
      cases.push(`${head}<a href="https://example.org/a-long-address" rel="noopener noreferrer">link text</a> after ${'word '.repeat(60)}`);
      cases.push(`${head} &amp; &lt;tag&gt; &quot;q&quot; &#39;s&#39; ${'word '.repeat(60)}`);
      cases.push(`${head} ${'verylongword'.repeat(3)} ${'w '.repeat(60)}`);
    }
    // Few words but a long page (markup only), and exactly 40, 41, 42 words after a long tag.
    cases.push(`<p>${'<b></b>'.repeat(2000)}one two three</p>`);
    for (const n of [39, 40, 41, 42, 43]) cases.push(`<p title="${filler(5000)}">${Array.from({ length: n }, (_, i) => `w${i}`).join(' ')}</p>`);
    for (const n of [39, 40, 41, 42, 43]) cases.push(`<p>${Array.from({ length: n }, (_, i) => `w${i}`).join(' ')}</p><p>${filler(20_000)}</p>`);
    // 36 to 41 words, then a tag with spaces in it that the first cut splits: its pieces must
    // not count as words (they would make up the missing ones).
    for (let n = 36; n <= 41; n++) {
      const words = Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
      const tag = '<span class="a b c d e f g h i j k l">';
      for (let into = 1; into < tag.length; into += 3) {
        const before = `<p>${words} `;
        const pad = FIRST - before.length - into - '<p title="">'.length;
        cases.push(`<p title="${filler(pad)}">${before}${tag}more text</span> ${'tail '.repeat(50)}</p>`);
      }
    }
    for (const html of cases) expect(summaryFromHtml(html)).toBe(wholeSummary(html));
  });
});
