import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha1Hex, sha256Hex } from '../../src/digest.ts';
import { nameUuid } from '../../src/build/model.ts';

describe('one-shot digests', () => {
  it('give the same digests as createHash, for ASCII, Cyrillic, Farsi, lone surrogates and bytes', () => {
    const inputs: Array<string | Uint8Array> = ['', 'a', 'salt\0article\0key', 'Правительство о сайты', 'سلام دنیا', '\ud800 lone', 'x'.repeat(100_000), new Uint8Array([0, 255, 1, 128])];
    for (const input of inputs) {
      expect(sha256Hex(input)).toBe(createHash('sha256').update(input).digest('hex'));
      expect(sha1Hex(input)).toBe(createHash('sha1').update(input).digest('hex'));
    }
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('name the same article ids as the byte-wise version-5 layout did (feed readers know articles by them)', () => {
    const byBytes = (name: string) => {
      const h = createHash('sha1').update(name).digest();
      h[6] = (h[6]! & 0x0f) | 0x50;
      h[8] = (h[8]! & 0x3f) | 0x80;
      const x = h.subarray(0, 16).toString('hex');
      return `urn:uuid:${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
    };
    const variants = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const name = `samizdat:Сайт ${i % 7}:articles/2019/02/slug-${i}/index.html`;
      const id = nameUuid(name);
      expect(id).toBe(byBytes(name));
      variants.add(id[28]!);
    }
    // Every variant digit occurred, so each branch of the layout was compared.
    expect([...variants].sort()).toEqual(['8', '9', 'a', 'b']);
  });
});
