/**
 * The worker threads that write and compact blocks (piscina): jobs are plain data (paths,
 * one transferred buffer) and return the new block's meta, so the main thread never
 * touches SQLite for writing and never blocks on a compaction (DESIGN.md, Concurrency).
 */
import { Piscina } from 'piscina';
import { blockInputTransfer } from './block/block-input.js';
import type { BlockJob } from './block/worker.js';
import type { BlockMetaView } from './block-set.js';

export type { BlockJob, BlockJobFault } from './block/worker.js';

/** Runs block jobs somewhere (worker threads in production). */
export interface BlockJobRunner {
  run(job: BlockJob): Promise<BlockMetaView>;
  close(): Promise<void>;
}

export interface BlockWorkerOptions {
  /** Worker threads. Compaction is I/O and CPU bound; one leaves a core to ingestion. */
  readonly threads: number;
}

/**
 * A piscina pool over block/worker. When this module runs as TypeScript source (tests,
 * tsx), the worker is loaded through tsx too; built, it is plain JavaScript.
 */
export function createBlockWorkerPool(options: BlockWorkerOptions): BlockJobRunner {
  const fromSource = import.meta.url.endsWith('.ts');
  const pool = new Piscina({
    filename: new URL(fromSource ? './block/worker.ts' : './block/worker.js', import.meta.url).href,
    execArgv: fromSource ? ['--import', 'tsx'] : [],
    minThreads: 0,
    maxThreads: options.threads,
    // Jobs are queued per tenant by the compactor, which bounds them; this is a backstop.
    maxQueue: 1024,
    // Threads go away when idle: between compactions a worker would only hold memory.
    idleTimeout: 30_000,
  });
  return {
    async run(job) {
      // A write job's input owns its buffers (BlockInputWriter.finish(), views of the
      // writer's own segments): moved, not copied. Cloning them cost the event loop ~15 ms
      // per 2 M samples mid-flush.
      const transfer = job.kind === 'write' ? blockInputTransfer(job.input) : [];
      return (await pool.run(job, { transferList: transfer })) as BlockMetaView;
    },
    close: () => pool.close({ force: true }),
  };
}
