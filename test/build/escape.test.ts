import { describe, expect, it } from 'vitest';
import { esc, stripInvalidXmlChars } from '../../src/build/templates/escape.ts';

/** What XML 1.0 forbids, removed the slow way: the reference the quick checks must agree with. */
const reference = (text: string) =>
  // eslint-disable-next-line no-control-regex
  text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');

describe('stripInvalidXmlChars', () => {
  it('removes controls, U+FFFE/U+FFFF and lone surrogates, and keeps pairs, tab, newline and CR', () => {
    expect(stripInvalidXmlChars('a\u0000b\u0008c\u000Bd\u001Fe\uFFFEf\uFFFFg')).toBe('abcdefg');
    expect(stripInvalidXmlChars('x\uD800y\uDC00z')).toBe('xyz');
    expect(stripInvalidXmlChars('😀 tab\there\nnew\rcr')).toBe('😀 tab\there\nnew\rcr');
    expect(stripInvalidXmlChars('\uDC00\uD800')).toBe('');
    const clean = 'Пример مثال example '.repeat(1000);
    expect(stripInvalidXmlChars(clean)).toBe(clean);
  });

  it('gives what the full replace gives, for 20,000 random strings of awkward code units', () => {
    const units = [0x0, 0x8, 0x9, 0xa, 0xb, 0xd, 0x1f, 0x20, 0x41, 0x7f, 0x85, 0x416, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xfffd, 0xfffe, 0xffff];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) % units.length;
    for (let i = 0; i < 20_000; i++) {
      const text = String.fromCharCode(...Array.from({ length: 1 + (i % 12) }, () => units[next()]!));
      expect(stripInvalidXmlChars(text), JSON.stringify(text)).toBe(reference(text));
    }
    expect(esc('<a href="x">\u0000')).toBe('&lt;a href=&quot;x&quot;&gt;');
  });
});
