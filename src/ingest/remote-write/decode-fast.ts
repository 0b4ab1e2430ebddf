/**
 * The remote-write hot path: a pull scanner over the protobuf bytes of a `WriteRequest`
 * that builds no JS objects or strings for series the server already knows.
 *
 * For each `TimeSeries` the scanner exposes the raw bytes of its labels (the concatenated
 * `Label` fields exactly as sent, tags included), a 32-bit hash of those bytes, and its
 * samples decoded into reusable typed arrays. A caller keeps a map from hash to the label
 * bytes it has seen (and its series ref), confirms a hit with `labelsEqual` (or, over an
 * arena of stored label bytes, `labelsEqualView`), and only for a miss pays for
 * `labels()`, which materialises `Label[]`. Metadata (rare) is decoded
 * into objects as it is met; exemplars and native histograms are validated and counted,
 * and exemplars can be materialised on demand.
 *
 * The label bytes of one label set are the same on every request from the same sender
 * (Prometheus and its kin marshal `Label{name, value}` deterministically), which is what
 * makes the byte key work. Equal bytes mean an equal label set *as sent* (before Mimir's
 * normalisation: order, empty values and duplicates are as on the wire); different bytes
 * do not prove a different label set (another sender may order fields differently), so a
 * miss must fall back to the materialised, normalised labels.
 *
 * Robustness: any malformed input — truncated varints, lengths past the end of the
 * enclosing message, a known field with the wrong wire type, wire types 6 and 7, field
 * number 0, unbalanced groups — raises `CairnError('bad_data', 'protobuf_invalid', …)` and
 * nothing else. Every loop consumes at least one byte per turn, and nothing is allocated
 * in proportion to a length field: buffers grow only with data actually present.
 * Unknown fields of every wire type (groups included, matched by field number and nested
 * at most `MAX_GROUP_DEPTH` deep) are skipped, as proto3 requires.
 *
 * Interior validation is deliberately lazy for one thing: the contents of `Label`
 * submessages are only parsed by `labels()` (and `labelsUtf8Invalid()`). The bytes are
 * length-checked as fields of the series, so the scan stays in bounds, but a sender's
 * garbage inside a label is only detected when the labels are materialised. That is sound
 * for the intended use: a caller only skips `labels()` when the bytes equal bytes it
 * stored earlier, and it stores bytes after `labels()` has accepted them.
 *
 * Numbers: int64 timestamps become JS numbers, exact for |t| ≤ 2^53 ms (±285 000 years)
 * and rounded beyond, as protobufjs's `Long#toNumber` does; negative timestamps (10-byte
 * two's complement varints) decode correctly. Sample values are copied as raw 64 bits, so
 * NaN payloads such as the stale marker survive bit for bit; read `valueBits` to test them.
 * Varints of more than 10 bytes are refused; bits beyond 64 in a 10th byte are ignored,
 * as Go's gogo-generated unmarshalling (Mimir's) does.
 */
import { CairnError } from '../../util/errors.js';
import type { Exemplar, Label, MetricMetadata, Sample, TimeSeries, WriteRequest } from './types.js';

/** Reason code of every protobuf decoding error (shared with the discard counter). */
export const PROTOBUF_INVALID = 'protobuf_invalid';

// Wire types (https://protobuf.dev/programming-guides/encoding/#structure).
const WT_VARINT = 0;
const WT_I64 = 1;
const WT_LEN = 2;
const WT_SGROUP = 3;
const WT_EGROUP = 4;
const WT_I32 = 5;

/** A tag is `field_number << 3 | wire_type`. */
const tagOf = (field: number, wireType: number): number => (field << 3) | wireType;

// Tags of the fields the scanner reads, as single bytes (minimal encodings; longer,
// non-minimal encodings of the same tag are accepted through the slow path).
const TAG_WR_TIMESERIES = tagOf(1, WT_LEN); // WriteRequest.timeseries
const TAG_WR_METADATA = tagOf(3, WT_LEN); // WriteRequest.metadata
const TAG_TS_LABEL = tagOf(1, WT_LEN); // TimeSeries.labels
const TAG_TS_SAMPLE = tagOf(2, WT_LEN); // TimeSeries.samples
const TAG_TS_EXEMPLAR = tagOf(3, WT_LEN); // TimeSeries.exemplars
const TAG_TS_HISTOGRAM = tagOf(4, WT_LEN); // TimeSeries.histograms
const TAG_SAMPLE_VALUE = tagOf(1, WT_I64); // Sample.value (double)
const TAG_SAMPLE_TIMESTAMP = tagOf(2, WT_VARINT); // Sample.timestamp (int64)
const TAG_LABEL_NAME = tagOf(1, WT_LEN);
const TAG_LABEL_VALUE = tagOf(2, WT_LEN);
const TAG_EXEMPLAR_LABEL = tagOf(1, WT_LEN);
const TAG_EXEMPLAR_VALUE = tagOf(2, WT_I64);
const TAG_EXEMPLAR_TIMESTAMP = tagOf(3, WT_VARINT);
const TAG_MD_TYPE = tagOf(1, WT_VARINT);
const TAG_MD_NAME = tagOf(2, WT_LEN);
const TAG_MD_HELP = tagOf(4, WT_LEN);
const TAG_MD_UNIT = tagOf(5, WT_LEN);

/** 2^32, to assemble 64-bit integers from two 32-bit halves. */
const TWO_POW_32 = 0x1_0000_0000;
/** 2^28: the weight of a varint's 5th byte (4 × 7 bits before it). */
const TWO_POW_28 = 0x1000_0000;
/**
 * Varints of up to 7 bytes (49 bits) are summed in doubles without loss (< 2^53); the
 * scanner's inline timestamp path handles those and leaves the rest to `int64`.
 */
const FAST_VARINT_BYTES = 7;
/** A 64-bit varint takes at most 10 bytes (ceil(64 / 7)). */
const MAX_VARINT_BYTES = 10;
/** Tags are 32-bit; the 5th byte of a tag varint may only carry the top 4 bits. */
const MAX_TAG_5TH_BYTE = 0x0f;
/** Field numbers are 1..2^29-1 (protobuf language guide, "Assigning field numbers"). */
const MAX_FIELD_NUMBER = 0x1fff_ffff;
/**
 * Nesting limit for unknown groups, protoc's default recursion limit (also protobufjs's
 * `util.recursionLimit`). Proto3 has no groups, so real senders never come near it; it
 * bounds the fixed stack the skipper uses.
 */
export const MAX_GROUP_DEPTH = 100;
/**
 * Initial capacity of the sample arrays: Prometheus sends one sample per series per
 * request in steady state and up to `max_samples_per_send` (2000) when catching up; 256
 * covers the common shapes without growing, and growth doubles.
 */
const INITIAL_SAMPLE_CAPACITY = 256;
/** Initial size of the scratch buffer that rejoins labels sent out of order (rare). */
const INITIAL_SCRATCH_BYTES = 1024;

// murmur3 x86_32 constants (Austin Appleby's public-domain MurmurHash3).
const MURMUR_C1 = 0xcc9e2d51;
const MURMUR_C2 = 0x1b873593;
const MURMUR_N = 0xe6546b64;
const MURMUR_F1 = 0x85ebca6b;
const MURMUR_F2 = 0xc2b2ae35;
/** Arbitrary fixed seed, so hashes are stable across processes (they may be persisted). */
const LABEL_HASH_SEED = 0x43a1_12e5;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  // `valueBits` pairs (lo, hi) rely on the platform's byte order; every Node target is little-endian.
  throw new Error('BUG: the remote-write scanner requires a little-endian platform');
}

/**
 * murmur3 (x86, 32-bit) of `bytes[start, end)`: 4 bytes per step, good distribution for
 * the short, similar keys label sets are. The scanner's `labelsHash` is this function of
 * the label bytes; it is exported so a store can hash label bytes it kept (for example
 * after WAL replay) the same way. `seed` exists for tests against the published vectors;
 * callers keep the default.
 *
 * Returns murmur3's 32 bits as a *signed* int32 (`h | 0`, not `h >>> 0`): V8 keeps int32
 * values as small integers, so a `Map<number, …>` keyed by it never boxes keys into heap
 * numbers (measured: 115 vs 271 ns per `get` on a 100 000-entry map). With n distinct
 * label sets expect about n²/2^33 colliding pairs (≈1 at 100 000 series): always confirm
 * a hit with a byte comparison.
 */
export function hashLabelBytes(bytes: Uint8Array, start: number, end: number, seed: number = LABEL_HASH_SEED): number {
  return hashView(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), start, end, seed);
}

/**
 * `hashLabelBytes` over a DataView: one unaligned 32-bit load per step instead of four
 * byte loads and shifts (measured 1.6x faster on 150-byte label sets).
 */
function hashView(view: DataView, start: number, end: number, seed: number): number {
  let h = seed | 0;
  let i = start;
  const blocksEnd = end - ((end - start) & 3);
  for (; i < blocksEnd; i += 4) {
    let k = view.getInt32(i, true);
    k = Math.imul(k, MURMUR_C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, MURMUR_C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + MURMUR_N) | 0;
  }
  const tail = end - i;
  if (tail > 0) {
    let k = view.getUint8(i);
    if (tail > 1) k |= view.getUint8(i + 1) << 8;
    if (tail > 2) k |= view.getUint8(i + 2) << 16;
    k = Math.imul(k, MURMUR_C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, MURMUR_C2);
    h ^= k;
  }
  h ^= end - start;
  h ^= h >>> 16;
  h = Math.imul(h, MURMUR_F1);
  h ^= h >>> 13;
  h = Math.imul(h, MURMUR_F2);
  h ^= h >>> 16;
  return h | 0;
}

const utf8Encoder = new TextEncoder();

/**
 * Encodes labels the way Prometheus's senders marshal `TimeSeries.labels` (each label as
 * field 1 with `name` = field 1 and `value` = field 2, empty strings omitted as proto3
 * does), so a store can rebuild the byte key of a label set it knows only as strings.
 * Returns a fresh buffer.
 */
export function encodeLabelBytes(labels: readonly Label[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  const varintSize = (n: number) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x20_0000 ? 3 : n < 0x1000_0000 ? 4 : 5);
  for (const l of labels) {
    const name = utf8Encoder.encode(l.name);
    const value = utf8Encoder.encode(l.value);
    parts.push(name, value);
    const inner = (name.length > 0 ? 1 + varintSize(name.length) + name.length : 0) + (value.length > 0 ? 1 + varintSize(value.length) + value.length : 0);
    size += 1 + varintSize(inner) + inner;
  }
  const out = new Uint8Array(size);
  let p = 0;
  const varint = (n: number) => {
    while (n >= 0x80) {
      out[p++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    out[p++] = n;
  };
  for (let i = 0; i < parts.length; i += 2) {
    const name = parts[i]!;
    const value = parts[i + 1]!;
    const inner = (name.length > 0 ? 1 + varintSize(name.length) + name.length : 0) + (value.length > 0 ? 1 + varintSize(value.length) + value.length : 0);
    out[p++] = TAG_TS_LABEL;
    varint(inner);
    if (name.length > 0) {
      out[p++] = TAG_LABEL_NAME;
      varint(name.length);
      out.set(name, p);
      p += name.length;
    }
    if (value.length > 0) {
      out[p++] = TAG_LABEL_VALUE;
      varint(value.length);
      out.set(value, p);
      p += value.length;
    }
  }
  return out;
}

/**
 * Bounds-checked protobuf primitives over one buffer, with the read position in `p`.
 * Internal: the scanner keeps hot loops on locals and calls these for the rare forms.
 */
class ProtoReader {
  buf: Uint8Array = new Uint8Array(0);
  view: DataView = new DataView(new ArrayBuffer(0));
  /** A Buffer view of `buf` (no copy) for its native string decoding. */
  text: Buffer = Buffer.alloc(0);
  p = 0;
  /** Size of the whole request, for error messages. */
  size = 0;
  /** Field numbers of the unknown groups being skipped, innermost last. */
  private groupStack = new Int32Array(MAX_GROUP_DEPTH);

  reset(buf: Uint8Array): void {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    this.p = 0;
    this.size = buf.length;
  }

  fail(what: string, at: number = this.p): never {
    throw new CairnError('bad_data', PROTOBUF_INVALID, `invalid protobuf in remote write request: ${what} (at byte ${at} of ${this.size})`);
  }

  // The failure helpers below build their messages themselves, so that the hot readers
  // and the scanner loop carry no template literals: those grew the loop's bytecode past
  // V8's inlining budget and cost ~40% in the Snappy decoder before the same change.

  /**
   * Fails for a known field that arrived with another wire type (gogo-generated Go code,
   * Mimir's, refuses these too; protobufjs would skip the field as unknown).
   */
  wrongWireType(message: string, tag: number, expected: number, packed: boolean, at: number): never {
    const wt = tag & 7;
    if (wt > WT_I32) this.fail(`invalid wire type ${wt} for field ${tag >>> 3}`, at);
    this.fail(`field ${tag >>> 3} of ${message} has wire type ${wt}, expected ${expected}${packed ? ` or ${WT_LEN} (packed)` : ''}`, at);
  }

  /** Fails for a length prefix that points past the end of its enclosing message. */
  pastEnd(len: number, limit: number, at: number): never {
    this.fail(`length ${len} runs past the end of the enclosing message at byte ${limit}`, at);
  }

  /** Fails for a tag that cannot be: field 0, too large, wire type 6 or 7, an end-group out of place. */
  badTag(tag: number, at: number): never {
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 0) this.fail(`field number 0 (tag ${tag})`, at);
    if (field > MAX_FIELD_NUMBER) this.fail(`field number ${field} above the maximum ${MAX_FIELD_NUMBER}`, at);
    if (wt === WT_EGROUP) this.fail(`unexpected end-group for field ${field}`, at);
    this.fail(`invalid wire type ${wt} for field ${field}`, at);
  }

  /** Reads a tag; refuses field number 0 or above 2^29-1, and wire types 6 and 7. */
  tag(limit: number): number {
    const buf = this.buf;
    const at = this.p;
    let p = at;
    if (p >= limit) this.fail('truncated tag', at);
    let b = buf[p++]!;
    let tag = b;
    if (b >= 0x80) {
      tag = b & 0x7f;
      let shift = 7;
      for (;;) {
        if (p >= limit) this.fail('truncated tag varint', at);
        b = buf[p++]!;
        if (shift === 28) {
          if (b > MAX_TAG_5TH_BYTE) this.fail('tag varint overflows 32 bits', at);
          tag += b * TWO_POW_28;
          break;
        }
        tag |= (b & 0x7f) << shift;
        if (b < 0x80) break;
        shift += 7;
      }
    }
    this.p = p;
    const field = tag >>> 3;
    if (field === 0 || field > MAX_FIELD_NUMBER || (tag & 7) > WT_I32) this.badTag(tag, at);
    return tag;
  }

  /** Reads a length prefix and checks that that many bytes follow before `limit`. */
  length(limit: number): number {
    const buf = this.buf;
    const at = this.p;
    let p = at;
    if (p >= limit) this.fail('truncated length', at);
    let b = buf[p++]!;
    let len = b;
    if (b >= 0x80) {
      len = b & 0x7f;
      let weight = 0x80;
      for (let i = 1; ; i++) {
        if (i >= MAX_VARINT_BYTES) this.fail('length varint longer than 10 bytes', at);
        if (p >= limit) this.fail('truncated length varint', at);
        b = buf[p++]!;
        len += (b & 0x7f) * weight;
        if (b < 0x80) break;
        weight *= 0x80;
      }
    }
    if (len > limit - p) this.pastEnd(len, limit, at);
    this.p = p;
    return len;
  }

  /** Reads an int64 varint as a number (see the module comment for precision). */
  int64(limit: number): number {
    const buf = this.buf;
    const at = this.p;
    let p = at;
    if (p >= limit) this.fail('truncated varint', at);
    let b = buf[p++]!;
    if (b < 0x80) {
      this.p = p;
      return b;
    }
    // Bytes 1..4 fill bits 0..27 of the low word; byte 5 splits over both words.
    let lo = b & 0x7f;
    for (let shift = 7; shift < 28; shift += 7) {
      if (p >= limit) this.fail('truncated varint', at);
      b = buf[p++]!;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.p = p;
        return lo;
      }
    }
    if (p >= limit) this.fail('truncated varint', at);
    b = buf[p++]!;
    lo = (lo | ((b & 0x7f) << 28)) >>> 0;
    let hi = (b & 0x7f) >>> 4;
    if (b >= 0x80) {
      for (let shift = 3; ; shift += 7) {
        if (shift > 31) this.fail('varint longer than 10 bytes', at);
        if (p >= limit) this.fail('truncated varint', at);
        b = buf[p++]!;
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
    }
    this.p = p;
    return int64ToNumber(lo, hi);
  }

  /**
   * Reads a varint and returns its low 32 bits as a signed int32 (enums and int32 fields;
   * negative values arrive sign-extended to 10 bytes), as protobufjs and Go truncate.
   */
  int32(limit: number): number {
    const buf = this.buf;
    const at = this.p;
    let p = at;
    let v = 0;
    for (let i = 0; ; i++) {
      if (i >= MAX_VARINT_BYTES) this.fail('varint longer than 10 bytes', at);
      if (p >= limit) this.fail('truncated varint', at);
      const b = buf[p++]!;
      // Bytes 0..4 hold bits 0..34; shifting by 28 keeps the 4 bits that fit in 32.
      if (i < 5) v |= (b & 0x7f) << (7 * i);
      if (b < 0x80) break;
    }
    this.p = p;
    return v | 0;
  }

  /** Skips the value of a field whose tag was just read. */
  skip(tag: number, limit: number): void {
    const wt = tag & 7;
    if (wt === WT_VARINT) this.skipVarint(limit);
    else if (wt === WT_I64) this.skipBytes(8, limit, tag);
    else if (wt === WT_LEN) {
      const n = this.length(limit); // advances this.p past the prefix first
      this.p += n;
    }
    else if (wt === WT_I32) this.skipBytes(4, limit, tag);
    else if (wt === WT_SGROUP) this.skipGroup(tag >>> 3, limit);
    else this.badTag(tag, this.p);
  }

  private skipVarint(limit: number): void {
    const at = this.p;
    let p = at;
    for (let i = 0; ; i++) {
      if (i >= MAX_VARINT_BYTES) this.fail('varint longer than 10 bytes', at);
      if (p >= limit) this.fail('truncated varint', at);
      if (this.buf[p++]! < 0x80) break;
    }
    this.p = p;
  }

  private skipBytes(n: number, limit: number, tag: number): void {
    if (n > limit - this.p) this.fail(`truncated ${n}-byte value of field ${tag >>> 3}`);
    this.p += n;
  }

  /** Skips an unknown group up to its matching end-group tag (iteratively, bounded depth). */
  private skipGroup(field: number, limit: number): void {
    const stack = this.groupStack;
    const at = this.p;
    let depth = 0;
    stack[depth++] = field;
    while (depth > 0) {
      if (this.p >= limit) this.fail(`group of field ${field} is not closed`, at);
      const tag = this.tag(limit);
      const wt = tag & 7;
      const f = tag >>> 3;
      if (wt === WT_EGROUP) {
        if (f !== stack[depth - 1]) this.fail(`end-group for field ${f} closes a group of field ${stack[depth - 1]}`);
        depth--;
      } else if (wt === WT_SGROUP) {
        if (depth >= MAX_GROUP_DEPTH) this.fail(`groups nested deeper than ${MAX_GROUP_DEPTH}`);
        stack[depth++] = f;
      } else {
        this.skip(tag, limit);
      }
    }
  }

  /**
   * Reads `buf[start, end)` as UTF-8; invalid sequences become U+FFFD exactly as
   * TextDecoder (and protobufjs's loose reader) replace them — Node's native UTF-8 decoder
   * follows the same WHATWG rules. ASCII, the common case for labels, takes the cheaper
   * latin1 path; both return flat strings (no rope for a map key to flatten later).
   */
  string(start: number, end: number): string {
    if (start === end) return '';
    const buf = this.buf;
    let bits = 0;
    for (let i = start; i < end; i++) bits |= buf[i]!;
    return this.text.toString(bits < 0x80 ? 'latin1' : 'utf8', start, end);
  }
}

/** Assembles a two's complement int64 from 32-bit halves, as protobufjs's LongBits does. */
function int64ToNumber(lo: number, hi: number): number {
  if (hi >>> 31 === 0) return (lo >>> 0) + (hi >>> 0) * TWO_POW_32;
  const nlo = (~lo + 1) >>> 0;
  let nhi = ~hi >>> 0;
  if (nlo === 0) nhi = (nhi + 1) >>> 0;
  return -(nlo + nhi * TWO_POW_32);
}

/** True when `buf[start, end)` is well-formed UTF-8 (what Mimir's `utf8.ValidString` accepts). */
function isValidUtf8(buf: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
      cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x1_0000;
      cp = b & 0x07;
    } else {
      return false;
    }
    if (i + need >= end) return false; // truncated sequence
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k]!;
      if ((c & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points above U+10FFFF are invalid.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10_ffff) return false;
    i += need + 1;
  }
  return true;
}

const NO_METADATA: readonly MetricMetadata[] = Object.freeze([]);
const NO_INDEXES: readonly number[] = Object.freeze([]);

/**
 * A reusable pull cursor over one uncompressed `WriteRequest` at a time.
 *
 * ```ts
 * const scan = new WriteRequestScanner();
 * scan.reset(body);
 * while (scan.next()) {
 *   let hit = known.get(scan.labelsHash); // a chain: hashes collide
 *   while (hit !== undefined && !scan.labelsEqualView(arenaView, hit.start, hit.end)) hit = hit.next;
 *   const ref = hit?.ref ?? addSeries(scan.labels(), scan.copyLabelBytes());
 *   for (let i = 0; i < scan.sampleCount; i++) append(ref, scan.timestamps[i], scan.values[i]);
 * }
 * const metadata = scan.metadata;
 * ```
 *
 * Contract:
 * - One scanner serves one request at a time; keep one per thread and `reset()` it per
 *   request. Do not `await` between `reset()` and the end of the scan if another request
 *   could use the same scanner meanwhile (or give each in-flight request its own). It
 *   allocates nothing per series on the known-series path (`next`, `labelsHash`,
 *   `labelsEqual`/`labelsEqualView`, `timestamps`/`values`/`valueBits`).
 * - Everything about the current series (`labelsBytes`, the typed arrays, counts) is valid
 *   only until the next `next()` or `reset()`: the typed arrays are overwritten and may be
 *   replaced by larger ones, so re-read the properties after each `next()` and copy what
 *   must outlive the series (`copyLabelBytes()`). `labelsBytes` may be the request buffer
 *   itself: do not keep or modify it. Arrays returned by `labels()`, `exemplars()` and
 *   `metadata` are fresh and the caller's to keep.
 * - The request buffer must not change while it is scanned; it is not retained after the
 *   next `reset()`.
 * - On malformed input `next()` (or `labels()`/`exemplars()`) throws a `CairnError`
 *   (`bad_data`, reason `protobuf_invalid`). Series before the bad one may already have
 *   been handed out: treat the request as failed (roll the appender back), as Mimir
 *   rejects a body it cannot unmarshal as a whole.
 */
export class WriteRequestScanner {
  private readonly r = new ProtoReader();
  private end = 0;

  // Current series.
  private seriesStart = 0;
  private seriesEnd = 0;
  private index = -1;
  private lBytes: Uint8Array = new Uint8Array(0);
  private lView: DataView = new DataView(new ArrayBuffer(0));
  private lStart = 0;
  private lEnd = 0;
  /** The label hash, computed on first use per series (a caller may never need it). */
  private lHash = 0;
  private lHashed = false;
  private nSamples = 0;
  private nExemplars = 0;
  private nHistograms = 0;

  // Reusable sample storage: values and valueBits share one buffer.
  private cap: number;
  private ts: Float64Array;
  private vs: Float64Array;
  private vbits: Uint32Array;
  private scratch = new Uint8Array(INITIAL_SCRATCH_BYTES);
  private scratchView = new DataView(this.scratch.buffer);
  private md: MetricMetadata[] | undefined;
  // Byte ranges of the name and value of the label `parseLabel` read last.
  private nameStart = 0;
  private nameEnd = 0;
  private valueStart = 0;
  private valueEnd = 0;

  /** @param initialSampleCapacity starting size of the per-series sample arrays (they grow by doubling). */
  constructor(initialSampleCapacity: number = INITIAL_SAMPLE_CAPACITY) {
    this.cap = Math.max(1, initialSampleCapacity);
    this.ts = new Float64Array(this.cap);
    const vb = new ArrayBuffer(this.cap * 8);
    this.vs = new Float64Array(vb);
    this.vbits = new Uint32Array(vb);
  }

  /**
   * Starts scanning `buf`, an uncompressed `WriteRequest`. Forgets the previous request,
   * including its metadata list (arrays already returned stay valid). Returns `this`.
   */
  reset(buf: Uint8Array): this {
    this.r.reset(buf);
    this.end = buf.length;
    this.index = -1;
    this.md = undefined;
    this.clearSeries();
    return this;
  }

  private clearSeries(): void {
    this.seriesStart = this.seriesEnd = 0;
    this.lBytes = this.r.buf;
    this.lView = this.r.view;
    this.lStart = this.lEnd = 0;
    this.lHash = 0;
    this.lHashed = false;
    this.nSamples = this.nExemplars = this.nHistograms = 0;
  }

  /**
   * Advances to the next `TimeSeries`; returns false at the end of the request (then
   * `metadata` is complete). Metadata met on the way is decoded into `metadata`.
   * @throws CairnError `bad_data`/`protobuf_invalid` on malformed input.
   */
  next(): boolean {
    const r = this.r;
    const buf = r.buf;
    const end = this.end;
    while (r.p < end) {
      const at = r.p;
      let tag = buf[at]!;
      if (tag < 0x80 && tag >= 8) r.p = at + 1;
      else tag = r.tag(end);
      if (tag === TAG_WR_TIMESERIES) {
        const len = r.length(end);
        const s = r.p;
        this.index++;
        this.scanSeries(s, s + len); // moves r.p around inside the series
        r.p = s + len;
        return true;
      }
      if (tag === TAG_WR_METADATA) {
        const len = r.length(end);
        const s = r.p;
        (this.md ??= []).push(this.decodeMetadata(s, s + len));
        r.p = s + len;
        continue;
      }
      const field = tag >>> 3;
      if (field === 1 || field === 3) r.wrongWireType('WriteRequest', tag, WT_LEN, false, at);
      if ((tag & 7) === WT_EGROUP) r.badTag(tag, at);
      r.skip(tag, end);
    }
    this.clearSeries();
    return false;
  }

  /** Walks one TimeSeries body [s, e): label range, samples, counts. */
  private scanSeries(s: number, e: number): void {
    const r = this.r;
    const buf = r.buf;
    const view = r.view;
    this.seriesStart = s;
    this.seriesEnd = e;
    let labelsFrom = -1;
    let labelsTo = -1;
    let contiguous = true;
    let n = 0;
    let nEx = 0;
    let nHist = 0;
    let ts = this.ts;
    let vbits = this.vbits;
    let p = s;
    while (p < e) {
      const fieldAt = p;
      let tag = buf[p]!;
      if (tag < 0x80 && tag >= 8) p++;
      else {
        r.p = p;
        tag = r.tag(e);
        p = r.p;
      }
      if (tag === TAG_TS_SAMPLE) {
        // Length prefix: one byte for any sample (a full one is 18 bytes).
        let len = buf[p]!;
        if (p < e && len < 0x80) p++;
        else {
          r.p = p;
          len = r.length(e);
          p = r.p;
        }
        const se = p + len;
        if (se > e) r.pastEnd(len, e, p - 1);
        let lo = 0;
        let hi = 0;
        let t = 0;
        while (p < se) {
          let st = buf[p]!;
          if (st < 0x80 && st >= 8) p++;
          else {
            r.p = p;
            st = r.tag(se);
            p = r.p;
          }
          if (st === TAG_SAMPLE_VALUE) {
            if (p + 8 > se) r.fail('truncated double of field 1 of Sample', p);
            lo = view.getUint32(p, true);
            hi = view.getUint32(p + 4, true);
            p += 8;
          } else if (st === TAG_SAMPLE_TIMESTAMP) {
            // Find the varint's last byte; up to 7 bytes (49 bits: every ms timestamp
            // from 1970 to year 19 800) sum exactly in floating point. Longer ones,
            // negative ones (10 bytes) and malformed ones take the general path.
            let q = p;
            while (q < se && buf[q]! >= 0x80) q++;
            if (q < se && q - p < FAST_VARINT_BYTES) {
              let v = 0;
              let weight = 1;
              for (let k = p; k <= q; k++) {
                v += (buf[k]! & 0x7f) * weight;
                weight *= 0x80;
              }
              t = v;
              p = q + 1;
            } else {
              r.p = p;
              t = r.int64(se);
              p = r.p;
            }
          } else {
            const f = st >>> 3;
            if (f === 1 || f === 2) r.wrongWireType('Sample', st, f === 1 ? WT_I64 : WT_VARINT, false, p - 1);
            r.p = p;
            r.skip(st, se);
            p = r.p;
          }
        }
        if (n === this.cap) {
          this.grow();
          ts = this.ts;
          vbits = this.vbits;
        }
        ts[n] = t;
        vbits[2 * n] = lo;
        vbits[2 * n + 1] = hi;
        n++;
        continue;
      }
      if (tag === TAG_TS_LABEL) {
        // Length prefix: one byte for labels under 128 bytes, the common case.
        let len = buf[p]!;
        if (p < e && len < 0x80) p++;
        else {
          r.p = p;
          len = r.length(e);
          p = r.p;
        }
        if (len > e - p) r.pastEnd(len, e, p - 1);
        p += len;
        if (labelsFrom < 0) labelsFrom = fieldAt;
        else if (fieldAt !== labelsTo) contiguous = false;
        labelsTo = p;
        continue;
      }
      if (tag === TAG_TS_EXEMPLAR || tag === TAG_TS_HISTOGRAM) {
        r.p = p;
        const len = r.length(e);
        const ms = r.p;
        r.p = ms + len;
        if (tag === TAG_TS_EXEMPLAR) {
          validateMessage(r, EXEMPLAR_RULES, 'Exemplar', ms, ms + len);
          nEx++;
        } else {
          validateMessage(r, HISTOGRAM_RULES, 'Histogram', ms, ms + len);
          nHist++;
        }
        p = ms + len;
        continue;
      }
      const f = tag >>> 3;
      if (f >= 1 && f <= 4) r.wrongWireType('TimeSeries', tag, WT_LEN, false, fieldAt);
      if ((tag & 7) === WT_EGROUP) r.badTag(tag, fieldAt);
      r.p = p;
      r.skip(tag, e);
      p = r.p;
    }
    this.nSamples = n;
    this.nExemplars = nEx;
    this.nHistograms = nHist;
    this.lHashed = false;
    if (labelsFrom < 0) {
      this.lBytes = buf;
      this.lView = view;
      this.lStart = this.lEnd = s;
    } else if (contiguous) {
      this.lBytes = buf;
      this.lView = view;
      this.lStart = labelsFrom;
      this.lEnd = labelsTo;
    } else {
      this.joinLabels(s, e);
    }
  }

  /** Rare path: labels interleaved with other fields; copies the label fields together. */
  private joinLabels(s: number, e: number): void {
    const r = this.r;
    const buf = r.buf;
    if (this.scratch.length < e - s) {
      this.scratch = new Uint8Array(Math.max(e - s, this.scratch.length * 2));
      this.scratchView = new DataView(this.scratch.buffer);
    }
    const out = this.scratch;
    let o = 0;
    r.p = s;
    while (r.p < e) {
      const at = r.p;
      const tag = r.tag(e);
      r.skip(tag, e);
      if (tag === TAG_TS_LABEL) {
        out.set(buf.subarray(at, r.p), o);
        o += r.p - at;
      }
    }
    this.lBytes = out;
    this.lView = this.scratchView;
    this.lStart = 0;
    this.lEnd = o;
    r.p = e;
  }

  private grow(): void {
    const cap = this.cap * 2;
    const ts = new Float64Array(cap);
    ts.set(this.ts);
    const vb = new ArrayBuffer(cap * 8);
    const vbits = new Uint32Array(vb);
    vbits.set(this.vbits); // integer copy: NaN payloads cannot be touched
    this.cap = cap;
    this.ts = ts;
    this.vs = new Float64Array(vb);
    this.vbits = vbits;
  }

  private decodeMetadata(s: number, e: number): MetricMetadata {
    const r = this.r;
    let type = 0;
    let metricFamilyName = '';
    let help = '';
    let unit = '';
    r.p = s;
    while (r.p < e) {
      const at = r.p;
      const tag = r.tag(e);
      if (tag === TAG_MD_TYPE) type = r.int32(e);
      else if (tag === TAG_MD_NAME || tag === TAG_MD_HELP || tag === TAG_MD_UNIT) {
        const len = r.length(e);
        const str = r.string(r.p, r.p + len);
        r.p += len;
        if (tag === TAG_MD_NAME) metricFamilyName = str;
        else if (tag === TAG_MD_HELP) help = str;
        else unit = str;
      } else {
        const f = tag >>> 3;
        if (f === 1 || f === 2 || f === 4 || f === 5) r.wrongWireType('MetricMetadata', tag, f === 1 ? WT_VARINT : WT_LEN, false, at);
        r.skip(tag, e);
      }
    }
    return { type, metricFamilyName, help, unit };
  }

  /** 0-based index of the current series in the request (-1 before the first `next()`). */
  get seriesIndex(): number {
    return this.index;
  }

  /**
   * The buffer holding the current series' label bytes in `[labelsStart, labelsEnd)`: the
   * `Label` fields (tag 0x0a, length, `Label` message) concatenated as sent. Usually the
   * request buffer; a scratch buffer when the sender interleaved labels with other
   * fields. Valid until the next `next()`/`reset()`; never modify it.
   */
  get labelsBytes(): Uint8Array {
    return this.lBytes;
  }

  /** Start offset (inclusive) of the label bytes in `labelsBytes`. */
  get labelsStart(): number {
    return this.lStart;
  }

  /** End offset (exclusive) of the label bytes in `labelsBytes`; equal to the start for no labels. */
  get labelsEnd(): number {
    return this.lEnd;
  }

  /**
   * `hashLabelBytes` of the label bytes: a signed 32-bit integer, computed on first
   * access for each series (a caller that can predict the series may skip it).
   * Collisions happen; confirm a hit with `labelsEqual`/`labelsEqualView`.
   */
  get labelsHash(): number {
    if (!this.lHashed) {
      this.lHash = hashView(this.lView, this.lStart, this.lEnd, LABEL_HASH_SEED);
      this.lHashed = true;
    }
    return this.lHash;
  }

  /** Number of samples of the current series (entries `0..sampleCount-1` of the arrays). */
  get sampleCount(): number {
    return this.nSamples;
  }

  /**
   * Sample timestamps (ms) of the current series, in the order sent. Reused and possibly
   * replaced by the next `next()`: read it from the scanner after each `next()`.
   */
  get timestamps(): Float64Array {
    return this.ts;
  }

  /**
   * Sample values of the current series, bit-exact copies of the wire doubles (same
   * lifetime as `timestamps`). Shares its memory with `valueBits`.
   */
  get values(): Float64Array {
    return this.vs;
  }

  /**
   * The raw bits of `values`: `valueBits[2*i]` is the low and `valueBits[2*i+1]` the high
   * 32 bits of value i. A stale marker has hi = `STALE_NAN_HI`, lo = `STALE_NAN_LO`.
   */
  get valueBits(): Uint32Array {
    return this.vbits;
  }

  /** Number of exemplars of the current series (validated, not decoded; see `exemplars()`). */
  get exemplarCount(): number {
    return this.nExemplars;
  }

  /** Number of native histogram samples of the current series (validated, not decoded). */
  get histogramCount(): number {
    return this.nHistograms;
  }

  /**
   * Metadata met so far in this request; complete once `next()` has returned false. The
   * array is the caller's to keep (a new one per request).
   */
  get metadata(): readonly MetricMetadata[] {
    return this.md ?? NO_METADATA;
  }

  /**
   * True when `bytes[start, end)` holds exactly the current series' label bytes. Allocates
   * nothing; compares byte by byte. Prefer `labelsEqualView` over a store's arena.
   */
  labelsEqual(bytes: Uint8Array, start: number = 0, end: number = bytes.length): boolean {
    const from = this.lStart;
    const n = this.lEnd - from;
    if (end - start !== n) return false;
    const b = this.lBytes;
    for (let i = 0; i < n; i++) if (bytes[start + i] !== b[from + i]) return false;
    return true;
  }

  /**
   * `labelsEqual` against bytes seen through a DataView (for example one view over a
   * store's arena of label bytes, created once): compares 4 bytes per step, measured 1.7x
   * faster than the byte loop on 150-byte label sets. Allocates nothing.
   */
  labelsEqualView(view: DataView, start: number, end: number): boolean {
    const from = this.lStart;
    const n = this.lEnd - from;
    if (end - start !== n) return false;
    const mine = this.lView;
    let i = 0;
    for (; i + 4 <= n; i += 4) if (view.getInt32(start + i, true) !== mine.getInt32(from + i, true)) return false;
    for (; i < n; i++) if (view.getUint8(start + i) !== mine.getUint8(from + i)) return false;
    return true;
  }

  /** A copy of the current series' label bytes, for a store to keep as its key. */
  copyLabelBytes(): Uint8Array {
    return this.lBytes.slice(this.lStart, this.lEnd);
  }

  /**
   * Materialises the current series' labels, in the order sent (not normalised: empty
   * values and duplicate names are kept). Invalid UTF-8 becomes U+FFFD; ask
   * `labelsUtf8Invalid()` to find such labels. Returns a fresh array.
   * @throws CairnError `bad_data`/`protobuf_invalid` when a `Label` message is malformed.
   */
  labels(): Label[] {
    const out: Label[] = [];
    const r = this.labelsReader();
    const saved = this.r.p;
    const e = this.lEnd;
    r.p = this.lStart;
    try {
      while (r.p < e) {
        this.parseLabel(r, e);
        out.push({ name: r.string(this.nameStart, this.nameEnd), value: r.string(this.valueStart, this.valueEnd) });
      }
    } finally {
      this.r.p = saved;
    }
    return out;
  }

  /**
   * Indexes (in sent order, as `labels()` returns them) of labels whose name or value is
   * not valid UTF-8, which Mimir refuses (`label_value_invalid`). Usually the shared
   * empty array.
   * @throws CairnError `bad_data`/`protobuf_invalid` when a `Label` message is malformed.
   */
  labelsUtf8Invalid(): readonly number[] {
    let out: number[] | undefined;
    const r = this.labelsReader();
    const saved = this.r.p;
    const e = this.lEnd;
    r.p = this.lStart;
    try {
      for (let i = 0; r.p < e; i++) {
        this.parseLabel(r, e);
        if (!isValidUtf8(r.buf, this.nameStart, this.nameEnd) || !isValidUtf8(r.buf, this.valueStart, this.valueEnd)) (out ??= []).push(i);
      }
    } finally {
      this.r.p = saved;
    }
    return out ?? NO_INDEXES;
  }

  /** The reader of the label bytes: the request's, or one over the scratch copy (rare). */
  private labelsReader(): ProtoReader {
    if (this.lBytes === this.r.buf) return this.r;
    const r = new ProtoReader();
    r.reset(this.lBytes);
    r.size = this.r.size;
    return r;
  }

  /** Parses the `Label` field at `r.p` (within the label range ending at `e`) into nameStart..valueEnd. */
  private parseLabel(r: ProtoReader, e: number): void {
    r.tag(e); // always TAG_TS_LABEL: the range holds label fields only
    const len = r.length(e);
    const le = r.p + len;
    this.nameStart = this.nameEnd = this.valueStart = this.valueEnd = 0;
    while (r.p < le) {
      const at = r.p;
      const tag = r.tag(le);
      if (tag === TAG_LABEL_NAME || tag === TAG_LABEL_VALUE) {
        const n = r.length(le);
        // Proto3: a repeated singular field keeps the last occurrence.
        if (tag === TAG_LABEL_NAME) {
          this.nameStart = r.p;
          this.nameEnd = r.p + n;
        } else {
          this.valueStart = r.p;
          this.valueEnd = r.p + n;
        }
        r.p += n;
      } else {
        const f = tag >>> 3;
        if (f === 1 || f === 2) r.wrongWireType('Label', tag, WT_LEN, false, at);
        r.skip(tag, le);
      }
    }
  }

  /** Materialises the current series' exemplars (already validated by `next()`) into a fresh array. */
  exemplars(): Exemplar[] {
    if (this.nExemplars === 0) return [];
    const r = this.r;
    const saved = r.p;
    const out: Exemplar[] = [];
    const e = this.seriesEnd;
    r.p = this.seriesStart;
    while (r.p < e) {
      const tag = r.tag(e);
      if (tag !== TAG_TS_EXEMPLAR) {
        r.skip(tag, e);
        continue;
      }
      const len = r.length(e);
      const xe = r.p + len;
      const labels: Label[] = [];
      let v = 0;
      let t = 0;
      while (r.p < xe) {
        const tag2 = r.tag(xe);
        if (tag2 === TAG_EXEMPLAR_LABEL) {
          const ll = r.length(xe);
          labels.push(readLabel(r, r.p, r.p + ll));
        } else if (tag2 === TAG_EXEMPLAR_VALUE) {
          v = r.view.getFloat64(r.p, true);
          r.p += 8;
        } else if (tag2 === TAG_EXEMPLAR_TIMESTAMP) {
          t = r.int64(xe);
        } else {
          r.skip(tag2, xe);
        }
      }
      out.push({ labels, t, v });
    }
    r.p = saved;
    return out;
  }
}

/** Reads one `Label` message at [s, e) (already validated); leaves `r.p` at `e`. */
function readLabel(r: ProtoReader, s: number, e: number): Label {
  let name = '';
  let value = '';
  r.p = s;
  while (r.p < e) {
    const tag = r.tag(e);
    if (tag === TAG_LABEL_NAME || tag === TAG_LABEL_VALUE) {
      const n = r.length(e);
      const str = r.string(r.p, r.p + n);
      r.p += n;
      if (tag === TAG_LABEL_NAME) name = str;
      else value = str;
    } else {
      r.skip(tag, e);
    }
  }
  return { name, value };
}

// Structural validation of the messages the scanner counts but does not decode.

/** What a known field may look like on the wire. */
interface FieldRule {
  /** The element's wire type. */
  readonly wt: number;
  /** For repeated scalars: also accept the packed form (wire type 2), checked element by element. */
  readonly packed?: boolean;
  /** For message fields: the rules of the submessage. */
  readonly message?: MessageRules;
}
/** Field number → rule; fields not listed are unknown and skipped. */
type MessageRules = readonly (FieldRule | undefined)[];

const VARINT: FieldRule = { wt: WT_VARINT };
const I64: FieldRule = { wt: WT_I64 };
const LEN: FieldRule = { wt: WT_LEN };
const PACKED_VARINT: FieldRule = { wt: WT_VARINT, packed: true };
const PACKED_I64: FieldRule = { wt: WT_I64, packed: true };

const LABEL_RULES: MessageRules = [undefined, LEN, LEN];
const EXEMPLAR_RULES: MessageRules = [undefined, { wt: WT_LEN, message: LABEL_RULES }, I64, VARINT];
const BUCKET_SPAN_RULES: MessageRules = [undefined, VARINT, VARINT];
const SPANS: FieldRule = { wt: WT_LEN, message: BUCKET_SPAN_RULES };
/** prometheus.Histogram fields 1..16 (proto/prometheus/types.proto). */
const HISTOGRAM_RULES: MessageRules = [
  undefined,
  VARINT, // 1 count_int
  I64, // 2 count_float
  I64, // 3 sum
  VARINT, // 4 schema (sint32)
  I64, // 5 zero_threshold
  VARINT, // 6 zero_count_int
  I64, // 7 zero_count_float
  SPANS, // 8 negative_spans
  PACKED_VARINT, // 9 negative_deltas (sint64)
  PACKED_I64, // 10 negative_counts
  SPANS, // 11 positive_spans
  PACKED_VARINT, // 12 positive_deltas
  PACKED_I64, // 13 positive_counts
  VARINT, // 14 reset_hint
  VARINT, // 15 timestamp
  PACKED_I64, // 16 custom_values
];

/**
 * Checks that [s, e) is a well-formed message under `rules`: every field in bounds, known
 * fields with their wire type (or packed form), packed runs made of whole elements,
 * submessages recursively. Leaves `r.p` at `e`. The recursion depth is that of the rules
 * (at most 2), never input-driven.
 */
function validateMessage(r: ProtoReader, rules: MessageRules, name: string, s: number, e: number): void {
  r.p = s;
  while (r.p < e) {
    const at = r.p;
    const tag = r.tag(e);
    const f = tag >>> 3;
    const wt = tag & 7;
    const rule = f < rules.length ? rules[f] : undefined;
    if (rule === undefined) {
      if (wt === WT_EGROUP) r.badTag(tag, at);
      r.skip(tag, e);
      continue;
    }
    if (wt === rule.wt) {
      if (rule.message !== undefined) {
        const len = r.length(e);
        const ms = r.p;
        validateMessage(r, rule.message, name, ms, ms + len);
      } else {
        r.skip(tag, e);
      }
      continue;
    }
    if (rule.packed === true && wt === WT_LEN) {
      const len = r.length(e);
      const pe = r.p + len;
      if (rule.wt === WT_I64) {
        if (len % 8 !== 0) r.fail(`packed field ${f} of ${name} has ${len} bytes, not a multiple of 8`, at);
        r.p = pe;
      } else {
        while (r.p < pe) r.int64(pe);
      }
      continue;
    }
    r.wrongWireType(name, tag, rule.wt, rule.packed === true, at);
  }
}

/**
 * Decodes a whole `WriteRequest` into plain objects with the scanner: the same result as
 * `decodeWriteRequestReference` for any valid input, and a stricter judge of invalid
 * input (wrong wire types are refused, not skipped). For tests, tools and cold paths; the
 * ingest path uses `WriteRequestScanner` directly.
 * @throws CairnError `bad_data`/`protobuf_invalid` on malformed input.
 */
export function decodeWriteRequestFast(buf: Uint8Array, scanner: WriteRequestScanner = new WriteRequestScanner()): WriteRequest {
  scanner.reset(buf);
  const timeseries: TimeSeries[] = [];
  while (scanner.next()) {
    const n = scanner.sampleCount;
    const ts = scanner.timestamps;
    const vs = scanner.values;
    const samples: Sample[] = new Array<Sample>(n);
    for (let i = 0; i < n; i++) samples[i] = { t: ts[i]!, v: vs[i]! };
    timeseries.push({ labels: scanner.labels(), samples, exemplars: scanner.exemplars(), histogramCount: scanner.histogramCount });
  }
  return { timeseries, metadata: scanner.metadata };
}
