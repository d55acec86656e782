/**
 * The local block store: blockstore-fs in a folder of its own (default `.samizdat/ipfs/`),
 * marked with a small file so that a folder which is not a block store is never written into.
 */
import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FsBlockstore } from 'blockstore-fs';
import { NextToLast } from 'blockstore-fs/sharding';
import type { CID } from 'multiformats/cid';
import { InputError, SamizdatError } from '../errors.ts';

export const DEFAULT_BLOCKSTORE_DIR = '.samizdat/ipfs';
/** Blocks live under this sub-folder; the marker and publications.json sit beside it. */
const BLOCKS_SUBDIR = 'blocks';
const MARKER = 'SAMIZDAT_BLOCKSTORE';
const MARKER_TEXT = 'samizdat IPFS block store v1 (blockstore-fs, next-to-last/2 sharding)\n';
/** Present while a pin writes blocks (see beginWrite). */
const WRITE_MARKER = 'PIN_IN_PROGRESS';

/**
 * A block store with the few calls samizdat needs, in blockstore-fs's own layout (next-to-last/2
 * sharding, `.data` files), so FsBlockstore can read it. Reads and writes go straight to the
 * files (blockstore-fs streams every read and writes through one temp name per block, which is
 * slow for thousands of small blocks and collides when one block is written twice at once).
 * `samizdat pin`'s writer thread (pin-writer.ts) writes into blocksDir between beginWrite and
 * endWrite: each new block straight under its name, guarded by the PIN_IN_PROGRESS marker (see
 * beginWrite); blocks already present are skipped (a rerun writes none). The async `put` (for callers of the importer's interface) writes a unique temp file and
 * renames it into place, and keeps blocks in memory up to a budget. Every read from disk is
 * checked against the block's hash.
 */
export class LocalBlockstore {
  readonly dir: string;
  readonly fs: FsBlockstore;
  private readonly cache = new Map<string, Uint8Array>();
  private cachedBytes = 0;
  /** Puts in flight by CID: blockstore-fs writes through one temp name per block, so two writes of the same block at once collide (and it retries for a second). */
  private readonly inFlight = new Map<string, Promise<void>>();

  /** Where the block files are (pin's writer thread writes straight into it: pin-writer.ts). */
  readonly blocksDir: string;
  private readonly sharding = new NextToLast();
  private readonly madeDirs = new Set<string>();
  private readonly tmpPrefix = `.tmp-${process.pid}-${randomBytes(4).toString('hex')}-`;
  private tmpCounter = 0;
  /** Set when the store was empty at open: no block can exist yet unless written by us (tracked in inFlight/cache). */
  fresh = false;
  /** Blocks this process has written or found present: a second put of one is free. */
  private readonly known = new Set<string>();

  constructor(dir: string, private readonly cacheBudget = 256 * 1024 * 1024) {
    this.dir = dir;
    this.blocksDir = path.join(dir, BLOCKS_SUBDIR);
    this.fs = new FsBlockstore(this.blocksDir);
  }

  private fileOf(cid: CID): { dir: string; file: string } {
    const { dir, file } = this.sharding.encode(cid);
    return { dir: path.join(this.blocksDir, dir), file: path.join(this.blocksDir, dir, file) };
  }

  async has(cid: CID): Promise<boolean> {
    if (this.cache.has(cid.toString())) return true;
    return access(this.fileOf(cid).file).then(() => true, () => false);
  }

  /** Names of the block files present at open (`<shard>/<file>`), read once with one readdir per shard folder. */
  private present: Promise<Set<string>> | undefined;

  private listPresent(): Promise<Set<string>> {
    this.present ??= (async () => {
      const names = new Set<string>();
      const shards = await readdir(this.blocksDir).catch(() => [] as string[]);
      for (const shard of shards) {
        for (const name of await readdir(path.join(this.blocksDir, shard)).catch(() => [] as string[])) names.add(`${shard}/${name}`);
        this.madeDirs.add(path.join(this.blocksDir, shard));
      }
      return names;
    })();
    return this.present;
  }

  private async writeBlock(cid: CID, bytes: Uint8Array): Promise<void> {
    const { dir, file } = this.fileOf(cid);
    if (!this.fresh) {
      const shard = this.sharding.encode(cid);
      if ((await this.listPresent()).has(`${shard.dir}/${shard.file}`)) return;
    }
    if (!this.madeDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    const tmp = path.join(dir, `${this.tmpPrefix}${this.tmpCounter++}`);
    try {
      await writeFile(tmp, bytes);
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  /**
   * Starts a pin's writes. A marker file, PIN_IN_PROGRESS with our pid, stays in the
   * store until endWrite: block files are written straight under their names (no temp file and
   * rename, which cost more than hashing them), so a pin killed mid-write can leave a torn block,
   * and the marker says so. Found at the next beginWrite with a dead pid, it makes that pin check
   * every block file against its name (re-hash) and delete the bad ones and stray temp files
   * before anything is skipped as present. A marker whose pid is alive is another pin writing:
   * refused with BLOCKSTORE_BUSY.
   */
  beginWrite(): { repaired: number } {
    const marker = path.join(this.dir, WRITE_MARKER);
    let repaired = 0;
    const pid = this.markerPid();
    if (pid !== undefined) {
      if (pid !== 0 && pid !== process.pid && isAlive(pid)) {
        throw new SamizdatError('BLOCKSTORE_BUSY', `another samizdat pin (pid ${pid}) is writing the block store ${this.dir}`, {
          file: marker,
          hint: `Wait for it to finish. If no samizdat pin is running (the pid now belongs to another program), replace the pid in ${marker} by 0: the next pin then checks every block and goes on.`,
        });
      }
      repaired = this.repair();
    }
    writeFileSync(marker, `samizdat pin in progress: pid ${process.pid}, since ${new Date().toISOString()}\n`);
    return { repaired };
  }

  /** The pid in the write marker: undefined without a marker, 0 when it names none. */
  private markerPid(): number | undefined {
    let text: string;
    try {
      text = readFileSync(path.join(this.dir, WRITE_MARKER), 'utf8');
    } catch {
      return undefined;
    }
    return Number(/pid (\d+)/.exec(text)?.[1] ?? 0);
  }

  /** The pid of a live pin (this process included) writing the store, if any. */
  private livePinWriter(): number | undefined {
    const pid = this.markerPid();
    return pid && isAlive(pid) ? pid : undefined;
  }

  /**
   * Ends a pin's writes: call only once every block handed over is complete on disk (a failed
   * or unknown write must leave the marker, so that the next pin checks the whole store).
   */
  endWrite(): void {
    rmSync(path.join(this.dir, WRITE_MARKER), { force: true });
  }

  /** Deletes every block file that does not hash to its name, and stray temp files. Returns how many. */
  private repair(): number {
    let removed = 0;
    for (const shard of readdirOrEmpty(this.blocksDir)) {
      const dir = path.join(this.blocksDir, shard);
      for (const name of readdirOrEmpty(dir)) {
        const file = path.join(dir, name);
        let ok = false;
        if (name.endsWith('.data')) {
          try {
            ok = hashMatches(this.sharding.decode(name), readFileSync(file));
          } catch {
            ok = false;
          }
        }
        if (!ok) {
          rmSync(file, { force: true, recursive: true });
          removed += 1;
        }
      }
    }
    this.fresh = false;
    return removed;
  }

  async put(cid: CID, bytes: Uint8Array, options?: { signal?: AbortSignal }): Promise<CID> {
    const key = cid.toString();
    if (this.cachedBytes + bytes.byteLength <= this.cacheBudget && !this.cache.has(key)) {
      this.cache.set(key, bytes);
      this.cachedBytes += bytes.byteLength;
    }
    if (this.known.has(key)) return cid;
    const pending = this.inFlight.get(key);
    if (pending) {
      await pending;
      return cid;
    }
    options?.signal?.throwIfAborted();
    const write = this.writeBlock(cid, bytes);
    this.inFlight.set(key, write);
    try {
      await write;
      this.known.add(key);
    } finally {
      this.inFlight.delete(key);
    }
    return cid;
  }

  /** The whole block. Throws when it is missing. */
  async getBytes(cid: CID, options?: { signal?: AbortSignal }): Promise<Uint8Array> {
    const cached = this.cache.get(cid.toString());
    if (cached) return cached;
    options?.signal?.throwIfAborted();
    const { file } = this.fileOf(cid);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw Object.assign(new Error(`block ${cid} is not in the block store`), { name: 'NotFoundError', code: 'ERR_NOT_FOUND', cause: err });
      throw err;
    }
    // A block file is named by its hash: a damaged one (a pin killed mid-write, a disk fault) is
    // never served, and deleted so that the next pin writes it back; unless a pin is writing the
    // store right now, in which case it may be a block still being written.
    if (!hashMatches(cid, bytes)) {
      const writer = this.livePinWriter();
      if (writer !== undefined) {
        throw new SamizdatError('BLOCK_DAMAGED', `block ${cid} in the block store ${this.dir} does not match its hash, while a samizdat pin (pid ${writer}) is writing the store`, { file, hint: 'Try again when the pin has finished.', retryable: true });
      }
      await rm(file, { force: true });
      throw new SamizdatError('BLOCK_DAMAGED', `block ${cid} in the block store ${this.dir} did not match its hash and was removed`, { file, hint: 'Run `samizdat pin` again to write it back.' });
    }
    return bytes;
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
  store.fresh = entries === undefined || entries.length === 0;
  await store.fs.open();
  return store;
}

function notABlockstore(dir: string, why: string): InputError {
  return new InputError('BLOCKSTORE_INVALID', `${dir} is not a samizdat IPFS block store: ${why}`, {
    file: dir,
    hint: 'Point `ipfs.blockstore` in the site settings (or --blockstore) at an empty or missing folder, or at one samizdat created.',
  });
}

function readdirOrEmpty(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Whether `bytes` hash to the CID's multihash (sha2-256, all samizdat writes; anything else is not checked). */
function hashMatches(cid: CID, bytes: Uint8Array): boolean {
  if (cid.multihash.code !== 0x12) return true;
  const digest = createHash('sha256').update(bytes).digest();
  return Buffer.compare(digest, cid.multihash.digest) === 0;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
