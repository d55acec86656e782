/**
 * The list of publications pinned so far, newest first, in `<blockstore>/publications.json`.
 * It is what the unpin policy reads: a target with `keep: N` keeps the N newest roots pinned
 * and unpins the older roots it holds.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.ts';

export const PUBLICATIONS_FILE = 'publications.json';

export interface Publication {
  /** Root CID, CIDv1 base32. */
  cid: string;
  /** When it was pinned (ISO 8601). */
  pinnedAt: string;
  files: number;
  bytes: number;
  /** Targets (mirror names) that reported it pinned; entries are removed when a target unpins it. */
  targets: string[];
}

interface PublicationsFile {
  format: 'samizdat-publications/1';
  publications: Publication[];
}

export async function readPublications(blockstoreDir: string): Promise<Publication[]> {
  const file = path.join(blockstoreDir, PUBLICATIONS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as PublicationsFile;
    if (parsed.format !== 'samizdat-publications/1' || !Array.isArray(parsed.publications)) throw new Error('unknown format');
    return parsed.publications;
  } catch (err) {
    throw new InputError('PUBLICATIONS_CORRUPT', `${file} is not a samizdat publications list: ${(err as Error).message}`, {
      file,
      cause: err,
      hint: 'Move the file away; samizdat starts a new list (older roots then stay pinned until you unpin them by hand).',
    });
  }
}

export async function writePublications(blockstoreDir: string, publications: Publication[]): Promise<void> {
  const file = path.join(blockstoreDir, PUBLICATIONS_FILE);
  const body: PublicationsFile = { format: 'samizdat-publications/1', publications };
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(body, null, 2) + '\n');
  await rename(tmp, file);
}

/** Puts `pub` first (moving an older entry of the same CID up, merging its targets). */
export function recordPublication(list: Publication[], pub: Publication): Publication[] {
  const old = list.find((p) => p.cid === pub.cid);
  const merged = { ...pub, targets: [...new Set([...(old?.targets ?? []), ...pub.targets])].sort() };
  return [merged, ...list.filter((p) => p.cid !== pub.cid)];
}

/** Roots `target` should unpin under "keep the newest `keep`": older entries still listing it. */
export function rootsToUnpin(list: readonly Publication[], target: string, keep: number | undefined): string[] {
  if (keep === undefined) return [];
  return list.slice(keep).filter((p) => p.targets.includes(target)).map((p) => p.cid);
}

/** Notes that `target` no longer holds `cid`. */
export function forgetTarget(list: Publication[], cid: string, target: string): Publication[] {
  return list.map((p) => (p.cid === cid ? { ...p, targets: p.targets.filter((t) => t !== target) } : p));
}
