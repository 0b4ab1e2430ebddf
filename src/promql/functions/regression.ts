/**
 * Kernels of the PromQL functions that fit a trend to the samples of one series in a range
 * window: `deriv` and `predict_linear` (least-squares line, Prometheus 2.42's
 * `linearRegression` with compensated sums) and `holt_winters` (double exponential
 * smoothing). Operation order follows Prometheus so results agree bit for bit.
 */
import type { Point } from '../value.js';
import { kahanAdd, type KahanState } from './kahan.js';

/** Milliseconds in a second: x values of the regression are in seconds. */
const MS_PER_S = 1e3;

/**
 * Least-squares fit of v over t (seconds relative to `interceptTimeMs`), returning the
 * slope (per second) and the value of the line at `interceptTimeMs`.
 *
 * All values equal → slope 0 and that value, exactly (avoids 0/0 rounding noise), unless
 * the value is ±Inf, which gives NaN for both.
 */
function linearRegression(points: readonly Point[], interceptTimeMs: number): { slope: number; intercept: number } {
  let n = 0;
  const sumX: KahanState = { sum: 0, c: 0 };
  const sumY: KahanState = { sum: 0, c: 0 };
  const sumXY: KahanState = { sum: 0, c: 0 };
  const sumX2: KahanState = { sum: 0, c: 0 };
  const initY = points[0]!.v;
  let constY = true;
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    // NaN !== NaN, so a NaN series is never "constant" and its result is NaN.
    if (constY && i > 0 && p.v !== initY) constY = false;
    n += 1;
    const x = (p.t - interceptTimeMs) / MS_PER_S;
    kahanAdd(sumX, x);
    kahanAdd(sumY, p.v);
    kahanAdd(sumXY, x * p.v);
    kahanAdd(sumX2, x * x);
  }
  if (constY) {
    if (initY === Infinity || initY === -Infinity) return { slope: NaN, intercept: NaN };
    return { slope: 0, intercept: initY };
  }
  const sx = sumX.sum + sumX.c;
  const sy = sumY.sum + sumY.c;
  const sxy = sumXY.sum + sumXY.c;
  const sx2 = sumX2.sum + sumX2.c;

  const covXY = sxy - (sx * sy) / n;
  const varX = sx2 - (sx * sx) / n;
  const slope = covXY / varX;
  const intercept = sy / n - (slope * sx) / n;
  return { slope, intercept };
}

/**
 * The kernel of `deriv`: the slope (per second) of the least-squares line through the
 * samples. Times are taken relative to the first sample, as Prometheus does, to keep the
 * sums small (prometheus#2674).
 *
 * Edge cases: fewer than 2 points → `undefined`. All values equal → exactly 0 (NaN if
 * they are all ±Inf). Any NaN → NaN. Two points at the same time → the x variance is 0
 * and the result is ±Inf or NaN.
 */
export function deriv(points: readonly Point[]): number | undefined {
  if (points.length < 2) return undefined;
  return linearRegression(points, points[0]!.t).slope;
}

/**
 * The kernel of `predict_linear(v range, durationS)`: the value of the least-squares line
 * `durationS` seconds after `evalTimeMs`. `evalTimeMs` is the evaluation timestamp of the
 * step itself — not shifted by `offset` and not the `@` time — as in Prometheus 2.42
 * (`linearRegression(points, enh.Ts)`).
 *
 * Edge cases: fewer than 2 points → `undefined`. All values equal → that value whatever
 * the duration (NaN if it is ±Inf). Any NaN sample → NaN.
 */
export function predictLinear(points: readonly Point[], durationS: number, evalTimeMs: number): number | undefined {
  if (points.length < 2) return undefined;
  const { slope, intercept } = linearRegression(points, evalTimeMs);
  return slope * durationS + intercept;
}

/**
 * The kernel of `holt_winters(v range, sf, tf)`: double exponential smoothing with
 * smoothing factor `sf` and trend factor `tf`, returning the last smoothed value. The trend
 * starts as the difference of the first two samples.
 *
 * The caller validates the factors first with `holtWintersArgError`. Prometheus checks
 * them each time it calls the function, which is for every series with at least one sample
 * in the window — so a series with a single sample raises the error, an empty range vector
 * does not. Edge cases: fewer than 2 points → `undefined`; NaN factors pass the check (as in
 * Prometheus) and make the result NaN; NaN or ±Inf samples propagate.
 */
export function holtWinters(points: readonly Point[], sf: number, tf: number): number | undefined {
  const l = points.length;
  if (l < 2) return undefined;

  let s0 = 0;
  let s1 = points[0]!.v;
  let b = points[1]!.v - points[0]!.v;
  for (let i = 1; i < l; i++) {
    const x = sf * points[i]!.v;
    b = calcTrendValue(i - 1, tf, s0, s1, b);
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

/** The trend at step i: the initial trend at i = 0, then a tf-weighted update. */
function calcTrendValue(i: number, tf: number, s0: number, s1: number, b: number): number {
  if (i === 0) return b;
  const x = tf * (s1 - s0);
  const y = (1 - tf) * b;
  return x + y;
}

/**
 * Prometheus 2.42's check of the `holt_winters` factors, returning its error message or
 * `undefined` when both are acceptable. Both must lie in the open interval (0, 1); the
 * smoothing factor is checked first. NaN passes (every comparison with NaN is false), as
 * in Prometheus. The value is printed as Go's `%f` (six decimals, `+Inf`/`-Inf`).
 */
export function holtWintersArgError(sf: number, tf: number): string | undefined {
  if (sf <= 0 || sf >= 1) return `invalid smoothing factor. Expected: 0 < sf < 1, got: ${formatGoF(sf)}`;
  if (tf <= 0 || tf >= 1) return `invalid trend factor. Expected: 0 < tf < 1, got: ${formatGoF(tf)}`;
  return undefined;
}

/** Digits after the point in Go's `%f`. */
const GO_F_PRECISION = 6;

/**
 * Go's `fmt` `%f` of a float64: fixed notation with six decimals, exact ties rounded to
 * even (JavaScript's `toFixed` rounds them away from zero), `+Inf`, `-Inf`, `NaN`.
 */
export function formatGoF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  let body: string;
  if (a >= 1e21) {
    // toFixed switches to exponent notation here; such doubles are integers.
    body = `${BigInt(a).toString()}.${'0'.repeat(GO_F_PRECISION)}`;
  } else {
    body = a.toFixed(GO_F_PRECISION);
    // toFixed(100) is exact for every double below 1e21 whose expansion could tie at the
    // 7th decimal; a tie is "5" followed only by zeros.
    const exact = a.toFixed(100);
    const dot = exact.indexOf('.');
    const tail = exact.slice(dot + 1 + GO_F_PRECISION);
    if (/^50*$/.test(tail)) {
      const lastKept = Number(exact[dot + GO_F_PRECISION]);
      if (lastKept % 2 === 0) body = exact.slice(0, dot + 1 + GO_F_PRECISION); // round down to even
    }
  }
  return neg ? `-${body}` : body;
}
