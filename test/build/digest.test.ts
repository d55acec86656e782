import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha1Bytes, sha256Hex } from '../../src/digest.ts';

describe('one-shot digests', () => {
  it('give the same digests as createHash, for ASCII, Cyrillic, Farsi, lone surrogates and bytes', () => {
    const inputs: Array<string | Uint8Array> = ['', 'a', 'salt\0article\0key', 'Правительство о сайты', 'سلام دنیا', '\ud800 lone', 'x'.repeat(100_000), new Uint8Array([0, 255, 1, 128])];
    for (const input of inputs) {
      expect(sha256Hex(input)).toBe(createHash('sha256').update(input).digest('hex'));
      expect(sha1Bytes(input).equals(createHash('sha1').update(input).digest())).toBe(true);
    }
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
