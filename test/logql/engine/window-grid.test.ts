// Proves the window grid: every step's window is exactly the intervals between its two
// edges, and a time's interval is found whatever the hint (ahead, behind, far off).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WindowGrid } from '../../../src/logql/engine/window-grid.js';

const gridArb = fc.record({
  startMs: fc.integer({ min: 0, max: 1_000_000 }),
  stepMs: fc.integer({ min: 0, max: 90_000 }),
  count: fc.integer({ min: 1, max: 30 }),
  offsetMs: fc.integer({ min: -50_000, max: 50_000 }),
  rangeMs: fc.integer({ min: 0, max: 300_000 }),
});

describe('WindowGrid', () => {
  it('puts a time in a window exactly when start < t <= end', () => {
    fc.assert(
      fc.property(
        gridArb,
        fc.array(fc.tuple(fc.integer({ min: -400_000, max: 4_000_000 }), fc.boolean(), fc.integer({ min: -2, max: 70 })), { minLength: 1, maxLength: 60 }),
        ({ startMs, stepMs, count, offsetMs, rangeMs }, times) => {
          const steps = { startMs, stepMs, count };
          const g = new WindowGrid(steps, offsetMs, rangeMs);
          for (const [ms, half, hint] of times) {
            // A time inside a millisecond is kept as ms + 0.5 (range-aggregation.ts).
            const t = half ? ms + 0.5 : ms;
            const j = g.intervalOf(t, Math.min(hint, g.intervals));
            for (let i = 0; i < count; i++) {
              const end = startMs + i * stepMs - offsetMs;
              const inWindow = end - rangeMs < t && t <= end;
              const inIntervals = j >= 0 && g.startEdge[i]! <= j && j < g.endEdge[i]!;
              expect(inIntervals, `t=${t} step ${i}`).toBe(inWindow);
            }
            if (j >= 0) expect(g.edges[j]! < t && t <= g.edges[j + 1]!).toBe(true);
          }
        },
      ),
      { seed: 20261202, numRuns: 400 },
    );
  });

  it.each([
    { name: 'an instant query: one window, one interval', steps: { startMs: 600_000, stepMs: 0, count: 1 }, offsetMs: 0, rangeMs: 300_000, edges: [300_000, 600_000] },
    { name: 'windows wider than the step share edges', steps: { startMs: 100, stepMs: 10, count: 3 }, offsetMs: 0, rangeMs: 20, edges: [80, 90, 100, 110, 120] },
    { name: 'an offset moves every edge back', steps: { startMs: 100, stepMs: 50, count: 2 }, offsetMs: 30, rangeMs: 10, edges: [60, 70, 110, 120] },
  ])('$name', ({ steps, offsetMs, rangeMs, edges }) => {
    const g = new WindowGrid(steps, offsetMs, rangeMs);
    expect([...g.edges]).toEqual(edges);
    expect(g.intervals).toBe(edges.length - 1);
  });
});
