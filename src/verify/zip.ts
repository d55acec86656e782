// A copy in a zip, read in place with yauzl: nothing is ever extracted, so no entry name can
// make us write anywhere. Names that would escape an extraction folder are refused outright.
import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { readFile, stat } from 'node:fs/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { InputError } from '../errors.ts';
import { unsafePathReason } from '../manifest/paths.ts';
import { MANIFEST_FILE, type ManifestFile } from '../manifest/types.ts';
import type { CopySource, FileCheck } from './types.ts';

const S_IFMT = 0o170000;
const SYNC_INFLATE_LIMIT = 4 * 1024 * 1024;
const IN_MEMORY_LIMIT = 256 * 1024 * 1024;
const S_IFREG = 0o100000;

function corrupt(file: string, err: unknown): InputError {
  const message = (err as Error).message;
  return new InputError('ZIP_CORRUPT', `the zip is damaged or not a zip: ${message}`, {
    file,
    hint: 'Get the zip again (a download or copy may have been cut short), and compare its SHA-256 with the published one.',
    cause: err,
  });
}

function unsafe(file: string, name: string, why: string, cause?: unknown): InputError {
  return new InputError('ZIP_UNSAFE_ENTRY', `the zip has an entry named ${JSON.stringify(name)}, which would land outside the folder it is unpacked into (${why})`, {
    file,
    hint: 'Do not unpack this zip: samizdat never makes such entries, so it is not a genuine copy.',
    cause,
  });
}

function fromYauzlError(file: string, err: unknown): InputError {
  return corrupt(file, err);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * An entry's name. The UTF-8 flag or Info-ZIP's Unicode path field say how to read it; without
 * either, Info-ZIP on Unix stores the bytes as they are, which today means UTF-8, so valid UTF-8
 * is read as such and anything else as CP437 (the zip format's default).
 */
function entryName(e: Entry): string {
  const raw = e.fileName as unknown as Buffer; // decodeStrings: false
  const flagged = (e.generalPurposeBitFlag & 0x800) !== 0 || e.extraFields.some((f) => f.id === 0x7075);
  if (!flagged) {
    try {
      return strictUtf8.decode(raw);
    } catch {
      // not UTF-8: fall through to CP437
    }
  }
  return yauzl.getFileNameLowLevel(e.generalPurposeBitFlag, raw, e.extraFields, true);
}

async function readAllEntries(zip: ZipFile, file: string): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    zip.on('entry', (e: Entry) => {
      entries.push(e);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', (err) => reject(fromYauzlError(file, err)));
    zip.readEntry();
  });
}

/**
 * Opens a zip and indexes its entries. Throws InputError ZIP_CORRUPT (not a zip, truncated),
 * ZIP_UNSAFE_ENTRY ("../", absolute, backslashes), ZIP_DUPLICATE_ENTRY.
 */
export async function openZip(file: string): Promise<CopySource> {
  let zip: ZipFile;
  try {
    // Names are decoded and checked here (entryName, unsafePathReason), so that a hostile name
    // is reported as such rather than as a damaged zip.
    // A zip that fits comfortably in memory is read once: every entry is then a slice, not
    // two more file reads.
    const options = { autoClose: false, strictFileNames: true, validateEntrySizes: true, decodeStrings: false };
    zip = (await stat(file)).size <= IN_MEMORY_LIMIT ? await yauzl.fromBufferPromise(await readFile(file), options) : await yauzl.openPromise(file, options);
  } catch (err) {
    throw fromYauzlError(file, err);
  }
  try {
    const entries = await readAllEntries(zip, file);
    const byName = new Map<string, Entry>();
    for (const e of entries) {
      const full = entryName(e);
      const isFolder = full.endsWith('/');
      const name = isFolder ? full.slice(0, -1) : full;
      const why = yauzl.validateFileName(full)?.replace(/:.*$/s, '') ?? unsafePathReason(name);
      if (why) throw unsafe(file, full, why);
      if (isFolder) continue; // folders carry nothing to check
      if (byName.has(name)) {
        throw new InputError('ZIP_DUPLICATE_ENTRY', `the zip holds ${name} twice: tools disagree on which one they unpack`, {
          file,
          hint: 'Do not use this zip: samizdat never writes an entry twice.',
        });
      }
      byName.set(name, e);
    }
    // The bundle is at the top (how pack writes it), or inside one folder (a hand-made zip).
    let prefix = '';
    if (!byName.has(MANIFEST_FILE)) {
      const nested = [...byName.keys()].filter((n) => /^[^/]+\/mirror-manifest\.json$/.test(n));
      if (nested.length === 1) prefix = nested[0]!.slice(0, -MANIFEST_FILE.length);
    }
    return zipSource(zip, file, byName, prefix);
  } catch (err) {
    zip.close();
    throw err;
  }
}

function zipSource(zip: ZipFile, file: string, byName: Map<string, Entry>, prefix: string): CopySource {
  const read = async (entry: Entry, maxBytes: number, onChunk: (b: Buffer) => void): Promise<void> => {
    // Small deflated entries: the compressed bytes, then one synchronous inflate. A zlib stream
    // per entry costs more than the inflating (a thread-pool round trip and set-up each).
    if (entry.compressionMethod === 8 && entry.uncompressedSize <= SYNC_INFLATE_LIMIT && entry.compressedSize <= SYNC_INFLATE_LIMIT) {
      const raw = await zip.openReadStreamPromise(entry, { decompress: false });
      const parts: Buffer[] = [];
      for await (const chunk of raw as AsyncIterable<Buffer>) parts.push(chunk);
      // maxOutputLength stops a zip bomb one byte past what the entry may hold.
      const data = inflateRawSync(Buffer.concat(parts), { maxOutputLength: Math.min(maxBytes, entry.uncompressedSize) + 1 });
      if (data.length > maxBytes) throw new Error(`more than ${maxBytes} bytes`);
      if (data.length !== entry.uncompressedSize) throw new Error(`expected ${entry.uncompressedSize} bytes, found ${data.length}`);
      onChunk(data);
      return;
    }
    const stream = await zip.openReadStreamPromise(entry);
    let size = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        stream.destroy();
        throw new Error(`more than ${maxBytes} bytes`);
      }
      onChunk(chunk);
    }
  };
  const isRegular = (e: Entry) => {
    const mode = (e.externalFileAttributes >>> 16) & S_IFMT;
    return mode === 0 || mode === S_IFREG; // 0: made on a system without Unix modes
  };
  return {
    kind: 'zip',
    async readSmall(name, maxBytes) {
      const entry = byName.get(prefix + name);
      if (!entry) return undefined;
      if (!isRegular(entry)) throw new InputError('ZIP_NOT_REGULAR', `${name} in the zip is not a regular file`, { file });
      const chunks: Buffer[] = [];
      try {
        await read(entry, maxBytes, (c) => chunks.push(c));
      } catch (err) {
        if ((err as Error).message.startsWith('more than')) return Buffer.concat(chunks).subarray(0, maxBytes + 1);
        throw corrupt(`${file}:${name}`, err);
      }
      return Buffer.concat(chunks);
    },
    async check(f: ManifestFile): Promise<FileCheck> {
      const entry = byName.get(prefix + f.path);
      if (!entry) return { status: 'missing' };
      if (!isRegular(entry)) return { status: 'changed', reason: 'it is not a regular file in the zip (a link?)' };
      // The central directory's size is checked against the data as it is read (validateEntrySizes).
      if (entry.uncompressedSize !== f.size) return { status: 'changed', reason: `its size is ${entry.uncompressedSize} bytes, not ${f.size}`, size: entry.uncompressedSize };
      const hash = createHash('sha256');
      try {
        await read(entry, f.size, (c) => hash.update(c));
      } catch (err) {
        return { status: 'changed', reason: `it cannot be read from the zip (${(err as Error).message})` };
      }
      return { status: 'found', size: f.size, sha256: hash.digest('hex') };
    },
    async list() {
      return [...byName.keys()].map((n) => (n.startsWith(prefix) ? n.slice(prefix.length) : n));
    },
    async close() {
      zip.close();
    },
  };
}
