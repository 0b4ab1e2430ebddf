/**
 * One series of a vector selector over a range query's steps: at each step the newest
 * sample within the lookback delta, unless it is a stale marker (Prometheus's
 * `vectorSelectorSingle`). Plain functions of their inputs, so the evaluator and the query
 * workers (parallel/) run the same code.
 */
import { isStaleAt, isStaleNaN } from '../../model/stale.js';
import type { SampleIterator } from '../../tsdb/interface.js';
import type { RangeWindow } from './range-window.js';
import { stepRefs } from './step-refs.js';

/** Where a selector is read: step times, its offset and `@`, and the lookback delta. */
export interface SelectorPlan {
  readonly start: number;
  readonly interval: number;
  readonly steps: number;
  readonly offsetMs: number;
  readonly at: number | undefined;
  readonly lookbackMs: number;
}

/** The samples a selector over `p`'s steps may read: [first step's lookback start, last step]. */
export function selectorSpan(p: SelectorPlan): { mint: number; maxt: number } {
  const { first, every } = stepRefs(p.at, p.start, p.interval, p.offsetMs);
  return { mint: first - p.lookbackMs, maxt: first + (p.steps - 1) * every };
}

/**
 * The value of one series at a sequence of non-decreasing reference times: the newest
 * sample at or before the reference time, if no older than the lookback delta and not a
 * stale marker (Prometheus's `vectorSelectorSingle` over a memoized iterator).
 */
export class SelectorCursor {
  private has: boolean;
  private hasPrev = false;
  private prevT = 0;
  private prevV = 0;
  /** Tested when read: a NaN payload is not guaranteed to survive being stored. */
  private prevStale = false;
  /** The sample found by the last `at()`. */
  t = 0;
  v = 0;

  constructor(
    private readonly it: SampleIterator,
    private readonly lookbackMs: number,
  ) {
    this.has = it.next();
  }

  at(ref: number): boolean {
    const it = this.it;
    const from = ref - this.lookbackMs;
    if (this.has && it.t < from) {
      // Nothing before the lookback window matters: jump over it.
      this.hasPrev = false;
      this.has = it.seek(from);
    }
    while (this.has && it.t <= ref) {
      this.prevT = it.t;
      this.prevV = it.v;
      this.prevStale = isStaleNaN(it.v);
      this.hasPrev = true;
      this.has = it.next();
    }
    if (!this.hasPrev || this.prevT < from || this.prevStale) return false;
    this.t = this.prevT;
    this.v = this.prevV;
    return true;
  }
}

/**
 * The selector's value at every step of `p` where it has one, into tBuf/vBuf; returns how
 * many. With lookback windows that overlap or touch, every sample from the first step's
 * window to the last step is seen: they are decoded once into `cols` (stale markers kept:
 * one ends its series' lookback) and walked; else the cursor seeks window by window.
 */
export function evalSelectorSteps(it: SampleIterator, cols: RangeWindow, p: SelectorPlan, tBuf: Float64Array, vBuf: Float64Array): number {
  const { start, interval, steps, offsetMs, at, lookbackMs } = p;
  let n = 0;
  if ((at !== undefined || interval <= lookbackMs) && it.readInto !== undefined) {
    const span = selectorSpan(p);
    cols.clear();
    it.readInto(span.mint, span.maxt, cols, false);
    const { t, v, v32, hi: total } = cols;
    const { first, every } = stepRefs(at, start, interval, offsetMs);
    let next = 0;
    for (let i = 0; i < steps; i++) {
      const ts = start + i * interval;
      const ref = first + i * every;
      while (next < total && t[next]! <= ref) next++;
      const k = next - 1;
      if (k < 0 || t[k]! < ref - lookbackMs || isStaleAt(v32, k)) continue;
      tBuf[n] = ts;
      vBuf[n] = v[k]!;
      n++;
    }
    return n;
  }
  const cur = new SelectorCursor(it, lookbackMs);
  const { first, every } = stepRefs(at, start, interval, offsetMs);
  for (let i = 0; i < steps; i++) {
    const ts = start + i * interval;
    if (cur.at(first + i * every)) {
      tBuf[n] = ts;
      vBuf[n] = cur.v;
      n++;
    }
  }
  return n;
}
