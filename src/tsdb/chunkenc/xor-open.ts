/**
 * The head's open XOR chunk, flattened: the bit writer, the XOR appender and the cut
 * rule's state as fields of one object, meant to be the base class of the head's series.
 *
 * Why not `XorChunk` + `ChunkCutPolicy`: appending one sample to each of 10 000 series in
 * turn is bound by memory latency, not by the encoding. Through the layered objects
 * (series → writer → chunk → appender → bit writer → bytes) every sample cost six cache
 * misses; here it costs the series object and its bytes. Same bytes as `XorChunk`, bit
 * for bit (a property test holds them to it), same cut rule as `ChunkCutPolicy`.
 *
 * Limits, checked by the head before appending: timestamps are in order and safe
 * integers within 2^53 - 1 ms of each other (the head's clock range), so the BigInt
 * paths of the general appender are not needed; a sample that would break them throws.
 */
import { assert } from '../../util/errors.js';
import { chunkBuffers, closedChunks, type ClosedChunkSlabs } from './byte-slabs.js';
import { MAX_BYTES_PER_XOR_CHUNK, SAMPLES_PER_CHUNK, XOR_HEADER_BYTES, chunkRangeEnd, nextChunkEndTime } from './xor.js';
import type { ReadMarkSlot } from '../interface.js';

/** Prometheus allocates 128 bytes for a new chunk: 120 regular samples fit. */
const INITIAL_BYTES = 128;
/** See xor.ts: "no window chosen yet". */
const NO_WINDOW = 0xff;
const MAX_LEADING = 31;
const DOD14_MIN = -(2 ** 13 - 1);
const DOD14_MAX = 2 ** 13;
const DOD17_MIN = -(2 ** 16 - 1);
const DOD17_MAX = 2 ** 16;
const DOD20_MIN = -(2 ** 19 - 1);
const DOD20_MAX = 2 ** 19;
const DOD14_PREFIX = 0b10 << 14;
const DOD17_PREFIX = 0b110 << 17;
const DOD20_PREFIX = 0b1110 << 20;
const DOD64_PREFIX = 0b1111;
/** The worst-case size of one sample (see xor.ts). */
const MAX_SAMPLE_BYTES = 19;
const ESTIMATE_RATIO_TO_FULL = 4;
const ESTIMATE_AT = Math.trunc(SAMPLES_PER_CHUNK / ESTIMATE_RATIO_TO_FULL);
/** Deltas of delta beyond this take a 64-bit field; within it, doubles split exactly. */
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const TWO_POW_32 = 4_294_967_296;

const f64 = new Float64Array(1);
/**
 * Value halves are kept as *signed* int32: V8 stores those in the object as small
 * integers, while uint32 halves of 2^31 and above would each be boxed in a heap number.
 */
const i32 = new Int32Array(f64.buffer);
// Node runs on little-endian platforms only (asserted in the remote-write scanner too).
const HI = 1;
const LO = 0;

/** A chunk the open chunk was cut into: immutable, with its inclusive time bounds. */
export interface ClosedChunk {
  readonly bytes: Uint8Array;
  readonly mint: number;
  readonly maxt: number;
  readonly numSamples: number;
  /**
   * The newest sample's value as the int32 halves of its bits (`lastValue`), where known
   * (the head knows it; chunks read back from blocks do not): an instant selector at or
   * after `maxt` takes it instead of decoding the chunk. Halves, not a double: they are
   * small integers in the object (a double field is a boxed heap number) and keep a NaN's
   * payload (the stale marker) exactly.
   */
  readonly lastHi?: number;
  readonly lastLo?: number;
  /**
   * Set on a dense chunk read from a format-2 block (`dense.ts`): its timestamps (often
   * one array shared by many series' chunks; never written), and `bytes` is then its
   * values column rather than an XOR chunk. Read either kind with `chunkIterator`.
   */
  readonly times?: Float64Array;
}

/** The value of a chunk's newest sample, if the chunk records it. */
export function lastValue(c: ClosedChunk): number | undefined {
  if (c.lastHi === undefined || c.lastLo === undefined) return undefined;
  i32[HI] = c.lastHi;
  i32[LO] = c.lastLo;
  return f64[0]!;
}

const EMPTY = new Uint8Array(0);

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

export class OpenXorChunk implements ReadMarkSlot {
  /** Chunks already cut, oldest first; allocated at the first cut. */
  private closed: ClosedChunk[] | undefined = undefined;
  /**
   * Where the last windowed read of one of these chunks began decoding (`forEachChunkIn`
   * hands it to readers): the next read from there on skips what lies before it. Dropped
   * with the chunks it could point into.
   */
  xorMark: object | undefined = undefined;
  // Bit writer: bytes, bits written, and Go's trailing-zero-byte state (bstream.ts).
  private buf: Uint8Array = EMPTY;
  private pos = 0;
  private padded = false;
  // XOR appender.
  private num = 0;
  private t = 0;
  private tDelta = 0;
  private vHi = 0;
  private vLo = 0;
  private leading = NO_WINDOW;
  private trailing = 0;
  // Cut rule.
  private mint = 0;
  private nextAt = 0;

  constructor(private readonly chunkRangeMs: number) {}

  /** Samples in the open chunk. */
  get openSamples(): number {
    return this.num;
  }

  /**
   * Appends a sample newer than every sample so far, cutting the open chunk first when
   * Prometheus's rule says so (see `ChunkCutPolicy`).
   */
  appendSample(t: number, v: number): void {
    if (this.num === 0) {
      this.startChunk(t);
    } else {
      const bytes = ((this.pos + 7) >>> 3) + (this.padded ? 1 : 0);
      let cut = bytes > MAX_BYTES_PER_XOR_CHUNK - MAX_SAMPLE_BYTES;
      if (!cut) {
        if (this.num === ESTIMATE_AT) this.nextAt = nextChunkEndTime(this.mint, this.t, this.nextAt, ESTIMATE_RATIO_TO_FULL);
        cut = t >= this.nextAt || this.num >= SAMPLES_PER_CHUNK * 2;
      }
      if (cut) {
        (this.closed ??= []).push({ bytes: closedChunks.copy(this.buf, bytes), mint: this.mint, maxt: this.t, numSamples: this.num, lastHi: this.vHi, lastLo: this.vLo });
        this.startChunk(t);
      }
    }
    this.encode(t, v);
  }

  /**
   * The closed chunks plus a copy of the open one (copied into `slabs` if given), those
   * overlapping [mint, maxt] only: a stable list for a reader, which later appends neither
   * change nor extend.
   */
  chunks(slabs?: ClosedChunkSlabs, mint = -Infinity, maxt = Infinity): ClosedChunk[] {
    const out: ClosedChunk[] = [];
    if (this.closed !== undefined) for (const c of this.closed) if (c.maxt >= mint && c.mint <= maxt) out.push(c);
    if (this.num > 0 && this.t >= mint && this.mint <= maxt) {
      const length = this.byteLength();
      const bytes = slabs === undefined ? this.buf.slice(0, length) : slabs.copy(this.buf, length);
      out.push({ bytes, mint: this.mint, maxt: this.t, numSamples: this.num, lastHi: this.vHi, lastLo: this.vLo });
    }
    return out;
  }

  /** Whether a chunk (closed or open) overlaps [mint, maxt]: `chunks(…, mint, maxt)` would not be empty. */
  hasChunkIn(mint: number, maxt: number): boolean {
    if (this.num > 0 && this.t >= mint && this.mint <= maxt) return true;
    if (this.closed !== undefined) for (const c of this.closed) if (c.maxt >= mint && c.mint <= maxt) return true;
    return false;
  }

  /**
   * Calls `fn` for each chunk, oldest first, the open one last as a *view* of its live
   * buffer: valid only during the call (copy it to keep it). For writers that copy the
   * bytes at once (block input, checkpoints): no copy, no garbage per series.
   */
  forEachChunk(fn: (bytes: Uint8Array, mint: number, maxt: number, numSamples: number) => void): void {
    this.forEachChunkIn(-Infinity, Infinity, fn);
  }

  /**
   * `forEachChunk` for the chunks overlapping [mint, maxt] only (those `chunks(…, mint,
   * maxt)` lists), the open one as a view of its live buffer: valid only during the call.
   */
  forEachChunkIn(mint: number, maxt: number, fn: (bytes: Uint8Array, mint: number, maxt: number, numSamples: number, times: undefined, marks: ReadMarkSlot) => void): void {
    if (this.closed !== undefined) for (const c of this.closed) if (c.maxt >= mint && c.mint <= maxt) fn(c.bytes, c.mint, c.maxt, c.numSamples, undefined, this);
    if (this.num > 0 && this.t >= mint && this.mint <= maxt) fn(this.buf.subarray(0, this.byteLength()), this.mint, this.t, this.num, undefined, this);
  }

  /** The oldest sample time held (closed or open chunk); Infinity when none. */
  firstT(): number {
    if (this.closed !== undefined && this.closed.length > 0) return this.closed[0]!.mint;
    return this.num > 0 ? this.mint : Infinity;
  }

  /**
   * Drops the chunks that end before `t` (once they sit in a block): closed ones, and the
   * open one if its newest sample is older than `t`, after which the next append starts a
   * new chunk. Chunks straddling `t` stay whole. Returns the samples dropped.
   */
  dropChunksBefore(t: number): number {
    this.xorMark = undefined;
    let dropped = 0;
    const closed = this.closed;
    if (closed !== undefined) {
      let i = 0;
      while (i < closed.length && closed[i]!.maxt < t) dropped += closed[i++]!.numSamples;
      if (i === closed.length) this.closed = undefined;
      else if (i > 0) this.closed = closed.slice(i);
    }
    if (this.num > 0 && this.t < t && this.closed === undefined) {
      dropped += this.num;
      this.releaseBuffer();
    }
    return dropped;
  }

  private byteLength(): number {
    return ((this.pos + 7) >>> 3) + (this.padded ? 1 : 0);
  }

  /**
   * Gives the open chunk's buffer back to the pool; for a series leaving the head. The
   * chunks already returned by `chunks()` are copies and stay valid.
   */
  releaseBuffer(): void {
    this.xorMark = undefined;
    if (this.buf.length > 0) chunkBuffers.release(this.buf);
    this.buf = EMPTY;
    this.num = 0;
  }

  private startChunk(t: number): void {
    // The previous chunk's bytes were copied out: reuse the buffer, zeroed.
    if (this.buf.length === 0) this.buf = chunkBuffers.alloc(INITIAL_BYTES);
    else this.buf.fill(0);
    this.pos = XOR_HEADER_BYTES * 8;
    this.padded = false;
    this.num = 0;
    this.tDelta = 0;
    this.vHi = 0;
    this.vLo = 0;
    this.leading = NO_WINDOW;
    this.trailing = 0;
    this.mint = t;
    this.nextAt = chunkRangeEnd(t, this.chunkRangeMs);
  }

  private encode(t: number, v: number): void {
    f64[0] = v;
    const hi = i32[HI]!;
    const lo = i32[LO]!;
    const num = this.num;
    if (num === 0) {
      if (!Number.isSafeInteger(t)) this.refuse(t);
      this.writeVarint(t);
      this.writeBits64(hi, lo, 64);
    } else {
      const delta = t - this.t;
      if (!(delta > 0 && delta <= MAX_SAFE && Number.isSafeInteger(t))) this.refuse(t);
      if (num === 1) this.writeUvarint(delta);
      else this.writeDod(delta - this.tDelta);
      this.tDelta = delta;
      this.writeValue(hi, lo);
    }
    this.t = t;
    this.vHi = hi;
    this.vLo = lo;
    this.num = num + 1;
    this.buf[0] = (num + 1) >>> 8;
    this.buf[1] = num + 1;
  }

  /**
   * Fails the caller's contract. Kept out of line: a message built on every append
   * (two timestamps formatted) cost more than encoding the sample.
   */
  private refuse(t: number): never {
    assert(Number.isSafeInteger(t), `xor chunk timestamp ${t} is not a safe integer`);
    assert(false, `xor chunk timestamp ${t} does not follow ${this.t}`);
  }

  private writeDod(dod: number): void {
    if (dod === 0) {
      this.writeBit0();
    } else if (dod >= DOD14_MIN && dod <= DOD14_MAX) {
      this.writeBits(DOD14_PREFIX | (dod & 0x3fff), 16);
    } else if (dod >= DOD17_MIN && dod <= DOD17_MAX) {
      this.writeBits(DOD17_PREFIX | (dod & 0x1ffff), 20);
    } else if (dod >= DOD20_MIN && dod <= DOD20_MAX) {
      this.writeBits(DOD20_PREFIX | (dod & 0xfffff), 24);
    } else {
      this.writeBits(DOD64_PREFIX, 4);
      // Both deltas are positive safe integers, so their difference is exact; split its
      // two's complement into 32-bit halves.
      const hi = Math.floor(dod / TWO_POW_32);
      const lo = dod - hi * TWO_POW_32;
      this.writeBits64(hi >>> 0, lo >>> 0, 64);
    }
  }

  private writeValue(hi: number, lo: number): void {
    const xh = (hi ^ this.vHi) >>> 0;
    const xl = (lo ^ this.vLo) >>> 0;
    if ((xh | xl) === 0) {
      this.writeBit0();
      return;
    }
    let leading = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    const trailing = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
    if (leading > MAX_LEADING) leading = MAX_LEADING;
    if (this.leading !== NO_WINDOW && leading >= this.leading && trailing >= this.trailing) {
      this.writeBits(0b10, 2);
      this.writeSignificant(xh, xl, this.leading, this.trailing);
      return;
    }
    this.leading = leading;
    this.trailing = trailing;
    const sig = 64 - leading - trailing;
    this.writeBits((0b11 << 11) | (leading << 6) | (sig & 0x3f), 13);
    this.writeSignificant(xh, xl, leading, trailing);
  }

  private writeSignificant(xh: number, xl: number, leading: number, trailing: number): void {
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
    this.writeBits64(hi, lo, n);
  }

  // --- bit writer (bstream.ts's BitWriter, same length contract) ---

  private writeBit0(): void {
    this.ensure(1);
    this.pos++;
    this.padded = false;
  }

  private writeByte(b: number): void {
    this.ensure(8);
    this.put(b, 8);
    this.padded = (this.pos & 7) === 0;
  }

  private writeBits(u: number, nbits: number): void {
    this.ensure(nbits);
    this.put(u, nbits);
    this.padded = ((nbits | this.pos) & 7) === 0;
  }

  private writeBits64(hi: number, lo: number, nbits: number): void {
    this.ensure(nbits);
    if (nbits > 32) {
      this.put(hi, nbits - 32);
      this.put(lo, 32);
    } else {
      this.put(lo, nbits);
    }
    this.padded = ((nbits | this.pos) & 7) === 0;
  }

  private writeUvarint(n: number): void {
    while (n >= 0x80) {
      this.writeByte((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.writeByte(n);
  }

  private writeVarint(n: number): void {
    // Safe integers below 2^52 in magnitude: the zigzag form stays exact in doubles. Wider
    // first timestamps (beyond the year 144 000) are refused by the head's time checks.
    if (!(n < 2 ** 52 && n > -(2 ** 52))) assert(false, `xor chunk timestamp ${n} is out of range`);
    this.writeUvarint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  private ensure(nbits: number): void {
    const need = ((this.pos + nbits + 7) >>> 3) + 1;
    if (need <= this.buf.length) return;
    const next = chunkBuffers.alloc(Math.max(need, this.buf.length * 2));
    next.set(this.buf.subarray(0, this.byteLength()));
    chunkBuffers.release(this.buf);
    this.buf = next;
  }

  private put(u: number, n: number): void {
    const buf = this.buf;
    const pos = this.pos;
    let i = pos >>> 3;
    const free = 8 - (pos & 7);
    if (n < 32) u &= (1 << n) - 1;
    let rem = n;
    if (rem <= free) {
      buf[i]! |= u << (free - rem);
    } else {
      rem -= free;
      buf[i++]! |= u >>> rem;
      while (rem >= 8) {
        rem -= 8;
        buf[i++] = u >>> rem;
      }
      if (rem > 0) buf[i] = u << (8 - rem);
    }
    this.pos = pos + n;
  }
}
