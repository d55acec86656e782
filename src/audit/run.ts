// The audit engine: files into documents, documents through rules. Shared by auditBundle in
// the calling thread and by the worker threads of ./pool.ts.
import { isUtf8, transcode } from 'node:buffer';
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { throwIfAborted } from '../errors.ts';
import { recordingView, sha256, type BundleQuery } from './cache.ts';
import type { FragmentHook, FragmentMemo } from './fragments.ts';
import { cssReferences, cssWhere } from './css.ts';
import { htmlDocument } from './html.ts';
import { jsonDocuments } from './json.ts';
import { selectRules } from './rules/index.ts';
import { folderOf } from './url.ts';
import { xmlDocuments } from './xml.ts';
import { runRules } from './run-rules.ts';
import { bytesSource, cleanDocuments, spliceClean, spliceJsonClean } from './feed-splice.ts';
import type { AuditDocument, AuditFinding, AuditRule, BundleIndex, BundleView, CssReference } from './types.ts';

export { runRules } from './run-rules.ts';

export type AuditedKind = 'html' | 'xml' | 'json' | 'css';

/** Which files the audit reads, by extension. */
export function kindOfFile(file: string): AuditedKind | undefined {
  // Nearly every file of a bundle is a page: its answer without slicing the name.
  if (file.endsWith('.html') && path.sep === '/' && file.charCodeAt(file.lastIndexOf('/') + 1) !== 0x2e) return 'html';
  // path.extname's answer without its general code (asked of every file of a bundle): the last
  // dot of the name. A name that starts with a dot or ends with a slash, and Windows paths, are
  // left to path.extname itself.
  const dot = file.lastIndexOf('.');
  const slash = file.lastIndexOf('/');
  if (path.sep !== '/' || slash === file.length - 1 || file.charCodeAt(slash + 1) === 0x2e) return KINDS.get(path.extname(file).toLowerCase());
  return dot > slash ? KINDS.get(file.slice(dot).toLowerCase()) : undefined;
}

const KINDS = new Map<string, AuditedKind>([
  ...['.html', '.htm'].map((e) => [e, 'html'] as const),
  ...['.xml', '.svg', '.atom', '.rss', '.xsl', '.xslt', '.xhtml', '.rdf', '.opml'].map((e) => [e, 'xml'] as const),
  ...['.json', '.webmanifest'].map((e) => [e, 'json'] as const),
  ['.css', 'css'],
]);

/** The index of a bundle given as a list of its files (relative "/" paths). */
export function indexFileList(list: Iterable<string>): BundleIndex {
  // A set is taken as it is (a rebuild's has 12,000 paths): the caller leaves it alone meanwhile.
  const files = list instanceof Set ? (list as Set<string>) : new Set<string>(list);
  // The folders only when first asked for: a rebuild whose links all name files never asks.
  let folders: Set<string> | undefined;
  return {
    files,
    get folders(): ReadonlySet<string> {
      return (folders ??= foldersOf(files));
    },
  };
}

/** Every folder holding a file of the list, and the root "". */
function foldersOf(files: Iterable<string>): Set<string> {
  const folders = new Set<string>(['']);
  for (const file of files) {
    // Deepest folder first: once one is known, so are all above it (added with it).
    for (let i = file.lastIndexOf('/'); i > 0; i = file.lastIndexOf('/', i - 1)) {
      const folder = file.slice(0, i);
      if (folders.has(folder)) break;
      folders.add(folder);
    }
  }
  return folders;
}

/** Every file and folder under dir, as "/"-separated relative paths, and anything else found there. */
export async function indexBundle(dir: string): Promise<BundleIndex> {
  const root = path.resolve(dir);
  // Synchronous on purpose: Node 20's asynchronous recursive readdir reads one folder per
  // thread-pool round trip, and a bundle has a folder per article (2 s against 0.2 s at 10,000).
  const entries = readdirSync(root, { recursive: true, withFileTypes: true });
  const files = new Set<string>();
  const folders = new Set<string>(['']);
  const others = new Map<string, 'symlink' | 'other'>();
  for (const e of entries) {
    // Sliced, not path.relative: a bundle has a folder per article.
    const abs = e.parentPath + path.sep + e.name;
    const fromRoot = abs.startsWith(root + path.sep) ? abs.slice(root.length + 1) : path.relative(root, abs);
    const rel = path.sep === '/' ? fromRoot : fromRoot.split(path.sep).join('/');
    if (e.isFile()) files.add(rel);
    else if (e.isDirectory()) folders.add(rel);
    else others.set(rel, e.isSymbolicLink() ? 'symlink' : 'other');
  }
  return { files, folders, others };
}

/** The documents one file holds: the file itself, plus HTML carried inside feeds and JSON. */
export function documentsOf(
  text: string,
  file: string,
  kind: AuditedKind,
  options: { locations?: boolean; invalidUtf8?: boolean; fragments?: FragmentHook } = {},
): AuditDocument[] {
  const docs = parseDocuments(text, file, kind, options);
  if (options.invalidUtf8 && docs[0]) docs[0].encoding = { ...docs[0].encoding, invalidUtf8: true };
  return docs;
}

function parseDocuments(text: string, file: string, kind: AuditedKind, options: { locations?: boolean; fragments?: FragmentHook }): AuditDocument[] {
  switch (kind) {
    case 'html':
      return [htmlDocument(text, { file, kind: 'page', base: folderOf(file), ...(options.locations === undefined ? {} : { locations: options.locations }) })];
    case 'xml':
      return xmlDocuments(text, file, options);
    case 'json':
      return jsonDocuments(text, file, options);
    case 'css': {
      const css = cssReferences(text);
      return [
        {
          file,
          kind: 'css',
          elements: [],
          css,
          references: css
            .filter((c) => c.kind !== 'expression' && c.kind !== 'binding')
            .map((c) => ({ url: c.url, use: 'load' as const, where: cssWhere(c.kind), line: c.line, base: folderOf(file) })),
          processingInstructions: [],
          syntaxErrors: [],
        },
      ];
    }
  }
}

export function fileEntry(file: string, entry: 'file' | 'symlink' | 'other'): AuditDocument {
  return { file, kind: 'file', entry, elements: [], references: [], css: [], processingInstructions: [], syntaxErrors: [] };
}

/**
 * Audits one file's text as if it were `file` in a bundle holding `bundle` (default: only this
 * file). For tests and for checking HTML before it is written.
 */
export function auditText(
  text: string,
  options: { file: string; kind?: AuditedKind; bundle?: BundleView; rules?: readonly string[] },
): AuditFinding[] {
  const kind = options.kind ?? kindOfFile(options.file);
  const bundle = options.bundle ?? { files: new Set([options.file]), folders: new Set(['']) };
  const rules = selectRules(options.rules);
  const byName = runRules([fileEntry(options.file, 'file')], rules, bundle);
  return kind ? [...byName, ...auditFileText(text, options.file, kind, rules, bundle)] : byName;
}

/**
 * Reads fast without line numbers; only a file with findings is read again to place them. With a
 * memo, HTML carried in a feed that was found clean before (with the same answers now) is not
 * parsed again in the fast read.
 */
export function auditFileText(
  text: string,
  file: string,
  kind: AuditedKind,
  rules: AuditRule[],
  bundle: BundleView,
  invalidUtf8 = false,
  memo?: FragmentMemo,
): AuditFinding[] {
  try {
    if (memo && kind !== 'html' && kind !== 'css') {
      if (quickWithMemo(text, file, kind, rules, bundle, invalidUtf8, memo)) return [];
    } else {
      const quick = runRules(documentsOf(text, file, kind, { locations: false, invalidUtf8 }), rules, bundle);
      if (quick.length === 0) return quick;
    }
    return runRules(documentsOf(text, file, kind, { locations: true, invalidUtf8 }), rules, bundle);
  } catch (err) {
    // Fail closed: a file the audit could not read is not published as if it were clean.
    return [{ file, rule: 'well-formed', message: `could not be audited: ${(err as Error).message ?? String(err)}` }];
  }
}

/** The fast read with a fragment memo: true when the file has nothing to report. */
function quickWithMemo(text: string, file: string, kind: AuditedKind, rules: AuditRule[], bundle: BundleView, invalidUtf8: boolean, memo: FragmentMemo): boolean {
  // A feed cut into its entries: those audited before are not parsed again (./feed-splice.ts).
  const spliced = kind === 'xml' ? spliceClean(text, file, rules, bundle, memo, invalidUtf8) : kind === 'json' ? spliceJsonClean(text, file, rules, bundle, memo, invalidUtf8) : undefined;
  if (spliced !== undefined) return spliced;
  const keys = new Map<AuditDocument, string>();
  const docs = documentsOf(text, file, kind, { locations: false, invalidUtf8, fragments: memo.hook(bundle, keys) });
  // Document by document (rules look at one document at a time), so that each fragment's own
  // questions are known; the first finding ends it, and the file is read again in full.
  return cleanDocuments(docs, keys, rules, bundle, memo);
}

export function compareFindings(a: AuditFinding, b: AuditFinding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if ((a.line ?? 0) !== (b.line ?? 0)) return (a.line ?? 0) - (b.line ?? 0);
  if (a.rule !== b.rule) return a.rule < b.rule ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

const lenientUtf8 = new TextDecoder('utf-8');

/**
 * The text of a file read as UTF-8, and whether it really is UTF-8. A browser reading other bytes
 * (or a UTF-16 byte order mark) would see other characters than the audit: that is a finding.
 */
export function decodeUtf8(bytes: Uint8Array): { text: string; invalidUtf8: boolean } {
  if ((bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0xff && bytes[1] === 0xfe)) {
    return { text: lenientUtf8.decode(bytes), invalidUtf8: true };
  }
  // isUtf8 and Buffer decoding are several times faster than a fatal TextDecoder; a leading byte
  // order mark is dropped, as the decoder drops it.
  if (isUtf8(bytes)) {
    const text = validUtf8Text(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, invalidUtf8: false };
  }
  return { text: lenientUtf8.decode(bytes), invalidUtf8: true };
}

/** Above this size a file is decoded through UTF-16 bytes (see validUtf8Text). */
const TRANSCODE_FROM = 64 << 10;

/**
 * The text of bytes known to be valid UTF-8. Big files (feeds: the text of fifty articles, in
 * Cyrillic as often as not) go through ICU's converter to UTF-16 bytes, twice as fast as V8's
 * own decoding of text that is not ASCII; valid UTF-8 has only one reading, so the text is the
 * same (test/audit/written.test.ts compares both).
 */
export function validUtf8Text(bytes: Buffer): string {
  if (bytes.length >= TRANSCODE_FROM) {
    try {
      return transcode(bytes, 'utf8', 'ucs2').toString('ucs2');
    } catch {
      // a Node built without ICU: V8's decoder below
    }
  }
  return bytes.toString('utf8');
}

/** One file's result; with `record`, also what the cache needs to reuse it. */
export interface FileResult {
  file: string;
  findings: AuditFinding[];
  sha256?: string;
  queries?: BundleQuery[];
  /**
   * What auditing it taught the fragment memo (./fragments.ts): feed HTML and entries found clean,
   * stylesheets read. Pure functions of their text, kept whatever becomes of the file.
   */
  learned?: LearnedFragments;
}

/** Memo entries learned in a worker, for the audit that saves the memo. */
export interface LearnedFragments {
  fragments: Array<[key: string, queries: BundleQuery[]]>;
  css: Array<[key: string, refs: CssReference[]]>;
  /** Parser shortcuts whose self check passed in that worker (./cache.ts shortcutsPassed). */
  checked?: string[];
}

/** Up to this many files, readEach reads synchronously. */
const READ_SYNC_UP_TO = 64;

/** The buffer readTransient reads into, grown as needed and kept (a rebuild's feeds are ~800 KB each). */
let readScratch: Buffer | undefined;

/**
 * The bytes of a file, as readFileSync gives them (and its errors), in a buffer reused by the
 * next call: valid only until then. A fresh buffer per file costs a page fault per 4 KB touched
 * (a rebuild's 16 files are 4-5 MB, and reading them into new buffers took twice as long).
 */
export function readTransient(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    // Room for the size fstat gives and one byte more, so that the end is seen without growing.
    const want = fstatSync(fd).size + 1;
    if (readScratch === undefined || readScratch.length < want) readScratch = Buffer.allocUnsafeSlow(Math.max(want, 1 << 20, 2 * (readScratch?.length ?? 0)));
    let size = 0;
    for (;;) {
      if (size === readScratch.length) {
        // The file grew since fstat: more room, keeping what was read.
        const bigger = Buffer.allocUnsafeSlow(2 * readScratch.length);
        readScratch.copy(bigger, 0, 0, size);
        readScratch = bigger;
      }
      const got = readSync(fd, readScratch, size, readScratch.length - size, size);
      if (got === 0) break;
      size += got;
    }
    return readScratch.subarray(0, size);
  } finally {
    closeSync(fd);
  }
}

/**
 * Calls fn with the bytes of each file in order, reading a few files ahead so the disk works
 * while the (synchronous) parser does. `transient`: fn keeps nothing of the bytes once it
 * returns, so a few files read synchronously are read into one reused buffer (readTransient).
 */
export async function readEach(
  dir: string,
  files: readonly string[],
  signal: AbortSignal | undefined,
  fn: (file: string, bytes: Buffer, index: number) => void,
  locate: (file: string) => string = (file) => path.join(dir, file),
  alreadyRead?: ReadonlyMap<string, { bytes: Buffer }>,
  transient = false,
): Promise<void> {
  // A rebuild's few files are read synchronously: each asynchronous read is a thread-pool round
  // trip, which costs more than the read itself for a file already in the page cache.
  if (files.length <= READ_SYNC_UP_TO) {
    const read = transient ? readTransient : readFileSync;
    for (let i = 0; i < files.length; i++) {
      throwIfAborted(signal, 'audit');
      fn(files[i]!, alreadyRead?.get(files[i]!)?.bytes ?? read(locate(files[i]!)), i);
    }
    return;
  }
  const AHEAD = 16;
  const reads = new Map<number, Promise<Buffer>>();
  const read = (i: number) => {
    if (i < files.length && !reads.has(i)) {
      const known = alreadyRead?.get(files[i]!);
      const p = known ? Promise.resolve(known.bytes) : readFile(locate(files[i]!));
      p.catch(() => {}); // awaited below; no unhandled rejection if we stop first
      reads.set(i, p);
    }
  };
  for (let i = 0; i < Math.min(AHEAD, files.length); i++) read(i);
  for (let i = 0; i < files.length; i++) {
    throwIfAborted(signal, 'audit');
    const bytes = await reads.get(i)!;
    reads.delete(i);
    read(i + AHEAD);
    fn(files[i]!, bytes, i);
  }
}

/** Audits one file's bytes; with `record`, also returns what the audit cache needs to reuse the result. */
export function auditBytes(
  file: string,
  bytes: Uint8Array,
  rules: AuditRule[],
  bundle: BundleView,
  record: boolean,
  memo?: FragmentMemo,
  /** The sha256 of these very bytes, when the caller has just computed it. */
  bytesSha256?: string,
): FileResult {
  // A feed cut into entries straight from its bytes: only the skeleton and new entries are
  // decoded (a rebuild's feeds are megabytes of text it audited before). Anything else, or a
  // feed that is not clean that way, is decoded and read as below.
  if (memo) {
    const kind = kindOfFile(file);
    const source = kind === 'xml' || kind === 'json' ? bytesSource(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) : undefined;
    if (source) {
      const rec = recordingView(bundle);
      const view = record ? rec.view : bundle;
      const clean = kind === 'xml' ? spliceClean(source, file, rules, view, memo, false) : spliceJsonClean(source, file, rules, view, memo, false);
      if (clean === true) return record ? { file, findings: [], sha256: bytesSha256 ?? sha256(bytes), queries: rec.queries() } : { file, findings: [] };
    }
  }
  const { text, invalidUtf8 } = decodeUtf8(bytes);
  return auditDecoded(file, text, invalidUtf8, () => bytesSha256 ?? sha256(bytes), rules, bundle, record, memo);
}

/** A file already read (and hashed) by the caller: audited from these bytes instead of read again. */
export interface ReadFile {
  bytes: Buffer;
  sha256: string;
}

/**
 * Audits the text a file will be written from, as the UTF-8 bytes the write gives. A string with
 * no lone surrogate and no leading byte order mark is exactly what those bytes decode to, so it
 * is audited as it is; any other is encoded and decoded first, as a reader would see it.
 */
export function auditWritten(file: string, text: string, rules: AuditRule[], bundle: BundleView, record: boolean, memo?: FragmentMemo): FileResult {
  if (text.charCodeAt(0) === 0xfeff) return auditBytes(file, Buffer.from(text, 'utf8'), rules, bundle, record, memo);
  if (!record) {
    if (!isWellFormed(text)) return auditBytes(file, Buffer.from(text, 'utf8'), rules, bundle, record, memo);
    return auditDecoded(file, text, false, () => '', rules, bundle, record, memo);
  }
  // The UTF-8 bytes are needed for the hash anyway: encoded once, they also tell whether the
  // string can hold a lone surrogate at all (encoding writes one as U+FFFD, EF BF BD), which
  // spares isWellFormed's own pass over nearly every page.
  const bytes = utf8Of(text);
  if (bytes.indexOf(UTF8_REPLACEMENT) !== -1 && !isWellFormed(text)) return auditBytes(file, Buffer.from(text, 'utf8'), rules, bundle, record, memo);
  const hash = sha256(bytes);
  return auditDecoded(file, text, false, () => hash, rules, bundle, record, memo);
}

const UTF8_REPLACEMENT = Buffer.from([0xef, 0xbf, 0xbd]);

/** A buffer reused for encoding pages (a UTF-16 code unit takes at most 3 bytes of UTF-8). */
let scratch = Buffer.allocUnsafeSlow(1 << 16);
const SCRATCH_MAX = 4 << 20;

/** The UTF-8 bytes of text, valid until the next call. */
function utf8Of(text: string): Buffer {
  const size = text.length * 3;
  if (size > SCRATCH_MAX) return Buffer.from(text, 'utf8');
  if (scratch.length < size) scratch = Buffer.allocUnsafeSlow(Math.max(size, scratch.length * 2));
  return scratch.subarray(0, scratch.write(text, 'utf8'));
}

/** String.prototype.isWellFormed (Node 20 has it; TypeScript's ES2023 library does not). */
const isWellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed();

function auditDecoded(
  file: string,
  text: string,
  invalidUtf8: boolean,
  hash: () => string,
  rules: AuditRule[],
  bundle: BundleView,
  record: boolean,
  memo?: FragmentMemo,
): FileResult {
  const kind = kindOfFile(file)!;
  if (!record) return { file, findings: auditFileText(text, file, kind, rules, bundle, invalidUtf8, memo) };
  const rec = recordingView(bundle);
  const findings = auditFileText(text, file, kind, rules, rec.view, invalidUtf8, memo);
  return { file, findings, sha256: hash(), queries: rec.queries() };
}

/** Audits the given files of the bundle in dir (relative paths, each of a kind kindOfFile knows). */
export async function auditFiles(
  dir: string,
  files: readonly string[],
  rules: AuditRule[],
  bundle: BundleView,
  options: {
    signal?: AbortSignal;
    onFile?: (done: number) => void;
    record?: boolean;
    locate?: (file: string) => string;
    memo?: FragmentMemo;
    /** Files the caller has read and hashed already. */
    read?: ReadonlyMap<string, ReadFile>;
    /** The sha256 of files whose bytes the caller knows (as they will be read here), not computed again. */
    sha256Of?: (file: string) => string | undefined;
  } = {},
): Promise<FileResult[]> {
  const results: FileResult[] = [];
  await readEach(
    dir,
    files,
    options.signal,
    (file, bytes, i) => {
      const read = options.read?.get(file);
      results.push(auditBytes(file, bytes, rules, bundle, options.record ?? false, options.memo, read?.bytes === bytes ? read.sha256 : options.sha256Of?.(file)));
      options.onFile?.(i + 1);
    },
    options.locate,
    options.read,
    // auditBytes keeps nothing of the bytes (its result holds their hash and findings only).
    true,
  );
  return results;
}
