/**
 * SOURCE arguments into bytes: a file, a folder (its page, text and feed files), "-" for
 * standard input, or an http(s) URL. The size limit applies to each.
 */
import { readdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../errors.ts';
import { DEFAULT_LIMITS, fetchResource, tooLarge } from './fetch.ts';
import type { FetchLimits } from './types.ts';

export interface SourceRef {
  /** As the user wrote it, or "<folder>/<file>" for files found in a folder. */
  name: string;
  kind: 'file' | 'url' | 'stdin';
  /** Absolute path for files, the URL for urls. */
  location: string;
}

export interface LoadedSource {
  ref: SourceRef;
  bytes: Buffer;
  /** Content-Type MIME and charset for URLs. */
  mime?: string;
  charset?: string;
  /** Final http(s) URL (after redirects) for URLs. */
  url?: string;
  /** file: URL for files. */
  fileUrl?: string;
}

/** Files in a folder that ingest reads; anything else (images, Markdown articles) is left alone. */
const INGESTIBLE = /\.(txt|text|html?|xhtml|xml|rss|atom|json)$/i;

/** Expands folders into their files (sorted, hidden files skipped). Unknown paths are an error. */
export async function expandSources(sources: string[], cwd: string): Promise<{ refs: SourceRef[]; errors: InputError[] }> {
  const refs: SourceRef[] = [];
  const errors: InputError[] = [];
  for (const source of sources) {
    if (source === '-') {
      refs.push({ name: '-', kind: 'stdin', location: '-' });
      continue;
    }
    if (/^https?:\/\//i.test(source)) {
      refs.push({ name: source, kind: 'url', location: source });
      continue;
    }
    if (/^[a-z][a-z0-9+.-]+:\/\//i.test(source)) {
      errors.push(new InputError('INGEST_BAD_URL', `${source}: only http(s) URLs, files, folders and "-" can be ingested`, { hint: 'Download it first, or give its http(s) address.' }));
      continue;
    }
    const abs = path.resolve(cwd, source);
    let info;
    try {
      info = await stat(abs);
    } catch {
      errors.push(new InputError('INGEST_NOT_FOUND', `${source} does not exist`, { file: source, hint: 'Check the path (relative paths start from the current folder).' }));
      continue;
    }
    if (info.isDirectory()) {
      // Synchronous on purpose: Node 20's asynchronous recursive readdir takes a thread-pool round
      // trip per folder, seconds for an export kept as a folder per article.
      const entries = readdirSync(abs, { recursive: true, withFileTypes: true });
      const found = entries
        .filter((e) => e.isFile() && INGESTIBLE.test(e.name))
        .map((e) => path.join(e.parentPath, e.name))
        .filter((p) => !path.relative(abs, p).split(path.sep).some((seg) => seg.startsWith('.')))
        .sort();
      if (!found.length) {
        errors.push(new InputError('INGEST_EMPTY_FOLDER', `${source} holds no page, text or feed files (.html, .txt, .xml, .rss, .atom, .json)`, { file: source }));
      }
      for (const p of found) refs.push({ name: path.join(source, path.relative(abs, p)), kind: 'file', location: p });
    } else {
      refs.push({ name: source, kind: 'file', location: abs });
    }
  }
  return { refs, errors };
}

export async function loadSource(
  ref: SourceRef,
  options: { limits?: FetchLimits; signal?: AbortSignal; stdin?: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string> },
): Promise<LoadedSource> {
  const maxBytes = options.limits?.maxBytes ?? DEFAULT_LIMITS.maxBytes;
  if (ref.kind === 'url') {
    const got = await fetchResource(ref.location, 'document', { ...(options.limits ? { limits: options.limits } : {}), ...(options.signal ? { signal: options.signal } : {}) });
    return { ref, bytes: got.bytes, ...(got.mime ? { mime: got.mime } : {}), ...(got.charset ? { charset: got.charset } : {}), url: got.finalUrl };
  }
  if (ref.kind === 'stdin') {
    const stream = options.stdin ?? process.stdin;
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of stream) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
      total += buf.length;
      if (total > maxBytes) throw tooLarge('standard input', maxBytes);
      chunks.push(buf);
    }
    return { ref, bytes: Buffer.concat(chunks) };
  }
  const size = (await stat(ref.location)).size;
  if (size > maxBytes) throw tooLarge(ref.name, maxBytes, ref.name);
  return { ref, bytes: await readFile(ref.location), fileUrl: pathToFileURL(ref.location).href };
}
