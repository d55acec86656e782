/**
 * saxes, reading runs of plain character data at once. A feed is mostly text (the escaped HTML
 * of fifty articles), and saxes reads text one code point at a time through getCode(): four
 * fifths of the time it takes over a feed.
 *
 * The shortcut: in saxes' loop over text inside the root element (handleTextInRoot), a character
 * that falls to the loop's default case (it is not "<", "&", "]", ">", a line end or the end of
 * input) only moves the reading position on, adds one to the column and resets the "]]>" watch.
 * Every following character that is plain for XML 1.0 and 1.1 alike (printable, no markup
 * character, no line end, no C1 control, no surrogate, not U+FFFE/U+FFFF) would do exactly the
 * same, so the whole run is taken in one step: the position, column and "]]>" watch come out as
 * they would, and the text handed to the text handler is the same slice of the input. Anything
 * else is left to saxes' own per-character code, errors included. And a reference to an entity
 * the parser knows by name ("&lt;", which escaped HTML is full of) is resolved in place, as
 * saxes' entity state would resolve it, instead of leaving the text state and coming back.
 *
 * It replaces one of saxes 6.0.0's methods with a copy of it that skips runs (so it is used only
 * with that version), and only after a self check on tricky input gives the same events, errors
 * and positions as saxes itself. test/audit/fast-xml.test.ts compares both on generated documents.
 */
import { SaxesParser, type SaxesOptions } from 'saxes';
import { packageVersion } from '../paths.ts';
import { selfCheck } from './self-check.ts';

// saxes 6.0.0's internal constants (not exported); the self check below catches a change.
const EOC = -1;
const NL_LIKE = -2;
const S_ENTITY = 14;
const S_OPEN_WAKA = 15;
const S_TEXT = 13;
const LESS = 0x3c;
const AMP = 0x26;
const GREATER = 0x3e;
const CLOSE_BRACKET = 0x5d;
const FORBIDDEN_START = 0;
const FORBIDDEN_BRACKET = 1;
const FORBIDDEN_BRACKET_BRACKET = 2;
const SEMICOLON = 0x3b;
/** Longer names ("&nbsp;" is not XML) are left to saxes. */
const MAX_ENTITY_NAME = 8;
const isLowerAscii = (c: number) => c >= 0x61 && c <= 0x7a;

/**
 * The first character that is not plain character data: markup ("<", "&", ">", "]"), anything
 * below U+0020 (line ends and tab included), DEL and the C1 controls, U+2028 (a line end in XML
 * 1.1), surrogates, U+FFFE and U+FFFF.
 */
export const NOT_PLAIN_XML = /[^\x20-\x25\x27-\x3b\x3d\x3f-\x5c\x5e-\x7e\xa0-\u2027\u2029-\ud7ff\ue000-\ufffd]/g;

/** The parts of saxes' parser the shortcut touches. */
interface SaxesInternals {
  i: number;
  prevI: number;
  column: number;
  chunk: string;
  text: string;
  state: number;
  entityReturnState: number | undefined;
  ENTITIES: Record<string, string | undefined>;
  forbiddenState: number;
  textHandler: ((text: string) => void) | undefined;
  getCode(): number;
  fail(message: string): void;
  handleTextInRoot(): void;
}

/** Counts characters taken in runs (for tests). */
export const fastXmlStats = { runChars: 0, entities: 0 };

/** saxes' handleTextInRoot, taking runs of plain characters in one step. */
function handleTextInRoot(this: SaxesInternals): void {
  let { i: start, forbiddenState } = this;
  const { chunk, textHandler: handler } = this;
  for (;;) {
    switch (this.getCode()) {
      case LESS: {
        this.state = S_OPEN_WAKA;
        if (handler !== undefined) {
          const { text } = this;
          const slice = chunk.slice(start, this.prevI);
          if (text.length !== 0) {
            handler(text + slice);
            this.text = '';
          } else if (slice.length !== 0) {
            handler(slice);
          }
        }
        this.forbiddenState = FORBIDDEN_START;
        return;
      }
      case AMP: {
        this.entityReturnState = S_TEXT;
        // The second shortcut: "&lt;" and the other named entities the parser knows, resolved
        // here as sEntity and parseEntity would (the same text, position and state after).
        if (handler !== undefined) {
          const from = this.i;
          let end = from;
          while (end < from + MAX_ENTITY_NAME && end < chunk.length && isLowerAscii(chunk.charCodeAt(end))) end++;
          const value = end > from && chunk.charCodeAt(end) === SEMICOLON ? this.ENTITIES[chunk.slice(from, end)] : undefined;
          if (typeof value === 'string') {
            this.text += chunk.slice(start, this.prevI) + value;
            this.column += end + 1 - from;
            this.i = end + 1;
            start = this.i;
            forbiddenState = FORBIDDEN_START;
            fastXmlStats.entities++;
            break;
          }
        }
        this.state = S_ENTITY;
        if (handler !== undefined) this.text += chunk.slice(start, this.prevI);
        this.forbiddenState = FORBIDDEN_START;
        return;
      }
      case CLOSE_BRACKET:
        if (forbiddenState === FORBIDDEN_START) forbiddenState = FORBIDDEN_BRACKET;
        else if (forbiddenState === FORBIDDEN_BRACKET) forbiddenState = FORBIDDEN_BRACKET_BRACKET;
        break;
      case GREATER:
        if (forbiddenState === FORBIDDEN_BRACKET_BRACKET) this.fail('the string "]]>" is disallowed in char data.');
        forbiddenState = FORBIDDEN_START;
        break;
      case NL_LIKE:
        if (handler !== undefined) this.text += `${chunk.slice(start, this.prevI)}\n`;
        start = this.i;
        forbiddenState = FORBIDDEN_START;
        break;
      case EOC:
        if (handler !== undefined) this.text += chunk.slice(start);
        this.forbiddenState = forbiddenState;
        return;
      default: {
        forbiddenState = FORBIDDEN_START;
        // The shortcut: the plain characters that follow, at once.
        const from = this.i;
        NOT_PLAIN_XML.lastIndex = from;
        const end = NOT_PLAIN_XML.test(chunk) ? NOT_PLAIN_XML.lastIndex - 1 : chunk.length;
        if (end > from) {
          this.column += end - from;
          this.i = end;
          fastXmlStats.runChars += end - from;
        }
      }
    }
  }
}

/** A saxes parser that reads runs of plain text at once, when the shortcut is usable. */
export function fastSaxesParser<O extends SaxesOptions>(options: O): SaxesParser<O> {
  const parser = new SaxesParser(options);
  if (fastXmlUsable()) withRuns(parser);
  return parser;
}

function withRuns<O extends SaxesOptions>(parser: SaxesParser<O>): SaxesParser<O> {
  (parser as unknown as SaxesInternals).handleTextInRoot = handleTextInRoot;
  return parser;
}

/** Input on which the shortcut must give exactly saxes' events before it is trusted. */
const PROBES = [
  '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title type="html">a &lt;b&gt; c &amp;amp; d</title>\n<entry><content type="html">&lt;p&gt;Слово за словом, 1 &lt; 2.&lt;/p&gt;\r\n&lt;p&gt;more\rtext\ttab&lt;/p&gt;</content></entry></feed>',
  '<r>a]]>b</r>',
  '<r>a]] >b]]]>c ]>]]x]]</r>',
  '<r>text ]</r><!-- after -->',
  '<r>😀 pair \ud800 lone \udc00 low \ufffe\uffff nonchar \x01 control \x7f\x85\x9f c1 \u2028 ls \u2029 ps end</r>',
  '<?xml version="1.1"?><r>one\x85two\u2028three\r\x85four \x7f\x80 restricted \x01 five</r>',
  '<r><![CDATA[ raw <b> ]]> text ]]></r>',
  '<r>before &unknown; after &#x41; &#65; &#0; &#xD800; &lt;</r>',
  '<r>&lt;p&gt;&quot;&apos;&amp;amp;&lt &l &LT; &ltx; &abcdefghij; &lt;\n&gt;</r>&lt;',
  '<r>end &lt;',
  '<r>]]&lt;> ]&amp;]> ]]&nope;> x]]&#62;></r>',
  '  <r>x</r> trailing text',
  'text before <r>x</r>',
  '<r>unclosed <b>bold</r> tail',
  '<r a="1" b=\'two &amp; three\'>t<x/>u<y>v</y>w</r>',
  '<r>long run long run long run long run long run\nnext line\r\nthird line\rfourth</r>',
  '<r>abc',
];

/** Every event saxes gives, with its position, as strings. */
export function saxesEvents(xml: string, fast: boolean): string[] {
  const parser = new SaxesParser({ xmlns: true, position: true, fileName: 'probe.xml' });
  if (fast) withRuns(parser);
  const events: string[] = [];
  const at = () => `@${parser.line}:${parser.column}:${parser.position}`;
  parser.on('error', (err) => events.push(`error ${err.message} ${at()}`));
  parser.on('xmldecl', (d) => events.push(`xmldecl ${JSON.stringify(d)} ${at()}`));
  parser.on('doctype', (t) => events.push(`doctype ${t} ${at()}`));
  parser.on('processinginstruction', (pi) => events.push(`pi ${pi.target} ${pi.body} ${at()}`));
  parser.on('opentag', (t) => events.push(`open ${t.name} ${JSON.stringify(Object.values(t.attributes).map((a) => [a.name, a.value, a.uri]))} ${at()}`));
  parser.on('closetag', (t) => events.push(`close ${t.name} ${at()}`));
  parser.on('text', (t) => events.push(`text ${JSON.stringify(t)} ${at()}`));
  parser.on('cdata', (t) => events.push(`cdata ${JSON.stringify(t)} ${at()}`));
  parser.on('comment', (t) => events.push(`comment ${JSON.stringify(t)} ${at()}`));
  parser.on('end', () => events.push(`end ${at()}`));
  try {
    parser.write(xml).close();
  } catch (err) {
    events.push(`threw ${(err as Error).message}`);
  }
  return events;
}

/** Whether the shortcut may be used: saxes 6.0.0, giving the same events as without it (./self-check.ts). */
const fastXml = selfCheck(checkFastXml);
export const { usable: fastXmlUsable, checkedBefore: fastXmlCheckedBefore, verdict: fastXmlVerdict } = fastXml;

function checkFastXml(probes: boolean): boolean {
  try {
    if (packageVersion('saxes') !== '6.0.0') return false;
    if (typeof (SaxesParser.prototype as unknown as SaxesInternals).handleTextInRoot !== 'function') return false;
    if (!probes) return true;
    for (const probe of PROBES) {
      const plain = saxesEvents(probe, false);
      const fast = saxesEvents(probe, true);
      if (plain.length !== fast.length || plain.some((e, i) => e !== fast[i])) return false;
    }
    return true;
  } catch {
    return false;
  }
}
