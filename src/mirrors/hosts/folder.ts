/**
 * `folder`: a local or mounted path (the default mirror on a fresh checkout). put() writes a
 * temp file in the target's own folder and renames it over the target, so readers see the old
 * file or the new one, never a part. list() hashes every file with SHA-256: on a local disk
 * that is cheap (about the speed of reading it) and lets push skip files whose bytes did not
 * change; set `hashOnList: false` for a slow network mount, and push compares sizes and the
 * remote manifest instead.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pLimit from 'p-limit';
import * as z from 'zod';
import { AbortedError, SamizdatError, throwIfAborted } from '../../errors.ts';
import { HostError, HostNotFoundError, HostUnreachableError } from '../errors.ts';
import { assertRemotePath } from '../paths.ts';
import { defineFilesHostType } from '../host-type.ts';
import type { HostCallOptions, HostCapabilities, MirrorHost, PutSource, RemoteFile } from '../host.ts';

/** Temp files of an unfinished put start with this; list() never shows them. */
export const FOLDER_TEMP_PREFIX = '.samizdat-tmp-';

const LIST_CONCURRENCY = 16;

export const folderSchema = z.object({
  path: z.string().min(1).describe('Folder the bundle is copied into: absolute, or relative to the project root (the folder that holds mirrors/). A relative path is created as needed; for an absolute one the parent must exist (so an unmounted share is noticed).'),
  hashOnList: z.boolean().default(true).describe('Hash every file when listing (cheap on a local disk); false compares sizes only, for slow mounts.'),
});

export interface FolderHostOptions {
  hashOnList?: boolean;
  /**
   * Create the root with all its missing parents. On for paths relative to the project (nothing
   * to mount there); off for absolute paths, where a missing parent usually means a share that
   * is not mounted, and writing into the bare mount point would be wrong.
   */
  createParents?: boolean;
}

export class FolderHost implements MirrorHost {
  readonly type = 'folder';
  readonly capabilities: HostCapabilities;

  constructor(
    readonly name: string,
    /** Absolute path of the mirror's root. */
    readonly root: string,
    private readonly options: FolderHostOptions = {},
  ) {
    this.capabilities = { listHash: options.hashOnList === false ? 'none' : 'sha256', atomicPut: true, transactional: false };
  }

  async connect(options: HostCallOptions = {}): Promise<void> {
    throwIfAborted(options.signal, `connect to mirror ${this.name}`);
    // A folder inside the project is made by the first put, so a dry run leaves no trace.
    if (this.options.createParents) return;
    // The root may be created by the first put, but its parent must exist (see createParents).
    for (const dir of [this.root, path.dirname(this.root)]) {
      try {
        if ((await stat(dir)).isDirectory()) return;
        throw new HostUnreachableError(this.name, `${dir} is not a folder`, { retryable: false });
      } catch (err) {
        if (err instanceof SamizdatError) throw err;
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw this.wrap(err, `cannot open ${dir}`);
      }
    }
    throw new HostUnreachableError(this.name, `neither ${this.root} nor its parent folder exists`, {
      retryable: false,
      hint: 'Create the parent folder, or mount the share it lives on.',
    });
  }

  async list(options: HostCallOptions = {}): Promise<RemoteFile[]> {
    throwIfAborted(options.signal, `listing of mirror ${this.name}`);
    const found: string[] = [];
    const walk = async (dir: string, prefix: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw this.wrap(err, `cannot list ${dir}`);
      }
      throwIfAborted(options.signal, `listing of mirror ${this.name}`);
      for (const entry of entries) {
        const rel = prefix + entry.name;
        if (entry.isDirectory()) await walk(path.join(dir, entry.name), `${rel}/`);
        else if (entry.isFile() && !entry.name.startsWith(FOLDER_TEMP_PREFIX)) found.push(rel);
      }
    };
    await walk(this.root, '');
    // Stat and hash several files at once: on 10,000 small files this is several times faster.
    const limit = pLimit(LIST_CONCURRENCY);
    return Promise.all(
      found.map((rel) =>
        limit(async (): Promise<RemoteFile> => {
          throwIfAborted(options.signal, `listing of mirror ${this.name}`);
          const full = path.join(this.root, ...rel.split('/'));
          try {
            const { size } = await stat(full);
            if (this.capabilities.listHash !== 'sha256') return { path: rel, size };
            // Small files (most of a site) are cheaper to read whole than to stream.
            const sha256 = size <= 1024 * 1024 ? createHash('sha256').update(await readFile(full)).digest('hex') : await sha256File(full, options.signal);
            return { path: rel, size, sha256 };
          } catch (err) {
            if (options.signal?.aborted) throw new AbortedError(`listing of mirror ${this.name}`, { cause: err });
            throw this.wrap(err, `cannot read ${rel} while listing`);
          }
        }),
      ),
    );
  }

  async read(remotePath: string, options: HostCallOptions = {}): Promise<Uint8Array> {
    const target = this.resolve(remotePath);
    throwIfAborted(options.signal, `read of ${remotePath}`);
    try {
      return new Uint8Array(await readFile(target, { signal: options.signal }));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') throw new HostNotFoundError(this.name, remotePath, { cause: err });
      if (options.signal?.aborted) throw new AbortedError(`read of ${remotePath}`, { cause: err });
      throw this.wrap(err, `cannot read ${remotePath}`);
    }
  }

  async put(remotePath: string, source: PutSource, options: HostCallOptions = {}): Promise<void> {
    const target = this.resolve(remotePath);
    throwIfAborted(options.signal, `upload of ${remotePath}`);
    const dir = path.dirname(target);
    const temp = path.join(dir, `${FOLDER_TEMP_PREFIX}${randomBytes(6).toString('hex')}`);
    let sent = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        sent += chunk.length;
        options.onProgress?.({ type: 'transfer', path: remotePath, bytes: sent, total: source.size });
        done(null, chunk);
      },
    });
    try {
      await mkdir(dir, { recursive: true });
      await pipeline(createReadStream(source.localPath), counter, createWriteStream(temp, { flags: 'wx' }), { signal: options.signal });
      if (sent === 0) options.onProgress?.({ type: 'transfer', path: remotePath, bytes: 0, total: source.size });
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      if (options.signal?.aborted) throw new AbortedError(`upload of ${remotePath}`, { cause: err });
      if ((err as NodeJS.ErrnoException).path === source.localPath) {
        throw new SamizdatError('LOCAL_READ_FAILED', `cannot read ${source.localPath} to upload it: ${(err as NodeJS.ErrnoException).code}`, { file: source.localPath, cause: err });
      }
      throw this.wrap(err, `cannot write ${remotePath}`);
    }
  }

  async delete(remotePath: string, options: HostCallOptions = {}): Promise<void> {
    const target = this.resolve(remotePath);
    throwIfAborted(options.signal, `delete of ${remotePath}`);
    try {
      await rm(target, { force: true });
    } catch (err) {
      throw this.wrap(err, `cannot delete ${remotePath}`);
    }
    // Remove folders the delete left empty, up to (not including) the root.
    for (let dir = path.dirname(target); dir !== this.root && dir.startsWith(this.root + path.sep); dir = path.dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        break; // not empty, or already gone
      }
    }
  }

  async close(): Promise<void> {}

  private resolve(remotePath: string): string {
    assertRemotePath(this.name, remotePath);
    return path.join(this.root, ...remotePath.split('/'));
  }

  private wrap(err: unknown, what: string): HostError {
    const code = (err as NodeJS.ErrnoException).code;
    // A vanished mount or a full disk may clear up; a permission problem will not.
    const retryable = code === 'EIO' || code === 'ESTALE' || code === 'EAGAIN' || code === 'EBUSY';
    return new HostError('HOST_IO', this.name, `${what}: ${code ?? (err as Error).message}`, { cause: err, retryable });
  }
}

async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash, { signal });
  return hash.digest('hex');
}

export const folderHostType = defineFilesHostType({
  summary: 'A local or mounted folder; put is atomic (temp file + rename), list hashes with SHA-256.',
  schema: folderSchema,
  create(config) {
    const base = config.file ? path.dirname(path.dirname(path.resolve(config.file))) : process.cwd();
    return new FolderHost(config.name, path.resolve(base, config.path), { hashOnList: config.hashOnList, createParents: !path.isAbsolute(config.path) });
  },
});
