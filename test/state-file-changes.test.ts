/**
 * Map states read without copying the whole file's Map (a view with the delta's changes), and
 * written from a caller's list of changes (writeStateMapChanges): both must mean exactly what
 * the copy and the whole comparison (writeStateMap) mean, whatever the sequence of changes.
 */
import { readdir, writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readStateFile, readStateMap, writeStateFile, writeStateMap, writeStateMapChanges, type StateMap } from '../src/state-file.ts';
import { tempDir } from './support/net.ts';
import { rng } from './support/rng.ts';

const FORMAT = 'test-changes/1';
let work: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  work = await tempDir('samizdat-state-changes-');
});
afterEach(() => work.cleanup());


/** Everything a reader can see of a Map, in order. */
function seen(m: ReadonlyMap<string, unknown>, probes: string[]) {
  const viaForEach: Array<[string, unknown]> = [];
  m.forEach((v, k, map) => {
    expect(map).toBe(m);
    viaForEach.push([k, v]);
  });
  return {
    size: m.size,
    entries: [...m],
    viaEntries: [...m.entries()],
    keys: [...m.keys()],
    values: [...m.values()],
    viaForEach,
    probes: probes.map((k) => [k, m.has(k), m.get(k)]),
  };
}

describe('Map states: reading without a copy, writing from changes', () => {
  it('over 80 random rounds, changes written as changes read back as the whole comparison writes them', async () => {
    const r = rng(7);
    const a = path.join(work.dir, 'a.state'); // written with writeStateMapChanges
    const b = path.join(work.dir, 'b.state'); // the reference: writeStateMap of the whole Map
    let current = new Map<string, unknown>(Array.from({ length: 200 }, (_, i) => [`k${i}`, i % 3 ? `v${i}` : { n: i }]));
    await writeStateMap(a, FORMAT, { round: -1 }, current);
    await writeStateMap(b, FORMAT, { round: -1 }, current);
    let deltas = 0;
    let wholeA: ReadonlyMap<string, unknown> = current;
    for (let round = 0; round < 80; round++) {
      const readA = (await readStateMap(a, FORMAT))!;
      const readB = (await readStateMap(b, FORMAT))!;
      const probes = ['k0', 'k1', 'k5', 'new3', 'gone', ...[...current.keys()].slice(0, 20)];
      expect(seen(readA.entries, probes)).toEqual(seen(readB.entries, probes));
      expect(seen(readA.entries, probes)).toEqual(seen(current, probes));
      // The base is the whole file as last written whole, whatever the delta changed in the Map read.
      const sorted = (m: ReadonlyMap<string, unknown>) => {
        const viaForEach: Array<[string, unknown]> = [];
        m.forEach((v, k) => viaForEach.push([k, v]));
        const order = (x: Array<[string, unknown]>) => x.sort((p, q) => (p[0] < q[0] ? -1 : 1));
        return { size: m.size, entries: order([...m]), keys: [...m.keys()].sort(), values: [...m.values()].length, viaForEach: order(viaForEach), probes: probes.map((k) => [k, m.has(k), m.get(k)]) };
      };
      expect(sorted(readA.base.entries)).toEqual(sorted(wholeA));
      // Some changes: values set (new, changed, set back to the whole file's), keys removed (also unknown ones).
      const set = new Map<string, unknown>();
      const back = new Set<string>();
      const removed: string[] = [];
      const many = round % 13 === 12 ? 40 : 4;
      const keys = [...current.keys()];
      for (let c = Math.floor(r() * many); c > 0; c--) {
        const x = r();
        if (x < 0.2) set.set(`new${Math.floor(r() * 30)}`, `n${round}`);
        // Any key the whole file was written with, also one removed since.
        else if (x < 0.3) set.set(`k${Math.floor(r() * 200)}`, `again${round}`);
        else if (x < 0.6) set.set(keys[Math.floor(r() * keys.length)]!, `c${round}`);
        else if (x < 0.7) {
          // Back to the value the whole file holds: the same value read.
          const k = keys[Math.floor(r() * keys.length)]!;
          if (readA.base.entries.has(k)) back.add(k);
        } else if (x < 0.95) removed.push(keys[Math.floor(r() * keys.length)]!);
        else removed.push('gone');
      }
      for (const k of back) set.delete(k);
      // Values set back to the whole file's: each side's own value read (values compare by identity).
      const setA = new Map([...set, ...[...back].map((k): [string, unknown] => [k, readA.base.entries.get(k)])]);
      const setB = new Map([...set, ...[...back].map((k): [string, unknown] => [k, readB.base.entries.get(k)])]);
      const next = new Map(readB.entries);
      for (const [k, v] of setB) next.set(k, v);
      for (const k of removed) next.delete(k);
      const nextB = next;
      const head = { round };
      const wroteA = await writeStateMapChanges(a, FORMAT, head, readA.base, { set: setA, removed });
      const wroteB = await writeStateMap(b, FORMAT, head, nextB, readB.base);
      expect(wroteA, `round ${round}`).toBe(wroteB);
      if (wroteA === 'delta') deltas++;
      current = next;
      if (wroteA === 'whole') wholeA = next;
      expect((await readdir(work.dir)).includes('a.state.delta')).toBe(wroteA === 'delta');
    }
    const last = (await readStateMap(a, FORMAT))!;
    expect(last.head).toEqual({ round: 79 });
    expect([...last.entries]).toEqual([...current]);
    expect(deltas).toBeGreaterThan(40);
  });

  it('a delta of another whole file, or a damaged one, is not merged into the next write', async () => {
    const file = path.join(work.dir, 's.state');
    const base = new Map(Array.from({ length: 100 }, (_, i) => [`k${i}`, `v${i}`]));
    await writeStateMap(file, FORMAT, {}, base);
    const read1 = (await readStateMap(file, FORMAT))!;
    await writeStateMapChanges(file, FORMAT, {}, read1.base, { set: new Map([['k1', 'x']]), removed: ['k2'] });
    const staleDelta = await readFile(`${file}.delta`);
    // Rewritten whole by another build since; its old delta put back beside it.
    await writeStateMap(file, FORMAT, { other: true }, new Map([['only', 1]]));
    await writeFile(`${file}.delta`, staleDelta);
    const read2: StateMap = (await readStateMap(file, FORMAT))!;
    expect([...read2.entries]).toEqual([['only', 1]]);
    expect(read2.base.delta).toBeUndefined();
    for (const damage of [staleDelta.subarray(0, 10), Buffer.from('x')]) {
      await writeFile(`${file}.delta`, damage);
      expect([...(await readStateMap(file, FORMAT))!.entries]).toEqual([['only', 1]]);
    }
  });

  it('a state whose delta changes nothing is read as the whole file\'s own Map', async () => {
    const file = path.join(work.dir, 'n.state');
    await writeStateMap(file, FORMAT, {}, new Map(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])));
    const read = (await readStateMap(file, FORMAT))!;
    expect(await writeStateMapChanges(file, FORMAT, { h: 1 }, read.base, { set: new Map([['k1', 1]]), removed: [] })).toBe('delta');
    const again = (await readStateMap(file, FORMAT))!;
    expect(again.head).toEqual({ h: 1 });
    expect(again.entries).toBe(again.base.entries);
  });

  it('a Map of strings is kept as two strings, any other Map as it is, and each reads back the same, in order', async () => {
    const file = path.join(work.dir, 'c.state');
    const cases: Array<[string, Map<string, unknown>, 'columns' | 'entries']> = [
      ['strings', new Map([['b/x.html', '12\0abc\0id\0key'], ['a', ''], ['', 'empty key'], ['ünï', 'кириллица']]), 'columns'],
      ['a few other values, kept in place', new Map<string, unknown>([['a', 's'], ['b', { warnings: [1] }], ['c', 't'], ['d', 'u'], ['e', 'v'], ['f', 'w'], ['g', 'x'], ['h', 'y']]), 'columns'],
      ['one entry', new Map([['only', 'one']]), 'columns'],
      ['a separator in a key', new Map([['a\x01b', 'v'], ['c', 'w']]), 'entries'],
      ['a separator in a value', new Map([['a', 'v\x01w'], ['c', 'w']]), 'entries'],
      ['mostly other values', new Map<string, unknown>([['a', [1, 2]], ['b', [3]], ['c', 'x']]), 'entries'],
      ['empty', new Map(), 'entries'],
    ];
    for (const [what, entries, form] of cases) {
      await writeStateMap(file, FORMAT, { what }, entries);
      const body = (await readStateFile(file, FORMAT))!;
      expect(form in body, what).toBe(true);
      const read = (await readStateMap(file, FORMAT))!;
      expect([...read.entries], what).toEqual([...entries]);
      expect(read.head).toEqual({ what });
    }
    // Damaged columns: no state (a build starts afresh), never a shifted one.
    await writeStateMap(file, FORMAT, {}, new Map([['a', '1'], ['b', '2'], ['c', '3']]));
    const body = (await readStateFile(file, FORMAT))!;
    const columns = body.columns as { keys: string; values: string; others: unknown[]; count: number };
    for (const bad of [
      { ...columns, count: 2 },
      { ...columns, values: columns.values.slice(2) },
      { ...columns, keys: 'a\x01a\x01c' },
      { ...columns, others: [[7, 'x']] },
      { ...columns, others: 'x' },
      { ...columns, keys: 3 },
    ]) {
      await writeStateFile(file, FORMAT, { ...body, columns: bad });
      expect(await readStateMap(file, FORMAT)).toBeUndefined();
    }
  });
});
