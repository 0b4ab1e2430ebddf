// Proves that the element-wise math kernels return Go's results: the upstream
// trig_functions.test and functions.test values bit for bit where Go's algorithm is
// ported, Go's special cases everywhere, and round/clamp/sgn as Prometheus 2.42.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clamp, clampEmpty, clampMax, clampMin, MATH, round } from '../../../src/promql/functions/index.js';
import { fma, goExp } from '../../../src/promql/functions/math.js';
import { expectBits, expectPromValue } from './helpers.js';

const fn = (name: string): ((v: number) => number) => {
  const f = MATH[name];
  if (f === undefined) throw new Error(`no math function ${name}`);
  return f;
};

// Upstream values; `exact` where the printed value is Go's output and our port is Go's code.
const rows: { f: string; x: number; expected: number; exact?: boolean }[] = [
  { f: 'sin', x: 10, expected: -0.5440211108893699, exact: true },
  { f: 'sin', x: 20, expected: 0.9129452507276277, exact: true },
  { f: 'cos', x: 10, expected: -0.8390715290764524, exact: true },
  { f: 'cos', x: 20, expected: 0.40808206181339196, exact: true },
  { f: 'tan', x: 10, expected: 0.6483608274590867, exact: true },
  { f: 'tan', x: 20, expected: 2.2371609442247427, exact: true },
  { f: 'asin', x: 10 - 10.1, expected: -0.10016742116155944, exact: true },
  { f: 'acos', x: 10 - 10.1, expected: 1.670963747956456, exact: true },
  { f: 'atan', x: 10, expected: 1.4711276743037345, exact: true },
  { f: 'atan', x: 20, expected: 1.5208379310729538, exact: true },
  // Upstream prints cosh(10) for sinh(10); Prometheus's 1e-6 tolerance hides it.
  { f: 'sinh', x: 10, expected: 11013.232920103324 },
  { f: 'sinh', x: 20, expected: 2.4258259770489514e8 },
  { f: 'cosh', x: 10, expected: 11013.232920103324 },
  { f: 'cosh', x: 20, expected: 2.4258259770489514e8 },
  { f: 'tanh', x: 10, expected: 0.9999999958776927, exact: true },
  { f: 'tanh', x: 20, expected: 1, exact: true },
  { f: 'asinh', x: 10, expected: 2.99822295029797, exact: true },
  { f: 'asinh', x: 20, expected: 3.6895038689889055, exact: true },
  { f: 'acosh', x: 10, expected: 2.993222846126381, exact: true },
  { f: 'acosh', x: 20, expected: 3.6882538673612966, exact: true },
  { f: 'atanh', x: 10 - 10.1, expected: -0.10033534773107522, exact: true },
  { f: 'rad', x: 10, expected: 0.17453292519943295, exact: true },
  { f: 'rad', x: 20, expected: 0.3490658503988659, exact: true },
  { f: 'rad', x: 0, expected: 0, exact: true },
  { f: 'deg', x: 10, expected: 572.9577951308232, exact: true },
  { f: 'deg', x: 20, expected: 1145.9155902616465, exact: true },
  { f: 'deg', x: -10, expected: -572.9577951308232, exact: true },
  { f: 'exp', x: 10, expected: 22026.465794806718, exact: true },
  { f: 'exp', x: 20, expected: 485165195.4097903, exact: true },
  { f: 'exp', x: 0, expected: 1, exact: true },
  { f: 'exp', x: -10, expected: 4.5399929762484854e-5, exact: true },
  { f: 'ln', x: 10, expected: 2.302585092994046, exact: true },
  { f: 'ln', x: 20, expected: 2.995732273553991, exact: true },
  { f: 'ln', x: 0, expected: -Infinity, exact: true },
  { f: 'ln', x: -10, expected: NaN, exact: true },
  { f: 'sqrt', x: 10, expected: 3.1622776601683795, exact: true },
  { f: 'sqrt', x: 20, expected: 4.47213595499958, exact: true },
  // Upstream prints ln(x)/ln(2) here; Go's Log2 (frexp-based) differs in the last bit.
  { f: 'log2', x: 10, expected: 3.3219280948873626 },
  { f: 'log2', x: 20, expected: 4.321928094887363 },
  { f: 'log2', x: 0, expected: -Infinity, exact: true },
  { f: 'log2', x: -10, expected: NaN, exact: true },
  { f: 'log2', x: 8, expected: 3, exact: true },
  { f: 'log2', x: 2 ** -1074, expected: -1074, exact: true },
  { f: 'log10', x: 10, expected: 1, exact: true },
  { f: 'log10', x: 20, expected: 1.301029995663981, exact: true },
  { f: 'log10', x: 0, expected: -Infinity, exact: true },
  { f: 'log10', x: -10, expected: NaN, exact: true },
  { f: 'sgn', x: -Infinity, expected: -1, exact: true },
  { f: 'sgn', x: Infinity, expected: 1, exact: true },
  { f: 'sgn', x: NaN, expected: NaN, exact: true },
  { f: 'sgn', x: -50, expected: -1, exact: true },
  { f: 'sgn', x: 0, expected: 0, exact: true },
  { f: 'sgn', x: -0, expected: -0, exact: true },
  { f: 'sgn', x: 100, expected: 1, exact: true },
  { f: 'abs', x: -0, expected: 0, exact: true },
  { f: 'ceil', x: -0.5, expected: -0, exact: true },
  { f: 'floor', x: 0.5, expected: 0, exact: true },
];

describe('MATH upstream values', () => {
  it.each(rows)('$f($x)', (r) => {
    const got = fn(r.f)(r.x);
    if (r.exact) expectBits(got, r.expected);
    else expectPromValue(got, r.expected);
  });

  it('exp(ln(x)) round-trips as upstream', () => {
    expectPromValue(fn('exp')(fn('ln')(10)), 10);
    expectPromValue(fn('exp')(fn('ln')(20)), 20);
  });
});

// Go's documented special cases for each function (math package docs).
const specials: { f: string; x: number; expected: number }[] = [
  ...['abs', 'ceil', 'floor', 'exp', 'sqrt', 'ln', 'log2', 'log10', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh', 'deg', 'rad', 'sgn'].map((f) => ({ f, x: NaN, expected: NaN })),
  { f: 'abs', x: -Infinity, expected: Infinity },
  { f: 'ceil', x: -0, expected: -0 },
  { f: 'floor', x: -0, expected: -0 },
  { f: 'exp', x: Infinity, expected: Infinity },
  { f: 'exp', x: -Infinity, expected: 0 },
  { f: 'exp', x: 710, expected: Infinity },
  { f: 'sqrt', x: -0, expected: -0 },
  { f: 'sqrt', x: -1, expected: NaN },
  { f: 'sqrt', x: Infinity, expected: Infinity },
  { f: 'ln', x: -0, expected: -Infinity },
  { f: 'ln', x: Infinity, expected: Infinity },
  { f: 'ln', x: -Infinity, expected: NaN },
  { f: 'ln', x: 1, expected: 0 },
  { f: 'log2', x: Infinity, expected: Infinity },
  { f: 'log10', x: Infinity, expected: Infinity },
  { f: 'sin', x: -0, expected: -0 },
  { f: 'sin', x: Infinity, expected: NaN },
  { f: 'sin', x: -Infinity, expected: NaN },
  { f: 'cos', x: Infinity, expected: NaN },
  { f: 'cos', x: -0, expected: 1 },
  { f: 'tan', x: -0, expected: -0 },
  { f: 'tan', x: Infinity, expected: NaN },
  { f: 'asin', x: -0, expected: -0 },
  { f: 'asin', x: 1.5, expected: NaN },
  { f: 'asin', x: 1, expected: Math.PI / 2 },
  { f: 'acos', x: 1.5, expected: NaN },
  { f: 'acos', x: 1, expected: 0 },
  { f: 'atan', x: -0, expected: -0 },
  { f: 'atan', x: Infinity, expected: Math.PI / 2 },
  { f: 'atan', x: -Infinity, expected: -Math.PI / 2 },
  { f: 'sinh', x: -0, expected: -0 },
  { f: 'sinh', x: -Infinity, expected: -Infinity },
  { f: 'cosh', x: -Infinity, expected: Infinity },
  { f: 'cosh', x: 0, expected: 1 },
  { f: 'tanh', x: -0, expected: -0 },
  { f: 'tanh', x: Infinity, expected: 1 },
  { f: 'tanh', x: -Infinity, expected: -1 },
  { f: 'asinh', x: -0, expected: -0 },
  { f: 'asinh', x: -Infinity, expected: -Infinity },
  { f: 'acosh', x: 1, expected: 0 },
  { f: 'acosh', x: 0.5, expected: NaN },
  { f: 'acosh', x: Infinity, expected: Infinity },
  { f: 'atanh', x: 1, expected: Infinity },
  { f: 'atanh', x: -1, expected: -Infinity },
  { f: 'atanh', x: -0, expected: -0 },
  { f: 'atanh', x: 1.5, expected: NaN },
  { f: 'deg', x: -0, expected: -0 },
  { f: 'rad', x: Infinity, expected: Infinity },
];

describe('MATH special cases', () => {
  it.each(specials)('$f($x) = $expected', (r) => {
    expectBits(fn(r.f)(r.x), r.expected);
  });

  it('covers exactly the 2.42 single-argument functions', () => {
    expect(Object.keys(MATH).sort()).toEqual(
      ['abs', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'ceil', 'cos', 'cosh', 'deg', 'exp', 'floor', 'ln', 'log10', 'log2', 'rad', 'sgn', 'sin', 'sinh', 'sqrt', 'tan', 'tanh'].sort(),
    );
  });
});

describe('Go ports stay within a few ulps of the correctly rounded value (property)', () => {
  // Math.* is within 1 ulp of the true value; a wrong coefficient or reduction step in a
  // port would show up as a much larger error somewhere in these ranges.
  const cases: { f: string; ref: (x: number) => number; min: number; max: number }[] = [
    { f: 'sin', ref: Math.sin, min: -1e6, max: 1e6 },
    { f: 'cos', ref: Math.cos, min: -1e6, max: 1e6 },
    { f: 'tan', ref: Math.tan, min: -1e3, max: 1e3 },
    { f: 'sin', ref: Math.sin, min: 2 ** 29, max: 1e300 }, // Payne–Hanek reduction
    { f: 'cos', ref: Math.cos, min: 2 ** 29, max: 1e300 },
    { f: 'asin', ref: Math.asin, min: -1, max: 1 },
    { f: 'acos', ref: Math.acos, min: -1, max: 1 },
    { f: 'atan', ref: Math.atan, min: -1e6, max: 1e6 },
    { f: 'sinh', ref: Math.sinh, min: -700, max: 700 },
    { f: 'cosh', ref: Math.cosh, min: -700, max: 700 },
    { f: 'tanh', ref: Math.tanh, min: -50, max: 50 },
    { f: 'asinh', ref: Math.asinh, min: -1e10, max: 1e10 },
    { f: 'acosh', ref: Math.acosh, min: 1, max: 1e10 },
    { f: 'atanh', ref: Math.atanh, min: -1, max: 1 },
    // Normal inputs only: Go's amd64 Log mishandles subnormals (tested separately).
    { f: 'ln', ref: Math.log, min: 2.2250738585072014e-308, max: 1e300 },
    { f: 'log2', ref: Math.log2, min: 0, max: 1e300 },
    { f: 'log10', ref: Math.log10, min: 2.2250738585072014e-308, max: 1e300 },
    { f: 'exp', ref: Math.exp, min: -745, max: 709 },
  ];
  it.each(cases)('$f on [$min, $max]', (c) => {
    const f = fn(c.f);
    fc.assert(
      fc.property(fc.double({ min: c.min, max: c.max, noNaN: true }), (x) => {
        const got = f(x);
        const want = c.ref(x);
        if (Object.is(got, want)) return true;
        // Near a zero of the function the absolute error is what matters.
        return Math.abs(got - want) <= 4 * Number.EPSILON * Math.max(Math.abs(want), 1e-300) || Math.abs(got - want) < 1e-15;
      }),
      { seed: 2023, numRuns: 2000 },
    );
  });
});

describe('Go quirks reproduced', () => {
  it('ln of a subnormal is what Go 1.19 amd64 returns (golang/go#56600), not the true value', () => {
    // The assembly reads the raw exponent field, so 5e-324 is taken as 2^-1022 · (1 + 2^-52).
    expect(fn('ln')(5e-324)).toBeCloseTo(-709.0895657128241, 12);
    expect(Math.log(5e-324)).toBeCloseTo(-744.4400719213812, 12);
  });
  it('log2 stays exact for powers of two, subnormal ones included (frexp normalises)', () => {
    expectBits(fn('log2')(2 ** -1070), -1070);
  });
  it('exp returns subnormal results instead of flushing them', () => {
    expect(goExp(-740)).toBeGreaterThan(0);
    expectBits(goExp(-746), 0);
    expectBits(goExp(709.7827128933841), Infinity); // just above Go's Overflow constant
  });
});

/** a·b + c rounded once, by exact BigInt arithmetic: the reference for the FMA emulation. */
function fmaReference(a: number, b: number, c: number): number {
  const parts = (x: number) => {
    const buf = new Float64Array([x]);
    const bits = new BigUint64Array(buf.buffer)[0]!;
    const e = Number((bits >> 52n) & 0x7ffn);
    let m = bits & ((1n << 52n) - 1n);
    if (e !== 0) m |= 1n << 52n;
    return { m: bits >> 63n ? -m : m, e: (e === 0 ? 1 : e) - 1075 };
  };
  const A = parts(a);
  const B = parts(b);
  const C = parts(c);
  const pe = A.e + B.e;
  const E = Math.min(pe, C.e);
  const X = ((A.m * B.m) << BigInt(pe - E)) + (C.m << BigInt(C.e - E));
  if (X === 0n) return a * b + c;
  const neg = X < 0n;
  const ax = neg ? -X : X;
  const shift = Math.max(ax.toString(2).length - 53, -1074 - E, 0);
  let q = ax >> BigInt(shift);
  if (shift > 0) {
    const rem = ax & ((1n << BigInt(shift)) - 1n);
    const half = 1n << BigInt(shift - 1);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q++;
  }
  const r = Number(q) * 2 ** (E + shift);
  return neg ? -r : r;
}

describe('fma emulation (property)', () => {
  it('equals the exactly rounded a·b + c', () => {
    const moderate = fc.double({ min: -1e6, max: 1e6, noNaN: true });
    fc.assert(
      fc.property(moderate, moderate, moderate, (a, b, c) => {
        // The emulation's domain: the product's low half must not underflow.
        fc.pre(a * b === 0 || Math.abs(a * b) > 1e-270);
        return Object.is(fma(a, b, c), fmaReference(a, b, c)) || (a * b + c === 0 && fma(a, b, c) === 0);
      }),
      { seed: 99, numRuns: 5000 },
    );
  });
  it('catches the double-rounding case a plain a·b + c gets wrong', () => {
    const a = 1 + 2 ** -27;
    const b = 1 - 2 ** -27;
    expectBits(fma(a, b, -1), -(2 ** -54));
    expectBits(a * b - 1, 0);
  });
});

describe('round', () => {
  it.each([
    { v: 2.5, to: 1, expected: 3 },
    { v: -2.5, to: 1, expected: -2 }, // ties go up
    { v: 1.234, to: 0.01, expected: 1.23 },
    { v: 15, to: 10, expected: 20 },
    { v: 0.3, to: 0.1, expected: 0.3 },
    { v: -0.4, to: 1, expected: 0 },
    { v: -0, to: 1, expected: 0 },
    { v: NaN, to: 1, expected: NaN },
    { v: Infinity, to: 1, expected: Infinity },
    { v: 5, to: 0, expected: NaN },
    { v: 5, to: NaN, expected: NaN },
    { v: 2.5, to: -1, expected: 2 }, // negative step: ties go down
  ])('round($v, $to) = $expected', (r) => {
    expectBits(round(r.v, r.to), r.expected);
  });
  it('computes floor(v·(1/t)+0.5)/(1/t) in that order', () => {
    const inv = 1 / 0.1;
    expectBits(round(0.15, 0.1), Math.floor(0.15 * inv + 0.5) / inv);
  });
});

describe('clamp', () => {
  const values = [-50, 0, 100];
  it.each([
    { name: 'clamp_max 75', f: (v: number) => clampMax(v, 75), expected: [-50, 0, 75] },
    { name: 'clamp_min -25', f: (v: number) => clampMin(v, -25), expected: [-25, 0, 100] },
    { name: 'clamp -25..75', f: (v: number) => clamp(v, -25, 75), expected: [-25, 0, 75] },
    { name: 'clamp_max(clamp_min(-20), 70)', f: (v: number) => clampMax(clampMin(v, -20), 70), expected: [-20, 0, 70] },
    { name: 'clamp 0..NaN', f: (v: number) => clamp(v, 0, NaN), expected: [NaN, NaN, NaN] },
    { name: 'clamp NaN..0', f: (v: number) => clamp(v, NaN, 0), expected: [NaN, NaN, NaN] },
  ])('$name', (r) => {
    values.forEach((v, i) => expectBits(r.f(v), r.expected[i]!));
  });
  it('is empty only when max < min', () => {
    expect(clampEmpty(5, -5)).toBe(true);
    expect(clampEmpty(-25, 75)).toBe(false);
    expect(clampEmpty(3, 3)).toBe(false);
    expect(clampEmpty(0, NaN)).toBe(false);
    expect(clampEmpty(NaN, 0)).toBe(false);
  });
  it('orders -0 below +0 as Go does', () => {
    expectBits(clampMin(-0, 0), 0);
    expectBits(clampMax(0, -0), -0);
    expectBits(clamp(NaN, -1, 1), NaN);
  });
});
