/**
 * A growable byte writer and a bounds-checked reader with the varint forms Prometheus's
 * record encodings use (unsigned LEB128, zigzag for signed). Timestamps are int64 ms held
 * as JS numbers: exact up to 2^53, which covers ±285 000 years.
 */
import { CairnError } from './errors.js';

/** Bytes of the uvarint of a non-negative integer below 2^53. */
export function uvarintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

/** Initial capacity: one WAL record of a typical push (a few hundred series) fits. */
const INITIAL_BYTES = 64 * 1024;

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  /** `buf` as a Buffer, for its native UTF-8 writer; made once per (re)allocation, not per string. */
  private enc: Buffer;
  /** Bytes written so far. */
  length = 0;

  constructor(initialBytes = INITIAL_BYTES) {
    this.buf = new Uint8Array(initialBytes);
    this.view = new DataView(this.buf.buffer);
    this.enc = Buffer.from(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
    this.enc = Buffer.from(next.buffer, next.byteOffset, next.length);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }

  /** Unsigned varint of a non-negative integer up to 2^53. */
  uvarint(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.length++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.length++] = n;
  }

  /** Signed varint, zigzag-encoded, of an integer within ±2^52. */
  varint(n: number): void {
    this.uvarint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  float64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }

  /** Copies raw bits, so NaN payloads such as StaleNaN survive exactly. */
  float64Bits(bits: Uint8Array): void {
    this.ensure(8);
    this.buf.set(bits, this.length);
    this.length += 8;
  }

  /** Copies 8 raw bytes from `src` at `offset` (a float64's bits, NaN payloads intact). */
  float64BitsAt(src: Uint8Array, offset: number): void {
    this.ensure(8);
    const buf = this.buf;
    const at = this.length;
    for (let i = 0; i < 8; i++) buf[at + i] = src[offset + i]!;
    this.length = at + 8;
  }

  /** A view of bytes `[start, end)` written so far; valid until the writer is reset. */
  range(start: number, end: number): Uint8Array {
    return this.buf.subarray(start, end);
  }

  bytes(b: Uint8Array): void {
    this.uvarint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  string(s: string): void {
    const max = s.length * 3;
    this.ensure(max + 10);
    // Write the length after encoding, into a reserved varint slot sized for `max`.
    const enc = this.enc;
    const start = this.length;
    const lenBytes = max < 0x80 ? 1 : max < 0x4000 ? 2 : max < 0x200000 ? 3 : 4;
    const n = enc.write(s, start + lenBytes, 'utf8');
    if (lenBytes === 1) {
      this.buf[start] = n;
    } else {
      let v = n;
      for (let i = 0; i < lenBytes; i++) {
        this.buf[start + i] = (v & 0x7f) | (i < lenBytes - 1 ? 0x80 : 0);
        v >>>= 7;
      }
    }
    this.length = start + lenBytes + n;
  }

  /** The bytes written; a view that the next write may overwrite. */
  view_(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** A copy of the bytes written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  reset(): void {
    this.length = 0;
  }
}

function corrupt(what: string): CairnError {
  return new CairnError('internal', 'corrupt_record', `corrupt record: ${what}`);
}

export class ByteReader {
  pos = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw corrupt('unexpected end');
    return this.buf[this.pos++]!;
  }

  uvarint(): number {
    let result = 0;
    let mult = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      result += (b & 0x7f) * mult;
      if (b < 0x80) return result;
      mult *= 0x80;
    }
    throw corrupt('varint longer than 8 bytes');
  }

  varint(): number {
    const z = this.uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  float64(): number {
    if (this.pos + 8 > this.buf.length) throw corrupt('unexpected end in float');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  bytes(): Uint8Array {
    const n = this.uvarint();
    if (this.pos + n > this.buf.length) throw corrupt(`length ${n} past the end`);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  string(): string {
    const b = this.bytes();
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  }
}
