/**
 * The windows of a range aggregation cut the time line into intervals: every step's window
 * `(end - range, end]` starts and ends on one of the edges, so it is a run of whole
 * intervals. A series whose function only adds up its samples (`count_over_time`, `rate`,
 * `bytes_over_time`, …) then needs one running total per interval, not its samples: its
 * memory grows with the steps, not with the entries read (range-aggregation.ts).
 *
 * Interval `j` is `(edges[j], edges[j + 1]]`, left-open like the windows. Times are
 * milliseconds, a sample inside a millisecond at `ms + 0.5` (see range-aggregation.ts):
 * edges are whole milliseconds, so it lands in the interval of `ms + 1`, as the windows
 * count it.
 */
import type { Steps } from './types.js';

export class WindowGrid {
  /** Every window's start and end, ascending, without repeats. */
  readonly edges: Float64Array;
  /** Per step: the index in `edges` of its window's start, then of its end. */
  readonly startEdge: Int32Array;
  readonly endEdge: Int32Array;

  constructor(steps: Steps, offsetMs: number, rangeMs: number) {
    const n = steps.count;
    const all = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const end = steps.startMs + i * steps.stepMs - offsetMs;
      all[2 * i] = end - rangeMs;
      all[2 * i + 1] = end;
    }
    all.sort();
    let m = 0;
    for (let i = 0; i < all.length; i++) if (m === 0 || all[i] !== all[m - 1]) all[m++] = all[i]!;
    this.edges = all.slice(0, m);
    this.startEdge = new Int32Array(n);
    this.endEdge = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const end = steps.startMs + i * steps.stepMs - offsetMs;
      this.startEdge[i] = this.edgeAt(end - rangeMs);
      this.endEdge[i] = this.edgeAt(end);
    }
  }

  /** How many intervals there are. */
  get intervals(): number {
    return this.edges.length - 1;
  }

  /**
   * The interval holding time `t`, or -1 when no window holds it. `hint` is the answer for
   * the last time of the same series: times mostly come in order, so it is right or one
   * short most of the time, and a binary search finds the others.
   */
  intervalOf(t: number, hint: number): number {
    const e = this.edges;
    if (hint >= 0 && hint + 1 < e.length && t > e[hint]!) {
      if (t <= e[hint + 1]!) return hint;
      if (hint + 2 < e.length && t <= e[hint + 2]!) return hint + 1;
    }
    if (!(t > e[0]!) || !(t <= e[e.length - 1]!)) return -1;
    // The last edge below t: e[lo] < t <= e[hi].
    let lo = 0;
    let hi = e.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (e[mid]! < t) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  private edgeAt(t: number): number {
    let lo = 0;
    let hi = this.edges.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.edges[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
