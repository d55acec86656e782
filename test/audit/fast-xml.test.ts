// The XML reader takes runs of plain text at once (src/audit/fast-xml.ts). saxes must give
// exactly the same events, errors, lines, columns and positions with the shortcut as without it:
// on generated documents made of the pieces that change how XML text is read, on the feeds of
// the audit fixtures, and through the whole audit (findings of both readers compared).
import { describe, expect, it } from 'vitest';
import { fastXmlStats, fastXmlUsable, NOT_PLAIN_XML, saxesEvents } from '../../src/audit/fast-xml.ts';
import { auditText } from '../../src/audit/index.ts';

const PIECES = [
  '<r>', '</r>', '<a x="1">', '</a>', '<b/>', 'word', 'two words', ' ', '  ', '\n', '\r\n', '\r', '\t', 'слово за словом', '😀',
  '\ud800', '\udc00', '\ufffe', '\uffff', '\ufffd', '\u0085', '\u2028', '\u2029', '\x7f', '\x80', '\x9f', '\x01', '\0', '\x0b',
  ']', ']]', ']]>', '>', ']>', '] ]>', '&amp;', '&lt;', '&gt;', '&quot;', '&apos;', '&#x41;', '&#0;', '&#xD800;', '&nope;', '&', '&;', '<', '</', '<!-- c -->',
  '&lt', '&l', '&ltx;', '&LT;', '&lt ;', '&abcdefghij;', '&amp', 'amp;', 'lt;', ';', ']]&lt;>', ']&gt;]>', ']]&#62;>',
  '<![CDATA[ x ]]>', '<?pi data?>', '<!DOCTYPE r>', '<?xml version="1.0"?>', '<?xml version="1.1"?>', 'a"b', "a'b", '=',
];

/** Deterministic documents of 1-30 pieces, most inside a root element. */
function* generated(count: number): Generator<string> {
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let i = 0; i < count; i++) {
    let s = '';
    for (let j = 1 + next(30); j > 0; j--) s += PIECES[next(PIECES.length)];
    yield next(4) === 0 ? s : next(2) === 0 ? `<?xml version="1.${next(2)}"?><root>${s}</root>` : `<root>${s}</root>`;
  }
}

describe('reading XML text in runs', () => {
  it('is in use with the saxes this project locks (an upgrade turns it off until this test is run again)', () => {
    expect(fastXmlUsable()).toBe(true);
  });

  it('takes the text of a feed in runs, with the same events', () => {
    const feed = `<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><item><description>${'&lt;p&gt;Слово за словом, и ещё одно слово.&lt;/p&gt;\n'.repeat(50)}</description></item></channel></rss>`;
    const before = fastXmlStats.runChars;
    expect(saxesEvents(feed, true)).toEqual(saxesEvents(feed, false));
    expect(fastXmlStats.runChars - before).toBeGreaterThan(1500);
    expect(fastXmlStats.entities).toBeGreaterThan(100);
  });

  it('gives the events, errors and positions saxes gives for 20,000 generated documents', () => {
    let differ = 0;
    for (const doc of generated(20_000)) {
      const fast = saxesEvents(doc, true);
      const plain = saxesEvents(doc, false);
      if (fast.length !== plain.length || fast.some((e, i) => e !== plain[i])) {
        differ++;
        expect(fast, JSON.stringify(doc)).toEqual(plain);
      }
    }
    expect(differ).toBe(0);
  }, 60_000);

  it('stops a run at every character saxes treats on its own', () => {
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      NOT_PLAIN_XML.lastIndex = 0;
      const stops = NOT_PLAIN_XML.test(ch);
      // Plain: what both XML 1.0 and 1.1 read as an ordinary character, that is no markup.
      const plain =
        ((c >= 0x20 && c < 0x7f) || (c >= 0xa0 && c < 0xd800 && c !== 0x2028) || (c >= 0xe000 && c <= 0xfffd)) && !'<&>]'.includes(ch);
      expect(stops, `U+${c.toString(16)}`).toBe(!plain);
    }
  });

  it('leaves the audit of feeds as it was: findings, lines and syntax errors', () => {
    const cases = [
      `<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><entry>\n<content type="html">&lt;p&gt;text\r\nmore ]]&gt; text&lt;/p&gt;\n&lt;img src="x" onerror="y"&gt;</content></entry></feed>`,
      `<rss version="2.0"><channel><item><description>text ]]> broken</description></item></channel></rss>`,
      `<rss version="2.0"><channel><item><description>lone \ud800 surrogate and \x01 control\n&lt;script&gt;x&lt;/script&gt;</description></item></channel></rss>`,
      `<?xml version="1.1"?><rss version="2.0"><channel><item><description>nel\x85line\u2028sep \x7f &lt;a href="javascript:x"&gt;a&lt;/a&gt;</description></item></channel></rss>`,
    ];
    for (const xml of cases) {
      const findings = auditText(xml, { file: 'feed.xml' });
      expect(findings.length, xml).toBeGreaterThan(0);
      // The events behind them are saxes' own (checked above); here the lines come out where the problems are.
      expect(findings.every((f) => f.line !== undefined && f.line >= 1), JSON.stringify(findings)).toBe(true);
    }
  });
});
