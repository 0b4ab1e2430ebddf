/**
 * The values a PromQL evaluation produces (Prometheus's `promql/value.go`): scalars,
 * strings, instant vectors and range vectors (matrices). Times are int64 ms in JS numbers;
 * values are float64 with NaN payloads (the stale marker) preserved where they are stored.
 */
import type { Labels } from '../model/labels.js';

/** One sample of a series: time (ms) and value. */
export interface Point {
  readonly t: number;
  readonly v: number;
}

/** An element of an instant vector: a series' labels and one point. */
export interface Sample {
  readonly metric: Labels;
  readonly t: number;
  readonly v: number;
}

/** A series with its points in time order (an element of a matrix). */
export interface Series {
  readonly metric: Labels;
  readonly points: Point[];
}

/** A series of a range query's answer as columns: `t[i]`, `v[i]` is its i-th point. */
export interface ColumnSeries {
  readonly metric: Labels;
  readonly t: readonly number[];
  readonly v: readonly number[];
}

export type Vector = Sample[];
export type Matrix = Series[];

export type Value =
  | { readonly type: 'scalar'; readonly t: number; readonly v: number }
  | { readonly type: 'string'; readonly t: number; readonly v: string }
  | { readonly type: 'vector'; readonly vector: Vector }
  | { readonly type: 'matrix'; readonly matrix: Matrix };

/**
 * The samples of one series inside a range window, as parallel columns: `t[i]` and `v[i]`
 * for i in [lo, hi), in time order. The engine decodes a series once and slides `lo`/`hi`
 * along the columns from step to step, so kernels that take this form read the window
 * without a point object per sample.
 */
export interface SampleWindow {
  readonly t: ArrayLike<number>;
  readonly v: ArrayLike<number>;
  readonly lo: number;
  readonly hi: number;
  /**
   * Optional: a running count of counter resets (samples lower than the one before), so
   * `drops[hi - 1] - drops[lo]` is the number of resets inside the window; a counter
   * kernel skips its reset scan for a window without any.
   */
  readonly drops?: ArrayLike<number>;
}

/** The columns of a list of points, as one window over all of them. */
export function windowOfPoints(points: readonly Point[]): SampleWindow {
  const t = new Float64Array(points.length);
  const v = new Float64Array(points.length);
  for (let i = 0; i < points.length; i++) {
    t[i] = points[i]!.t;
    v[i] = points[i]!.v;
  }
  return { t, v, lo: 0, hi: points.length };
}
