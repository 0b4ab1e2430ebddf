/**
 * The piscina task module for block work: writing a block from a head's series stream,
 * and compacting blocks. Jobs and results are plain data (DESIGN.md, Concurrency); the
 * block lands in `<dir>/<ulid>.tmp` and the main thread renames it to `<ulid>.db`.
 */
import { sortedBlockInput, type BlockInput } from './block-input.js';
import type { BlockMeta } from './block-meta.js';
import { writeBlock } from './block-writer.js';
import { compactBlocks } from './compact.js';
import { lowerThisThreadPriority } from '../../util/thread-priority.js';

// Block writes and compactions can wait; pushes and queries on the main thread cannot.
lowerThisThreadPriority();

/**
 * Test-only fault injection, so the pool owner can test its handling of failed workers:
 * `'throw'` makes the task throw an Error (the task's promise rejects), `'exit'` ends
 * the worker thread with `process.exit(1)` (piscina rejects the task and replaces the
 * thread). Never set in production jobs.
 */
export type BlockJobFault = 'throw' | 'exit';

/** Write a head-built block: `input` from `BlockInputWriter.finish()` (transfer its buffers: `blockInputTransfer`). */
export interface WriteBlockJob {
  readonly kind: 'write';
  readonly dir: string;
  readonly ulid: string;
  readonly input: BlockInput;
  readonly level: 1;
  /** Test-only; see BlockJobFault. */
  readonly fault?: BlockJobFault;
}

/** Compact published blocks (paths of `….db` files) into a new one. */
export interface CompactBlocksJob {
  readonly kind: 'compact';
  readonly dir: string;
  readonly ulid: string;
  readonly sources: readonly string[];
  /** Test-only; see BlockJobFault. */
  readonly fault?: BlockJobFault;
}

/** A job for the block worker. */
export type BlockJob = WriteBlockJob | CompactBlocksJob;

/**
 * Runs one job and returns the new block's meta. Errors are those of `writeBlock` and
 * `compactBlocks`; the `.tmp` is removed on failure (not on `fault: 'exit'`, which
 * stops before writing anything).
 */
export default function runBlockJob(job: BlockJob): BlockMeta {
  if (job.fault === 'throw') throw new Error(`injected fault in block job ${job.ulid}`);
  if (job.fault === 'exit') process.exit(1);
  switch (job.kind) {
    case 'write':
      return writeBlock({ dir: job.dir, ulid: job.ulid, series: sortedBlockInput(job.input), level: job.level, sources: [job.ulid], parents: [] });
    case 'compact':
      return compactBlocks({ dir: job.dir, ulid: job.ulid, sources: job.sources });
  }
}
