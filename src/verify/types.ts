import type { SignatureCheck } from '../manifest/signature.ts';
import type { ManifestFile } from '../manifest/types.ts';

export type TargetKind = 'folder' | 'zip' | 'url';

/** A file whose bytes are not the ones the manifest lists. */
export interface ChangedFile {
  path: string;
  /** What the manifest lists (absent for pack's how-to text, which the manifest cannot list). */
  expected?: { size: number; sha256: string };
  /** What was found, when it could be read. */
  actual?: { size: number; sha256?: string };
  /** Why it counts as changed, for people. */
  reason: string;
}

/** A file that could not be checked (timeout, HTTP error…): the copy is not proven genuine. */
export interface FailedFile {
  path: string;
  code: string;
  message: string;
  retryable: boolean;
}

export interface VerifyReport {
  target: string;
  kind: TargetKind;
  /** True only for a genuine, complete copy: signature acceptable and every file as listed. */
  ok: boolean;
  site: string;
  /** samizdat version that built the bundle. */
  samizdat: string;
  publication: { id: string; date: string };
  signature: SignatureCheck;
  files: {
    /** Files the manifest lists. */
    listed: number;
    /** Files fetched or read and compared. */
    checked: number;
    /** Files that matched. */
    good: number;
  };
  missing: string[];
  changed: ChangedFile[];
  /** Files in the copy that the manifest does not list (folders and zips only). */
  unexpected: string[];
  failed: FailedFile[];
  /** False for URLs: a web server cannot be listed, so extra files there go unseen. */
  unexpectedChecked: boolean;
  /** Set when only a random sample of this many files was checked. */
  sampled?: number;
  /** One line per problem, for people. Empty when ok. */
  problems: string[];
}

export type VerifyEvent =
  | { type: 'manifest'; files: number; toCheck: number; signature: SignatureCheck['status'] }
  | { type: 'file'; path: string; status: 'good' | 'missing' | 'changed' | 'failed'; done: number; total: number };

/** What a file check found. */
export type FileCheck =
  | { status: 'found'; size: number; sha256: string }
  | { status: 'missing' }
  | { status: 'changed'; reason: string; size?: number }
  | { status: 'failed'; code: string; message: string; retryable: boolean };

/** A copy of a bundle somewhere: a folder, a zip, a mirror. */
export interface CopySource {
  readonly kind: TargetKind;
  /** A small file at the bundle's root (manifest, signature, how-to), or undefined when absent. */
  readSmall(name: string, maxBytes: number): Promise<Buffer | undefined>;
  /** Size and SHA-256 of one bundle file. Never throws for the file's own problems. */
  check(file: ManifestFile, signal: AbortSignal | undefined): Promise<FileCheck>;
  /**
   * Told how many files are about to be checked, before the first check; may answer with the
   * number of checks worth running at once (a folder hashes on every core).
   */
  plan?(files: number): { concurrency?: number };
  /** Every file path in the copy, or undefined when it cannot be listed. */
  list(): Promise<string[] | undefined>;
  close(): Promise<void>;
}
