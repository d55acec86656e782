/** Is it text at all, and which kind: plain text, an HTML page or a feed? */
import { InputError } from '../errors.ts';
import type { SourceKind } from './types.ts';

const MAGIC: Array<[RegExp | number[], string]> = [
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [[0x50, 0x4b, 0x03, 0x04], 'a zip archive (or a Word/OpenDocument file)'],
  [[0x1f, 0x8b], 'a gzip archive'],
  [[0x7f, 0x45, 0x4c, 0x46], 'a program (ELF)'],
  [[0xd0, 0xcf, 0x11, 0xe0], 'an old Microsoft Office document'],
];

/**
 * Throws INGEST_EMPTY or INGEST_BINARY when the bytes cannot be an article. `where` names the
 * source in the message.
 */
export function assertTextual(bytes: Uint8Array, where: string, file?: string): void {
  const loc = file ? { file } : {};
  if (bytes.length === 0 || (bytes.length <= 65536 && /^\s*$/.test(Buffer.from(bytes).toString('latin1')))) {
    throw new InputError('INGEST_EMPTY', `${where} is empty`, { ...loc, hint: 'Check that the file was saved completely, or give another source.' });
  }
  for (const [magic, what] of MAGIC) {
    const sig = magic as number[];
    if (sig.every((b, i) => bytes[i] === b)) {
      throw new InputError('INGEST_BINARY', `${where} is ${what}, not text, HTML or a feed`, { ...loc, hint: 'Give the page itself, its text, or the feed; images are fetched from the pages that use them.' });
    }
  }
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  if (utf16) return;
  const head = bytes.subarray(0, 8192);
  let control = 0;
  for (const b of head) {
    if (b === 0) {
      throw new InputError('INGEST_BINARY', `${where} is a binary file (it contains NUL bytes), not text, HTML or a feed`, { ...loc, hint: 'Give the page itself, its text, or the feed.' });
    }
    if (b < 0x09 || (b > 0x0d && b < 0x20)) control++;
  }
  if (control > head.length * 0.1) {
    throw new InputError('INGEST_BINARY', `${where} looks like a binary file (${control} control bytes in its first ${head.length}), not text`, { ...loc, hint: 'Give the page itself, its text, or the feed.' });
  }
}

/** Guesses the kind of decoded content; `hint` is what the content type or file name suggested. */
export function guessKind(text: string, hint?: SourceKind | 'json'): SourceKind {
  const head = text.slice(0, 4096).replace(/^\uFEFF/, '').trimStart();
  if (/^[{[]/.test(head)) {
    if (/"version"\s*:\s*"https?:\/\/jsonfeed\.org\/version\//.test(text.slice(0, 65536))) return 'feed';
    return hint === 'json' ? 'feed' : 'text';
  }
  const noProlog = head.replace(/^<\?xml[^>]*\?>\s*/i, '').replace(/^(<!--[\s\S]*?-->\s*|<\?[\s\S]*?\?>\s*)*/, '');
  if (/^<(rss|feed|rdf:RDF)[\s>]/i.test(noProlog)) return 'feed';
  if (/^<!doctype html|^<html[\s>]|^<head[\s>]|^<body[\s>]/i.test(noProlog)) return 'html';
  if (/^<\?xml/i.test(head)) return hint === 'html' ? 'html' : 'feed';
  if (hint === 'html' && /<(p|div|article|h1|body)[\s>]/i.test(text.slice(0, 65536))) return 'html';
  if (hint === 'feed') return 'feed';
  if (/^</.test(noProlog) && /<\/(p|div|article|body)>/i.test(text.slice(0, 65536))) return 'html';
  return 'text';
}

/** What a file name or a Content-Type suggests. */
export function kindHint(fileName?: string, mime?: string): SourceKind | 'json' | undefined {
  if (mime) {
    if (/^text\/html$|^application\/xhtml\+xml$/.test(mime)) return 'html';
    if (/^application\/(rss|atom|rdf)\+xml$|^application\/feed\+json$/.test(mime)) return 'feed';
    if (/^(application|text)\/xml$/.test(mime)) return 'feed';
    if (/^application\/json$/.test(mime)) return 'json';
    if (/^text\/plain$/.test(mime)) return 'text';
  }
  if (fileName) {
    const ext = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase();
    if (ext === 'html' || ext === 'htm' || ext === 'xhtml') return 'html';
    if (ext === 'rss' || ext === 'atom' || ext === 'xml') return 'feed';
    if (ext === 'json') return 'json';
    if (ext === 'txt') return 'text';
  }
  return undefined;
}
