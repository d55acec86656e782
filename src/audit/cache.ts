// A cache of audit results, so that rebuilding a big archive after one new article audits only
// the files that changed. An entry is keyed by the audit's own code, the rules asked for, the
// file's path and the sha256 of its bytes; it keeps the findings and every question the rules
// asked about the bundle ("is a/b.html a file?") with its answer. It is reused only when every
// question still gets the same answer, so a link to a page that has since gone is found again.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AuditFinding, BundleView } from './types.ts';
import { packageVersion, sourceFile } from '../paths.ts';

/** A question a rule asked about the bundle: "f:<path>" (a file?) or "d:<path>" (a folder?), and the answer. */
export type BundleQuery = [string, boolean];

export interface AuditCacheEntry {
  findings: AuditFinding[];
  queries: BundleQuery[];
}

const CACHE_FILE = 'audit-cache.json';
const FORMAT = 'samizdat-audit-cache/1';

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A view of the bundle that remembers what it was asked. */
export function recordingView(bundle: BundleView): { view: BundleView; queries(): BundleQuery[] } {
  // Keyed by path per kind, the "f:"/"d:" strings made once at the end: a page asks a dozen
  // questions, several of them twice. `order` keeps the order of first asking.
  const order: Array<['f' | 'd', string]> = [];
  const files = new Map<string, boolean>();
  const folders = new Map<string, boolean>();
  const ask = (kind: 'f' | 'd', set: { has(p: string): boolean }, asked: Map<string, boolean>) => ({
    has(p: string): boolean {
      const answer = set.has(p);
      if (!asked.has(p)) order.push([kind, p]);
      asked.set(p, answer);
      return answer;
    },
  });
  return {
    view: { files: ask('f', bundle.files, files), folders: ask('d', bundle.folders, folders) },
    queries: () => order.map(([kind, p]): BundleQuery => [`${kind}:${p}`, (kind === 'f' ? files : folders).get(p)!]),
  };
}

let version: string | undefined;

/**
 * What the audit's results depend on besides the file: the audit's own source (every file of
 * this folder) and the parsers' versions. Any change there makes every entry stale.
 */
export function auditVersion(): string {
  if (version !== undefined) return version;
  const here = sourceFile('audit');
  const hash = createHash('sha256');
  const sources = readdirSync(here, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|mjs)$/.test(f))
    .sort();
  for (const f of sources) hash.update(`${f}\0`).update(readFileSync(path.join(here, f))).update('\0');
  for (const pkg of ['parse5', 'saxes', 'postcss', 'yaml']) hash.update(`${pkg}@${packageVersion(pkg) ?? 'unknown'}\0`);
  version = hash.digest('hex');
  return version;
}

export class AuditCache {
  private readonly used = new Map<string, AuditCacheEntry>();

  private constructor(
    /** Where it is saved; undefined for a cache that lives only as long as one audit. */
    private readonly dir: string | undefined,
    private readonly entries: Map<string, AuditCacheEntry>,
  ) {}

  /** Opens the cache in dir; a missing, unreadable or stale cache is an empty one. */
  static async open(dir: string): Promise<AuditCache> {
    const entries = new Map<string, AuditCacheEntry>();
    try {
      const data = JSON.parse(await readFile(path.join(dir, CACHE_FILE), 'utf8')) as {
        format?: string;
        version?: string;
        entries?: Record<string, AuditCacheEntry>;
      };
      if (data.format === FORMAT && data.version === auditVersion() && data.entries) {
        for (const [k, v] of Object.entries(data.entries)) entries.set(k, v);
      }
    } catch {
      // no cache yet, or one we cannot read: start empty
    }
    return new AuditCache(dir, entries);
  }

  /** A cache kept in memory only (for results handed over by an AuditStream). */
  static inMemory(): AuditCache {
    return new AuditCache(undefined, new Map());
  }

  /** Nothing to replay (a first build, or code that changed): every file must be audited. */
  get empty(): boolean {
    return this.entries.size === 0;
  }

  key(file: string, rules: readonly string[], contentSha256: string): string {
    return sha256(`${rules.join(',')}\0${file}\0${contentSha256}`);
  }

  /** The cached findings, if the entry exists and every recorded question gets the same answer now. */
  lookup(key: string, bundle: BundleView): AuditFinding[] | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    for (const [q, answer] of entry.queries) {
      const p = q.slice(2);
      const now = q.startsWith('f:') ? bundle.files.has(p) : bundle.folders.has(p);
      if (now !== answer) return undefined;
    }
    this.used.set(key, entry);
    return entry.findings;
  }

  store(key: string, entry: AuditCacheEntry): void {
    this.used.set(key, entry);
  }

  /** Adds an entry that lookup() may replay in this run (a result computed before the file was read). */
  prime(key: string, entry: AuditCacheEntry): void {
    this.entries.set(key, entry);
  }

  /** Writes the entries of this run only (older ones are dropped), atomically. */
  async save(): Promise<void> {
    if (this.dir === undefined) return;
    await mkdir(this.dir, { recursive: true });
    const tmp = path.join(this.dir, `${CACHE_FILE}.${process.pid}.tmp`);
    const sorted = [...this.used].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    await writeFile(tmp, JSON.stringify({ format: FORMAT, version: auditVersion(), entries: Object.fromEntries(sorted) }));
    await rename(tmp, path.join(this.dir, CACHE_FILE));
  }
}
