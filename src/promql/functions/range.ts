/**
 * Kernels of the PromQL functions that look at how a series moves inside a range window:
 * `rate`, `increase`, `delta` (extrapolated), `irate`, `idelta` (last two samples),
 * `resets` and `changes`. Each follows Prometheus 2.42's `promql/functions.go` operation by
 * operation, so results agree bit for bit.
 *
 * Every kernel takes the float samples of one series inside the window, in time order,
 * with stale markers already removed by the engine. The kernels the engine calls at every
 * step of busy queries (`rate` and friends, `irate`/`idelta`) read the window as columns
 * (`…Of(window)`); their `Point[]` forms are the same kernels over the points' columns.
 */
import { windowOfPoints, type Point, type SampleWindow } from '../value.js';

/** Milliseconds in a second: timestamps are int64 ms, PromQL rates are per second. */
const MS_PER_S = 1000;

/**
 * Fraction of the average sample spacing beyond which a gap to the window boundary is taken
 * as "the series starts or ends here" rather than "a scrape is just not in the window yet".
 * Prometheus's value: 10% slack over the average interval.
 */
const EXTRAPOLATION_THRESHOLD_FACTOR = 1.1;

/**
 * `time.Duration.Seconds()` of a range given in whole ms: Go splits into whole seconds
 * plus a nanosecond remainder divided by 1e9, which can differ from `ms / 1000` in the
 * last bit, so the same split is done here.
 */
export function goDurationSeconds(rangeMs: number): number {
  // A query asks for one range at every step of every series: remember the last one.
  if (rangeMs === lastRangeMs) return lastRangeSeconds;
  const sec = Math.trunc(rangeMs / MS_PER_S);
  const remNs = (rangeMs - sec * MS_PER_S) * 1e6; // exact: |rem| < 1000, so < 2^53
  lastRangeMs = rangeMs;
  lastRangeSeconds = sec + remNs / 1e9;
  return lastRangeSeconds;
}
let lastRangeMs = NaN;
let lastRangeSeconds = NaN;

/**
 * Relative margin by which `firstV * sampledInterval` must exceed `durationToStart *
 * result` for the zero-point clamp to be skipped without computing it: far above the
 * products' rounding (a few 2^-53), so the skip never changes a result.
 */
export const CLAMP_SKIP_MARGIN = 1 + 2 ** -30;

/**
 * The common kernel of `rate` (isCounter, isRate), `increase` (isCounter, !isRate) and
 * `delta` (!isCounter, !isRate), as Prometheus 2.42's `extrapolatedRate`.
 *
 * The raw difference last − first (plus, for counters, the value before every decrease:
 * a counter reset is assumed to restart from 0) is extrapolated towards the window
 * boundaries `rangeStartMs` and `rangeEndMs`: all the way to a boundary when the first or
 * last sample lies within 1.1 average sample intervals of it, otherwise by half an
 * average interval. For counters, the start-side extrapolation never goes further back
 * than the point where a straight line through the samples would reach zero (the
 * "zero-point clamp"; 2.42 applies it before the threshold test). `rate` divides by the
 * range (`rangeEndMs - rangeStartMs`) in seconds, computed as Go's `Duration.Seconds()`.
 *
 * Edge cases: fewer than 2 points → `undefined` (no output sample). Two points at the same
 * timestamp → the sampled interval is 0 and the result is ±Inf or NaN, as in Prometheus.
 * NaN values propagate (a NaN compares false, so it never counts as a reset). ±Inf values
 * give ±Inf or NaN by IEEE arithmetic, again as Prometheus.
 */
export function extrapolatedRate(
  points: readonly Point[],
  rangeStartMs: number,
  rangeEndMs: number,
  isCounter: boolean,
  isRate: boolean,
): number | undefined {
  return extrapolatedRateOf(windowOfPoints(points), rangeStartMs, rangeEndMs, isCounter, isRate);
}

/** Seconds from `fromMs` to `toMs`, as Prometheus divides int64 milliseconds. */
export function secondsBetween(fromMs: number, toMs: number): number {
  return (toMs - fromMs) / MS_PER_S;
}

/**
 * What `extrapolatedRate` multiplies the raw difference by, from timestamps alone (the
 * duration to the start already clamped, if the counter clamp applied): extrapolated to a
 * boundary within 1.1 average intervals of it, else by half an interval (`rate` then
 * divides it by the range in seconds). Its own function so that series sharing timestamps can compute it
 * once (engine/rate-windows.ts) with the kernel's exact operations.
 */
export function extrapolationFactor(durationToStart: number, durationToEnd: number, sampledInterval: number, averageDurationBetweenSamples: number): number {
  const extrapolationThreshold = averageDurationBetweenSamples * EXTRAPOLATION_THRESHOLD_FACTOR;
  let extrapolateToInterval = sampledInterval;
  if (durationToStart < extrapolationThreshold) {
    extrapolateToInterval += durationToStart;
  } else {
    extrapolateToInterval += averageDurationBetweenSamples / 2;
  }
  if (durationToEnd < extrapolationThreshold) {
    extrapolateToInterval += durationToEnd;
  } else {
    extrapolateToInterval += averageDurationBetweenSamples / 2;
  }
  return extrapolateToInterval / sampledInterval;
}

/** `extrapolatedRate` over the columns of a window. */
export function extrapolatedRateOf(w: SampleWindow, rangeStartMs: number, rangeEndMs: number, isCounter: boolean, isRate: boolean): number | undefined {
  const { t, v, lo, hi } = w;
  const n = hi - lo;
  if (n < 2) return undefined;
  const firstT = t[lo]!;
  const firstV = v[lo]!;
  const lastT = t[hi - 1]!;

  let result = v[hi - 1]! - firstV;
  // Without a reset in the window the scan adds nothing (and `result` is the same number).
  if (isCounter && (w.drops === undefined || w.drops[hi - 1] !== w.drops[lo])) {
    let prev = firstV;
    for (let i = lo + 1; i < hi; i++) {
      const cur = v[i]!;
      if (cur < prev) result += prev;
      prev = cur;
    }
  }

  let durationToStart = secondsBetween(rangeStartMs, firstT);
  const durationToEnd = secondsBetween(lastT, rangeEndMs);
  const sampledInterval = secondsBetween(firstT, lastT);
  const averageDurationBetweenSamples = sampledInterval / (n - 1);

  // A counter cannot go below zero: do not extrapolate past where it would reach it. The
  // division is skipped where the products show the clamp cannot apply (a counter far
  // above its increase in the window: nearly always); NaNs, infinities and near ties
  // fail that test and take Prometheus's exact computation.
  if (isCounter && result > 0 && firstV >= 0 && !(firstV * sampledInterval > durationToStart * result * CLAMP_SKIP_MARGIN)) {
    const durationToZero = sampledInterval * (firstV / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  let factor = extrapolationFactor(durationToStart, durationToEnd, sampledInterval, averageDurationBetweenSamples);
  if (isRate) factor /= goDurationSeconds(rangeEndMs - rangeStartMs);
  return result * factor;
}

/**
 * The kernel of `irate` (isRate) and `idelta` (!isRate): the change between the last two
 * samples, as Prometheus 2.42's `instantValue`.
 *
 * For `irate` a decrease is a counter reset and the result is the last value itself
 * (the counter restarted from 0), divided by the gap between the two samples in seconds.
 * `idelta` is the plain difference.
 *
 * Edge cases: fewer than 2 points → `undefined`; the last two samples at the same
 * timestamp → `undefined` (Prometheus avoids the division by zero by dropping the sample;
 * it does so for `idelta` too). NaN and ±Inf flow through IEEE arithmetic.
 */
export function instantValue(points: readonly Point[], isRate: boolean): number | undefined {
  return instantValueOf(windowOfPoints(points), isRate);
}

/** `instantValue` over the columns of a window. */
export function instantValueOf(w: SampleWindow, isRate: boolean): number | undefined {
  const { t, v, hi } = w;
  if (hi - w.lo < 2) return undefined;
  const lastV = v[hi - 1]!;
  const previousV = v[hi - 2]!;

  let result: number;
  if (isRate && lastV < previousV) {
    result = lastV;
  } else {
    result = lastV - previousV;
  }

  const sampledIntervalMs = t[hi - 1]! - t[hi - 2]!;
  if (sampledIntervalMs === 0) return undefined;

  if (isRate) result /= sampledIntervalMs / MS_PER_S;
  return result;
}

/**
 * The kernel of `resets`: how many times a value is lower than the one before it.
 *
 * Edge cases: empty or one point → 0. A NaN never counts (every comparison with NaN is
 * false), neither the step into it nor the step out of it. -0 after +0 is not a decrease.
 */
export function resets(points: readonly Point[]): number {
  if (points.length === 0) return 0;
  let count = 0;
  let prev = points[0]!.v;
  for (let i = 1; i < points.length; i++) {
    const cur = points[i]!.v;
    if (cur < prev) count++;
    prev = cur;
  }
  return count;
}

/**
 * The kernel of `changes`: how many times a value differs from the one before it.
 *
 * Edge cases: empty or one point → 0. NaN followed by NaN is no change; a step between NaN
 * and a number is one. +0 and -0 are equal (no change).
 */
export function changes(points: readonly Point[]): number {
  if (points.length === 0) return 0;
  let count = 0;
  let prev = points[0]!.v;
  for (let i = 1; i < points.length; i++) {
    const cur = points[i]!.v;
    if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) count++;
    prev = cur;
  }
  return count;
}
