// URL handling the way a browser's URL parser does it (WHATWG URL), so the audit sees the scheme
// and target a browser would, whatever the spelling.
import path from 'node:path';
import type { UrlForm } from './types.ts';

/** Schemes that run code or carry a whole document inside the URL. */
export const DANGEROUS_SCHEMES = ['javascript', 'vbscript', 'data', 'livescript', 'mocha'] as const;

/**
 * What the URL parser does first: strip leading and trailing C0 controls and spaces, and remove
 * every tab, LF and CR anywhere ("java&#9;script:" is "javascript:").
 */
export function browserTrim(raw: string): string {
  // Nearly every URL has no such character: one scan instead of two replacements.
  if (!C0_OR_SPACE.test(raw)) return raw;
  return raw.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
}

const C0_OR_SPACE = /[\u0000-\u0020]/;

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

/** The answers without a scheme, shared: classifyUrl runs several times for every reference. */
const FRAGMENT: { form: UrlForm } = Object.freeze({ form: 'fragment' });
const NETWORK_PATH: { form: UrlForm } = Object.freeze({ form: 'network-path' });
const ABSOLUTE_PATH: { form: UrlForm } = Object.freeze({ form: 'absolute-path' });
const RELATIVE: { form: UrlForm } = Object.freeze({ form: 'relative' });

/** How the reference is written: same document, relative, host-absolute, other host, or a scheme. */
export function classifyUrl(raw: string): { form: UrlForm; scheme?: string } {
  const url = browserTrim(raw);
  if (url === '' || url.startsWith('#')) return FRAGMENT;
  // A scheme ends in ":"; most URLs of a page have none.
  const scheme = url.includes(':') ? SCHEME.exec(url) : null;
  if (scheme) return { form: 'scheme', scheme: scheme[1]!.toLowerCase() };
  // For http(s) and file URLs browsers read "\" as "/": "\\host" and "/\host" are other hosts.
  if (/^[/\\]{2}/.test(url)) return NETWORK_PATH;
  if (/^[/\\]/.test(url)) return ABSOLUTE_PATH;
  return RELATIVE;
}

/** Printable ASCII but "%": NFKC leaves it alone, and nothing in it is a space, control or format character. */
const PLAIN_URL = /^[\x21-\x24\x26-\x7e]*$/;

/** "javascript:", "vbscript:" …, in DANGEROUS_SCHEMES' order. */
const DANGEROUS_PREFIXES = DANGEROUS_SCHEMES.map((s) => `${s}:`);

function percentDecode(s: string): string {
  return s.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * The dangerous scheme a value names, under any disguise a browser or a lax reader might see
 * through: case, whitespace and control or zero-width characters anywhere, full-width letters,
 * percent-encoding (repeated). Stricter than any browser on purpose: a false alarm on hostile
 * input costs nothing, a miss costs a reader.
 */
export function dangerousScheme(raw: string): string | undefined {
  // Printable ASCII without "%" (nearly every URL of a page) has no disguise to see through.
  if (PLAIN_URL.test(raw)) {
    // Each prefix ends in ":": a URL without one names no scheme.
    if (!raw.includes(':')) return undefined;
    const lower = raw.toLowerCase();
    for (let i = 0; i < DANGEROUS_PREFIXES.length; i++) if (lower.startsWith(DANGEROUS_PREFIXES[i]!)) return DANGEROUS_SCHEMES[i];
    return undefined;
  }
  let value = raw;
  for (let round = 0; round < 4; round++) {
    const squeezed = value
      .normalize('NFKC')
      .replace(/[\s\p{Cc}\p{Cf}\u00ad\ufffd]/gu, '')
      .toLowerCase();
    const hit = DANGEROUS_SCHEMES.find((s) => squeezed.startsWith(`${s}:`));
    if (hit) return hit;
    const decoded = percentDecode(value);
    if (decoded === value) break;
    value = decoded;
  }
  return undefined;
}

export type Resolution =
  /** `target` is a bundle path; it ends in "/" when the URL names a folder. */
  | { ok: true; target: string }
  /** Only a query: the same document. */
  | { ok: true; target: null }
  | { ok: false; reason: 'outside' | 'malformed' };

/**
 * Resolves a relative URL against a folder of the bundle ("" is the root) to a "/"-separated
 * path relative to the bundle root, the way a browser would (query and fragment dropped,
 * percent-decoding, "\" read as "/").
 */
export function resolveRelative(base: string, raw: string): Resolution {
  return resolvePlain(base, raw) ?? resolveAny(base, raw);
}

/**
 * A path of plain segments: none empty, none with percent-encoding, a query, a fragment, a
 * backslash, a space, a control or a non-ASCII character ("." and ".." are handled below).
 */
const PLAIN_PATH = /^[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/;
/** A "." or ".." segment anywhere. */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;
/** Leading "../" segments. */
const LEADING_UP = /^(?:\.\.\/)+/;

/**
 * resolveRelative for the URLs pages are made of ("../../tags/x/index.html", "a.png"): a base
 * and a URL of plain segments. Anything else is left to resolveAny (undefined). Gives what
 * resolveAny gives: path.posix.normalize drops "." and resolves ".." against the segment before
 * it, and a ".." with nothing left to climb stays at the front, which resolveAny reads as
 * outside. test/audit/url.test.ts compares both.
 */
export function resolvePlain(base: string, raw: string): Resolution | undefined {
  if (!PLAIN_PATH.test(raw)) return undefined;
  if (base !== lastBase) {
    lastBase = base;
    lastBasePlain = base === '' || (PLAIN_PATH.test(base) && !DOT_SEGMENT.test(base));
  }
  if (!lastBasePlain) return undefined;
  // The usual link: some "../", then names only.
  const up = LEADING_UP.exec(raw);
  const climb = up === null ? 0 : up[0].length / 3;
  const rest = climb === 0 ? raw : raw.slice(climb * 3);
  if (!DOT_SEGMENT.test(rest)) {
    let dir = base;
    for (let i = 0; i < climb; i++) {
      if (dir === '') return OUTSIDE;
      const slash = dir.lastIndexOf('/');
      dir = slash === -1 ? '' : dir.slice(0, slash);
    }
    return { ok: true, target: dir === '' ? rest : `${dir}/${rest}` };
  }
  // Anything else of plain segments, one at a time.
  const parts = base === '' ? [] : base.split('/');
  let outside = false;
  let last = '';
  for (last of raw.split('/')) {
    if (last === '.') continue;
    if (last === '..') {
      if (parts.length === 0) outside = true;
      else parts.pop();
    } else {
      parts.push(last);
    }
  }
  if (outside) return OUTSIDE;
  const target = parts.join('/');
  // "x/." and "x/.." name folders.
  return { ok: true, target: last === '.' || last === '..' ? `${target}/` : target };
}

const OUTSIDE: Resolution = Object.freeze({ ok: false, reason: 'outside' });

/** Whether the base last asked about is plain: a page asks about the same one for every link. */
let lastBase = '';
let lastBasePlain = true;

/** resolveRelative for any URL. */
export function resolveAny(base: string, raw: string): Resolution {
  const url = browserTrim(raw).replace(/\\/g, '/');
  const end = url.search(/[?#]/);
  const pathPart = end === -1 ? url : url.slice(0, end);
  if (pathPart === '') return { ok: true, target: null };
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathPart);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const joined = path.posix.normalize(path.posix.join(base === '' ? '.' : base, decoded));
  if (joined === '..' || joined.startsWith('../') || path.posix.isAbsolute(joined)) return { ok: false, reason: 'outside' };
  const target = joined === '.' || joined === './' ? '' : joined.replace(/^\.\//, '');
  // "x/", "x/." and "x/.." all name folders.
  const folderish = /(^|\/)\.{0,2}$/.test(decoded);
  return { ok: true, target: folderish ? target.replace(/\/*$/, '/') : target };
}

/** The folder part of a bundle path: "a/b/index.html" → "a/b", "index.html" → "". */
export function folderOf(file: string): string {
  const dir = path.posix.dirname(file);
  return dir === '.' ? '' : dir;
}
