// Proves GroupSteps.add finds each point's step as the division-based `stepOf` does: on
// random series of points at step timestamps (sparse, any start and interval, one step or
// many) the same columns; a point off the steps, out of order or repeated refuses the series.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GroupSteps, stepOf } from '../../../src/promql/engine/columnar-aggregate.js';

/** What `add` must give: each point's step by division, refused when off the steps or not increasing. */
function reference(steps: number, t: readonly number[], start: number, interval: number): number[] | undefined {
  const out: number[] = [];
  let prev = -1;
  for (const x of t) {
    const s = stepOf(x, start, interval, steps);
    if (s <= prev) return undefined;
    out.push((prev = s));
  }
  return out;
}

describe('GroupSteps.add', () => {
  it('puts points at the steps the division gives, or refuses them as it would', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: -2e12, max: 2e12 }),
        fc.integer({ min: 1, max: 3_600_000 }),
        fc.array(fc.nat(45), { maxLength: 30 }),
        fc.constantFrom('none', 'off', 'swap', 'repeat'),
        (steps, start, interval, picks, spoil) => {
          const idx = [...new Set(picks)].sort((a, b) => a - b);
          const t = idx.map((i) => start + i * interval);
          if (spoil === 'off' && t.length > 0) t[t.length >> 1]! += 1;
          if (spoil === 'swap' && t.length > 1) [t[0], t[1]] = [t[1]!, t[0]!];
          if (spoil === 'repeat' && t.length > 0) t.push(t[t.length - 1]!);
          const v = t.map((_, j) => j + 0.5);
          const acc = new GroupSteps('sum', steps);
          const g = acc.newGroup();
          const ok = acc.add(g, 7, t, v, t.length, start, interval);
          const want = reference(steps, t, start, interval);
          expect(ok).toBe(want !== undefined);
          if (want === undefined) return;
          const vals = Array.from({ length: steps }, () => 0);
          const cnt = Array.from({ length: steps }, () => 0);
          want.forEach((s, j) => {
            vals[s] = v[j]!;
            cnt[s] = 1;
          });
          expect([...acc.cnt.subarray(0, steps)]).toEqual(cnt);
          expect([...acc.vals.subarray(0, steps)]).toEqual(vals);
          expect([...acc.inputs]).toEqual(cnt);
          expect(acc.firstStep[g]).toBe(want.length > 0 ? want[0] : steps);
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it.each([
    ['one step, at start', 1, [100], true],
    ['one step, elsewhere', 1, [130], false],
    ['past the last step', 3, [100, 160], false],
    ['empty', 3, [], true],
  ] as const)('%s', (_, steps, t, ok) => {
    const acc = new GroupSteps('count', steps);
    expect(acc.add(acc.newGroup(), 0, t, t.map(() => 1), t.length, 100, 20)).toBe(ok);
  });
});
