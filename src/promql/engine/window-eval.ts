/**
 * One series of a range function (`rate(x[5m])`, `avg_over_time(...)`): its samples read
 * into a `RangeWindow` and the kernel run at every step's window. Plain functions of their
 * inputs, so the evaluator on the main thread and the query workers (parallel/) run the
 * very same code.
 */
import type { SampleIterator } from '../../tsdb/interface.js';
import { isStaleNaN } from '../../model/stale.js';
import type { RangeFn } from './functions.js';
import { tooManySamples } from './query-state.js';
import type { RangeWindow } from './range-window.js';
import { RateWindows } from './rate-windows.js';
import type { StepMatrix } from './step-vector.js';
import { stepRefs } from './step-refs.js';

/** Where a range function's windows are: step times, and the range, offset and `@` of its argument. */
export interface WindowPlan {
  readonly start: number;
  readonly interval: number;
  readonly steps: number;
  readonly rangeMs: number;
  readonly offsetMs: number;
  /** The `@` time, pinning every step's window to one place. */
  readonly at: number | undefined;
}

/** The sample budget a window read counts against (QueryState's). */
export interface SampleBudget {
  samples: number;
  readonly o: { readonly maxSamples: number };
}

/**
 * Whether consecutive windows overlap or touch (a dashboard's rate over a range wider than
 * its step, an `@` pinning every step to one window, an instant query): every sample from
 * the first window's start to the last window's end is then in some window, so the series
 * is decoded once and [lo, hi) slides over it (`slideWindows`). With windows apart (a step
 * wider than the range) seeking skips the samples between them and whole chunks, so that
 * case reads window by window (`stepWindows`).
 */
export function windowsContiguous(p: WindowPlan): boolean {
  return p.at !== undefined || p.steps <= 1 || p.interval <= p.rangeMs;
}

/** The span of samples any window of the plan reads: [mint, maxt]. */
export function windowSpan(p: WindowPlan): { mint: number; maxt: number } {
  const { first, every } = stepRefs(p.at, p.start, p.interval, p.offsetMs);
  return { mint: first - p.rangeMs, maxt: first + (p.steps - 1) * every };
}

/** A range function's scalar arguments (`undefined`: the range argument's slot) at `step`, into `out`. */
export function scalarsAt(scalarMats: readonly (StepMatrix | undefined)[], step: number, out: number[]): void {
  for (let j = 0; j < scalarMats.length; j++) {
    const m = scalarMats[j];
    if (m !== undefined) out[j] = m[0]?.v[step] ?? NaN;
  }
}

/**
 * Runs `kernel` over every step's window of one series, writing the outputs to tBuf/vBuf;
 * returns how many. The budget counts the samples in the current window, as Prometheus
 * does, and is back where it was on return; `w.peak` is the most the window held.
 */
export function evalWindows(it: SampleIterator, w: RangeWindow, kernel: RangeFn, p: WindowPlan, scalarMats: readonly (StepMatrix | undefined)[], scalars: number[], tBuf: Float64Array, vBuf: Float64Array, q: SampleBudget, rates?: RateWindows): number {
  return windowsContiguous(p) ? slideWindows(it, w, kernel, p, scalarMats, scalars, tBuf, vBuf, q, rates) : stepWindows(it, w, kernel, p, scalarMats, scalars, tBuf, vBuf, q);
}

/**
 * The shared-timestamp path of `rate`/`increase`/`delta` for `func` over `p` (`evalWindows`'
 * last argument), where it pays: windows that overlap or touch, over enough steps that
 * reusing their layout saves more than comparing timestamp columns costs (not an instant
 * query's one window). One per query node, reused from series to series.
 */
export function rateWindowsFor(func: string, p: WindowPlan): RateWindows | undefined {
  return p.steps >= MIN_STEPS_FOR_SHARED_LAYOUT && windowsContiguous(p) ? RateWindows.for(func, p) : undefined;
}

/** See `rateWindowsFor`. */
const MIN_STEPS_FOR_SHARED_LAYOUT = 8;

/**
 * `evalWindows` when windows overlap or touch: the samples of all windows (stale markers
 * left out) decoded once into `w`'s columns, then for each step the window is the index
 * range of the samples in [mint, maxt].
 */
function slideWindows(it: SampleIterator, w: RangeWindow, kernel: RangeFn, p: WindowPlan, scalarMats: readonly (StepMatrix | undefined)[], scalars: number[], tBuf: Float64Array, vBuf: Float64Array, q: SampleBudget, rates: RateWindows | undefined): number {
  const { steps, start, interval, rangeMs, offsetMs, at } = p;
  const { first, every } = stepRefs(at, start, interval, offsetMs);
  const span = windowSpan(p);
  w.clear();
  if (it.readInto !== undefined) {
    it.readInto(span.mint, span.maxt, w, true);
    w.countDrops();
  } else if (it.seek(span.mint)) {
    do {
      const t = it.t;
      if (t > span.maxt) break;
      const v = it.v;
      if (!isStaleNaN(v)) w.push(t, v);
    } while (it.next());
  }
  if (rates !== undefined) return rates.eval(w, tBuf, vBuf, q);
  const batch = kernel.windows;
  if (batch !== undefined && windowLo.length < steps) {
    windowLo = new Int32Array(steps);
    windowHi = new Int32Array(steps);
  }
  const total = w.hi;
  const times = w.t;
  let lo = 0;
  let hi = 0;
  let held = 0;
  let peak = 0;
  let n = 0;
  for (let step = 0; step < steps && total > 0; step++) {
    const ts = start + step * interval;
    const maxt = first + step * every;
    const mint = maxt - rangeMs;
    while (hi < total && times[hi]! <= maxt) hi++;
    while (lo < hi && times[lo]! < mint) lo++;
    if (hi - lo !== held) {
      q.samples += hi - lo - held;
      held = hi - lo;
      if (held > peak) peak = held;
      if (q.samples > q.o.maxSamples) throw tooManySamples();
    }
    if (held === 0) continue;
    if (batch !== undefined) {
      // Windows noted here, their values worked out together below.
      windowLo[n] = lo;
      windowHi[n] = hi;
      tBuf[n] = ts;
      n++;
      continue;
    }
    scalarsAt(scalarMats, step, scalars);
    w.lo = lo;
    w.hi = hi;
    const r = kernel(w, mint, maxt, ts, scalars);
    if (r !== undefined) {
      tBuf[n] = ts;
      vBuf[n] = r;
      n++;
    }
  }
  if (batch !== undefined && n > 0) batch(w.v, windowLo, windowHi, n, vBuf);
  q.samples -= held;
  w.peak = peak;
  return n;
}

/** `slideWindows`' notes of each step's window for a kernel that takes them at once (`RangeFn.windows`); grown as needed. */
let windowLo = new Int32Array(256);
let windowHi = new Int32Array(256);

/** `evalWindows` with the windows apart: seeks to each window's start. */
function stepWindows(it: SampleIterator, w: RangeWindow, kernel: RangeFn, p: WindowPlan, scalarMats: readonly (StepMatrix | undefined)[], scalars: number[], tBuf: Float64Array, vBuf: Float64Array, q: SampleBudget): number {
  const { steps, start, interval, rangeMs, offsetMs, at } = p;
  const { first, every } = stepRefs(at, start, interval, offsetMs);
  w.clear();
  let has = false;
  let started = false;
  let peak = 0;
  let n = 0;
  for (let step = 0; step < steps; step++) {
    const ts = start + step * interval;
    scalarsAt(scalarMats, step, scalars);
    const maxt = first + step * every;
    const mint = maxt - rangeMs;
    q.samples -= w.dropBefore(mint);
    if (!started) {
      has = it.seek(mint);
      started = true;
    } else if (has && it.t < mint) {
      has = it.seek(mint);
    }
    let added = 0;
    while (has && it.t <= maxt) {
      const pv = it.v;
      if (!isStaleNaN(pv)) {
        w.push(it.t, pv);
        added++;
      }
      has = it.next();
    }
    if (added > 0) {
      q.samples += added;
      if (w.size > peak) peak = w.size;
      if (q.samples > q.o.maxSamples) throw tooManySamples();
    }
    if (w.size === 0) continue;
    const r = kernel(w, mint, maxt, ts, scalars);
    if (r !== undefined) {
      tBuf[n] = ts;
      vBuf[n] = r;
      n++;
    }
  }
  q.samples -= w.size;
  w.peak = peak;
  return n;
}
