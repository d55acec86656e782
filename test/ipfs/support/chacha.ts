import { createCipheriv, createHash } from 'node:crypto';

/**
 * Kubo's test/cli/testutils/random_deterministic.go: ChaCha20 keyed with sha256(seed), zero
 * nonce, counter 0; the keystream is the data. Node's 'chacha20' takes a 16-byte IV of a 4-byte
 * little-endian counter and a 12-byte nonce: all zeros here, so the streams are identical.
 */
export function chachaStream(seed: string) {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('chacha20', key, Buffer.alloc(16));
  return {
    read(n: number): Buffer {
      return cipher.update(Buffer.alloc(n));
    },
  };
}

/** `size` bytes of the seeded stream, produced in 1 MiB pieces. */
export async function* chachaBytes(size: number, seed: string, piece = 1 << 20): AsyncGenerator<Uint8Array> {
  const s = chachaStream(seed);
  for (let left = size; left > 0; left -= piece) yield s.read(Math.min(piece, left));
}

/** Kubo's test/cli/testutils/random_files.go AlphabetEasy (39 runes; "0" appears twice, as there). */
export const ALPHABET_EASY = 'abcdefghijklmnopqrstuvwxyz01234567890-_';

/**
 * Kubo's createDeterministicFiles (test/cli/add_test.go): names drawn from one seeded stream,
 * files 0..n-2 with nameLen characters and the last with lastNameLen; each file holds "x".
 */
export function deterministicNames(n: number, nameLen: number, lastNameLen: number, seed: string): string[] {
  const s = chachaStream(seed);
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = i === n - 1 ? lastNameLen : nameLen;
    const buf = s.read(len);
    let name = '';
    for (const b of buf) name += ALPHABET_EASY[b % ALPHABET_EASY.length];
    names.push(name);
  }
  return names;
}
