// The audit's URL helpers took fast paths for the plain URLs pages are made of (src/audit/url.ts).
// Each must give exactly what the general code gives, on hostile input above all: a fast path
// that resolved "%2e%2e" or "a\..\.." differently would let a link climb out unseen.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { browserTrim, classifyUrl, dangerousScheme, DANGEROUS_SCHEMES, resolveAny, resolvePlain, resolveRelative, type Resolution } from '../../src/audit/url.ts';
import { URL_ATTRIBUTES } from '../../src/audit/references.ts';
import { NOT_PLAIN, NOT_PLAIN_OR_DOUBLE_QUOTE, NOT_PLAIN_OR_SINGLE_QUOTE, plain, runEnd } from '../../src/audit/fast-text.ts';

const FIXTURES = path.join(import.meta.dirname, '../fixtures');

const BASES = ['', 'a', 'a/b', 'articles/2010/01/x-y_z~1', 'a/./b', 'a/../b', '.', '..', 'a//b', 'a/', '/a', 'a/%2e%2e', 'é/x', 'a\\b', 'a b', '...', 'a/...'];
const SEGMENTS = [
  '..', '.', '...', 'a', 'index.html', '', '%2e%2e', '%2E', '%2e', '.%2e', 'a%2fb', '%', '%zz', 'b c', 'é', 'слово', '\\', '..\\..', 'x?y', '?', '#', 'x#y',
  '~', '-_.', '\t', ' ', '\u0000', 'x:y', 'a\u00ad', '\ud800', '😀',
];

/** Every URL of up to `depth` segments. */
function* urls(depth: number): Generator<string> {
  let level = [''];
  for (let d = 1; d <= depth; d++) {
    const next: string[] = [];
    for (const prefix of level) for (const s of SEGMENTS) next.push(d === 1 ? s : `${prefix}/${s}`);
    yield* next;
    level = next;
  }
}

/** The hrefs and srcs of the hostile fixtures, as written. */
function fixtureUrls(): string[] {
  const texts = [...readdirSync(path.join(FIXTURES, 'audit')).map((f) => path.join(FIXTURES, 'audit', f)), path.join(FIXTURES, 'xss.txt')].map((f) => readFileSync(f, 'utf8'));
  const out = new Set<string>();
  for (const t of texts) for (const m of t.matchAll(/(?:href|src|srcset|action|poster|data|url\()\s*=?\s*["']?([^"'\s>)]*)/gi)) out.add(m[1]!);
  return [...out];
}

describe('resolveRelative', () => {
  it('resolves plain links without the general code and agrees with it on every generated URL and base', () => {
    let plainCount = 0;
    let total = 0;
    const differing: string[] = [];
    const same = (a: Resolution, b: Resolution) => a.ok === b.ok && (a.ok ? a.target === (b as typeof a).target : a.reason === (b as typeof a).reason);
    for (const base of BASES) {
      for (const url of urls(3)) {
        total++;
        const general = resolveAny(base, url);
        const fast = resolvePlain(base, url);
        if (fast !== undefined) plainCount++;
        if ((fast !== undefined && !same(fast, general)) || !same(resolveRelative(base, url), general)) differing.push(JSON.stringify([base, url]));
      }
    }
    expect(differing).toEqual([]);
    // The fast path does take the plain cases ("..", ".", names).
    expect(total).toBeGreaterThan(400_000);
    expect(plainCount).toBeGreaterThan(2_000);
  });

  it('agrees on the hostile fixtures and on the cases that matter most', () => {
    const cases = [...fixtureUrls(), '../../../../index.html', '../../..', '..', '.', './', 'a/./b/../c', 'a/..', 'a/../..', '%2e%2e/x', '..%2fx', '..\\x', 'a/b/', 'a//b', '/a', '?q', '#f', ''];
    expect(cases.length).toBeGreaterThan(80);
    for (const base of BASES) for (const url of cases) expect(resolveRelative(base, url), `${base} + ${url}`).toEqual(resolveAny(base, url));
    expect(resolveRelative('a/b', '../../../x')).toEqual({ ok: false, reason: 'outside' });
    expect(resolveRelative('a/b', '../../x/.')).toEqual({ ok: true, target: 'x/' });
    expect(resolveRelative('a/b', '../..')).toEqual({ ok: true, target: '/' });
    expect(resolveRelative('a/b', '../c/index.html')).toEqual({ ok: true, target: 'a/c/index.html' });
  });
});

// The code these replaced, kept here as the reference they must agree with.
const oldBrowserTrim = (raw: string): string => raw.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
function oldClassify(raw: string): { form: string; scheme?: string } {
  const url = oldBrowserTrim(raw);
  if (url === '' || url.startsWith('#')) return { form: 'fragment' };
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  if (scheme) return { form: 'scheme', scheme: scheme[1]!.toLowerCase() };
  if (/^[/\\]{2}/.test(url)) return { form: 'network-path' };
  if (/^[/\\]/.test(url)) return { form: 'absolute-path' };
  return { form: 'relative' };
}
function oldDangerous(raw: string): string | undefined {
  if (/^[\x21-\x24\x26-\x7e]*$/.test(raw)) {
    const lower = raw.toLowerCase();
    return DANGEROUS_SCHEMES.find((s) => lower.startsWith(`${s}:`));
  }
  return dangerousScheme(raw); // the rest of the function is unchanged
}

describe('URL classification', () => {
  it('trims, classifies and finds dangerous schemes as the code before its fast paths did', () => {
    const cases = [
      ...fixtureUrls(),
      ...[...urls(2)].slice(0, 2000),
      'JavaScript:alert(1)', ' javascript:x', 'java\tscript:x', 'data:text/html,x', 'DATA:x', 'vbscript:x', 'livescript:', 'mocha:', 'https://a.example/',
      'mailto:x@y', '//host/x', '/\\host', '\\\\host', '/abs', '#top', '', ' ', '\u0000#x', 'a:b', '1a:b', 'x', 'javascript', 'javascript :x', 'javascript%3ax',
    ];
    for (const c of cases) {
      expect(browserTrim(c), c).toBe(oldBrowserTrim(c));
      expect(classifyUrl(c), c).toEqual(oldClassify(c));
      expect(dangerousScheme(c), c).toBe(oldDangerous(c));
    }
  });
});

describe('what the quick reads skip', () => {
  it('every attribute a URL table names is a URL attribute (the skip in addElementReferences relies on it)', () => {
    const src = readFileSync(path.join(import.meta.dirname, '../../src/audit/references.ts'), 'utf8');
    const tables = [...src.matchAll(/^const HTML_(?:LOADS|NAVIGATIONS)[^{]*\{([\s\S]*?)^\};/gm)].map((m) => m[1]!);
    expect(tables).toHaveLength(2);
    const names = tables.flatMap((t) => [...t.matchAll(/^\s*([a-z-]+):/gm)].map((m) => m[1]!));
    expect(names.length).toBeGreaterThan(15);
    for (const n of names) expect(URL_ATTRIBUTES.has(n), n).toBe(true);
  });

  it('the regular expressions that end runs refuse exactly what plain() refuses (and the closing quote)', () => {
    const differing: string[] = [];
    let taken = 0;
    for (let c = 0; c < 0x10000; c++) {
      const s = `a${String.fromCharCode(c)}`;
      if (plain(c)) taken++;
      if ((runEnd(NOT_PLAIN, s, 1) === 2) !== plain(c)) differing.push(`${c.toString(16)}`);
      if ((runEnd(NOT_PLAIN_OR_DOUBLE_QUOTE, s, 1) === 2) !== (plain(c) && c !== 0x22)) differing.push(`${c.toString(16)} "`);
      if ((runEnd(NOT_PLAIN_OR_SINGLE_QUOTE, s, 1) === 2) !== (plain(c) && c !== 0x27)) differing.push(`${c.toString(16)} '`);
    }
    expect(differing).toEqual([]);
    expect(taken).toBeGreaterThan(60_000);
    expect(runEnd(NOT_PLAIN, 'ab<cd', 0)).toBe(2);
    expect(runEnd(NOT_PLAIN, 'abcd', 1)).toBe(4);
  });
});
