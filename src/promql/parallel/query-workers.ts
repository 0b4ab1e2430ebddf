/**
 * The query workers: a pool of threads that run shares of one query in parallel (Mimir's
 * query sharding, inside one process). The main thread selects the series, packs a share's
 * chunks and merges the answers, so a query over many series uses every core and leaves
 * the main thread free for pushes while the shares run.
 */
import { Piscina } from 'piscina';
import { Counter, type Registry } from 'prom-client';
import type { PointsJsonJob } from './points-json.js';
import type { RangeAggregateJob, RangeAggregateResult, RangeJsonJob, RangeJsonReply, RangeJsonResult } from './range-aggregate.js';
import { packedBuffer } from './packed-series.js';
import { entriesBound, giveSlab, jsonOf, takeSlab, type JsonBack } from './answer-slabs.js';

/** Runs query shares somewhere (worker threads in production). */
export interface QueryWorkers {
  /** Threads that run shares at once. */
  readonly threads: number;
  /** Runs a share; its packed input is transferred (unusable by the caller afterwards). */
  rangeAggregate(job: RangeAggregateJob): Promise<RangeAggregateResult>;
  /**
   * Evaluates a share's series and writes their answer entries as JSON; its packed input is
   * transferred. The JSON may be a view into one of the pool's slabs (answer-slabs.ts):
   * `giveBackRuns` once it has been copied.
   */
  rangeJson(job: RangeJsonJob): Promise<RangeJsonResult>;
  /** Writes a share's series as JSON (UTF-8), in a slab as `rangeJson`'s; its columns are transferred. */
  pointsJson(job: PointsJsonJob): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface QueryWorkerOptions {
  readonly threads: number;
  /** Where `cairn_promql_parallel_shares_total` is registered, if anywhere. */
  readonly registry?: Registry;
}

/** Runs a share writing into `slab`, which goes back to the pool if the share fails (the worker is done with it then). */
async function inSlab<T>(slab: SharedArrayBuffer | undefined, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (slab !== undefined) giveSlab(slab);
    throw e;
  }
}

/**
 * A piscina pool over query-worker, started on first use (a server that is never asked a
 * big query starts no thread). When this module runs as TypeScript source (tests, tsx),
 * the worker is loaded through tsx too.
 */
export function createQueryWorkers(options: QueryWorkerOptions): QueryWorkers {
  let pool: Piscina | undefined;
  const shares =
    options.registry === undefined
      ? undefined
      : new Counter({ name: 'cairn_promql_parallel_shares_total', help: 'Shares of PromQL queries run on the query workers (querier.query_threads).', registers: [options.registry] });
  const start = (): Piscina => {
    if (pool !== undefined) return pool;
    const fromSource = import.meta.url.endsWith('.ts');
    pool = new Piscina({
      filename: new URL(fromSource ? './query-worker.ts' : './query-worker.js', import.meta.url).href,
      execArgv: fromSource ? ['--import', 'tsx'] : [],
      minThreads: options.threads,
      maxThreads: options.threads,
      // Shares are queued per query and bounded by it; this is a backstop.
      maxQueue: 4096,
      // Threads stay up between queries: a new one costs ~30 ms, more than the shares save.
      idleTimeout: 10 * 60_000,
    });
    return pool;
  };
  return {
    threads: options.threads,
    async rangeAggregate(job: RangeAggregateJob): Promise<RangeAggregateResult> {
      shares?.inc();
      const transferList = [packedBuffer(job.series), job.groupOf.buffer as ArrayBuffer];
      return (await start().run(job, { transferList })) as RangeAggregateResult;
    },
    async rangeJson(job: RangeJsonJob): Promise<RangeJsonResult> {
      shares?.inc();
      const out = takeSlab(entriesBound(job.heads, job.series.count * job.source.plan.steps));
      const reply = (await inSlab(out, () => start().run({ ...job, out }, { transferList: [packedBuffer(job.series)] }))) as RangeJsonReply;
      return { ...reply, json: jsonOf(reply.json, out) };
    },
    async pointsJson(job: PointsJsonJob): Promise<Uint8Array> {
      shares?.inc();
      const out = takeSlab(entriesBound(job.heads, job.t.length));
      const back = (await inSlab(out, () => start().run({ ...job, out }, { transferList: [job.t.buffer as ArrayBuffer, job.v.buffer as ArrayBuffer, job.ends.buffer as ArrayBuffer] }))) as JsonBack;
      return jsonOf(back, out);
    },
    async close(): Promise<void> {
      if (pool !== undefined) await pool.close({ force: true });
      pool = undefined;
    },
  };
}
