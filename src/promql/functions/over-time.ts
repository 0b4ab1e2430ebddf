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
  return meanFrom(w.v, w.lo, w.hi, 0, 0, 0);
}

/**
 * `avg_over_time`'s loop over samples [i, hi) of `v`, from the state after `count`
 * samples (running mean `sum`, compensation `c`); returns the window's result.
 */
function meanFrom(v: ArrayLike<number>, i: number, hi: number, count: number, sum: number, c: number): number {
  const st: KahanState = { sum, c }; // sum is the running mean
  for (; i < hi; i++) {
    const x = v[i]!;
    count++;
    if (isInf(st.sum)) {
      // Inf of the same sign: the mean is already right, and Inf - Inf would give NaN.
      if (isInf(x) && st.sum > 0 === x > 0) continue;
      // A finite value cannot move an infinite mean; the update below would give NaN.
      if (!isInf(x) && !Number.isNaN(x)) continue;
    }
    kahanAdd(st, x / count - st.sum / count);
  }
  if (isInf(st.sum)) return st.sum;
  return st.sum + st.c;
}

/**
 * `avg_over_time` over `n` windows of one series' values at once: window k is
 * `v[lo[k], hi[k])`, its result goes to `out[k]`, bit for bit what `avgOverTime` gives.
 *
 * Why: each window's mean is a chain of dependent divisions and additions, and a dashboard's
 * range query has many overlapping windows a series (150 steps of ~20 samples in the query
 * bench). Two windows taken in step keep two independent chains in flight: 0.58–0.65× the
 * time of one window after the other (2.0–2.5 ms → 1.3–1.6 ms for 176 series × 150 windows
 * of 20–21 samples, same bits). Each window still adds its own samples in its own order, so
 * the results are exactly the single-window ones. The compensated addition is written out
 * in the paired loop: through `kahanAdd`'s state objects the pairing gained nothing
 * (0.86–0.97×), the two states then living in memory rather than in registers.
 */
function avgOverTimeWindows(v: Float64Array, lo: Int32Array, hi: Int32Array, n: number, out: Float64Array): void {
  let k = 0;
  for (; k + 1 < n; k += 2) {
    const lo1 = lo[k]!;
    const lo2 = lo[k + 1]!;
    const m = Math.min(hi[k]! - lo1, hi[k + 1]! - lo2);
    let s1 = 0;
    let c1 = 0;
    let s2 = 0;
    let c2 = 0;
    let j = 0;
    for (; j < m; j++) {
      // An infinite mean follows special rules (meanFrom's), from this sample on.
      if (isInf(s1) || isInf(s2)) break;
      const count = j + 1;
      const i1 = v[lo1 + j]! / count - s1 / count;
      const i2 = v[lo2 + j]! / count - s2 / count;
      const t1 = s1 + i1;
      const t2 = s2 + i2;
      c1 += Math.abs(s1) >= Math.abs(i1) ? s1 - t1 + i1 : i1 - t1 + s1;
      c2 += Math.abs(s2) >= Math.abs(i2) ? s2 - t2 + i2 : i2 - t2 + s2;
      s1 = t1;
      s2 = t2;
    }
    // The longer window's remaining samples (and both after an infinity), one by one.
    out[k] = meanFrom(v, lo1 + j, hi[k]!, j, s1, c1);
    out[k + 1] = meanFrom(v, lo2 + j, hi[k + 1]!, j, s2, c2);
  }
  if (k < n) out[k] = meanFrom(v, lo[k]!, hi[k]!, 0, 0, 0);
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
  return varianceFrom(w.v, w.lo, w.hi, 0, 0, 0, 0, 0);
}

/**
 * `variance`'s loop over samples [i, hi) of `v`, from the state after `count` samples (the
 * running mean and the sum of squared deviations, each with its compensation).
 */
function varianceFrom(v: ArrayLike<number>, i: number, hi: number, count: number, meanSum: number, meanC: number, auxSum: number, auxC: number): number {
  const mean: KahanState = { sum: meanSum, c: meanC };
  const aux: KahanState = { sum: auxSum, c: auxC };
  for (; i < hi; i++) {
    const x = v[i]!;
    count++;
    const delta = x - (mean.sum + mean.c);
    kahanAdd(mean, delta / count);
    kahanAdd(aux, delta * (x - (mean.sum + mean.c)));
  }
  return (aux.sum + aux.c) / count;
}

/**
 * `variance` over `n` windows of one series' values at once, two in step (as
 * `avgOverTimeWindows`, and for the same reason: a chain of dependent divisions per window).
 * Kernel alone, 176 series × 150 windows of 20–21 samples: 0.65–0.69× the time, same bits.
 */
function varianceWindows(v: Float64Array, lo: Int32Array, hi: Int32Array, n: number, out: Float64Array): void {
  let k = 0;
  for (; k + 1 < n; k += 2) {
    const lo1 = lo[k]!;
    const lo2 = lo[k + 1]!;
    const m = Math.min(hi[k]! - lo1, hi[k + 1]! - lo2);
    let m1 = 0;
    let mc1 = 0;
    let a1 = 0;
    let ac1 = 0;
    let m2 = 0;
    let mc2 = 0;
    let a2 = 0;
    let ac2 = 0;
    let j = 0;
    for (; j < m; j++) {
      const count = j + 1;
      const x1 = v[lo1 + j]!;
      const x2 = v[lo2 + j]!;
      const d1 = x1 - (m1 + mc1);
      const d2 = x2 - (m2 + mc2);
      // kahanAdd(mean, delta / count), written out (see avgOverTimeWindows).
      let inc1 = d1 / count;
      let inc2 = d2 / count;
      let t1 = m1 + inc1;
      let t2 = m2 + inc2;
      mc1 += Math.abs(m1) >= Math.abs(inc1) ? m1 - t1 + inc1 : inc1 - t1 + m1;
      mc2 += Math.abs(m2) >= Math.abs(inc2) ? m2 - t2 + inc2 : inc2 - t2 + m2;
      m1 = t1;
      m2 = t2;
      // kahanAdd(aux, delta * (x - mean)).
      inc1 = d1 * (x1 - (m1 + mc1));
      inc2 = d2 * (x2 - (m2 + mc2));
      t1 = a1 + inc1;
      t2 = a2 + inc2;
      ac1 += Math.abs(a1) >= Math.abs(inc1) ? a1 - t1 + inc1 : inc1 - t1 + a1;
      ac2 += Math.abs(a2) >= Math.abs(inc2) ? a2 - t2 + inc2 : inc2 - t2 + a2;
      a1 = t1;
      a2 = t2;
    }
    out[k] = varianceFrom(v, lo1 + j, hi[k]!, j, m1, mc1, a1, ac1);
    out[k + 1] = varianceFrom(v, lo2 + j, hi[k + 1]!, j, m2, mc2, a2, ac2);
  }
  if (k < n) out[k] = varianceFrom(v, lo[k]!, hi[k]!, 0, 0, 0, 0, 0);
}

/** `varianceWindows`' square roots: `stddev_over_time` over many windows. */
function stddevWindows(v: Float64Array, lo: Int32Array, hi: Int32Array, n: number, out: Float64Array): void {
  varianceWindows(v, lo, hi, n, out);
  for (let k = 0; k < n; k++) out[k] = Math.sqrt(out[k]!);
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

/**
 * A kernel over many windows of one series' values at once: window k is `v[lo[k], hi[k])`,
 * its result goes to `out[k]`.
 */
export type WindowsKernel = (v: Float64Array, lo: Int32Array, hi: Int32Array, n: number, out: Float64Array) => void;

/** Kernels of `OVER_TIME_OF` that also take many windows at once, faster than window by window. */
export const OVER_TIME_WINDOWS: Readonly<Partial<Record<OverTimeName, WindowsKernel>>> = Object.freeze({
  avg_over_time: avgOverTimeWindows,
  stdvar_over_time: varianceWindows,
  stddev_over_time: stddevWindows,
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
