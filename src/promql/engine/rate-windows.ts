/**
 * `rate`, `increase` and `delta` over sliding windows, for series that share their
 * timestamps. Everything of Prometheus's `extrapolatedRate` but the values — which
 * samples each step's window holds, how far the extrapolation reaches, the factor the
 * raw difference is multiplied by — depends on the timestamps alone, and the series of
 * one scrape target share them (Prometheus stamps a scrape's samples with one time; a
 * selection sorted by labels lists a target's series together). So the per-step window
 * bounds and factors are worked out once for a timestamp column and reused while the
 * next series has the same one; a step then costs a subtraction and a multiplication.
 * Windows with a counter reset, or where the zero-point clamp may apply, take the kernel
 * itself, so every result has the bits `extrapolatedRateOf` gives.
 */
import { CLAMP_SKIP_MARGIN, extrapolatedRateOf, extrapolationFactor, goDurationSeconds, secondsBetween } from '../functions/range.js';
import { extrapolatedRateFlags } from './functions.js';
import type { RangeWindow } from './range-window.js';
import { tooManySamples } from './query-state.js';
import type { SampleBudget, WindowPlan } from './window-eval.js';
import { stepRefs } from './step-refs.js';

export class RateWindows {
  /** The timestamp column the layout below was made for. */
  private times = new Float64Array(0);
  private count = -1;
  private readonly lo: Int32Array;
  private readonly hi: Int32Array;
  /** Per step, for windows of two samples or more: the kernel's duration to the start, sampled interval and final factor. */
  private readonly toStart: Float64Array;
  private readonly sampled: Float64Array;
  private readonly factor: Float64Array;

  private constructor(
    private readonly plan: WindowPlan,
    private readonly isCounter: boolean,
    private readonly isRate: boolean,
  ) {
    this.lo = new Int32Array(plan.steps);
    this.hi = new Int32Array(plan.steps);
    this.toStart = new Float64Array(plan.steps);
    this.sampled = new Float64Array(plan.steps);
    this.factor = new Float64Array(plan.steps);
  }

  /** For range function `func` over `plan`'s windows, if it is one of the three. */
  static for(func: string, plan: WindowPlan): RateWindows | undefined {
    const flags = extrapolatedRateFlags(func);
    return flags === undefined ? undefined : new RateWindows(plan, flags.isCounter, flags.isRate);
  }

  /**
   * The function at every step over the samples read into `w` (all of them, from index 0,
   * stale markers left out, `drops` counted), written to tBuf/vBuf; returns how many. The
   * budget counts each step's window as `slideWindows` does; `w.peak` is set.
   */
  eval(w: RangeWindow, tBuf: Float64Array, vBuf: Float64Array, q: SampleBudget): number {
    const total = w.hi;
    if (!this.sameTimes(w.t, total)) this.layout(w.t, total);
    const { start, interval, steps, offsetMs, rangeMs, at } = this.plan;
    const { first, every } = stepRefs(at, start, interval, offsetMs);
    const { lo: los, hi: his, toStart, sampled, factor, isCounter, isRate } = this;
    const { v, drops } = w;
    let held = 0;
    let peak = 0;
    let n = 0;
    for (let step = 0; step < steps && total > 0; step++) {
      const lo = los[step]!;
      const hi = his[step]!;
      if (hi - lo !== held) {
        q.samples += hi - lo - held;
        held = hi - lo;
        if (held > peak) peak = held;
        if (q.samples > q.o.maxSamples) throw tooManySamples();
      }
      if (held < 2) continue;
      const ts = start + step * interval;
      const firstV = v[lo]!;
      const result = v[hi - 1]! - firstV;
      if (isCounter && (drops[hi - 1] !== drops[lo] || (result > 0 && firstV >= 0 && !(firstV * sampled[step]! > toStart[step]! * result * CLAMP_SKIP_MARGIN)))) {
        // A reset, or a clamp that may apply: the kernel itself.
        const maxt = first + step * every;
        w.lo = lo;
        w.hi = hi;
        const r = extrapolatedRateOf(w, maxt - rangeMs, maxt, isCounter, isRate);
        w.lo = 0;
        w.hi = total;
        if (r === undefined) continue;
        tBuf[n] = ts;
        vBuf[n] = r;
        n++;
        continue;
      }
      // Stored here, not through a variable shared with the kernel's `number | undefined`:
      // merged with it, the product stayed boxed, a heap number every step (6.5 MB a
      // request of the 10k `sum by (mode) (rate(...))` range, for 375 kernel calls in 6.3 M steps).
      tBuf[n] = ts;
      vBuf[n] = result * factor[step]!;
      n++;
    }
    q.samples -= held;
    w.peak = peak;
    return n;
  }

  private sameTimes(t: Float64Array, total: number): boolean {
    if (total !== this.count) return false;
    const times = this.times;
    for (let i = 0; i < total; i++) if (t[i] !== times[i]) return false;
    return true;
  }

  /** Each step's window bounds over `t`, and the kernel's timestamp-only quantities. */
  private layout(t: Float64Array, total: number): void {
    if (this.times.length < total) this.times = new Float64Array(Math.max(total, this.times.length * 2));
    this.times.set(t.subarray(0, total));
    this.count = total;
    const { start, interval, steps, offsetMs, rangeMs, at } = this.plan;
    const { first, every } = stepRefs(at, start, interval, offsetMs);
    let lo = 0;
    let hi = 0;
    for (let step = 0; step < steps; step++) {
      const maxt = first + step * every;
      const mint = maxt - rangeMs;
      while (hi < total && t[hi]! <= maxt) hi++;
      while (lo < hi && t[lo]! < mint) lo++;
      this.lo[step] = lo;
      this.hi[step] = hi;
      if (hi - lo < 2) continue;
      // extrapolatedRateOf's operations on the timestamps, without the counter clamp.
      const firstT = t[lo]!;
      const lastT = t[hi - 1]!;
      const durationToStart = secondsBetween(mint, firstT);
      const sampledInterval = secondsBetween(firstT, lastT);
      let factor = extrapolationFactor(durationToStart, secondsBetween(lastT, maxt), sampledInterval, sampledInterval / (hi - lo - 1));
      if (this.isRate) factor /= goDurationSeconds(maxt - mint);
      this.toStart[step] = durationToStart;
      this.sampled[step] = sampledInterval;
      this.factor[step] = factor;
    }
  }
}
