/**
 * What one query carries through its evaluation: the open querier, the sample budget, the
 * deadline and cancellation, and the cooperative yielding that keeps the event loop (and
 * so ingestion) responsive while a heavy query runs (DESIGN.md, Concurrency).
 */
import type { Expr, VectorSelector } from '../ast.js';
import type { InPlaceSelection, Querier, Series } from '../../tsdb/interface.js';
import { inPlaceSeries } from '../../tsdb/in-place-series.js';
import { CairnError } from '../../util/errors.js';
import type { SelectorRange } from './preprocess.js';
import type { ParallelOptions } from './index.js';
import type { QueryWorkers } from '../parallel/query-workers.js';

/**
 * Work units (samples or steps) between two looks at the clock: reading the clock costs
 * about as much as handling a few dozen samples, and 4096 units take well under 1 ms.
 */
const WORK_BETWEEN_CLOCK_CHECKS = 4096;

/** Prometheus's `env` word in its limit and cancellation errors. */
const ENV = 'query execution';

/** Prometheus's ErrTooManySamples, an execution error (HTTP 422). */
/**
 * What a query reads of its caller's cancellation: an AbortSignal, or any object whose
 * `aborted` turns true when the answer is no longer wanted.
 */
export interface QuerySignal {
  readonly aborted: boolean;
}

export function tooManySamples(): CairnError {
  return new CairnError('execution', 'too_many_samples', `query processing would load too many samples into memory in ${ENV}`);
}

/** A runtime error of the query (Prometheus's `ev.errorf`), an execution error (HTTP 422). */
export function execError(message: string): CairnError {
  return new CairnError('execution', 'execution', message);
}

export interface QueryStateOptions {
  readonly querier: Querier;
  readonly lookbackDeltaMs: number;
  readonly maxSamples: number;
  readonly defaultEvalIntervalMs: number;
  readonly yieldEveryMs: number;
  /** See `EngineOptions.columnar`. */
  readonly columnar: boolean;
  /** See `EngineOptions.workers` and `parallel`. */
  readonly workers: QueryWorkers | undefined;
  readonly parallel: ParallelOptions;
  /** `performance.now()` value after which the query times out. */
  readonly deadline: number;
  readonly signal: QuerySignal | undefined;
  /** Query start and end, for `@ start()` and `@ end()`. */
  readonly queryStart: number;
  readonly queryEnd: number;
  readonly invariant: ReadonlySet<Expr>;
  readonly ranges: ReadonlyMap<VectorSelector, SelectorRange>;
}

export class QueryState {
  /** Samples currently held, as Prometheus's `currentSamples`. */
  samples = 0;
  private work = 0;
  private lastYield = performance.now();
  private readonly seriesCache = new Map<VectorSelector, Series[]>();

  constructor(readonly o: QueryStateOptions) {}

  /** Adds to the samples held; throws when that exceeds the budget. */
  add(n: number): void {
    this.samples += n;
    if (this.samples > this.o.maxSamples) throw tooManySamples();
  }

  /** Records work done; true when it is time to call `pause()`. */
  tick(units: number): boolean {
    this.work += units;
    if (this.work < WORK_BETWEEN_CLOCK_CHECKS) return false;
    this.work = 0;
    return true;
  }

  /**
   * Checks the deadline and the signal, and gives the event loop a turn when the query has
   * held it for `yieldEveryMs`. The store may change during the pause; series already
   * selected read as they were selected (snapshotted chunks, or in place up to each
   * series' newest sample then).
   */
  async pause(): Promise<void> {
    this.check();
    const now = performance.now();
    if (now - this.lastYield < this.o.yieldEveryMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.lastYield = performance.now();
    this.check();
  }

  /** Throws the timeout or cancellation error when due. */
  check(): void {
    if (this.o.signal?.aborted === true) {
      throw new CairnError('canceled', 'query_canceled', 'query was canceled in expression evaluation');
    }
    if (performance.now() > this.o.deadline) {
      throw new CairnError('timeout', 'query_timeout', 'query timed out in expression evaluation');
    }
  }

  /**
   * The selector's series read in place over its whole range (`Querier.selectInPlace`),
   * when the querier can: a visit's bytes are valid only during the call, so a caller
   * copies what it keeps. Not cached: the query workers' packer copies whole chunks, which
   * after a pause may hold samples newer than the selection.
   */
  inPlace(vs: VectorSelector): InPlaceSelection | undefined {
    const r = this.o.ranges.get(vs);
    return this.o.querier.selectInPlace?.(vs.matchers, r === undefined ? undefined : { mint: r.mint, maxt: r.maxt });
  }

  /**
   * The series of a selector, selected once per query over the selector's whole range:
   * read in place where the querier can (in-place-series.ts: no snapshot of every chunk),
   * else as `select` hands them out.
   */
  series(vs: VectorSelector): Series[] {
    let list = this.seriesCache.get(vs);
    if (list === undefined) {
      const inPlace = this.inPlace(vs);
      list = inPlace !== undefined ? inPlaceSeries(inPlace) : this.selected(vs);
      this.seriesCache.set(vs, list);
    }
    return list;
  }

  private selected(vs: VectorSelector): Series[] {
    const r = this.o.ranges.get(vs);
    const set = this.o.querier.select(vs.matchers, r === undefined ? undefined : { mint: r.mint, maxt: r.maxt });
    const list: Series[] = [];
    while (set.next()) list.push(set.at());
    const err = set.err();
    if (err !== undefined) throw err;
    return list;
  }
}
