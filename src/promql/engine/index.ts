/**
 * The PromQL engine: evaluates a parsed expression against one tenant's data, answering as
 * Prometheus 2.42's `promql/engine.go` does (lookback and staleness, offset and `@`,
 * vector matching, aggregations, functions, subqueries, the sample limit).
 *
 * Each query opens one querier over the time range every selector needs (computed from the
 * tree as Prometheus's `FindMinMaxTime`), evaluates node by node over all steps, and closes
 * the querier at the end. The evaluation is async: it yields to the event loop every
 * `yieldEveryMs` of work, so a heavy query never stalls ingestion (DESIGN.md, Concurrency).
 */
import type { Expr } from '../ast.js';
import type { ColumnSeries, Matrix, Series as ResultSeries, Value, Vector } from '../value.js';
import { compareLabels } from '../../model/labels.js';
import type { Querier } from '../../tsdb/interface.js';
import { CairnError } from '../../util/errors.js';
import { Evaluator } from './evaluator.js';
import { typeOf } from '../parser/index.js';
import { selectorRanges, stepInvariantNodes } from './preprocess.js';
import { QueryState, type QuerySignal } from './query-state.js';
import type { QueryWorkers } from '../parallel/query-workers.js';
import type { StepMatrix } from './step-vector.js';

export { isStaleNaN } from './util.js';
export type { QuerySignal } from './query-state.js';

export interface EngineOptions {
  /** How far back an instant selector looks for a sample (Prometheus's --query.lookback-delta, 5m). */
  readonly lookbackDeltaMs: number;
  /** Most samples a query may hold in memory at once (Prometheus's --query.max-samples). */
  readonly maxSamples: number;
  /** Longest a query may run (Prometheus's --query.timeout). */
  readonly timeoutMs: number;
  /** The step of a subquery written without one (Prometheus's global evaluation interval). */
  readonly defaultEvalIntervalMs: number;
  /** Longest stretch a query holds the event loop before yielding. */
  readonly yieldEveryMs: number;
  /**
   * Evaluates `sum`/`count`/`min`/`max`/`group`/`topk`/`bottomk` series by series where the
   * argument allows it, instead of step by step: the same answers with less time and memory.
   * Off only to check exactly that against the step-by-step path.
   */
  readonly columnar: boolean;
  /**
   * Threads that run shares of a big query at once (parallel/): an aggregation of a range
   * function or of a selector over many series is split by series across them, and the
   * API writes big range answers on them. Undefined: every query runs on the calling
   * thread.
   */
  readonly workers?: QueryWorkers;
  /** When a query is worth splitting across `workers`. */
  readonly parallel: ParallelOptions;
}

/**
 * When a query goes to the workers, with its work counted in samples to decode (a window
 * counts two): shares pay off when the work is big and each series has enough of it to
 * outweigh packing it (an instant query's one window over a few samples does not).
 */
export interface ParallelOptions {
  readonly minWork: number;
  readonly minWorkPerSeries: number;
  /** The fewest series in a share: below, a message costs more than the share's work. */
  readonly minSeriesPerShare: number;
  /** Shares per worker thread, so that a slow one does not leave the others idle. */
  readonly sharesPerThread: number;
  /** The fewest points of a range answer whose JSON is written on the workers (the API's business). */
  readonly minJsonPoints: number;
}

export function defaultEngineOptions(): EngineOptions {
  return {
    lookbackDeltaMs: 5 * 60_000, // Prometheus's default lookback delta
    maxSamples: 50_000_000, // Prometheus's default --query.max-samples
    timeoutMs: 2 * 60_000, // Prometheus's default --query.timeout
    defaultEvalIntervalMs: 60_000, // Prometheus's default global evaluation_interval
    yieldEveryMs: 20, // a fifth of the 100 ms stall budget of DESIGN.md
    columnar: true,
    // minJsonPoints: with native number formatting, answers of 15 000 points (100 series ×
    // 150 steps) come back 10–20 % sooner written on the main thread than on the workers,
    // whose messages and garbage then cost more than the formatting; at 60 000 the two
    // are even (bench/RESULTS.md).
    parallel: { minWork: 200_000, minWorkPerSeries: 64, minSeriesPerShare: 256, sharesPerThread: 2, minJsonPoints: 50_000 },
  };
}

/** What a query reads: one tenant's data. */
export interface QueryableTenant {
  /** A querier over [mint, maxt] (inclusive ms); the engine closes it when the query ends. */
  querier(mint: number, maxt: number): Querier;
}

/** Prometheus's names of value types in error messages (`parser.DocumentedType`). */
function documentedType(t: string): string {
  switch (t) {
    case 'vector':
      return 'instant vector';
    case 'matrix':
      return 'range vector';
    default:
      return t;
  }
}

/**
 * Evaluates PromQL. Stateless between queries; safe to share. Errors are CairnErrors:
 * `bad_data` for a query that cannot be run as asked, `execution` for runtime errors
 * (Prometheus's messages, the sample limit included), `timeout` and `canceled`.
 */
export class Engine {
  private readonly o: EngineOptions;

  constructor(options: EngineOptions = defaultEngineOptions()) {
    this.o = options;
  }

  /** Evaluates `expr` at `timeMs`: a scalar, a string, a vector, or a matrix for a range-vector expression. */
  async instantQuery(q: QueryableTenant, expr: Expr, timeMs: number, signal?: QuerySignal): Promise<Value> {
    const m = await this.exec(q, expr, timeMs, timeMs, 1, signal);
    if (typeof m === 'string') return { type: 'string', t: timeMs, v: m };
    switch (typeOf(expr)) {
      case 'scalar': {
        const s = m[0];
        return { type: 'scalar', t: timeMs, v: s === undefined || s.v.length === 0 ? NaN : s.v[0]! };
      }
      case 'vector': {
        // A point may carry another timestamp; it is reported at the evaluation time.
        const vector: Vector = m.map((s) => ({ metric: s.metric, t: timeMs, v: s.v[0]! }));
        return { type: 'vector', vector };
      }
      default: {
        const matrix: Matrix = m.map((s) => toSeries(s.metric, s.t, s.v));
        return { type: 'matrix', matrix };
      }
    }
  }

  /**
   * Evaluates `expr` at every step from `startMs` to `endMs`; always a matrix sorted by
   * labels (a scalar becomes one series without labels). `expr` must be a scalar or an
   * instant vector, else `bad_data`.
   */
  async rangeQuery(q: QueryableTenant, expr: Expr, startMs: number, endMs: number, stepMs: number, signal?: QuerySignal): Promise<Value> {
    const columns = await this.rangeQueryColumns(q, expr, startMs, endMs, stepMs, signal);
    return { type: 'matrix', matrix: columns.map((s) => toSeries(s.metric, s.t, s.v)) };
  }

  /**
   * `rangeQuery`'s answer as columns, sorted by labels: what the HTTP API writes out, with
   * no point object per sample (a 500k-point answer made that many objects for the
   * collector, and its garbage slowed the queries after it).
   */
  async rangeQueryColumns(q: QueryableTenant, expr: Expr, startMs: number, endMs: number, stepMs: number, signal?: QuerySignal): Promise<ColumnSeries[]> {
    checkRangeQuery(expr, startMs, endMs, stepMs);
    return this.exec(q, expr, startMs, endMs, stepMs, signal, (ev) => rangeColumns(ev, expr));
  }

  /**
   * `rangeQueryColumns`, or, when the query qualifies (`Evaluator.rangeJsonOnWorkers`), its
   * answer already written as the API's matrix entries by the query workers: runs of
   * comma-separated entries, UTF-8, in answer order. One evaluation either way: a query
   * that does not qualify goes on with the same querier and selections.
   */
  async rangeQueryAnswer(
    q: QueryableTenant,
    expr: Expr,
    startMs: number,
    endMs: number,
    stepMs: number,
    signal?: QuerySignal,
  ): Promise<{ readonly json: Uint8Array[] } | { readonly columns: ColumnSeries[] }> {
    checkRangeQuery(expr, startMs, endMs, stepMs);
    return this.exec(q, expr, startMs, endMs, stepMs, signal, async (ev) => {
      const json = this.o.workers === undefined ? undefined : await ev.rangeJsonOnWorkers(expr);
      return json !== undefined ? { json } : { columns: await rangeColumns(ev, expr) };
    });
  }

  private exec(tenant: QueryableTenant, expr: Expr, start: number, end: number, interval: number, signal: QuerySignal | undefined): Promise<StepMatrix | string>;
  private exec<T>(tenant: QueryableTenant, expr: Expr, start: number, end: number, interval: number, signal: QuerySignal | undefined, run: (ev: Evaluator) => Promise<T>): Promise<T>;
  private async exec<T>(tenant: QueryableTenant, expr: Expr, start: number, end: number, interval: number, signal: QuerySignal | undefined, run?: (ev: Evaluator) => Promise<T>) {
    if (signal?.aborted === true) throw new CairnError('canceled', 'query_canceled', 'query was canceled in query execution');
    const ranges = selectorRanges(expr, start, end, this.o.lookbackDeltaMs);
    let mint = Infinity;
    let maxt = -Infinity;
    for (const r of ranges.values()) {
      mint = Math.min(mint, r.mint);
      maxt = Math.max(maxt, r.maxt);
    }
    if (mint === Infinity) mint = 0;
    if (maxt === -Infinity) maxt = 0;
    const querier = tenant.querier(mint, maxt);
    try {
      const state = new QueryState({
        querier,
        lookbackDeltaMs: this.o.lookbackDeltaMs,
        maxSamples: this.o.maxSamples,
        defaultEvalIntervalMs: this.o.defaultEvalIntervalMs,
        yieldEveryMs: this.o.yieldEveryMs,
        columnar: this.o.columnar,
        workers: this.o.workers,
        parallel: this.o.parallel,
        deadline: performance.now() + this.o.timeoutMs,
        signal,
        queryStart: start,
        queryEnd: end,
        invariant: stepInvariantNodes(expr),
        ranges,
      });
      const ev = new Evaluator(state, start, end, interval);
      return run === undefined ? await ev.eval(expr) : await run(ev);
    } finally {
      querier.close();
    }
  }
}

/** A range query's answer as columns sorted by labels. */
async function rangeColumns(ev: Evaluator, expr: Expr): Promise<ColumnSeries[]> {
  const m = await ev.eval(expr);
  if (typeof m === 'string') throw new Error('BUG: string result of a range query');
  const columns: ColumnSeries[] = m;
  return columns.sort((a, b) => compareLabels(a.metric, b.metric));
}

/** The checks of a range query's expression and times, before anything is evaluated. */
function checkRangeQuery(expr: Expr, startMs: number, endMs: number, stepMs: number): void {
  const t = typeOf(expr);
  if (t !== 'scalar' && t !== 'vector') {
    throw new CairnError('bad_data', 'bad_data', `invalid expression type "${documentedType(t)}" for range query, must be Scalar or instant Vector`);
  }
  if (!(stepMs > 0)) throw new CairnError('bad_data', 'bad_data', 'zero or negative query resolution step widths are not accepted. Try a positive integer');
  if (endMs < startMs) throw new CairnError('bad_data', 'bad_data', 'end timestamp must not be before start time');
}

function toSeries(metric: ResultSeries['metric'], t: readonly number[], v: readonly number[]): ResultSeries {
  const points = new Array<{ t: number; v: number }>(t.length);
  for (let i = 0; i < t.length; i++) points[i] = { t: t[i]!, v: v[i]! };
  return { metric, points };
}
