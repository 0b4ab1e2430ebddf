// Proves the shared-timestamp path of rate/increase/delta (rate-windows.ts) gives the bits
// the kernel gives at every step, with the same sample accounting, for series that share
// a timestamp column one after another and for series that do not: counter resets, NaN,
// ±Inf, -0, values that make the zero-point clamp apply or nearly apply, windows of one
// sample, `@` and offsets.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rangeFunction } from '../../../src/promql/engine/functions.js';
import { RangeWindow } from '../../../src/promql/engine/range-window.js';
import { evalWindows, rateWindowsFor, type WindowPlan } from '../../../src/promql/engine/window-eval.js';
import type { SampleIterator } from '../../../src/tsdb/interface.js';

/** A cursor over columns (no bulk read: the window is filled by pushes). */
class Columns implements SampleIterator {
  private i = -1;
  t = 0;
  v = 0;
  constructor(
    private readonly ts: readonly number[],
    private readonly vs: readonly number[],
  ) {}
  next(): boolean {
    if (++this.i >= this.ts.length) return false;
    this.t = this.ts[this.i]!;
    this.v = this.vs[this.i]!;
    return true;
  }
  seek(t: number): boolean {
    if (this.i >= 0 && this.i < this.ts.length && this.t >= t) return true;
    while (this.next()) if (this.t >= t) return true;
    return false;
  }
  err(): Error | undefined {
    return undefined;
  }
}

const value = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 50 }) },
  { weight: 2, arbitrary: fc.double({ min: 0, max: 1e6, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, -3, 1e300, 5e-324) },
);

const scenario = fc.record({
  /** Timestamps: gaps between samples (ms). */
  gaps: fc.array(fc.constantFrom(1_000, 10_000, 15_000, 15_000, 15_000, 30_000, 61_000), { minLength: 1, maxLength: 60 }),
  /** Several series; `shared` ones reuse the timestamp column. */
  series: fc.array(fc.record({ shared: fc.boolean(), values: fc.array(value, { minLength: 60, maxLength: 60 }), jitter: fc.integer({ min: 0, max: 3_000 }) }), { minLength: 1, maxLength: 6 }),
  start: fc.integer({ min: 0, max: 200_000 }),
  interval: fc.constantFrom(1_000, 10_000, 20_000, 60_000),
  steps: fc.integer({ min: 8, max: 60 }),
  rangeMs: fc.constantFrom(60_000, 120_000, 300_000, 600_000),
  offsetMs: fc.constantFrom(0, 30_000),
  at: fc.option(fc.integer({ min: 0, max: 900_000 }), { nil: undefined }),
});

describe('RateWindows', () => {
  it.each(['rate', 'increase', 'delta'])('%s: the bits of the kernel at every step', (func) => {
    const kernel = rangeFunction(func)!;
    fc.assert(
      fc.property(scenario, (s) => {
        const plan: WindowPlan = { start: s.start, interval: s.interval, steps: s.steps, rangeMs: s.rangeMs, offsetMs: s.offsetMs, at: s.at };
        const rates = rateWindowsFor(func, plan);
        if (rates === undefined) return; // windows apart: the kernel path only
        const base: number[] = [];
        let t = 0;
        for (const g of s.gaps) base.push((t += g));
        for (const series of s.series) {
          const ts = series.shared ? base : base.map((x, i) => x + (i === 0 ? series.jitter : 0));
          const vs = series.values.slice(0, ts.length);
          const fast = { t: new Float64Array(s.steps), v: new Float64Array(s.steps), q: { samples: 7, o: { maxSamples: Infinity } }, w: new RangeWindow() };
          const slow = { t: new Float64Array(s.steps), v: new Float64Array(s.steps), q: { samples: 7, o: { maxSamples: Infinity } }, w: new RangeWindow() };
          const nFast = evalWindows(new Columns(ts, vs), fast.w, kernel, plan, [], [NaN], fast.t, fast.v, fast.q, rates);
          const nSlow = evalWindows(new Columns(ts, vs), slow.w, kernel, plan, [], [NaN], slow.t, slow.v, slow.q);
          expect(nFast).toBe(nSlow);
          expect(fast.q.samples).toBe(slow.q.samples);
          expect(fast.w.peak).toBe(slow.w.peak);
          for (let i = 0; i < nSlow; i++) {
            expect(fast.t[i]).toBe(slow.t[i]);
            expect(Object.is(fast.v[i], slow.v[i]), `step ${i}: ${fast.v[i]} vs ${slow.v[i]}`).toBe(true);
          }
        }
      }),
      { seed: 20261201, numRuns: 400 },
    );
  });

  it('fails the sample limit at the same step as the kernel path', () => {
    const kernel = rangeFunction('rate')!;
    const plan: WindowPlan = { start: 300_000, interval: 15_000, steps: 40, rangeMs: 300_000, offsetMs: 0, at: undefined };
    const ts = Array.from({ length: 60 }, (_, i) => (i + 1) * 15_000);
    const vs = ts.map((_, i) => i * 3);
    for (const maxSamples of [5, 20, 21, 22, 30]) {
      const run = (fast: boolean): string => {
        try {
          const q = { samples: 0, o: { maxSamples } };
          return String(evalWindows(new Columns(ts, vs), new RangeWindow(), kernel, plan, [], [NaN], new Float64Array(40), new Float64Array(40), q, fast ? rateWindowsFor('rate', plan) : undefined));
        } catch (err) {
          return (err as Error).message;
        }
      };
      expect(run(true), `maxSamples ${maxSamples}`).toBe(run(false));
    }
  });
});
