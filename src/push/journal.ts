/**
 * What push remembers on this machine, per host, in the state folder:
 * - `<host>.journal.jsonl`: the files an unfinished push has put so far, so a rerun does not
 *   send them again even when the host cannot hash (sizes alone cannot tell two versions apart).
 *   Valid only while the host still has the manifest it had when that push began.
 * - `<host>.last.json`: the publication the last successful push left there, so a host that
 *   cannot be reached at all can still be reported as "still serves the publication of …".
 */
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PublicationRef } from './types.ts';

interface JournalHeader {
  v: 1;
  /** Fingerprint of the mirror's settings: a journal for another target is worthless. */
  config: string;
  /** SHA-256 of the host's manifest when the push began (null: it had none). */
  base: string | null;
}

type JournalLine = { p: string; h: string; s: number } | { p: string; owned: true } | { alsoBase: string };

export interface JournalView {
  /** Files put, with the content they hold. */
  put: Map<string, { sha256: string; size: number }>;
  /** Every path a push of ours put (including ones whose removal is still pending). */
  owned: Set<string>;
}

const fileName = (host: string, suffix: string) => `${encodeURIComponent(host)}.${suffix}`;

export class PushJournal {
  private header: JournalHeader | undefined;
  private lines: JournalLine[] = [];
  private writing: Promise<void> = Promise.resolve();
  private pending: string[] = [];
  private flushTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly file: string,
    private readonly lastFile: string,
    private readonly config: string,
  ) {}

  static async open(stateDir: string, host: string, configFingerprint: string): Promise<PushJournal> {
    const j = new PushJournal(path.join(stateDir, fileName(host, 'journal.jsonl')), path.join(stateDir, fileName(host, 'last.json')), configFingerprint);
    const text = await readFile(j.file, 'utf8').catch(() => '');
    const rows = text.split('\n').filter(Boolean);
    try {
      const header = rows.length ? (JSON.parse(rows[0]!) as JournalHeader) : undefined;
      if (header?.v === 1) {
        j.header = header;
        // A line cut short by a kill is ignored, not fatal.
        for (const row of rows.slice(1)) {
          try {
            j.lines.push(JSON.parse(row) as JournalLine);
          } catch {
            /* partial last line */
          }
        }
      }
    } catch {
      /* unreadable journal: start afresh */
    }
    return j;
  }

  /** The resumable part of an unfinished push, when it began from the manifest the host has now. */
  view(base: string | null): JournalView {
    const put = new Map<string, { sha256: string; size: number }>();
    const owned = new Set<string>();
    const bases = new Set<string | null>([this.header?.base ?? null]);
    for (const l of this.lines) if ('alsoBase' in l) bases.add(l.alsoBase);
    if (this.header && this.header.config === this.config && bases.has(base)) {
      for (const l of this.lines) {
        if ('alsoBase' in l) continue;
        owned.add(l.p);
        if ('h' in l) put.set(l.p, { sha256: l.h, size: l.s });
        else put.delete(l.p);
      }
    }
    return { put, owned };
  }

  /** Starts (or continues) recording a push from `base`; keeps what is still valid. */
  async begin(base: string | null, keep: JournalView = this.view(base)): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    this.header = { v: 1, config: this.config, base };
    this.lines = [
      ...[...keep.owned].filter((p) => !keep.put.has(p)).map((p) => ({ p, owned: true as const })),
      ...[...keep.put].map(([p, f]) => ({ p, h: f.sha256, s: f.size })),
    ];
    const text = [this.header, ...this.lines].map((l) => JSON.stringify(l)).join('\n') + '\n';
    await this.enqueue(() => writeFile(this.file, text));
  }

  /**
   * Records a finished upload. Lines are batched and appended every few milliseconds, not one
   * write per file (12,500 sequential appends cost seconds); a line lost to a crash before its
   * batch is written only means that file is sent again.
   */
  recordPut(p: string, sha256: string, size: number): void {
    const line = { p, h: sha256, s: size };
    this.lines.push(line);
    this.pending.push(JSON.stringify(line));
    this.flushTimer ??= setTimeout(() => void this.flush(), 20);
  }

  /** Writes every batched line; resolves once they are on disk. */
  flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.length === 0) return this.writing;
    const text = this.pending.join('\n') + '\n';
    this.pending = [];
    return this.enqueue(() => appendFile(this.file, text));
  }

  /**
   * Just before the new manifest goes up: the journal stays valid whether the host ends up with
   * the old manifest or the new one, and remembers the stale files still to remove.
   */
  async beforeManifest(newBase: string, stale: string[]): Promise<void> {
    const lines: JournalLine[] = [{ alsoBase: newBase }, ...stale.map((p) => ({ p, owned: true as const }))];
    this.lines.push(...lines);
    await this.flush();
    await this.enqueue(() => appendFile(this.file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n'));
  }

  /** After a finished push: nothing left to resume; remember what the host now serves. */
  async finish(publication: PublicationRef): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.pending = [];
    await this.enqueue(async () => {
      await mkdir(path.dirname(this.lastFile), { recursive: true });
      await rm(this.file, { force: true });
      await writeFile(this.lastFile, JSON.stringify({ publication, pushedAt: new Date().toISOString(), config: this.config }) + '\n');
    });
    this.header = undefined;
    this.lines = [];
  }

  /** The publication the last successful push from here left on the host, if any. */
  async lastPushed(): Promise<PublicationRef | undefined> {
    try {
      const data = JSON.parse(await readFile(this.lastFile, 'utf8')) as { publication?: PublicationRef; config?: string };
      return data.config === this.config ? data.publication : undefined;
    } catch {
      return undefined;
    }
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    this.writing = this.writing.then(op, op);
    return this.writing;
  }
}
