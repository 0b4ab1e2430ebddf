/**
 * The plain-data types that cross the block seams: a block's meta (returned by the worker,
 * stored in the file) and a series with its chunks (what the writer takes and the reader
 * returns).
 */
import type { Labels } from '../../model/labels.js';
import type { ClosedChunk } from '../chunkenc/xor-open.js';

/**
 * Version of the block file format written (FORMAT.md); stored in the meta and in
 * `user_version`. Format 2 stores dense chunks; readers still read format 1 (XOR chunks),
 * which data directories of earlier releases hold.
 */
export const BLOCK_FORMAT_VERSION = 2;
/** Format 1: series' chunks are Prometheus XOR chunks, stored as they are. */
export const XOR_BLOCK_FORMAT_VERSION = 1;
/** The formats this code reads. */
export type BlockFormatVersion = typeof XOR_BLOCK_FORMAT_VERSION | typeof BLOCK_FORMAT_VERSION;

/**
 * What a block holds, as Prometheus's `meta.json` says it. Stored inside the block file
 * (table `meta`) and returned by `writeBlock`/`compactBlocks`. Plain data: safe to post
 * between threads.
 */
export interface BlockMeta {
  readonly ulid: string;
  /** Oldest sample time over all chunks, ms, inclusive. */
  readonly minTime: number;
  /** Newest sample time over all chunks, ms, inclusive. */
  readonly maxTime: number;
  readonly numSeries: number;
  readonly numChunks: number;
  readonly numSamples: number;
  /** 1 for a block written from the head; max(source levels) + 1 for a compaction. */
  readonly level: number;
  /** ULIDs of the head-written (leaf) blocks whose data this block holds, sorted. */
  readonly sources: readonly string[];
  /** ULIDs of the blocks this one was compacted from; [] for a head-written block. */
  readonly parents: readonly string[];
  readonly version: BlockFormatVersion;
}

/**
 * One series of a block: its labels and its chunks, oldest first. Chunk `bytes` are
 * Prometheus XOR chunks (format 1) or values columns of dense chunks with `times` set
 * (format 2); from the reader they are views of a buffer the caller owns (never reused
 * by the reader), so they may be kept.
 */
export interface BlockSeries {
  readonly labels: Labels;
  readonly chunks: ClosedChunk[];
}

/** A series handed to the writer; chunks sorted by `mint`. */
export interface SeriesInput {
  readonly labels: Labels;
  readonly chunks: readonly ClosedChunk[];
}
