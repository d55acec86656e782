// auditWritten (what the stream workers run) must give for a page's text exactly what auditing
// the bytes a UTF-8 write of it gives: the same findings, the sha256 of those bytes, the same
// bundle questions. It encodes each page once into a reused buffer and reads lone surrogates off
// the encoding; these cases are where that could go wrong.
import { describe, expect, it } from 'vitest';
import { auditBytes, auditWritten } from '../../src/audit/run.ts';
import { sha256 } from '../../src/audit/cache.ts';
import { selectRules } from '../../src/audit/rules/index.ts';
import { wrapPage } from './fixture-file.ts';

const rules = selectRules();
const bundle = { files: new Set(['index.html', 'a/index.html', 'feed.json']), folders: new Set(['', 'a']) };

const TEXTS: Array<[string, string]> = [
  ['index.html', wrapPage('<p>plain</p><a href="a/index.html">a</a>')],
  ['index.html', wrapPage('<p>lone high \ud800 surrogate</p><a href="gone.html">x</a>')],
  ['index.html', wrapPage('<p>lone low \udc00 surrogate</p>')],
  // Read as written, "java\ufffdscript:": a reader that drops U+FFFD sees javascript:.
  ['index.html', wrapPage('<a href="java\ud800script:alert(1)">x</a>')],
  ['index.html', `${wrapPage('<p>ends with a lone surrogate</p>')}\ud83d`],
  ['index.html', wrapPage('<p>a real replacement character \ufffd and a pair \ud83d\ude00</p>')],
  ['index.html', wrapPage('<p>both \ufffd and \udfff</p>')],
  ['index.html', `\ufeff${wrapPage('<p>byte order mark</p>')}`],
  ['index.html', ''],
  ['a/index.html', wrapPage(`<p>${'слово за словом '.repeat(20_000)}</p><img src="https://example.org/x.png">`)],
  // Longer than the reused buffer is ever made: encoded on its own.
  ['a/index.html', wrapPage(`<p>${'long text '.repeat(160_000)}\ud800</p>`)],
  ['a/index.html', wrapPage('<p>short again, after long ones</p><a href="../index.html">home</a>')],
  ['feed.json', JSON.stringify({ items: [{ id: '1', url: 'a/index.html', content_html: '<p onclick="x()">\ud800</p>' }] })],
];

describe('auditWritten', () => {
  it('gives what auditing the written bytes gives, sha256 and bundle questions included', () => {
    for (const [file, text] of TEXTS) {
      const bytes = Buffer.from(text, 'utf8');
      const written = auditWritten(file, text, rules, bundle, true);
      expect(written, `${file}: ${text.slice(0, 80)}`).toEqual(auditBytes(file, bytes, rules, bundle, true));
      expect(written.sha256).toBe(sha256(bytes));
      expect(auditWritten(file, text, rules, bundle, false)).toEqual(auditBytes(file, bytes, rules, bundle, false));
    }
  });

  it('audits a lone surrogate as the U+FFFD a write turns it into', () => {
    const lone = auditWritten('index.html', wrapPage('<p>\ud800</p>'), rules, bundle, true);
    const replaced = auditWritten('index.html', wrapPage('<p>\ufffd</p>'), rules, bundle, true);
    expect(lone).toEqual(replaced);
    expect(lone.sha256).toBe(sha256(Buffer.from(wrapPage('<p>\ufffd</p>'), 'utf8')));
    const disguised = auditWritten('index.html', wrapPage('<a href="java\ud800script:alert(1)">x</a>'), rules, bundle, true);
    expect(disguised.findings.map((f) => f.rule)).toContain('no-dangerous-urls');
  });
});
