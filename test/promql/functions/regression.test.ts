// Proves that deriv, predict_linear and holt_winters reproduce Prometheus 2.42's
// functions.test results and its argument-validation messages.
import { describe, expect, it } from 'vitest';
import { deriv, formatGoF, holtWinters, holtWintersArgError, predictLinear } from '../../../src/promql/functions/index.js';
import { expectBits, expectPromValue, loadSeries, MIN, SEC, window } from './helpers.js';

const resetMiddle = loadSeries(5 * MIN, '0+10x4 0+10x5');
const canary = loadSeries(5 * MIN, '0+80x10');

describe('deriv', () => {
  it('equals rate on a steady counter', () => {
    expectBits(deriv(window(canary, 50 * MIN, 50 * MIN).points), 0.26666666666666666);
  });
  it('fits through a reset', () => {
    expectBits(deriv(window(resetMiddle, 50 * MIN, 100 * MIN).points), 0.010606060606060607);
  });
  it('is exactly 0 for constant values, NaN for constant ±Inf', () => {
    const mk = (v: number) => [0, 1, 2].map((i) => ({ t: i * 15 * SEC, v }));
    expectBits(deriv(mk(1.5990505637277868)), 0);
    expectBits(deriv(mk(Infinity)), NaN);
    expectBits(deriv(mk(NaN)), NaN);
  });
  it('needs two points', () => {
    expect(deriv([])).toBeUndefined();
    expect(deriv([{ t: 0, v: 1 }])).toBeUndefined();
  });
});

describe('predictLinear', () => {
  const all = window(resetMiddle, 50 * MIN, 100 * MIN).points;
  const rows = [
    { name: 'at 50m', evalMs: 50 * MIN, expected: 76.81818181818181 },
    { name: '@ 3000 evaluated at 10m', evalMs: 10 * MIN, expected: 51.36363636363637 },
    { name: '@ 3000 evaluated at 70m', evalMs: 70 * MIN, expected: 89.54545454545455 },
  ];
  it.each(rows)('$name', (r) => {
    expectPromValue(predictLinear(all, 3600, r.evalMs), r.expected);
  });
  it('matches value + deriv·duration on a line ending at the evaluation time', () => {
    const w = window(canary, 50 * MIN, 50 * MIN).points;
    const emulated = 800 + deriv(w)! * 3600;
    expectPromValue(predictLinear(w, 3600, 50 * MIN)! - emulated, 0);
  });
  it('returns the constant for constant input, whatever the duration', () => {
    const pts = [0, 1].map((i) => ({ t: i * SEC, v: 7 }));
    expectBits(predictLinear(pts, 1e9, 5 * SEC), 7);
    expect(predictLinear([{ t: 0, v: 1 }], 60, 0)).toBeUndefined();
  });
});

describe('holtWinters', () => {
  const tenS = (spec: string) => window(loadSeries(10 * SEC, spec), 8000 * SEC, MIN).points;
  const rows = [
    { series: '0+10x1000 100+30x1000', expected: 8000 },
    { series: '0+20x1000 200+30x1000', expected: 16000 },
    { series: '0+30x1000 300+80x1000', expected: 24000 },
    { series: '0+40x2000', expected: 32000 },
    { series: '8000-10x1000', expected: 0 },
    { series: '0-20x1000', expected: -16000 },
    { series: '0+30x1000 300-80x1000', expected: 24000 },
    { series: '0-40x1000 0+40x1000', expected: -32000 },
  ];
  it.each(rows)('$series at 8000s with sf=0.01 tf=0.1', (r) => {
    expectPromValue(holtWinters(tenS(r.series), 0.01, 0.1), r.expected);
  });
  it('needs two points; NaN factors give NaN', () => {
    expect(holtWinters([{ t: 0, v: 1 }], 0.5, 0.5)).toBeUndefined();
    expect(holtWinters([{ t: 0, v: 1 }, { t: 1, v: 2 }], NaN, 0.5)).toBeNaN();
  });
});

describe('holtWintersArgError', () => {
  const rows: { sf: number; tf: number; error: string | undefined }[] = [
    { sf: 0.5, tf: 0.5, error: undefined },
    { sf: 0, tf: 0.5, error: 'invalid smoothing factor. Expected: 0 < sf < 1, got: 0.000000' },
    { sf: 1, tf: 0.5, error: 'invalid smoothing factor. Expected: 0 < sf < 1, got: 1.000000' },
    { sf: -Infinity, tf: 2, error: 'invalid smoothing factor. Expected: 0 < sf < 1, got: -Inf' },
    { sf: 0.5, tf: 1, error: 'invalid trend factor. Expected: 0 < tf < 1, got: 1.000000' },
    { sf: 0.5, tf: 1.25, error: 'invalid trend factor. Expected: 0 < tf < 1, got: 1.250000' },
    { sf: 0.5, tf: Infinity, error: 'invalid trend factor. Expected: 0 < tf < 1, got: +Inf' },
    { sf: NaN, tf: NaN, error: undefined }, // NaN passes the check, as upstream
  ];
  it.each(rows)('sf=$sf tf=$tf', (r) => {
    expect(holtWintersArgError(r.sf, r.tf)).toBe(r.error);
  });
});

describe('formatGoF', () => {
  it.each([
    [0, '0.000000'],
    [-0, '-0.000000'],
    [1.5, '1.500000'],
    [-2.25, '-2.250000'],
    [0.0078125, '0.007812'], // exact tie: Go rounds half to even, toFixed would give 0.007813
    [0.0234375, '0.023438'], // exact tie, odd digit: rounds up
    [5e-7, '0.000000'], // 5e-7 is slightly below the tie
    [1e22, '10000000000000000000000.000000'],
    [NaN, 'NaN'],
  ])('%d → %s', (v, s) => {
    expect(formatGoF(v)).toBe(s);
  });
});
