/**
 * Element-wise math kernels of PromQL (`abs`, `ln`, `sin`, `round`, `clamp`, …), computing
 * what Prometheus 2.42 computes on linux/amd64 with Go's `math` package.
 *
 * JavaScript's `Math` and Go's `math` agree on every special case (NaN, ±Inf, ±0, domain
 * errors) but not always on the last bit: V8 uses fdlibm, Go uses Cephes-derived code for
 * the trigonometric functions and its own `Log`/`Log2`/`Log10`. So the functions whose
 * results differ are ported from Go's sources (BSD licence, algorithm and constants as in
 * `src/math/*.go` and `log_amd64.s`). Correctly rounded operations (`sqrt`, `floor`,
 * `ceil`, `abs`) use `Math` directly. Go's amd64 assembly `Log` (which does not normalise
 * subnormal inputs, golang/go#56600) and `Exp` (FMA path, emulated exactly) are reproduced
 * as well, and `sinh`/`cosh`/`tanh` build on that `Exp` as Go's do.
 */
import { assert } from '../../util/errors.js';

// --- bit access -------------------------------------------------------------------------

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
const u32 = new Uint32Array(f64.buffer); // [low word, high word] on a little-endian host
assert(new Uint8Array(new Uint16Array([1]).buffer)[0] === 1, 'math kernels assume a little-endian host');

function float64bits(x: number): bigint {
  f64[0] = x;
  return u64[0]!;
}

function float64frombits(b: bigint): number {
  u64[0] = BigInt.asUintN(64, b);
  return f64[0]!;
}

/** The high 32 bits (sign, exponent, top of the mantissa) of a double. */
function highWord(x: number): number {
  f64[0] = x;
  return u32[1]!;
}

/** A double from its high and low 32-bit words. */
function fromWords(hi: number, lo: number): number {
  u32[1] = hi >>> 0;
  u32[0] = lo >>> 0;
  return f64[0]!;
}

/** Go's `4 / Pi` constant: the double nearest 4/π (0x3ff45f306dc9c883). */
const FOUR_OVER_PI = fromWords(0x3ff45f30, 0x6dc9c883);

// --- logarithms -------------------------------------------------------------------------

// Coefficients of Go's Log (FreeBSD e_log.c), exactly as in log_amd64.s.
const LN2_HI = 6.9314718036912381649e-1; // 0x3fe62e42fee00000
const LN2_LO = 1.90821492927058770002e-10; // 0x3dea39ef35793c76
const L1 = 6.666666666666735130e-1; // 0x3FE5555555555593
const L2 = 3.999999999940941908e-1; // 0x3FD999999997FA04
const L3 = 2.857142874366239149e-1; // 0x3FD2492494229359
const L4 = 2.222219843214978396e-1; // 0x3FCC71C51D8E78AF
const L5 = 1.818357216161805012e-1; // 0x3FC7466496CB03DE
const L6 = 1.531383769920937332e-1; // 0x3FC39A09D078C69F
const L7 = 1.479819860511658591e-1; // 0x3FC2F112DF3E5244

/**
 * Go's `math.Log` as the amd64 assembly computes it. The assembly reads the exponent
 * field directly (it does not normalise subnormals) and reduces with `f1 <= Sqrt2/2`;
 * both are reproduced so the bits match there too.
 */
export function goLog(x: number): number {
  if (x === 0) return -Infinity; // ±0
  if (x < 0) return NaN;
  if (!(x < Infinity)) return x; // +Inf or NaN
  const hi = highWord(x);
  const lo = u32[0]!;
  let k = ((hi >>> 20) & 0x7ff) - 0x3fe;
  let f1 = fromWords((hi & 0x000fffff) | 0x3fe00000, lo);
  if (f1 <= Math.SQRT1_2) {
    k -= 1;
    f1 *= 2;
  }
  const f = f1 - 1;
  const s = f / (2 + f);
  const s2 = s * s;
  const s4 = s2 * s2;
  const t1 = s2 * (L1 + s4 * (L3 + s4 * (L5 + s4 * L7)));
  const t2 = s4 * (L2 + s4 * (L4 + s4 * L6));
  const R = t1 + t2;
  const hfsq = 0.5 * f * f;
  return k * LN2_HI - (hfsq - (s * (hfsq + R) + k * LN2_LO) - f);
}

/** Go's `math.Frexp`: x = frac · 2^exp with |frac| in [½, 1); ±0, ±Inf, NaN unchanged. */
function frexp(x: number): { frac: number; exp: number } {
  if (x === 0 || !Number.isFinite(x)) return { frac: x, exp: 0 };
  let exp = 0;
  // Smallest normal double: 2^-1022. Subnormals are scaled up by 2^52 first.
  if (Math.abs(x) < 2.2250738585072014e-308) {
    x *= 4503599627370496; // 2^52
    exp = -52;
  }
  const b = float64bits(x);
  exp += Number((b >> 52n) & 0x7ffn) - 1023 + 1;
  const frac = float64frombits((b & ~(0x7ffn << 52n)) | (1022n << 52n));
  return { frac, exp };
}

/** Go's `math.Log2`: exact for powers of two, else Log(frac)·(1/Ln2) + exp. */
export function goLog2(x: number): number {
  const { frac, exp } = frexp(x);
  if (frac === 0.5) return exp - 1;
  return goLog(frac) * Math.LOG2E + exp;
}

/** Go's `math.Log10`: Log(x)·(1/Ln10) — so log10(1000) is 2.9999999999999996, as in Go. */
export function goLog10(x: number): number {
  return goLog(x) * Math.LOG10E;
}

// Go's Log1p (FreeBSD s_log1p.c); same L coefficients as Log.
const SQRT2_M1 = 4.142135623730950488017e-1; // 0x3fda827999fcef34
const SQRT2_HALF_M1 = -2.928932188134524755992e-1; // 0xbfd2bec333018866
const TWO_M29 = 1 / 2 ** 29; // below this, log1p(x) ≈ x - x²/2
const TWO_M54 = 1 / 2 ** 54; // below this, log1p(x) = x
const TWO_53 = 2 ** 53; // above this, 1 + x = x

/** Go's `math.Log1p` (used by Go's Asinh, Acosh, Atanh). */
function goLog1p(x: number): number {
  if (x < -1 || Number.isNaN(x)) return NaN;
  if (x === -1) return -Infinity;
  if (x === Infinity) return Infinity;

  const absx = Math.abs(x);
  let f = 0;
  let iu = 0n;
  let k = 1;
  if (absx < SQRT2_M1) {
    if (absx < TWO_M29) {
      if (absx < TWO_M54) return x;
      return x - x * x * 0.5;
    }
    if (x > SQRT2_HALF_M1) {
      k = 0;
      f = x;
      iu = 1n;
    }
  }
  let c = 0;
  if (k !== 0) {
    let u: number;
    if (absx < TWO_53) {
      u = 1.0 + x;
      iu = float64bits(u);
      k = Number(iu >> 52n) - 1023;
      c = k > 0 ? 1.0 - (u - x) : x - (u - 1.0);
      c /= u;
    } else {
      u = x;
      iu = float64bits(u);
      k = Number(iu >> 52n) - 1023;
      c = 0;
    }
    iu &= 0x000fffffffffffffn;
    if (iu < 0x0006a09e667f3bcdn) {
      u = float64frombits(iu | 0x3ff0000000000000n);
    } else {
      k++;
      u = float64frombits(iu | 0x3fe0000000000000n);
      iu = (0x0010000000000000n - iu) >> 2n;
    }
    f = u - 1.0;
  }
  const hfsq = 0.5 * f * f;
  if (iu === 0n) {
    if (f === 0) {
      if (k === 0) return 0;
      c += k * LN2_LO;
      return k * LN2_HI + c;
    }
    const R0 = hfsq * (1.0 - 0.66666666666666666 * f);
    if (k === 0) return f - R0;
    return k * LN2_HI - (R0 - (k * LN2_LO + c) - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  const R = z * (L1 + z * (L2 + z * (L3 + z * (L4 + z * (L5 + z * (L6 + z * L7))))));
  if (k === 0) return f - (hfsq - s * (hfsq + R));
  return k * LN2_HI - (hfsq - (s * (hfsq + R) + (k * LN2_LO + c)) - f);
}

// --- exponential (Go's amd64 assembly) ---------------------------------------------------

/** 2^27 + 1: Veltkamp's constant, splits a double into two halves of 26 significant bits. */
const SPLITTER = 134217729;

/** The low 32-bit word of a double. */
function lowWord(x: number): number {
  f64[0] = x;
  return u32[0]!;
}

/** The next double after x towards +Inf (up) or -Inf (down); x finite. */
function nextToward(x: number, up: boolean): number {
  if (x === 0) return up ? Number.MIN_VALUE : -Number.MIN_VALUE;
  const b = float64bits(x);
  const awayFromZero = up === x > 0;
  return float64frombits(awayFromZero ? b + 1n : b - 1n);
}

/**
 * a·b + c with a single rounding, emulated in double arithmetic (Boldo & Melquiond,
 * "Emulation of FMA and correctly rounded sums: proved algorithms using rounding to odd",
 * IEEE TC 2008): the exact product as a pair (Dekker), the exact sum with c as a pair
 * (Knuth), the two low parts added with rounding to odd, then one final rounding.
 * Exact for operands whose product neither overflows nor underflows — true wherever
 * `goExp` uses it. Non-finite operands fall back to a·b + c.
 */
export function fma(a: number, b: number, c: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c)) return a * b + c;
  const uh = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const ul = ah * bh - uh + ah * bl + al * bh + al * bl;
  const th = c + uh;
  let z = th - c;
  const tl = c - (th - z) + (uh - z);
  // v = tl + ul rounded to odd: if inexact and the rounded sum is even, step towards the error.
  let v = tl + ul;
  z = v - tl;
  const err = tl - (v - z) + (ul - z);
  if (err !== 0 && (lowWord(v) & 1) === 0) v = nextToward(v, err > 0);
  return th + v;
}

// Constants of Go's exp_amd64.s (Shibata's SLEEF method).
const EXP_LOG2E = 1.442695040888963407359924681001892; // 1/ln 2
const EXP_LN2U = 0.69314718055966295651160180568695068359375; // upper half of ln 2
const EXP_LN2L = 0.28235290563031577122588448175013436025525412068e-12; // lower half of ln 2
/** Above this exp overflows to +Inf (Go's `Overflow` constant). */
const EXP_OVERFLOW = 7.09782712893384e2;
/** Taylor coefficients 1/8! … 1/3! of e^r − 1 on r = reduced argument / 16. */
const EXP_T8 = 2.4801587301587301587e-5;
const EXP_T7 = 1.984126984126984127e-4;
const EXP_T6 = 1.3888888888888888889e-3;
const EXP_T5 = 8.3333333333333333333e-3;
const EXP_T4 = 4.1666666666666666667e-2;
const EXP_T3 = 1.6666666666666666667e-1;
/** The argument is divided by 2^4 and the result squared back four times. */
const EXP_SCALE = 0.0625;

/** CVTSD2SL: round half to even into int32; NaN and out-of-range give the int32 minimum. */
function cvtsd2sl(v: number): number {
  if (!(v >= -2147483648.5 && v < 2147483647.5)) return -2147483648;
  let r = Math.round(v);
  if (r - v === 0.5 && r % 2 !== 0) r -= 1;
  return r;
}

/**
 * Go's `math.Exp` on linux/amd64 (exp_amd64.s). The assembly takes an FMA path on CPUs
 * with AVX2 and FMA (every x86-64 server CPU since 2013), which is the one reproduced here;
 * on older CPUs Go's plain path can differ in the last bit for about 1 input in 11.
 */
export function goExp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === -Infinity) return 0;
  if (x > EXP_OVERFLOW) return Infinity;
  const n = cvtsd2sl(EXP_LOG2E * x);
  let x0 = fma(-n, EXP_LN2U, x);
  x0 = fma(-n, EXP_LN2L, x0);
  x0 *= EXP_SCALE;
  let x1 = EXP_T8;
  x1 = fma(x1, x0, EXP_T7);
  x1 = fma(x1, x0, EXP_T6);
  x1 = fma(x1, x0, EXP_T5);
  x1 = fma(x1, x0, EXP_T4);
  x1 = fma(x1, x0, EXP_T3);
  x1 = fma(x1, x0, 0.5);
  x1 = fma(x1, x0, 1.0);
  x0 *= x1;
  x1 = x0 + 2.0;
  x0 *= x1;
  x1 = x0 + 2.0;
  x0 *= x1;
  x1 = x0 + 2.0;
  x0 *= x1;
  x1 = x0 + 2.0;
  x0 = fma(x0, x1, 1.0);
  // x0 · 2^n, through a subnormal-safe two-step scaling as the assembly does.
  let bx = n + 0x3ff;
  if (bx <= 0) {
    if (bx < -52) return 0;
    bx += 0x3fe;
    x0 *= fromWords(bx << 20, 0);
    bx = 1;
  } else if (bx >= 0x7ff) {
    return Infinity;
  }
  return x0 * fromWords(bx << 20, 0); // 2^(bx − 1023)
}

// --- circular functions (Cephes, via Go) -------------------------------------------------

const SIN = [
  1.5896230157654656806e-10, // 0x3de5d8fd1fd19ccd
  -2.50507477628578072866e-8, // 0xbe5ae5e5a9291f5d
  2.75573136213857245213e-6, // 0x3ec71de3567d48a1
  -1.98412698295895385996e-4, // 0xbf2a01a019bfdf03
  8.33333333332211858878e-3, // 0x3f8111111110f7d0
  -1.66666666666666307295e-1, // 0xbfc5555555555548
] as const;
const COS = [
  -1.135853652138768173e-11, // 0xbda8fa49a0861a9b
  2.08757008419747316778e-9, // 0x3e21ee9d7b4e3f05
  -2.75573141792967388112e-7, // 0xbe927e4f7eac4bc6
  2.48015872888517045348e-5, // 0x3efa01a019c844f5
  -1.38888888888730564116e-3, // 0xbf56c16c16c14f91
  4.16666666666665929218e-2, // 0x3fa555555555554b
] as const;
// π/4 split into three parts so that y·PI4A and y·PI4B are exact for y < 2^29.
const PI4A = 7.85398125648498535156e-1; // 0x3fe921fb40000000
const PI4B = 3.77489470793079817668e-8; // 0x3e64442d00000000
const PI4C = 2.69515142907905952645e-15; // 0x3ce8469898cc5170
/** Above 2^29 the three-part reduction loses bits; Go switches to Payne–Hanek. */
const REDUCE_THRESHOLD = 2 ** 29;

/** Binary digits of 4/π, 64 bits a word (Go's `mPi4`), for Payne–Hanek reduction. */
const M_PI4 = [
  0x0000000000000001n, 0x45f306dc9c882a53n, 0xf84eafa3ea69bb81n, 0xb6c52b3278872083n,
  0xfca2c757bd778ac3n, 0x6e48dc74849ba5c0n, 0x0c925dd413a32439n, 0xfc3bd63962534e7dn,
  0xd1046bea5d768909n, 0xd338e04d68befc82n, 0x7323ac7306a673e9n, 0x3908bf177bf25076n,
  0x3ff12fffbc0b301fn, 0xde5e2316b414da3en, 0xda6cfd9e4f96136en, 0x9e8c7ecd3cbfd45an,
  0xea4f758fd7cbe2f6n, 0x7a0e73ef14a525d4n, 0xd7f6bf623f1aba10n, 0xac06608df8f6d757n,
] as const;

const MASK64 = (1n << 64n) - 1n;

/**
 * Go's `trigReduce`: for x ≥ 2^29, the octant j (mod 8) and the remainder z of x/(π/4),
 * with the multi-precision product done in BigInt instead of `bits.Mul64`.
 */
function trigReduce(x: number): { j: number; z: number } {
  const PI4 = Math.PI / 4;
  if (x < PI4) return { j: 0, z: x };
  let ix = float64bits(x);
  const exp = Number((ix >> 52n) & 0x7ffn) - 1023 - 52;
  ix &= ~(0x7ffn << 52n);
  ix |= 1n << 52n;
  const digit = Math.floor((exp + 61) / 64);
  const bitshift = BigInt((exp + 61) % 64);
  const word = (i: number): bigint => M_PI4[i]!;
  const z0 = ((word(digit) << bitshift) | (word(digit + 1) >> (64n - bitshift))) & MASK64;
  const z1 = ((word(digit + 1) << bitshift) | (word(digit + 2) >> (64n - bitshift))) & MASK64;
  const z2 = ((word(digit + 2) << bitshift) | (word(digit + 3) >> (64n - bitshift))) & MASK64;
  const z2hi = (z2 * ix) >> 64n;
  const p1 = z1 * ix;
  const z1hi = p1 >> 64n;
  const z1lo = p1 & MASK64;
  const z0lo = (z0 * ix) & MASK64;
  const loSum = z1lo + z2hi;
  const lo = loSum & MASK64;
  const carry = loSum >> 64n;
  let hi = (z0lo + z1hi + carry) & MASK64;
  let j = Number(hi >> 61n);
  hi = ((hi << 3n) | (lo >> 61n)) & MASK64;
  if (hi === 0n) return { j, z: 0 }; // x an exact multiple of π/4: cannot happen for doubles
  const lz = BigInt(64 - hi.toString(2).length); // leading zeros
  const e = BigInt(1023) - (lz + 1n);
  hi = ((hi << (lz + 1n)) | (lo >> (64n - (lz + 1n)))) & MASK64;
  hi >>= 64n - 52n;
  hi |= e << 52n;
  let z = float64frombits(hi);
  if ((j & 1) === 1) {
    j = (j + 1) & 7;
    z--;
  }
  return { j, z: z * PI4 };
}

/** Octant and reduced argument for x ≥ 0, as Go's sin/cos/tan. */
function reduce(x: number, mask: boolean): { j: number; z: number } {
  if (x >= REDUCE_THRESHOLD) return trigReduce(x);
  let j = Math.trunc(x * FOUR_OVER_PI);
  let y = j;
  if ((j & 1) === 1) {
    j++;
    y++;
  }
  if (mask) j &= 7;
  return { j, z: x - y * PI4A - y * PI4B - y * PI4C };
}

function sinPoly(z: number, zz: number): number {
  return z + z * zz * (((((SIN[0] * zz + SIN[1]) * zz + SIN[2]) * zz + SIN[3]) * zz + SIN[4]) * zz + SIN[5]);
}

function cosPoly(zz: number): number {
  return 1.0 - 0.5 * zz + zz * zz * (((((COS[0] * zz + COS[1]) * zz + COS[2]) * zz + COS[3]) * zz + COS[4]) * zz + COS[5]);
}

/** Go's `math.Sin`. */
export function goSin(x: number): number {
  if (x === 0 || Number.isNaN(x)) return x;
  if (!Number.isFinite(x)) return NaN;
  let sign = false;
  if (x < 0) {
    x = -x;
    sign = true;
  }
  const r = reduce(x, true);
  const z = r.z;
  let j = r.j;
  if (j > 3) {
    sign = !sign;
    j -= 4;
  }
  const zz = z * z;
  const y = j === 1 || j === 2 ? cosPoly(zz) : sinPoly(z, zz);
  return sign ? -y : y;
}

/** Go's `math.Cos`. */
export function goCos(x: number): number {
  if (!Number.isFinite(x)) return NaN;
  let sign = false;
  x = Math.abs(x);
  const r = reduce(x, true);
  const z = r.z;
  let j = r.j;
  if (j > 3) {
    j -= 4;
    sign = !sign;
  }
  if (j > 1) sign = !sign;
  const zz = z * z;
  const y = j === 1 || j === 2 ? sinPoly(z, zz) : cosPoly(zz);
  return sign ? -y : y;
}

const TAN_P = [-1.30936939181383777646e4, 1.15351664838587416140e6, -1.79565251976484877988e7] as const;
const TAN_Q = [1.0, 1.36812963470692954678e4, -1.32089234440210967447e6, 2.50083801823357915839e7, -5.38695755929454629881e7] as const;
/** Below this z², tan(z) = z to double precision (Cephes's cut-off). */
const TAN_TINY_ZZ = 1e-14;

/** Go's `math.Tan`. */
export function goTan(x: number): number {
  if (x === 0 || Number.isNaN(x)) return x;
  if (!Number.isFinite(x)) return NaN;
  let sign = false;
  if (x < 0) {
    x = -x;
    sign = true;
  }
  const { j, z } = reduce(x, false);
  const zz = z * z;
  let y: number;
  if (zz > TAN_TINY_ZZ) {
    y = z + z * ((zz * ((TAN_P[0] * zz + TAN_P[1]) * zz + TAN_P[2])) / ((((zz + TAN_Q[1]) * zz + TAN_Q[2]) * zz + TAN_Q[3]) * zz + TAN_Q[4]));
  } else {
    y = z;
  }
  if ((j & 2) === 2) y = -1 / y;
  return sign ? -y : y;
}

/** Go's `xatan`: a rational approximation valid on [0, 0.66]. */
function xatan(x: number): number {
  const P0 = -8.750608600031904122785e-1;
  const P1 = -1.615753718733365076637e1;
  const P2 = -7.50085579231470466734e1;
  const P3 = -1.22886668449013617341e2;
  const P4 = -6.485021904942025371773e1;
  const Q0 = 2.485846490142306297962e1;
  const Q1 = 1.650270098316988542046e2;
  const Q2 = 4.328810604912902668951e2;
  const Q3 = 4.853903996359136964868e2;
  const Q4 = 1.945506571482613964425e2;
  let z = x * x;
  z = (z * ((((P0 * z + P1) * z + P2) * z + P3) * z + P4)) / (((((z + Q0) * z + Q1) * z + Q2) * z + Q3) * z + Q4);
  return x * z + x;
}

/** Go's `satan`: reduces a positive argument into [0, 0.66] for `xatan`. */
function satan(x: number): number {
  const MOREBITS = 6.12323399573676588613e-17; // π/2 = PIO2 + MOREBITS
  const TAN3PIO8 = 2.4142135623730950488; // tan(3π/8)
  if (x <= 0.66) return xatan(x);
  if (x > TAN3PIO8) return Math.PI / 2 - xatan(1 / x) + MOREBITS;
  return Math.PI / 4 + xatan((x - 1) / (x + 1)) + 0.5 * MOREBITS;
}

/** Go's `math.Atan`. */
export function goAtan(x: number): number {
  if (x === 0) return x;
  if (x > 0) return satan(x);
  return -satan(-x);
}

/** Go's `math.Asin`. */
export function goAsin(x: number): number {
  if (x === 0) return x;
  let sign = false;
  if (x < 0) {
    x = -x;
    sign = true;
  }
  if (x > 1) return NaN;
  let temp = Math.sqrt(1 - x * x);
  if (x > 0.7) {
    temp = Math.PI / 2 - satan(temp / x);
  } else {
    temp = satan(x / temp);
  }
  return sign ? -temp : temp;
}

/** Go's `math.Acos`: π/2 − Asin(x). */
export function goAcos(x: number): number {
  return Math.PI / 2 - goAsin(x);
}

// --- hyperbolic functions (via Go) --------------------------------------------------------

/** Above this |x|, e^-x is negligible next to e^x (Go's cut-off in Sinh/Cosh). */
const HYPERBOLIC_LARGE = 21;

/** Go's `math.Sinh` (Hart & Cheney #2029 series below 0.5). */
export function goSinh(x: number): number {
  const P0 = -0.6307673640497716991184787251e6;
  const P1 = -0.8991272022039509355398013511e5;
  const P2 = -0.2894211355989563807284660366e4;
  const P3 = -0.2630563213397497062819489e2;
  const Q0 = -0.6307673640497716991212077277e6;
  const Q1 = 0.1521517378790019070696485176e5;
  const Q2 = -0.173678953558233699533450911e3;
  let sign = false;
  if (x < 0) {
    x = -x;
    sign = true;
  }
  let temp: number;
  if (x > HYPERBOLIC_LARGE) {
    temp = goExp(x) / 2;
  } else if (x > 0.5) {
    temp = (goExp(x) - goExp(-x)) / 2;
  } else {
    const sq = x * x;
    temp = (((P3 * sq + P2) * sq + P1) * sq + P0) * x;
    temp = temp / (((sq + Q2) * sq + Q1) * sq + Q0);
  }
  return sign ? -temp : temp;
}

/** Go's `math.Cosh`. */
export function goCosh(x: number): number {
  x = Math.abs(x);
  if (x > HYPERBOLIC_LARGE) return goExp(x) / 2;
  return (goExp(x) + goExp(-x)) / 2;
}

const TANH_P = [-9.64399179425052238628e-1, -9.92877231001918586564e1, -1.61468768441708447952e3] as const;
const TANH_Q = [1.12811678491632931402e2, 2.23548839060100448583e3, 4.84406305325125486048e3] as const;
/** log(2^127): beyond half of it tanh is ±1 to double precision. */
const TANH_MAXLOG = 8.8029691931113054295988e1;

/** Go's `math.Tanh`. */
export function goTanh(x: number): number {
  let z = Math.abs(x);
  if (z > 0.5 * TANH_MAXLOG) return x < 0 ? -1 : 1;
  if (z >= 0.625) {
    const s = goExp(2 * z);
    z = 1 - 2 / (s + 1);
    return x < 0 ? -z : z;
  }
  if (x === 0 || Number.isNaN(x)) return x;
  const s = x * x;
  return x + (x * s * ((TANH_P[0] * s + TANH_P[1]) * s + TANH_P[2])) / (((s + TANH_Q[0]) * s + TANH_Q[1]) * s + TANH_Q[2]);
}

/** ln 2 as Go's Asinh/Acosh write it (0x3FE62E42FEFA39EF). */
const LN2 = 6.93147180559945286227e-1;
/** 2^28: beyond it, asinh/acosh(x) = log(x) + ln 2 to double precision. */
const TWO_28 = 2 ** 28;
/** 2^-28: below it, asinh/atanh(x) = x to double precision. */
const TWO_M28 = 1 / 2 ** 28;

/** Go's `math.Asinh`. */
export function goAsinh(x: number): number {
  if (Number.isNaN(x) || !Number.isFinite(x)) return x;
  let sign = false;
  if (x < 0) {
    x = -x;
    sign = true;
  }
  let temp: number;
  if (x > TWO_28) {
    temp = goLog(x) + LN2;
  } else if (x > 2) {
    temp = goLog(2 * x + 1 / (Math.sqrt(x * x + 1) + x));
  } else if (x < TWO_M28) {
    temp = x;
  } else {
    temp = goLog1p(x + (x * x) / (1 + Math.sqrt(1 + x * x)));
  }
  return sign ? -temp : temp;
}

/** Go's `math.Acosh`. */
export function goAcosh(x: number): number {
  if (x < 1 || Number.isNaN(x)) return NaN;
  if (x === 1) return 0;
  if (x >= TWO_28) return goLog(x) + LN2;
  if (x > 2) return goLog(2 * x - 1 / (x + Math.sqrt(x * x - 1)));
  const t = x - 1;
  return goLog1p(t + Math.sqrt(2 * t + t * t));
}

/** Go's `math.Atanh`. */
export function goAtanh(x: number): number {
  if (x < -1 || x > 1 || Number.isNaN(x)) return NaN;
  if (x === 1) return Infinity;
  if (x === -1) return -Infinity;
  let sign = false;
  if (x < 0) {
    x = -x;
    sign = true;
  }
  let temp: number;
  if (x < TWO_M28) {
    temp = x;
  } else if (x < 0.5) {
    temp = x + x;
    temp = 0.5 * goLog1p(temp + (temp * x) / (1 - x));
  } else {
    temp = 0.5 * goLog1p((x + x) / (1 - x));
  }
  return sign ? -temp : temp;
}

// --- the PromQL functions ----------------------------------------------------------------

/** `sgn`: -1, +1, or the value itself for ±0 and NaN. */
function sgn(v: number): number {
  if (v < 0) return -1;
  if (v > 0) return 1;
  return v;
}

/**
 * The single-argument math functions of PromQL 2.42 by name: `abs ceil floor exp sqrt ln
 * log2 log10 sgn`, `sin cos tan asin acos atan`, `sinh cosh tanh asinh acosh atanh`,
 * `deg` (v·180/π) and `rad` (v·π/180). Each maps one sample value to the output value.
 *
 * Special cases are Go's: NaN in → NaN out everywhere; `ln`/`log2`/`log10` of ±0 → -Inf,
 * of a negative → NaN; `sqrt` of a negative → NaN, of -0 → -0; `sin`/`cos`/`tan` of ±Inf
 * → NaN; `asin`/`acos`/`atanh` outside [-1, 1] → NaN, `atanh(±1)` → ±Inf; `acosh` below
 * 1 → NaN; `tanh(±Inf)` → ±1; `sgn(±0)` → ±0; odd functions keep the sign of zero.
 */
export const MATH: Readonly<Record<string, (v: number) => number>> = Object.freeze({
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: goExp,
  sqrt: Math.sqrt,
  ln: goLog,
  log2: goLog2,
  log10: goLog10,
  sgn,
  sin: goSin,
  cos: goCos,
  tan: goTan,
  asin: goAsin,
  acos: goAcos,
  atan: goAtan,
  sinh: goSinh,
  cosh: goCosh,
  tanh: goTanh,
  asinh: goAsinh,
  acosh: goAcosh,
  atanh: goAtanh,
  deg: (v: number) => (v * 180) / Math.PI,
  rad: (v: number) => (v * Math.PI) / 180,
});

/**
 * `round(v, toNearest)`: rounds to the nearest multiple of `toNearest`, ties up, as
 * Prometheus 2.42: `floor(v · (1/toNearest) + 0.5) / (1/toNearest)` (the inverse is
 * used because it gives fewer representation errors). Without a second argument the
 * engine passes 1.
 *
 * Edge cases: NaN → NaN, ±Inf → itself; toNearest 0 → NaN (the inverse is +Inf and
 * ±Inf/Inf is NaN); toNearest NaN or ±Inf → NaN; a negative toNearest rounds like its
 * absolute value with ties going down; a zero result is +0 even for negative inputs
 * (round(-0.4) and round(-0) are +0).
 */
export function round(v: number, toNearest: number): number {
  const inv = 1.0 / toNearest;
  return Math.floor(v * inv + 0.5) / inv;
}

/**
 * `clamp(v, min, max)`: max(min, min(max, v)) with Go's `math.Max`/`math.Min` (NaN wins;
 * -0 < +0). The caller first asks `clampEmpty(min, max)`: when max < min, `clamp` returns
 * an empty vector. A NaN bound makes every result NaN.
 */
export function clamp(v: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, v));
}

/** `clamp`'s "no output" rule: true when max < min (false if either is NaN). */
export function clampEmpty(min: number, max: number): boolean {
  return max < min;
}

/** `clamp_min(v, min)`: max(min, v); NaN in either → NaN. */
export function clampMin(v: number, min: number): number {
  return Math.max(min, v);
}

/** `clamp_max(v, max)`: min(max, v); NaN in either → NaN. */
export function clampMax(v: number, max: number): number {
  return Math.min(max, v);
}
