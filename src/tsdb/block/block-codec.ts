/**
 * Blob encodings inside a block file (drawn in FORMAT.md): the series group (labels as
 * symbol ids, prefix-shared with the previous series, then the series' chunks), postings
 * lists (gap varints with runs) and symbol pages. Decoders work on the exact bytes SQLite
 * returned and never copy chunk bytes: a chunk is a `subarray` of the row's blob.
 *
 * Chunks are XOR chunks in format 1 and dense chunks (`../chunkenc/dense.ts`) in format 2,
 * whose timestamp columns are stored once per block when series share them (`DenseChunkEncoder`).
 */
import { ByteReader, ByteWriter } from '../../util/bytes.js';
import { CairnError } from '../../util/errors.js';
import { decodeTimes, DenseEncoder, timesHeader } from '../chunkenc/dense.js';
import { XorIterator } from '../chunkenc/xor.js';
import type { ClosedChunk } from '../chunkenc/xor-open.js';

/** Bytes before the first sample in an XOR chunk: the uint16 sample count. */
const XOR_HEADER_BYTES = 2;

function corrupt(what: string): CairnError {
  return new CairnError('internal', 'corrupt_block', `corrupt block: ${what}`);
}

// ---------------------------------------------------------------------------------------
// Varints on a plain cursor: the hot decode loops avoid ByteReader's per-call object and
// bounds checks, and check the end once per record instead.

/** A read position into a blob; shared by the decode helpers below. */
export interface Cursor {
  readonly buf: Uint8Array;
  pos: number;
}

/** Reads an unsigned LEB128 varint (values below 2^53). */
export function readUvarint(c: Cursor): number {
  const buf = c.buf;
  let b = buf[c.pos++]!;
  if (b < 0x80) return b;
  let result = b & 0x7f;
  let mult = 0x80;
  for (let i = 1; i < 8; i++) {
    b = buf[c.pos++]!;
    if (b === undefined) throw corrupt('varint past the end of a blob');
    result += (b & 0x7f) * mult;
    if (b < 0x80) return result;
    mult *= 0x80;
  }
  throw corrupt('varint longer than 8 bytes');
}

/**
 * The first sample's timestamp of an XOR chunk: a zigzag varint right after the 2-byte
 * header, so byte-aligned and readable without a bit reader. This is why the series blob
 * does not store chunk mints.
 */
export function chunkMint(bytes: Uint8Array): number {
  const zz = readUvarint({ buf: bytes, pos: XOR_HEADER_BYTES });
  return zz % 2 === 0 ? zz / 2 : -(zz + 1) / 2;
}

/** The sample count in an XOR chunk's header (big-endian uint16). */
export function chunkNumSamples(bytes: Uint8Array): number {
  return (bytes[0]! << 8) | bytes[1]!;
}

// ---------------------------------------------------------------------------------------
// Series groups.

/**
 * Appends one series to a group blob: `shared` leading label pairs equal the previous
 * series' in this group (0 for the first series of a group), then the rest as
 * (name id, value id), then the chunks.
 */
export function encodeGroupSeries(
  w: ByteWriter,
  pairs: readonly number[],
  shared: number,
  chunks: readonly ClosedChunk[],
  dense?: DenseChunkEncoder,
): void {
  const n = pairs.length / 2;
  w.uvarint(shared);
  w.uvarint(n - shared);
  for (let i = shared * 2; i < pairs.length; i++) w.uvarint(pairs[i]!);
  w.uvarint(chunks.length);
  for (const c of chunks) {
    if (dense !== undefined) {
      dense.write(w, c);
    } else {
      w.uvarint(c.maxt - c.mint);
      w.bytes(c.bytes); // uvarint length, then the chunk as-is
    }
  }
}

/**
 * Bounds the interner's memory: past this many bytes of remembered columns, columns not
 * seen yet are stored inline without being remembered (a block of series that share no
 * timestamps would otherwise keep every column of the block in the map).
 */
const MAX_INTERNED_BYTES = 32 << 20;

/**
 * Writes chunks in the dense format (FORMAT.md, format 2): XOR chunks are transcoded, dense
 * chunks (from a format-2 block being compacted) keep their values column. A timestamp
 * column is written inline the first time it is seen; the second time it goes to the
 * `times` table (through `storeTimes`) and every later chunk with the same timestamps
 * refers to that row. One encoder per block.
 */
export class DenseChunkEncoder {
  /** Column bytes (latin1) → times row id, or 0 when seen once and stored inline. */
  private readonly interned = new Map<string, number>();
  private internedBytes = 0;
  private nextId = 1;
  /** Column keys of shared decoded timestamp arrays (compaction hands the same array to many chunks). */
  private readonly keyOf = new WeakMap<Float64Array, string>();
  private ts = new Float64Array(128);
  private vs = new Float64Array(128);
  private readonly it = new XorIterator(new Uint8Array(0));
  private readonly enc = new DenseEncoder();

  constructor(private readonly storeTimes: (id: number, column: Uint8Array) => void) {}

  write(w: ByteWriter, c: ClosedChunk): void {
    const enc = this.enc;
    let key: string;
    let column: Uint8Array | undefined = undefined;
    let values: Uint8Array;
    if (c.times !== undefined) {
      values = c.bytes;
      const known = this.keyOf.get(c.times);
      if (known !== undefined) {
        key = known;
      } else {
        column = enc.times(c.times, c.times.length);
        key = latin1(column);
        this.keyOf.set(c.times, key);
      }
    } else {
      const n = this.decodeXor(c);
      column = enc.times(this.ts, n);
      key = latin1(column);
      values = enc.values(this.vs, n);
    }
    const id = this.interned.get(key);
    if (id !== undefined && id > 0) {
      w.uvarint(id);
    } else if (id === 0) {
      const newId = this.nextId++;
      this.interned.set(key, newId);
      this.storeTimes(newId, column ?? Buffer.from(key, 'latin1'));
      w.uvarint(newId);
    } else {
      if (this.internedBytes < MAX_INTERNED_BYTES) {
        this.interned.set(key, 0);
        this.internedBytes += key.length;
      }
      w.uvarint(0);
      w.bytes(column ?? Buffer.from(key, 'latin1'));
    }
    w.bytes(values);
  }

  /** Decodes an XOR chunk into `ts`/`vs`; returns its sample count. */
  private decodeXor(c: ClosedChunk): number {
    if (this.ts.length < c.numSamples) {
      this.ts = new Float64Array(c.numSamples);
      this.vs = new Float64Array(c.numSamples);
    }
    const it = this.it;
    it.reset(c.bytes);
    let n = 0;
    while (it.next()) {
      this.ts[n] = it.t;
      this.vs[n] = it.v; // stays in a Float64Array: NaN payloads keep their bits
      n++;
    }
    const err = it.err();
    if (err !== undefined) throw err;
    if (n !== c.numSamples || n === 0) throw corrupt(`an XOR chunk holds ${n} samples, its record says ${c.numSamples}`);
    return n;
  }
}

/** The bytes as a latin1 string: one char per byte, a compact Map key. */
function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
}

/** Decoded timestamp columns of a format-2 block by `times` row id (the reader caches them). */
export type TimesResolver = (id: number) => Float64Array;

/**
 * A cursor over the series of one group blob. `pairs` holds the current series' label
 * pairs as [nameId, valueId, ...] (first `pairCount * 2` entries); call `chunks()` or
 * `skipChunks()` exactly once per series before the next `nextLabels()`.
 */
export class GroupDecoder {
  private readonly c: Cursor;
  /** Label pairs of the current series, as symbol ids; grows as needed. */
  pairs: number[] = [];
  pairCount = 0;
  /** How many leading pairs the current series shares with the previous one. */
  shared = 0;

  /** `times` is given for a format-2 (dense) block and resolves its shared timestamp columns. */
  constructor(
    blob: Uint8Array,
    private readonly times?: TimesResolver,
  ) {
    this.c = { buf: blob, pos: 0 };
  }

  /** Whether another series follows. */
  get more(): boolean {
    return this.c.pos < this.c.buf.length;
  }

  /** Decodes the next series' labels into `pairs`. */
  nextLabels(): void {
    const c = this.c;
    const shared = readUvarint(c);
    const added = readUvarint(c);
    if (shared > this.pairCount) throw corrupt(`series shares ${shared} labels with a series of ${this.pairCount}`);
    const pairs = this.pairs;
    let i = shared * 2;
    for (let k = 0; k < added; k++) {
      pairs[i++] = readUvarint(c);
      pairs[i++] = readUvarint(c);
    }
    this.shared = shared;
    this.pairCount = shared + added;
  }

  /** Decodes the current series' chunks, zero-copy; only those overlapping [mint, maxt]. */
  chunks(mint: number, maxt: number): ClosedChunk[] {
    if (this.times !== undefined) return this.denseChunks(mint, maxt, this.times);
    const c = this.c;
    const buf = c.buf;
    const n = readUvarint(c);
    const out: ClosedChunk[] = [];
    for (let k = 0; k < n; k++) {
      const span = readUvarint(c);
      const len = readUvarint(c);
      const start = c.pos;
      const end = start + len;
      if (end > buf.length || len < XOR_HEADER_BYTES + 1) throw corrupt(`chunk of ${len} bytes at ${start} in a ${buf.length}-byte group`);
      c.pos = end;
      const bytes = buf.subarray(start, end);
      const cmint = chunkMint(bytes);
      const cmaxt = cmint + span;
      if (cmaxt < mint || cmint > maxt) continue;
      out.push({ bytes, mint: cmint, maxt: cmaxt, numSamples: chunkNumSamples(bytes) });
    }
    return out;
  }

  private denseChunks(mint: number, maxt: number, resolve: TimesResolver): ClosedChunk[] {
    const c = this.c;
    const n = readUvarint(c);
    const out: ClosedChunk[] = [];
    for (let k = 0; k < n; k++) {
      const ref = readUvarint(c);
      let times: Float64Array | undefined = undefined;
      let cmint: number;
      let cmaxt: number;
      if (ref === 0) {
        const col = this.slice();
        const h = timesHeader(col);
        cmint = h.mint;
        cmaxt = h.maxt;
        if (cmaxt >= mint && cmint <= maxt) times = decodeTimes(col);
      } else {
        times = resolve(ref);
        cmint = times[0]!;
        cmaxt = times[times.length - 1]!;
      }
      const values = this.slice();
      if (times === undefined || cmaxt < mint || cmint > maxt) continue;
      out.push({ bytes: values, times, mint: cmint, maxt: cmaxt, numSamples: times.length });
    }
    return out;
  }

  /** A length-prefixed byte run of the blob, zero-copy. */
  private slice(): Uint8Array {
    const c = this.c;
    const len = readUvarint(c);
    const start = c.pos;
    const end = start + len;
    if (end > c.buf.length) throw corrupt(`a ${len}-byte column at ${start} in a ${c.buf.length}-byte group`);
    c.pos = end;
    return c.buf.subarray(start, end);
  }

  /** Skips the current series' chunks. */
  skipChunks(): void {
    const c = this.c;
    const n = readUvarint(c);
    const dense = this.times !== undefined;
    for (let k = 0; k < n; k++) {
      if (dense) {
        if (readUvarint(c) === 0) {
          const inline = readUvarint(c); // an inline times column
          c.pos += inline;
        }
      } else {
        readUvarint(c); // time span
      }
      const len = readUvarint(c); // read before adding: `c.pos += f(c)` would use the old pos
      c.pos += len;
    }
    if (c.pos > c.buf.length) throw corrupt('chunks run past the end of a group');
  }
}

// ---------------------------------------------------------------------------------------
// Postings.

/**
 * Encodes ascending series ids. Each entry is `uvarint(gap << 1 | run)`, where gap is the
 * distance from the end of the previous entry (0 at the start) and, when `run` is 1, a
 * `uvarint(extra)` follows: the id is the first of extra + 1 consecutive ids. Series
 * sorted by labels put one metric name (or job) in one contiguous range, so those lists
 * shrink to a few bytes, and scattered lists cost about one varint per id.
 */
export function encodePostings(ids: readonly number[]): Uint8Array {
  const w = new ByteWriter(Math.max(16, ids.length * 2));
  let next = 0; // first id the next entry may name
  for (let i = 0; i < ids.length; ) {
    const start = ids[i]!;
    let j = i + 1;
    while (j < ids.length && ids[j] === ids[j - 1]! + 1) j++;
    const extra = j - i - 1;
    const gap = start - next;
    if (extra === 0) {
      w.uvarint(gap * 2);
    } else {
      w.uvarint(gap * 2 + 1);
      w.uvarint(extra);
    }
    next = start + extra + 1;
    i = j;
  }
  return w.finish();
}

/** Decodes a postings blob, appending the ids to `out` (ascending). */
export function decodePostings(blob: Uint8Array, out: number[] = []): number[] {
  const c: Cursor = { buf: blob, pos: 0 };
  let next = 0;
  while (c.pos < blob.length) {
    const e = readUvarint(c);
    const gap = Math.floor(e / 2);
    let id = next + gap;
    out.push(id);
    if (e % 2 === 1) {
      const extra = readUvarint(c);
      for (let k = 0; k < extra; k++) out.push(++id);
    }
    next = id + 1;
  }
  if (c.pos !== blob.length) throw corrupt('postings list runs past its blob');
  return out;
}

// ---------------------------------------------------------------------------------------
// Symbols.

/** Encodes a page of symbols: each a uvarint byte length and UTF-8 bytes. */
export function encodeSymbolPage(symbols: readonly string[]): Uint8Array {
  const w = new ByteWriter(Math.max(64, symbols.length * 16));
  for (const s of symbols) w.string(s);
  return w.finish();
}

/** Decodes a symbol page, appending to `out`. */
export function decodeSymbolPage(blob: Uint8Array, out: string[]): void {
  const r = new ByteReader(blob);
  while (r.remaining > 0) out.push(r.string());
}
