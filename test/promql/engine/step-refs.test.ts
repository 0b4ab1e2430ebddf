import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stepRefs } from '../../../src/promql/engine/step-refs.js';

describe('stepRefs', () => {
  it('reads each step where `(at ?? ts) - offset` does, exactly', () => {
    // Millisecond times as queries have them: ±300 years around 1970, offsets of up to ±30 years.
    const ms = (years: number) => fc.integer({ min: -years * 3.16e10, max: years * 3.16e10 });
    fc.assert(
      fc.property(ms(300), fc.integer({ min: 1, max: 3.16e10 }), fc.integer({ min: 0, max: 11_000 }), ms(30), fc.option(ms(300), { nil: undefined }), (start, interval, i, offsetMs, at) => {
        const { first, every } = stepRefs(at, start, interval, offsetMs);
        expect(first + i * every).toBe((at ?? start + i * interval) - offsetMs);
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    [undefined, 1000, 15, 0, 1000, 15],
    [undefined, 1000, 15, 60, 940, 15],
    [500, 1000, 15, -60, 560, 0],
  ])('at %s, start %i, interval %i, offset %i: first %i, every %i', (at, start, interval, offsetMs, first, every) => {
    expect(stepRefs(at, start, interval, offsetMs)).toEqual({ first, every });
  });
});
