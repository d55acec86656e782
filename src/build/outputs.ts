/**
 * What the last successful build wrote into outDir, so that a rebuild writes only what changed.
 *
 * The state file (<cacheDir>/outputs.state, ../state-file.ts) records every file of the bundle:
 * the key of what it was made from (article pages, list pages, media; page-keys.ts), its size and
 * sha256, and its identity in outDir (size, modification time, inode) right after the build. A
 * file is carried over only when its key matches AND the file in outDir still has that identity,
 * so an output that was edited, replaced or removed by hand is written again.
 *
 * A rebuild stages only new and changed files. Once they have passed the audit and the manifest
 * is written, stale files are removed from outDir, the staged ones renamed into it, and the
 * manifest (then its signature) goes in last. Until then outDir is untouched, so a failing build
 * leaves the previous output as it was. Without a usable state (first build, another outDir,
 * outDir gone) everything is staged and swapped in as a whole (swap.ts).
 */
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { compareCodeUnits } from '../content/index.ts';
import { readStateMap, writeStateMap, writeStateMapChanges, type StateMapBase } from '../state-file.ts';
import { MANIFEST_FILE, SIGNATURE_FILE, type ManifestFile } from '../manifest/index.ts';
import { identity, SCAN_THREAD_FROM, scanOutputs, type OutputScan } from './output-scan.ts';
import { scanOutputsOnThread, takePrestartedScan } from './prescan.ts';

/**
 * The state: { outDir, salt } as its head, and each file's record as one string (packRecord):
 * 12,000 strings read far faster than 12,000 objects. Keys are compared only under the salt
 * they were made with (PageKeys.salt: templates, site settings, code), so a key need not hash
 * the salt in.
 */
const STATE_FILE = 'outputs.state';
const FORMAT = 'samizdat-outputs/4';

/** "size\0sha256\0id\0key": the key last, since a media key has NULs of its own (a path never does). */
function packRecord(size: number, sha256: string, id: string, key: string | undefined): string {
  return `${size}\0${sha256}\0${id}\0${key ?? ''}`;
}

/** Whether a packed record's identity (its third field) is `id`: compared in place, 12,000 times a rebuild. */
function hasIdentity(packed: string, id: string): boolean {
  const a = packed.indexOf('\0');
  const b = a >= 0 ? packed.indexOf('\0', a + 1) : -1;
  return b >= 0 && packed.charCodeAt(b + 1 + id.length) === 0 && packed.startsWith(id, b + 1);
}

/** Removes a file that sits where one of rel's folders must be. */
async function clearFileInTheWay(root: string, rel: string): Promise<void> {
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    const p = path.join(root, ...parts.slice(0, i));
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (!st.isDirectory()) {
      await rm(p, { force: true });
      return;
    }
  }
}

/** The output folder could not be listed when the build checked it: build it whole instead. */
export class OutputFolderUnreadable extends Error {
  constructor(outDir: string) {
    super(`the output folder ${outDir} could not be listed`);
  }
}

function isFolder(dir: string): boolean {
  return statSync(dir, { throwIfNoEntry: false })?.isDirectory() === true;
}

export class OutputState {
  private readonly keys = new Map<string, string>();
  /** Files reuse() said yes to (and verify() has not taken back). */
  private readonly carried = new Set<string>();
  /** The scan, once verify() has it. */
  private present: OutputScan | undefined;
  /** What this build's keys are made under (keysMadeWith); nothing is reused until it is said. */
  private salt: string | undefined;

  private constructor(
    private readonly stateFile: string | undefined,
    private readonly outDir: string,
    private readonly previous: ReadonlyMap<string, string>,
    /** What is in outDir now: scanned (for an update in place) or undefined (a whole build). */
    private readonly scan: Promise<OutputScan | undefined> | undefined,
    private readonly base?: StateMapBase,
    /** The salt of the previous build's keys. */
    private readonly previousSalt?: string,
    /** The list digest of the manifest whose files the state records (manifestListDigest): see saveChanges. */
    readonly listDigest?: string,
  ) {}

  static async open(cacheDir: string | undefined, outDir: string, options: { incremental?: boolean } = {}): Promise<OutputState> {
    const stateFile = cacheDir ? path.join(cacheDir, STATE_FILE) : undefined;
    let previous: ReadonlyMap<string, string> = new Map();
    let base: StateMapBase | undefined;
    let previousSalt: string | undefined;
    let listDigest: string | undefined;
    if (stateFile && options.incremental !== false) {
      // No state yet: the whole bundle is written.
      const state = await readStateMap(stateFile, FORMAT);
      if (state?.head.outDir === outDir && typeof state.head.salt === 'string') {
        previous = state.entries as ReadonlyMap<string, string>;
        base = state.base;
        previousSalt = state.head.salt;
        if (typeof state.head.list === 'string') listDigest = state.head.list;
      }
    }
    // A big bundle is scanned on a thread while the caller goes on (see prescan.ts); the build
    // decides with what the state says and checks it against the scan only before the audit.
    const early = takePrestartedScan(outDir);
    let scan: Promise<OutputScan | undefined> | undefined;
    if (previous.size > 0 && isFolder(outDir)) {
      scan = early ?? (previous.size >= SCAN_THREAD_FROM ? scanOutputsOnThread(outDir) : Promise.resolve(scanOutputs(outDir)));
      scan.catch(() => {}); // awaited by verify(); a build that fails before then has no use for it
    }
    return new OutputState(stateFile, outDir, previous, scan, base, previousSalt, listDigest);
  }

  /** Names the salt this build's keys are made under: keys of another salt are never equal. */
  keysMadeWith(salt: string): void {
    this.salt = salt;
  }

  /** True when the previous output can be updated in place (see above). */
  get incremental(): boolean {
    return this.scan !== undefined;
  }

  /**
   * Records the key of a file of this build; true when the previous build's file at that path
   * was made from the same key. Whether it is still in outDir as that build left it is checked
   * by verify(), for every file this said yes to.
   */
  reuse(rel: string, key: string): boolean {
    this.keys.set(rel, key);
    if (!this.scan || this.salt === undefined || this.salt !== this.previousSalt) return false;
    const packed = this.previous.get(rel);
    if (typeof packed !== 'string') return false;
    // Compared inside the packed record ("size\0sha256\0id\0key"), without unpacking it: 12,000
    // calls per rebuild.
    const a = packed.indexOf('\0');
    const b = a > 0 ? packed.indexOf('\0', a + 1) : -1;
    const c = b > 0 ? packed.indexOf('\0', b + 1) : -1;
    if (c < 0 || packed.length - c - 1 !== key.length || !packed.endsWith(key)) return false;
    this.carried.add(rel);
    return true;
  }

  /**
   * The files reuse() said yes to that are no longer in outDir as the last build left them
   * (edited, replaced or removed by hand): they must be written again. From here on they count
   * as not carried over. Throws OutputFolderUnreadable when outDir cannot be listed any more.
   */
  async verify(): Promise<Set<string>> {
    const present = this.present ?? (await this.scan);
    if (!present) throw new OutputFolderUnreadable(this.outDir);
    this.present = present;
    const changed = new Set<string>();
    for (const rel of this.carried) {
      const now = present.files.get(rel);
      if (now === undefined || !hasIdentity(this.previous.get(rel)!, now)) changed.add(rel);
    }
    for (const rel of changed) this.carried.delete(rel);
    return changed;
  }

  /** Size and sha256 of a file carried over (only valid for files reuse() said yes to, after verify()). */
  known(rel: string): { size: number; sha256: string } | undefined {
    const sha256 = this.knownSha256(rel);
    if (sha256 === undefined) return undefined;
    const packed = this.previous.get(rel)!;
    return { size: Number(packed.slice(0, packed.indexOf('\0'))), sha256 };
  }

  /** known(rel)?.sha256, without the object: the audit asks it of every carried file too. */
  knownSha256(rel: string): string | undefined {
    // Sliced straight from the packed record ("size\0sha256\0…").
    const packed = this.previous.get(rel);
    if (typeof packed !== 'string') return undefined;
    const a = packed.indexOf('\0');
    return a > 0 && packed.charCodeAt(a + 65) === 0 ? packed.slice(a + 1, a + 65) : undefined;
  }

  /**
   * The bytes of a file the last build wrote, if it is still in outDir as that build left it
   * (its recorded identity, taken from the same open file): for a rebuild that reuses parts of a
   * file it writes again (a feed's entries, ./feeds/splice.ts). Undefined otherwise.
   */
  readBack(rel: string): Buffer | undefined {
    const packed = this.previous.get(rel);
    if (!this.scan || typeof packed !== 'string') return undefined;
    let fd: number | undefined;
    try {
      fd = openSync(path.join(this.outDir, ...rel.split('/')), 'r');
      const st = fstatSync(fd);
      if (!st.isFile() || !hasIdentity(packed, identity(st))) return undefined;
      return readFileSync(fd);
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /**
   * Updates outDir in place: stale entries out, staged files in, manifest and signature last.
   * `bundle` is every file of the new bundle, `staged` those that lie in `staging`.
   */
  async apply(staging: string, staged: ReadonlySet<string>, bundle: ReadonlySet<string>): Promise<void> {
    const present = this.present;
    if (!present) throw new Error('OutputState.apply before verify()');
    const stale = [...present.files.keys(), ...present.others].filter((rel) => !bundle.has(rel));
    // Synchronously: a rebuild moves a few dozen files, and each asynchronous call is a thread-pool
    // round trip that waits for a core on a busy machine.
    for (const rel of stale) rmSync(path.join(this.outDir, ...rel.split('/')), { force: true, recursive: true });
    const last = [MANIFEST_FILE, SIGNATURE_FILE].filter((f) => staged.has(f));
    const made = new Set<string>();
    for (const rel of [...staged].filter((f) => !last.includes(f)).sort(compareCodeUnits).concat(last)) {
      const to = path.join(this.outDir, ...rel.split('/'));
      const dir = path.dirname(to);
      if (!made.has(dir)) {
        mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      try {
        renameSync(path.join(staging, ...rel.split('/')), to);
      } catch (err) {
        // A folder (or a file where a folder must be) left by hand in the way: the bundle wins.
        if (!['EISDIR', 'ENOTEMPTY', 'ENOTDIR', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
        await rm(to, { recursive: true, force: true });
        await clearFileInTheWay(this.outDir, rel);
        await mkdir(dir, { recursive: true });
        await rename(path.join(staging, ...rel.split('/')), to);
      }
    }
    // Folders emptied by the removals go too (deepest first); a folder still in use stays.
    const folders = new Set<string>();
    for (const rel of stale) for (let d = path.posix.dirname(rel); d !== '.'; d = path.posix.dirname(d)) folders.add(d);
    for (const d of [...folders].sort((a, b) => b.length - a.length)) {
      try {
        rmdirSync(path.join(this.outDir, ...d.split('/')));
      } catch {
        // Not empty: still in use.
      }
    }
  }

  /**
   * Writes the state of a whole build swapped in: every file's key, size, sha256 and identity.
   * `identities`: those already known (taken from the staged file, which the swap only renames).
   * (A rebuild in place writes its changes: saveChanges.)
   */
  async save(files: readonly ManifestFile[], identities?: ReadonlyMap<string, string>, listDigest?: string): Promise<void> {
    if (!this.stateFile) return;
    const out = new Map<string, string>();
    for (const f of files) {
      const id = identities?.get(f.path) ?? identity(statSync(path.join(this.outDir, ...f.path.split('/'))));
      const key = this.keys.get(f.path);
      out.set(f.path, packRecord(f.size, f.sha256, id, key));
    }
    // Without a salt (keysMadeWith not called), the keys recorded are of no use to the next build.
    await writeStateMap(this.stateFile, FORMAT, this.head(listDigest), out, this.base, 'outputs.json');
  }

  /** The state's head: the outDir, the keys' salt and the list digest of the manifest whose files it records. */
  private head(listDigest: string | undefined): Record<string, unknown> {
    return { outDir: this.outDir, salt: this.salt ?? '', ...(listDigest ? { list: listDigest } : {}) };
  }

  /**
   * Writes the state of a finished rebuild from its changes, not from every file: the records of
   * the files written now (`written`: each staged file's size and sha256) and of those no longer
   * in the bundle. Every other file of the bundle was carried over (reuse() said yes and verify()
   * kept it): its record is the one read, since its key and identity are unchanged and the
   * manifest took its size and sha256 from that record (known()).
   */
  async saveChanges(written: ReadonlyMap<string, ManifestFile>, bundle: ReadonlySet<string>, identities: ReadonlyMap<string, string>, listDigest?: string): Promise<void> {
    if (!this.stateFile) return;
    if (!this.base) throw new Error('OutputState.saveChanges without a state read (not an incremental build)');
    const set = new Map<string, string>();
    let added = 0;
    for (const [rel, f] of written) {
      const id = identities.get(rel) ?? identity(statSync(path.join(this.outDir, ...rel.split('/'))));
      set.set(rel, packRecord(f.size, f.sha256, id, this.keys.get(rel)));
      if (!this.previous.has(rel)) added++;
    }
    // None went away when the records read and the new ones are as many as the bundle's files
    // (each file not written now has a record); otherwise those not in the bundle are found.
    const removed: string[] = [];
    if (this.previous.size + added !== bundle.size) for (const rel of this.previous.keys()) if (!bundle.has(rel)) removed.push(rel);
    await writeStateMapChanges(this.stateFile, FORMAT, this.head(listDigest), this.base, { set, removed }, 'outputs.json');
  }
}
