/**
 * How the content cache's whole file keeps its entries: as a table, a column per field, instead
 * of 10,000 nested arrays. V8 reads a nested array value by value, some fifteen objects per
 * entry (50-80 ms for 10,000 entries, and the objects read then survive two scavenges); a
 * column of strings joined into one, a typed array of numbers or a few distinct values with a
 * typed array of indexes is read at once, and split in a few milliseconds. Repeated values
 * (languages, authors, tags) are kept once and shared by every article that has them.
 *
 * The entries of a table read are row numbers (a Map from path to row); the rows' values are
 * decoded once into a column of values each (Table), which ContentCache reads by row. Entries
 * that do not fit a column (warnings, values of unusual types or holding the separator) are
 * kept beside the table as they are, and so are the entries of a delta.
 */
import type { Warning } from '../progress.ts';
import type { EntriesCodec } from '../state-file.ts';

/**
 * One file in the cache: [...stamp, shape, values, warnings or 0, render key?]. `shape` indexes
 * the file's list of key lists (-1 for a draft, which keeps no article); `values` are the
 * article's field values in that key order (derived keys, "=key", keep none).
 */
export type RawEntry = [number, number, number, number, number, unknown[], (Warning[] | 0)?, string?];

/** Between the strings of a joined column. A value holding it is kept beside the table. */
const SEP = '\x01';

/** A column as stored: strings joined; few distinct strings by index; numbers; lists of strings by index. */
type Column =
  | { t: 's'; v: string }
  | { t: 'd'; dict: string[]; ids: Int32Array }
  | { t: 'n'; v: Float64Array }
  | { t: 'l'; dict: string[]; ids: Int32Array; ends: Int32Array };

interface StoredTable {
  count: number;
  rels: string;
  stamps: Float64Array;
  shapes: Int32Array;
  /** Render keys joined ('' for none). */
  keys: string;
  columns: Map<string, Column>;
}

/** A table read: each column decoded into one value per row (undefined where a row has no such field). */
export interface Table {
  rels: string[];
  stamps: Float64Array;
  shapes: Int32Array;
  keys: string[];
  columns: Map<string, ArrayLike<unknown>>;
}

/** The stored keys (not derived) of a shape. */
export function storedKeys(shape: readonly string[]): string[] {
  return shape.filter((k) => k[0] !== '=');
}

type Kind = 's' | 'n' | 'l';

function kindOf(v: unknown): Kind | undefined {
  if (typeof v === 'string') return v.includes(SEP) ? undefined : 's';
  if (typeof v === 'number') return 'n';
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return 'l';
  return undefined;
}

const NO_COLUMNS: readonly number[] = [];

const isInt32Array = (v: unknown, length: number): v is Int32Array => v instanceof Int32Array && v.length === length;

/**
 * The codec of one content cache: its shapes (by reference: a run adds the shapes of files it
 * parses before it writes), and the table it read, whose rows the entries read name.
 */
export class TableCodec implements EntriesCodec {
  table: Table | undefined;

  constructor(private readonly shapes: readonly (readonly string[])[]) {}

  /** The entry of a row of the table read, as a RawEntry; undefined for a row of no known shape. */
  entryOf(row: number): RawEntry | undefined {
    const t = this.table!;
    const shape = t.shapes[row]!;
    const stamp = [t.stamps[row * 4]!, t.stamps[row * 4 + 1]!, t.stamps[row * 4 + 2]!, t.stamps[row * 4 + 3]!] as const;
    const key = t.keys[row]!;
    let values: unknown[] = [];
    if (shape !== -1) {
      const keys = this.shapes[shape];
      if (!keys) return undefined;
      values = [];
      for (const k of storedKeys(keys)) {
        const column = t.columns.get(k);
        if (!column) return undefined;
        values.push(column[row]);
      }
    }
    return key === '' ? [...stamp, shape, values, 0] : [...stamp, shape, values, 0, key];
  }

  encode(entries: ReadonlyMap<string, unknown>): Record<string, unknown> | undefined {
    // Each field has a column (by number); each shape, its stored fields' columns (null: a field
    // twice, which no column can hold). Worked out once per shape, not per entry: a first build
    // writes 10,000 entries.
    const columnOfName = new Map<string, number>();
    const names: string[] = [];
    const kinds: Array<Kind | undefined> = [];
    const shapeColumns = this.shapes.map((shape) => {
      const stored = storedKeys(shape);
      if (new Set(stored).size !== stored.length) return null;
      return stored.map((name) => {
        let c = columnOfName.get(name);
        if (c === undefined) {
          columnOfName.set(name, (c = names.push(name) - 1));
          kinds.push(undefined);
        }
        return c;
      });
    });
    const seen: boolean[] = [];
    const rows: RawEntry[] = [];
    const rels: string[] = [];
    const others = new Map<string, unknown>();
    // Which rows fit: each field's kind is that of its first value; a row with a value of another
    // kind, warnings, an unknown shape or a separator in its path or key is kept as it is.
    entries.forEach((value, rel) => {
      const e = typeof value === 'number' ? this.entryOf(value) : (value as RawEntry);
      if (!e) return; // a row of no known shape: it was never used, so never written
      const shape = e[4];
      const columns = shape === -1 ? NO_COLUMNS : Number.isInteger(shape) && shape >= 0 ? shapeColumns[shape] : undefined;
      const key = e[7];
      let fits = Array.isArray(e) && (e[6] === undefined || e[6] === 0) && !!columns && Array.isArray(e[5]) && e[5].length === columns.length && !rel.includes(SEP) && (key === undefined || (typeof key === 'string' && key !== '' && !key.includes(SEP)));
      for (let i = 0; fits && i < 4; i++) fits = typeof e[i] === 'number';
      for (let k = 0; fits && k < columns!.length; k++) {
        const c = columns![k]!;
        const kind = kindOf(e[5][k]);
        if (!seen[c]) {
          seen[c] = true;
          kinds[c] = kind;
        }
        fits = kind !== undefined && kinds[c] === kind;
      }
      if (fits) {
        rows.push(e);
        rels.push(rel);
      } else others.set(rel, e);
    });
    const count = rows.length;
    const stamps = new Float64Array(count * 4);
    const shapes = new Int32Array(count);
    const keys: string[] = [];
    const values: Array<unknown[] | undefined> = names.map(() => undefined);
    for (let j = 0; j < count; j++) {
      const e = rows[j]!;
      for (let i = 0; i < 4; i++) stamps[j * 4 + i] = e[i] as number;
      shapes[j] = e[4];
      keys.push(e[7] ?? '');
      if (e[4] === -1) continue;
      const columns = shapeColumns[e[4]]!;
      for (let k = 0; k < columns.length; k++) (values[columns[k]!] ??= new Array<unknown>(count))[j] = e[5][k];
    }
    const columns = new Map<string, Column>();
    for (let c = 0; c < names.length; c++) if (values[c]) columns.set(names[c]!, columnOf(kinds[c]!, values[c]!));
    const table: StoredTable = { count, rels: rels.join(SEP), stamps, shapes, keys: keys.join(SEP), columns };
    return { table, others };
  }

  decode(body: Record<string, unknown>): Map<string, unknown> | undefined {
    const stored = body.table as Partial<StoredTable> | undefined;
    if (stored === undefined) return undefined;
    const malformed = () => new Error('malformed content cache table');
    if (!stored || typeof stored !== 'object' || !(body.others instanceof Map)) throw malformed();
    const { count, rels, stamps, shapes, keys, columns } = stored;
    if (!Number.isSafeInteger(count) || count! < 0 || typeof rels !== 'string' || typeof keys !== 'string' || !(columns instanceof Map)) throw malformed();
    const n = count!;
    if (!(stamps instanceof Float64Array) || stamps.length !== n * 4 || !isInt32Array(shapes, n)) throw malformed();
    const relList = n === 0 ? [] : rels.split(SEP);
    const keyList = n === 0 ? [] : keys.split(SEP);
    if (relList.length !== n || keyList.length !== n || (n === 0 && (rels !== '' || keys !== ''))) throw malformed();
    const decoded = new Map<string, ArrayLike<unknown>>();
    for (const [name, column] of columns as Map<unknown, unknown>) {
      if (typeof name !== 'string') throw malformed();
      decoded.set(name, decodeColumn(column, n));
    }
    this.table = { rels: relList, stamps, shapes, keys: keyList, columns: decoded };
    const entries = new Map<string, unknown>();
    for (let j = 0; j < n; j++) entries.set(relList[j]!, j);
    // Paths are unique: fewer entries than rows is damage.
    if (entries.size !== n) throw malformed();
    for (const [rel, e] of body.others as Map<unknown, unknown>) {
      if (typeof rel !== 'string' || entries.has(rel)) throw malformed();
      entries.set(rel, e);
    }
    return entries;
  }
}

function columnOf(kind: Kind, values: unknown[]): Column {
  if (kind === 'n') return { t: 'n', v: Float64Array.from(values, (v) => (v === undefined ? 0 : (v as number))) };
  if (kind === 'l') {
    const dict: string[] = [];
    const index = new Map<string, number>();
    const ids: number[] = [];
    const ends = new Int32Array(values.length);
    for (let j = 0; j < values.length; j++) {
      for (const item of (values[j] as string[] | undefined) ?? []) {
        let id = index.get(item);
        if (id === undefined) index.set(item, (id = dict.push(item) - 1));
        ids.push(id);
      }
      ends[j] = ids.length;
    }
    return { t: 'l', dict, ids: Int32Array.from(ids), ends };
  }
  // Strings: by index when a few stand for many (languages, authors), else joined (counting stops
  // as soon as there are too many to be few).
  const distinct = new Map<string, number>();
  const few = values.length / 4;
  for (let j = 0; j < values.length && distinct.size <= few; j++) {
    const v = values[j] as string | undefined;
    if (v !== undefined && !distinct.has(v)) distinct.set(v, distinct.size);
  }
  if (distinct.size <= few) {
    return { t: 'd', dict: [...distinct.keys()], ids: Int32Array.from(values, (v) => (v === undefined ? -1 : distinct.get(v as string)!)) };
  }
  return { t: 's', v: values.map((v) => (v === undefined ? '' : v)).join(SEP) };
}

/** A column's value for each of n rows (rows without the field read anything: their shape never asks). */
function decodeColumn(column: unknown, n: number): ArrayLike<unknown> {
  const c = column as Partial<{ t: string; v: unknown; dict: unknown; ids: unknown; ends: unknown }>;
  const malformed = () => new Error('malformed content cache column');
  if (!c || typeof c !== 'object') throw malformed();
  if (c.t === 's' && typeof c.v === 'string') {
    const values = n === 0 ? [] : c.v.split(SEP);
    if (values.length !== n) throw malformed();
    return values;
  }
  if (c.t === 'n' && c.v instanceof Float64Array && c.v.length === n) return c.v;
  if (!Array.isArray(c.dict) || !c.dict.every((x) => typeof x === 'string')) throw malformed();
  const dict = c.dict as string[];
  if (c.t === 'd' && isInt32Array(c.ids, n)) {
    const ids = c.ids;
    const values = new Array<string | undefined>(n);
    for (let j = 0; j < n; j++) {
      const id = ids[j]!;
      if (id >= dict.length || id < -1) throw malformed();
      values[j] = id === -1 ? undefined : dict[id];
    }
    return values;
  }
  if (c.t === 'l' && c.ids instanceof Int32Array && isInt32Array(c.ends, n)) {
    const { ids, ends } = c;
    const values = new Array<string[]>(n);
    let at = 0;
    for (let j = 0; j < n; j++) {
      const end = ends[j]!;
      if (end < at || end > ids.length) throw malformed();
      const list = new Array<string>(end - at);
      for (let k = 0; at < end; k++, at++) {
        const id = ids[at]!;
        if (id < 0 || id >= dict.length) throw malformed();
        list[k] = dict[id]!;
      }
      values[j] = list;
    }
    if (at !== ids.length) throw malformed();
    return values;
  }
  throw malformed();
}
