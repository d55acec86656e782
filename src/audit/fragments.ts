// Results for the HTML carried in feeds (Atom type="html", RSS description, JSON Feed
// content_html), kept across audits. A rebuild after one new article writes every feed again,
// but all of a feed's entries but one or two carry the same article HTML as before: those are
// not parsed again. The feed itself is still parsed whole (its XML or JSON must hold), and only
// the HTML of an entry is skipped: when the exact same text, read against the same base folder by
// the same rules and audit code, was found clean before, and every question it asked about the
// bundle gets the same answer now. Those questions are asked again through the file's own view,
// so the file's cache entry records them like any other. A fragment with findings is never kept:
// the file is then read again in full, with line numbers, as without this memo. The same file
// keeps what the stylesheets met (every page's inline one) refer to: read by postcss only once.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { answerNow, auditVersion, type BundleQuery } from './cache.ts';
import { adoptCssResults, cssResultsUsed } from './css.ts';
import type { CssReference } from './types.ts';
import type { AuditDocument, BundleView } from './types.ts';

export const FRAGMENTS_FILE = 'audit-fragments.json';
const FORMAT = 'samizdat-audit-fragments/2';
/**
 * A fragment not met in this many audits in a row is dropped. Feeds not written now keep theirs
 * for a while: a language that gets no new article in ten rebuilds has its feeds' entries parsed
 * whole again when it does. (Each rebuild adds a few entries per feed written, so the memo holds
 * its live entries plus about ten rebuilds' worth of those it no longer meets.)
 */
const MAX_AGE = 10;

/** What the XML and JSON readers call for each piece of HTML they carry. */
export interface FragmentHook {
  /** Before parsing: true when this HTML is known clean with the same answers now (it is then left out). */
  skip(text: string, base: string | null): boolean;
  /** After parsing: the document made from that HTML. */
  parsed(doc: AuditDocument, text: string, base: string | null): void;
}

/** A stylesheet result as kept: [sha256, references]. */
function isCssEntry(e: unknown): e is [string, CssReference[]] {
  return (
    Array.isArray(e) &&
    typeof e[0] === 'string' &&
    Array.isArray(e[1]) &&
    (e[1] as unknown[]).every((r) => {
      const c = r as Partial<CssReference> | null;
      return typeof c === 'object' && c !== null && typeof c.kind === 'string' && typeof c.url === 'string' && (c.line === undefined || typeof c.line === 'number');
    })
  );
}

export class FragmentMemo {
  private readonly used = new Map<string, BundleQuery[]>();
  private learned: Array<[string, BundleQuery[]]> | undefined;
  /** Hits and misses of skip(), fragments and feed entries remembered (for tests). */
  readonly stats = { skipped: 0, parsed: 0, remembered: 0, segments: 0 };

  private constructor(
    private readonly dir: string | undefined,
    private readonly rules: string,
    private readonly known: Map<string, { queries: BundleQuery[]; age: number }>,
  ) {}

  /** The memo saved in dir for these rules; empty when missing, damaged or for other code. */
  static async open(dir: string, rules: readonly string[]): Promise<FragmentMemo> {
    const known = new Map<string, { queries: BundleQuery[]; age: number }>();
    const joined = rules.join(',');
    try {
      // Synchronous, like the audit state: one small file on a rebuild's path.
      const data = JSON.parse(readFileSync(path.join(dir, FRAGMENTS_FILE), 'utf8')) as { format?: unknown; version?: unknown; rules?: unknown; entries?: unknown; css?: unknown };
      if (data.format === FORMAT && data.version === auditVersion() && data.rules === joined && Array.isArray(data.entries) && Array.isArray(data.css)) {
        adoptCssResults((data.css as unknown[]).filter(isCssEntry));
        for (const e of data.entries as unknown[]) {
          if (!Array.isArray(e) || typeof e[0] !== 'string' || !Array.isArray(e[1]) || typeof e[2] !== 'number') continue;
          const queries = e[1] as unknown[];
          if (queries.every((q) => Array.isArray(q) && typeof q[0] === 'string' && typeof q[1] === 'boolean')) known.set(e[0], { queries: queries as BundleQuery[], age: e[2] });
        }
      }
    } catch {
      // none yet, or unreadable: every fragment is parsed
    }
    // Stylesheets read from now on are recorded for the next audit, with or without a memo now.
    adoptCssResults([]);
    return new FragmentMemo(dir, joined, known);
  }

  /** A memo for one audit only. */
  static inMemory(rules: readonly string[]): FragmentMemo {
    return new FragmentMemo(undefined, rules.join(','), new Map());
  }

  /**
   * The key of a piece of HTML read against base (null: another host). Hashed as UTF-16 code
   * units: the exact string (UTF-8 would make every lone surrogate U+FFFD), and three times
   * faster than encoding it as UTF-8 first.
   */
  static key(text: string, base: string | null): string {
    return createHash('sha256').update(`${JSON.stringify(base)}\n`, 'utf16le').update(text, 'utf16le').digest('hex');
  }

  /**
   * The key of a feed entry audited inside its context (./feed-splice.ts): the start tags around
   * it and its text, as UTF-8. Apart from fragment keys, whose first line is a JSON string or null.
   */
  static segmentKey(context: string, utf8: string | Uint8Array): string {
    const hash = createHash('sha256').update(`segment\n${context.length}\n`, 'utf16le').update(context, 'utf16le');
    // The entry as UTF-8: its bytes as read, or its text encoded (the same bytes).
    return (typeof utf8 === 'string' ? hash.update(utf8, 'utf8') : hash.update(utf8)).digest('hex');
  }

  /**
   * Whether the HTML or feed entry with this key was found clean before and every question it
   * asked gets the same answer from `bundle` now (each is asked: the view records them all).
   */
  knownClean(key: string, bundle: BundleView): boolean {
    const queries = this.used.get(key) ?? this.known.get(key)?.queries;
    if (queries === undefined) return false;
    let same = true;
    for (const [q, answer] of queries) if (answerNow(q, bundle) !== answer) same = false;
    if (same) this.used.set(key, queries);
    return same;
  }

  /**
   * The hook for one file's quick read: skips what is known clean, asking its questions through
   * `bundle` (the file's recording view); remembers the key of each document it lets through.
   */
  hook(bundle: BundleView, keys: Map<AuditDocument, string>): FragmentHook {
    // parsed() follows the skip() of the same text: its key is not computed twice.
    let last: { text: string; base: string | null; key: string } | undefined;
    return {
      skip: (text, base) => {
        const key = FragmentMemo.key(text, base);
        last = { text, base, key };
        if (!this.knownClean(key, bundle)) {
          this.stats.parsed++;
          return false;
        }
        this.stats.skipped++;
        return true;
      },
      parsed: (doc, text, base) => {
        keys.set(doc, last && last.text === text && last.base === base ? last.key : FragmentMemo.key(text, base));
      },
    };
  }

  /** A fragment found clean now, with the questions it asked. */
  remember(key: string, queries: BundleQuery[]): void {
    this.used.set(key, queries);
    this.learned?.push([key, queries]);
    this.stats.remembered++;
  }

  /** A feed entry found clean in its context now (./feed-splice.ts), with the questions it asked. */
  rememberSegment(key: string, queries: BundleQuery[]): void {
    this.used.set(key, queries);
    this.learned?.push([key, queries]);
    this.stats.segments++;
  }

  /** Entries learned by another thread's memo (takeLearned there), kept with those met here. */
  adopt(entries: Iterable<[string, BundleQuery[]]>): void {
    for (const [key, queries] of entries) this.used.set(key, queries);
  }

  /** Starts listing what is remembered from now on, for takeLearned (a worker's memo). */
  listLearned(): void {
    this.learned ??= [];
  }

  /** What was remembered since the last call (listLearned first). */
  takeLearned(): Array<[string, BundleQuery[]]> {
    const learned = this.learned ?? [];
    if (this.learned) this.learned = [];
    return learned;
  }

  /** Writes the fragments met in this audit, and those met in the last few (when it met any). */
  async save(): Promise<void> {
    if (this.dir === undefined) return;
    const entries: Array<[string, BundleQuery[], number]> = [...this.used].map(([key, queries]) => [key, queries, 0]);
    for (const [key, { queries, age }] of this.known) if (!this.used.has(key) && age < MAX_AGE) entries.push([key, queries, age + 1]);
    mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, FRAGMENTS_FILE);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify({ format: FORMAT, version: auditVersion(), rules: this.rules, entries, css: cssResultsUsed() }));
      renameSync(tmp, file);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }
}
