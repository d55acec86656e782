import type { CID } from 'multiformats/cid';
import type { ImportCandidate } from 'ipfs-unixfs-importer';
import { importTree } from '../../../src/ipfs/import.ts';
import type { ImportProfile } from '../../../src/ipfs/options.ts';
import { ROOT_NAME } from '../../../src/ipfs/walk.ts';

/** A block store in memory, for vectors and property tests. */
export class MemoryBlocks {
  readonly blocks = new Map<string, { cid: CID; bytes: Uint8Array }>();
  async put(cid: CID, bytes: Uint8Array): Promise<CID> {
    this.blocks.set(cid.toString(), { cid, bytes });
    return cid;
  }
  async getBytes(cid: CID): Promise<Uint8Array> {
    const b = this.blocks.get(cid.toString());
    if (!b) throw new Error(`missing block ${cid}`);
    return b.bytes;
  }
  async *get(cid: CID): AsyncGenerator<Uint8Array> {
    yield await this.getBytes(cid);
  }
}

/** A tree: path → content (string, bytes, a lazy byte stream) or null for an empty folder. */
export type Tree = Record<string, string | Uint8Array | (() => AsyncIterable<Uint8Array>) | null>;

/** The root CID of a folder holding `tree`, imported with `profile`. */
export async function cidOfTree(tree: Tree, profile?: ImportProfile, blocks = new MemoryBlocks()): Promise<CID> {
  const candidates: ImportCandidate[] = [{ path: ROOT_NAME }];
  const dirs = new Set<string>();
  for (const p of Object.keys(tree).sort()) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!dirs.has(d)) (dirs.add(d), candidates.push({ path: `${ROOT_NAME}/${d}` }));
    }
    const v = tree[p];
    if (v === null) {
      if (!dirs.has(p)) (dirs.add(p), candidates.push({ path: `${ROOT_NAME}/${p}` }));
    } else {
      const content = typeof v === 'string' ? new TextEncoder().encode(v) : typeof v === 'function' ? v() : v;
      candidates.push({ path: `${ROOT_NAME}/${p}`, content });
    }
  }
  return importTree(candidates, blocks, { profile });
}

/** The CID of one file imported alone (what `ipfs add FILE` prints). */
export async function cidOfFile(content: Uint8Array | AsyncIterable<Uint8Array>, profile?: ImportProfile): Promise<CID> {
  const { importer } = await import('ipfs-unixfs-importer');
  const { importerOptions } = await import('../../../src/ipfs/options.ts');
  let last: CID | undefined;
  // Blocks are hashed and dropped: the 1 GiB vectors must not sit in memory.
  const discard = { put: async (cid: CID) => cid };
  for await (const e of importer([{ content }], discard, importerOptions(profile))) last = e.cid;
  return last!;
}
