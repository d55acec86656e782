import type { SamizdatError } from '../errors.ts';
import type { OperationOptions, Warning } from '../progress.ts';

/** What a source holds. Guessed from the content when the caller does not say. */
export type SourceKind = 'text' | 'html' | 'feed';

/** Limits for every network request ingest makes. */
export interface FetchLimits {
  /** Whole request (connect, headers and body), in milliseconds. Default 20 000. */
  timeoutMs?: number;
  /** Largest body accepted, in bytes. Default 10 MiB (also applies to files and stdin). */
  maxBytes?: number;
  /** Redirects followed before giving up. Default 5. */
  maxRedirects?: number;
  /** Largest image downloaded, in bytes. Default 10 MiB. */
  maxImageBytes?: number;
}

export type IngestProgress =
  | { type: 'source'; source: string }
  | { type: 'fetch'; url: string }
  | { type: 'article'; source: string; title: string }
  | { type: 'image'; url: string; ok: boolean }
  | { type: 'write'; file: string };

export interface IngestOptions extends OperationOptions<IngestProgress> {
  /** Content folder the articles go to (and whose existing articles are checked). */
  outDir: string;
  /** Skip guessing: treat every source as this kind. */
  from?: SourceKind;
  /** BCP 47 language for every article (overrides what the page says). */
  lang?: string;
  /** Publication date for sources that carry none ("2015-08-13" or with a time, UTC). */
  date?: string;
  /** Original URL of a single file or stdin source: the `source` field, the base of relative links and the publisher whose rules apply. */
  sourceUrl?: string;
  /** Replace articles that already exist (same file name, GUID or source URL). */
  update?: boolean;
  /** Resolves relative file sources. Default process.cwd(). */
  cwd?: string;
  /** What `-` reads. Default process.stdin. */
  stdin?: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;
  fetch?: FetchLimits;
  /** Do everything but write. */
  dryRun?: boolean;
}

export interface WrittenArticle {
  /** Path of the article file written. */
  file: string;
  title: string;
  date: string;
  /** The SOURCE argument it came from (a feed item adds `#<guid>`). */
  source: string;
  from: SourceKind;
  /** True when an existing file was replaced (--update). */
  replaced: boolean;
  /** Images saved next to it. */
  media: string[];
}

export interface SkippedItem {
  source: string;
  reason: string;
  /** The existing article that made it unnecessary, when there is one. */
  file?: string;
}

export interface IngestResult {
  written: WrittenArticle[];
  skipped: SkippedItem[];
  warnings: Warning[];
  /** When not empty nothing was written. */
  errors: SamizdatError[];
}

/**
 * One story found in a source, before it becomes a file. Bodies are Markdown; every field is
 * already cleaned. Images to save are listed in `media`.
 */
export interface ExtractedArticle {
  title: string;
  /** ISO 8601 ("2015-08-13" or "2015-08-13T10:00:00Z"). */
  date?: string;
  updated?: string;
  lang?: string;
  author?: string;
  summary?: string;
  tags?: string[];
  /** Lead image: a local path after media are saved. */
  image?: string;
  imageAlt?: string;
  imageCaption?: string;
  source?: string;
  guid?: string;
  body: string;
  /** Images referenced by the body or the lead image, to save beside the article. */
  media: MediaRef[];
}

/** An image the article uses, fetched before anything is written. */
export interface MediaRef {
  /** Absolute http(s) or file: URL. */
  url: string;
  /** Tried when `url` fails: the web address of an image a saved page has beside it. */
  fallbackUrl?: string;
  /** Placeholder written in the body/front matter, replaced by the local path or the URL. */
  placeholder: string;
  alt: string;
  /** Set once fetched. */
  bytes?: Buffer;
  contentType?: string;
}
