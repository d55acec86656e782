/**
 * Bytes to text. Order of trust, as browsers do: a byte-order mark, the HTTP charset, the
 * document's own declaration (<meta charset>, <?xml encoding?>), valid UTF-8, then a guess by
 * chardet (which tells windows-1251 from KOI8-R by letter statistics).
 */
import chardet from 'chardet';
import iconv from 'iconv-lite';

export interface Decoded {
  text: string;
  /** The charset used, lowercased ("utf-8", "windows-1251", "koi8-r"…). */
  charset: string;
  /** How it was chosen. */
  by: 'bom' | 'http' | 'declared' | 'utf-8' | 'detected';
}

/** Decodes `bytes`; `httpCharset` is the charset parameter of a Content-Type header, if any. */
export function decodeBytes(bytes: Uint8Array, httpCharset?: string): Decoded {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return { text: buf.subarray(3).toString('utf8'), charset: 'utf-8', by: 'bom' };
  if (buf[0] === 0xff && buf[1] === 0xfe) return { text: iconv.decode(buf.subarray(2), 'utf-16le'), charset: 'utf-16le', by: 'bom' };
  if (buf[0] === 0xfe && buf[1] === 0xff) return { text: iconv.decode(buf.subarray(2), 'utf-16be'), charset: 'utf-16be', by: 'bom' };
  const fromHttp = usable(httpCharset);
  if (fromHttp) return { text: iconv.decode(buf, fromHttp), charset: fromHttp, by: 'http' };
  const declared = usable(declaredCharset(buf));
  // A page that declares UTF-8 but is not is common after a careless copy: then guess.
  if (declared && !(declared === 'utf-8' && !isUtf8(buf))) return { text: iconv.decode(buf, declared), charset: declared, by: 'declared' };
  if (isUtf8(buf)) return { text: buf.toString('utf8'), charset: 'utf-8', by: 'utf-8' };
  const guessed = usable(chardet.detect(buf) ?? undefined) ?? 'windows-1252';
  return { text: iconv.decode(buf, guessed), charset: guessed, by: 'detected' };
}

/** The charset a document names in its first kilobytes: <meta charset>, http-equiv, or the XML declaration. */
export function declaredCharset(buf: Buffer): string | undefined {
  const head = buf.subarray(0, 4096).toString('latin1');
  const xml = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([\w.:-]+)["']/i.exec(head);
  if (xml) return xml[1];
  const meta = /<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head);
  return meta?.[1];
}

function usable(label: string | undefined): string | undefined {
  if (!label) return undefined;
  const name = label.trim().toLowerCase().replace(/^["']|["']$/g, '');
  if (!iconv.encodingExists(name)) return undefined;
  // Browsers read "iso-8859-1" and "us-ascii" as windows-1252; so do we.
  if (name === 'iso-8859-1' || name === 'latin1' || name === 'us-ascii' || name === 'ascii') return 'windows-1252';
  if (name === 'utf8') return 'utf-8';
  return name;
}

export function isUtf8(buf: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return true;
  } catch {
    return false;
  }
}
