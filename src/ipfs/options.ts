/**
 * Importer settings. The published CID must never depend on a server's import settings, so we
 * compute it here with every option spelled out (the importer's own defaults, and those of
 * @helia/unixfs, have changed between releases).
 */
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import type { ImporterOptions } from 'ipfs-unixfs-importer';
import { singleChunkFileBuilder } from './builders.ts';

/** Parameters of a UnixFS import, named as Kubo names them. */
export interface ImportProfile {
  cidVersion: 0 | 1;
  rawLeaves: boolean;
  /** Fixed-size chunks of this many bytes (Kubo `--chunker=size-N`). */
  chunkSize: number;
  /** Balanced layout, at most this many links per node (Kubo `Import.UnixFSFileMaxLinks`). */
  maxChildrenPerNode: number;
  /** A directory becomes a HAMT shard when its estimated size is strictly over this. */
  shardSplitThresholdBytes: number;
  /** 'links-bytes': sum of name + CID bytes (Kubo ≤ 0.38 and unixfs-v0-2015); 'block-bytes': the encoded block size (unixfs-v1-2025). */
  shardSplitStrategy: 'links-bytes' | 'block-bytes';
  /** HAMT fanout 2^bits (8 bits = 256, Kubo's). */
  shardFanoutBits: number;
}

/**
 * Exactly what `ipfs add -r --cid-version=1` does in Kubo: CIDv1, raw leaves, files that fit
 * in one chunk reduced to that raw leaf, 256 KiB fixed chunks, balanced DAG of at most 174
 * links, HAMT sharding only past 256 KiB of estimated link bytes, fanout 256, no wrapping
 * directory. This is the profile samizdat publishes with.
 */
export const KUBO_ADD_CIDV1: ImportProfile = Object.freeze({
  cidVersion: 1,
  rawLeaves: true,
  chunkSize: 262_144,
  maxChildrenPerNode: 174,
  shardSplitThresholdBytes: 262_144,
  shardSplitStrategy: 'links-bytes',
  shardFanoutBits: 8,
});

/** Kubo's default `ipfs add` (profile unixfs-v0-2015): CIDv0, no raw leaves. Used by the test vectors. */
export const KUBO_UNIXFS_V0_2015: ImportProfile = Object.freeze({
  ...KUBO_ADD_CIDV1,
  cidVersion: 0,
  rawLeaves: false,
});

/** Kubo's profile unixfs-v1-2025 (IPIP-499): 1 MiB chunks, 1024 links, block-size HAMT estimate. */
export const KUBO_UNIXFS_V1_2025: ImportProfile = Object.freeze({
  ...KUBO_ADD_CIDV1,
  chunkSize: 1_048_576,
  maxChildrenPerNode: 1024,
  shardSplitStrategy: 'block-bytes',
});

/** Importer options for a profile, with nothing left to the importer's defaults. */
export function importerOptions(profile: ImportProfile = KUBO_ADD_CIDV1): ImporterOptions {
  const options = plainImporterOptions(profile);
  // With raw leaves, a file of one chunk is its raw leaf: builders.ts makes it without the
  // importer's per-file pipeline, and hands every other file to the importer.
  return profile.rawLeaves && profile.cidVersion === 1 ? { ...options, fileBuilder: singleChunkFileBuilder(options) } : options;
}

/** importerOptions without the single-chunk shortcut: the importer's own file builder for every file. */
export function plainImporterOptions(profile: ImportProfile = KUBO_ADD_CIDV1): ImporterOptions {
  return {
    cidVersion: profile.cidVersion,
    rawLeaves: profile.rawLeaves,
    leafType: 'file',
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: profile.chunkSize }),
    layout: balanced({ maxChildrenPerNode: profile.maxChildrenPerNode }),
    shardSplitThresholdBytes: profile.shardSplitThresholdBytes,
    shardSplitStrategy: profile.shardSplitStrategy,
    shardFanoutBits: profile.shardFanoutBits,
    fieldOrder: 'links-first',
    wrapWithDirectory: false,
    // Sixteen files and sixteen blocks at once (the CIDs do not depend on these two settings).
    // `samizdat pin` writes its CAR in the order the importer hands blocks over. When the content
    // is read synchronously and the block sink is synchronous, as in pin (walk.ts, pin-writer.ts),
    // the importer's concurrent tasks never wait for I/O: they interleave through promise jobs,
    // which JavaScript runs in a fixed order, so the block order (children before parents) still
    // depends on the bundle only and the same bundle gives the same CAR bytes
    // (test/ipfs/import-order.test.ts). Concurrency saves part of the importer's per-file
    // overhead even so: one at a time, a pin of the 10,000-article bench took about 15 % longer.
    fileImportConcurrency: 16,
    blockWriteConcurrency: 16,
  };
}
