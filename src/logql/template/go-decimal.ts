/**
 * The slice of shopspring/decimal that sprig's float functions (`addf`, `subf`, `mulf`,
 * `divf`) run through: each operand becomes the decimal of its shortest float64 digits,
 * the arithmetic is exact, division rounds half away from zero to 16 fractional digits
 * (decimal.DivisionPrecision), and the result converts back to the nearest float64. That
 * is why `addf 0.1 0.2` prints 0.3 in Loki rather than 0.30000000000000004.
 */
import { GoFuncError } from './errors.js';

/** c × 10^e. */
interface Decimal {
  readonly c: bigint;
  readonly e: number;
}

/** shopspring's default DivisionPrecision: digits after the point kept by Div. */
const DIVISION_PRECISION = 16;

/** `decimal.NewFromFloat`; panics (a GoFuncError) on NaN and ±Inf as shopspring does. */
export function decimalFromFloat(x: number): Decimal {
  if (!Number.isFinite(x)) throw new GoFuncError(`Cannot create a Decimal from ${Number.isNaN(x) ? 'NaN' : x > 0 ? '+Inf' : '-Inf'}`);
  if (x === 0) return { c: 0n, e: 0 };
  const [m, exp] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = m.replace('.', '');
  const c = BigInt(digits) * (x < 0 ? -1n : 1n);
  return { c, e: Number(exp) - (digits.length - 1) };
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  if (a.e === b.e) return [a.c, b.c, a.e];
  if (a.e > b.e) return [a.c * 10n ** BigInt(a.e - b.e), b.c, b.e];
  return [a.c, b.c * 10n ** BigInt(b.e - a.e), a.e];
}

export function decimalAdd(a: Decimal, b: Decimal): Decimal {
  const [x, y, e] = align(a, b);
  return { c: x + y, e };
}

export function decimalSub(a: Decimal, b: Decimal): Decimal {
  const [x, y, e] = align(a, b);
  return { c: x - y, e };
}

export function decimalMul(a: Decimal, b: Decimal): Decimal {
  return { c: a.c * b.c, e: a.e + b.e };
}

/** `Decimal.Div`: rounded half away from zero to 16 fractional digits. */
export function decimalDiv(a: Decimal, b: Decimal): Decimal {
  if (b.c === 0n) throw new GoFuncError('decimal division by zero');
  let n = a.c;
  let d = b.c;
  const shift = a.e - b.e + DIVISION_PRECISION;
  if (shift >= 0) n *= 10n ** BigInt(shift);
  else d *= 10n ** BigInt(-shift);
  let q = n / d;
  const r = n % d;
  const abs = (v: bigint): bigint => (v < 0n ? -v : v);
  if (2n * abs(r) >= abs(d)) q += (n < 0n) !== (d < 0n) ? -1n : 1n;
  return { c: q, e: -DIVISION_PRECISION };
}

/** `Decimal.Float64()`: the nearest float64. */
export function decimalToFloat(a: Decimal): number {
  return Number(`${a.c}e${a.e}`);
}
