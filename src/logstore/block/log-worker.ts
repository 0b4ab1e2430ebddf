/**
 * The piscina task module for log store work: compressing sealed head chunks (and
 * building their filters), writing a block from the head's compressed chunks, and
 * compacting blocks. Jobs and results are plain data (DESIGN.md, Concurrency); a block
 * lands in `<dir>/<ulid>.tmp` and the main thread renames it to `<ulid>.db`. Compressed
 * chunks come back in shared memory, not copied.
 */
import { Piscina } from 'piscina';
import { compareLabels, type Labels } from '../../model/labels.js';
import { codecName, defaultHeadCodec, type CodecOptions, type LogCodec } from '../chunk/codec.js';
import { encodeChunk, inSharedMemory, type EncodedChunk } from '../chunk/encoded-chunk.js';
import { headFilterOptions } from '../chunk/filter.js';
import { compactLogBlocks } from './log-compact.js';
import type { LogBlockMeta } from './log-block-meta.js';
import { writeLogBlock } from './log-block-writer.js';
import { lowerThisThreadPriority } from '../../util/thread-priority.js';

/** The pool a worker serves (log-jobs.ts); the compaction lane's threads run at a lower priority. */
export type LogLane = 'head' | 'compaction';

// Compactions can wait; pushes and queries on the main thread cannot. The head lane's
// compression is the push path's own work and keeps its priority.
if ((Piscina.workerData as { lane?: LogLane } | null)?.lane === 'compaction') lowerThisThreadPriority();

/**
 * Test-only fault injection, so the pool owner can test its handling of failed workers:
 * `'throw'` makes the task throw an Error (the task's promise rejects), `'exit'` ends the
 * worker thread with `process.exit(1)` (piscina rejects the task and replaces the
 * thread). Never set in production jobs.
 */
export type LogJobFault = 'throw' | 'exit';

/**
 * Compress encoded chunks (`encodeEntries` output) and build their filters; the result
 * has one EncodedChunk per input, in order.
 */
export interface CompressLogChunksJob {
  readonly kind: 'compress';
  readonly chunks: readonly Uint8Array[];
  /** Default: `defaultHeadCodec()` (its level); a name alone uses the codec's default level. */
  readonly codec?: LogCodec | CodecOptions;
  /** Test-only; see LogJobFault. */
  readonly fault?: LogJobFault;
}

/** Write a head-built block of compressed chunks; streams in any order (they are sorted here). */
export interface WriteLogBlockJob {
  readonly kind: 'write';
  readonly dir: string;
  readonly ulid: string;
  readonly streams: readonly { readonly labels: Labels; readonly chunks: readonly EncodedChunk[] }[];
  readonly level: 1;
  /** Test-only; see LogJobFault. */
  readonly fault?: LogJobFault;
}

/** Compact published log blocks (paths of `….db` files) into a new one. */
export interface CompactLogBlocksJob {
  readonly kind: 'compact';
  readonly dir: string;
  readonly ulid: string;
  readonly sources: readonly string[];
  /** Codec of re-cut chunks; default `defaultBlockCodec()`. */
  readonly codec?: CodecOptions;
  /** Line bytes per re-cut chunk; default DEFAULT_COMPACTED_CHUNK_BYTES (1 MiB). */
  readonly chunkTargetBytes?: number;
  /** Test-only; see LogJobFault. */
  readonly fault?: LogJobFault;
}

/** A job for the log worker. */
export type LogJob = CompressLogChunksJob | WriteLogBlockJob | CompactLogBlocksJob;

/** What a job of kind K returns. */
export type LogJobResult<J extends LogJob> = J extends CompressLogChunksJob ? EncodedChunk[] : LogBlockMeta;

/**
 * Runs one job. Errors are those of `encodeChunk`, `writeLogBlock` and
 * `compactLogBlocks`; a block's `.tmp` is removed on failure (not on `fault: 'exit'`,
 * which stops before doing anything).
 */
export default function runLogJob(job: LogJob): unknown {
  if (job.fault === 'throw') throw new Error(`injected fault in log ${job.kind} job`);
  if (job.fault === 'exit') process.exit(1);
  switch (job.kind) {
    case 'compress': {
      const codec = job.codec === undefined ? defaultHeadCodec() : typeof job.codec === 'string' ? { codec: codecName(job.codec) } : job.codec;
      // In shared memory: they wait in the head and are posted again to the flush's write.
      return inSharedMemory(job.chunks.map((raw) => encodeChunk(raw, { codec, filter: headFilterOptions() })));
    }
    case 'write': {
      // The head keeps streams in a map and seals chunks in arrival order: sort both here.
      const streams = [...job.streams]
        .sort((a, b) => compareLabels(a.labels, b.labels))
        .map((s) => ({ labels: s.labels, chunks: [...s.chunks].sort((a, b) => a.minTMs - b.minTMs || a.maxTMs - b.maxTMs) }));
      return writeLogBlock({ dir: job.dir, ulid: job.ulid, streams, level: job.level, sources: [job.ulid], parents: [] });
    }
    case 'compact':
      return compactLogBlocks({
        dir: job.dir,
        ulid: job.ulid,
        sources: job.sources,
        ...(job.codec === undefined ? {} : { codec: job.codec }),
        ...(job.chunkTargetBytes === undefined ? {} : { chunkTargetBytes: job.chunkTargetBytes }),
      });
  }
}
