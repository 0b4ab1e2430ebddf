/**
 * The value types the evaluator passes between nodes. A node evaluated over the steps of a
 * query yields a `StepMatrix`: series with parallel time/value arrays holding a point at
 * each step where the series has a value (Prometheus's Matrix out of `rangeEval`). The
 * per-step input and output of an operation is a `StepVector`, a struct of arrays reused
 * from step to step so the hot loops allocate no per-sample objects.
 */
import type { Labels } from '../../model/labels.js';

/** One series of a node's result: points at step timestamps (or raw timestamps for range selectors). */
export interface StepSeries {
  metric: Labels;
  readonly t: number[];
  readonly v: number[];
}

export type StepMatrix = StepSeries[];

/** An instant vector at one step, reused between steps: only the first `n` entries count. */
export class StepVector {
  n = 0;
  readonly metric: Labels[] = [];
  readonly v: number[] = [];
  /**
   * Per-sample helper: the grouping key or match signature of the sample's series, computed
   * once per input series and interned to a small integer (equal keys, equal ids).
   */
  readonly key: number[] = [];
  /** Per-sample timestamp; only the `timestamp()` path sets it. */
  readonly t: number[] = [];

  reset(): void {
    this.n = 0;
  }

  push(metric: Labels, v: number): void {
    const i = this.n++;
    this.metric[i] = metric;
    this.v[i] = v;
  }
}

/**
 * An integer-keyed table cleared in O(1): entries written in an older generation read as
 * absent. Used per step for match signatures and group keys interned to small integers.
 */
export class StampedTable {
  private stamp = new Int32Array(64);
  private value = new Int32Array(64);
  private gen = 1;

  /** Forgets every entry. */
  clear(): void {
    this.gen++;
  }

  /** The value stored for `id`, or -1. */
  get(id: number): number {
    return id < this.stamp.length && this.stamp[id] === this.gen ? this.value[id]! : -1;
  }

  set(id: number, v: number): void {
    if (id >= this.stamp.length) {
      let n = this.stamp.length;
      while (n <= id) n *= 2;
      const s = new Int32Array(n);
      s.set(this.stamp);
      const w = new Int32Array(n);
      w.set(this.value);
      this.stamp = s;
      this.value = w;
    }
    this.stamp[id] = this.gen;
    this.value[id] = v;
  }
}

/**
 * Receives the series of a node evaluated over all steps, one at a time, without the node
 * building a `StepMatrix`: the points are `t[i]`, `v[i]` for i in [0, n), at step
 * timestamps, in step order. The buffers are rewritten for the next series; a sink copies
 * what it keeps.
 */
export type SeriesSink = (metric: Labels, t: Float64Array, v: Float64Array, n: number) => void;
