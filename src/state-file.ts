/**
 * The build's state files under .samizdat/ (content cache, render index, record of outputs),
 * kept in V8's serialization format rather than JSON. A rebuild of a 10,000-article archive
 * reads and writes all of them: a Map of 10,000 entries deserializes in about a third of the
 * time JSON.parse takes on the same data (no UTF-8 decoding of Cyrillic summaries, no object
 * with 10,000 keys), and serializes in about half.
 *
 * The file holds { format, body }. A file that is missing, damaged, of another format, or written
 * by a Node whose format this one cannot read is no state at all: the caller starts afresh, which
 * only costs time. Only samizdat writes these files; they are never taken from elsewhere.
 *
 * A state that is one big Map (readStateMap, writeStateMap) is rewritten only when much of it
 * changed: a rebuild that adds one article writes the few changed entries into a small file
 * beside it (<file>.delta), which names the whole file it applies to.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';

/** The body of a state file's bytes if they are of this format, else undefined. */
function bodyOf(bytes: Buffer, format: string): Record<string, unknown> | undefined {
  const data = deserialize(bytes) as { format?: unknown; body?: unknown } | null;
  if (!data || typeof data !== 'object' || data.format !== format) return undefined;
  const body = data.body;
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

const tempNameFor = (file: string) => `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;

/**
 * The body of a state file of this format, or undefined. Read synchronously all the same: a build
 * waits for its states anyway, and an asynchronous read is four thread-pool round trips (open,
 * stat, read, close), each waiting for a core on a busy machine.
 */
export async function readStateFile(file: string, format: string): Promise<Record<string, unknown> | undefined> {
  return readStateFileSync(file, format);
}

/** readStateFile, synchronously: for a small file on a hot path, where an asynchronous read is a thread-pool round trip. */
export function readStateFileSync(file: string, format: string): Record<string, unknown> | undefined {
  try {
    return bodyOf(readFileSync(file), format);
  } catch {
    return undefined;
  }
}

/**
 * Writes a state file atomically (a temp file renamed over it), so a reader never sees half of
 * one. `replaces`: the name of the JSON file earlier versions kept this state in, removed then.
 */
export async function writeStateFile(file: string, format: string, body: object, replaces?: string): Promise<void> {
  // Synchronously, as readStateFile reads.
  writeStateFileSync(file, format, body);
  if (replaces) rmSync(path.join(path.dirname(file), replaces), { force: true });
}

/** writeStateFile, synchronously (see readStateFileSync). */
export function writeStateFileSync(file: string, format: string, body: object): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempNameFor(file);
  try {
    writeFileSync(tmp, serialize({ format, body }));
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** A Map state as read: a few plain fields (head), the entries, and the base a write compares with. */
export interface StateMap {
  head: Record<string, unknown>;
  /** Not to be changed (the base's view of the whole file reads through it). */
  entries: ReadonlyMap<string, unknown>;
  base: StateMapBase;
}

/** The whole file a delta applies to: its id and its entries (never changed in place), and the changes of the delta read with it. */
export interface StateMapBase {
  id: string;
  entries: ReadonlyMap<string, unknown>;
  delta?: StateMapChanges;
}

/** Changes to a Map state: entries set (added or replaced) and keys removed. */
export interface StateMapChanges {
  set: ReadonlyMap<string, unknown>;
  removed: ReadonlySet<string>;
}

/** In WholeFile's `before`: the key was not in the whole file (the delta added it). */
const ABSENT: unique symbol = Symbol('absent');

/**
 * The whole file's entries, seen through the Map read with its delta's changes made in place and
 * the few values those changes replaced: a rebuild reads three states of 10,000-12,000 entries,
 * and copying each Map to apply a delta of a few entries cost more than everything else done with
 * it. Readers get the plain Map (fast lookups); only a write compares with this view.
 */
class WholeFile implements ReadonlyMap<string, unknown> {
  readonly size: number;
  constructor(
    /** The entries read: the whole file with the delta's changes. */
    readonly now: ReadonlyMap<string, unknown>,
    /** For each key the delta changed, its value in the whole file (ABSENT: not there). */
    readonly before: ReadonlyMap<string, unknown>,
  ) {
    let size = now.size;
    for (const [key, value] of before) {
      if (value === ABSENT) size--;
      else if (!now.has(key)) size++;
    }
    this.size = size;
  }

  get(key: string): unknown {
    if (this.before.has(key)) {
      const value = this.before.get(key);
      return value === ABSENT ? undefined : value;
    }
    return this.now.get(key);
  }

  has(key: string): boolean {
    return this.before.has(key) ? this.before.get(key) !== ABSENT : this.now.has(key);
  }

  *entries(): MapIterator<[string, unknown]> {
    for (const [key, value] of this.now) {
      if (!this.before.has(key)) yield [key, value];
      else if (this.before.get(key) !== ABSENT) yield [key, this.before.get(key)];
    }
    for (const [key, value] of this.before) if (value !== ABSENT && !this.now.has(key)) yield [key, value];
  }

  *keys(): MapIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<unknown> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[string, unknown]> {
    return this.entries();
  }

  forEach(callback: (value: unknown, key: string, map: ReadonlyMap<string, unknown>) => void, thisArg?: unknown): void {
    // Without a generator: a write that compares every entry goes through all of them.
    const { now, before } = this;
    now.forEach((value, key) => {
      if (!before.has(key)) callback.call(thisArg, value, key, this);
      else if (before.get(key) !== ABSENT) callback.call(thisArg, before.get(key), key, this);
    });
    before.forEach((value, key) => {
      if (value !== ABSENT && !now.has(key)) callback.call(thisArg, value, key, this);
    });
  }

  get [Symbol.toStringTag](): string {
    return 'Map';
  }
}

/** A delta is written while its changes are at most this share of the whole: 1/8. */
const DELTA_SHARE = 8;

const deltaFile = (file: string) => `${file}.delta`;
const deltaFormat = (format: string) => `${format}:delta`;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * How a whole file keeps its entries. A Map of strings to strings (the record of outputs: 12,000
 * paths and records) is kept as two strings, the keys and the values each joined by a character
 * none of them holds, with the few values that are not strings beside them by index: V8 reads two
 * long strings and a split in about half the time it reads 24,000 short ones. Anything else, or
 * entries holding the separator, is kept as the Map.
 */
const SEPARATOR = '\x01';

interface Columns {
  keys: string;
  values: string;
  /** Values that are not strings: their index and value (an empty string holds their place in `values`). */
  others: Array<[number, unknown]>;
  count: number;
}

function stored(entries: ReadonlyMap<string, unknown>): { entries: ReadonlyMap<string, unknown> } | { columns: Columns } {
  const keys: string[] = [];
  const values: string[] = [];
  const others: Array<[number, unknown]> = [];
  entries.forEach((value, key) => {
    if (typeof value === 'string') values.push(value);
    else {
      others.push([values.length, value]);
      values.push('');
    }
    keys.push(key);
  });
  // Mostly other values (the content cache's arrays): the Map as it is.
  if (others.length * 4 > keys.length) return { entries };
  const columns: Columns = { keys: keys.join(SEPARATOR), values: values.join(SEPARATOR), others, count: keys.length };
  // A key or value holding the separator would shift everything after it.
  if (count(columns.keys) !== keys.length - 1 || count(columns.values) !== values.length - 1) return { entries };
  return { columns };
}

/** How many separators a string holds. */
function count(text: string): number {
  let n = 0;
  for (let at = text.indexOf(SEPARATOR); at >= 0; at = text.indexOf(SEPARATOR, at + 1)) n++;
  return n;
}

/**
 * A layout of its own for a whole file's entries, for a state whose values have a known form
 * (the content cache's: see src/content/cache.ts). A whole file written without the codec (or
 * by an earlier version) is still read as any Map state is.
 */
export interface EntriesCodec {
  /** The body fields that keep these entries; undefined: kept as any Map state is. */
  encode(entries: ReadonlyMap<string, unknown>): Record<string, unknown> | undefined;
  /**
   * The entries of a body encode wrote, as a Map the reader may change (a delta is applied to it
   * in place); undefined when the body has none of the codec's fields. Throws if they are malformed.
   */
  decode(body: Record<string, unknown>): Map<string, unknown> | undefined;
}

/** The body fields keeping a whole file's entries. */
function storedWith(entries: ReadonlyMap<string, unknown>, codec: EntriesCodec | undefined): Record<string, unknown> {
  return codec?.encode(entries) ?? stored(entries);
}

/** The entries of a whole file's body (by the codec if it wrote them); undefined if malformed. */
function entriesWith(body: Record<string, unknown>, codec: EntriesCodec | undefined): Map<string, unknown> | undefined {
  if (codec) {
    try {
      const entries = codec.decode(body);
      if (entries) return entries;
    } catch {
      return undefined;
    }
  }
  return entriesOf(body);
}

/** The entries of a whole file's body, as a Map (fresh: the reader's own); undefined if malformed. */
function entriesOf(body: Record<string, unknown>): Map<string, unknown> | undefined {
  if (body.entries instanceof Map) return body.entries as Map<string, unknown>;
  const c = body.columns as Partial<Columns> | undefined;
  if (!isRecord(c) || typeof c.keys !== 'string' || typeof c.values !== 'string' || !Array.isArray(c.others) || typeof c.count !== 'number') return undefined;
  if (c.count === 0) return c.keys === '' && c.values === '' && c.others.length === 0 ? new Map() : undefined;
  const keys = c.keys.split(SEPARATOR);
  const values = c.values.split(SEPARATOR);
  if (keys.length !== c.count || values.length !== c.count) return undefined;
  const entries = new Map<string, unknown>();
  for (let i = 0; i < keys.length; i++) entries.set(keys[i]!, values[i]);
  for (const other of c.others as unknown[]) {
    if (!Array.isArray(other) || typeof other[0] !== 'number' || !(other[0] >= 0 && other[0] < keys.length)) return undefined;
    entries.set(keys[other[0]]!, other[1]);
  }
  // Keys are unique in a Map: fewer entries than keys is damage.
  return entries.size === c.count ? entries : undefined;
}

/** The Map state of this format, with the changes of its delta file applied; undefined if there is none. */
export async function readStateMap(file: string, format: string, codec?: EntriesCodec): Promise<StateMap | undefined> {
  const [whole, delta] = await Promise.all([readStateFile(file, format), readStateFile(deltaFile(file), deltaFormat(format))]);
  const wholeEntries = whole && entriesWith(whole, codec);
  if (!whole || typeof whole.id !== 'string' || !wholeEntries || !isRecord(whole.head)) return undefined;
  const base: StateMapBase = { id: whole.id, entries: wholeEntries };
  // A delta of another whole file (one written since, or before) is no change of this one.
  if (!delta || delta.baseId !== whole.id || !(delta.set instanceof Map) || !Array.isArray(delta.removed) || !isRecord(delta.head)) {
    return { head: whole.head, entries: wholeEntries, base };
  }
  const changes: StateMapChanges = { set: delta.set as Map<string, unknown>, removed: new Set(delta.removed as string[]) };
  if (changes.set.size === 0 && changes.removed.size === 0) return { head: delta.head, entries: wholeEntries, base: { ...base, delta: changes } };
  // The delta's changes made in the Map read (no one else holds it), remembering what they replaced.
  const entries = wholeEntries;
  const before = new Map<string, unknown>();
  const remember = (key: string) => {
    if (!before.has(key)) before.set(key, entries.has(key) ? entries.get(key) : ABSENT);
  };
  for (const key of changes.removed) {
    remember(key);
    entries.delete(key);
  }
  for (const [key, value] of changes.set) {
    remember(key);
    entries.set(key, value);
  }
  return { head: delta.head, entries, base: { id: whole.id, entries: new WholeFile(entries, before), delta: changes } };
}

/**
 * Writes a Map state: only its changes since `base` (the state read) when they are few, else the
 * whole file (and no delta). Values are compared by identity (===): an entry carried over
 * unchanged must be the value read. Says which it wrote.
 */
export async function writeStateMap(file: string, format: string, head: Record<string, unknown>, entries: ReadonlyMap<string, unknown>, base?: StateMapBase, replaces?: string, codec?: EntriesCodec): Promise<'delta' | 'whole'> {
  if (base) {
    const set = new Map<string, unknown>();
    const removed: string[] = [];
    // forEach: no [key, value] pair made for each of the tens of thousands of entries.
    if (base.entries instanceof WholeFile) {
      // The whole file is the Map read, but for the few keys its delta changed: compared with
      // those directly, not through the view's methods for every entry.
      const { now, before } = base.entries;
      entries.forEach((value, key) => {
        if (before.has(key)) {
          const was = before.get(key);
          if (was === ABSENT || was !== value) set.set(key, value);
        } else if (now.get(key) !== value || !now.has(key)) set.set(key, value);
      });
      now.forEach((_, key) => {
        if (!entries.has(key) && !before.has(key)) removed.push(key);
      });
      before.forEach((was, key) => {
        if (was !== ABSENT && !entries.has(key)) removed.push(key);
      });
    } else {
      entries.forEach((value, key) => {
        if (base.entries.get(key) !== value || !base.entries.has(key)) set.set(key, value);
      });
      base.entries.forEach((_, key) => {
        if (!entries.has(key)) removed.push(key);
      });
    }
    if ((set.size + removed.length) * DELTA_SHARE <= base.entries.size) {
      await writeStateFile(deltaFile(file), deltaFormat(format), { baseId: base.id, head, set, removed });
      return 'delta';
    }
  }
  await writeStateFile(file, format, { id: randomBytes(12).toString('hex'), head, ...storedWith(entries, codec) }, replaces);
  rmSync(deltaFile(file), { force: true });
  return 'whole';
}

/**
 * writeStateMap for a caller that knows what changed since the state it read (`base`): the
 * entries written are those read with `changes` made (a key both set and removed is removed).
 * Only the changes are looked at while they are few, not every entry: the delta written is the
 * one read with these changes merged into it (a delta always holds every change since its whole
 * file). Otherwise, and without a base, the whole file as writeStateMap writes it.
 */
export async function writeStateMapChanges(file: string, format: string, head: Record<string, unknown>, base: StateMapBase, changes: { set: ReadonlyMap<string, unknown>; removed: Iterable<string> }, replaces?: string, codec?: EntriesCodec): Promise<'delta' | 'whole'> {
  const set = new Map(base.delta?.set);
  const removed = new Set(base.delta?.removed);
  const whole = base.entries;
  changes.set.forEach((value, key) => {
    removed.delete(key);
    // Back to the whole file's value: no change of it.
    if (whole.get(key) === value && whole.has(key)) set.delete(key);
    else set.set(key, value);
  });
  for (const key of changes.removed) {
    set.delete(key);
    if (whole.has(key)) removed.add(key);
  }
  if ((set.size + removed.size) * DELTA_SHARE <= whole.size) {
    await writeStateFile(deltaFile(file), deltaFormat(format), { baseId: base.id, head, set, removed: [...removed] });
    return 'delta';
  }
  // The entries read (the whole file's with its delta's changes) with these changes: in the order a
  // copy of them with the changes made has.
  const entries = new Map(whole instanceof WholeFile ? whole.now : whole);
  for (const [key, value] of changes.set) entries.set(key, value);
  for (const key of changes.removed) entries.delete(key);
  await writeStateFile(file, format, { id: randomBytes(12).toString('hex'), head, ...storedWith(entries, codec) }, replaces);
  rmSync(deltaFile(file), { force: true });
  return 'whole';
}
