/**
 * The files part of a manifest as bytes, kept between builds so that a rebuild's manifest is the
 * previous one with only its changed entries made anew (a rebuild after one new article changes
 * 21 of 12,400 entries; serializing and hashing all of them again cost ~40 ms).
 *
 * A layout holds, for each file in manifest order, the bytes of its entry exactly as
 * serializeManifest writes it (`JSON.stringify(manifest, null, 1)`), its line of the list the
 * publication id hashes (`<sha256>  <path>\n`: the file's path and sha256 are read from there) and
 * its size, and the sha256 of that whole list (its digest). It is kept in a file of its own
 * format (readLayout) that only samizdat writes, replaced whole and atomically.
 *
 * It is used in one of two ways:
 * - vouched for: the caller says which files it wrote now (`changed`) and that every other file
 *   of the bundle is, with the size and sha256 it knows, a file of the manifest whose list had a
 *   given digest (`listedBefore`, kept by the caller from the last build). When that is this
 *   layout's digest, only the changed files are looked at: nothing is done per file of the archive.
 * - checked: otherwise each file of the layout is looked up in the bundle and carried over only
 *   when the caller knows it with the layout's very size and sha256.
 * Anything that does not fit (no file, another format, damage, files that do not add up) only
 * costs the time of making the entries, or the whole list, again.
 */
import { isAscii } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writevSync } from 'node:fs';
import { endianness } from 'node:os';
import path from 'node:path';
import { MANIFEST_FILE, MANIFEST_FORMAT, SIGNATURE_FILE, type ManifestFile } from './types.ts';

/** Bump when an entry's or a list line's bytes would change. */
export const LAYOUT_FORMAT = `samizdat-manifest-layout/3 ${MANIFEST_FORMAT}`;

export interface FilesLayout {
  count: number;
  sizes: Float64Array;
  /**
   * The entries of the manifest's `files` array, joined by ",\n" as the manifest writes them: in
   * pieces, written as they are (see flat()).
   */
  entries: Buffer[];
  /** Where each entry ends in the entries' bytes (the next starts 2 bytes later). */
  entryEnds: Uint32Array;
  /** `<sha256>  <path>\n` for each file: what the publication id hashes (in pieces too). */
  list: Buffer[];
  listEnds: Uint32Array;
  /** Lowercase hex sha256 of `list`. */
  listDigest: string;
}

const SEPARATOR = Buffer.from(',\n');

/** Pieces as one buffer (joined once, then kept so). */
export function flat(pieces: Buffer[]): Buffer {
  if (pieces.length !== 1) pieces.splice(0, pieces.length, Buffer.concat(pieces));
  return pieces[0]!;
}

/** An entry as `JSON.stringify(manifest, null, 1)` writes it in the files array. */
export function entryText(f: ManifestFile): string {
  return `  {\n   "path": ${JSON.stringify(f.path)},\n   "size": ${JSON.stringify(f.size)},\n   "sha256": ${JSON.stringify(f.sha256)}\n  }`;
}

const listLine = (f: ManifestFile) => `${f.sha256}  ${f.path}\n`;

/** The list text for files (what the publication id hashes, as UTF-8). */
export function listText(files: readonly ManifestFile[]): string {
  return files.map(listLine).join('');
}

/**
 * The layout of files already serialized: `entries` is the files array's inner text as the
 * manifest's bytes hold it, `list` their list. Undefined if the bytes are not made of exactly
 * these entries and lines.
 */
export function layoutOf(files: readonly ManifestFile[], entries: Buffer, list: Buffer, listDigest: string): FilesLayout | undefined {
  const count = files.length;
  if (count === 0) return undefined;
  // Each entry ends with "\n  }" and is followed by ",\n" or the end: "\n  }," occurs nowhere
  // else (a string in JSON holds no raw newline).
  const entryEnds = new Uint32Array(count);
  let at = 0;
  for (let i = 0; i < count - 1; i++) {
    const end = entries.indexOf('\n  },\n', at);
    if (end < 0) return undefined;
    entryEnds[i] = end + 4;
    at = end + 6;
  }
  entryEnds[count - 1] = entries.length;
  if (entries.indexOf('\n  },\n', at) >= 0) return undefined;
  // Lines end at their newline; a path holding a newline (never a safe bundle path) gives more
  // newlines than files, and no layout.
  const listEnds = new Uint32Array(count);
  at = 0;
  for (let i = 0; i < count; i++) {
    const nl = list.indexOf(0x0a, at);
    if (nl < 0 || files[i]!.sha256.length !== 64) return undefined;
    listEnds[i] = at = nl + 1;
  }
  if (listEnds[count - 1] !== list.length) return undefined;
  return { count, sizes: Float64Array.from(files, (f) => f.size), entries: [entries], entryEnds, list: [list], listEnds, listDigest };
}

const lineStart = (l: FilesLayout, i: number) => (i > 0 ? l.listEnds[i - 1]! : 0);
const entryStart = (l: FilesLayout, i: number) => (i > 0 ? l.entryEnds[i - 1]! + 2 : 0);

/** The path of file i, read from its list line. */
function pathAt(l: FilesLayout, i: number): string {
  return flat(l.list).toString('utf8', lineStart(l, i) + 66, l.listEnds[i]! - 1);
}

/** Every path and the sha256 hex of every file (64 digits each, one string), in order. */
function pathsAndHashes(l: FilesLayout): { paths: string[]; hashes: string } {
  const paths = new Array<string>(l.count);
  const hashes: string[] = [];
  const list = flat(l.list);
  if (isAscii(list)) {
    // One decode, then slices: byte offsets are character offsets.
    const text = list.toString('latin1');
    let start = 0;
    for (let i = 0; i < l.count; i++) {
      const end = l.listEnds[i]!;
      paths[i] = text.slice(start + 66, end - 1);
      hashes.push(text.slice(start, start + 64));
      start = end;
    }
  } else {
    for (let i = 0; i < l.count; i++) {
      const start = lineStart(l, i);
      paths[i] = pathAt(l, i);
      hashes.push(list.toString('latin1', start, start + 64));
    }
  }
  return { paths, hashes: hashes.join('') };
}

/** The file objects of a layout (for Manifest.files), made when asked. */
export function layoutFiles(l: FilesLayout): ManifestFile[] {
  const { paths, hashes } = pathsAndHashes(l);
  const files = new Array<ManifestFile>(l.count);
  for (let i = 0; i < l.count; i++) files[i] = { path: paths[i]!, size: l.sizes[i]!, sha256: hashes.slice(64 * i, 64 * i + 64) };
  return files;
}

/**
 * The file: a line naming the format, a line of JSON (count, digest, byte lengths, the byte
 * order), zeros up to a multiple of 8, then the sizes (float64), entry ends and line ends
 * (uint32), the entries and the list. Not V8's serialization: the pieces of a spliced layout are
 * written as they are, and a read takes views of the file's bytes, copying nothing.
 */
const ENDIAN = endianness();

/** Reads the layout kept by the last build, if there is a whole, well-formed one. */
export function readLayout(file: string): FilesLayout | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return undefined;
  }
  const first = buf.indexOf(0x0a);
  const second = first < 0 ? -1 : buf.indexOf(0x0a, first + 1);
  if (second < 0 || buf.toString('latin1', 0, first) !== LAYOUT_FORMAT) return undefined;
  let h: { count?: unknown; listDigest?: unknown; entries?: unknown; list?: unknown; endian?: unknown };
  try {
    h = JSON.parse(buf.toString('utf8', first + 1, second)) as typeof h;
  } catch {
    return undefined;
  }
  const { count, listDigest, entries, list } = h;
  if (typeof h !== 'object' || h === null || h.endian !== ENDIAN || typeof listDigest !== 'string' || listDigest.length !== 64) return undefined;
  if (!Number.isSafeInteger(count) || !Number.isSafeInteger(entries) || !Number.isSafeInteger(list)) return undefined;
  const n = count as number;
  const at = (second + 8) & ~7;
  if (n <= 0 || buf.length !== at + 16 * n + (entries as number) + (list as number)) return undefined;
  // Typed arrays over the file's bytes need their alignment; a buffer that lacks it is copied once.
  const bytes = (buf.byteOffset & 7) === 0 ? buf : Buffer.from(buf);
  const sizes = new Float64Array(bytes.buffer, bytes.byteOffset + at, n);
  const entryEnds = new Uint32Array(bytes.buffer, bytes.byteOffset + at + 8 * n, n);
  const listEnds = new Uint32Array(bytes.buffer, bytes.byteOffset + at + 12 * n, n);
  const e = bytes.subarray(at + 16 * n, at + 16 * n + (entries as number));
  const l = bytes.subarray(at + 16 * n + (entries as number));
  if (entryEnds[n - 1] !== e.length || listEnds[n - 1] !== l.length) return undefined;
  return { count: n, sizes, entries: [e], entryEnds, list: [l], listEnds, listDigest };
}

/** Keeps a layout for the next build, atomically (a temp file renamed over it): a reader sees the last one or this one. */
export function writeLayout(file: string, l: FilesLayout): void {
  const entriesLength = l.entries.reduce((n, b) => n + b.length, 0);
  const listLength = l.list.reduce((n, b) => n + b.length, 0);
  let head = `${LAYOUT_FORMAT}\n${JSON.stringify({ count: l.count, listDigest: l.listDigest, entries: entriesLength, list: listLength, endian: ENDIAN })}\n`;
  head += '\0'.repeat(((head.length + 7) & ~7) - head.length);
  const view = (a: Float64Array | Uint32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writePiecesSync(tmp, [Buffer.from(head, 'latin1'), view(l.sizes), view(l.entryEnds), view(l.listEnds), ...l.entries, ...l.list]);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Pieces handed to one writev call, at most (below IOV_MAX, 1024 on Linux). */
export const PIECES_PER_WRITE = 512;

/** Counts for tests: write calls made by writePiecesSync. */
export const pieceWrites = { calls: 0 };

/**
 * Writes buffers one after the other into a file, synchronously (as the state files are: a few
 * large writes, where each asynchronous call is a thread-pool round trip waiting for a core on a
 * busy machine), without first making one buffer of them: a spliced layout is ~100 pieces of
 * 4 MB in all, and joining them cost a rebuild 5-7 ms (a fresh 4 MB buffer is a thousand page
 * faults, then a copy). Each writev takes up to PIECES_PER_WRITE pieces; a short write goes on
 * from where it stopped.
 */
export function writePiecesSync(file: string, pieces: readonly Buffer[]): void {
  const fd = openSync(file, 'w');
  try {
    for (let first = 0; first < pieces.length; first += PIECES_PER_WRITE) {
      let batch = pieces.slice(first, first + PIECES_PER_WRITE).filter((p) => p.length > 0);
      while (batch.length > 0) {
        let done = writevSync(fd, batch);
        pieceWrites.calls++;
        // Drop what was written: whole pieces, then the written start of the next one.
        let i = 0;
        while (i < batch.length && done >= batch[i]!.length) done -= batch[i++]!.length;
        batch = batch.slice(i);
        if (done > 0) batch[0] = batch[0]!.subarray(done);
      }
    }
  } finally {
    closeSync(fd);
  }
}

export interface SpliceOverlay {
  files: Iterable<string>;
  known?(file: string): { size: number; sha256: string } | undefined;
  /** Every file of `files` that may be missing from the last build's manifest or differ from it is among these (the files written now). */
  changed?: Iterable<string>;
  /**
   * The list digest of the manifest whose files the caller's `known` describes (FilesLayout.listDigest,
   * handed out by writeManifest): with `changed`, a promise that every file of `files` not in
   * `changed` is a file of that manifest, which known() gives with its size and sha256 there.
   */
  listedBefore?: string;
}

/** How the last splice went (for tests): vouched for, checked file by file, or not at all. */
export const spliceStats = { mode: 'none' as 'none' | 'vouched' | 'checked' };

interface Plan {
  /** Per layout file: 0 gone, 1 carried over as it is, 2 in the bundle with another entry. */
  status: Uint8Array;
  /** Files of the layout with another entry, and files not in it, with their entries (undefined: to be hashed). */
  remade: Map<string, ManifestFile | undefined>;
  /** Files not in the layout, sorted. */
  added: string[];
  /** The index each added file goes before (count: at the end). */
  addedAt: number[];
  count: number;
}

/** First index in the layout whose path is not below `p` (its paths are sorted). */
function lowerBound(l: FilesLayout, p: string): number {
  let lo = 0;
  let hi = l.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pathAt(l, mid) < p) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const sortCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const excluded = (p: string) => p === MANIFEST_FILE || p === SIGNATURE_FILE;

/** The plan when the caller vouches for every file it did not write: only those are looked at. */
function vouchedPlan(base: FilesLayout, bundle: ReadonlySet<string>, listed: number, overlay: SpliceOverlay, changed: ReadonlySet<string>): Plan | undefined {
  const status = new Uint8Array(base.count).fill(1);
  const remade = new Map<string, ManifestFile | undefined>();
  const added: string[] = [];
  for (const p of changed) {
    if (excluded(p) || !bundle.has(p)) continue;
    const at = lowerBound(base, p);
    const k = overlay.known?.(p);
    remade.set(p, k && { path: p, size: k.size, sha256: k.sha256 });
    if (at < base.count && pathAt(base, at) === p) status[at] = 2;
    else added.push(p);
  }
  // Every other file of the bundle is one of the layout's: none went away when the count is
  // the layout's plus the new ones. Else the ones gone are looked for.
  const gone = base.count + added.length - listed;
  if (gone < 0) return undefined;
  if (gone > 0) {
    const { paths } = pathsAndHashes(base);
    let found = 0;
    for (let i = 0; i < base.count; i++) {
      if (bundle.has(paths[i]!)) continue;
      status[i] = 0;
      found++;
    }
    if (found !== gone) return undefined;
  }
  added.sort(sortCodeUnits);
  return { status, remade, added, addedAt: added.map((p) => lowerBound(base, p)), count: listed };
}

/** The plan when nothing is vouched for: every file of the layout checked against the bundle and known(). */
function checkedPlan(base: FilesLayout, bundle: ReadonlySet<string>, listed: number, overlay: SpliceOverlay): Plan | undefined {
  const { paths, hashes } = pathsAndHashes(base);
  const n = base.count;
  const list = flat(base.list);
  const status = new Uint8Array(n);
  const remade = new Map<string, ManifestFile | undefined>();
  let inBundle = 0;
  for (let i = 0; i < n; i++) {
    const p = paths[i]!;
    // Strictly sorted, well-framed, never the manifest itself: anything else is damage.
    if ((i > 0 && !(paths[i - 1]! < p)) || excluded(p)) return undefined;
    const start = lineStart(base, i);
    const end = base.listEnds[i]!;
    if (base.entryEnds[i]! <= entryStart(base, i) || end < start + 68 || list[start + 64] !== 0x20 || list[start + 65] !== 0x20 || list[end - 1] !== 0x0a) return undefined;
    if (!bundle.has(p)) continue;
    inBundle++;
    const k = overlay.known?.(p);
    if (k !== undefined && k.size === base.sizes[i] && k.sha256.length === 64 && hashes.startsWith(k.sha256, 64 * i)) status[i] = 1;
    else {
      status[i] = 2;
      remade.set(p, k && { path: p, size: k.size, sha256: k.sha256 });
    }
  }
  // Files not in the layout: among `changed` when given, else looked for in the whole bundle.
  const added: string[] = [];
  const inLayout = (p: string) => {
    const at = firstNotBelow(paths, n, p);
    return at < n && paths[at] === p;
  };
  if (inBundle < listed) {
    const seen = new Set<string>();
    for (const p of overlay.changed ?? bundle) {
      if (excluded(p) || seen.has(p) || !bundle.has(p) || inLayout(p)) continue;
      seen.add(p);
      added.push(p);
    }
  }
  if (inBundle + added.length !== listed) return undefined;
  added.sort(sortCodeUnits);
  for (const p of added) {
    const k = overlay.known?.(p);
    remade.set(p, k && { path: p, size: k.size, sha256: k.sha256 });
  }
  const addedAt = added.map((p) => firstNotBelow(paths, n, p));
  return { status, remade, added, addedAt, count: listed };
}

/**
 * The layout of the bundle `overlay` describes, made from `base` (the last build's) with only the
 * entries that differ made anew (hashed by `hash` when overlay.known does not give them). Its
 * listDigest is left empty for the caller. Undefined when the base does not fit: make it whole.
 */
export async function spliceLayout(base: FilesLayout, overlay: SpliceOverlay, hash: (rels: string[]) => Promise<ManifestFile[]>): Promise<FilesLayout | undefined> {
  spliceStats.mode = 'none';
  const bundle: ReadonlySet<string> = overlay.files instanceof Set ? overlay.files : new Set(overlay.files);
  const listed = bundle.size - (bundle.has(MANIFEST_FILE) ? 1 : 0) - (bundle.has(SIGNATURE_FILE) ? 1 : 0);
  const changed = overlay.changed === undefined ? undefined : overlay.changed instanceof Set ? (overlay.changed as ReadonlySet<string>) : new Set(overlay.changed);
  // Many changed files (a first build into an empty folder): a pass over the layout costs less
  // than looking each one up in it (a search of ~log2(count) paths each).
  const vouched = changed !== undefined && changed.size * 4 <= base.count && overlay.listedBefore !== undefined && overlay.listedBefore === base.listDigest;
  const plan = vouched ? vouchedPlan(base, bundle, listed, overlay, changed!) : checkedPlan(base, bundle, listed, overlay);
  if (!plan) return undefined;
  const { status, remade, added, addedAt, count } = plan;
  const toHash = [...remade].filter(([, f]) => f === undefined).map(([p]) => p);
  for (const f of await hash(toHash)) remade.set(f.path, f);
  // A list line holds 64 hex digits: anything else is written by the whole serialization.
  for (const f of remade.values()) if (f === undefined || typeof f.sha256 !== 'string' || f.sha256.length !== 64) return undefined;

  // The new layout, in order: runs of carried entries copied as bytes, the others made anew.
  const sizes = new Float64Array(count);
  const entryEnds = new Uint32Array(count);
  const listEnds = new Uint32Array(count);
  const entryPieces: Buffer[] = [];
  const listPieces: Buffer[] = [];
  const baseEntries = flat(base.entries);
  const baseList = flat(base.list);
  let entryAt = 0; // bytes of entries so far (separators included)
  let listAt = 0;
  let k = 0; // files so far
  const separate = () => {
    if (k > 0) {
      entryPieces.push(SEPARATOR);
      entryAt += 2;
    }
  };
  const fresh = (f: ManifestFile) => {
    separate();
    const e = Buffer.from(entryText(f), 'utf8');
    const l = Buffer.from(listLine(f), 'utf8');
    entryPieces.push(e);
    listPieces.push(l);
    entryAt += e.length;
    listAt += l.length;
    sizes[k] = f.size;
    entryEnds[k] = entryAt;
    listEnds[k] = listAt;
    k++;
  };
  const run = (from: number, to: number) => {
    // Layout files from..to-1, all carried: their bytes copied, their ends shifted.
    separate();
    const eStart = entryStart(base, from);
    const lStart = lineStart(base, from);
    entryPieces.push(baseEntries.subarray(eStart, base.entryEnds[to - 1]));
    listPieces.push(baseList.subarray(lStart, base.listEnds[to - 1]));
    sizes.set(base.sizes.subarray(from, to), k);
    const eShift = entryAt - eStart;
    const lShift = listAt - lStart;
    for (let i = from; i < to; i++, k++) {
      entryEnds[k] = base.entryEnds[i]! + eShift;
      listEnds[k] = base.listEnds[i]! + lShift;
    }
    entryAt = entryEnds[k - 1]!;
    listAt = listEnds[k - 1]!;
  };
  let a = 0; // next added file
  let i = 0;
  while (i < base.count || a < added.length) {
    if (a < added.length && addedAt[a]! <= i) {
      fresh(remade.get(added[a++]!)!);
      continue;
    }
    if (status[i] === 0) i++;
    else if (status[i] === 2) fresh(remade.get(pathAt(base, i++))!);
    else {
      // A run of carried files, up to the next one that is not, or where an added file goes.
      const stop = a < added.length ? addedAt[a]! : base.count;
      let j = i + 1;
      while (j < stop && status[j] === 1) j++;
      run(i, j);
      i = j;
    }
  }
  if (k !== count) return undefined;
  spliceStats.mode = vouched ? 'vouched' : 'checked';
  return {
    count,
    sizes,
    entries: entryPieces,
    entryEnds,
    list: listPieces,
    listEnds,
    listDigest: '',
  };
}

/** The index of the first of the n sorted paths that is not below p (n when none). */
function firstNotBelow(paths: ArrayLike<string>, n: number, p: string): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (paths[mid]! < p) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
