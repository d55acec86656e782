// The content cache's whole file as a table (src/content/cache-table.ts): every entry written
// reads back as it was, whether it fits the table or is kept beside it; a damaged table is no
// table at all (the state is then not used, and every file is parsed again).
import { describe, expect, it } from 'vitest';
import { deserialize, serialize } from 'node:v8';
import { TableCodec, type RawEntry } from '../../src/content/cache-table.ts';

const SHAPES = [
  ['title', 'date', 'lang', 'tags', 'tagSlugs', 'slug', '=url', 'bodyLine', 'hash'],
  ['title', 'date', '=lang', 'author', 'tags', 'tagSlugs', 'slug', 'bodyLine', 'hash'],
];

const entry = (i: number, shape: number, values: unknown[], key?: string): RawEntry => (key === undefined ? [100 + i, 1.5e12 + i / 3, 0, 7000 + i, shape, values, 0] : [100 + i, 1.5e12 + i / 3, 0, 7000 + i, shape, values, 0, key]);

function sample(): Map<string, RawEntry> {
  const entries = new Map<string, RawEntry>();
  for (let i = 0; i < 40; i++) {
    const tags = i % 3 === 0 ? [] : ['Россия', `t${i % 5}`];
    if (i % 2) entries.set(`a/${i}.md`, entry(i, 0, [`Title ${i}`, `2020-01-${10 + (i % 20)}T00:00:00Z`, i % 4 ? 'en' : 'ru', tags, tags.map((t) => t.toLowerCase()), `slug-${i}`, i + 1, `${i}`.padStart(64, 'f')], `${i}`.padStart(64, 'k')));
    else entries.set(`b/${i}.md`, entry(i, 1, [`Заголовок ${i}`, '2021-02-03T00:00:00Z', 'Автор', tags, tags, `s${i}`, 7, `${i}`.padStart(64, 'e')]));
  }
  entries.set('draft.md', [1, 2, 3, 4, -1, [], 0]);
  return entries;
}

/** Writes entries through the codec and reads them back, as a file would be. */
function roundTrip(entries: ReadonlyMap<string, unknown>, shapes = SHAPES) {
  const body = deserialize(serialize(new TableCodec(shapes).encode(entries))) as Record<string, unknown>;
  const reader = new TableCodec(shapes);
  const read = reader.decode(body)!;
  const back = new Map<string, unknown>();
  for (const [rel, e] of read) back.set(rel, typeof e === 'number' ? reader.entryOf(e) : e);
  return { body, back, read };
}

describe('content cache table', () => {
  it('gives back every entry as it was written, repeated values kept once', () => {
    const entries = sample();
    const { body, back, read } = roundTrip(entries);
    expect(back).toEqual(entries);
    const table = body.table as { count: number; columns: Map<string, { t: string; dict?: string[] }> };
    expect(table.count).toBe(entries.size);
    expect((body.others as Map<string, unknown>).size).toBe(0);
    // Rows are named by number; languages, authors and tags are kept by index.
    expect([...read.values()].every((v) => typeof v === 'number')).toBe(true);
    const kinds = Object.fromEntries([...table.columns].map(([k, c]) => [k, c.t]));
    expect(kinds).toEqual({ title: 's', date: 's', lang: 'd', author: 'd', tags: 'l', tagSlugs: 'l', slug: 's', bodyLine: 'n', hash: 's' });
    expect(table.columns.get('tags')!.dict!.sort()).toEqual(['t1', 't2', 't3', 't4', 't0', 'Россия'].sort());
  });

  it('keeps beside the table, as they are, the entries it cannot hold exactly', () => {
    const entries = sample();
    const odd = new Map<string, RawEntry>([
      ['warned.md', [1, 2, 3, 4, 0, ['T', 'd', 'en', [], [], 's', 1, 'h'.repeat(64)], [{ code: 'UNKNOWN_FIELD', message: 'm', file: 'warned.md' }]]],
      ['sep-title.md', [1, 2, 3, 4, 0, ['a\x01b', 'd', 'en', [], [], 's', 1, 'h'.repeat(64)], 0]],
      ['sep\x01path.md', [1, 2, 3, 4, 0, ['T', 'd', 'en', [], [], 's', 1, 'h'.repeat(64)], 0]],
      ['number-title.md', [1, 2, 3, 4, 0, [42, 'd', 'en', [], [], 's', 1, 'h'.repeat(64)], 0]],
      ['object-tags.md', [1, 2, 3, 4, 0, ['T', 'd', 'en', [{ x: 1 }], [], 's', 1, 'h'.repeat(64)], 0]],
      ['unknown-shape.md', [1, 2, 3, 4, 9, ['T'], 0]],
      ['few-values.md', [1, 2, 3, 4, 0, ['T'], 0]],
      ['nan-stamp.md', [NaN, -0, 3, 4, 0, ['T', 'd', 'en', ['a\x01'], ['a'], 's', -0, 'h'.repeat(64)], 0]],
    ]);
    const all = new Map<string, unknown>([...entries, ...odd]);
    const { body, back } = roundTrip(all);
    expect(back).toEqual(all);
    // NaN, -0 and separators inside list items are kept exactly too (lists are kept by index).
    expect(Object.is((back.get('nan-stamp.md') as RawEntry)[1], -0)).toBe(true);
    expect([...(body.others as Map<string, unknown>).keys()].sort()).toEqual(['few-values.md', 'number-title.md', 'object-tags.md', 'sep\x01path.md', 'sep-title.md', 'unknown-shape.md', 'warned.md']);
  });

  it('writes the rows of a table read as they were read (entries given as row numbers)', () => {
    const { read } = roundTrip(sample());
    const reader = new TableCodec(SHAPES);
    reader.decode(deserialize(serialize(new TableCodec(SHAPES).encode(sample()))) as Record<string, unknown>);
    // The rows of the table read, one entry replaced and one added: written again from the rows.
    const next = new Map<string, unknown>(read);
    next.set('a/1.md', entry(1, 0, ['New', 'd', 'en', [], [], 's', 1, 'h'.repeat(64)]));
    next.set('new.md', entry(99, 1, ['N', 'd', 'A', ['x'], ['x'], 's', 2, 'n'.repeat(64)], 'k'.repeat(64)));
    next.delete('b/0.md');
    const again = deserialize(serialize(reader.encode(next))) as Record<string, unknown>;
    const last = new TableCodec(SHAPES);
    const out = new Map<string, unknown>();
    for (const [rel, e] of last.decode(again)!) out.set(rel, typeof e === 'number' ? last.entryOf(e) : e);
    const expected = new Map<string, unknown>(sample());
    expected.set('a/1.md', next.get('a/1.md'));
    expected.set('new.md', next.get('new.md'));
    expected.delete('b/0.md');
    expect(out).toEqual(expected);
  });

  it('reads a damaged table as no table (an error), never as other entries', () => {
    const good = new TableCodec(SHAPES).encode(sample())! as { table: Record<string, unknown>; others: Map<string, unknown> };
    const t = good.table;
    const cols = t.columns as Map<string, Record<string, unknown>>;
    const withColumn = (name: string, change: Record<string, unknown>) => new Map([...cols, [name, { ...cols.get(name), ...change }]]);
    const damages: Array<[string, Record<string, unknown>]> = [
      ['count too big', { table: { ...t, count: (t.count as number) + 1 }, others: good.others }],
      ['count not a number', { table: { ...t, count: '41' }, others: good.others }],
      ['stamps cut short', { table: { ...t, stamps: (t.stamps as Float64Array).subarray(4) }, others: good.others }],
      ['shapes of another type', { table: { ...t, shapes: Float64Array.from(t.shapes as Int32Array) }, others: good.others }],
      ['a path too many', { table: { ...t, rels: `${t.rels as string}\x01extra.md` }, others: good.others }],
      ['a path twice', { table: { ...t, rels: (t.rels as string).replace('a/1.md', 'a/3.md') }, others: good.others }],
      ['keys cut short', { table: { ...t, keys: (t.keys as string).slice(0, 100).split('\x01')[0] }, others: good.others }],
      ['a title too few', { table: { ...t, columns: withColumn('title', { v: (cols.get('title')!.v as string).replace(/\x01[^\x01]*$/, '') }) }, others: good.others }],
      ['a language index past its dictionary', { table: { ...t, columns: withColumn('lang', { ids: Int32Array.from(cols.get('lang')!.ids as Int32Array, (id, j) => (j === 3 ? 99 : id)) }) }, others: good.others }],
      ['a tag list ending past the tags', { table: { ...t, columns: withColumn('tags', { ends: Int32Array.from(cols.get('tags')!.ends as Int32Array, (e, j) => (j === 5 ? 10_000 : e)) }) }, others: good.others }],
      ['tag lists going backwards', { table: { ...t, columns: withColumn('tags', { ends: Int32Array.from(cols.get('tags')!.ends as Int32Array, (e, j) => (j === 5 ? 0 : e)) }) }, others: good.others }],
      ['an unknown column kind', { table: { ...t, columns: withColumn('title', { t: 'x' }) }, others: good.others }],
      ['numbers cut short', { table: { ...t, columns: withColumn('bodyLine', { v: new Float64Array(3) }) }, others: good.others }],
      ['no others', { table: t }],
      ['an entry beside the table that is also a row', { table: t, others: new Map([['a/1.md', [1, 2, 3, 4, -1, [], 0]]]) }],
    ];
    for (const [what, body] of damages) {
      expect(() => new TableCodec(SHAPES).decode(deserialize(serialize(body)) as Record<string, unknown>), what).toThrow();
    }
    // Not a table at all: left to the plain Map reading.
    expect(new TableCodec(SHAPES).decode({ entries: new Map() })).toBeUndefined();
  });
});
