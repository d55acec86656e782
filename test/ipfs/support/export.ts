import { readFile } from 'node:fs/promises';
import { CarReader } from '@ipld/car';
import { exporter, recursive } from 'ipfs-unixfs-exporter';
import { sha256 } from 'multiformats/hashes/sha2';
import type { CID } from 'multiformats/cid';
import { MemoryBlocks } from './memory.ts';

/** Every file and folder under `root`, exported back through the UnixFS exporter: path → bytes (null for a folder). */
export async function exportTree(root: CID, blocks: { get(cid: CID): AsyncGenerator<Uint8Array> }): Promise<Map<string, Uint8Array | null>> {
  const out = new Map<string, Uint8Array | null>();
  for await (const listed of recursive(root, blocks as never)) {
    const rel = listed.path.split('/').slice(1).join('/');
    if (!rel) continue;
    const entry = await exporter(listed.cid, blocks as never);
    if (entry.type === 'directory') out.set(rel, null);
    else if (entry.type === 'file' || entry.type === 'raw') {
      const parts: Uint8Array[] = [];
      for await (const c of entry.content()) parts.push(c);
      out.set(rel, Buffer.concat(parts));
    } else throw new Error(`unexpected ${entry.type} at ${entry.path}`);
  }
  return out;
}

/** Reads a CAR file: its roots, and its blocks re-hashed one by one (throws on any mismatch). */
export async function readCarVerified(carPath: string): Promise<{ roots: CID[]; blocks: MemoryBlocks; count: number }> {
  const reader = await CarReader.fromBytes(await readFile(carPath));
  const blocks = new MemoryBlocks();
  let count = 0;
  for await (const { cid, bytes } of reader.blocks()) {
    const digest = await sha256.digest(bytes);
    if (Buffer.compare(Buffer.from(digest.digest), Buffer.from(cid.multihash.digest)) !== 0) throw new Error(`block ${cid} does not hash to its CID`);
    await blocks.put(cid, bytes);
    count += 1;
  }
  return { roots: await reader.getRoots(), blocks, count };
}
