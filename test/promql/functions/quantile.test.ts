// Proves that quantile() and bucketQuantile() (histogram_quantile) give Prometheus 2.42's
// results from aggregators.test and histograms.test, and hold their order properties.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketQuantile, quantile, type Bucket } from '../../../src/promql/functions/index.js';
import { almostEqual, expectBits, expectPromValue } from './helpers.js';

/** Buckets from `le` → cumulative count pairs, as the engine will build them. */
function buckets(pairs: [number, number][]): Bucket[] {
  return pairs.map(([upperBound, count]) => ({ upperBound, count }));
}

// histograms.test at 50m (value index 10 of `0+Nx10`), before and after rate(): the
// quantile is scale-free, so raw counts stand for the rates.
const positive: [number, number][] = [[0.1, 50], [0.2, 70], [1, 110], [Infinity, 120]];
const negative: [number, number][] = [[-0.2, 10], [-0.1, 20], [0.3, 20], [Infinity, 30]];
// testhistogram2 at 7m (index 1).
const middle: [number, number][] = [[0, 0], [2, 1], [4, 2], [6, 3], [Infinity, 3]];
// request_duration_seconds summed by le, by job.
const everything: [number, number][] = [[0.1, 10], [0.2, 19], [Infinity, 25]];
const job1: [number, number][] = [[0.1, 3], [0.2, 8], [Infinity, 10]];
const job2: [number, number][] = [[0.1, 7], [0.2, 11], [Infinity, 15]];
const ins1job1: [number, number][] = [[0.1, 1], [0.2, 3], [Infinity, 4]];
const ins2job2: [number, number][] = [[0.1, 4], [0.2, 7], [Infinity, 9]];
const nonmonotonic: [number, number][] = [[0.1, 20], [1, 10], [10, 50], [100, 40], [1000, 90], [Infinity, 80]];
const mixedIns1: [number, number][] = [[0.1, 1], [0.2, 1], [2e-1, 1], [2.0e-1, 1], [Infinity, 4]];
const mixedIns2: [number, number][] = [[Infinity, 0], [Infinity, 0]];
const empty: [number, number][] = [[0.1, 0], [0.2, 0], [Infinity, 0]];

const rows: { name: string; q: number; b: [number, number][]; expected: number }[] = [
  { name: 'quantile too low', q: -0.1, b: positive, expected: -Infinity },
  { name: 'quantile too high', q: 1.01, b: negative, expected: Infinity },
  { name: 'quantile NaN', q: NaN, b: positive, expected: NaN },
  { name: 'q=0, lowest bucket positive', q: 0, b: positive, expected: 0 },
  { name: 'q=0, lowest bucket negative', q: 0, b: negative, expected: -0.2 },
  { name: 'q=1 positive', q: 1, b: positive, expected: 1 },
  { name: 'q=1 negative', q: 1, b: negative, expected: 0.3 },
  { name: 'q=.2 positive', q: 0.2, b: positive, expected: 0.048 },
  { name: 'q=.2 negative', q: 0.2, b: negative, expected: -0.2 },
  { name: 'q=.5 positive', q: 0.5, b: positive, expected: 0.15 },
  { name: 'q=.5 negative', q: 0.5, b: negative, expected: -0.15 },
  { name: 'q=.8 positive', q: 0.8, b: positive, expected: 0.72 },
  { name: 'q=.8 negative', q: 0.8, b: negative, expected: 0.3 },
  { name: 'middle of bucket 1/6', q: 1 / 6, b: middle, expected: 1 },
  { name: 'middle of bucket 1/2', q: 0.5, b: middle, expected: 3 },
  { name: 'middle of bucket 5/6', q: 5 / 6, b: middle, expected: 5 },
  { name: 'aggregated q=.3', q: 0.3, b: everything, expected: 0.075 },
  { name: 'aggregated q=.5', q: 0.5, b: everything, expected: 0.1277777777777778 },
  { name: 'job1 q=.3', q: 0.3, b: job1, expected: 0.1 },
  { name: 'job1 q=.5', q: 0.5, b: job1, expected: 0.14 },
  { name: 'job2 q=.3', q: 0.3, b: job2, expected: 0.0642857142857143 },
  { name: 'job2 q=.5', q: 0.5, b: job2, expected: 0.1125 },
  { name: 'ins1/job1 q=.3', q: 0.3, b: ins1job1, expected: 0.11 },
  { name: 'ins1/job1 q=.5', q: 0.5, b: ins1job1, expected: 0.15 },
  { name: 'ins2/job2 q=.3', q: 0.3, b: ins2job2, expected: 0.0675 },
  { name: 'ins2/job2 q=.5', q: 0.5, b: ins2job2, expected: 0.1166666666666667 },
  { name: 'nonmonotonic q=.01', q: 0.01, b: nonmonotonic, expected: 0.0045 },
  { name: 'nonmonotonic q=.5', q: 0.5, b: nonmonotonic, expected: 8.5 },
  { name: 'nonmonotonic q=.99 (the +Inf bucket is fixed too)', q: 0.99, b: nonmonotonic, expected: 979.75 },
  { name: 'equal bounds merged q=.5', q: 0.5, b: mixedIns1, expected: 0.15 },
  { name: 'equal bounds merged q=.75', q: 0.75, b: mixedIns1, expected: 0.2 },
  { name: 'equal bounds merged q=1', q: 1, b: mixedIns1, expected: 0.2 },
  { name: 'only +Inf buckets', q: 0.5, b: mixedIns2, expected: NaN },
  { name: 'no observations', q: 0.2, b: empty, expected: NaN },
  { name: 'no +Inf bucket', q: 0.5, b: [[0.1, 1], [1, 2]], expected: NaN },
  { name: 'no buckets', q: 0.5, b: [], expected: NaN },
  { name: 'rank in the +Inf bucket → highest finite bound', q: 0.99, b: [[1, 1], [2, 2], [Infinity, 10]], expected: 2 },
  { name: 'unsorted input', q: 0.5, b: [[Infinity, 120], [1, 110], [0.1, 50], [0.2, 70]], expected: 0.15 },
];

describe('bucketQuantile', () => {
  it.each(rows)('$name', (r) => {
    expectPromValue(bucketQuantile(r.q, buckets(r.b)), r.expected);
  });

  it('interpolates exactly as Prometheus: start + (end − start)·(rank/count)', () => {
    expectBits(bucketQuantile(0.5, buckets(ins2job2)), 0.1 + (0.2 - 0.1) * ((0.5 * 9 - 4) / (7 - 4)));
  });

  const histogram = fc
    .array(fc.tuple(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1e6, noNaN: true })), { minLength: 1, maxLength: 12 })
    .map((pairs) => {
      const bounds = [...new Set(pairs.map(([b]) => b))].sort((a, b) => a - b);
      let cum = 0;
      const out: Bucket[] = bounds.map((upperBound, i) => {
        cum += pairs[i]?.[1] ?? 0;
        return { upperBound, count: cum };
      });
      out.push({ upperBound: Infinity, count: cum + 1 });
      return out;
    });

  it('is non-decreasing in q (property)', () => {
    fc.assert(
      fc.property(histogram, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (h, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const x = bucketQuantile(lo, h.map((e) => ({ ...e })));
        const y = bucketQuantile(hi, h.map((e) => ({ ...e })));
        return x <= y || almostEqual(x, y);
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('stays within the finite bucket bounds (property)', () => {
    fc.assert(
      fc.property(histogram, fc.double({ min: 0, max: 1, noNaN: true }), (h, q) => {
        const finite = h.filter((b) => b.upperBound !== Infinity).map((b) => b.upperBound);
        const v = bucketQuantile(q, h.map((e) => ({ ...e })));
        const low = Math.min(0, finite[0]!);
        const high = finite[finite.length - 1]!;
        return v >= low - 1e-9 && v <= high + 1e-9;
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});

describe('quantile', () => {
  const rows: { name: string; q: number; values: number[]; expected: number }[] = [
    { name: 'two samples .8', q: 0.8, values: [0, 1], expected: 0.8 },
    { name: 'three samples .8', q: 0.8, values: [0, 1, 2], expected: 1.6 },
    { name: 'uneven samples .8', q: 0.8, values: [0, 1, 4], expected: 2.8 },
    { name: 'NaN q', q: NaN, values: [0, 1], expected: NaN },
    { name: 'q < 0', q: -1, values: [0, 1], expected: -Infinity },
    { name: 'q > 1', q: 2, values: [0, 1], expected: Infinity },
    { name: 'no values', q: 0.5, values: [], expected: NaN },
    { name: 'one value', q: 0.3, values: [7], expected: 7 },
    { name: 'NaN sorts first (q=0)', q: 0, values: [3, NaN, 1], expected: NaN },
    { name: 'NaN sorts first (q=.5)', q: 0.5, values: [3, NaN, 1], expected: 1 },
    { name: 'NaN sorts first (q=1)', q: 1, values: [3, NaN, 1], expected: 3 },
    { name: 'infinities', q: 0.5, values: [-Infinity, Infinity], expected: NaN },
    { name: 'unsorted', q: 0.25, values: [4, 3, 2, 1, 0], expected: 1 },
  ];
  it.each(rows)('$name', (r) => {
    expectPromValue(quantile(r.q, [...r.values]), r.expected);
  });

  it('sorts the values in place', () => {
    const v = [3, NaN, 1];
    quantile(0.5, v);
    expect(v[0]).toBeNaN();
    expect(v.slice(1)).toEqual([1, 3]);
  });

  /** A naive reference: position q·(n−1) on the sorted values, linear in between. */
  function naiveQuantile(q: number, values: readonly number[]): number {
    const s = [...values].sort((a, b) => a - b);
    const pos = q * (s.length - 1);
    const i = Math.floor(pos);
    if (i >= s.length - 1) return s[s.length - 1]!;
    return s[i]! + (s[i + 1]! - s[i]!) * (pos - i);
  }

  it('agrees with a naive implementation on finite values (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, q) => {
          const got = quantile(q, [...values]);
          const want = naiveQuantile(q, values);
          return Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want));
        },
      ),
      { seed: 1, numRuns: 1000 },
    );
  });
});
