/**
 * The worker threads of the log store (piscina): jobs are plain data and return plain
 * data, so the main thread never compresses, never touches SQLite for writing and never
 * blocks on a compaction (DESIGN.md, Concurrency).
 */
import { Piscina } from 'piscina';
import type { LogJob, LogJobResult, LogLane } from './log-worker.js';
import { chunkTransferList } from '../chunk/encoded-chunk.js';

export type { CompactLogBlocksJob, CompressLogChunksJob, LogJob, LogJobFault, LogJobResult, WriteLogBlockJob } from './log-worker.js';

/** Options of one `run`. */
export interface LogRunOptions {
  /**
   * Transfer the job's input buffers (compress: the encoded chunks; write: the chunks'
   * data and filters) instead of copying them. They are detached (length 0) in the caller
   * afterwards, also when the job fails, so only a caller that will never read or retry
   * them may ask. Default false: a copy costs a memcpy, small beside compression.
   */
  readonly transferInputs?: boolean;
}

/** Runs log jobs somewhere (worker threads in production). */
export interface LogJobRunner {
  run<J extends LogJob>(job: J, options?: LogRunOptions): Promise<LogJobResult<J>>;
  close(): Promise<void>;
}

export interface LogWorkerOptions {
  /**
   * Threads of the compaction lane (`compact` jobs). Compression and compaction are CPU
   * bound; one leaves a core to ingestion.
   */
  readonly threads: number;
}

/**
 * Two piscina pools over log-worker, one per lane:
 *
 * - the head lane (two threads, normal priority) compresses sealed head chunks and writes
 *   the head's flushed blocks: the ingest path's own work, whose backlog is memory;
 * - the compaction lane (`threads`, lowered priority) merges blocks: background work that
 *   may take minutes on a busy tenant (110 s for 8 GB of lines at zstd level 9).
 *
 * On one shared pool a compaction held the only thread while sealed chunks queued behind
 * it uncompressed: under a sustained 92 MB/s push, 3.8 GB of lines and an RSS of 5 GB
 * (bench/RESULTS.md, "bounded memory under sustained log ingest").
 *
 * When this module runs as TypeScript source (tests, tsx), the worker is loaded through
 * tsx too; built, it is plain JavaScript.
 */
export function createLogWorkerPool(options: LogWorkerOptions): LogJobRunner {
  // Two threads: a flush's block write waits on the disk (fsync of ~100 MB under a heavy
  // push: seconds), and compression must go on beside it.
  const head = lanePool(2, 'head');
  const compaction = lanePool(options.threads, 'compaction');
  return {
    async run<J extends LogJob>(job: J, opts: LogRunOptions = {}): Promise<LogJobResult<J>> {
      const transferList = opts.transferInputs === true ? inputTransferList(job) : [];
      const pool = job.kind === 'compact' ? compaction : head;
      return (await pool.run(job, { transferList })) as LogJobResult<J>;
    },
    close: async () => {
      await Promise.all([head.close({ force: true }), compaction.close({ force: true })]);
    },
  };
}

function lanePool(threads: number, lane: LogLane): Piscina {
  const fromSource = import.meta.url.endsWith('.ts');
  return new Piscina({
    filename: new URL(fromSource ? './log-worker.ts' : './log-worker.js', import.meta.url).href,
    execArgv: fromSource ? ['--import', 'tsx'] : [],
    workerData: { lane },
    minThreads: 0,
    maxThreads: threads,
    // Jobs are bounded by the store's queues (compression batches, one flush and one
    // compaction per tenant at a time); this is a backstop.
    maxQueue: 1024,
    // Threads go away when idle; a new one costs ~50 ms, small beside the work that wakes it.
    idleTimeout: 30_000,
  });
}

/** The whole-buffer inputs of a job, each once. */
function inputTransferList(job: LogJob): ArrayBuffer[] {
  switch (job.kind) {
    case 'compress': {
      const out = new Set<ArrayBuffer>();
      for (const c of job.chunks) if (c.buffer instanceof ArrayBuffer && c.byteOffset === 0 && c.byteLength === c.buffer.byteLength) out.add(c.buffer);
      return [...out];
    }
    case 'write':
      return chunkTransferList(job.streams.flatMap((s) => s.chunks));
    case 'compact':
      return [];
  }
}
