/**
 * The plain-data types that cross the log block seams: a block's meta (returned by the
 * worker, stored in the file) and a stream with its chunks (what the writer takes and the
 * reader returns).
 */
import type { Labels } from '../../model/labels.js';
import type { EncodedChunk } from '../chunk/encoded-chunk.js';

/** Version of the log block file format (FORMAT.md); stored in the meta and in `user_version`. */
export const LOG_BLOCK_FORMAT_VERSION = 1;

/**
 * What a log block holds. Stored inside the block file (table `meta`) and returned by
 * `writeLogBlock`/`compactLogBlocks`. Plain data: safe to post between threads.
 */
export interface LogBlockMeta {
  readonly ulid: string;
  /** Oldest entry time over all chunks, ms, inclusive. */
  readonly minTime: number;
  /** Newest entry time over all chunks, ms, inclusive. */
  readonly maxTime: number;
  readonly numStreams: number;
  readonly numChunks: number;
  readonly numEntries: number;
  /** Sum of the chunks' line bytes (the log text the block holds). */
  readonly rawBytes: number;
  /** 1 for a block written from the head; max(source levels) + 1 for a compaction. */
  readonly level: number;
  /** ULIDs of the head-written (leaf) blocks whose data this block holds, sorted. */
  readonly sources: readonly string[];
  /** ULIDs of the blocks this one was compacted from; [] for a head-written block. */
  readonly parents: readonly string[];
  readonly version: typeof LOG_BLOCK_FORMAT_VERSION;
}

/** A stream handed to the writer: labels and its chunks sorted by `minTMs`. */
export interface LogStreamInput {
  readonly labels: Labels;
  /** Iterated once, lazily (compaction produces chunks while the writer stores them). */
  readonly chunks: Iterable<EncodedChunk>;
}

/** A stream as the reader returns it. */
export interface LogBlockStream {
  readonly labels: Labels;
  /** Chunks oldest first (by minTMs); `data` is read from the file on first access. */
  readonly chunks: EncodedChunk[];
}

/** A stream whose chunks are listed only when asked (`LogBlockReader.selectStreams`). */
export interface LazyLogBlockStream {
  readonly labels: Labels;
  /** As `LogBlockStream.chunks`, read from the file at each call; possibly empty. */
  chunks(): EncodedChunk[];
}
