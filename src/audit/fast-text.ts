/**
 * parse5, reading runs of plain body text at once. Most of a page is article text, and parse5
 * reads it one character at a time (four-fifths of its time on our pages); the audit never looks
 * at that text, only at what the markup around it builds.
 *
 * The shortcut: in the tokenizer's data state, while the parser is "in body" and not in SVG or
 * MathML, a character token that has just taken a non-whitespace character also takes every
 * following character that cannot start markup or need parse5's own handling: no "<", "&",
 * NUL, CR, LF, tab, form feed, surrogate or noncharacter. parse5 would have cut that run into
 * word and space tokens; "in body" treats both the same (reconstruct formatting elements, insert
 * the text) except that a word also clears frameset-ok, which the run's first character does
 * anyway. So the tree is the same, text included. Likewise inside <style> and the other raw
 * text elements, where the "text" insertion mode inserts words and spaces alike.
 *
 * Attribute values get the same shortcut: in a quoted value, every character but the closing
 * quote, "&", NUL and the end of input is appended as it is, whatever the insertion mode, so after
 * a plain character the value takes the run of plain characters that follows (the quote ends it).
 *
 * It leans on parse5 7.3's internals, so it is used only with that version, only after a self
 * check on tricky input gives the same trees as parse5 itself, and only for the audit's quick
 * pass (no line numbers, no parse errors reported). test/audit/fast-text.test.ts compares both on
 * every hostile fixture and 20,000 generated documents.
 */
import { packageVersion } from '../paths.ts';
import { selfCheck } from './self-check.ts';
import { Parser, serialize, Token, TokenizerMode, parse, parseFragment, type DefaultTreeAdapterMap, type ParserOptions } from 'parse5';

type Options = ParserOptions<DefaultTreeAdapterMap>;
type Document = DefaultTreeAdapterMap['document'];
type Fragment = DefaultTreeAdapterMap['documentFragment'];

/** parse5's InsertionMode.IN_BODY and TEXT (not exported); the self check below catches a change. */
const IN_BODY = 6;
const TEXT = 7;
const CHARACTER = Token.TokenType.CHARACTER;
const DATA = TokenizerMode.DATA;
const RAWTEXT = TokenizerMode.RAWTEXT;
/** parse5's tokenizer states for quoted attribute values (not exported); the self check catches a change. */
const ATTRIBUTE_VALUE_DOUBLE_QUOTED = 35;
const ATTRIBUTE_VALUE_SINGLE_QUOTED = 36;

/** A character that may continue a run: printable, not "<" or "&", not a surrogate or noncharacter. */
export function plain(c: number): boolean {
  return (c > 0x1f && c < 0x7f && c !== 0x3c && c !== 0x26) || (c > 0x9f && c < 0xd800) || (c > 0xdfff && c < 0xfdd0);
}

/**
 * The characters plain() refuses (as UTF-16 code units: either half of a surrogate pair too),
 * alone and with a closing quote: a regular expression finds the end of a run several times
 * faster than a loop over charCodeAt. test/audit/fast-text.test.ts checks them against plain().
 */
export const NOT_PLAIN = /[\0-\x1f\x7f-\x9f<&\ud800-\udfff\ufdd0-\uffff]/g;
export const NOT_PLAIN_OR_DOUBLE_QUOTE = /[\0-\x1f\x7f-\x9f<&"\ud800-\udfff\ufdd0-\uffff]/g;
export const NOT_PLAIN_OR_SINGLE_QUOTE = /[\0-\x1f\x7f-\x9f<&'\ud800-\udfff\ufdd0-\uffff]/g;

/** The end of the run that starts at `start`: the first character `stop` matches, or the end of html. */
export function runEnd(stop: RegExp, html: string, start: number): number {
  stop.lastIndex = start;
  return stop.test(html) ? stop.lastIndex - 1 : html.length;
}

/** The parts of parse5's tokenizer and parser the shortcut touches. */
interface TokenizerInternals {
  _stateData(cp: number): void;
  _stateRawtext(cp: number): void;
  _stateAttributeValueDoubleQuoted(cp: number): void;
  _stateAttributeValueSingleQuoted(cp: number): void;
  currentAttr: { name: string; value: string };
  state: number;
  inForeignNode: boolean;
  consumedAfterSnapshot: number;
  currentCharacterToken: { type: number; chars: string } | null;
  preprocessor: { pos: number; html: string };
}

/** Counts characters taken in runs of text and of attribute values (for tests). */
export const fastTextStats = { runChars: 0, attributeRunChars: 0 };

function withRuns<P extends Parser<DefaultTreeAdapterMap>>(parser: P): P {
  const tokenizer = parser.tokenizer as unknown as TokenizerInternals;
  const pre = tokenizer.preprocessor;
  const mode = () => (parser as unknown as { insertionMode: number }).insertionMode;
  /** After parse5 has taken a non-whitespace character into a character token: the run after it too. */
  const takeRun = (cp: number) => {
    if (cp === 0x20 || !plain(cp)) return;
    const token = tokenizer.currentCharacterToken;
    if (!token || token.type !== CHARACTER) return;
    const html = pre.html;
    const start = pre.pos + 1;
    const end = runEnd(NOT_PLAIN, html, start);
    if (end === start) return;
    token.chars += html.slice(start, end);
    tokenizer.consumedAfterSnapshot += end - start;
    pre.pos = end - 1;
    fastTextStats.runChars += end - start;
  };
  /** After parse5 has appended a plain character to a quoted attribute value: the run after it too. */
  const takeValueRun = (stop: RegExp) => {
    const html = pre.html;
    const start = pre.pos + 1;
    const end = runEnd(stop, html, start);
    if (end === start) return;
    tokenizer.currentAttr.value += html.slice(start, end);
    tokenizer.consumedAfterSnapshot += end - start;
    pre.pos = end - 1;
    fastTextStats.attributeRunChars += end - start;
  };
  const stateData = tokenizer._stateData;
  tokenizer._stateData = function (this: TokenizerInternals, cp: number) {
    stateData.call(this, cp);
    if (mode() === IN_BODY && !this.inForeignNode && this.state === DATA) takeRun(cp);
  };
  // Style sheets and the other raw text elements: only "<" can end them.
  const stateRawtext = tokenizer._stateRawtext;
  tokenizer._stateRawtext = function (this: TokenizerInternals, cp: number) {
    stateRawtext.call(this, cp);
    if (mode() === TEXT && this.state === RAWTEXT) takeRun(cp);
  };
  const stateDoubleQuoted = tokenizer._stateAttributeValueDoubleQuoted;
  tokenizer._stateAttributeValueDoubleQuoted = function (this: TokenizerInternals, cp: number) {
    stateDoubleQuoted.call(this, cp);
    if (this.state === ATTRIBUTE_VALUE_DOUBLE_QUOTED && cp !== 0x22 && plain(cp)) takeValueRun(NOT_PLAIN_OR_DOUBLE_QUOTE);
  };
  const stateSingleQuoted = tokenizer._stateAttributeValueSingleQuoted;
  tokenizer._stateAttributeValueSingleQuoted = function (this: TokenizerInternals, cp: number) {
    stateSingleQuoted.call(this, cp);
    if (this.state === ATTRIBUTE_VALUE_SINGLE_QUOTED && cp !== 0x27 && plain(cp)) takeValueRun(NOT_PLAIN_OR_SINGLE_QUOTE);
  };
  return parser;
}

function fastDocument(html: string, options: Options): Document {
  const parser = withRuns(new Parser(options));
  parser.tokenizer.write(html, true);
  return parser.document;
}

function fastFragment(html: string, options: Options): Fragment {
  const parser = withRuns(Parser.getFragmentParser(null, options));
  parser.tokenizer.write(html, true);
  return parser.getFragment();
}

/** Input on which the shortcut must build exactly parse5's trees before it is trusted. */
const PROBES = [
  '<!DOCTYPE html><html><head><title>t</title></head><body><p>Plain words, and more: 1 < 2 &amp; 3 > 2.</p><pre>\nkept</pre></body></html>',
  'words before <frameset><frame></frameset>',
  '   <frameset><frame></frameset>',
  '<table>text in a table<tr><td>cell text</td></tr></table> after',
  '<p><b>bold <i>both</p> reconstructed text <svg><desc>in svg</desc>svg text</svg> <math><mi>x</mi></math> tail',
  '<select>option text<option>one two</select><template>in template<p>x</template><textarea>\nraw < text</textarea>',
  '<style>p { color: red } a < b </style >x</stylé></style><xmp>raw <b>text</b></xmp><noscript>no <i>script</i></noscript>',
  'слово за словом 😀 \ud800 lone \ufdd0 end\0nul\r\ncrlf\ttab\fff',
  // Modes where words and spaces differ: frameset drops words, tables move them out, …
  '<frameset>two words<frame></frameset>',
  '<table>two words<tr><td>x</table><select>two words<option>y</select>',
  '<head>two words</head></body></html>two words<svg>two words</svg>',
  // Attribute values: quotes, references, NUL, line breaks, surrogates, foreign content, duplicates.
  `<a href="../a b/index.html?x=1&amp;y=2#f" title='it"s &lt; 3' data-x="caf\u00e9 \ud83d\ude00 \ud800 \0nul\r\nline\ttab" class=un&quot;quoted>x</a>`,
  `<p id="one" id="two" lang='ru' title="&notin &#x26; done"><svg><a xlink:href="#a b" href='x'>s</a></svg><math><mi mathvariant="bold">x</mi></math></p><img alt="unclosed`,
];

/**
 * Whether the shortcut may be used: parse5 7.3 whose internals are as expected, and the same
 * trees (./self-check.ts). The audit cache keeps a passed check (keyed, like its results, by the
 * audit's version: its own source and parse5's), so a rebuild does not run the probes again.
 */
const fastText = selfCheck(checkFastText);
export const { usable: fastTextUsable, checkedBefore: fastTextCheckedBefore, verdict: fastTextVerdict } = fastText;

function checkFastText(probes: boolean): boolean {
  try {
    if (!packageVersion('parse5')?.startsWith('7.3.')) return false;
    const probe = new Parser<DefaultTreeAdapterMap>().tokenizer as unknown as Partial<TokenizerInternals>;
    if (
      typeof probe._stateData !== 'function' ||
      typeof probe._stateRawtext !== 'function' ||
      typeof probe._stateAttributeValueDoubleQuoted !== 'function' ||
      typeof probe._stateAttributeValueSingleQuoted !== 'function' ||
      typeof probe.currentAttr?.value !== 'string' ||
      typeof probe.preprocessor?.pos !== 'number' ||
      typeof probe.consumedAfterSnapshot !== 'number'
    ) {
      return false;
    }
    if (!probes) return true;
    for (const scriptingEnabled of [true, false]) {
      for (const p of PROBES) {
        if (serialize(fastDocument(p, { scriptingEnabled })) !== serialize(parse(p, { scriptingEnabled }))) return false;
        if (serialize(fastFragment(p, { scriptingEnabled })) !== serialize(parseFragment(p, { scriptingEnabled }))) return false;
      }
    }
    return true;
  } catch {
    return false;
  }
}

/** parse5's parse(), faster on body text when fastTextUsable(); never with line numbers. */
export function parseQuick(html: string, options: Options): Document {
  return !options.sourceCodeLocationInfo && !options.onParseError && fastTextUsable() ? fastDocument(html, options) : parse(html, options);
}

/** parse5's parseFragment(), likewise. */
export function parseFragmentQuick(html: string, options: Options): Fragment {
  return !options.sourceCodeLocationInfo && !options.onParseError && fastTextUsable() ? fastFragment(html, options) : parseFragment(html, options);
}
