/**
 * The LogQL engine: `rangeQuery` and `instantQuery` over a tenant's log store, answering
 * as Loki's engine does (`pkg/logql/engine.go`): log queries return streams, metric
 * queries a matrix (range) or a vector or scalar (instant). The engine owns no storage; it
 * reads through the `LogQLSource` it is given and closes every querier it opens.
 *
 * Errors are CairnErrors: `bad_data` (400) for pipeline errors and limits, `timeout` (504
 * on the Loki API) past the deadline, `canceled` when the client went away.
 */
import { compareLabels } from '../../model/labels.js';
import { CairnError } from '../../util/errors.js';
import { isSampleExpr, type LogQLExpr, type SampleExpr } from '../ast.js';
import { evalSampleExpr } from './evaluator.js';
import { evalLogQuery } from './log-query.js';
import { QueryControl, type QuerySignal } from './query-control.js';
import type { Steps } from './types.js';
import { emptyStats } from './selection.js';
import type {
  InstantQueryParams,
  LogQLEngineOptions,
  LogQLQueryStats,
  LogQLResult,
  LogQLSource,
  LogQLValue,
  RangeQueryParams,
  ResultSeries,
} from './types.js';
import type { StepValue } from './vector-ops.js';

export * from './types.js';

function seriesLimit(limit: number): CairnError {
  return new CairnError('bad_data', 'max_query_series', `maximum of series (${limit}) reached for a single query`);
}

/**
 * Whether an instant vector keeps the order evaluation gave it: when `sort` or `sort_desc`
 * appears anywhere in the query (Loki's `Sortable`); otherwise it is sorted by labels.
 */
function keepsOrder(expr: SampleExpr): boolean {
  switch (expr.kind) {
    case 'vector_aggregation':
      return expr.op === 'sort' || expr.op === 'sort_desc' || keepsOrder(expr.expr);
    case 'binary':
      return keepsOrder(expr.lhs) || keepsOrder(expr.rhs);
    case 'label_replace':
      return keepsOrder(expr.expr);
    default:
      return false;
  }
}

export class LogQLEngine {
  constructor(readonly options: LogQLEngineOptions) {}

  /** Loki's `query_range`: streams over `[start, end)` or a matrix at start, start+step, … ≤ end. */
  async rangeQuery(src: LogQLSource, expr: LogQLExpr, p: RangeQueryParams, signal?: QuerySignal): Promise<LogQLResult> {
    const began = performance.now();
    const ctl = new QueryControl(this.options.timeoutMs, signal);
    const stats = emptyStats();
    let value: LogQLValue;
    if (!isSampleExpr(expr)) {
      const streams = await evalLogQuery(src, expr, { ...p, categorizeLabels: p.categorizeLabels === true }, ctl, stats);
      value = { type: 'streams', streams };
    } else {
      const stepMs = Math.max(1, Math.round(p.stepMs));
      const count = Math.floor((p.endMs - p.startMs) / stepMs) + 1;
      if (count > this.options.maxPoints) {
        throw new CairnError('bad_data', 'too_many_points', 'exceeded maximum resolution of 11,000 points per time series. Try increasing the value of the step parameter');
      }
      const steps: Steps = { startMs: p.startMs, stepMs, count };
      const vals = await evalSampleExpr(expr, { src, steps, ctl, stats });
      value = this.toMatrix(vals, steps);
    }
    return { value, stats: finish(stats, began) };
  }

  /** Loki's instant `query`: a vector or scalar at `t`; a log query reads `[t - lookback, t)`. */
  async instantQuery(src: LogQLSource, expr: LogQLExpr, p: InstantQueryParams, signal?: QuerySignal): Promise<LogQLResult> {
    const began = performance.now();
    const ctl = new QueryControl(this.options.timeoutMs, signal);
    const stats = emptyStats();
    let value: LogQLValue;
    if (!isSampleExpr(expr)) {
      const startMs = p.tMs - this.options.instantLogLookbackMs;
      const streams = await evalLogQuery(
        src,
        expr,
        { startMs, startNs: p.tNs, endMs: p.tMs, endNs: p.tNs, limit: p.limit, direction: p.direction, intervalMs: 0, categorizeLabels: p.categorizeLabels === true },
        ctl,
        stats,
      );
      value = { type: 'streams', streams };
    } else {
      const steps: Steps = { startMs: p.tMs, stepMs: 1, count: 1 };
      const [v] = await evalSampleExpr(expr, { src, steps, ctl, stats });
      if (v!.kind === 'scalar') {
        value = { type: 'scalar', tMs: p.tMs, v: v!.v };
      } else {
        if (v!.samples.length > this.options.maxQuerySeries) throw seriesLimit(this.options.maxQuerySeries);
        const samples = v!.samples.map((s) => ({ labels: s.labels, tMs: p.tMs, v: s.v }));
        if (!keepsOrder(expr)) samples.sort((a, b) => compareLabels(a.labels, b.labels));
        value = { type: 'vector', samples };
      }
    }
    return { value, stats: finish(stats, began) };
  }

  /** Gathers per-step values into series, sorted by labels; a scalar query becomes one `{}` series. */
  private toMatrix(vals: readonly StepValue[], steps: Steps): LogQLValue {
    const byKey = new Map<string, ResultSeries>();
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i]!;
      const tMs = steps.startMs + i * steps.stepMs;
      if (v.kind === 'scalar') {
        let s = byKey.get('');
        if (s === undefined) byKey.set('', (s = { labels: [], points: [] }));
        s.points.push({ tMs, v: v.v });
        continue;
      }
      for (const smp of v.samples) {
        let s = byKey.get(smp.key);
        if (s === undefined) {
          if (byKey.size >= this.options.maxQuerySeries) throw seriesLimit(this.options.maxQuerySeries);
          byKey.set(smp.key, (s = { labels: smp.labels, points: [] }));
        }
        s.points.push({ tMs, v: smp.v });
      }
    }
    return { type: 'matrix', series: [...byKey.values()].sort((a, b) => compareLabels(a.labels, b.labels)) };
  }
}

function finish(stats: LogQLQueryStats, began: number): LogQLQueryStats {
  stats.execTimeS = (performance.now() - began) / 1000;
  return stats;
}
