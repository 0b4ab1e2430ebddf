/**
 * Prometheus's XOR chunk encoding for float samples (Gorilla, with millisecond-sized
 * timestamp buckets), bit-compatible with `tsdb/chunkenc/xor.go`: a chunk written here is
 * byte-for-byte the chunk Prometheus writes for the same samples, and either side reads
 * the other's. The layout is drawn in FORMAT.md next to this file.
 *
 * Timestamps are int64 milliseconds held in JS numbers and must be safe integers
 * (|t| <= 2^53 - 1, about ±285 000 years). Values are stored by their bit pattern, so
 * every NaN payload (StaleNaN among them) and -0 come back exactly.
 *
 * Also here: the rule by which Prometheus's head cuts a series' samples into chunks
 * (`ChunkCutPolicy`), so that Cairn's chunks cover the same spans as Prometheus's.
 */
import { assert, CairnError } from '../../util/errors.js';
import { STALE_HI, STALE_LO } from '../../model/stale.js';
import type { ReadMarkSlot, SampleColumns } from '../interface.js';
import { BitReader, BitWriter, joinInt64, peek32, splitInt64 } from './bstream.js';
import { native, type NativeAddon } from '../../util/native.js';

/** Bytes of the header: the sample count as a big-endian uint16. */
export const XOR_HEADER_BYTES = 2;

/** The header is a uint16, so a chunk holds at most 2^16 - 1 samples. */
export const MAX_SAMPLES_PER_XOR_CHUNK = 0xffff;

/** Bit at which the samples start, right after the header. */
const HEADER_BITS = XOR_HEADER_BYTES * 8;

/** Largest integer a double holds exactly; timestamps and their deltas stay within it. */
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Go's `leading = 0xff`: "no leading/trailing window chosen yet", so the next non-zero
 * XOR must write its own window. Any value above 31 (the 5-bit field's maximum) works;
 * 0xff is upstream's.
 */
const NO_WINDOW = 0xff;

/**
 * The 5-bit leading-zero field holds at most 31, so longer runs of leading zeros are
 * clamped to it (the extra zeros are then sent as significant bits).
 */
const MAX_LEADING = 31;

// Delta-of-delta buckets. Upstream's `bitRange(x, n)` accepts -(2^(n-1) - 1) ..
// 2^(n-1): the range is shifted up by one from the usual two's complement range, so that
// the all-ones-after-the-sign pattern is free and the reader can tell the sign by
// "greater than 2^(n-1)". Widths 14/17/20 are Prometheus's: millisecond jitter of a few
// seconds (±8.2 s), about a minute (±65 s) and about nine minutes (±524 s).
const DOD14_MIN = -(2 ** 13 - 1);
const DOD14_MAX = 2 ** 13;
const DOD17_MIN = -(2 ** 16 - 1);
const DOD17_MAX = 2 ** 16;
const DOD20_MIN = -(2 ** 19 - 1);
const DOD20_MAX = 2 ** 19;
/** Prefix '10' followed by 14 bits, written as one 16-bit value. */
const DOD14_PREFIX = 0b10 << 14;
/** Prefix '110' followed by 17 bits, one 20-bit value. */
const DOD17_PREFIX = 0b110 << 17;
/** Prefix '1110' followed by 20 bits, one 24-bit value. */
const DOD20_PREFIX = 0b1110 << 20;
/** Prefix '1111' before a full 64-bit delta of delta. */
const DOD64_PREFIX = 0b1111;

/** Shared views to move a float64 in and out of its two 32-bit halves. */
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** Index of the high and low halves in `u32`: the platform's byte order decides. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = LITTLE_ENDIAN ? 0 : 1;

function corrupt(message: string): CairnError {
  return new CairnError('internal', 'corrupt_chunk', message);
}

/** Trailing zero count of a non-zero 32-bit integer. */
export function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * Appends samples to an XOR chunk. Obtained from `XorChunk.appender()`, or resumed from a
 * chunk's bytes with `XorAppender.resume()`, which replays the chunk to recover exactly
 * the state an uninterrupted appender would have, so the bytes continue identically.
 *
 * The appender does not check order: samples are encoded as given (Prometheus's head
 * refuses out-of-order and duplicate samples before they reach the chunk). Not safe to
 * share between two writers of one chunk.
 */
export class XorAppender {
  private readonly w: BitWriter;
  private num: number;
  /** Timestamp of the last sample. */
  private t: number;
  /** Last timestamp delta (t[n] - t[n-1]); 0 before the second sample. */
  private tDelta: number;
  /** Bits of the last value. */
  private vHi: number;
  private vLo: number;
  /** Current XOR window: leading and trailing zeros, or NO_WINDOW. */
  private leading: number;
  private trailing: number;

  private constructor(w: BitWriter, state: XorAppenderState) {
    this.w = w;
    this.num = state.numSamples;
    this.t = state.t;
    this.tDelta = state.tDelta;
    this.vHi = state.vHi;
    this.vLo = state.vLo;
    this.leading = state.leading;
    this.trailing = state.trailing;
  }

  /** An appender on a new, empty chunk. */
  static empty(): XorAppender {
    // The writer starts after the two header bytes, which hold 0 samples.
    const w = BitWriter.resume(new Uint8Array(XOR_HEADER_BYTES), HEADER_BITS)!;
    return new XorAppender(w, { numSamples: 0, t: 0, tDelta: 0, vHi: 0, vLo: 0, leading: NO_WINDOW, trailing: 0 });
  }

  /**
   * Resumes appending to the chunk `bytes` (copied, not retained). Decodes every sample
   * to rebuild the appender's state and the bit position. Throws a CairnError (kind
   * `internal`, reason `corrupt_chunk`) when the bytes are not a well-formed XOR chunk:
   * truncated, a bad varint, a timestamp outside the safe-integer range, or trailing
   * bytes or bits a Prometheus writer would not leave.
   */
  static resume(bytes: Uint8Array): XorAppender {
    const it = new XorIterator(bytes);
    while (it.next());
    const err = it.err();
    if (err !== undefined) throw err;
    const state = it.appenderState();
    const w = BitWriter.resume(bytes, state.bitLength);
    if (w === undefined) {
      throw corrupt(
        `corrupt xor chunk: ${bytes.length} bytes hold ${state.numSamples} samples in ${state.bitLength} bits; ` +
          'expected at most one byte of padding, all zero',
      );
    }
    return new XorAppender(w, state);
  }

  /** Samples in the chunk. */
  get numSamples(): number {
    return this.num;
  }

  /** The chunk bytes; a view valid until the next `append` (see `XorChunk.bytes`). */
  bytes(): Uint8Array {
    return this.w.bytes();
  }

  /** Length of `bytes()`. */
  get byteLength(): number {
    return this.w.byteLength;
  }

  /**
   * Appends the sample (t, v). `t` must be a safe integer within 2^53 - 1 ms of the
   * previous sample's, and the chunk must hold fewer than MAX_SAMPLES_PER_XOR_CHUNK
   * samples; breaking either is a bug in the caller (assert).
   */
  append(t: number, v: number): void {
    const num = this.num;
    // Checks first, messages only on failure: building them eagerly costs more than the
    // encoding itself.
    if (num >= MAX_SAMPLES_PER_XOR_CHUNK || !Number.isSafeInteger(t)) this.refuse(t);
    f64[0] = v;
    const hi = u32[HI]!;
    const lo = u32[LO]!;
    const w = this.w;

    if (num === 0) {
      w.writeVarint(t);
      w.writeBits64(hi, lo, 64);
    } else {
      // Both timestamps are safe, so the difference is exact whenever it is safe itself.
      const delta = t - this.t;
      if (delta > MAX_SAFE || delta < -MAX_SAFE) this.refuse(t);
      if (num === 1) {
        // Go writes uint64(delta): a negative delta becomes a 10-byte two's complement varint.
        if (delta >= 0) w.writeUvarint(delta);
        else w.writeUvarintBig(BigInt.asUintN(64, BigInt(delta)));
      } else {
        this.writeDod(delta);
      }
      this.tDelta = delta;
      this.writeValue(hi, lo);
    }

    this.t = t;
    this.vHi = hi;
    this.vLo = lo;
    this.num = num + 1;
    w.patchUint16(0, num + 1);
  }

  /** Fails the assert that `append`'s arguments break. */
  private refuse(t: number): never {
    assert(this.num < MAX_SAMPLES_PER_XOR_CHUNK, `xor chunk already holds ${this.num} samples, the most its uint16 header counts`);
    assert(Number.isSafeInteger(t), `xor chunk timestamp ${t} is not a safe integer`);
    assert(false, `xor chunk timestamps ${this.t} and ${t} are more than 2^53 - 1 ms apart`);
  }

  private writeDod(delta: number): void {
    const w = this.w;
    const dod = delta - this.tDelta;
    if (dod === 0) {
      w.writeBit(0);
    } else if (dod >= DOD14_MIN && dod <= DOD14_MAX) {
      // `&` takes the low bits of the two's complement, which is what Go writes.
      w.writeBits(DOD14_PREFIX | (dod & 0x3fff), 16);
    } else if (dod >= DOD17_MIN && dod <= DOD17_MAX) {
      w.writeBits(DOD17_PREFIX | (dod & 0x1ffff), 20);
    } else if (dod >= DOD20_MIN && dod <= DOD20_MAX) {
      w.writeBits(DOD20_PREFIX | (dod & 0xfffff), 24);
    } else {
      w.writeBits(DOD64_PREFIX, 4);
      if (dod <= MAX_SAFE && dod >= -MAX_SAFE) {
        splitInt64(dod, scratchHiLo);
      } else {
        // Two deltas near ±2^53 of opposite sign: the double result is rounded, so
        // recompute exactly. Rare enough that BigInt's cost does not matter.
        const exact = BigInt.asUintN(64, BigInt(delta) - BigInt(this.tDelta));
        scratchHiLo[0] = Number(exact >> 32n);
        scratchHiLo[1] = Number(exact & 0xffffffffn);
      }
      w.writeBits64(scratchHiLo[0]!, scratchHiLo[1]!, 64);
    }
  }

  private writeValue(hi: number, lo: number): void {
    const w = this.w;
    const xh = (hi ^ this.vHi) >>> 0;
    const xl = (lo ^ this.vLo) >>> 0;
    if ((xh | xl) === 0) {
      w.writeBit(0);
      return;
    }
    let leading = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    const trailing = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
    if (leading > MAX_LEADING) leading = MAX_LEADING;

    if (this.leading !== NO_WINDOW && leading >= this.leading && trailing >= this.trailing) {
      // The XOR fits in the current window: '10' and the window's bits.
      w.writeBits(0b10, 2);
      writeSignificant(w, xh, xl, this.leading, this.trailing);
      return;
    }
    this.leading = leading;
    this.trailing = trailing;
    const sig = 64 - leading - trailing;
    // '11', 5 bits of leading zeros, 6 bits of significant-bit count (64 is sent as 0:
    // it cannot be 0 because the XOR is non-zero), then the bits.
    w.writeBits((0b11 << 11) | (leading << 6) | (sig & 0x3f), 13);
    writeSignificant(w, xh, xl, leading, trailing);
  }
}

/**
 * Reads the varints of samples 0 and 1 for every iterator (`next()` reads the rest
 * straight from the bytes); iteration is synchronous, so one suffices and an iterator
 * costs no reader of its own.
 */
const varintReader = new BitReader(new Uint8Array(0));

// The slots of the native fast loop's state array (native/addon.cc XorSlot), shared by every
// iterator of this thread: a call copies its state in and out.
const S_POS = 0;
const S_NUM = 1;
const S_NUM_TOTAL = 2;
const S_T = 3;
const S_DELTA = 4;
const S_VHI = 5;
const S_VLO = 6;
const S_LEADING = 7;
const S_TRAILING = 8;
const S_HI_MASK = 9;
const S_LO_MASK = 10;
const S_WINDOW_SET = 11;
const S_END_BYTE = 12;
const S_END_BIT = 13;
const S_MINT = 14;
const S_MAXT = 15;
const S_SKIP_STALE = 16;
const S_N = 17;
const S_STOP = 18;
const STOP_PAST = 1;
const STOP_FULL = 2;
const xorState = new Float64Array(19);

/** Scratch for splitting a 64-bit integer; appends are synchronous, so one suffices. */
const scratchHiLo = new Uint32Array(2);

/** Writes bits [trailing, 64 - leading) of the 64-bit value xh:xl (an XOR value's window; dense.ts's XOR values too). */
export function writeSignificant(w: BitWriter, xh: number, xl: number, leading: number, trailing: number): void {
  const n = 64 - leading - trailing;
  let hi: number;
  let lo: number;
  if (trailing >= 32) {
    hi = 0;
    lo = xh >>> (trailing - 32);
  } else if (trailing === 0) {
    hi = xh;
    lo = xl;
  } else {
    hi = xh >>> trailing;
    lo = ((xl >>> trailing) | (xh << (32 - trailing))) >>> 0;
  }
  w.writeBits64(hi, lo, n);
}

/** What an appender needs to continue a chunk; produced by a fully drained iterator. */
interface XorAppenderState {
  readonly numSamples: number;
  readonly t: number;
  readonly tDelta: number;
  readonly vHi: number;
  readonly vLo: number;
  readonly leading: number;
  readonly trailing: number;
}

/**
 * Where an `XorIterator` stood in one chunk (named by the time of its first sample: a
 * series' chunks start at different times): the decoder's state at one sample, taken by
 * `readIntoFrom` so that a later read of the same chunk starts there. Every sample before
 * the marked one is older than `before`, so the mark serves any read from `before` on. A
 * chunk's bytes are only ever appended to, so a mark stays true for as long as the chunk
 * lives.
 *
 * Small, as one is kept per series read this way: times as offsets from the chunk's start
 * (small integers in the object, not boxed doubles), the XOR window as one number (its
 * masks follow from it): about 114 bytes a mark, against 178 with every iterator field as it is.
 */
export class XorMark {
  chunkMint = 0;
  /** `before`, ms after `chunkMint`. */
  beforeOffset = 0;
  /** The marked sample's time, ms after `chunkMint`. */
  tOffset = 0;
  pos = 0;
  num = 0;
  delta = 0;
  vHi = 0;
  vLo = 0;
  /** leading | trailing << 8 | windowSet << 16. */
  window = 0;
}

/** Offsets a mark keeps: small integers on every platform V8 runs on (31 bits). */
const MAX_MARK_OFFSET = 2 ** 30 - 1;

/** `skipTo`'s columns: it appends nothing (its window starts at +Infinity), so one slot is room enough. */
const NOTHING_KEPT: SampleColumns = {
  t: new Float64Array(1),
  v: new Float64Array(1),
  v32: new Uint32Array(2),
  hi: 0,
  reserve(): void {
    throw new Error('BUG: skipTo kept a sample');
  },
};

/**
 * A pull cursor over the samples of one XOR chunk, oldest first (the order they were
 * appended). `t` and `v` are valid after `next()` or `seek()` returned true.
 *
 * The iterator reads the bytes it was given and sees the samples counted in their header
 * at creation; it never writes them, so it may be held while the chunk keeps growing (it
 * will not see the new samples). On malformed bytes `next()` returns false and `err()`
 * returns a CairnError (kind `internal`, reason `corrupt_chunk`); it never throws.
 * Reusable for another chunk via `reset()`.
 *
 * Speed: samples from the third on (all but two of a chunk) are decoded by `next()` from
 * 32-bit windows of the bytes (`peek32`): the delta of delta with its prefix comes out of
 * one window, and a value's XOR out of two, read in place and masked to the XOR window,
 * rather than bit by bit through a reader. Reads past the end see zeros; one comparison
 * of the bit position with the end per sample then reports the truncation, as a
 * bounds-checked reader would have. `npx tsx bench/chunkenc.bench.ts`, decode, against
 * the bit-at-a-time reader: counter 27.0 → 20.6 ns/sample, gauge 29.4 → 23.6, constant
 * 13.5 → 11.6, random 33.8 → 24.4.
 */
export class XorIterator {
  private buf: Uint8Array;
  private endByte = 0;
  private endBit = 0;
  /** Next bit to decode. Passes `endBit` only inside a sample the bytes cut short. */
  private pos = 0;
  private numTotal = 0;
  private numRead = 0;
  private _t = 0;
  private _v = 0;
  private tDelta = 0;
  /**
   * Bits of the last value, as signed 32-bit halves: V8 keeps int32s as small integers
   * in the object, whereas uint32s of 2^31 and above would be boxed doubles.
   */
  private vHi = 0;
  private vLo = 0;
  private leading = 0;
  private trailing = 0;
  /** The bits of the high and low words the XOR window covers (see `setWindow`). */
  private hiMask = -1;
  private loMask = -1;
  /** Whether the writer had a window: it wrote one, or reused one (Go's 0/0 default). */
  private windowSet = false;
  private done = false;
  private error: CairnError | undefined = undefined;

  /** An iterator over the chunk `bytes` (header included). */
  constructor(bytes: Uint8Array) {
    this.buf = bytes;
    this.reset(bytes);
  }

  /** Restarts the iterator on another chunk's bytes. */
  reset(bytes: Uint8Array): void {
    this.buf = bytes;
    this.endByte = bytes.length;
    this.endBit = bytes.length * 8;
    this.pos = HEADER_BITS;
    this.numRead = 0;
    this._t = 0;
    this._v = 0;
    this.tDelta = 0;
    this.vHi = 0;
    this.vLo = 0;
    this.leading = 0;
    this.trailing = 0;
    this.hiMask = -1;
    this.loMask = -1;
    this.windowSet = false;
    this.done = false;
    this.error = undefined;
    if (bytes.length < XOR_HEADER_BYTES) {
      this.numTotal = 0;
      this.fail(`corrupt xor chunk: ${bytes.length} bytes, shorter than the ${XOR_HEADER_BYTES}-byte header`);
      return;
    }
    this.numTotal = (bytes[0]! << 8) | bytes[1]!;
  }

  /** Timestamp of the current sample, ms. */
  get t(): number {
    return this._t;
  }

  /** Value of the current sample. */
  get v(): number {
    return this._v;
  }

  /** The error that stopped the iterator, if any. */
  err(): CairnError | undefined {
    return this.error;
  }

  /** Moves to the next sample; false when there is none or the chunk is malformed. */
  next(): boolean {
    const num = this.numRead;
    // The first two samples (varints), the end and a failed iterator go the slow way.
    if (num < 2 || num >= this.numTotal || this.done) return this.nextSlow(num);
    const buf = this.buf;
    const endByte = this.endByte;
    let pos = this.pos;
    // The delta of delta's prefix is 0, 10, 110, 1110 or 1111, tested from the window's
    // top bit down; the bucket's bits follow in the same window, except the 64-bit one's.
    // Values above 2^(n-1) are negative (see the bucket constants).
    const w = peek32(buf, endByte, pos);
    let delta = this.tDelta;
    // The window after the delta of delta: its top two bits are the value's first bits,
    // which is all a repeated value ('0') or a reused XOR window ('10') needs.
    let h: number;
    if (w >= 0) {
      pos += 1; // dod == 0: the regular interval continues.
      h = w << 1;
    } else if ((w & 0x4000_0000) === 0) {
      const dod = (w >>> 16) & 0x3fff;
      delta += dod > DOD14_MAX ? dod - 2 ** 14 : dod;
      pos += 16;
      h = w << 16;
    } else if ((w & 0x2000_0000) === 0) {
      const dod = (w >>> 12) & 0x1ffff;
      delta += dod > DOD17_MAX ? dod - 2 ** 17 : dod;
      pos += 20;
      h = w << 20;
    } else if ((w & 0x1000_0000) === 0) {
      const dod = (w >>> 8) & 0xfffff;
      delta += dod > DOD20_MAX ? dod - 2 ** 20 : dod;
      pos += 24;
      h = w << 24;
    } else {
      const hi = peek32(buf, endByte, pos + 4);
      const lo = peek32(buf, endByte, pos + 36);
      pos += 68;
      if (pos > this.endBit) return this.truncated();
      const d = this.addWideDod(hi, lo);
      if (d === undefined) return false;
      delta = d;
      h = peek32(buf, endByte, pos);
    }
    const t = this._t + delta;
    // Operands are safe integers, so a result within the safe range is exact.
    if (delta > MAX_SAFE || delta < -MAX_SAFE || t > MAX_SAFE || t < -MAX_SAFE) {
      // A sample that ran past the end is truncated, whatever else is wrong with it.
      if (pos > this.endBit) return this.truncated();
      return this.fail(`corrupt xor chunk: sample ${num} has timestamp ${this._t} + ${delta} ms, outside ±(2^53 - 1)`);
    }
    this.tDelta = delta;
    this._t = t;
    if (h >= 0) {
      pos += 1; // '0': same bits as the previous value
    } else {
      pos = this.readValue(pos, h);
      if (pos < 0) return false;
    }
    if (pos > this.endBit) return this.truncated();
    this.pos = pos;
    this.numRead = num + 1;
    return true;
  }

  /** `next()` for samples 0 and 1, past the last sample and after a failure. */
  private nextSlow(num: number): boolean {
    if (this.done) return false;
    if (num >= this.numTotal) {
      this.done = true;
      return false;
    }
    const r = varintReader;
    r.reset(this.buf, this.pos);
    if (num === 0) {
      const t = this.readTimestamp(r);
      if (t === undefined) return false;
      this._t = t;
      this.vHi = r.readBits(32) | 0;
      this.vLo = r.readBits(32) | 0;
      u32[HI] = this.vHi;
      u32[LO] = this.vLo;
      this._v = f64[0]!;
      if (r.overrun) return this.truncated();
      this.pos = r.pos;
    } else {
      const delta = this.readFirstDelta(r);
      if (delta === undefined) return false;
      // Whatever else is wrong with a sample that runs past the end, it is reported as
      // truncated (as in next()).
      if (r.overrun) return this.truncated();
      // readFirstDelta returns only safe integers; the sum may still leave the range.
      const t = this._t + delta;
      if (t > MAX_SAFE || t < -MAX_SAFE) {
        return this.fail(`corrupt xor chunk: sample ${num} has timestamp ${this._t} + ${delta} ms, outside ±(2^53 - 1)`);
      }
      this.tDelta = delta;
      this._t = t;
      const pos = this.readValue(r.pos, peek32(this.buf, this.endByte, r.pos));
      if (pos < 0) return false;
      if (pos > this.endBit) return this.truncated();
      this.pos = pos;
    }
    this.numRead = num + 1;
    return true;
  }

  /**
   * Advances to the first sample with timestamp >= t; stays put if the current sample
   * already qualifies. Returns false, leaving the iterator exhausted, when there is none.
   */
  seek(t: number): boolean {
    if (this.done) return false;
    if (this.numRead > 0 && this._t >= t) return true;
    while (this.next()) if (this._t >= t) return true;
    return false;
  }

  /**
   * `readInto` over a chunk that starts before `mint` and is read again and again (the
   * head's chunks, by instant queries and rule evaluations whose windows begin mid-chunk):
   * decoding starts from `slot`'s mark when it lies in this chunk at or before `mint`
   * instead of at the first sample, and leaves a mark at `mint` for the next read. A rule
   * read every interval then decodes the samples of its window, not the whole chunk up to
   * it. Same samples as `readInto` after `reset`, same return.
   */
  readIntoFrom(slot: ReadMarkSlot, chunkMint: number, mint: number, maxt: number, out: SampleColumns, skipStale: boolean, addon: NativeAddon | null = native ?? null): boolean {
    // An empty window reads as readInto says it (its first sample may end it).
    if (!(mint <= maxt)) return this.readInto(mint, maxt, out, skipStale, addon);
    const m = slot.xorMark instanceof XorMark ? slot.xorMark : undefined;
    if (m !== undefined && m.chunkMint === chunkMint && m.beforeOffset <= mint - chunkMint) this.restore(m, chunkMint);
    if (!this.skipTo(mint, addon)) return true;
    // A read from the chunk's start gains nothing from a mark. A chunk spans at most a
    // block's range; past the offsets' room (12 days), no mark.
    if (mint >= chunkMint && this._t - chunkMint <= MAX_MARK_OFFSET) slot.xorMark = this.markInto(m ?? new XorMark(), chunkMint, mint);
    if (this._t > maxt) return false;
    this.appendCurrent(out, skipStale);
    return this.readInto(mint, maxt, out, skipStale, addon);
  }

  /**
   * Moves to the first sample at or after `t` (staying put if the current one is), through
   * `readInto`'s fast loop with nothing kept; false when there is none (or the chunk failed).
   */
  private skipTo(t: number, addon: NativeAddon | null): boolean {
    if (this.numRead > 0 && this._t >= t) return true;
    // Timestamps are whole milliseconds: the first sample after ceil(t) - 1 is the first at or after t.
    return !this.readInto(Infinity, Math.ceil(t) - 1, NOTHING_KEPT, false, addon);
  }

  /**
   * The current sample's state into `m`: a read restored there goes on after the current
   * sample. `before` lies in [chunkMint, the current sample's time].
   */
  private markInto(m: XorMark, chunkMint: number, before: number): XorMark {
    m.chunkMint = chunkMint;
    m.beforeOffset = before - chunkMint;
    m.tOffset = this._t - chunkMint;
    m.pos = this.pos;
    m.num = this.numRead;
    m.delta = this.tDelta;
    m.vHi = this.vHi;
    m.vLo = this.vLo;
    m.window = this.leading | (this.trailing << 8) | (this.windowSet ? 1 << 16 : 0);
    return m;
  }

  /** Back to where `markInto` left `m`, if these bytes (just `reset`) hold that far. */
  private restore(m: XorMark, chunkMint: number): void {
    if (this.done || m.num > this.numTotal || m.pos > this.endBit) return;
    this.pos = m.pos;
    this.numRead = m.num;
    this._t = chunkMint + m.tOffset;
    this.tDelta = m.delta;
    this.vHi = m.vHi;
    this.vLo = m.vLo;
    this.setWindow(m.window & 0xff, (m.window >>> 8) & 0xff);
    this.windowSet = (m.window & (1 << 16)) !== 0;
    u32[HI] = m.vHi;
    u32[LO] = m.vLo;
    this._v = f64[0]!;
  }

  /** Appends the current sample to `out`, unless it is a stale marker and `skipStale`. */
  private appendCurrent(out: SampleColumns, skipStale: boolean): void {
    if (skipStale && this.vHi === STALE_HI && this.vLo === STALE_LO) return;
    if (out.hi === out.t.length) out.reserve(1);
    out.t[out.hi] = this._t;
    out.v32[2 * out.hi + HI] = this.vHi;
    out.v32[2 * out.hi + LO] = this.vLo;
    out.hi++;
  }

  /**
   * Appends the samples after the current one with `mint <= t <= maxt` to `out` (stale
   * markers left out when `skipStale`): `next()`'s fast path with its state in locals and
   * each value's halves written straight into `out.v32`, for readers that want a chunk's
   * samples in columns. Samples `next()` decodes the slow way (the first two, a 64-bit
   * delta of delta, anything malformed or cut short) go through `next()` itself, so errors
   * are the same. Returns false once a sample after `maxt` was read (the caller is done),
   * true when the chunk is exhausted or failed.
   */
  readInto(mint: number, maxt: number, out: SampleColumns, skipStale: boolean, addon: NativeAddon | null = native ?? null): boolean {
    for (;;) {
      if (addon !== null ? this.fastNative(addon, mint, maxt, out, skipStale) : this.fastJs(mint, maxt, out, skipStale)) return false;
      // The slow way for this sample (or the end, or a failure), then on with the fast one.
      if (!this.next()) return true;
      if (this._t > maxt) return false;
      if (this._t >= mint) this.appendCurrent(out, skipStale);
    }
  }

  /**
   * `readInto`'s fast loop in the native addon (native/xor.cc, the same decisions as
   * `fastJs`), over the state copied into and back out of `xorState`: true when it read a
   * sample after `maxt`.
   */
  private fastNative(addon: NativeAddon, mint: number, maxt: number, out: SampleColumns, skipStale: boolean): boolean {
    if (this.numRead < 2 || this.numRead >= this.numTotal || this.done) return false;
    const st = xorState;
    st[S_POS] = this.pos;
    st[S_NUM] = this.numRead;
    st[S_NUM_TOTAL] = this.numTotal;
    st[S_T] = this._t;
    st[S_DELTA] = this.tDelta;
    st[S_VHI] = this.vHi >>> 0;
    st[S_VLO] = this.vLo >>> 0;
    st[S_LEADING] = this.leading;
    st[S_TRAILING] = this.trailing;
    st[S_HI_MASK] = this.hiMask >>> 0;
    st[S_LO_MASK] = this.loMask >>> 0;
    st[S_WINDOW_SET] = this.windowSet ? 1 : 0;
    st[S_END_BYTE] = this.endByte;
    st[S_END_BIT] = this.endBit;
    st[S_MINT] = mint;
    st[S_MAXT] = maxt;
    st[S_SKIP_STALE] = skipStale ? 1 : 0;
    st[S_N] = out.hi;
    for (;;) {
      addon.xorRead(this.buf, st, out.t, out.v);
      if (st[S_STOP] !== STOP_FULL) break;
      // Room for the rest of the chunk at once.
      out.hi = st[S_N]!;
      out.reserve(Math.max(1, this.numTotal - st[S_NUM]!));
    }
    out.hi = st[S_N]!;
    this.pos = st[S_POS]!;
    this.numRead = st[S_NUM]!;
    this._t = st[S_T]!;
    this.tDelta = st[S_DELTA]!;
    this.vHi = st[S_VHI]! | 0;
    this.vLo = st[S_VLO]! | 0;
    this.leading = st[S_LEADING]!;
    this.trailing = st[S_TRAILING]!;
    this.hiMask = st[S_HI_MASK]! | 0;
    this.loMask = st[S_LO_MASK]! | 0;
    this.windowSet = st[S_WINDOW_SET] === 1;
    u32[HI] = this.vHi;
    u32[LO] = this.vLo;
    this._v = f64[0]!;
    return st[S_STOP] === STOP_PAST;
  }

  /** `readInto`'s fast loop in JavaScript: true when it read a sample after `maxt`. */
  private fastJs(mint: number, maxt: number, out: SampleColumns, skipStale: boolean): boolean {
    const buf = this.buf;
    const endByte = this.endByte;
    const endBit = this.endBit;
    const numTotal = this.numTotal;
    let num = this.numRead;
    let pos = this.pos;
    let t = this._t;
    let delta = this.tDelta;
    let vHi = this.vHi;
    let vLo = this.vLo;
    let leading = this.leading;
    let trailing = this.trailing;
    let hiMask = this.hiMask;
    let loMask = this.loMask;
    let windowSet = this.windowSet;
    let ts = out.t;
    let v32 = out.v32;
    let n = out.hi;
    let past = false;
    while (num >= 2 && num < numTotal && !this.done) {
      const w = peek32(buf, endByte, pos);
      let d = delta;
      let p = pos;
      let h: number;
      if (w >= 0) {
        p += 1;
        h = w << 1;
      } else if ((w & 0x4000_0000) === 0) {
        const dod = (w >>> 16) & 0x3fff;
        d += dod > DOD14_MAX ? dod - 2 ** 14 : dod;
        p += 16;
        h = w << 16;
      } else if ((w & 0x2000_0000) === 0) {
        const dod = (w >>> 12) & 0x1ffff;
        d += dod > DOD17_MAX ? dod - 2 ** 17 : dod;
        p += 20;
        h = w << 20;
      } else if ((w & 0x1000_0000) === 0) {
        const dod = (w >>> 8) & 0xfffff;
        d += dod > DOD20_MAX ? dod - 2 ** 20 : dod;
        p += 24;
        h = w << 24;
      } else {
        break; // a 64-bit delta of delta: next()
      }
      const nt = t + d;
      if (d > MAX_SAFE || d < -MAX_SAFE || nt > MAX_SAFE || nt < -MAX_SAFE) break;
      let nHi = vHi;
      let nLo = vLo;
      if (h >= 0) {
        p += 1; // '0': same bits as the previous value
      } else {
        let lead = leading;
        let trail = trailing;
        let hm = hiMask;
        let lm = loMask;
        if ((h & 0x4000_0000) === 0) {
          p += 2; // '10': the current window
        } else {
          const w2 = peek32(buf, endByte, p);
          lead = (w2 >>> 25) & 0x1f;
          let sig = (w2 >>> 19) & 0x3f;
          if (sig === 0) sig = 64;
          if (lead + sig > 64) break; // malformed: next() reports it
          p += 13;
          trail = 64 - lead - sig;
          hm = (-1 >>> lead) & (trail > 32 ? -1 << (trail - 32) : -1);
          lm = trail >= 32 ? 0 : -1 << trail;
        }
        const q = p - lead;
        nHi = vHi ^ (peek32(buf, endByte, q) & hm);
        if (lm !== 0) nLo = vLo ^ (peek32(buf, endByte, q + 32) & lm);
        p += 64 - lead - trail;
        leading = lead;
        trailing = trail;
        hiMask = hm;
        loMask = lm;
        windowSet = true;
      }
      if (p > endBit) break; // cut short: next() reports it
      pos = p;
      delta = d;
      t = nt;
      vHi = nHi;
      vLo = nLo;
      num++;
      if (t > maxt) {
        past = true;
        break;
      }
      if (t < mint || (skipStale && vHi === STALE_HI && vLo === STALE_LO)) continue;
      if (n === ts.length) {
        out.hi = n;
        out.reserve(1);
        ts = out.t;
        v32 = out.v32;
      }
      ts[n] = t;
      v32[2 * n + HI] = vHi;
      v32[2 * n + LO] = vLo;
      n++;
    }
    out.hi = n;
    this.pos = pos;
    this.numRead = num;
    this._t = t;
    this.tDelta = delta;
    this.vHi = vHi;
    this.vLo = vLo;
    this.leading = leading;
    this.trailing = trailing;
    this.hiMask = hiMask;
    this.loMask = loMask;
    this.windowSet = windowSet;
    u32[HI] = vHi;
    u32[LO] = vLo;
    this._v = f64[0]!;
    return past;
  }

  /**
   * The appender state after the last sample read, with the bit position; for
   * `XorAppender.resume` once the iterator is drained. Not part of the reading contract.
   */
  appenderState(): XorAppenderState & { readonly bitLength: number } {
    return {
      numSamples: this.numRead,
      t: this._t,
      tDelta: this.tDelta,
      vHi: this.vHi >>> 0,
      vLo: this.vLo >>> 0,
      leading: this.windowSet ? this.leading : NO_WINDOW,
      trailing: this.trailing,
      bitLength: this.pos,
    };
  }

  /** The first sample's timestamp: a zigzag varint. */
  private readTimestamp(r: BitReader): number | undefined {
    const start = r.pos;
    const zz = r.readUvarint();
    if (zz >= 0) return zz % 2 === 0 ? zz / 2 : -(zz + 1) / 2;
    r.pos = start;
    const big = r.readUvarintBig();
    if (r.overrun) return this.truncatedValue();
    if (big < 0n) return this.failValue('corrupt xor chunk: first timestamp varint overflows 64 bits');
    const t = (big >> 1n) ^ -(big & 1n);
    if (t > BigInt(MAX_SAFE) || t < -BigInt(MAX_SAFE)) {
      return this.failValue(`corrupt xor chunk: first timestamp ${t} is outside ±(2^53 - 1)`);
    }
    return Number(t);
  }

  /** The second sample's delta: an unsigned varint holding the int64 delta. */
  private readFirstDelta(r: BitReader): number | undefined {
    const start = r.pos;
    const d = r.readUvarint();
    if (d >= 0) return d;
    r.pos = start;
    const big = r.readUvarintBig();
    if (r.overrun) return this.truncatedValue();
    if (big < 0n) return this.failValue('corrupt xor chunk: timestamp delta varint overflows 64 bits');
    const signed = BigInt.asIntN(64, big);
    if (signed > BigInt(MAX_SAFE) || signed < -BigInt(MAX_SAFE)) {
      return this.failValue(`corrupt xor chunk: timestamp delta ${signed} is outside ±(2^53 - 1)`);
    }
    return Number(signed);
  }

  /**
   * tDelta + dod for a 64-bit delta of delta (halves `hi`, `lo`, read in full), wrapping
   * at 64 bits as Go does. Undefined (and the iterator failed) when the result is not a
   * safe integer; a number result may still be out of range, which the caller checks.
   */
  private addWideDod(hi: number, lo: number): number | undefined {
    const dod = joinInt64(hi, lo);
    if (typeof dod === 'number') return this.tDelta + dod;
    const sum = BigInt.asIntN(64, BigInt(this.tDelta) + dod);
    if (sum > BigInt(MAX_SAFE) || sum < -BigInt(MAX_SAFE)) {
      return this.failValue(`corrupt xor chunk: sample ${this.numRead} has timestamp delta ${sum}, outside ±(2^53 - 1)`);
    }
    return Number(sum);
  }

  /**
   * Decodes the value that starts at bit `pos` into `_v`; `h` holds at least its first
   * two bits at the top. Returns the bit after the value, which may be past `endBit` (the
   * caller reports the truncation), or -1 when the iterator failed.
   */
  private readValue(pos: number, h: number): number {
    if (h >= 0) return pos + 1; // '0': same bits as the previous value
    const buf = this.buf;
    const endByte = this.endByte;
    if ((h & 0x4000_0000) === 0) {
      pos += 2; // '10': the current window
    } else {
      // '11', 5 bits of leading zeros, 6 bits of significant-bit count (0 means 64).
      const w = peek32(buf, endByte, pos);
      const leading = (w >>> 25) & 0x1f;
      let sig = (w >>> 19) & 0x3f;
      if (sig === 0) sig = 64;
      pos += 13;
      if (leading + sig > 64) {
        if (pos > this.endBit) return this.truncatedPos();
        this.fail(`corrupt xor chunk: sample ${this.numRead} has ${leading} leading zeros and ${sig} significant bits, over 64`);
        return -1;
      }
      this.setWindow(leading, 64 - leading - sig);
    }
    this.windowSet = true;
    const leading = this.leading;
    // The significant bits sit at [pos, pos + sig): the 64 bits from `leading` before
    // them, masked to the window, are the XOR already in place, with no shifting back.
    // The header and sample 0 (at least 88 bits) precede any XOR and leading is at most
    // 31, so `p` is never negative.
    const p = pos - leading;
    const loMask = this.loMask;
    const vHi = this.vHi ^ (peek32(buf, endByte, p) & this.hiMask);
    const vLo = loMask === 0 ? this.vLo : this.vLo ^ (peek32(buf, endByte, p + 32) & loMask);
    this.vHi = vHi;
    this.vLo = vLo;
    u32[HI] = vHi;
    u32[LO] = vLo;
    this._v = f64[0]!;
    return pos + 64 - leading - this.trailing;
  }

  /**
   * Records a new XOR window and the masks that cut it out of the 64 bits starting
   * `leading` bits before the significant ones. `trailing` is at most 63 (the window
   * holds a bit), and shifts are by 0 to 31.
   */
  private setWindow(leading: number, trailing: number): void {
    this.leading = leading;
    this.trailing = trailing;
    this.hiMask = (-1 >>> leading) & (trailing > 32 ? -1 << (trailing - 32) : -1);
    this.loMask = trailing >= 32 ? 0 : -1 << trailing;
  }

  private truncated(): false {
    return this.fail(
      `corrupt xor chunk: ${this.endByte} bytes end inside sample ${this.numRead} of the ${this.numTotal} its header counts`,
    );
  }

  private truncatedValue(): undefined {
    this.truncated();
    return undefined;
  }

  private truncatedPos(): number {
    this.truncated();
    return -1;
  }

  private fail(message: string): false {
    this.error = corrupt(message);
    this.done = true;
    return false;
  }

  private failValue(message: string): undefined {
    this.fail(message);
    return undefined;
  }
}

/**
 * One XOR chunk: its bytes, and an appender to grow them. For reading stored bytes
 * without copying, use `new XorIterator(bytes)` instead.
 */
export class XorChunk {
  private readonly app: XorAppender;

  /**
   * An empty chunk, or, given `bytes`, a chunk resumed from them (copied and fully
   * decoded; throws a CairnError with reason `corrupt_chunk` when they are malformed).
   */
  constructor(bytes?: Uint8Array) {
    this.app = bytes === undefined ? XorAppender.empty() : XorAppender.resume(bytes);
  }

  /** Samples in the chunk (the header's count). */
  get numSamples(): number {
    return this.app.numSamples;
  }

  /** Length of `bytes()`, without making the view. */
  get byteLength(): number {
    return this.app.byteLength;
  }

  /**
   * The Prometheus chunk bytes: the uint16 sample count, then the bit stream. A view of
   * the live buffer: copy it to keep it past the next `append`, which may reallocate the
   * buffer or OR bits into its last byte.
   */
  bytes(): Uint8Array {
    return this.app.bytes();
  }

  /** Appends a sample; see `XorAppender.append` for the contract. */
  append(t: number, v: number): void {
    this.app.append(t, v);
  }

  /** The chunk's appender (one per chunk; appends through it and `append` are the same). */
  appender(): XorAppender {
    return this.app;
  }

  /** An iterator over the samples appended so far; `reuse` is reset and returned if given. */
  iterator(reuse?: XorIterator): XorIterator {
    if (reuse === undefined) return new XorIterator(this.app.bytes());
    reuse.reset(this.app.bytes());
    return reuse;
  }
}

// ---------------------------------------------------------------------------------------
// Chunk cutting: when the head starts a new chunk for a series.

/**
 * Samples a head chunk aims for. Prometheus's `DefaultSamplesPerChunk`: the Gorilla paper
 * found XOR compression gains flatten out around 120 points per block, and at a 15 s
 * scrape 120 samples are 30 minutes, so a query reads little outside its range.
 */
export const SAMPLES_PER_CHUNK = 120;

/** Prometheus's `MaxBytesPerXORChunk`: a chunk is cut before it grows past 1 KiB. */
export const MAX_BYTES_PER_XOR_CHUNK = 1024;

/**
 * The most bytes one sample can add: 4 + 64 bits of delta of delta and 2 + 5 + 6 + 64
 * bits of value are 145 bits, 19 bytes rounded up. The size check assumes the worst.
 */
const MAX_SAMPLE_BYTES = 19;

/**
 * The head estimates a chunk's end once it holds a quarter of its target samples; "4" is
 * that quarter's inverse, Prometheus's `ratioToFull`.
 */
const ESTIMATE_RATIO_TO_FULL = 4;

/** How the head cuts chunks; mirrors Prometheus's `chunkOpts`. */
export interface ChunkCutOptions {
  /** Target samples per chunk (Prometheus `--storage.tsdb.samples-per-chunk`). */
  readonly samplesPerChunk: number;
  /** Chunks never span a multiple of this (the head's chunk range, the 2 h block span). */
  readonly chunkRangeMs: number;
  /** Hard cap on a chunk's size in bytes. */
  readonly chunkBytesMax: number;
}

/** Prometheus's defaults: 120 samples, 2 h chunk range (the minimum block span), 1 KiB. */
export function defaultChunkCutOptions(): ChunkCutOptions {
  return { samplesPerChunk: SAMPLES_PER_CHUNK, chunkRangeMs: 2 * 3_600_000, chunkBytesMax: MAX_BYTES_PER_XOR_CHUNK };
}

/**
 * The end of the chunk range holding `t`: the next multiple of `rangeMs` after it,
 * rounding as Go's integer division does (towards zero, so negative times round up).
 * Exact for safe integers; Prometheus's `rangeForTimestamp`.
 */
export function chunkRangeEnd(t: number, rangeMs: number): number {
  return t - (t % rangeMs) + rangeMs;
}

/**
 * Prometheus's `computeChunkEndTime`: given a chunk that started at `start` and whose
 * latest sample is at `cur`, assumed to be 1/`ratioToFull` full, the time at which to end
 * it so that the rest of the range up to `maxT` splits into chunks of equal length at the
 * current sample rate. Returns `maxT` when at most one chunk fits. Uses the same float64
 * arithmetic as upstream, so the result is the same to the millisecond.
 */
export function nextChunkEndTime(start: number, cur: number, maxT: number, ratioToFull: number): number {
  const n = (maxT - start) / ((cur - start + 1) * ratioToFull);
  if (n <= 1) return maxT;
  return Math.trunc(start + (maxT - start) / Math.floor(n));
}

/** Per-series cut state the head keeps beside its open chunk. */
export interface ChunkCutState {
  /** The open chunk is cut when a sample at or after this time arrives. */
  nextAt: number;
}

/** What the cut rule needs to know about the open chunk. */
export interface OpenChunkInfo {
  /** Time of its first sample. */
  readonly mint: number;
  /** Time of its latest sample. */
  readonly maxt: number;
  readonly numSamples: number;
  /** Current length of its bytes. */
  readonly numBytes: number;
}

/**
 * The head's chunk-cutting rule, Prometheus's `memSeries.appendPreprocessor` for float
 * chunks. A chunk is cut when the next sample
 * - would push it past `chunkBytesMax` (checked before appending, assuming the worst
 *   sample size);
 * - is at or after `nextAt`: the chunk range end at first, re-estimated once the chunk
 *   holds a quarter of `samplesPerChunk` so the range splits into equal chunks of about
 *   `samplesPerChunk` samples;
 * - or finds the chunk at twice `samplesPerChunk` (the estimate was wrong: the rate rose).
 *
 * Stateless; the per-series state is a `ChunkCutState`. Order checks are the caller's:
 * call only for a sample newer than the chunk's `maxt`.
 */
export class ChunkCutPolicy {
  readonly options: ChunkCutOptions;

  constructor(options: ChunkCutOptions = defaultChunkCutOptions()) {
    assert(options.samplesPerChunk > 0 && options.chunkRangeMs > 0, 'chunk cut options must be positive');
    this.options = options;
  }

  /** Records that a new chunk starts with the sample at `t`. */
  startChunk(state: ChunkCutState, t: number): void {
    state.nextAt = chunkRangeEnd(t, this.options.chunkRangeMs);
  }

  /**
   * Whether the sample at `t` must go into a new chunk rather than `open`. May update
   * `state.nextAt` (the quarter-full estimate). When it returns true the caller cuts a
   * chunk and calls `startChunk(state, t)`.
   */
  shouldCut(state: ChunkCutState, open: OpenChunkInfo, t: number): boolean {
    const o = this.options;
    if (open.numBytes > o.chunkBytesMax - MAX_SAMPLE_BYTES) return true;
    if (open.numSamples === 0) {
      // An empty open chunk (for example one restored from a snapshot) starts here.
      this.startChunk(state, t);
      return false;
    }
    if (open.numSamples === Math.trunc(o.samplesPerChunk / ESTIMATE_RATIO_TO_FULL)) {
      state.nextAt = nextChunkEndTime(open.mint, open.maxt, state.nextAt, ESTIMATE_RATIO_TO_FULL);
    }
    return t >= state.nextAt || open.numSamples >= o.samplesPerChunk * 2;
  }
}
