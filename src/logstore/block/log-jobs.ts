/**
 * The worker threads of the log store (piscina): jobs are plain data and return plain
 * data, so the main thread never compresses, never touches SQLite for writing and never
 * blocks on a compaction (DESIGN.md, Concurrency).
 */
import { Piscina } from 'piscina';
import type { LogJob, LogJobResult } from './log-worker.js';
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
  /** Worker threads. Compression and compaction are CPU bound; one leaves a core to ingestion. */
  readonly threads: number;
}

/**
 * A piscina pool over log-worker. When this module runs as TypeScript source (tests,
 * tsx), the worker is loaded through tsx too; built, it is plain JavaScript.
 */
export function createLogWorkerPool(options: LogWorkerOptions): LogJobRunner {
  const fromSource = import.meta.url.endsWith('.ts');
  const pool = new Piscina({
    filename: new URL(fromSource ? './log-worker.ts' : './log-worker.js', import.meta.url).href,
    execArgv: fromSource ? ['--import', 'tsx'] : [],
    minThreads: 0,
    maxThreads: options.threads,
    // Jobs are bounded by the store's queues (compression batches, one flush and one
    // compaction per tenant at a time); this is a backstop.
    maxQueue: 1024,
    // Threads go away when idle; a new one costs ~50 ms (zstd's WebAssembly compile
    // included), small beside the work that wakes it.
    idleTimeout: 30_000,
  });
  return {
    async run<J extends LogJob>(job: J, opts: LogRunOptions = {}): Promise<LogJobResult<J>> {
      const transferList = opts.transferInputs === true ? inputTransferList(job) : [];
      return (await pool.run(job, { transferList })) as LogJobResult<J>;
    },
    close: () => pool.close({ force: true }),
  };
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
