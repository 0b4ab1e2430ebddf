// Proves that rate/increase/delta/irate/idelta/resets/changes kernels give Prometheus 2.42's
// results on the windows of its functions.test, including counter resets, extrapolation
// limits and the zero-point clamp.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { changes, extrapolatedRate, goDurationSeconds, instantValue, resets } from '../../../src/promql/functions/index.js';
import type { Point } from '../../../src/promql/value.js';
import { expectBits, expectPromValue, loadSeries, MIN, window } from './helpers.js';

interface RangeRow {
  name: string;
  interval: number;
  series: string;
  at: number;
  range: number;
  offset?: number;
  expected: number;
}

const foo = '1 2 3 0 1 0 0 1 2 0';
const bar = '1 2 3 4 5 1 2 3 4 5';
const biz = '0 0 0 0 0 1 1 1 1 1';

describe('resets', () => {
  const rows: RangeRow[] = [
    { name: '/foo [5m]', interval: 5 * MIN, series: foo, at: 50 * MIN, range: 5 * MIN, expected: 0 },
    { name: '/foo [20m]', interval: 5 * MIN, series: foo, at: 50 * MIN, range: 20 * MIN, expected: 1 },
    { name: '/foo [30m]', interval: 5 * MIN, series: foo, at: 50 * MIN, range: 30 * MIN, expected: 2 },
    { name: '/foo [50m]', interval: 5 * MIN, series: foo, at: 50 * MIN, range: 50 * MIN, expected: 3 },
    { name: '/bar [5m]', interval: 5 * MIN, series: bar, at: 50 * MIN, range: 5 * MIN, expected: 0 },
    { name: '/bar [20m]', interval: 5 * MIN, series: bar, at: 50 * MIN, range: 20 * MIN, expected: 0 },
    { name: '/bar [30m]', interval: 5 * MIN, series: bar, at: 50 * MIN, range: 30 * MIN, expected: 1 },
    { name: '/bar [50m]', interval: 5 * MIN, series: bar, at: 50 * MIN, range: 50 * MIN, expected: 1 },
    { name: '/biz [50m]', interval: 5 * MIN, series: biz, at: 50 * MIN, range: 50 * MIN, expected: 0 },
    { name: 'NaN never counts', interval: MIN, series: '3 NaN 1 NaN 0', at: 4 * MIN, range: 4 * MIN, expected: 0 },
    { name: '-Inf after a number', interval: MIN, series: '1 -Inf Inf 5', at: 3 * MIN, range: 3 * MIN, expected: 2 },
  ];
  it.each(rows)('$name', (r) => {
    expect(resets(window(loadSeries(r.interval, r.series), r.at, r.range).points)).toBe(r.expected);
  });
  it('is 0 for no points and for one point', () => {
    expect(resets([])).toBe(0);
    expect(resets([{ t: 0, v: 5 }])).toBe(0);
  });
  it('does not count -0 after +0', () => {
    expect(resets([{ t: 0, v: 0 }, { t: 1, v: -0 }])).toBe(0);
  });
});

describe('changes', () => {
  const rows: RangeRow[] = [
    { name: '/foo [5m]', interval: 5 * MIN, series: foo, at: 50 * MIN, range: 5 * MIN, expected: 0 },
    { name: '/foo [20m]', interval: 5 * MIN, series: foo, at: 50 * MIN, range: 20 * MIN, expected: 3 },
    { name: '/foo [30m]', interval: 5 * MIN, series: foo, at: 50 * MIN, range: 30 * MIN, expected: 4 },
    { name: '/foo [50m]', interval: 5 * MIN, series: foo, at: 50 * MIN, range: 50 * MIN, expected: 8 },
    { name: '/bar [20m]', interval: 5 * MIN, series: bar, at: 50 * MIN, range: 20 * MIN, expected: 3 },
    { name: '/bar [30m]', interval: 5 * MIN, series: bar, at: 50 * MIN, range: 30 * MIN, expected: 5 },
    { name: '/bar [50m]', interval: 5 * MIN, series: bar, at: 50 * MIN, range: 50 * MIN, expected: 9 },
    { name: '/biz [30m]', interval: 5 * MIN, series: biz, at: 50 * MIN, range: 30 * MIN, expected: 1 },
    { name: 'NaN NaN NaN', interval: 5 * MIN, series: 'NaN NaN NaN', at: 15 * MIN, range: 15 * MIN, expected: 0 },
    { name: '0 NaN 0', interval: 5 * MIN, series: '0 NaN 0', at: 15 * MIN, range: 15 * MIN, expected: 2 },
  ];
  it.each(rows)('$name', (r) => {
    expect(changes(window(loadSeries(r.interval, r.series), r.at, r.range).points)).toBe(r.expected);
  });
  it('is 0 for no points, and +0/-0 are no change', () => {
    expect(changes([])).toBe(0);
    expect(changes([{ t: 0, v: 0 }, { t: 1, v: -0 }])).toBe(0);
  });
});

interface RateRow extends RangeRow {
  isCounter: boolean;
  isRate: boolean;
  /** The expected value is Go's exact output (printed with all its digits upstream). */
  exact?: boolean;
}

const rateRows: RateRow[] = [
  // increase()
  { name: 'increase 0+10x10 [50m]', interval: 5 * MIN, series: '0+10x10', at: 50 * MIN, range: 50 * MIN, isCounter: true, isRate: false, expected: 100 },
  { name: 'increase 0+10x5 0+10x5 [50m]', interval: 5 * MIN, series: '0+10x5 0+10x5', at: 50 * MIN, range: 50 * MIN, isCounter: true, isRate: false, expected: 90 },
  { name: 'increase 0+10x10 [100m]', interval: 5 * MIN, series: '0+10x10', at: 50 * MIN, range: 100 * MIN, isCounter: true, isRate: false, expected: 100 },
  { name: 'increase 0+10x5 0+10x5 [100m]', interval: 5 * MIN, series: '0+10x5 0+10x5', at: 50 * MIN, range: 100 * MIN, isCounter: true, isRate: false, expected: 90 },
  { name: 'increase across a reset 3 → 2', interval: 5 * MIN, series: '0 1 2 3 2 3 4', at: 30 * MIN, range: 30 * MIN, isCounter: true, isRate: false, expected: 7 },
  // rate()
  { name: 'rate reset in the middle', interval: 5 * MIN, series: '0+10x4 0+10x5', at: 50 * MIN, range: 50 * MIN, isCounter: true, isRate: true, expected: 0.03 },
  { name: 'rate reset at the end', interval: 5 * MIN, series: '0+10x9 0 10', at: 50 * MIN, range: 5 * MIN, isCounter: true, isRate: true, expected: 0 },
  { name: 'rate per second', interval: 5 * MIN, series: '0+80x10', at: 50 * MIN, range: 50 * MIN, isCounter: true, isRate: true, expected: 0.26666666666666666, exact: true },
  { name: 'rate offset x=a', interval: 5 * MIN, series: '0+10x10', at: 50 * MIN, range: 10 * MIN, offset: 5 * MIN, isCounter: true, isRate: true, expected: 0.03333333333333333, exact: true },
  { name: 'rate offset x=b', interval: 5 * MIN, series: '0+20x10', at: 50 * MIN, range: 10 * MIN, offset: 5 * MIN, isCounter: true, isRate: true, expected: 0.06666666666666667, exact: true },
  { name: 'rate [5m] at 50m over 0+10x10', interval: 5 * MIN, series: '0+10x10', at: 50 * MIN, range: 5 * MIN, isCounter: true, isRate: true, expected: 0.03333333333333333, exact: true },
  // Zero cutoff for left-side extrapolation (load 4m, rate(...[20m]) at 10m).
  { name: 'zero cutoff start=0m', interval: 4 * MIN, series: '0+240x10', at: 10 * MIN, range: 20 * MIN, isCounter: true, isRate: true, expected: 0.5 },
  { name: 'zero cutoff start=1m', interval: 4 * MIN, series: '60+240x10', at: 10 * MIN, range: 20 * MIN, isCounter: true, isRate: true, expected: 0.55 },
  { name: 'zero cutoff start=2m', interval: 4 * MIN, series: '120+240x10', at: 10 * MIN, range: 20 * MIN, isCounter: true, isRate: true, expected: 0.6 },
  { name: 'zero cutoff start=3m', interval: 4 * MIN, series: '180+240x10', at: 10 * MIN, range: 20 * MIN, isCounter: true, isRate: true, expected: 0.65 },
  { name: 'zero cutoff start=4m', interval: 4 * MIN, series: '240+240x10', at: 10 * MIN, range: 20 * MIN, isCounter: true, isRate: true, expected: 0.7 },
  { name: 'zero cutoff start=5m (half-interval wins)', interval: 4 * MIN, series: '300+240x10', at: 10 * MIN, range: 20 * MIN, isCounter: true, isRate: true, expected: 0.6 },
  // Normal half-interval cutoff (same series, at 50m).
  { name: 'half-interval cutoff start=0m', interval: 4 * MIN, series: '0+240x10', at: 50 * MIN, range: 20 * MIN, isCounter: true, isRate: true, expected: 0.6 },
  { name: 'half-interval cutoff start=5m', interval: 4 * MIN, series: '300+240x10', at: 50 * MIN, range: 20 * MIN, isCounter: true, isRate: true, expected: 0.6 },
  // deriv's companion: rate of http_requests{instance="1",group="canary"}.
  { name: 'rate 0+80x10 [50m]', interval: 5 * MIN, series: '0+80x10', at: 50 * MIN, range: 50 * MIN, isCounter: true, isRate: true, expected: 0.26666666666666666, exact: true },
  // delta()
  { name: 'delta up', interval: 5 * MIN, series: '0 50 100 150 200', at: 20 * MIN, range: 20 * MIN, isCounter: false, isRate: false, expected: 200 },
  { name: 'delta down', interval: 5 * MIN, series: '200 150 100 50 0', at: 20 * MIN, range: 20 * MIN, isCounter: false, isRate: false, expected: -200 },
  { name: 'delta ignores resets', interval: 5 * MIN, series: '0+10x4 0+10x5', at: 50 * MIN, range: 50 * MIN, isCounter: false, isRate: false, expected: 50 },
  // Two samples 60s apart at the start of a 5m window: the start needs no extrapolation,
  // the end is 240s away (beyond 1.1 × 60s) so it gets half an interval: -10 · 90/60.
  { name: 'delta, end extrapolated by half an interval', interval: MIN, series: '5 -5', at: 5 * MIN, range: 5 * MIN, isCounter: false, isRate: false, expected: -15, exact: true },
];

describe('extrapolatedRate', () => {
  it.each(rateRows)('$name', (r) => {
    const w = window(loadSeries(r.interval, r.series), r.at, r.range, r.offset);
    const got = extrapolatedRate(w.points, w.rangeStartMs, w.rangeEndMs, r.isCounter, r.isRate);
    if (r.exact) expectBits(got, r.expected);
    else expectPromValue(got, r.expected);
  });

  it('returns undefined with fewer than two points', () => {
    expect(extrapolatedRate([], 0, 300_000, true, true)).toBeUndefined();
    expect(extrapolatedRate([{ t: 10, v: 1 }], 0, 300_000, true, true)).toBeUndefined();
  });

  it('clamps start extrapolation at the zero point before the threshold test (2.42 order)', () => {
    // Two samples 60s apart, first at 70s after the start (beyond 1.1×60s). The zero point
    // is 60·(10/10) = 60s back, shorter than 70s, so durationToStart becomes 60 — which is
    // below the threshold 66, so 2.42 extrapolates the full 60s (later versions compare
    // the threshold first and use 30s).
    const points: Point[] = [
      { t: 70_000, v: 10 },
      { t: 130_000, v: 20 },
    ];
    const got = extrapolatedRate(points, 0, 130_000, true, false);
    expectBits(got, 10 * ((60 + 60 + 0) / 60));
  });

  it('handles NaN and ±Inf as IEEE arithmetic does', () => {
    const mk = (...vs: number[]): Point[] => vs.map((v, i) => ({ t: i * 15_000, v }));
    // A NaN in the middle compares false both ways: no reset, no effect on last − first.
    expectBits(extrapolatedRate(mk(1, NaN, 3), 0, 30_000, true, true), 2 * (1 / 30));
    expect(extrapolatedRate(mk(1, 2, NaN), 0, 30_000, true, true)).toBeNaN();
    expect(extrapolatedRate(mk(0, Infinity), 0, 15_000, false, false)).toBe(Infinity);
    expect(extrapolatedRate(mk(Infinity, Infinity), 0, 15_000, false, false)).toBeNaN();
  });

  it('gives ±Inf or NaN when both points share a timestamp', () => {
    const same: Point[] = [
      { t: 1000, v: 1 },
      { t: 1000, v: 2 },
    ];
    const got = extrapolatedRate(same, 0, 1000, false, false);
    expect(got === Infinity || Number.isNaN(got)).toBe(true);
  });
});

describe('extrapolatedRate against Prometheus 2.42 line by line', () => {
  /** functions.go's extrapolatedRate as written, with every division done. */
  function reference(points: readonly Point[], rangeStart: number, rangeEnd: number, isCounter: boolean, isRate: boolean): number | undefined {
    if (points.length < 2) return undefined;
    const first = points[0]!;
    const last = points[points.length - 1]!;
    let result = last.v - first.v;
    if (isCounter) {
      let prev = first.v;
      for (const p of points.slice(1)) {
        if (p.v < prev) result += prev;
        prev = p.v;
      }
    }
    let durationToStart = (first.t - rangeStart) / 1000;
    const durationToEnd = (rangeEnd - last.t) / 1000;
    const sampledInterval = (last.t - first.t) / 1000;
    const average = sampledInterval / (points.length - 1);
    if (isCounter && result > 0 && first.v >= 0) {
      const durationToZero = sampledInterval * (first.v / result);
      if (durationToZero < durationToStart) durationToStart = durationToZero;
    }
    const threshold = average * 1.1;
    let interval = sampledInterval;
    interval += durationToStart < threshold ? durationToStart : average / 2;
    interval += durationToEnd < threshold ? durationToEnd : average / 2;
    let factor = interval / sampledInterval;
    if (isRate) factor /= Math.trunc((rangeEnd - rangeStart) / 1000) + (((rangeEnd - rangeStart) % 1000) * 1e6) / 1e9;
    return result * factor;
  }

  it('agrees bit for bit, the zero-point clamp near its tie included', () => {
    const value = fc.oneof(
      fc.integer({ min: 0, max: 1000 }),
      fc.double({ min: 0, max: 1e6, noNaN: true }),
      fc.constantFrom(0, -0, 1e-300, 5e-324, 1e300, Infinity, NaN, -1),
    );
    const window = fc.record({
      start: fc.integer({ min: 0, max: 60_000 }),
      gaps: fc.array(fc.integer({ min: 0, max: 30_000 }), { minLength: 1, maxLength: 12 }),
      values: fc.array(value, { minLength: 13, maxLength: 13 }),
      range: fc.integer({ min: 1, max: 400_000 }),
      isCounter: fc.boolean(),
      isRate: fc.boolean(),
    });
    fc.assert(
      fc.property(window, (w) => {
        let t = w.start;
        const points: Point[] = [{ t, v: w.values[0]! }];
        w.gaps.forEach((g, i) => {
          t += g;
          points.push({ t, v: w.values[i + 1]! });
        });
        const end = t + (w.range % 30_000);
        const start = Math.min(w.start, end - w.range);
        expectBits(extrapolatedRate(points, start, end, w.isCounter, w.isRate), reference(points, start, end, w.isCounter, w.isRate)!);
      }),
      { seed: 20261201, numRuns: 20_000 },
    );
  });

  it('agrees where the clamp ties: a counter whose increase spans exactly to zero', () => {
    // First value 10, increase 10 over 60 s: the zero point is exactly 60 s back.
    for (const startGap of [59_999, 60_000, 60_001]) {
      const points: Point[] = [
        { t: startGap, v: 10 },
        { t: startGap + 60_000, v: 20 },
      ];
      expectBits(extrapolatedRate(points, 0, startGap + 60_000, true, true), reference(points, 0, startGap + 60_000, true, true)!);
    }
  });
});

describe('goDurationSeconds', () => {
  it.each([
    [300_000, 300],
    [1_500, 1.5],
    [1, 0.001],
    [90_061_001, 90_061.001],
  ])('%d ms → %d s (split as Go does)', (ms, s) => {
    expectBits(goDurationSeconds(ms), Math.trunc(ms / 1000) + ((ms % 1000) * 1e6) / 1e9);
    expectPromValue(goDurationSeconds(ms), s);
  });
});

describe('instantValue', () => {
  const rows: (RangeRow & { isRate: boolean; exact?: boolean })[] = [
    { name: 'irate /foo at 50m', interval: 5 * MIN, series: '0+10x10', at: 50 * MIN, range: 50 * MIN, isRate: true, expected: 0.03333333333333333, exact: true },
    { name: 'irate /bar at 50m', interval: 5 * MIN, series: '0+10x5 0+10x5', at: 50 * MIN, range: 50 * MIN, isRate: true, expected: 0.03333333333333333, exact: true },
    { name: 'irate /foo at 30m', interval: 5 * MIN, series: '0+10x10', at: 30 * MIN, range: 50 * MIN, isRate: true, expected: 0.03333333333333333, exact: true },
    { name: 'irate counter reset at 30m', interval: 5 * MIN, series: '0+10x5 0+10x5', at: 30 * MIN, range: 50 * MIN, isRate: true, expected: 0, exact: true },
    { name: 'idelta up', interval: 5 * MIN, series: '0 50 100 150', at: 20 * MIN, range: 20 * MIN, isRate: false, expected: 50, exact: true },
    { name: 'idelta down (no reset logic)', interval: 5 * MIN, series: '0 50 100 50', at: 20 * MIN, range: 20 * MIN, isRate: false, expected: -50, exact: true },
  ];
  it.each(rows)('$name', (r) => {
    const w = window(loadSeries(r.interval, r.series), r.at, r.range);
    expectBits(instantValue(w.points, r.isRate), r.expected);
  });

  it('irate after a reset is the last value per second', () => {
    expectBits(instantValue([{ t: 0, v: 100 }, { t: 10_000, v: 5 }], true), 0.5);
  });

  it('returns undefined for fewer than two points or equal timestamps', () => {
    expect(instantValue([], true)).toBeUndefined();
    expect(instantValue([{ t: 0, v: 1 }], false)).toBeUndefined();
    expect(instantValue([{ t: 5, v: 1 }, { t: 5, v: 2 }], true)).toBeUndefined();
    expect(instantValue([{ t: 5, v: 1 }, { t: 5, v: 2 }], false)).toBeUndefined();
  });

  it('propagates NaN', () => {
    expect(instantValue([{ t: 0, v: NaN }, { t: 1000, v: 2 }], true)).toBeNaN();
  });
});
