// A cache of audit results, so that rebuilding a big archive after one new article audits only
// the files that changed. A result belongs to the audit's own code, the rules asked for, the
// file's path and the sha256 of its bytes; it keeps the findings and every question the rules
// asked about the bundle ("is a/b.html a file?") with its answer. It is reused only when every
// question still gets the same answer, so a link to a page that has since gone is found again.
//
// On disk, in the cache folder:
//   audit-journal.ndjson  every result with its questions, one JSON line each, appended to;
//   audit-state.v8        what the last audit concluded: each audited file's sha256 and findings,
//                         and every question those files asked, split into the answers that
//                         were true and those that were false (their union over all the files).
//   audit-fragments.json  HTML carried in feeds, and what stylesheets refer to (./fragments.ts).
//   audit-vouch.json      which state audited the bundle of which manifest (vouchAudit, below).
//   audit-version.json    the audit code's version, with the stat of the sources it was hashed from.
//
// It also keeps which regular files' names the by-name rules passed (a check by name sees only
// the name) and which parser shortcuts passed their self check with this code (fast-text.ts,
// fast-xml.ts). The journal grows by this run's new results (a rebuild after one new article in
// the 10,000-article bench: ~50 KB, on ~10 MB) and is rewritten with only the live ones once it is
// more than twice its size when last written whole, plus JOURNAL_SLACK (there: every ~190
// rebuilds, ~+0.2 s that once). It is read whole only then, and when the state does not hold.
//
// The state is what makes a rebuild cheap. A file whose bytes are those the state lists was
// audited with questions that are all among the state's true and false answers. If every true
// one is still true and every false one still false (a few thousand set lookups), no question of
// any such file can get another answer now, and the state's findings are its findings: the
// journal is not read at all. Otherwise (a file or folder went away, or appeared where an answer
// was "no") the audit replays each file's own questions from the journal, as a full cache would.
//
// A rebuild can skip even the look at each unchanged file (12,000 lookups of its sha256). Every
// state written has a random id; once the build has written the manifest of the bundle that
// audit found clean, it records the pair (vouchAudit): audit-vouch.json holds the state's id and
// the manifest's list digest (the sha256 of the list of every file's path, size and sha256). The
// next build's record of outputs names the list digest of the manifest whose files it records, so
// when it says "these files changed, the others are that list's files with that list's bytes"
// and audit-vouch.json pairs that digest with the state read, every unchanged file is one the
// state lists with those very bytes (beginUnchanged): only the changed ones are looked at. A file
// gone that some file was told is there (an article removed) makes the files whose journal lines
// ask about it looked at too (found by searching the journal's bytes), when the journal is as
// the state's save left it and holds a line for each of its results (journalComplete).
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AuditFinding, BundleIndex, BundleView } from './types.ts';
import { fastTextCheckedBefore, fastTextVerdict } from './fast-text.ts';
import { fastXmlCheckedBefore, fastXmlVerdict } from './fast-xml.ts';
import { PACKAGE_ROOT, packageVersion, sourceFile } from '../paths.ts';
import { readStateFileSync, writeStateFileSync } from '../state-file.ts';

/** A question a rule asked about the bundle: "f:<path>" (a file?) or "d:<path>" (a folder?), and the answer. */
export type BundleQuery = [string, boolean];

export interface AuditCacheEntry {
  findings: AuditFinding[];
  queries: BundleQuery[];
}

export const STATE_FILE = 'audit-state.v8';
export const JOURNAL_FILE = 'audit-journal.ndjson';
/** The files of earlier versions: removed when the new ones are written. */
const OLD_FILES = ['audit-cache.json', 'audit-state.json'];
export const STATE_FORMAT = 'samizdat-audit-state/4';
/** Which state (by its id) audited the bundle of which manifest list (vouchAudit). */
export const VOUCH_FILE = 'audit-vouch.json';
const VOUCH_FORMAT = 'samizdat-audit-vouch/1';
/** The parser shortcuts whose self check a state can vouch for: name, verdict so far, adopt. */
const SHORTCUTS: ReadonlyArray<[string, () => boolean | undefined, () => void]> = [
  ['fast-text', fastTextVerdict, fastTextCheckedBefore],
  ['fast-xml', fastXmlVerdict, fastXmlCheckedBefore],
];

/** The parser shortcuts whose self check passed in this thread (a worker reports them with its results). */
export function shortcutsPassed(): string[] {
  return SHORTCUTS.filter(([, verdict]) => verdict() === true).map(([name]) => name);
}

/** Shortcuts whose self check passed in another thread with this very code: only the cheap checks run here. */
export function adoptShortcutsPassed(names: readonly string[]): void {
  for (const [name, , checkedBefore] of SHORTCUTS) if (names.includes(name)) checkedBefore();
}

const JOURNAL_FORMAT = 'samizdat-audit-journal/1';
/** A journal grown past twice its size when last written whole (plus this) is rewritten with live results only. */
export const JOURNAL_SLACK = 256 << 10;
/**
 * The state's answers are a union kept across rebuilds, so it can hold questions no file asks any
 * more (a link since removed). True ones are all in the bundle, so at most its size; false ones
 * past this many make the audit replay from the journal once, which recomputes both exactly.
 */
const MAX_FALSE_ANSWERS = 10_000;
/** Files gone since the vouched bundle, at most, whose askers are searched for in the journal. */
const MAX_GONE_SEARCHED = 64;

export { sha256Hex as sha256 } from '../digest.ts';

/** The findings of a clean file replayed from the state (shared, so never changed). */
const NO_FINDINGS: AuditFinding[] = Object.freeze([]) as unknown as AuditFinding[];

/** A view of the bundle that remembers what it was asked. */
export function recordingView(bundle: BundleView): { view: BundleView; queries(): BundleQuery[] } {
  // Keyed by path per kind, the "f:"/"d:" strings made once at the end: a page asks a dozen
  // questions, several of them twice. `order` keeps the order of first asking.
  const order: Array<['f' | 'd', string]> = [];
  const files = new Map<string, boolean>();
  const folders = new Map<string, boolean>();
  // The bundle's sets are looked up when asked, not before: a file list's folders are derived
  // only when someone asks about a folder (indexFileList).
  const ask = (kind: 'f' | 'd', set: () => { has(p: string): boolean }, asked: Map<string, boolean>) => ({
    has(p: string): boolean {
      const answer = set().has(p);
      if (!asked.has(p)) order.push([kind, p]);
      asked.set(p, answer);
      return answer;
    },
  });
  return {
    view: { files: ask('f', () => bundle.files, files), folders: ask('d', () => bundle.folders, folders) },
    queries: () => order.map(([kind, p]): BundleQuery => [`${kind}:${p}`, (kind === 'f' ? files : folders).get(p)!]),
  };
}

/** The answer a bundle gives now to a recorded question. */
export function answerNow(query: string, bundle: BundleView): boolean {
  const p = query.slice(2);
  return query.charCodeAt(0) === 0x66 /* f */ ? bundle.files.has(p) : bundle.folders.has(p);
}

/** Whether every recorded question gets its recorded answer from the bundle now. */
export function sameAnswers(queries: readonly BundleQuery[], bundle: BundleView): boolean {
  for (const [q, answer] of queries) if (answerNow(q, bundle) !== answer) return false;
  return true;
}

let version: string | undefined;

/**
 * What the audit's results depend on besides the file: the audit's own source (every file of
 * this folder) and the parsers' versions. Any change there makes every entry stale.
 */
export function auditVersion(): string {
  return (version ??= sourceVersion(sourceFile('audit')));
}

/**
 * auditVersion(), through a memo in the cache folder: reading and hashing the 36 source files
 * costs a rebuild 2-8 ms, a look at their sizes, times and inodes under a millisecond.
 */
export function auditVersionIn(dir: string): string {
  return (version ??= memoizedSourceVersion(sourceFile('audit'), path.join(dir, VERSION_FILE)));
}

export const VERSION_FILE = 'audit-version.json';
const VERSION_FORMAT = 'samizdat-audit-version/1';
/** The parsers whose versions the audit's results depend on. */
const PARSERS = ['parse5', 'saxes', 'postcss', 'yaml'];

/** The sources of `here` (the audit's folder) and the parsers' versions, hashed. */
export function sourceVersion(here: string): string {
  const hash = createHash('sha256');
  const sources = readdirSync(here, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|mjs)$/.test(f))
    .sort();
  for (const f of sources) hash.update(`${f}\0`).update(readFileSync(path.join(here, f))).update('\0');
  for (const pkg of PARSERS) hash.update(`${pkg}@${packageVersion(pkg) ?? 'unknown'}\0`);
  return hash.digest('hex');
}

/**
 * What sourceVersion(here) reads, by stat: each source file's name, size, modification and change
 * times (in nanoseconds) and inode, and the same of each parser's package.json; and the latest
 * change time among them. Undefined when a parser's package.json is not where packageVersion()
 * looks first (it would then look elsewhere).
 */
function sourceStamp(here: string): { stamp: string; changed: bigint } | undefined {
  const hash = createHash('sha256').update(`${VERSION_FORMAT}\0${here}\0`);
  const sources = readdirSync(here, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|mjs)$/.test(f))
    .sort();
  let changed = 0n;
  const stampOf = (file: string): string | undefined => {
    const st = statSync(file, { bigint: true, throwIfNoEntry: false });
    if (!st?.isFile()) return undefined;
    if (st.ctimeNs > changed) changed = st.ctimeNs;
    if (st.mtimeNs > changed) changed = st.mtimeNs;
    return `${st.size}\0${st.mtimeNs}\0${st.ctimeNs}\0${st.ino}\0${st.dev}`;
  };
  for (const f of sources) hash.update(`${f}\0${stampOf(path.join(here, f)) ?? 'none'}\0`);
  for (const pkg of PARSERS) {
    const stamp = stampOf(path.join(PACKAGE_ROOT, 'node_modules', pkg, 'package.json'));
    if (stamp === undefined) return undefined;
    hash.update(`${pkg}\0${stamp}\0`);
  }
  return { stamp: hash.digest('hex'), changed };
}

/**
 * A file's times are those of the clock tick it was written in (a few milliseconds): a file
 * written twice within one tick, with the same size, keeps its stamp. So a memo is written only
 * for sources unchanged for this long (as git treats "racily clean" files): a later change then
 * gets a later tick than the one the memo holds.
 */
const SETTLED_NS = 2_000_000_000n;

/**
 * sourceVersion(here), taken from `memoFile` when the sources' stamp is the one it was computed
 * with; else computed and written there. The stamp is taken before the sources are read: a file
 * changed meanwhile leaves a memo that never matches again, never a wrong one.
 */
export function memoizedSourceVersion(here: string, memoFile: string): string {
  let stamped: { stamp: string; changed: bigint } | undefined;
  try {
    stamped = sourceStamp(here);
  } catch {
    stamped = undefined;
  }
  const stamp = stamped?.stamp;
  if (stamp !== undefined) {
    try {
      const memo = JSON.parse(readFileSync(memoFile, 'utf8')) as { format?: unknown; stamp?: unknown; version?: unknown };
      if (memo.format === VERSION_FORMAT && memo.stamp === stamp && typeof memo.version === 'string' && /^[0-9a-f]{64}$/.test(memo.version)) return memo.version;
    } catch {
      // none yet, or unreadable: computed below
    }
  }
  const computed = sourceVersion(here);
  if (stamp !== undefined && BigInt(Date.now()) * 1_000_000n - stamped!.changed > SETTLED_NS) {
    const tmp = `${memoFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      mkdirSync(path.dirname(memoFile), { recursive: true });
      writeFileSync(tmp, JSON.stringify({ format: VERSION_FORMAT, stamp, version: computed }));
      renameSync(tmp, memoFile);
    } catch {
      rmSync(tmp, { force: true });
    }
  }
  return computed;
}

/** Paths asked about as files and as folders. */
interface Paths {
  files: string[];
  folders: string[];
}

/** What the last audit concluded (kept with ../state-file.ts: V8 serialization reads it several times faster than JSON). */
interface StateBody {
  version: string;
  rules: string;
  /**
   * Every audited file, and the sha256 of the bytes audited: 64 hex digits each, in one string,
   * same order. The paths in one string too, NUL-separated (no path holds a NUL): one string is
   * read and checked in a fraction of the time 12,000 are.
   */
  paths: string;
  hashes: string;
  /** Findings of the files that have any. */
  findings: Array<[string, AuditFinding[]]>;
  /**
   * Paths some listed file asked about and was told yes: the files among `paths` marked 1 in
   * `yesListed` (most links name audited pages), the others in `yes`. Then those told no.
   */
  yesListed: Uint8Array;
  yes: Paths;
  no: Paths;
  /** Size of the journal when it was last written whole. */
  journalBase: number;
  /** Size of the journal as the save that wrote this state left it. */
  journalSize: number;
  /**
   * The journal, as that save left it, has a line for every result of this state: no other
   * process changed it between the save that wrote the state this audit started from and this
   * one, and that state's journal was so too.
   */
  journalComplete: boolean;
  /**
   * Regular files whose names the rules passed (by name alone: no finding, no question about the
   * bundle), besides those in `paths`; and those in `paths` whose names did not pass.
   */
  namesClean: string[];
  namesNotClean: string[];
  /** The parser shortcuts whose self check passed with this code (./fast-text.ts, ./fast-xml.ts). */
  checked: string[];
  /** This state's id: random, new with every state written (see vouchAudit). */
  id: string;
  /**
   * The audit that wrote it found nothing: no finding in any file, and every regular file's name
   * passed and is known to have passed (namesClean and the listed paths are all the bundle's files).
   */
  clean: boolean;
}

/**
 * The regular files whose names passed, other than the listed (audited) ones. When as many files
 * are listed as there are regular files, all of them are listed (listed files are files of the
 * bundle): none. A name left out here is only checked again next time.
 */
function namesCleanOf(regular: Iterable<string>, refused: ReadonlySet<string>, listed: (p: string) => boolean, listedCount: number): string[] {
  const all = regular instanceof Set ? regular : new Set(regular);
  if (listedCount >= all.size) return [];
  return [...all].filter((f) => !refused.has(f) && !listed(f));
}

function strings(a: unknown): a is string[] {
  if (!Array.isArray(a)) return false;
  // A loop, not every(): tens of thousands of paths, checked before the audit's code is warm.
  for (let i = 0; i < a.length; i++) if (typeof a[i] !== 'string') return false;
  return true;
}
const paths = (p: unknown): p is Paths => typeof p === 'object' && p !== null && strings((p as Paths).files) && strings((p as Paths).folders);

/** A state read back, checked for shape (anything else is no state), with its paths split. */
function checkState(s: Record<string, unknown> | undefined, rules: string): (Omit<StateBody, 'paths'> & { paths: string[]; joined: string }) | undefined {
  if (!s || s.version !== auditVersion() || s.rules !== rules || typeof s.paths !== 'string') return undefined;
  const list = s.paths === '' ? [] : s.paths.split('\0');
  if (typeof s.hashes !== 'string' || s.hashes.length !== 64 * list.length || !Array.isArray(s.findings)) return undefined;
  if (!(s.yesListed instanceof Uint8Array) || s.yesListed.length !== list.length) return undefined;
  if (!paths(s.yes) || !paths(s.no) || typeof s.journalBase !== 'number' || typeof s.journalSize !== 'number' || typeof s.journalComplete !== 'boolean' || !strings(s.namesClean) || !strings(s.namesNotClean) || !strings(s.checked)) return undefined;
  if (typeof s.id !== 'string' || typeof s.clean !== 'boolean') return undefined;
  for (const f of s.findings as unknown[]) if (!Array.isArray(f) || typeof f[0] !== 'string' || !Array.isArray(f[1])) return undefined;
  return { ...(s as unknown as StateBody), paths: list, joined: s.paths };
}

const keyOf = (file: string, contentSha256: string) => `${contentSha256}\0${file}`;

/**
 * The same string, held one byte per character when every character fits: V8 writes a string as
 * it holds it, and paths built from two-byte strings double the state's size (and its read) for nothing.
 */
function oneByte(text: string): string {
  return /[^\0-\xff]/.test(text) ? text : Buffer.from(text, 'latin1').toString('latin1');
}

function journalHeader(rules: string): string {
  return `${JSON.stringify({ format: JOURNAL_FORMAT, version: auditVersion(), rules })}\n`;
}

/** One journal line: [sha256, path, findings, queries]. The hash first, so that a line's key can be read without parsing it all. */
function journalLine(file: string, contentSha256: string, entry: AuditCacheEntry): string {
  return `${JSON.stringify([contentSha256, file, entry.findings, entry.queries])}\n`;
}

/**
 * The key (sha256 and path) of the journal line bytes[at, end) (its newline at end), read from its
 * start only: the sha256, and the path as it is when it is plain ASCII without escapes (else as
 * JSON reads it). Undefined for a line that does not start like one.
 */
export function journalLineKeyAt(bytes: Buffer, at: number, end: number): string | undefined {
  if (end - at < 70 || bytes[at] !== 0x5b || bytes[at + 1] !== 0x22 || bytes[at + 66] !== 0x22 || bytes[at + 67] !== 0x2c || bytes[at + 68] !== 0x22) return undefined;
  let i = at + 69;
  let plain = true;
  while (i < end && bytes[i] !== 0x22) {
    const c = bytes[i]!;
    if (c === 0x5c) {
      plain = false;
      i += 2;
    } else {
      if (c < 0x20 || c > 0x7e) plain = false;
      i++;
    }
  }
  if (i >= end) return undefined;
  const hash = bytes.toString('latin1', at + 2, at + 66);
  if (plain) return keyOf(bytes.toString('latin1', at + 69, i), hash);
  try {
    return keyOf(JSON.parse(bytes.toString('utf8', at + 68, i + 1)) as string, hash);
  } catch {
    return undefined;
  }
}

function parseJournalLine(line: string): [sha256: string, file: string, entry: AuditCacheEntry] | undefined {
  try {
    const v = JSON.parse(line) as unknown;
    if (!Array.isArray(v) || v.length !== 4) return undefined;
    const [hash, file, findings, queries] = v as [unknown, unknown, unknown, unknown];
    if (typeof file !== 'string' || typeof hash !== 'string' || !Array.isArray(findings) || !Array.isArray(queries)) return undefined;
    for (const q of queries) if (!Array.isArray(q) || typeof q[0] !== 'string' || typeof q[1] !== 'boolean') return undefined;
    return [hash, file, { findings: findings as AuditFinding[], queries: queries as BundleQuery[] }];
  } catch {
    // A line cut short (an interrupted write) or damaged: that result is just not there.
    return undefined;
  }
}

/** The next state as the last one with this run's changes put in place (AuditCache.changesOnly). */
interface StateChanges {
  /** NUL-separated, as kept. */
  paths: string;
  hashes: string;
  yesListed: Uint8Array;
  /** Where the next state lists a path (undefined: not listed). */
  indexOf(p: string): number | undefined;
  /** Where the paths listed only now are. */
  addedAt: ReadonlyMap<string, number>;
  count: number;
  list(): string[];
}

/** The text of audit-vouch.json for a state and a manifest list. */
function vouchText(stateId: string, listDigest: string): string {
  return `${JSON.stringify({ format: VOUCH_FORMAT, state: stateId, list: listDigest })}\n`;
}

/** audit-vouch.json as it is, or undefined. */
function readVouch(dir: string): string | undefined {
  try {
    return readFileSync(path.join(dir, VOUCH_FILE), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Records, once the manifest of a bundle is written, that the audit cache state `stateId` (the
 * id AuditCache.save() returned, through auditBundle's onCacheSaved) audited that bundle, whose
 * manifest list has digest `listDigest`. A later audit told that a bundle is this one but for
 * some changed files (unchangedSince) then looks only at those. Written atomically; a state
 * written since has another id, and a later manifest another digest, so it never vouches for them.
 */
export function vouchAudit(dir: string, stateId: string, listDigest: string): void {
  const file = path.join(dir, VOUCH_FILE);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, vouchText(stateId, listDigest));
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Whether save() may write a state as the last one with this run's changes put in place (tests turn it off to compare), and whether it last did. */
export const stateWrites = { changesOnly: true, lastChangesOnly: false };

export class AuditCache {
  /** The last audit's conclusions, when they are for this code and these rules. */
  private state:
    | {
        /**
         * Index of each audited file in `paths` (its sha256 at 64 times that in `hashes`). Made
         * when first asked for: a rebuild that beginUnchanged() vouches for never asks.
         */
        readonly files: Map<string, number>;
        /** Whether `files` has been made. */
        indexed(): boolean;
        paths: string[];
        /** `paths` as read: NUL-separated, written again as it is when no file went away. */
        joined: string;
        hashes: string;
        yesListed: Uint8Array;
        findings: Map<string, AuditFinding[]>;
        yes: Paths;
        no: Paths;
        journalBase: number;
        journalSize: number;
        journalComplete: boolean;
        namesClean: Set<string>;
        namesNotClean: Set<string>;
        checked: string[];
        id: string;
        clean: boolean;
      }
    | undefined;
  /**
   * Set by beginUnchanged(): the files said to have changed, and where the state lists those it
   * lists (the other files of the bundle are all kept from the state, unlooked at).
   */
  private unchanged:
    | {
        changed: ReadonlySet<string>;
        /** Those looked at: the changed ones, and `asking`. */
        looked: ReadonlySet<string>;
        slots: Map<string, number>;
        /** Listed files that asked about a file now gone: looked at again, not taken from the state. */
        asking: ReadonlySet<string>;
        /** Listed files now gone that some file was told are there (their "yes" answered again now). */
        gone: ReadonlySet<string>;
      }
    | undefined;
  /** Whether the state's answers all hold for the bundle audited now (decided by begin()). */
  private stateHolds = false;
  /** Results of the journal (read only when the state does not hold), and handed over for this run. */
  private journal: Map<string, AuditCacheEntry> | undefined;
  private readonly primed = new Map<string, AuditCacheEntry>();
  // What this audit concludes, for the next one: the state's files found unchanged (by index),
  // and the others.
  private kept: Uint8Array | undefined;
  private readonly files = new Map<string, string>();
  private readonly findings = new Map<string, AuditFinding[]>();
  private readonly yes = { files: new Set<string>(), folders: new Set<string>() };
  private readonly no = { files: new Set<string>(), folders: new Set<string>() };
  /** The bundle's regular files and those whose names the rules refused (undefined: names not to be kept). */
  private names: { regular: Iterable<string>; refused: ReadonlySet<string> | undefined } = { regular: [], refused: undefined };
  /**
   * The journal's size when this audit opened the cache (0: none), and whether it was seen
   * another size since (another process wrote to it meanwhile).
   */
  private journalSeen = 0;
  private journalDisturbed = false;
  /** This run's new results as journal lines, by key. */
  private readonly lines = new Map<string, string>();
  /** How this run's results were obtained (for tests and progress). */
  readonly stats = { fromState: 0, fromJournal: 0, fromPrimed: 0, stored: 0, journalRead: false, unlooked: 0 };

  private constructor(
    /** Where it is saved; undefined for a cache that lives only as long as one audit. */
    private readonly dir: string | undefined,
    private readonly rules: string,
  ) {}

  /** Opens the cache in dir for an audit with these rules; a missing, unreadable or stale cache is an empty one. */
  static async open(dir: string, rules: readonly string[]): Promise<AuditCache> {
    const cache = new AuditCache(dir, rules.join(','));
    cache.journalSeen = statSync(path.join(dir, JOURNAL_FILE), { throwIfNoEntry: false })?.size ?? 0;
    try {
      // The code's version, from a memo in this folder when the sources have not changed.
      auditVersionIn(dir);
      const s = checkState(readStateFileSync(path.join(dir, STATE_FILE), STATE_FORMAT), cache.rules);
      if (s) {
        let files: Map<string, number> | undefined;
        const list = s.paths;
        cache.state = {
          get files() {
            if (files === undefined) {
              files = new Map();
              for (let i = 0; i < list.length; i++) files.set(list[i]!, i);
            }
            return files;
          },
          indexed: () => files !== undefined,
          paths: s.paths,
          joined: s.joined,
          hashes: s.hashes,
          yesListed: s.yesListed,
          findings: new Map(s.findings.filter(([, f]) => f.length > 0)),
          yes: s.yes,
          no: s.no,
          journalBase: s.journalBase,
          journalSize: s.journalSize,
          journalComplete: s.journalComplete,
          namesClean: new Set(s.namesClean),
          namesNotClean: new Set(s.namesNotClean),
          checked: s.checked,
          id: s.id,
          clean: s.clean,
        };
        for (const [name, , checkedBefore] of SHORTCUTS) if (s.checked.includes(name)) checkedBefore();
      }
    } catch {
      // no state yet, or one we cannot read: the journal may still have results
    }
    if (!cache.state) await cache.readJournal();
    return cache;
  }

  /** A cache kept in memory only (for results handed over by an AuditStream). */
  static inMemory(rules: readonly string[]): AuditCache {
    const cache = new AuditCache(undefined, rules.join(','));
    cache.journal = new Map();
    return cache;
  }

  /** Nothing to replay (a first build, or code that changed): every file must be audited. */
  get empty(): boolean {
    return this.state === undefined && (this.journal?.size ?? 0) === 0 && this.primed.size === 0;
  }

  /**
   * Whether the rules passed this regular file's name in the last audit. A check by name depends
   * on nothing but the name (it is kept only when the rules asked nothing about the bundle), so
   * this holds whatever else changed.
   */
  nameClean(file: string, slot: number | undefined = this.slot(file)): boolean {
    const s = this.state;
    if (!s) return false;
    return slot !== undefined ? s.namesNotClean.size === 0 || !s.namesNotClean.has(file) : s.namesClean.has(file);
  }

  /** Where the state lists this file (undefined: not there), for nameClean and lookup: one lookup for both. */
  slot(file: string): number | undefined {
    const u = this.unchanged;
    // After beginUnchanged(), only changed files are asked about: found without the whole index.
    if (u !== undefined && u.looked.has(file)) return u.slots.get(file);
    return this.state?.files.get(file);
  }

  /**
   * For the next audit: the bundle's regular files, and those whose names the rules refused now
   * (the others passed now or before); undefined when the names are not to be kept (the rules
   * asked about the bundle while checking them).
   */
  namesChecked(regular: Iterable<string>, refused: ReadonlySet<string> | undefined): void {
    this.names = { regular, refused };
  }

  /**
   * Decides, for the bundle audited now, whether the state's answers all still hold; if not, the
   * journal is read so that each file's own questions can be replayed.
   */
  async begin(bundle: BundleView, listedPresent?: number): Promise<void> {
    const s = this.state;
    this.stateHolds =
      s !== undefined &&
      // `listedPresent`: how many of the bundle's files the state lists (slot() found them). All
      // of them: every listed file is there, and every "yes" about one still holds.
      (listedPresent === s.paths.length || s.paths.every((p, i) => s.yesListed[i] === 0 || bundle.files.has(p))) &&
      this.otherAnswersHold(bundle);
    if (!this.stateHolds && this.journal === undefined) await this.readJournal();
  }

  /** The state's answers besides the "yes" flags of listed files: all the same now. */
  private otherAnswersHold(bundle: BundleView): boolean {
    const s = this.state!;
    return (
      s.no.files.length + s.no.folders.length <= MAX_FALSE_ANSWERS &&
      s.yes.files.every((p) => bundle.files.has(p)) &&
      s.yes.folders.every((p) => bundle.folders.has(p)) &&
      !s.no.files.some((p) => bundle.files.has(p)) &&
      !s.no.folders.some((p) => bundle.folders.has(p))
    );
  }

  /**
   * begin() for a rebuild that says which files changed since the bundle of the manifest list
   * `listDigest`: every other file of `bundle` is a file of that list, with the bytes it lists.
   * When audit-vouch.json says this state audited that very bundle and found it clean, and the
   * state's answers all hold now, every file the state lists that is still in the bundle and not
   * changed is kept as it is, without a lookup, and the files to look at (lookup() or audit) are
   * returned: the changed ones. Otherwise undefined, and nothing is decided: begin() as usual.
   *
   * Files gone that some file was told are there (an article removed): the files whose results
   * asked about them are found in the journal (their lines name them) and looked at again too,
   * when the journal is as the save of this state left it (so it has a line for each of its
   * results); otherwise undefined.
   *
   * The caller's word is checked where it can be without a look at every file: the unchanged
   * files must be exactly as many as the files of that bundle still there (listed ones, and the
   * others whose names it kept), so none can be a file that bundle did not have.
   */
  beginUnchanged(bundle: BundleIndex, listDigest: string, changed: ReadonlySet<string>): string[] | undefined {
    const s = this.state;
    if (s === undefined || this.dir === undefined || !s.clean || s.findings.size > 0 || s.namesNotClean.size > 0) return undefined;
    if (readVouch(this.dir) !== vouchText(s.id, listDigest)) return undefined;
    const { paths, yesListed } = s;
    const present = bundle.files;
    const kept = new Uint8Array(paths.length);
    const slots = new Map<string, number>();
    const gone: string[] = [];
    let keptCount = 0;
    // Listed and unlisted files are counted apart below: a path in both would count twice.
    const unlisted = s.namesClean.size > 0 ? s.namesClean : undefined;
    // 12,000 paths, the one pass over them: locals only (it runs before the code is warm).
    for (let i = 0; i < paths.length; i++) {
      const p = paths[i]!;
      if (unlisted !== undefined && unlisted.has(p)) return undefined;
      if (!present.has(p)) {
        // Gone, and some file was told it is there: that file's answer changed.
        if (yesListed[i] === 1) gone.push(p);
      } else if (changed.has(p)) slots.set(p, i);
      else {
        kept[i] = 1;
        keptCount++;
      }
    }
    // The regular files of that bundle not listed (not of a kind the audit reads) are the names
    // it kept as clean; those still there and unchanged, with the listed ones, must be all the
    // unchanged files.
    let others = 0;
    for (const p of s.namesClean) if (present.has(p) && !changed.has(p)) others++;
    const looked = [...changed].filter((p) => present.has(p));
    if (keptCount + others !== present.size - looked.length) return undefined;
    if (!this.otherAnswersHold(bundle)) return undefined;
    const asking = new Set<string>();
    if (gone.length > 0) {
      const found = this.resultsAsking(gone);
      if (found === undefined) return undefined;
      // By path (the journal holds older results of the changed lists and feeds too): the
      // changed files are looked at anyway, the others found in the state's list once each.
      const hashesOf = new Map<string, string[]>();
      for (const [p, hash] of found) if (!changed.has(p)) (hashesOf.get(p) ?? hashesOf.set(p, []).get(p)!).push(hash);
      for (const [p, hashes] of hashesOf) {
        const i = paths.indexOf(p);
        // The state's own result for a file kept (a line of another result of it is no matter).
        if (i < 0 || kept[i] !== 1 || !hashes.some((hash) => s.hashes.startsWith(hash, 64 * i))) continue;
        kept[i] = 0;
        keptCount--;
        slots.set(p, i);
        asking.add(p);
        looked.push(p);
      }
    }
    this.stateHolds = true;
    this.kept = kept;
    this.unchanged = { changed, looked: new Set(looked), slots, asking, gone: new Set(gone) };
    this.stats.fromState += keptCount;
    this.stats.unlooked = keptCount;
    return looked;
  }

  /**
   * The results (path and sha256) whose questions name one of these files, from the journal's
   * lines; undefined when the journal is not as the save of this state left it, or cannot say.
   */
  private resultsAsking(files: readonly string[]): Array<[string, string]> | undefined {
    // A removal or two: each is a search through the journal's bytes.
    if (files.length > MAX_GONE_SEARCHED) return undefined;
    let bytes: Buffer;
    try {
      bytes = readFileSync(path.join(this.dir!, JOURNAL_FILE));
    } catch {
      return undefined;
    }
    const head = Buffer.from(journalHeader(this.rules), 'utf8');
    const s = this.state!;
    if (!s.journalComplete || bytes.length !== s.journalSize || !bytes.subarray(0, head.length).equals(head)) return undefined;
    const found: Array<[string, string]> = [];
    for (const file of files) {
      // The question as journalLine() writes it (JSON.stringify of "f:<path>").
      const question = Buffer.from(JSON.stringify(`f:${file}`), 'utf8');
      for (let at = bytes.indexOf(question, head.length); at !== -1; ) {
        const start = bytes.lastIndexOf(0x0a, at) + 1;
        const end = bytes.indexOf(0x0a, at);
        if (end === -1) return undefined;
        const key = journalLineKeyAt(bytes, start, end);
        if (key === undefined) return undefined;
        const cut = key.indexOf('\0');
        found.push([key.slice(cut + 1), key.slice(0, cut)]);
        at = bytes.indexOf(question, end + 1);
      }
    }
    return found;
  }

  private async readJournal(): Promise<void> {
    this.journal = new Map();
    this.stats.journalRead = true;
    if (this.dir === undefined) return;
    let text: string;
    let bytes: Buffer;
    try {
      bytes = await readFile(path.join(this.dir, JOURNAL_FILE));
    } catch {
      return;
    }
    if (bytes.length !== this.journalSeen) this.journalDisturbed = true;
    text = bytes.toString('utf8');
    const header = journalHeader(this.rules);
    if (!text.startsWith(header)) return;
    for (let at = header.length; at < text.length; ) {
      const end = text.indexOf('\n', at);
      // A last line without its newline was cut short.
      if (end === -1) break;
      const parsed = parseJournalLine(text.slice(at, end));
      if (parsed) this.journal.set(keyOf(parsed[1], parsed[0]), parsed[2]);
      at = end + 1;
    }
  }

  /**
   * The findings of `file` with these bytes, if the cache has a result whose questions all get
   * the same answers from `bundle`; undefined when the file must be audited.
   */
  lookup(file: string, contentSha256: string, bundle: BundleView, slot: number | undefined = this.slot(file)): AuditFinding[] | undefined {
    const s = this.state;
    // A file that asked about one now gone: not from the state (its answers changed).
    const at = this.stateHolds && !(this.unchanged?.asking.has(file) ?? false) ? slot : undefined;
    if (at !== undefined && contentSha256.length === 64 && s!.hashes.startsWith(contentSha256, 64 * at)) {
      // Marked, not copied: the next state takes these entries from this one as they are.
      (this.kept ??= new Uint8Array(s!.paths.length))[at] = 1;
      this.stats.fromState++;
      return (s!.findings.size > 0 ? s!.findings.get(file) : undefined) ?? NO_FINDINGS;
    }
    const key = keyOf(file, contentSha256);
    const primed = this.primed.get(key);
    const entry = primed ?? this.journal?.get(key);
    if (!entry || !sameAnswers(entry.queries, bundle)) return undefined;
    if (primed) {
      this.store(file, contentSha256, entry);
      this.stats.fromPrimed++;
    } else {
      this.use(file, contentSha256, entry);
      this.stats.fromJournal++;
    }
    return entry.findings;
  }

  private use(file: string, contentSha256: string, entry: AuditCacheEntry): void {
    this.files.set(file, contentSha256);
    if (entry.findings.length) this.findings.set(file, entry.findings);
    else this.findings.delete(file);
    for (const [q, answer] of entry.queries) {
      const told = answer ? this.yes : this.no;
      (q.charCodeAt(0) === 0x66 /* f */ ? told.files : told.folders).add(q.slice(2));
    }
  }

  /** Keeps a result computed now (it goes into the journal). */
  store(file: string, contentSha256: string, entry: AuditCacheEntry): void {
    this.use(file, contentSha256, entry);
    this.lines.set(keyOf(file, contentSha256), journalLine(file, contentSha256, entry));
    this.stats.stored++;
  }

  /** Adds a result that lookup() may replay in this run (computed before the file was read). */
  prime(file: string, contentSha256: string, entry: AuditCacheEntry): void {
    this.primed.set(keyOf(file, contentSha256), entry);
  }

  /**
   * Writes what this audit concluded: the new results onto the journal, then the state, which
   * replaces the last one whole (a reader sees the old state or the new one, never a mix).
   * `clean`: the audit found nothing at all (see StateBody.clean). Returns the id of the state
   * written (for vouchAudit), or undefined when this cache is not saved.
   */
  async save(options: { clean?: boolean } = {}): Promise<string | undefined> {
    if (this.dir === undefined) return undefined;
    mkdirSync(this.dir, { recursive: true });
    const { base: journalBase, size: journalSize, complete: journalComplete } = await this.writeJournal();
    const s = this.state;
    const kept = this.kept;
    // Files taken from the state keep their entries there: their answers are among the state's
    // own, so the state's answers are kept too (a union; see MAX_FALSE_ANSWERS).
    const union = s !== undefined && kept !== undefined;
    const inState = (p: string): boolean => {
      const i = kept && s!.files.get(p);
      return i !== undefined && kept![i] === 1;
    };
    const listed = (p: string) => this.files.has(p) || inState(p);

    const toldYes = (p: string) => this.yes.files.has(p);
    const { regular, refused } = this.names;
    const id = randomBytes(16).toString('hex');
    const clean = options.clean === true && refused !== undefined && refused.size === 0;
    // Passed now, or before and not run again now.
    const checked = SHORTCUTS.filter(([name, verdict]) => verdict() ?? s?.checked.includes(name)).map(([name]) => name);
    // A rebuild that went through every file the state lists (found unchanged, or audited again)
    // writes the state with only its changes: the same paths (new ones after them), the few
    // changed hashes and flags put in place, instead of going through 12,000 files again.
    const changes = s !== undefined && kept !== undefined && stateWrites.changesOnly ? this.changesOnly(s, kept) : undefined;
    stateWrites.lastChangesOnly = changes !== undefined;
    if (changes && s && kept) {
      const findings: Array<[string, AuditFinding[]]> = [];
      for (const [p, f] of s.findings) if (kept[s.files.get(p)!] === 1) findings.push([p, f]);
      for (const [p, f] of this.findings) findings.push([p, f]);
      // Told yes now, or by the state about a path not listed there: a listed file gets its flag,
      // any other path is kept as a "yes" of its own.
      const yesOthers = this.flagListed(s, changes, [this.yes.files, s.yes.files]);
      const state: StateBody = {
        version: auditVersion(),
        rules: this.rules,
        paths: changes.paths,
        hashes: changes.hashes,
        findings,
        yesListed: changes.yesListed,
        yes: { files: [...yesOthers], folders: [...new Set([...this.yes.folders, ...s.yes.folders])] },
        no: { files: [...new Set([...this.no.files, ...s.no.files])], folders: [...new Set([...this.no.folders, ...s.no.folders])] },
        journalBase,
        journalSize,
        journalComplete,
        namesClean: refused ? this.namesCleanNow(regular, refused, changes) : [],
        namesNotClean: refused ? (refused.size === 0 ? [] : changes.list().filter((f) => refused.has(f))) : changes.list(),
        checked,
        id,
        clean,
      };
      writeStateFileSync(path.join(this.dir, STATE_FILE), STATE_FORMAT, state);
      return id;
    }

    const paths: string[] = [];
    const hashes: string[] = [];
    const findings: Array<[string, AuditFinding[]]> = [];
    const flags: number[] = [];
    let keptCount = 0;
    if (union) {
      // Runs of kept entries are copied as runs of the state's hash string.
      let run = -1;
      for (let i = 0; i <= kept.length; i++) {
        if (i < kept.length && kept[i] === 1) {
          const p = s.paths[i]!;
          paths.push(p);
          flags.push(s.yesListed[i] || (toldYes(p) ? 1 : 0));
          keptCount++;
          if (run < 0) run = i;
        } else if (run >= 0) {
          hashes.push(s.hashes.slice(64 * run, 64 * i));
          run = -1;
        }
      }
      // The few files with findings, not a lookup for every kept file.
      for (const [p, f] of s.findings) if (kept[s.files.get(p)!] === 1) findings.push([p, f]);
    }
    const stateYesOthers = union ? new Set(s.yes.files) : undefined;
    for (const [p, h] of this.files) {
      paths.push(p);
      hashes.push(h);
      const f = this.findings.get(p);
      if (f) findings.push([p, f]);
      let yes = toldYes(p);
      if (!yes && union) {
        const j = s.files.get(p);
        yes = j !== undefined ? s.yesListed[j] === 1 : stateYesOthers!.has(p);
      }
      flags.push(yes ? 1 : 0);
    }
    // Paths told yes that are not files of the new state.
    const yesOthers = new Set<string>();
    for (const p of this.yes.files) if (!listed(p)) yesOthers.add(p);
    const yesFolders = new Set(this.yes.folders);
    const noFiles = new Set(this.no.files);
    const noFolders = new Set(this.no.folders);
    if (union) {
      // (Not those gone that beginUnchanged() found asked about: their askers answered again now.)
      const gone = this.unchanged?.gone;
      for (let i = 0; i < s.paths.length; i++) if (s.yesListed[i] === 1 && kept[i] !== 1 && !this.files.has(s.paths[i]!) && !gone?.has(s.paths[i]!)) yesOthers.add(s.paths[i]!);
      for (const p of s.yes.files) if (!listed(p)) yesOthers.add(p);
      for (const p of s.yes.folders) yesFolders.add(p);
      for (const p of s.no.files) noFiles.add(p);
      for (const p of s.no.folders) noFolders.add(p);
    }
    const state: StateBody = {
      version: auditVersion(),
      rules: this.rules,
      paths: oneByte(paths.join('\0')),
      hashes: hashes.join(''),
      findings,
      yesListed: Uint8Array.from(flags),
      yes: { files: [...yesOthers], folders: [...yesFolders] },
      no: { files: [...noFiles], folders: [...noFolders] },
      journalBase,
      journalSize,
      journalComplete,
      namesClean: refused ? namesCleanOf(regular, refused, listed, keptCount + this.files.size) : [],
      namesNotClean: refused ? (refused.size === 0 ? [] : paths.filter((f) => refused.has(f))) : paths,
      checked,
      id,
      clean,
    };
    writeStateFileSync(path.join(this.dir, STATE_FILE), STATE_FORMAT, state);
    if (!s) for (const old of OLD_FILES) rmSync(path.join(this.dir, old), { force: true });
    return id;
  }

  /**
   * Sets the flag of every listed path among `told` (paths some file was told are files) in the
   * next state; returns the others, kept as "yes" answers of their own.
   */
  private flagListed(s: NonNullable<AuditCache['state']>, changes: StateChanges, told: Iterable<string>[]): Set<string> {
    const others = new Set<string>();
    if (s.indexed()) {
      for (const t of told) {
        for (const p of t) {
          const i = changes.indexOf(p);
          if (i !== undefined) changes.yesListed[i] = 1;
          else others.add(p);
        }
      }
      return others;
    }
    // No index made (a rebuild beginUnchanged() vouched for): one pass over the state's paths
    // finds the few hundred told yes, instead of an index of 12,000.
    const pending = new Set<string>();
    for (const t of told) for (const p of t) pending.add(p);
    for (let i = 0; i < s.paths.length && pending.size > 0; i++) if (pending.delete(s.paths[i]!)) changes.yesListed[i] = 1;
    for (const p of pending) {
      const i = changes.addedAt.get(p);
      if (i !== undefined) changes.yesListed[i] = 1;
      else others.add(p);
    }
    return others;
  }

  /** The regular files whose names passed, other than the listed ones (namesCleanOf), for a state written with its changes. */
  private namesCleanNow(regular: Iterable<string>, refused: ReadonlySet<string>, changes: StateChanges): string[] {
    const u = this.unchanged;
    const s = this.state!;
    if (u === undefined || s.indexed()) return namesCleanOf(regular, refused, (p) => changes.indexOf(p) !== undefined, changes.count);
    // A rebuild beginUnchanged() vouched for: the last state's (every unlisted file of that
    // bundle, all clean) still there, and the changed files not listed now whose names passed.
    const all = regular instanceof Set ? (regular as ReadonlySet<string>) : new Set(regular);
    if (changes.count >= all.size) return [];
    const clean = new Set<string>();
    for (const p of s.namesClean) if (all.has(p) && !refused.has(p)) clean.add(p);
    for (const p of u.changed) if (all.has(p) && !refused.has(p) && changes.indexOf(p) === undefined) clean.add(p);
    return [...clean];
  }

  /**
   * The next state's paths, hashes and flags as this state's with this run's changes put in place,
   * when every file the state lists was found unchanged (kept) or audited now; undefined otherwise
   * (a file went away: the state is made afresh). Flags are the state's; the caller sets those told yes now.
   */
  private changesOnly(s: NonNullable<AuditCache['state']>, kept: Uint8Array): StateChanges | undefined {
    let again = 0;
    const added: string[] = [];
    for (const p of this.files.keys()) {
      const i = this.slot(p);
      if (i === undefined) added.push(p);
      else if (kept[i] !== 1) again++;
    }
    let keptCount = 0;
    for (let i = 0; i < kept.length; i++) keptCount += kept[i]!;
    if (keptCount + again !== s.paths.length) return undefined;
    // The changed hashes, in the order of their places.
    const changed: Array<[number, string]> = [];
    for (const [p, h] of this.files) {
      const i = this.slot(p);
      if (i !== undefined) changed.push([i, h]);
    }
    changed.sort((a, b) => a[0] - b[0]);
    const pieces: string[] = [];
    let at = 0;
    for (const [i, h] of changed) {
      pieces.push(s.hashes.slice(at, 64 * i), h);
      at = 64 * i + 64;
    }
    pieces.push(s.hashes.slice(at));
    for (const p of added) pieces.push(this.files.get(p)!);
    const count = s.paths.length + added.length;
    const yesListed = new Uint8Array(count);
    yesListed.set(s.yesListed);
    // The state's own index, and the few added after it (not a copy of 12,000 entries).
    const addedAt = new Map(added.map((p, k) => [p, s.paths.length + k]));
    // slot(): after beginUnchanged(), the changed files (all that this.files holds) without the whole index.
    const indexOf = (p: string) => this.slot(p) ?? (addedAt.size > 0 ? addedAt.get(p) : undefined);
    // The state's paths are held one byte per character already when they can be: only the added ones are looked at.
    const joined = added.length === 0 ? s.joined : s.paths.length === 0 ? oneByte(added.join('\0')) : `${s.joined}\0${oneByte(added.join('\0'))}`;
    return { paths: joined, hashes: pieces.join(''), yesListed, indexOf, addedAt, count, list: () => [...s.paths, ...added] };
  }

  /**
   * Whether the journal, once this run's lines are in, has a line for every result of the next
   * state: nobody else wrote to it since this audit first saw it, the results taken from the
   * last state have their lines there (that state's journal was complete, and this is it), and
   * the results read from the journal are in it (`ours`: the journal kept has this code's header).
   */
  private journalCompleteNow(ours: boolean): boolean {
    if (this.journalDisturbed) return false;
    const s = this.state;
    const fromState = this.kept !== undefined && this.kept.includes(1);
    if (fromState && !(s !== undefined && s.journalComplete && s.journalSize === this.journalSeen)) return false;
    return ours || (!fromState && this.stats.fromJournal === 0);
  }

  /**
   * Appends this run's new results to the journal, or writes it whole (only the results of the
   * files audited now) when it has none for this code and rules yet or has grown too big.
   * Returns the size it had when last written whole, the size it has now, and whether it has a
   * line for every result of the state written now (StateBody.journalComplete).
   */
  private async writeJournal(): Promise<{ base: number; size: number; complete: boolean }> {
    const file = path.join(this.dir!, JOURNAL_FILE);
    const header = journalHeader(this.rules);
    const base = this.state?.journalBase ?? 0;
    // Appended through the descriptor whose header was checked: a journal swapped in meanwhile by
    // another build (other code, other rules) is never written to.
    // Synchronous: a few small calls, each a thread-pool round trip otherwise.
    let fd: number | undefined;
    try {
      fd = openSync(file, 'a+');
      const head = Buffer.alloc(header.length + 1);
      const bytesRead = readSync(fd, head, 0, head.length, 0);
      const size = fstatSync(fd).size;
      if (head.subarray(0, bytesRead).toString('utf8').startsWith(header) && size <= 2 * base + JOURNAL_SLACK && base > 0) {
        if (size !== this.journalSeen) this.journalDisturbed = true;
        if (this.lines.size) writeSync(fd, [...this.lines.values()].join(''));
        return { base, size: fstatSync(fd).size, complete: this.journalCompleteNow(true) };
      }
    } catch {
      // cannot be appended to: written whole below
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    // Written whole: the live results, from the journal as it is (results taken from the state
    // are there) plus this run's.
    const live = new Set<string>();
    for (const [f, hash] of this.files) live.add(keyOf(f, hash));
    const s = this.state;
    if (s && this.kept) for (let i = 0; i < this.kept.length; i++) if (this.kept[i] === 1) live.add(keyOf(s.paths[i]!, s.hashes.slice(64 * i, 64 * i + 64)));
    // As bytes: the journal is 10-20 MB, and its lines are kept as they are (only each key is read).
    const keep = new Map<string, Buffer>();
    const bytes = await readFile(file).catch(() => Buffer.alloc(0));
    if (bytes.length !== this.journalSeen) this.journalDisturbed = true;
    const head = Buffer.from(header, 'utf8');
    const ours = bytes.length >= head.length && bytes.subarray(0, head.length).equals(head);
    if (ours) {
      for (let at = head.length; at < bytes.length; ) {
        const end = bytes.indexOf(0x0a, at);
        if (end === -1) break;
        const key = journalLineKeyAt(bytes, at, end);
        if (key !== undefined && live.has(key)) keep.set(key, bytes.subarray(at, end + 1));
        at = end + 1;
      }
    }
    for (const [key, line] of this.lines) keep.set(key, Buffer.from(line, 'utf8'));
    const whole = Buffer.concat([head, ...keep.values()]);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, whole);
    await rename(tmp, file);
    return { base: whole.length, size: whole.length, complete: this.journalCompleteNow(ours) };
  }
}
