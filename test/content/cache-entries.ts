// Test support: the content cache's entries as RawEntries, whichever way its whole file keeps them
// (a table, or a Map of entries as earlier versions and tests write it).
import { readStateMap } from '../../src/state-file.ts';
import { FORMAT } from '../../src/content/cache.ts';
import { TableCodec, type RawEntry } from '../../src/content/cache-table.ts';

export async function readCacheEntries(file: string): Promise<{ id: string; head: { version: string; shapes: string[][]; renderSalt?: string }; entries: Map<string, RawEntry> } | undefined> {
  const shapes: string[][] = [];
  const codec = new TableCodec(shapes);
  const state = await readStateMap(file, FORMAT, codec);
  if (!state) return undefined;
  const head = state.head as { version: string; shapes: string[][] };
  shapes.push(...head.shapes);
  const entries = new Map<string, RawEntry>();
  for (const [rel, e] of state.entries) entries.set(rel, typeof e === 'number' ? codec.entryOf(e)! : (e as RawEntry));
  return { id: state.base.id, head, entries };
}
