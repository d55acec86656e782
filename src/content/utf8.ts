import { isUtf8 } from 'node:buffer';

/**
 * The text of bytes that must be UTF-8, without a leading byte order mark (as a fatal
 * TextDecoder gives it); undefined when they are not UTF-8. isUtf8 and a Buffer decode take a
 * fraction of a fatal TextDecoder's time, which counts over thousands of articles.
 */
export function strictUtf8(bytes: Uint8Array): string | undefined {
  if (!isUtf8(bytes)) return undefined;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
