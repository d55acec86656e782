/**
 * Map states (src/state-file.ts): a write with few changes writes only them, into a delta file
 * beside the whole one; whatever happens to either file, a read gives either the state written
 * last or an older whole one, never a mix that was not written.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readStateFile, readStateMap, writeStateMap } from '../src/state-file.ts';
import { tempDir } from './support/net.ts';

const FORMAT = 'test-map/1';
let work: { dir: string; cleanup: () => Promise<void> };
let file: string;

beforeEach(async () => {
  work = await tempDir('samizdat-state-map-');
  file = path.join(work.dir, 'things.state');
});
afterEach(() => work.cleanup());

const entriesOf = (n: number, tag = 'v') => new Map(Array.from({ length: n }, (_, i) => [`k${i}`, `${tag}${i}`]));
const plain = async () => {
  const s = await readStateMap(file, FORMAT);
  return s && { head: s.head, entries: Object.fromEntries(s.entries) };
};

describe('Map state files', () => {
  it('write few changes as a delta and leave the whole file as it was; a read gives the state written', async () => {
    await writeStateMap(file, FORMAT, { salt: 'a' }, entriesOf(100));
    expect(await readdir(work.dir)).toEqual(['things.state']);
    const whole = await readFile(file);

    const first = (await readStateMap(file, FORMAT))!;
    const next = new Map(first.entries);
    next.set('k3', 'changed');
    next.set('new', 'added');
    next.delete('k7');
    expect(await writeStateMap(file, FORMAT, { salt: 'b' }, next, first.base)).toBe('delta');
    expect((await readdir(work.dir)).sort()).toEqual(['things.state', 'things.state.delta']);
    expect((await readFile(file)).equals(whole)).toBe(true);
    expect((await stat(`${file}.delta`)).size).toBeLessThan(whole.length / 4);
    expect(await plain()).toEqual({ head: { salt: 'b' }, entries: Object.fromEntries(next) });

    // The next delta holds every change since the whole file, not only the last ones.
    const second = (await readStateMap(file, FORMAT))!;
    const again = new Map(second.entries);
    again.set('k4', 'changed too');
    await writeStateMap(file, FORMAT, { salt: 'c' }, again, second.base);
    expect((await readFile(file)).equals(whole)).toBe(true);
    expect(await plain()).toEqual({ head: { salt: 'c' }, entries: Object.fromEntries(again) });
  });

  it('rewrite the whole file, and remove the delta, once the changes are more than an eighth of it', async () => {
    await writeStateMap(file, FORMAT, { salt: 'a' }, entriesOf(80));
    const read = (await readStateMap(file, FORMAT))!;
    const many = new Map(read.entries);
    for (let i = 0; i < 10; i++) many.set(`k${i}`, 'changed'); // 10 of 80: an eighth, still a delta
    await writeStateMap(file, FORMAT, { salt: 'b' }, many, read.base);
    expect(await readdir(work.dir)).toContain('things.state.delta');
    const more = new Map(many);
    more.set('k10', 'changed'); // 11 of 80
    expect(await writeStateMap(file, FORMAT, { salt: 'c' }, more, read.base)).toBe('whole');
    expect(await readdir(work.dir)).toEqual(['things.state']);
    expect(await plain()).toEqual({ head: { salt: 'c' }, entries: Object.fromEntries(more) });
  });

  it('ignore a delta of another whole file, and a damaged one, and give the whole file alone', async () => {
    await writeStateMap(file, FORMAT, { salt: 'a' }, entriesOf(50));
    const read = (await readStateMap(file, FORMAT))!;
    const changed = new Map(read.entries).set('k1', 'changed');
    await writeStateMap(file, FORMAT, { salt: 'b' }, changed, read.base);
    const delta = await readFile(`${file}.delta`);

    // Another process rewrote the whole file since: this delta is not of it.
    await writeStateMap(file, FORMAT, { salt: 'other' }, entriesOf(50, 'w'));
    await writeFile(`${file}.delta`, delta);
    expect(await plain()).toEqual({ head: { salt: 'other' }, entries: Object.fromEntries(entriesOf(50, 'w')) });

    for (const damage of [delta.subarray(0, delta.length >> 1), Buffer.from('garbage'), Buffer.alloc(0)]) {
      await writeFile(`${file}.delta`, damage);
      expect((await plain())!.head).toEqual({ salt: 'other' });
    }
    // A damaged whole file is no state, whatever the delta.
    await writeFile(file, (await readFile(file)).subarray(0, 20));
    expect(await readStateMap(file, FORMAT)).toBeUndefined();
  });

  it('write a whole file without a base, and when nothing was read', async () => {
    await writeStateMap(file, FORMAT, { n: 1 }, entriesOf(3));
    const body = await readStateFile(file, FORMAT);
    expect(body).toMatchObject({ head: { n: 1 } });
    expect(typeof body!.id).toBe('string');
    expect(Object.fromEntries((await readStateMap(file, FORMAT))!.entries)).toEqual(Object.fromEntries(entriesOf(3)));
    expect(await readStateMap(path.join(work.dir, 'missing.state'), FORMAT)).toBeUndefined();
    expect(await readStateMap(file, 'another-format')).toBeUndefined();
  });
});
