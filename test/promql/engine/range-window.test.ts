// Proves the range window keeps exactly the samples of [mint, ∞) in order while it slides,
// compacts and grows its columns, and that its point view matches its columns.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RangeWindow } from '../../../src/promql/engine/range-window.js';
import { extrapolatedRateOf } from '../../../src/promql/functions/range.js';

describe('RangeWindow', () => {
  it('matches a plain list under random pushes and drops', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 1, max: 150 }).map((n) => ({ push: n })), fc.integer({ min: 0, max: 200 }).map((d) => ({ drop: d }))), { maxLength: 40 }), (ops) => {
        const w = new RangeWindow();
        let model: { t: number; v: number }[] = [];
        let t = 0;
        for (const op of ops) {
          if ('push' in op) {
            for (let i = 0; i < op.push; i++, t++) {
              w.push(t, t * 0.5);
              model.push({ t, v: t * 0.5 });
            }
          } else {
            const mint = t - op.drop;
            const before = model.length;
            model = model.filter((p) => p.t >= mint);
            expect(w.dropBefore(mint)).toBe(before - model.length);
          }
          expect(w.size).toBe(model.length);
          expect(w.points().map((p) => ({ t: p.t, v: p.v }))).toEqual(model);
        }
      }),
      { seed: 20261130, numRuns: 200 },
    );
  });

  it('is empty after clear', () => {
    const w = new RangeWindow();
    w.push(1, 1);
    w.clear();
    expect(w.size).toBe(0);
    expect(w.points()).toEqual([]);
  });
  it('counts the resets inside the window as the reset scan finds them, and rate agrees with and without the count', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 1, max: 60 }).map((n) => ({ push: n })), fc.integer({ min: 0, max: 80 }).map((d) => ({ drop: d }))), { maxLength: 30 }), fc.integer({ min: 1, max: 1000 }), (ops, seed) => {
        const w = new RangeWindow();
        let t = 0;
        let x = seed;
        for (const op of ops) {
          if ('push' in op) {
            for (let i = 0; i < op.push; i++, t++) {
              x = (x * 48271) % 2147483647;
              // A counter that resets now and then (and sometimes stays flat).
              w.push(t * 1000, x % 7 === 0 ? x % 5 : t * 10 + (x % 3));
            }
          } else {
            w.dropBefore((t - op.drop) * 1000);
          }
          let resets = 0;
          for (let i = w.lo + 1; i < w.hi; i++) if (w.v[i]! < w.v[i - 1]!) resets++;
          if (w.size > 0) expect(w.drops[w.hi - 1]! - w.drops[w.lo]!).toBe(resets);
          const plain = { t: w.t, v: w.v, lo: w.lo, hi: w.hi };
          const end = t * 1000;
          expect(extrapolatedRateOf(w, end - 60_000, end, true, true)).toBe(extrapolatedRateOf(plain, end - 60_000, end, true, true));
        }
      }),
      { seed: 20261201, numRuns: 300 },
    );
  });
});
