/**
 * A small bounds-checked protobuf wire reader for the OTLP decoders (`decode-proto.ts`).
 * OTLP messages are nested several levels deep and carry recursive `AnyValue`s, so a
 * message-at-a-time reader over one buffer (each sub-message a new reader over a slice of
 * the same bytes, no copies) keeps the decoders short and readable.
 *
 * Robustness contract: every malformed input — a truncated varint or fixed field, a
 * length past the end of its enclosing message, field number 0, wire types 6 and 7,
 * unbalanced groups — throws `CairnError('bad_data', 'protobuf_invalid', …)` and nothing
 * else. Each read consumes at least one byte, and nothing is allocated in proportion to a
 * length field before the bytes are known to exist.
 */
import { isUtf8 } from 'node:buffer';
import { CairnError } from '../../util/errors.js';

/** Wire types (https://protobuf.dev/programming-guides/encoding/#structure). */
export const WT = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

/** Field numbers are 1..2^29-1 (protobuf language guide, "Assigning field numbers"). */
const MAX_FIELD_NUMBER = 0x1fff_ffff;
/** A varint takes at most 10 bytes (ceil(64 / 7)). */
const MAX_VARINT_BYTES = 10;
/** Groups are obsolete and never used by OTLP; this bounds the skipper's recursion. */
const MAX_GROUP_DEPTH = 32;

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** `checkedString`'s mark of a string whose bytes were not UTF-8. */
export const INVALID_UTF8 = Symbol('invalid UTF-8');

/** The 400 every decoding failure becomes. */
export function protobufInvalid(detail: string): CairnError {
  return new CairnError('bad_data', 'protobuf_invalid', `failed to decode the OTLP protobuf request: ${detail}`);
}

/** Reads the fields of one message in `buf[pos, end)`. */
export class ProtoReader {
  /** Field number of the field whose tag `next()` read last. */
  field = 0;
  /** Wire type of that field. */
  wireType = 0;

  constructor(
    private readonly buf: Uint8Array,
    private pos: number,
    private readonly end: number,
  ) {}

  /** A reader over a whole buffer. */
  static of(buf: Uint8Array): ProtoReader {
    return new ProtoReader(buf, 0, buf.length);
  }

  /** Reads the next tag; false at the end of the message. */
  next(): boolean {
    if (this.pos >= this.end) return false;
    const tag = this.varint();
    const field = Math.floor(tag / 8);
    const wt = tag % 8;
    if (field === 0 || field > MAX_FIELD_NUMBER) throw protobufInvalid(`invalid field number ${field}`);
    if (wt > WT.I32) throw protobufInvalid(`invalid wire type ${wt} for field ${field}`);
    if (wt === WT.EGROUP) throw protobufInvalid(`unexpected end-group tag for field ${field}`);
    this.field = field;
    this.wireType = wt;
    return true;
  }

  /** Throws unless the current field has wire type `wt` (a known field sent wrongly). */
  expect(wt: number, name: string): void {
    if (this.wireType !== wt) throw protobufInvalid(`field ${name} (${this.field}) has wire type ${this.wireType}, expected ${wt}`);
  }

  /** A varint as a JS number; exact up to 2^53, which covers every 32-bit field. */
  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (this.pos >= this.end) throw protobufInvalid('truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw protobufInvalid('varint longer than 10 bytes');
  }

  /** A varint as an unsigned 64-bit bigint. */
  varint64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (this.pos >= this.end) throw protobufInvalid('truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw protobufInvalid('varint longer than 10 bytes');
  }

  /** `int64`: a varint read as two's complement. */
  int64(): bigint {
    return BigInt.asIntN(64, this.varint64());
  }

  /** `int32`/enum: a varint whose low 32 bits are two's complement (negatives take 10 bytes). */
  int32(): number {
    return Number(BigInt.asIntN(32, this.varint64()));
  }

  /** `uint32`: the low 32 bits of a varint. */
  uint32(): number {
    return Number(BigInt.asUintN(32, this.varint64()));
  }

  /** `sint32`: zigzag. */
  sint32(): number {
    const n = this.uint32();
    return (n >>> 1) ^ -(n & 1);
  }

  /** `bool`: any non-zero varint is true, as the Go runtime reads it. */
  bool(): boolean {
    return this.varint64() !== 0n;
  }

  private need(n: number): number {
    if (this.end - this.pos < n) throw protobufInvalid('truncated fixed-width field');
    const p = this.pos;
    this.pos += n;
    return p;
  }

  /** `fixed64` as unsigned bigint. */
  fixed64(): bigint {
    const p = this.need(8);
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + p, 8);
    return view.getBigUint64(0, true);
  }

  /** `sfixed64` as signed bigint. */
  sfixed64(): bigint {
    const p = this.need(8);
    return new DataView(this.buf.buffer, this.buf.byteOffset + p, 8).getBigInt64(0, true);
  }

  /** `fixed64` as a JS number (counts: Prometheus converts them to float64 anyway). */
  fixed64Number(): number {
    const p = this.need(8);
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + p, 8);
    return view.getUint32(0, true) + view.getUint32(4, true) * 0x1_0000_0000;
  }

  /** `fixed32` as unsigned. */
  fixed32(): number {
    const p = this.need(4);
    return new DataView(this.buf.buffer, this.buf.byteOffset + p, 4).getUint32(0, true);
  }

  /** `double`. */
  double(): number {
    const p = this.need(8);
    return new DataView(this.buf.buffer, this.buf.byteOffset + p, 8).getFloat64(0, true);
  }

  /** The bounds of a length-delimited field's payload, consumed. */
  private span(): [number, number] {
    const len = this.varint();
    if (len > this.end - this.pos) throw protobufInvalid(`length ${len} of field ${this.field} past the end of its message`);
    const start = this.pos;
    this.pos += len;
    return [start, this.pos];
  }

  /** A reader over an embedded message. */
  message(): ProtoReader {
    const [s, e] = this.span();
    return new ProtoReader(this.buf, s, e);
  }

  /** A `string`; invalid UTF-8 is replaced by U+FFFD. */
  string(): string {
    const [s, e] = this.span();
    return s === e ? '' : utf8.decode(this.buf.subarray(s, e));
  }

  /**
   * A `string` as `string()` reads it, or `INVALID_UTF8` beside it when its bytes were not
   * UTF-8. The decoder writes U+FFFD only for bad bytes or for U+FFFD itself, so only a
   * string holding one has its bytes checked: nothing more for the others.
   */
  checkedString(): string | [text: string, invalid: typeof INVALID_UTF8] {
    const [s, e] = this.span();
    if (s === e) return '';
    const bytes = this.buf.subarray(s, e);
    const text = utf8.decode(bytes);
    return text.includes('\ufffd') && !isUtf8(bytes) ? [text, INVALID_UTF8] : text;
  }

  /** `bytes`, as a view of the request buffer (copy to keep beyond the request). */
  bytes(): Uint8Array {
    const [s, e] = this.span();
    return this.buf.subarray(s, e);
  }

  /** `bytes` as lowercase hex (trace and span ids, as OTLP-JSON writes them). */
  hex(): string {
    return Buffer.from(this.bytes()).toString('hex');
  }

  /**
   * Reads a `repeated` scalar field, packed or not, calling `one` per element. `elemWt`
   * is the element's own wire type.
   */
  repeated(elemWt: number, name: string, one: (r: ProtoReader) => void): void {
    if (this.wireType === WT.LEN && elemWt !== WT.LEN) {
      const sub = this.message();
      while (sub.pos < sub.end) one(sub);
      return;
    }
    this.expect(elemWt, name);
    one(this);
  }

  /** Skips the current field, whatever its wire type (unknown fields, as proto3 requires). */
  skip(depth = 0): void {
    switch (this.wireType) {
      case WT.VARINT:
        this.varint64();
        return;
      case WT.I64:
        this.need(8);
        return;
      case WT.I32:
        this.need(4);
        return;
      case WT.LEN:
        this.span();
        return;
      case WT.SGROUP: {
        if (depth >= MAX_GROUP_DEPTH) throw protobufInvalid('groups nested too deeply');
        const field = this.field;
        for (;;) {
          if (this.pos >= this.end) throw protobufInvalid(`unterminated group ${field}`);
          const tag = this.varint();
          const f = Math.floor(tag / 8);
          const wt = tag % 8;
          if (f === 0 || wt > WT.I32) throw protobufInvalid(`invalid tag in group ${field}`);
          if (wt === WT.EGROUP) {
            if (f !== field) throw protobufInvalid(`mismatched end-group tag ${f} for group ${field}`);
            return;
          }
          this.field = f;
          this.wireType = wt;
          this.skip(depth + 1);
        }
      }
      default:
        throw protobufInvalid(`invalid wire type ${this.wireType}`);
    }
  }
}
