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
  return raw.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
}

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

/** How the reference is written: same document, relative, host-absolute, other host, or a scheme. */
export function classifyUrl(raw: string): { form: UrlForm; scheme?: string } {
  const url = browserTrim(raw);
  if (url === '' || url.startsWith('#')) return { form: 'fragment' };
  const scheme = SCHEME.exec(url);
  if (scheme) return { form: 'scheme', scheme: scheme[1]!.toLowerCase() };
  // For http(s) and file URLs browsers read "\" as "/": "\\host" and "/\host" are other hosts.
  if (/^[/\\]{2}/.test(url)) return { form: 'network-path' };
  if (/^[/\\]/.test(url)) return { form: 'absolute-path' };
  return { form: 'relative' };
}

/** Printable ASCII but "%": NFKC leaves it alone, and nothing in it is a space, control or format character. */
const PLAIN_URL = /^[\x21-\x24\x26-\x7e]*$/;

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
    const lower = raw.toLowerCase();
    return DANGEROUS_SCHEMES.find((s) => lower.startsWith(`${s}:`));
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
