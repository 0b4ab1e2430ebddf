// Proves the range window keeps exactly the samples of [mint, ∞) in order while it slides,
// compacts and grows its columns, and that its point view matches its columns.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RangeWindow } from '../../../src/promql/engine/range-window.js';

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
});
