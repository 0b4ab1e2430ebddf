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

export type Vector = Sample[];
export type Matrix = Series[];

export type Value =
  | { readonly type: 'scalar'; readonly t: number; readonly v: number }
  | { readonly type: 'string'; readonly t: number; readonly v: string }
  | { readonly type: 'vector'; readonly vector: Vector }
  | { readonly type: 'matrix'; readonly matrix: Matrix };
