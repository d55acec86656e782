/**
 * One-shot digests of short strings, for the keys a rebuild computes for every article and page
 * (tens of thousands per build). crypto.hash (Node 20.12 and later) skips the Hash object that
 * createHash makes for each call, which is most of the cost for a string of a few hundred
 * bytes; older Node 20 releases take the createHash way. Same bytes, same digest, either way.
 */
import crypto, { createHash, type BinaryLike } from 'node:crypto';

type OneShot = (algorithm: string, data: string | NodeJS.ArrayBufferView, outputEncoding?: 'hex' | 'buffer') => string | Buffer;
const oneShot = (crypto as unknown as { hash?: OneShot }).hash;

export function sha256Hex(data: string | Uint8Array): string {
  return oneShot ? (oneShot('sha256', data, 'hex') as string) : createHash('sha256').update(data as BinaryLike).digest('hex');
}

export function sha1Hex(data: string | Uint8Array): string {
  return oneShot ? (oneShot('sha1', data, 'hex') as string) : createHash('sha1').update(data as BinaryLike).digest('hex');
}
