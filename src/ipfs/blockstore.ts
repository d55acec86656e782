/**
 * The local block store: blockstore-fs in a folder of its own (default `.samizdat/ipfs/`),
 * marked with a small file so that a folder which is not a block store is never written into.
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FsBlockstore } from 'blockstore-fs';
import type { CID } from 'multiformats/cid';
import { InputError } from '../errors.ts';

export const DEFAULT_BLOCKSTORE_DIR = '.samizdat/ipfs';
/** Blocks live under this sub-folder; the marker and publications.json sit beside it. */
const BLOCKS_SUBDIR = 'blocks';
const MARKER = 'SAMIZDAT_BLOCKSTORE';
const MARKER_TEXT = 'samizdat IPFS block store v1 (blockstore-fs, next-to-last/2 sharding)\n';

/**
 * A block store with the few calls samizdat needs. Puts skip blocks already present (a rerun
 * writes nothing), and blocks written in this process are kept in memory up to a budget so the
 * CAR export right after the import need not read them back from disk.
 */
export class LocalBlockstore {
  readonly dir: string;
  readonly fs: FsBlockstore;
  private readonly cache = new Map<string, Uint8Array>();
  private cachedBytes = 0;
  /** Puts in flight by CID: blockstore-fs writes through one temp name per block, so two writes of the same block at once collide (and it retries for a second). */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(dir: string, private readonly cacheBudget = 256 * 1024 * 1024) {
    this.dir = dir;
    this.fs = new FsBlockstore(path.join(dir, BLOCKS_SUBDIR));
  }

  async has(cid: CID): Promise<boolean> {
    return this.cache.has(cid.toString()) || (await this.fs.has(cid));
  }

  async put(cid: CID, bytes: Uint8Array, options?: { signal?: AbortSignal }): Promise<CID> {
    const key = cid.toString();
    if (this.cachedBytes + bytes.byteLength <= this.cacheBudget && !this.cache.has(key)) {
      this.cache.set(key, bytes);
      this.cachedBytes += bytes.byteLength;
    }
    const pending = this.inFlight.get(key);
    if (pending) {
      await pending;
      return cid;
    }
    const write = (async () => {
      if (!(await this.fs.has(cid))) await this.fs.put(cid, bytes, options);
    })();
    this.inFlight.set(key, write);
    try {
      await write;
    } finally {
      this.inFlight.delete(key);
    }
    return cid;
  }

  /** The whole block. Throws when it is missing. */
  async getBytes(cid: CID, options?: { signal?: AbortSignal }): Promise<Uint8Array> {
    const cached = this.cache.get(cid.toString());
    if (cached) return cached;
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.fs.get(cid, options)) chunks.push(chunk);
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  /** The shape the UnixFS exporter expects (interface-blockstore 7: get yields chunks). */
  async *get(cid: CID, options?: { signal?: AbortSignal }): AsyncGenerator<Uint8Array> {
    yield await this.getBytes(cid, options);
  }

  /** Forgets the in-memory copies (the blocks stay on disk). */
  dropCache(): void {
    this.cache.clear();
    this.cachedBytes = 0;
  }
}

/**
 * Opens (creating when missing or empty) the block store in `dir`. A folder that holds other
 * things, or a file, is refused with BLOCKSTORE_INVALID: we never write blocks into someone's folder.
 */
export async function openBlockstore(dir: string, options: { create?: boolean } = {}): Promise<LocalBlockstore> {
  const create = options.create ?? true;
  let entries: string[] | undefined;
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw notABlockstore(dir, 'it is a file, not a folder');
    entries = await readdir(dir);
  } catch (err) {
    if (err instanceof InputError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new InputError('BLOCKSTORE_UNREADABLE', `cannot open the IPFS block store ${dir}: ${(err as Error).message}`, { file: dir, cause: err });
    }
  }
  if (entries === undefined || entries.length === 0) {
    if (!create) throw new InputError('BLOCKSTORE_MISSING', `there is no IPFS block store at ${dir}`, { file: dir, hint: 'Run `samizdat pin` first: it creates the block store.' });
    await mkdir(path.join(dir, BLOCKS_SUBDIR), { recursive: true });
    await writeFile(path.join(dir, MARKER), MARKER_TEXT);
  } else {
    let marker: string | undefined;
    try {
      marker = await readFile(path.join(dir, MARKER), 'utf8');
    } catch {
      marker = undefined;
    }
    if (marker !== MARKER_TEXT) throw notABlockstore(dir, `it holds ${entries.length} other entr${entries.length === 1 ? 'y' : 'ies'} and no ${MARKER} marker`);
  }
  const store = new LocalBlockstore(dir);
  await store.fs.open();
  return store;
}

function notABlockstore(dir: string, why: string): InputError {
  return new InputError('BLOCKSTORE_INVALID', `${dir} is not a samizdat IPFS block store: ${why}`, {
    file: dir,
    hint: 'Point `ipfs.blockstore` in the site settings (or --blockstore) at an empty or missing folder, or at one samizdat created.',
  });
}
