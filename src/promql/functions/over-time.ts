/**
 * Kernels of the `<aggregation>_over_time` functions: each reduces the samples of one series
 * inside a range window to a number, as Prometheus 2.42's `promql/functions.go` does
 * (compensated sums where Prometheus uses them, same NaN and ±Inf handling).
 *
 * The engine calls them only for series with at least one sample in the window (stale
 * markers already removed); with an empty input they return what the arithmetic gives
 * (0 for counts and sums, NaN otherwise) rather than throwing. The kernels read the
 * window as columns (`OVER_TIME_OF`); `OVER_TIME` is the same kernels over a `Point[]`.
 */
import { windowOfPoints, type Point, type SampleWindow } from '../value.js';
import { kahanAdd, type KahanState } from './kahan.js';
import { quantile } from './quantile.js';

/** The names of the `*_over_time` functions that take only a range vector. */
export type OverTimeName =
  | 'avg_over_time'
  | 'sum_over_time'
  | 'min_over_time'
  | 'max_over_time'
  | 'count_over_time'
  | 'stddev_over_time'
  | 'stdvar_over_time'
  | 'last_over_time'
  | 'present_over_time';

/**
 * `avg_over_time`: an incremental mean with compensated summation (not sum/count, so that
 * large finite values do not overflow: two samples of 9.99e307 average to 9.99e307).
 * Once the mean is ±Inf it stays so, unless an Inf of the other sign or a NaN arrives,
 * which makes it NaN. Any NaN sample makes the result NaN.
 */
function avgOverTime(w: SampleWindow): number {
  const st: KahanState = { sum: 0, c: 0 }; // sum is the running mean
  let count = 0;
  for (let i = w.lo; i < w.hi; i++) {
    const v = w.v[i]!;
    count++;
    if (isInf(st.sum)) {
      // Inf of the same sign: the mean is already right, and Inf - Inf would give NaN.
      if (isInf(v) && st.sum > 0 === v > 0) continue;
      // A finite value cannot move an infinite mean; the update below would give NaN.
      if (!isInf(v) && !Number.isNaN(v)) continue;
    }
    kahanAdd(st, v / count - st.sum / count);
  }
  if (isInf(st.sum)) return st.sum;
  return st.sum + st.c;
}

/** `sum_over_time`: compensated sum; an infinite sum is returned without its compensation. */
function sumOverTime(w: SampleWindow): number {
  const st: KahanState = { sum: 0, c: 0 };
  for (let i = w.lo; i < w.hi; i++) kahanAdd(st, w.v[i]!);
  if (isInf(st.sum)) return st.sum;
  return st.sum + st.c;
}

/**
 * `min_over_time`: NaN samples are skipped unless all are NaN (a NaN running minimum is
 * replaced by the next sample, whatever it is).
 */
function minOverTime(w: SampleWindow): number {
  if (w.hi === w.lo) return NaN;
  let min = w.v[w.lo]!;
  for (let i = w.lo; i < w.hi; i++) {
    const v = w.v[i]!;
    if (v < min || Number.isNaN(min)) min = v;
  }
  return min;
}

/** `max_over_time`: the mirror of `min_over_time`, same NaN rule. */
function maxOverTime(w: SampleWindow): number {
  if (w.hi === w.lo) return NaN;
  let max = w.v[w.lo]!;
  for (let i = w.lo; i < w.hi; i++) {
    const v = w.v[i]!;
    if (v > max || Number.isNaN(max)) max = v;
  }
  return max;
}

/**
 * Population variance by Welford's method with both accumulators compensated, as
 * Prometheus 2.42's `stdvar_over_time`/`stddev_over_time`. Identical samples give exactly
 * 0. Any NaN or ±Inf sample gives NaN.
 */
function variance(w: SampleWindow): number {
  let count = 0;
  const mean: KahanState = { sum: 0, c: 0 };
  const aux: KahanState = { sum: 0, c: 0 };
  for (let i = w.lo; i < w.hi; i++) {
    const v = w.v[i]!;
    count++;
    const delta = v - (mean.sum + mean.c);
    kahanAdd(mean, delta / count);
    kahanAdd(aux, delta * (v - (mean.sum + mean.c)));
  }
  return (aux.sum + aux.c) / count;
}

function isInf(v: number): boolean {
  return v === Infinity || v === -Infinity;
}

/**
 * The `*_over_time` kernels by PromQL function name. Each takes the samples of one series
 * in the window (time order, stale markers removed, at least one sample) and returns the
 * output value. `last_over_time` returns the last value even if it is NaN;
 * `present_over_time` is always 1; `count_over_time` counts NaN samples too.
 */
export const OVER_TIME_OF: Readonly<Record<OverTimeName, (w: SampleWindow) => number>> = Object.freeze({
  avg_over_time: avgOverTime,
  sum_over_time: sumOverTime,
  min_over_time: minOverTime,
  max_over_time: maxOverTime,
  count_over_time: (w: SampleWindow) => w.hi - w.lo,
  stddev_over_time: (w: SampleWindow) => Math.sqrt(variance(w)),
  stdvar_over_time: variance,
  last_over_time: (w: SampleWindow) => (w.hi === w.lo ? NaN : w.v[w.hi - 1]!),
  present_over_time: () => 1,
});

/** `OVER_TIME_OF` over a list of points. */
export const OVER_TIME: Readonly<Record<OverTimeName, (points: readonly Point[]) => number>> = Object.freeze(
  Object.fromEntries(
    Object.entries(OVER_TIME_OF).map(([name, f]) => [name, (points: readonly Point[]) => f(windowOfPoints(points))]),
  ) as Record<OverTimeName, (points: readonly Point[]) => number>,
);

/**
 * `quantile_over_time(q, range)`: Prometheus's `quantile` over the window's values
 * (linear interpolation between closest ranks; NaN samples sort first). q NaN → NaN,
 * q < 0 → -Inf, q > 1 → +Inf; no points → NaN.
 */
export function quantileOverTime(q: number, points: readonly Point[]): number {
  return quantileOverTimeOf(q, windowOfPoints(points));
}

/** `quantileOverTime` over the columns of a window. */
export function quantileOverTimeOf(q: number, w: SampleWindow): number {
  const values = new Array<number>(w.hi - w.lo);
  for (let i = w.lo; i < w.hi; i++) values[i - w.lo] = w.v[i]!;
  return quantile(q, values);
}
