/**
 * An in-memory MirrorHost: a TEST DOUBLE for the push engine's logic (planning, order, resume,
 * retry, isolation). It proves nothing about any real adapter; those pass the conformance suite
 * against real servers, and test/push/e2e.test.ts pushes to them for real.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AbortedError } from '../../src/errors.ts';
import { HostNotFoundError } from '../../src/mirrors/errors.ts';
import type { HostCallOptions, HostCapabilities, MirrorHost, PutSource, RemoteFile } from '../../src/mirrors/host.ts';

export interface StoredFile {
  bytes: Buffer;
  contentType?: string;
}

/** What the "server" holds; survives host objects, like a real remote. */
export class MemoryStore {
  files = new Map<string, StoredFile>();
  log: string[] = [];
  /** Counted across every connection (push may open several to one mirror). */
  putAttempts = 0;
  connects = 0;
  text(p: string): string | undefined {
    return this.files.get(p)?.bytes.toString('utf8');
  }
}

export interface MemoryHostFaults {
  /** Return an error to make this put attempt fail (n counts every put attempt on this mirror, from 1). */
  put?: (path: string, n: number) => Error | undefined;
  connect?: () => Error | undefined;
  /** Never settles and ignores its signal: the engine must time it out. */
  hangPut?: (path: string, n: number) => boolean;
  delete?: (path: string) => Error | undefined;
}

export class MemoryHost implements MirrorHost {
  readonly type = 'memory';
  readonly capabilities: HostCapabilities;
  private staged: Array<() => void> = [];

  constructor(
    readonly name: string,
    readonly store: MemoryStore,
    capabilities: Partial<HostCapabilities> = {},
    private readonly faults: MemoryHostFaults = {},
  ) {
    this.capabilities = { listHash: 'none', atomicPut: true, transactional: false, ...capabilities };
  }

  async connect(options: HostCallOptions = {}): Promise<void> {
    if (options.signal?.aborted) throw new AbortedError('connect');
    this.store.connects++;
    this.store.log.push('connect');
    const err = this.faults.connect?.();
    if (err) throw err;
  }

  async list(): Promise<RemoteFile[]> {
    this.store.log.push('list');
    return [...this.store.files].map(([path, f]) => {
      const r: RemoteFile = { path, size: f.bytes.length };
      if (this.capabilities.listHash === 'sha256') r.sha256 = createHash('sha256').update(f.bytes).digest('hex');
      if (this.capabilities.listHash === 'md5') r.md5 = createHash('md5').update(f.bytes).digest('hex');
      return r;
    });
  }

  async read(path: string): Promise<Uint8Array> {
    this.store.log.push(`read:${path}`);
    const f = this.store.files.get(path);
    if (!f) throw new HostNotFoundError(this.name, path);
    return f.bytes;
  }

  async put(path: string, source: PutSource, options: HostCallOptions = {}): Promise<void> {
    const n = ++this.store.putAttempts;
    if (this.faults.hangPut?.(path, n)) return new Promise<void>(() => {});
    const err = this.faults.put?.(path, n);
    if (err) throw err;
    const bytes = await readFile(source.localPath);
    if (options.signal?.aborted) throw new AbortedError(`upload of ${path}`);
    options.onProgress?.({ type: 'transfer', path, bytes: bytes.length, total: source.size });
    const apply = () => {
      this.store.files.set(path, { bytes, contentType: source.contentType });
      this.store.log.push(`put:${path}`);
    };
    if (this.capabilities.transactional) this.staged.push(apply);
    else apply();
  }

  async delete(path: string): Promise<void> {
    const err = this.faults.delete?.(path);
    if (err) throw err;
    const apply = () => {
      this.store.files.delete(path);
      this.store.log.push(`delete:${path}`);
    };
    if (this.capabilities.transactional) this.staged.push(apply);
    else apply();
  }

  async commit(): Promise<void> {
    for (const apply of this.staged) apply();
    this.staged = [];
    this.store.log.push('commit');
  }

  async close(): Promise<void> {
    this.staged = [];
  }
}
