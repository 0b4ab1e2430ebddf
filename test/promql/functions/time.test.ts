// Proves that the calendar kernels read UTC fields from a float seconds timestamp exactly
// as Prometheus 2.42 (Go's time.Unix(int64(v), 0).UTC()) does, far past JavaScript's Date
// range and for NaN/±Inf too.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TIME_FUNCS, type TimeFuncName } from '../../../src/promql/functions/index.js';
import { goCivilForTest } from '../../../src/promql/functions/time.js';

const rows: { f: TimeFuncName; t: number; expected: number }[] = [
  { f: 'year', t: 0, expected: 1970 },
  { f: 'year', t: 1136239445, expected: 2006 },
  { f: 'month', t: 0, expected: 1 },
  { f: 'month', t: 1136239445, expected: 1 },
  { f: 'day_of_month', t: 0, expected: 1 },
  { f: 'day_of_month', t: 1136239445, expected: 2 },
  { f: 'day_of_year', t: 0, expected: 1 },
  { f: 'day_of_year', t: 1136239445, expected: 2 },
  { f: 'day_of_week', t: 0, expected: 4 }, // Thursday
  { f: 'day_of_week', t: 1136239445, expected: 1 },
  { f: 'hour', t: 0, expected: 0 },
  { f: 'hour', t: 1136239445, expected: 22 },
  { f: 'minute', t: 0, expected: 0 },
  { f: 'minute', t: 1136239445, expected: 4 },
  { f: 'year', t: 1230767999, expected: 2008 }, // just before a leap second
  { f: 'year', t: 1230768000, expected: 2009 },
  { f: 'month', t: 1456790399, expected: 2 }, // 2016-02-29 23:59:59
  { f: 'day_of_month', t: 1456790399, expected: 29 },
  { f: 'month', t: 1456790400, expected: 3 }, // 2016-03-01
  { f: 'day_of_month', t: 1456790400, expected: 1 },
  { f: 'day_of_year', t: 1483191420, expected: 366 }, // 2016-12-31
  { f: 'day_of_year', t: 1672493820, expected: 365 }, // 2022-12-31
  { f: 'days_in_month', t: 1454284800, expected: 29 }, // 2016-02
  { f: 'days_in_month', t: 1485907200, expected: 28 }, // 2017-02
  { f: 'days_in_month', t: -2206310400, expected: 28 }, // 1900-02: not a leap year
  { f: 'days_in_month', t: 949363200, expected: 29 }, // 2000-02: leap year
  { f: 'days_in_month', t: 1136239445, expected: 31 },
  { f: 'minute', t: 1136239445.999, expected: 4 }, // fractions truncate
  { f: 'year', t: -0.5, expected: 1970 }, // truncation is toward zero, not down
  { f: 'year', t: -1, expected: 1969 },
  { f: 'hour', t: -1, expected: 23 },
  { f: 'minute', t: -1, expected: 59 },
  { f: 'day_of_week', t: -1, expected: 3 },
  { f: 'day_of_year', t: -1, expected: 365 },
  { f: 'year', t: -62135596800, expected: 1 }, // 0001-01-01
  { f: 'year', t: -62167219200, expected: 0 }, // 0000-01-01 (1 BC), a leap year
  { f: 'days_in_month', t: -62167219200 + 31 * 86400, expected: 29 },
  { f: 'day_of_year', t: -62135596800, expected: 1 },
];

describe('TIME_FUNCS', () => {
  it.each(rows)('$f($t) = $expected', (r) => {
    expect(TIME_FUNCS[r.f](r.t)).toBe(r.expected);
  });

  it('follows Go beyond the Date range (about ±270,000 years)', () => {
    const t = 1e15; // ~31.7 million years after the epoch
    const c = goCivilForTest(BigInt(t));
    expect(TIME_FUNCS.year(t)).toBe(c.year);
    expect(c.year).toBe(31690708);
    expect(TIME_FUNCS.day_of_week(t)).toBe(c.weekday);
  });

  it('maps NaN and ±Inf to the int64-minimum second, as Go on amd64', () => {
    const min = goCivilForTest(-(1n << 63n));
    for (const v of [NaN, Infinity, -Infinity, 1e300]) {
      expect(TIME_FUNCS.year(v)).toBe(min.year);
      expect(TIME_FUNCS.hour(v)).toBe(min.hour);
    }
  });

  it("agrees with Go's calendar arithmetic wherever Date applies (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e12, max: 8.64e12 }), (s) => {
        const c = goCivilForTest(BigInt(s));
        return (
          TIME_FUNCS.year(s) === c.year &&
          TIME_FUNCS.month(s) === c.month &&
          TIME_FUNCS.day_of_month(s) === c.day &&
          TIME_FUNCS.day_of_year(s) === c.yday + 1 &&
          TIME_FUNCS.day_of_week(s) === c.weekday &&
          TIME_FUNCS.hour(s) === c.hour &&
          TIME_FUNCS.minute(s) === c.minute
        );
      }),
      { seed: 5, numRuns: 3000 },
    );
  });
});
