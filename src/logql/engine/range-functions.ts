/**
 * The range aggregations of LogQL over one series' samples inside one window, as Loki's
 * `pkg/logql/range_vector.go` computes them. Unlike PromQL, `rate` is not extrapolated:
 * it is the count (or the sum of unwrapped values) divided by the range in seconds; only
 * `rate_counter` uses Prometheus's extrapolated counter rate.
 *
 * A window is a slice `[lo, hi)` of a series' time-ordered arrays: `t` holds sample times
 * in milliseconds (an entry inside a millisecond counts as t + 0.5, see range-aggregation.ts)
 * and `v` the values.
 */
import type { RangeOp } from '../ast.js';

/** A window's samples: times (ms) and values, read in `[lo, hi)`. */
export interface Window {
  readonly t: Float64Array;
  readonly v: Float64Array;
  readonly lo: number;
  readonly hi: number;
  /** The window's end, ms: the step time minus the offset. */
  readonly endMs: number;
}

/** Computes one range aggregation over a non-empty window. */
export type RangeFunction = (w: Window) => number;

function sum(w: Window): number {
  let s = 0;
  for (let i = w.lo; i < w.hi; i++) s += w.v[i]!;
  return s;
}

/** Loki's `avgOverTime`: an incremental mean that keeps an infinite mean stable. */
function avg(w: Window): number {
  let mean = 0;
  let count = 0;
  for (let i = w.lo; i < w.hi; i++) {
    const x = w.v[i]!;
    count++;
    if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
      if (!Number.isFinite(x) && !Number.isNaN(x) && mean > 0 === x > 0) continue;
      if (Number.isFinite(x)) continue;
    }
    mean += x / count - mean / count;
  }
  return mean;
}

function max(w: Window): number {
  let m = w.v[w.lo]!;
  for (let i = w.lo; i < w.hi; i++) {
    const x = w.v[i]!;
    if (x > m || Number.isNaN(m)) m = x;
  }
  return m;
}

function min(w: Window): number {
  let m = w.v[w.lo]!;
  for (let i = w.lo; i < w.hi; i++) {
    const x = w.v[i]!;
    if (x < m || Number.isNaN(m)) m = x;
  }
  return m;
}

/** Population variance by Welford's update, in time order (Loki's `stdvarOverTime`). */
function stdvar(w: Window): number {
  let aux = 0;
  let count = 0;
  let mean = 0;
  for (let i = w.lo; i < w.hi; i++) {
    const x = w.v[i]!;
    count++;
    const delta = x - mean;
    mean += delta / count;
    aux += delta * (x - mean);
  }
  return aux / count;
}

/** Prometheus's quantile with linear interpolation between the two nearest ranks. */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  values.sort((a, b) => a - b || (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : -1) : Number.isNaN(b) ? 1 : 0));
  const n = values.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return values[lower]! * (1 - weight) + values[upper]! * weight;
}

/**
 * Prometheus's extrapolated counter rate over the window `(endMs - rangeMs, endMs]`: resets
 * added back, the ends extrapolated when the first and last samples are near the window's
 * edges, never below zero at the start. Fewer than two samples give 0, as in Loki.
 */
function rateCounter(rangeMs: number): RangeFunction {
  return (w) => {
    const n = w.hi - w.lo;
    if (n < 2) return 0;
    const firstT = w.t[w.lo]!;
    const lastT = w.t[w.hi - 1]!;
    const firstV = w.v[w.lo]!;
    let result = w.v[w.hi - 1]! - firstV;
    let prev = 0;
    for (let i = w.lo; i < w.hi; i++) {
      const x = w.v[i]!;
      if (x < prev) result += prev;
      prev = x;
    }
    const sampled = (lastT - firstT) / 1000;
    const avgGap = sampled / (n - 1);
    // Extrapolate to an edge only when it is within 110% of the average gap, else by half a gap.
    const threshold = avgGap * 1.1;
    let toStart = (firstT - (w.endMs - rangeMs)) / 1000;
    if (toStart >= threshold) toStart = avgGap / 2;
    let toEnd = (w.endMs - lastT) / 1000;
    if (toEnd >= threshold) toEnd = avgGap / 2;
    // A counter is never negative: do not extrapolate the start past its zero point (after
    // the threshold, as Prometheus 3 and current Loki order it).
    if (result > 0 && firstV >= 0) {
      const toZero = sampled * (firstV / result);
      if (toZero < toStart) toStart = toZero;
    }
    return (result * ((sampled + toStart + toEnd) / sampled)) / (rangeMs / 1000);
  };
}

/**
 * The function of a range aggregation. `unwrapped` says whether values come from
 * `unwrap` (for `rate`, the sum of values instead of the count); `param` is φ of
 * `quantile_over_time`.
 */
export function rangeFunction(op: RangeOp, rangeMs: number, unwrapped: boolean, param?: number): RangeFunction {
  const additive = additiveRangeFunction(op, rangeMs, unwrapped);
  if (additive !== undefined) return additive.usesSum ? (w) => additive.value(w.hi - w.lo, sum(w)) : (w) => additive.value(w.hi - w.lo, 0);
  switch (op) {
    case 'rate': {
      const seconds = rangeMs / 1000;
      return (w) => sum(w) / seconds;
    }
    case 'sum_over_time':
      return sum;
    case 'avg_over_time':
      return avg;
    case 'max_over_time':
      return max;
    case 'min_over_time':
      return min;
    case 'stdvar_over_time':
      return stdvar;
    case 'stddev_over_time':
      return (w) => Math.sqrt(stdvar(w));
    case 'quantile_over_time': {
      const q = param ?? NaN;
      return (w) => quantile(q, Array.from(w.v.subarray(w.lo, w.hi)));
    }
    case 'first_over_time':
      return (w) => w.v[w.lo]!;
    case 'last_over_time':
      return (w) => w.v[w.hi - 1]!;
    case 'rate_counter':
      return rateCounter(rangeMs);
    default:
      throw new Error(`no range function for ${op}`);
  }
}

/**
 * A range aggregation that needs of a window only how many samples it holds and their sum,
 * both exact (counts and byte lengths are whole numbers): any order of adding them up gives
 * the same answer, so a window can be put together from running totals per interval
 * (window-grid.ts). `usesSum`: whether `value` reads the sum (else it need not be kept).
 */
export interface AdditiveRangeFunction {
  value(count: number, sum: number): number;
  readonly usesSum: boolean;
}

/** Undefined for the functions that are not additive: their answer depends on each sample, or a float sum on its order. */
export function additiveRangeFunction(op: RangeOp, rangeMs: number, unwrapped: boolean): AdditiveRangeFunction | undefined {
  const seconds = rangeMs / 1000;
  switch (op) {
    case 'count_over_time':
      return { value: (count) => count, usesSum: false };
    case 'rate':
      return unwrapped ? undefined : { value: (count) => count / seconds, usesSum: false };
    case 'bytes_over_time':
      return { value: (_count, sum) => sum, usesSum: true };
    case 'bytes_rate':
      return { value: (_count, sum) => sum / seconds, usesSum: true };
    case 'absent_over_time':
      return { value: () => 1, usesSum: false };
    default:
      return undefined;
  }
}
