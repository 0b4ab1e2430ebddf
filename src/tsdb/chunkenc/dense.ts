/**
 * The dense chunk encoding of compacted blocks (block format 2, `../block/FORMAT.md`): a
 * chunk's timestamps and values as two separate columns, so that
 *
 * - a timestamp column can be shared: every series of one scrape target carries the same
 *   timestamps (Prometheus stamps a whole scrape with one time), and a block stores each
 *   distinct column once instead of once per series;
 * - values pick a coding per chunk: integers (counters, most gauges of counts and bytes)
 *   as bit-packed deltas, decimals with a few fraction digits as scaled integers (both
 *   taken when their deltas fit 3 bytes, else when smaller than XOR), and anything else
 *   as Gorilla XOR, Prometheus's value coding.
 *
 * XOR chunks (`xor.ts`) stay the format of the head, the WAL and remote read; blocks
 * transcode at write time, losslessly: every value decodes to the same 64 bits (NaN
 * payloads such as the stale marker included), every timestamp to the same integer.
 *
 * Layouts (byte-level, all varints LEB128, signed ones zigzag):
 *
 * ```
 * times column:  uvarint n │ varint t0 │ varint span (t[n-1] − t0) │ [n ≥ 2] varint t1 − t0 │ varint dod × (n − 2)
 * values column: byte kind │ payload
 *   kind 0 XOR: 64 bits of v0, then per value Gorilla's control bits ('0' same value;
 *               '10' + bits in the previous window; '11' + 5 bits leading zeros + 6 bits
 *               significant-bit count (64 as 0) + the bits), most significant bit first
 *   kind 1 INT: varint v0 │ [n ≥ 2] varint minDelta │ byte width │ (n − 1) × width bits of
 *               (v[i] − v[i−1] − minDelta), most significant bit first, zero-padded
 *   kind 2 DEC: byte e (1..6) │ the INT payload of m, where v = m / 10^e exactly
 * ```
 * The values column does not store n: it is the times column's.
 */
import { ByteReader, ByteWriter } from '../../util/bytes.js';
import { CairnError } from '../../util/errors.js';
import { BitReader, BitWriter } from './bstream.js';
import { ctz32, writeSignificant } from './xor.js';

/** Value codings (the values column's first byte). */
export const VALUES_XOR = 0;
export const VALUES_INT = 1;
export const VALUES_DEC = 2;

/**
 * Integers coded as INT stay within ±2^50, so every delta (and delta − minDelta) is an
 * exact double below 2^52.
 */
const MAX_INT = 2 ** 50;
/** Bit-packed deltas are at most 32 bits wide (one `readBits`); wider ranges use XOR. */
const MAX_WIDTH = 32;
/** Fraction digits tried for DEC: 1 (0.5, 21.3) up to 6 (micro units). */
const MAX_DECIMALS = 6;
const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000];
/** Go's "no window yet" (any value above the 5-bit maximum works). */
const NO_WINDOW = 0xff;
const MAX_LEADING = 31;

function corrupt(message: string): CairnError {
  return new CairnError('internal', 'corrupt_chunk', `corrupt dense chunk: ${message}`);
}

// ---------------------------------------------------------------------------------------
// Encoding.

/**
 * Encodes columns into scratch buffers it owns, so a block writer transcoding hundreds of
 * thousands of chunks allocates nothing per chunk (a worker's garbage is collected by V8's
 * background threads, which share the cores with the main thread's pushes). Each result is
 * a view valid until the next call of the same method.
 */
export class DenseEncoder {
  private readonly tw = new ByteWriter(1024);
  private readonly head = new ByteWriter(32);
  private readonly bits = new BitWriter(1024);
  private out = new Uint8Array(1024);
  private ints = new Float64Array(128);

  /** The times column of `ts[0..n)` (n ≥ 1, safe integers). */
  times(ts: ArrayLike<number>, n: number): Uint8Array {
    const w = this.tw;
    w.reset();
    w.uvarint(n);
    w.varint(ts[0]!);
    w.varint(ts[n - 1]! - ts[0]!);
    if (n >= 2) {
      let delta = ts[1]! - ts[0]!;
      w.varint(delta);
      for (let i = 2; i < n; i++) {
        const d = ts[i]! - ts[i - 1]!;
        w.varint(d - delta);
        delta = d;
      }
    }
    return w.view_();
  }

  /**
   * The values column of `vs[0..n)` (n ≥ 1): INT or DEC when they hold the values exactly
   * and are small (see the class comment), else XOR. `vs` is read through its bits, so NaN
   * payloads survive.
   */
  values(vs: Float64Array, n: number): Uint8Array {
    if (this.ints.length < n) this.ints = new Float64Array(n);
    const decimals = integerForm(vs, n, this.ints);
    if (decimals >= 0) {
      // `packed` lives in `out`, XOR in `bits`: both views stay valid for the comparison.
      const packed = this.intValues(this.ints, n, decimals);
      // Deltas of at most 3 bytes beat XOR's ≥ 2 control bits plus the changed mantissa
      // bits of an integer-valued double; only wider ones are compared.
      if (packed !== undefined && (n < 2 || packed.length <= (n - 1) * 3 + 16)) return packed;
      const xor = this.xorValues(vs, n);
      return packed !== undefined && packed.length <= xor.length ? packed : xor;
    }
    return this.xorValues(vs, n);
  }

  /** INT (decimals 0) or DEC column of the integers `m`; undefined when the deltas span more than MAX_WIDTH bits. */
  private intValues(m: Float64Array, n: number, decimals: number): Uint8Array | undefined {
    let minDelta = Infinity;
    let maxDelta = -Infinity;
    for (let i = 1; i < n; i++) {
      const d = m[i]! - m[i - 1]!;
      if (d < minDelta) minDelta = d;
      if (d > maxDelta) maxDelta = d;
    }
    const range = n >= 2 ? maxDelta - minDelta : 0;
    if (range >= 2 ** MAX_WIDTH) return undefined;
    const width = range === 0 ? 0 : range >= 2 ** 31 ? 32 : 32 - Math.clz32(range);
    const head = this.head;
    head.reset();
    if (decimals === 0) {
      head.byte(VALUES_INT);
    } else {
      head.byte(VALUES_DEC);
      head.byte(decimals);
    }
    head.varint(m[0]!);
    if (n >= 2) {
      head.varint(minDelta);
      head.byte(width);
    }
    const bodyBytes = Math.ceil((width * (n - 1)) / 8);
    const len = head.length + bodyBytes;
    const out = this.room(len);
    out.set(head.view_());
    if (bodyBytes > 0) {
      const w = this.bits;
      w.reset();
      for (let i = 1; i < n; i++) w.writeBits(m[i]! - m[i - 1]! - minDelta, width);
      out.set(w.bytes().subarray(0, bodyBytes), head.length);
    }
    return out.subarray(0, len);
  }

  /** The XOR column (always possible). */
  private xorValues(vs: Float64Array, n: number): Uint8Array {
    // Read the doubles as 32-bit halves of their own buffer: exact bits, NaN payloads too.
    const bits = new Uint32Array(vs.buffer, vs.byteOffset, n * 2);
    const w = this.bits;
    w.reset();
    w.writeBits(VALUES_XOR, 8);
    let vHi = bits[HI]!;
    let vLo = bits[LO]!;
    w.writeBits64(vHi, vLo, 64);
    let windowLeading = NO_WINDOW;
    let windowTrailing = 0;
    for (let i = 1; i < n; i++) {
      const hi = bits[i * 2 + HI]!;
      const lo = bits[i * 2 + LO]!;
      const xh = (hi ^ vHi) >>> 0;
      const xl = (lo ^ vLo) >>> 0;
      vHi = hi;
      vLo = lo;
      if ((xh | xl) === 0) {
        w.writeBit(0);
        continue;
      }
      let leading = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
      const trailing = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
      if (leading > MAX_LEADING) leading = MAX_LEADING;
      if (windowLeading !== NO_WINDOW && leading >= windowLeading && trailing >= windowTrailing) {
        w.writeBits(0b10, 2);
        writeSignificant(w, xh, xl, windowLeading, windowTrailing);
        continue;
      }
      windowLeading = leading;
      windowTrailing = trailing;
      const sig = 64 - leading - trailing;
      w.writeBits((0b11 << 11) | (leading << 6) | (sig & 0x3f), 13);
      writeSignificant(w, xh, xl, leading, trailing);
    }
    // BitWriter may carry Go's extra zero byte; the column is exactly the bits, rounded up.
    return w.bytes().subarray(0, Math.ceil(w.bitLength / 8));
  }

  private room(n: number): Uint8Array {
    if (this.out.length < n) this.out = new Uint8Array(Math.max(n, this.out.length * 2));
    return this.out;
  }
}

/** Encodes `n` (≥ 1) safe-integer timestamps as a times column (a fresh copy). */
export function encodeTimes(ts: ArrayLike<number>, n: number): Uint8Array {
  return new DenseEncoder().times(ts, n).slice();
}

/** Encodes `n` (≥ 1) values as a values column (a fresh copy); see `DenseEncoder.values`. */
export function encodeValues(vs: Float64Array, n: number): Uint8Array {
  return new DenseEncoder().values(vs, n).slice();
}

/** The header of a times column: sample count and first and last timestamps, without decoding the rest. */
export function timesHeader(col: Uint8Array): { n: number; mint: number; maxt: number } {
  const r = new ByteReader(col);
  const n = r.uvarint();
  const mint = r.varint();
  return { n, mint, maxt: mint + r.varint() };
}

/** Decodes a times column. Throws a CairnError (`corrupt_chunk`) on a malformed one. */
export function decodeTimes(col: Uint8Array): Float64Array {
  try {
    return decodeTimesUnchecked(col);
  } catch (e) {
    if (e instanceof CairnError && e.reason === 'corrupt_record') throw corrupt(`times column: ${e.message}`);
    throw e;
  }
}

function decodeTimesUnchecked(col: Uint8Array): Float64Array {
  const r = new ByteReader(col);
  const n = r.uvarint();
  if (n < 1) throw corrupt('a times column of 0 samples');
  const out = new Float64Array(n);
  let t = r.varint();
  const maxt = t + r.varint();
  out[0] = t;
  if (n >= 2) {
    let delta = r.varint();
    t += delta;
    out[1] = t;
    for (let i = 2; i < n; i++) {
      delta += r.varint();
      t += delta;
      out[i] = t;
    }
  }
  if (t !== maxt || r.remaining !== 0) throw corrupt(`times column ends at ${t}, its header says ${maxt}, with ${r.remaining} bytes left`);
  return out;
}

/**
 * Fills `m` with integers such that v = m / 10^decimals for the smallest decimals in
 * 0..MAX_DECIMALS that holds every value exactly, and returns decimals; -1 when none does
 * (NaN, ±Inf, -0, too large, too many digits).
 */
function integerForm(vs: Float64Array, n: number, m: Float64Array): number {
  for (let e = 0; e <= MAX_DECIMALS; e++) {
    const scale = POW10[e]!;
    let ok = true;
    for (let i = 0; i < n; i++) {
      const v = vs[i]!;
      const x = e === 0 ? v : Math.round(v * scale);
      // -0 would come back as +0, and NaN/Inf are not integers: both fail here.
      if (!Number.isInteger(x) || x > MAX_INT || x < -MAX_INT || Object.is(v, -0) || (e > 0 && x / scale !== v)) {
        ok = false;
        break;
      }
      m[i] = x;
    }
    if (ok) return e;
  }
  return -1;
}

// Node runs on little-endian platforms only (asserted in the remote-write scanner too).
const HI = 1;
const LO = 0;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/**
 * A pull cursor over a dense chunk's samples: timestamps from a decoded times column (may
 * be shared with other chunks; never written), values decoded as it goes. On a malformed
 * values column `next()` returns false and `err()` says why; it never throws. Reusable via
 * `reset()`.
 */
export class DenseIterator {
  private times: Float64Array = new Float64Array(0);
  private readonly r = new BitReader(new Uint8Array(0));
  private n = 0;
  private i = -1;
  private kind = 0;
  // INT / DEC state.
  private m = 0;
  private minDelta = 0;
  private width = 0;
  private scale = 1;
  // XOR state.
  private vHi = 0;
  private vLo = 0;
  private leading = 0;
  private trailing = 0;
  private error: CairnError | undefined = undefined;
  t = 0;
  v = 0;

  constructor(times?: Float64Array, values?: Uint8Array) {
    if (times !== undefined && values !== undefined) this.reset(times, values);
  }

  /** Restarts on another chunk: its timestamps and its values column. */
  reset(times: Float64Array, values: Uint8Array): void {
    this.times = times;
    this.n = times.length;
    this.i = -1;
    this.error = undefined;
    this.r.reset(values, 8);
    this.kind = values.length > 0 ? values[0]! : -1;
    this.scale = 1;
    this.minDelta = 0;
    if (this.kind === VALUES_DEC) {
      const e = values[1];
      if (e === undefined || e < 1 || e > MAX_DECIMALS) {
        this.fail(`decimal values with ${String(e)} fraction digits`);
        return;
      }
      this.scale = POW10[e]!;
      this.r.pos = 16;
    } else if (this.kind !== VALUES_INT && this.kind !== VALUES_XOR) {
      this.fail(`values coding ${this.kind}`);
    }
  }

  private fail(message: string): false {
    this.error = corrupt(message);
    this.i = this.n;
    return false;
  }

  err(): CairnError | undefined {
    return this.error;
  }

  next(): boolean {
    const i = this.i + 1;
    if (i >= this.n) {
      this.i = this.n;
      return false;
    }
    this.i = i;
    const r = this.r;
    if (this.kind === VALUES_XOR) {
      if (i === 0) {
        this.vHi = r.readBits(32);
        this.vLo = r.readBits(32);
        this.leading = NO_WINDOW;
      } else if (r.readBit() !== 0) {
        let leading: number;
        let trailing: number;
        if (r.readBit() === 0) {
          if (this.leading === NO_WINDOW) return this.fail(`value ${i} reuses a window before one was set`);
          leading = this.leading;
          trailing = this.trailing;
        } else {
          leading = r.readBits(5);
          let sig = r.readBits(6);
          if (sig === 0) sig = 64;
          trailing = 64 - leading - sig;
          if (trailing < 0) return this.fail(`value ${i} has ${leading} leading zeros and ${sig} significant bits`);
          this.leading = leading;
          this.trailing = trailing;
        }
        const sig = 64 - leading - trailing;
        let hi = 0;
        let lo: number;
        if (sig > 32) {
          hi = r.readBits(sig - 32);
          lo = r.readBits(32);
        } else {
          lo = r.readBits(sig);
        }
        let xh: number;
        let xl: number;
        if (trailing >= 32) {
          xh = lo << (trailing - 32);
          xl = 0;
        } else if (trailing === 0) {
          xh = hi;
          xl = lo;
        } else {
          xh = (hi << trailing) | (lo >>> (32 - trailing));
          xl = lo << trailing;
        }
        this.vHi = (this.vHi ^ xh) >>> 0;
        this.vLo = (this.vLo ^ xl) >>> 0;
      }
      u32[HI] = this.vHi;
      u32[LO] = this.vLo;
      this.v = f64[0]!;
    } else {
      if (i === 0) {
        this.m = readVarint(r);
        if (this.n >= 2) {
          this.minDelta = readVarint(r);
          this.width = r.readBits(8);
          if (this.width > MAX_WIDTH) return this.fail(`deltas ${this.width} bits wide`);
        }
        if (Number.isNaN(this.m + this.minDelta)) return this.fail('a varint wider than 53 bits');
      } else {
        this.m += this.minDelta + (this.width === 0 ? 0 : r.readBits(this.width));
      }
      this.v = this.scale === 1 ? this.m : this.m / this.scale;
    }
    if (r.overrun) return this.fail(`values column ends before value ${i} of ${this.n}`);
    this.t = this.times[i]!;
    return true;
  }
}

function readVarint(r: BitReader): number {
  const zz = r.readUvarint();
  if (zz < 0) return NaN;
  return zz % 2 === 0 ? zz / 2 : -(zz + 1) / 2;
}

/** Decodes every value of a values column of `n` samples into `out` (bit-exact). Throws a CairnError on a malformed column. */
export function decodeValues(col: Uint8Array, n: number, out: Float64Array): void {
  const it = new DenseIterator(new Float64Array(n), col);
  const bits = new Uint32Array(out.buffer, out.byteOffset, n * 2);
  for (let i = 0; i < n; i++) {
    if (!it.next()) throw it.err() ?? corrupt(`values column holds ${i} of ${n} values`);
    f64[0] = it.v;
    bits[i * 2 + HI] = u32[HI]!;
    bits[i * 2 + LO] = u32[LO]!;
  }
}
