/**
 * An audit that runs while the pages are being made: the build hands each page's text over as
 * it is rendered, and worker threads audit it on the cores rendering leaves idle, instead of
 * reading every file back once everything is written.
 *
 *   const stream = AuditStream.open({ files: expectedBundle });
 *   stream.add('articles/x/index.html', html);   // for each page, as it is rendered
 *   const prior = await stream.finish();          // then: auditBundle(dir, { prior, knownSha256 })
 *
 * A result is only ever a head start. Each one carries the sha256 of the UTF-8 bytes it audited
 * and every question it asked about the (expected) bundle; auditBundle reuses it only for a
 * file whose bytes on disk have that sha256 and whose questions get the same answers in the
 * real bundle, and audits anything else from disk. A worker that fails costs time, not findings.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../workers.ts';
import { indexFileList, kindOfFile, type FileResult } from './run.ts';

/** What a stream worker is started with (structured-cloned). */
export interface StreamWorkerInput {
  rules: readonly string[] | undefined;
  files: string[];
  folders: string[];
}

export type StreamMessage = { type: 'pages'; pages: Array<[file: string, text: string]> } | { type: 'end'; readBack?: string };

/** What a stream worker posts when the stream ends. */
export interface StreamWorkerOutput {
  results: FileResult[];
  /**
   * With a read-back folder: size and sha256 of each audited file as it is on disk there, and
   * the modification time and inode of that file.
   */
  onDisk: Array<[file: string, size: number, sha256: string, mtimeMs: number, ino: number]>;
}

/** Size and sha256 of files as they are on disk, with their modification time and inode. */
export type DiskHashes = Map<string, { size: number; sha256: string; mtimeMs: number; ino: number }>;

const MODULE = new URL('./stream-worker.ts', import.meta.url);

/** Pages per message: few enough to keep every worker busy, enough that messages cost little. */
const BATCH = 16;

export interface AuditStreamOptions {
  /** Every file the bundle is expected to hold (relative "/" paths): what link checks look at. */
  files: Iterable<string>;
  /** Run only these rules; auditBundle must then be given the same. Default: all. */
  rules?: readonly string[];
  /** Worker threads; default one per core, at most 4. */
  workers?: number;
}

export class AuditStream {
  private readonly workers: Worker[] = [];
  private readonly results: Array<Promise<StreamWorkerOutput>> = [];
  private batch: Array<[string, string]> = [];
  private next = 0;
  private ended = false;

  private constructor(options: AuditStreamOptions) {
    const bundle = indexFileList(options.files);
    const input: StreamWorkerInput = { rules: options.rules, files: [...bundle.files], folders: [...bundle.folders] };
    const count = Math.max(1, options.workers ?? Math.min(4, availableParallelism()));
    for (let i = 0; i < count; i++) {
      const worker = startWorker(MODULE, input);
      this.workers.push(worker);
      this.results.push(
        new Promise((resolve) => {
          worker.once('message', (output: StreamWorkerOutput) => resolve(output));
          // A worker that cannot start or dies gives nothing: its files are audited from disk.
          worker.once('error', () => resolve({ results: [], onDisk: [] }));
          worker.once('exit', () => resolve({ results: [], onDisk: [] }));
        }),
      );
    }
  }

  static open(options: AuditStreamOptions): AuditStream {
    return new AuditStream(options);
  }

  /** Hands over one file's text (UTF-8 is how it will be written). Files the audit does not read are ignored. */
  add(file: string, text: string): void {
    if (this.ended || kindOfFile(file) === undefined) return;
    this.batch.push([file, text]);
    if (this.batch.length >= BATCH) this.flush();
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    const message: StreamMessage = { type: 'pages', pages: this.batch };
    this.batch = [];
    this.workers[this.next++ % this.workers.length]!.postMessage(message);
  }

  /** Waits for every page handed over so far and returns their results. */
  async finish(): Promise<FileResult[]> {
    return (await this.end()).results;
  }

  /**
   * finish(), once every page has been written into `dir`: each worker then also reads back and
   * hashes the files it audited, as they are on disk (a file it cannot read as a regular file is
   * left out). The build's manifest and its check of the results need those hashes, and the
   * workers have the cores to themselves by then.
   */
  finishAndReadBack(dir: string): Promise<{ results: FileResult[]; onDisk: DiskHashes }> {
    return this.end(dir);
  }

  private async end(readBack?: string): Promise<{ results: FileResult[]; onDisk: DiskHashes }> {
    if (!this.ended) {
      this.flush();
      this.ended = true;
      const end: StreamMessage = { type: 'end', ...(readBack !== undefined ? { readBack } : {}) };
      for (const w of this.workers) w.postMessage(end);
    }
    const outputs = await Promise.all(this.results);
    const onDisk: DiskHashes = new Map();
    for (const o of outputs) for (const [file, size, sha256, mtimeMs, ino] of o.onDisk) onDisk.set(file, { size, sha256, mtimeMs, ino });
    return { results: outputs.flatMap((o) => o.results), onDisk };
  }

  /** Stops the workers (a build that failed or was aborted before finish). */
  async close(): Promise<void> {
    this.ended = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
