/**
 * A Map state with a layout of its own (EntriesCodec, src/state-file.ts): the whole file is
 * written by the codec and read back through it, with its delta applied; a whole file the codec
 * did not write is read as any Map state; a body the codec finds malformed is no state at all.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readStateFile, readStateMap, writeStateMap, writeStateMapChanges, type EntriesCodec } from '../src/state-file.ts';
import { tempDir } from './support/net.ts';

const FORMAT = 'test-codec/1';
let work: { dir: string; cleanup: () => Promise<void> };
let file: string;

beforeEach(async () => {
  work = await tempDir('samizdat-state-codec-');
  file = path.join(work.dir, 'things.state');
});
afterEach(() => work.cleanup());

/** Keeps number values as one joined string ("packed"); counts its calls. */
function packing() {
  const calls = { encode: 0, decode: 0 };
  const codec: EntriesCodec = {
    encode(entries) {
      calls.encode++;
      return { packed: [...entries].map(([k, v]) => `${k}=${v as number}`).join(',') };
    },
    decode(body) {
      calls.decode++;
      if (body.packed === undefined) return undefined;
      if (typeof body.packed !== 'string') throw new Error('malformed');
      return new Map(body.packed.split(',').map((kv) => [kv.split('=')[0]!, Number(kv.split('=')[1])]));
    },
  };
  return { codec, calls };
}

const numbers = (n: number) => new Map(Array.from({ length: n }, (_, i) => [`k${i}`, i] as [string, unknown]));

describe('Map states with a codec', () => {
  it('write the whole file through the codec, and read it back through it with its delta', async () => {
    const { codec, calls } = packing();
    await writeStateMap(file, FORMAT, { h: 1 }, numbers(40), undefined, undefined, codec);
    expect(calls.encode).toBe(1);
    const body = (await readStateFile(file, FORMAT))!;
    expect(body.packed).toMatch(/^k0=0,k1=1,/);
    expect(body.entries).toBeUndefined();
    const read = (await readStateMap(file, FORMAT, codec))!;
    expect(calls.decode).toBe(1);
    expect(read.entries).toEqual(numbers(40));
    // A few changes: a delta, which the next read applies to the codec's entries.
    expect(await writeStateMapChanges(file, FORMAT, { h: 2 }, read.base, { set: new Map([['k3', 33], ['new', 7]]), removed: ['k5'] }, undefined, codec)).toBe('delta');
    const next = (await readStateMap(file, FORMAT, codec))!;
    const expected = numbers(40);
    expected.set('k3', 33).set('new', 7).delete('k5');
    expect(next.entries).toEqual(expected);
    expect(next.head).toEqual({ h: 2 });
    // Many changes: the whole file again, through the codec.
    const many = new Map(Array.from({ length: 20 }, (_, i) => [`k${i}`, 100 + i] as [string, unknown]));
    expect(await writeStateMapChanges(file, FORMAT, { h: 3 }, next.base, { set: many, removed: [] }, undefined, codec)).toBe('whole');
    expect(calls.encode).toBe(2);
    expect((await readStateMap(file, FORMAT, codec))!.entries.get('k19')).toBe(119);
  });

  it('read a whole file the codec did not write as any Map state, and a malformed one as none', async () => {
    const { codec } = packing();
    await writeStateMap(file, FORMAT, { h: 1 }, numbers(5));
    expect((await readStateMap(file, FORMAT, codec))!.entries).toEqual(numbers(5));
    const { writeStateFile } = await import('../src/state-file.ts');
    await writeStateFile(file, FORMAT, { id: 'x', head: {}, packed: 42 });
    expect(await readStateMap(file, FORMAT, codec)).toBeUndefined();
  });
});
