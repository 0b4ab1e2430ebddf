/**
 * A bit stream: a writer that appends bits most-significant first into a growable
 * Uint8Array, and a reader that takes them back out. It reproduces the byte length of
 * Prometheus's `bstream` exactly (see FORMAT.md, "The trailing byte"), because chunk bytes
 * are compared, hashed and stored verbatim and must be what Prometheus would produce.
 *
 * Values are handled in 32-bit pieces so the hot paths stay on small integers; 64-bit
 * quantities travel as two unsigned 32-bit halves (`hi`, `lo`), and only varints wider
 * than 2^53 fall back to BigInt.
 */

/** Largest integer a double holds exactly; anything wider takes the BigInt path. */
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** 2^32, to combine and split 32-bit halves with exact double arithmetic. */
const TWO_POW_32 = 4_294_967_296;

/**
 * Go's `binary.MaxVarintLen64`: a 64-bit value needs at most ceil(64 / 7) = 10 groups of
 * seven bits; more bytes, or a tenth byte above 1, is an overflow.
 */
const MAX_VARINT_BYTES = 10;

/**
 * Initial capacity: Prometheus allocates 128 bytes for a new XOR chunk, which holds 120
 * regular-interval samples (about 1.1 bytes each) without growing.
 */
const INITIAL_BYTES = 128;

/**
 * Appends bits to a growable buffer, most significant bit first.
 *
 * Length contract (Prometheus's `bstream`): after an operation that writes a multiple of
 * eight bits and ends on a byte boundary, the stream carries one extra zero byte, as Go's
 * `writeByte` leaves one behind; after any other operation it is the bits rounded up to
 * whole bytes. `bytes()` is a view into the live buffer: it is valid until the next
 * write, and later writes may OR bits into its last byte.
 */
export class BitWriter {
  private buf: Uint8Array;
  /** Bits written, counted from the start of the buffer. */
  private pos: number;
  /** Whether the last operation left Go's extra zero byte (its `count == 8` state). */
  private padded: boolean;

  /** An empty stream with room for `initialBytes` before the first reallocation. */
  constructor(initialBytes: number = INITIAL_BYTES) {
    this.buf = new Uint8Array(Math.max(initialBytes, 16));
    this.pos = 0;
    this.padded = false;
  }

  /**
   * Resumes a stream from its bytes and the number of bits in use. The bytes are copied.
   * The caller has established `bitLength` (for example by decoding every sample); it
   * must leave 0 to 8 unused bits at the end, as a Prometheus writer does. Returns
   * undefined when it does not, or when an unused bit is set, so the caller can report
   * the corrupt input.
   */
  static resume(bytes: Uint8Array, bitLength: number): BitWriter | undefined {
    const spare = bytes.length * 8 - bitLength;
    if (!Number.isInteger(bitLength) || spare < 0 || spare > 8) return undefined;
    // Unused low bits of the last byte (and the whole extra byte) must be zero, or the
    // next write would OR into garbage.
    if (spare > 0 && (bytes[bytes.length - 1]! & ((1 << Math.min(spare, 8)) - 1)) !== 0) return undefined;
    const w = new BitWriter(Math.max(INITIAL_BYTES, bytes.length * 2));
    w.buf.set(bytes);
    w.pos = bitLength;
    w.padded = spare === 8;
    return w;
  }

  /** Empties the stream for reuse, keeping its buffer (zeroed: writes OR into it). */
  reset(): void {
    this.buf.fill(0, 0, Math.min(this.buf.length, this.byteLength + 1));
    this.pos = 0;
    this.padded = false;
  }

  /** Bits written so far. */
  get bitLength(): number {
    return this.pos;
  }

  /** Bytes in the stream as Prometheus counts them, the extra zero byte included. */
  get byteLength(): number {
    return ((this.pos + 7) >>> 3) + (this.padded ? 1 : 0);
  }

  /** A view of the stream; valid until the next write (see the class contract). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.byteLength);
  }

  /** Writes one bit: 0 or 1. */
  writeBit(bit: number): void {
    this.ensure(1);
    const pos = this.pos;
    if (bit !== 0) this.buf[pos >>> 3]! |= 0x80 >>> (pos & 7);
    this.pos = pos + 1;
    this.padded = false;
  }

  /** Writes the low 8 bits of `b`, as Go's `writeByte`. */
  writeByte(b: number): void {
    this.ensure(8);
    this.put(b, 8);
    this.padded = (this.pos & 7) === 0;
  }

  /** Writes the low `nbits` (1 to 32) bits of `u`, most significant first. */
  writeBits(u: number, nbits: number): void {
    this.ensure(nbits);
    this.put(u, nbits);
    this.padded = ((nbits | this.pos) & 7) === 0;
  }

  /**
   * Writes the low `nbits` (1 to 64) bits of the 64-bit value `hi:lo` (each an unsigned
   * 32-bit half), most significant first; one operation for the length contract.
   */
  writeBits64(hi: number, lo: number, nbits: number): void {
    this.ensure(nbits);
    if (nbits > 32) {
      this.put(hi, nbits - 32);
      this.put(lo, 32);
    } else {
      this.put(lo, nbits);
    }
    this.padded = ((nbits | this.pos) & 7) === 0;
  }

  /** Writes an unsigned varint (Go's `PutUvarint`) of an integer in [0, 2^53). */
  writeUvarint(n: number): void {
    while (n >= 0x80) {
      this.writeByte((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.writeByte(n);
  }

  /** Writes an unsigned varint of a value in [0, 2^64), for the rare wide case. */
  writeUvarintBig(n: bigint): void {
    while (n >= 0x80n) {
      this.writeByte(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    this.writeByte(Number(n));
  }

  /** Writes a zigzag varint (Go's `PutVarint`) of a safe integer. */
  writeVarint(n: number): void {
    // Below 2^52 in magnitude the zigzag form stays below 2^53, so doubles are exact.
    if (n < 2 ** 52 && n > -(2 ** 52)) {
      this.writeUvarint(n >= 0 ? n * 2 : -n * 2 - 1);
      return;
    }
    const b = BigInt(n);
    this.writeUvarintBig(BigInt.asUintN(64, (b << 1n) ^ (b >> 63n)));
  }

  /** Overwrites two bytes at `offset` with `value` big-endian (the chunk header). */
  patchUint16(offset: number, value: number): void {
    this.buf[offset] = value >>> 8;
    this.buf[offset + 1] = value;
  }

  /** Makes room for `nbits` more bits plus the extra zero byte. */
  private ensure(nbits: number): void {
    const need = ((this.pos + nbits + 7) >>> 3) + 1;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.byteLength));
    this.buf = next;
  }

  /**
   * Writes the low `n` (1 to 32) bits of `u` at the current position. Bytes past the
   * position are zero (the buffer is only ever filled forwards), so whole bytes are
   * stored rather than ORed; the Uint8Array store keeps the low eight bits.
   */
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

/**
 * Reads bits most significant first from a byte array, starting at a given bit.
 *
 * Reading past the end does not throw: it yields zero bits and sets `overrun`, which the
 * caller checks once per record (one branch per sample instead of one per read). The
 * array is read, never written, and may keep growing behind the reader's back (a chunk
 * being appended): the reader only sees the length it was given.
 */
export class BitReader {
  private buf: Uint8Array;
  private endByte: number;
  private endBit: number;
  /** Next bit to read, counted from the start of the array. */
  pos: number;
  /** Set once a read went past the end; every later read returns zeros. */
  overrun = false;

  /** A reader over `bytes`, starting at bit `startBit`. */
  constructor(bytes: Uint8Array, startBit = 0) {
    this.buf = bytes;
    this.endByte = bytes.length;
    this.endBit = bytes.length * 8;
    this.pos = startBit;
  }

  /** Points the reader at new bytes, for reuse without allocation. */
  reset(bytes: Uint8Array, startBit = 0): void {
    this.buf = bytes;
    this.endByte = bytes.length;
    this.endBit = bytes.length * 8;
    this.pos = startBit;
    this.overrun = false;
  }

  /** Reads one bit (0 or 1). */
  readBit(): number {
    const pos = this.pos;
    if (pos >= this.endBit) {
      this.overrun = true;
      return 0;
    }
    this.pos = pos + 1;
    return (this.buf[pos >>> 3]! >>> (7 - (pos & 7))) & 1;
  }

  /** Reads `nbits` (1 to 32) bits as an unsigned integer. */
  readBits(nbits: number): number {
    const pos = this.pos;
    const end = pos + nbits;
    if (end > this.endBit) {
      this.overrun = true;
      this.pos = this.endBit;
      return 0;
    }
    const w = peek32(this.buf, this.endByte, pos);
    this.pos = end;
    return w >>> (32 - nbits);
  }

  /**
   * Reads an unsigned varint. Returns the value when it is below 2^53, -1 when it is
   * wider (rewind to the position before the call and use `readUvarintBig`).
   */
  readUvarint(): number {
    let x = 0;
    let scale = 1;
    // Eight groups of seven bits reach 2^56, past 2^53; a ninth means "wide".
    for (let i = 0; i < 8; i++) {
      const b = this.readBits(8);
      if (b < 0x80) {
        x += b * scale;
        return x <= MAX_SAFE ? x : -1;
      }
      x += (b & 0x7f) * scale;
      scale *= 0x80;
    }
    return -1;
  }

  /**
   * Reads an unsigned varint of up to 64 bits, as Go's `binary.ReadUvarint`. Returns -1n
   * when it overflows 64 bits.
   */
  readUvarintBig(): bigint {
    let x = 0n;
    let shift = 0n;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      const b = this.readBits(8);
      if (b < 0x80) {
        if (i === MAX_VARINT_BYTES - 1 && b > 1) return -1n;
        return x | (BigInt(b) << shift);
      }
      x |= BigInt(b & 0x7f) << shift;
      shift += 7n;
    }
    return -1n;
  }
}

/**
 * The 32 bits of `buf` starting at bit `pos`, most significant first, as an int32; bits at
 * or past byte `endByte` read as zero. Does not move anything: decoders that keep their
 * own bit position take a window with one call and cut several fields out of it with
 * shifts, instead of one bounds-checked call per field (see XorIterator.next).
 */
export function peek32(buf: Uint8Array, endByte: number, pos: number): number {
  const i = pos >>> 3;
  if (i + 4 < endByte) {
    // Five bytes cover 32 bits at any bit offset; `(b << off) >>> 8` is the fifth byte's
    // top `off` bits, and zero when off is 0, so the aligned case needs no branch.
    const off = pos & 7;
    const w = (buf[i]! << 24) | (buf[i + 1]! << 16) | (buf[i + 2]! << 8) | buf[i + 3]!;
    return (w << off) | ((buf[i + 4]! << off) >>> 8);
  }
  return peek32Tail(buf, endByte, pos);
}

/** `peek32` within five bytes of the end: the bytes that exist, zeros after them. */
function peek32Tail(buf: Uint8Array, endByte: number, pos: number): number {
  const i = pos >>> 3;
  const off = pos & 7;
  let w = 0;
  for (let k = 0; k < 4; k++) w = (w << 8) | (i + k < endByte ? buf[i + k]! : 0);
  const b4 = i + 4 < endByte ? buf[i + 4]! : 0;
  return (w << off) | ((b4 << off) >>> 8);
}

/**
 * Splits a safe integer into the unsigned 32-bit halves of its 64-bit two's complement.
 * Writes them to `out[0]` (hi) and `out[1]` (lo).
 */
export function splitInt64(n: number, out: Uint32Array | number[]): void {
  // `>>> 0` is ToUint32, exact modulo 2^32 for any integral double; the floor division by
  // a power of two is exact too, so negative values come out in two's complement.
  out[0] = Math.floor(n / TWO_POW_32) >>> 0;
  out[1] = n >>> 0;
}

/**
 * Joins the halves of a 64-bit two's complement integer. Returns the value as a number
 * when it is a safe integer, otherwise as a bigint.
 */
export function joinInt64(hi: number, lo: number): number | bigint {
  // A signed high half strictly within ±2^21 keeps the value within ±(2^53 - 1).
  const shi = hi | 0;
  if (shi > -0x200000 && shi < 0x200000) return shi * TWO_POW_32 + (lo >>> 0);
  return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
}
