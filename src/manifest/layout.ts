/**
 * The files part of a manifest as bytes, kept between builds so that a rebuild's manifest is the
 * previous one with only its changed entries made anew (a rebuild after one new article changes
 * 21 of 12,400 entries; serializing and hashing all of them again cost ~40 ms).
 *
 * A layout holds, for each file in manifest order, its path, size and sha256, the bytes of its
 * entry exactly as serializeManifest writes it (`JSON.stringify(manifest, null, 1)`), and its line
 * of the list the publication id hashes (`<sha256>  <path>\n`). It is kept in a state file
 * (../state-file.ts) that only samizdat writes; it is never trusted as a description of the
 * bundle: an entry is carried over only when the build says that file is unchanged with that
 * very size and sha256 (overlay.known), and the bundle's file count must come out exact. Anything
 * else (no file, another format, damage, an entry the build disagrees with) only costs the time
 * of making those entries, or the whole list, again.
 */
import { readStateFileSync, writeStateFile } from '../state-file.ts';
import { MANIFEST_FILE, MANIFEST_FORMAT, SIGNATURE_FILE, type ManifestFile } from './types.ts';

/** Bump when an entry's or a list line's bytes would change. */
const LAYOUT_FORMAT = `samizdat-manifest-layout/1 ${MANIFEST_FORMAT}`;

export interface FilesLayout {
  count: number;
  /** Sorted by code unit, without the manifest and its signature. */
  paths: string[];
  sizes: Float64Array;
  /** 64 lowercase hex digits per file. */
  hashes: string;
  /** The entries of the manifest's `files` array, joined by ",\n" as the manifest writes them. */
  entries: Buffer;
  /** Where each entry ends in `entries` (the next starts 2 bytes later). */
  entryEnds: Uint32Array;
  /** `<sha256>  <path>\n` for each file: what the publication id hashes. */
  list: Buffer;
  listEnds: Uint32Array;
}

const SEPARATOR = Buffer.from(',\n');

/** An entry as `JSON.stringify(manifest, null, 1)` writes it in the files array. */
export function entryText(f: ManifestFile): string {
  return `  {\n   "path": ${JSON.stringify(f.path)},\n   "size": ${JSON.stringify(f.size)},\n   "sha256": ${JSON.stringify(f.sha256)}\n  }`;
}

const listLine = (f: ManifestFile) => `${f.sha256}  ${f.path}\n`;

/** The byte offsets just after each occurrence of `byte` in `buf`, which must be `count` of them, ending at its end. */
function endsOf(buf: Buffer, byte: number, count: number, after: number): Uint32Array | undefined {
  const ends = new Uint32Array(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const nl = buf.indexOf(byte, at);
    if (nl < 0) return undefined;
    ends[i] = nl + after;
    at = nl + 1;
  }
  return ends;
}

/**
 * The layout of files already serialized: `entries` is the files array's inner text as the
 * manifest's bytes hold it. Undefined if those bytes are not made of exactly these entries.
 */
export function layoutOf(files: readonly ManifestFile[], entries: Buffer, list: Buffer): FilesLayout | undefined {
  const count = files.length;
  if (count === 0 || !files.every((f) => typeof f.sha256 === 'string' && f.sha256.length === 64)) return undefined;
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
  const listEnds = endsOf(list, 0x0a, count, 1);
  if (!listEnds || listEnds[count - 1] !== list.length) return undefined;
  return {
    count,
    paths: files.map((f) => f.path),
    sizes: Float64Array.from(files, (f) => f.size),
    hashes: files.map((f) => f.sha256).join(''),
    entries,
    entryEnds,
    list,
    listEnds,
  };
}

/** The list text's bytes for files (what the publication id hashes). */
export function listBytes(files: readonly ManifestFile[]): Buffer {
  return Buffer.from(files.map(listLine).join(''), 'utf8');
}

/** The file objects of a layout (for Manifest.files), made when asked. */
export function layoutFiles(l: FilesLayout): ManifestFile[] {
  const files = new Array<ManifestFile>(l.count);
  for (let i = 0; i < l.count; i++) files[i] = { path: l.paths[i]!, size: l.sizes[i]!, sha256: l.hashes.slice(64 * i, 64 * i + 64) };
  return files;
}

/** Reads the layout kept by the last build, if there is a whole, well-formed one. */
export function readLayout(file: string): FilesLayout | undefined {
  const b = readStateFileSync(file, LAYOUT_FORMAT);
  if (!b || typeof b.paths !== 'string' || typeof b.hashes !== 'string') return undefined;
  const { sizes, entries, entryEnds, list, listEnds } = b;
  if (!(sizes instanceof Float64Array) || !(entries instanceof Uint8Array) || !(list instanceof Uint8Array)) return undefined;
  if (!(entryEnds instanceof Uint32Array) || !(listEnds instanceof Uint32Array)) return undefined;
  const paths = b.paths === '' ? [] : b.paths.split('\0');
  const count = paths.length;
  if (count === 0 || sizes.length !== count || b.hashes.length !== 64 * count || entryEnds.length !== count || listEnds.length !== count) return undefined;
  if (entryEnds[count - 1] !== entries.length || listEnds[count - 1] !== list.length) return undefined;
  const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  return { count, paths, sizes, hashes: b.hashes, entries: asBuffer(entries), entryEnds, list: asBuffer(list), listEnds };
}

/** Keeps a layout for the next build (atomically: a reader sees the last one or this one). */
export async function writeLayout(file: string, l: FilesLayout): Promise<void> {
  await writeStateFile(file, LAYOUT_FORMAT, {
    paths: oneByte(l.paths.join('\0')),
    sizes: l.sizes,
    hashes: l.hashes,
    entries: l.entries,
    entryEnds: l.entryEnds,
    list: l.list,
    listEnds: l.listEnds,
  });
}

/** The same string held one byte per character when it can be: V8 writes a string as it holds it. */
function oneByte(text: string): string {
  return /[^\0-\xff]/.test(text) ? text : Buffer.from(text, 'latin1').toString('latin1');
}

/** First index in the sorted `paths` whose path is not below `p`. */
function lowerBound(paths: readonly string[], p: string): number {
  let lo = 0;
  let hi = paths.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (paths[mid]! < p) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface SpliceOverlay {
  files: Iterable<string>;
  known?(file: string): { size: number; sha256: string } | undefined;
  /** Every file of `files` that may be missing from the last build's manifest is among these (a hint: checked). */
  changed?: Iterable<string>;
}

/**
 * The layout of the bundle `overlay` describes, made from `base` (the last build's) with only the
 * entries that differ made anew: those the build does not vouch for with the base's very size and
 * sha256 (hashed by `hash`, or taken from overlay.known), and files new since. Undefined when the
 * base does not fit (damaged, unsorted, or the bundle's files do not add up): make it whole.
 */
export async function spliceLayout(base: FilesLayout, overlay: SpliceOverlay, hash: (rels: string[]) => Promise<ManifestFile[]>): Promise<FilesLayout | undefined> {
  const bundle: ReadonlySet<string> = overlay.files instanceof Set ? overlay.files : new Set(overlay.files);
  const listed = bundle.size - (bundle.has(MANIFEST_FILE) ? 1 : 0) - (bundle.has(SIGNATURE_FILE) ? 1 : 0);
  const { paths, sizes, hashes, entryEnds, listEnds } = base;
  const n = base.count;
  // Per base file: 0 gone, 1 carried over as it is, 2 in the bundle with another entry.
  const status = new Uint8Array(n);
  const remade = new Map<string, ManifestFile | undefined>();
  let inBundle = 0;
  let previous = '';
  for (let i = 0; i < n; i++) {
    const p = paths[i]!;
    // Strictly sorted, well-framed, never the manifest itself: anything else is damage.
    if ((i > 0 && !(previous < p)) || p === MANIFEST_FILE || p === SIGNATURE_FILE) return undefined;
    if (entryEnds[i]! <= (i > 0 ? entryEnds[i - 1]! + 2 : 0) || listEnds[i]! <= (i > 0 ? listEnds[i - 1]! : 0)) return undefined;
    previous = p;
    if (!bundle.has(p)) continue;
    inBundle++;
    const k = overlay.known?.(p);
    if (k !== undefined && k.size === sizes[i] && k.sha256.length === 64 && hashes.startsWith(k.sha256, 64 * i)) {
      status[i] = 1;
    } else {
      status[i] = 2;
      remade.set(p, k && { path: p, size: k.size, sha256: k.sha256 });
    }
  }
  // Files not in the base: among the hint, or else looked for in the whole bundle.
  const added: string[] = [];
  const inBase = (p: string) => {
    const at = lowerBound(paths, p);
    return at < n && paths[at] === p;
  };
  if (inBundle < listed) {
    const seen = new Set<string>();
    for (const p of overlay.changed ?? bundle) {
      if (p === MANIFEST_FILE || p === SIGNATURE_FILE || seen.has(p) || !bundle.has(p) || inBase(p)) continue;
      seen.add(p);
      added.push(p);
    }
  }
  if (inBundle + added.length !== listed) return undefined;
  added.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const p of added) {
    const k = overlay.known?.(p);
    remade.set(p, k && { path: p, size: k.size, sha256: k.sha256 });
  }
  const toHash = [...remade].filter(([, f]) => f === undefined).map(([p]) => p);
  for (const f of await hash(toHash)) remade.set(f.path, f);
  // A layout keeps 64 hex digits per file: anything else is written by the whole serialization.
  for (const f of remade.values()) if (f === undefined || typeof f.sha256 !== 'string' || f.sha256.length !== 64) return undefined;

  // The new layout, in order: runs of carried entries copied as bytes, the others made anew.
  const count = listed;
  const out: FilesLayout = {
    count,
    paths: new Array<string>(count),
    sizes: new Float64Array(count),
    hashes: '',
    entries: Buffer.alloc(0),
    entryEnds: new Uint32Array(count),
    list: Buffer.alloc(0),
    listEnds: new Uint32Array(count),
  };
  const entryPieces: Buffer[] = [];
  const listPieces: Buffer[] = [];
  const hashPieces: string[] = [];
  let entryAt = 0; // bytes of entries written so far (separators included)
  let listAt = 0;
  let k = 0; // files written so far
  const fresh = (f: ManifestFile) => {
    if (k > 0) {
      entryPieces.push(SEPARATOR);
      entryAt += 2;
    }
    const e = Buffer.from(entryText(f), 'utf8');
    const l = Buffer.from(listLine(f), 'utf8');
    entryPieces.push(e);
    listPieces.push(l);
    hashPieces.push(f.sha256);
    entryAt += e.length;
    listAt += l.length;
    out.paths[k] = f.path;
    out.sizes[k] = f.size;
    out.entryEnds[k] = entryAt;
    out.listEnds[k] = listAt;
    k++;
  };
  const run = (from: number, to: number) => {
    // Base files from..to-1, all carried.
    if (k > 0) {
      entryPieces.push(SEPARATOR);
      entryAt += 2;
    }
    const entryStart = from > 0 ? entryEnds[from - 1]! + 2 : 0;
    const listStart = from > 0 ? listEnds[from - 1]! : 0;
    entryPieces.push(base.entries.subarray(entryStart, entryEnds[to - 1]));
    listPieces.push(base.list.subarray(listStart, listEnds[to - 1]));
    hashPieces.push(hashes.slice(64 * from, 64 * to));
    out.sizes.set(sizes.subarray(from, to), k);
    const entryShift = entryAt - entryStart;
    const listShift = listAt - listStart;
    for (let i = from; i < to; i++) {
      out.paths[k] = paths[i]!;
      out.entryEnds[k] = entryEnds[i]! + entryShift;
      out.listEnds[k] = listEnds[i]! + listShift;
      k++;
    }
    entryAt = out.entryEnds[k - 1]!;
    listAt = out.listEnds[k - 1]!;
  };
  let a = 0; // next added file
  let i = 0;
  while (i < n || a < added.length) {
    if (a < added.length && (i >= n || added[a]! < paths[i]!)) {
      fresh(remade.get(added[a++]!)!);
      continue;
    }
    if (status[i] === 0) {
      i++;
      continue;
    }
    if (status[i] === 2) {
      fresh(remade.get(paths[i]!)!);
      i++;
      continue;
    }
    // A run of carried files, up to the next file that is not carried or an added file before it.
    let j = i + 1;
    const stop = a < added.length ? added[a]! : undefined;
    while (j < n && status[j] === 1 && (stop === undefined || paths[j]! < stop)) j++;
    run(i, j);
    i = j;
  }
  if (k !== count) return undefined;
  out.entries = Buffer.concat(entryPieces, entryAt);
  out.list = Buffer.concat(listPieces, listAt);
  out.hashes = hashPieces.join('');
  return out;
}
