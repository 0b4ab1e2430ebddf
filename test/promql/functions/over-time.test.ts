// Proves that the *_over_time kernels reproduce Prometheus 2.42's functions.test results,
// including its Inf/NaN mean rules, overflow-free averaging and exact-zero variance; and
// that the kernels over many windows at once give each window's own result, bit for bit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OVER_TIME, OVER_TIME_OF, OVER_TIME_WINDOWS, quantileOverTime, type OverTimeName } from '../../../src/promql/functions/index.js';
import { expectBits, expectPromValue, loadSeries, MIN, SEC, window } from './helpers.js';

/** `load 10s` series evaluated with `[1m]` at 1m, as in functions.test. */
function at1m(spec: string) {
  return window(loadSeries(10 * SEC, spec), MIN, MIN).points;
}

interface Row {
  fn: OverTimeName;
  series: string;
  expected: number;
  exact?: boolean;
}

const BIG = '9.988465674311579e+307';

const rows: Row[] = [
  { fn: 'avg_over_time', series: '1 2 3 4 5', expected: 3, exact: true },
  { fn: 'avg_over_time', series: '1 2 3 4 Inf', expected: Infinity, exact: true },
  { fn: 'avg_over_time', series: '1 2 3 4 -Inf', expected: -Infinity, exact: true },
  { fn: 'avg_over_time', series: '1 2 3 Inf -Inf', expected: NaN, exact: true },
  { fn: 'avg_over_time', series: 'Inf 0 Inf', expected: Infinity, exact: true },
  { fn: 'avg_over_time', series: 'Inf Inf Inf -Inf', expected: NaN, exact: true },
  { fn: 'avg_over_time', series: '1 2 3 -Inf -Inf', expected: -Infinity, exact: true },
  { fn: 'avg_over_time', series: '-Inf 0 -Inf', expected: -Infinity, exact: true },
  { fn: 'avg_over_time', series: '-Inf -Inf -Inf Inf', expected: NaN, exact: true },
  { fn: 'avg_over_time', series: '1 2 -Inf -Inf Inf', expected: NaN, exact: true },
  { fn: 'avg_over_time', series: `${BIG} ${BIG}`, expected: 9.988465674311579e307 },
  { fn: 'avg_over_time', series: `-${BIG} -${BIG} -${BIG}`, expected: -9.988465674311579e307 },
  { fn: 'avg_over_time', series: `-${BIG} ${BIG}`, expected: 0, exact: true },
  { fn: 'avg_over_time', series: '1 NaN 3', expected: NaN, exact: true },
  { fn: 'sum_over_time', series: '1 2 3 4 5', expected: 15, exact: true },
  { fn: 'sum_over_time', series: '1 2 3 4 Inf', expected: Infinity, exact: true },
  { fn: 'sum_over_time', series: '1 2 3 Inf -Inf', expected: NaN, exact: true },
  { fn: 'sum_over_time', series: `${BIG} ${BIG}`, expected: Infinity, exact: true }, // overflows, as upstream
  { fn: 'sum_over_time', series: `-${BIG} -${BIG} -${BIG}`, expected: -Infinity, exact: true },
  { fn: 'sum_over_time', series: `-${BIG} ${BIG}`, expected: 0, exact: true },
  // Compensated: 1e100 + 1 - 1e100 is 1, not 0.
  { fn: 'sum_over_time', series: '1e100 1 -1e100', expected: 1, exact: true },
  { fn: 'count_over_time', series: '1 NaN 3 Inf', expected: 4, exact: true },
  { fn: 'stdvar_over_time', series: '0 8 8 2 3', expected: 10.56 },
  { fn: 'stddev_over_time', series: '0 8 8 2 3', expected: 3.249615 },
  { fn: 'stdvar_over_time', series: '1.5990505637277868 1.5990505637277868 1.5990505637277868', expected: 0, exact: true },
  { fn: 'stddev_over_time', series: '1.5990505637277868 1.5990505637277868 1.5990505637277868', expected: 0, exact: true },
  { fn: 'stddev_over_time', series: '1 Inf', expected: NaN, exact: true },
  { fn: 'stdvar_over_time', series: '5', expected: 0, exact: true },
  { fn: 'min_over_time', series: '2 0 3', expected: 0, exact: true },
  { fn: 'min_over_time', series: '2 0 NaN', expected: 0, exact: true },
  { fn: 'min_over_time', series: '2 NaN 1', expected: 1, exact: true },
  { fn: 'min_over_time', series: 'NaN 0 1', expected: 0, exact: true },
  { fn: 'min_over_time', series: 'NaN NaN NaN', expected: NaN, exact: true },
  { fn: 'max_over_time', series: '2 0 3', expected: 3, exact: true },
  { fn: 'max_over_time', series: '2 0 NaN', expected: 2, exact: true },
  { fn: 'max_over_time', series: '2 NaN 1', expected: 2, exact: true },
  { fn: 'max_over_time', series: 'NaN 0 1', expected: 1, exact: true },
  { fn: 'max_over_time', series: 'NaN NaN NaN', expected: NaN, exact: true },
  { fn: 'last_over_time', series: '2 0 3', expected: 3, exact: true },
  { fn: 'last_over_time', series: '2 0 NaN', expected: NaN, exact: true },
  { fn: 'last_over_time', series: '2 NaN 1', expected: 1, exact: true },
  { fn: 'present_over_time', series: 'NaN NaN NaN', expected: 1, exact: true },
];

describe('OVER_TIME', () => {
  it.each(rows)('$fn($series)', (r) => {
    const got = OVER_TIME[r.fn](at1m(r.series));
    if (r.exact) expectBits(got, r.expected);
    else expectPromValue(got, r.expected);
  });

  it('sum/count reproduces the upstream sum_over_time/count_over_time rows', () => {
    const ratio = (s: string) => OVER_TIME.sum_over_time(at1m(s)) / OVER_TIME.count_over_time(at1m(s));
    expectBits(ratio('1 2 3 4 5'), 3);
    expectBits(ratio('Inf 0 Inf'), Infinity);
    expectBits(ratio('-Inf 0 -Inf'), -Infinity);
    expectBits(ratio('1 2 -Inf -Inf Inf'), NaN);
  });

  it('returns the arithmetic results on empty input instead of throwing', () => {
    expect(OVER_TIME.count_over_time([])).toBe(0);
    expect(OVER_TIME.sum_over_time([])).toBe(0);
    expect(OVER_TIME.min_over_time([])).toBeNaN();
    expect(OVER_TIME.last_over_time([])).toBeNaN();
  });
});

describe('OVER_TIME_WINDOWS', () => {
  // Values that hit every rule: ordinary ones, huge ones whose sum overflows, infinities of
  // both signs, NaN, and values close together (the compensation at work).
  const value = fc.oneof(
    fc.double(),
    fc.constantFrom(Infinity, -Infinity, NaN, 9.988465674311579e307, -9.988465674311579e307, 0, -0),
    fc.integer({ min: 0, max: 1_000 }).map((i) => 5e8 + i / 7),
  );
  it.each(['avg_over_time', 'stdvar_over_time', 'stddev_over_time'] as const)('%s gives every window what the kernel gives it alone, bit for bit', (fn) => {
    const windows = OVER_TIME_WINDOWS[fn]!;
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 80 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 40 }),
        (values, bounds) => {
          const v = Float64Array.from(values);
          // Windows as slideWindows makes them (any lengths, in any order here), never empty.
          const lo = Int32Array.from(bounds, ([a, b]) => Math.min(a % v.length, b % v.length));
          const hi = Int32Array.from(bounds, ([a, b]) => Math.max(a % v.length, b % v.length) + 1);
          const out = new Float64Array(bounds.length);
          windows(v, lo, hi, bounds.length, out);
          for (let k = 0; k < bounds.length; k++) expectBits(out[k]!, OVER_TIME_OF[fn]({ t: v, v, lo: lo[k]!, hi: hi[k]! }));
        },
      ),
      { seed: 0x0a7e, numRuns: 3000 },
    );
  });
});

describe('quantileOverTime', () => {
  const series = { two: '0 1', three: '0 1 2', uneven: '0 1 4' };
  const rows: { q: number; two: number; three: number; uneven: number }[] = [
    { q: 0, two: 0, three: 0, uneven: 0 },
    { q: 0.5, two: 0.5, three: 1, uneven: 1 },
    { q: 0.75, two: 0.75, three: 1.5, uneven: 2.5 },
    { q: 0.8, two: 0.8, three: 1.6, uneven: 2.8 },
    { q: 1, two: 1, three: 2, uneven: 4 },
    { q: -1, two: -Infinity, three: -Infinity, uneven: -Infinity },
    { q: 2, two: Infinity, three: Infinity, uneven: Infinity },
    { q: NaN, two: NaN, three: NaN, uneven: NaN },
  ];
  it.each(rows)('q=$q', (r) => {
    expectPromValue(quantileOverTime(r.q, at1m(series.two)), r.two);
    expectPromValue(quantileOverTime(r.q, at1m(series.three)), r.three);
    expectPromValue(quantileOverTime(r.q, at1m(series.uneven)), r.uneven);
  });
  it('does not reorder the caller’s points', () => {
    const pts = at1m('3 1 2');
    quantileOverTime(0.5, pts);
    expect(pts.map((p) => p.v)).toEqual([3, 1, 2]);
  });
});
