/**
 * The uncompressed layout of a log chunk (../block/FORMAT.md, "Chunk"): a header with the
 * count, time range and section sizes, then the entries column by column: times (deltas
 * from the previous entry), line lengths, structured metadata (only when some entry has
 * any) and the lines back to back. Columns compress better than interleaved records
 * (3–4 % smaller with zstd on bench/lib/log-corpus.ts, measured while choosing the
 * layout: text next to text, varints next to varints) and the lines section is one run of text that a `|=` needle search can scan
 * at memchr speed. The head encodes a sealed stream buffer with `encodeEntries`;
 * compaction streams entries through a `ChunkEncoder`; a worker compresses the result
 * (codec.ts). Readers walk it with an `EntryCursor` or `decodeEntries`, which can test a
 * line's raw bytes before paying for its string, so line filters run during decoding.
 */
import type { Label } from '../../model/labels.js';
import { uvarintSize } from '../../util/bytes.js';
import { assert, CairnError } from '../../util/errors.js';
import { ByteLineEntry, compareTime, NS_PER_MS, type LogEntry } from '../entry.js';

/** Version byte of the chunk layout; decoders refuse others. */
export const CHUNK_FORMAT_VERSION = 1;

/** Header flag: a metadata section holds every entry's metadata (else no entry has any). */
const FLAG_METADATA = 1;
/**
 * Header flag: entry times are `uvarint(ms delta), uvarint(ns in ms)` instead of one ns
 * delta. Used only when the chunk spans more than MAX_NS_DELTA_SPAN_MS, where ns deltas
 * would not be exact in a double.
 */
const FLAG_SPLIT_TIME = 2;

/**
 * Widest chunk (max − min time, ms) whose times are stored as single ns deltas: the
 * decoder's arithmetic on (ns within ms + delta) stays below 2^52, so it is exact with
 * room for the correction step (2^52 ns is 52 days; head chunks span at most hours and
 * compaction cuts at block boundaries).
 */
export const MAX_NS_DELTA_SPAN_MS = Math.floor(2 ** 52 / NS_PER_MS) - 1;

/** Shared `metadata` of every entry without structured metadata: never mutated. */
export const NO_METADATA: readonly Label[] = Object.freeze([]);

/**
 * Tests a line's UTF-8 bytes `bytes[start, end)` before the line becomes a string; an
 * entry is skipped (its string never made) when this returns false. `bytes` is the whole
 * chunk: read it, never keep or change it. Lines arrive in chunk order.
 */
export type LineTest = (bytes: Uint8Array, start: number, end: number) => boolean;

/** Receives one decoded entry; returning `false` stops the decoding. */
export type EntryVisitor = (tMs: number, tNs: number, line: string, metadata: readonly Label[]) => boolean | void;

/** What the chunk header says (readable without walking the entries). */
export interface ChunkHeader {
  readonly version: number;
  readonly entries: number;
  /** Time of the first and the last entry. */
  readonly minTMs: number;
  readonly minTNs: number;
  readonly maxTMs: number;
  readonly maxTNs: number;
  /** Sum of the entries' line lengths in UTF-8 bytes (the lines section). */
  readonly lineBytes: number;
  readonly hasMetadata: boolean;
  readonly splitTime: boolean;
  /** Offsets of the sections: times, lengths, metadata, lines; `end` is the chunk's length. */
  readonly timeStart: number;
  readonly lengthStart: number;
  readonly metaStart: number;
  readonly lineStart: number;
  readonly end: number;
}

function corrupt(what: string): CairnError {
  return new CairnError('internal', 'corrupt_chunk', `corrupt log chunk: ${what}`);
}

/** Most bytes a header takes: two flag bytes and nine uvarints of up to 8 bytes. */
const MAX_HEADER_BYTES = 2 + 9 * 8;

// ---------------------------------------------------------------------------------------
// Encoding.

/** A growable byte column (also line-tokens.ts's output parts). */
export class Column {
  buf: Buffer;
  pos = 0;

  constructor(initialBytes: number) {
    this.buf = Buffer.allocUnsafe(Math.max(256, initialBytes));
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Unsigned varint of an integer below 2^53; the caller ensured 8 bytes. */
  uvarint(n: number): void {
    const buf = this.buf;
    let pos = this.pos;
    while (n >= 0x80) {
      buf[pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    buf[pos++] = n;
    this.pos = pos;
  }

  /** A copy of `src[from, to)`. */
  bytes(src: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    this.ensure(to - from);
    this.buf.set(src.subarray(from, to), this.pos);
    this.pos += to - from;
  }

  /** The string's UTF-8 bytes (no length); returns their count. */
  text(s: string): number {
    this.ensure(s.length * 3);
    const n = this.buf.write(s, this.pos, 'utf8');
    this.pos += n;
    return n;
  }

  /** `uvarint(byte length)` then the UTF-8 bytes. */
  string(s: string): void {
    this.ensure(s.length * 3 + 8);
    const lenAt = this.pos;
    // UTF-8 needs at least one byte per UTF-16 unit, so the length's varint is at least
    // as long as that of s.length: write the bytes after that many bytes, and move them
    // in the rare case (multi-byte text near a 128^k boundary) where it is longer.
    const guess = uvarintSize(s.length);
    const n = this.buf.write(s, lenAt + guess, 'utf8');
    const need = uvarintSize(n);
    if (need !== guess) this.buf.copyWithin(lenAt + need, lenAt + guess, lenAt + guess + n);
    this.uvarint(n);
    this.pos = lenAt + need + n;
  }
}

/** Options of a `ChunkEncoder`. */
export interface ChunkEncoderOptions {
  /**
   * Whether entries may carry metadata; when false, passing some is a bug. Default true
   * (a chunk in which no entry has any still gets no metadata section).
   */
  readonly withMetadata?: boolean;
  /**
   * Store times as (ms delta, ns) pairs, for chunks wider than MAX_NS_DELTA_SPAN_MS.
   * Default false (ns deltas, smaller).
   */
  readonly splitTime?: boolean;
  /** Expected bytes of lines, to size the buffers. */
  readonly lineBytesHint?: number;
  /**
   * Return chunks in SharedArrayBuffer memory. The head's sealed chunks go to the
   * compression worker while readers keep decoding them: shared, they are posted without
   * the structured clone's copy (~56 ms of the event loop per 138 MB of logs) and read in
   * place on both sides. They must never be written after `finish()`.
   */
  readonly sharedOutput?: boolean;
  /**
   * Entries come through `addLineLater` and their lines are written by `finish`'s caller
   * straight into the chunk: the head's buffer holds its lines back to back already, and
   * copying them line by line into a column and then into the chunk cost two passes.
   */
  readonly linesLater?: boolean;
}

/**
 * Builds one chunk entry by entry (compaction re-cuts streams with it). Entries must come
 * in `compareEntries` order (asserted on time); unless made with `splitTime`, a chunk may
 * not span more than MAX_NS_DELTA_SPAN_MS (`fits` says whether the next entry would: cut
 * before that). After `finish()` the encoder is empty and builds the next chunk in the
 * same buffers.
 */
export class ChunkEncoder {
  private readonly times: Column;
  private readonly lengths: Column;
  private readonly meta: Column;
  private readonly lines: Column;
  private readonly withMetadata: boolean;
  private readonly splitTime: boolean;
  private readonly sharedOutput: boolean;
  private readonly linesLater: boolean;
  /** Whether an entry added since the last finish has metadata. */
  private anyMetadata = false;
  /** Entries added since the last finish. */
  count = 0;
  /** Sum of line bytes added since the last finish. */
  lineBytes = 0;
  minTMs = 0;
  minTNs = 0;
  maxTMs = 0;
  maxTNs = 0;

  constructor(options: ChunkEncoderOptions = {}) {
    this.withMetadata = options.withMetadata ?? true;
    this.splitTime = options.splitTime ?? false;
    this.sharedOutput = options.sharedOutput ?? false;
    this.linesLater = options.linesLater ?? false;
    const lineBytes = options.lineBytesHint ?? 256 * 1024;
    // ~200-byte lines: one length and 3–4 time bytes per entry.
    this.lines = new Column(this.linesLater ? 0 : lineBytes);
    this.lengths = new Column(lineBytes / 64);
    this.times = new Column(lineBytes / 32);
    this.meta = new Column(this.withMetadata ? lineBytes / 16 : 0);
  }

  /** Bytes encoded so far (about the chunk's raw size). */
  get encodedBytes(): number {
    // lineBytes rather than lines.pos: the same, except that `addLineLater` copies nothing yet.
    return this.times.pos + this.lengths.pos + this.meta.pos + this.lineBytes;
  }

  /** Whether an entry at `tMs` can join this chunk without exceeding its time span. */
  fits(tMs: number): boolean {
    return this.splitTime || this.count === 0 || tMs - this.minTMs <= MAX_NS_DELTA_SPAN_MS;
  }

  private time(tMs: number, tNs: number): void {
    // Messages are built only on failure: this runs once per entry.
    if (!(Number.isInteger(tMs) && tMs >= 0 && Number.isInteger(tNs) && tNs >= 0 && tNs < NS_PER_MS)) assert(false, `log entry time ${tMs} ms + ${tNs} ns is not a valid timestamp`);
    const t = this.times;
    t.ensure(16);
    if (this.count === 0) {
      this.minTMs = tMs;
      this.minTNs = tNs;
    } else if (tMs < this.maxTMs || (tMs === this.maxTMs && tNs < this.maxTNs)) {
      assert(false, 'chunk entries must be added in time order');
    }
    if (this.splitTime) {
      t.uvarint(this.count === 0 ? 0 : tMs - this.maxTMs);
      t.uvarint(tNs);
    } else if (this.count === 0) {
      t.uvarint(0);
    } else {
      if (tMs - this.minTMs > MAX_NS_DELTA_SPAN_MS) assert(false, `chunk would span ${tMs - this.minTMs} ms; cut it first (see fits())`);
      t.uvarint((tMs - this.maxTMs) * NS_PER_MS + (tNs - this.maxTNs));
    }
    this.maxTMs = tMs;
    this.maxTNs = tNs;
    this.count++;
  }

  private metadata(metadata: readonly Label[]): void {
    if (!this.withMetadata) {
      if (metadata.length !== 0) assert(false, 'metadata given to a chunk encoder made without it');
      return;
    }
    const m = this.meta;
    m.ensure(8);
    m.uvarint(metadata.length);
    if (metadata.length > 0) this.anyMetadata = true;
    for (const l of metadata) {
      m.string(l.name);
      m.string(l.value);
    }
  }

  private length(n: number): void {
    this.lengths.ensure(8);
    this.lengths.uvarint(n);
    this.lineBytes += n;
  }

  /** Appends an entry. */
  add(tMs: number, tNs: number, line: string, metadata: readonly Label[]): void {
    this.time(tMs, tNs);
    this.length(this.lines.text(line));
    this.metadata(metadata);
  }

  /**
   * Appends an entry whose line of `n` bytes the caller writes at `finish` (encoders made
   * with `linesLater` only).
   */
  addLineLater(tMs: number, tNs: number, n: number, metadata: readonly Label[]): void {
    if (!this.linesLater) assert(false, 'BUG: addLineLater on an encoder made without linesLater');
    this.time(tMs, tNs);
    this.length(n);
    this.metadata(metadata);
  }

  /** Appends an entry whose line is the UTF-8 bytes `bytes[start, end)` (copied). */
  addBytes(tMs: number, tNs: number, bytes: Uint8Array, start: number, end: number, metadata: readonly Label[]): void {
    this.time(tMs, tNs);
    const n = end - start;
    const l = this.lines;
    l.ensure(n);
    if (bytes instanceof Buffer) bytes.copy(l.buf, l.pos, start, end);
    else l.buf.set(bytes.subarray(start, end), l.pos);
    l.pos += n;
    this.length(n);
    this.metadata(metadata);
  }

  /**
   * Appends an entry whose line is the UTF-8 bytes `bytes[start, end)` and whose
   * metadata is `metaRecord`, a metadata record as `EntryCursor.metadataRecord()` returns
   * it (both copied): compaction moves entries without making strings.
   */
  addRaw(tMs: number, tNs: number, bytes: Uint8Array, start: number, end: number, metaRecord: Uint8Array): void {
    this.time(tMs, tNs);
    const n = end - start;
    const l = this.lines;
    l.ensure(n);
    l.buf.set(bytes.subarray(start, end), l.pos);
    l.pos += n;
    this.length(n);
    if (!this.withMetadata) {
      assert(metaRecord.length === 1 && metaRecord[0] === 0, 'metadata given to a chunk encoder made without it');
      return;
    }
    const m = this.meta;
    m.ensure(metaRecord.length);
    m.buf.set(metaRecord, m.pos);
    m.pos += metaRecord.length;
    if (metaRecord[0] !== 0) this.anyMetadata = true;
  }

  /**
   * The chunk (a fresh, exactly sized buffer the caller owns), or undefined when nothing
   * was added. Resets the encoder.
   */
  finish(writeLines?: (out: Uint8Array, at: number) => void): Uint8Array | undefined {
    if (this.count === 0) return undefined;
    assert(this.linesLater === (writeLines !== undefined), 'BUG: an encoder made with linesLater finishes with a lines writer, and only it');
    // A metadata section of only empty records says nothing: leave it out.
    if (!this.anyMetadata) this.meta.pos = 0;
    const head = new Column(MAX_HEADER_BYTES);
    head.buf[0] = CHUNK_FORMAT_VERSION;
    head.buf[1] = (this.anyMetadata ? FLAG_METADATA : 0) | (this.splitTime ? FLAG_SPLIT_TIME : 0);
    head.pos = 2;
    for (const v of [this.count, this.minTMs, this.minTNs, this.maxTMs - this.minTMs, this.maxTNs, this.lineBytes, this.times.pos, this.lengths.pos, this.meta.pos]) head.uvarint(v);
    const size = head.pos + this.encodedBytes;
    const out = this.sharedOutput ? new Uint8Array(new SharedArrayBuffer(size)) : new Uint8Array(size);
    let at = 0;
    for (const c of [head, this.times, this.lengths, this.meta, this.lines]) {
      out.set(c.buf.subarray(0, c.pos), at);
      at += c.pos;
      c.pos = 0;
    }
    // The lines section is last: the caller fills its lineBytes bytes.
    if (writeLines !== undefined) writeLines(out, at);
    this.count = 0;
    this.lineBytes = 0;
    this.anyMetadata = false;
    return out;
  }
}

/**
 * Encodes entries sorted by `compareEntries` (asserted on time) into one chunk, a fresh
 * buffer the caller owns (it may transfer it to a worker). A chunk in which no entry has
 * metadata has no metadata section. A chunk wider than MAX_NS_DELTA_SPAN_MS stores split
 * times instead of ns deltas, so any sorted entries encode. Throws an assert failure for
 * an empty list, unsorted entries or an invalid time.
 */
export function encodeEntries(entries: readonly LogEntry[]): Uint8Array {
  assert(entries.length > 0, 'encodeEntries needs at least one entry');
  let withMetadata = false;
  let chars = 0;
  for (const e of entries) {
    if (e.metadata.length > 0) withMetadata = true;
    chars += e.line.length;
  }
  const splitTime = entries[entries.length - 1]!.tMs - entries[0]!.tMs > MAX_NS_DELTA_SPAN_MS;
  // Lines are mostly ASCII: a small margin over the UTF-16 length avoids regrowing.
  const enc = new ChunkEncoder({ withMetadata, splitTime, lineBytesHint: Math.ceil(chars * 1.05) + 64 });
  for (const e of entries) enc.add(e.tMs, e.tNs, e.line, e.metadata);
  return enc.finish()!;
}

// ---------------------------------------------------------------------------------------
// Decoding.

/** Reads the header; throws a CairnError (`corrupt_chunk`) when it is not a chunk this code reads. */
export function readChunkHeader(raw: Uint8Array): ChunkHeader {
  if (raw.length < 12) throw corrupt(`${raw.length} bytes is too short for a chunk`);
  if (raw[0] !== CHUNK_FORMAT_VERSION) throw corrupt(`version ${raw[0]}, this cairn reads ${CHUNK_FORMAT_VERSION}`);
  const flags = raw[1]!;
  if ((flags & ~(FLAG_METADATA | FLAG_SPLIT_TIME)) !== 0) throw corrupt(`unknown header flags ${flags}`);
  const c = { pos: 2 };
  const entries = readUvarint(raw, c);
  const minTMs = readUvarint(raw, c);
  const minTNs = readUvarint(raw, c);
  const maxTMs = minTMs + readUvarint(raw, c);
  const maxTNs = readUvarint(raw, c);
  const lineBytes = readUvarint(raw, c);
  const timeBytes = readUvarint(raw, c);
  const lengthBytes = readUvarint(raw, c);
  const metaBytes = readUvarint(raw, c);
  if (entries === 0 || minTNs >= NS_PER_MS || maxTNs >= NS_PER_MS) throw corrupt(`header claims ${entries} entries from ${minTMs} ms + ${minTNs} ns to ${maxTMs} ms + ${maxTNs} ns`);
  const timeStart = c.pos;
  const lengthStart = timeStart + timeBytes;
  const metaStart = lengthStart + lengthBytes;
  const lineStart = metaStart + metaBytes;
  const end = lineStart + lineBytes;
  if (end !== raw.length) throw corrupt(`sections add up to ${end} bytes, the chunk has ${raw.length}`);
  const hasMetadata = (flags & FLAG_METADATA) !== 0;
  if (!hasMetadata && metaBytes !== 0) throw corrupt(`${metaBytes} bytes of metadata without the metadata flag`);
  return { version: raw[0], entries, minTMs, minTNs, maxTMs, maxTNs, lineBytes, hasMetadata, splitTime: (flags & FLAG_SPLIT_TIME) !== 0, timeStart, lengthStart, metaStart, lineStart, end };
}

function readUvarint(buf: Uint8Array, c: { pos: number }): number {
  let b = buf[c.pos++];
  if (b === undefined) throw corrupt('varint past the end');
  if (b < 0x80) return b;
  let result = b & 0x7f;
  let mult = 0x80;
  for (let i = 1; i < 8; i++) {
    b = buf[c.pos++];
    if (b === undefined) throw corrupt('varint past the end');
    result += (b & 0x7f) * mult;
    if (b < 0x80) return result;
    mult *= 0x80;
  }
  throw corrupt('varint longer than 8 bytes');
}

const EMPTY = new Uint8Array(0);
/** The metadata record of an entry without metadata: a count of 0. */
const NO_METADATA_RECORD = Uint8Array.of(0);

/**
 * A pull cursor over the entries of one uncompressed chunk, oldest first. `next()` moves
 * to the next entry (that passes the line test, when one is set) and returns false at the
 * end. The current entry's fields are valid until the next `next()`/`reset()`; `line` and
 * `metadata` are made on first access (so entries skipped by time or by their bytes cost
 * no string), and `lineStart`/`lineEnd` give the line's bytes within `bytes` without
 * making one. The cursor never copies or keeps anything beyond `bytes`, which the caller
 * must not change while it is in use. `reset` and `next` throw a CairnError
 * (`corrupt_chunk`) on a malformed chunk.
 */
export class EntryCursor {
  /** The chunk being read. */
  bytes: Uint8Array = EMPTY;
  private str: Buffer = Buffer.alloc(0);
  private header: ChunkHeader | undefined = undefined;
  /** Read positions in the time, length and metadata sections, and the next line's start. */
  private readonly tp = { pos: 0 };
  private readonly lp = { pos: 0 };
  private readonly mp = { pos: 0 };
  private nextLine = 0;
  private left = 0;
  private split = false;
  private withMeta = false;
  private test: LineTest | undefined = undefined;
  private lineCache: string | undefined = undefined;
  private metaCache: readonly Label[] | undefined = undefined;
  private metaAt = 0;
  private metaEnd = 0;
  /** Whether the cursor is on an entry (after a `next()` that returned true). */
  private onEntry = false;
  /** Current entry's time. */
  tMs = 0;
  tNs = 0;
  /** Current entry's line, as bytes `bytes[lineStart, lineEnd)`; both 0 before the first entry. */
  lineStart = 0;
  lineEnd = 0;

  constructor(raw?: Uint8Array, lineTest?: LineTest) {
    if (raw !== undefined) this.reset(raw, lineTest);
  }

  /** Starts over on chunk `raw` (before its first entry). */
  reset(raw: Uint8Array, lineTest?: LineTest): void {
    const h = readChunkHeader(raw);
    this.bytes = raw;
    this.str = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    this.header = h;
    this.tp.pos = h.timeStart;
    this.lp.pos = h.lengthStart;
    this.mp.pos = h.metaStart;
    this.nextLine = h.lineStart;
    this.left = h.entries;
    this.split = h.splitTime;
    this.withMeta = h.hasMetadata;
    this.test = lineTest;
    this.tMs = h.minTMs;
    this.tNs = h.minTNs;
    this.lineStart = 0;
    this.lineEnd = 0;
    this.onEntry = false;
    this.lineCache = undefined;
    this.metaCache = undefined;
  }

  /** The chunk's header. */
  get chunkHeader(): ChunkHeader {
    assert(this.header !== undefined, 'EntryCursor used before reset()');
    return this.header;
  }

  /** Advances to the next entry (passing the line test); false at the end. */
  next(): boolean {
    const buf = this.bytes;
    const h = this.header;
    if (h === undefined) return false;
    while (this.left > 0) {
      this.left--;
      // Time.
      const tp = this.tp;
      if (this.split) {
        this.tMs += readUvarint(buf, tp);
        this.tNs = readUvarint(buf, tp);
        if (this.tNs >= NS_PER_MS) throw corrupt(`entry ns ${this.tNs} is not below 1e6`);
      } else {
        let d = buf[tp.pos];
        if (d !== undefined && d < 0x80) tp.pos++;
        else d = readUvarint(buf, tp);
        if (d !== 0) {
          const total = this.tNs + d;
          if (total < NS_PER_MS) {
            this.tNs = total;
          } else {
            // total < 2^52 (MAX_NS_DELTA_SPAN_MS): the quotient may round up by one.
            let q = Math.floor(total / NS_PER_MS);
            let r = total - q * NS_PER_MS;
            if (r < 0) {
              q--;
              r += NS_PER_MS;
            }
            this.tMs += q;
            this.tNs = r;
          }
        }
      }
      if (tp.pos > h.lengthStart) throw corrupt('time section overruns');
      // Line.
      const lp = this.lp;
      let n = buf[lp.pos];
      if (n !== undefined && n < 0x80) lp.pos++;
      else n = readUvarint(buf, lp);
      if (lp.pos > h.metaStart) throw corrupt('length section overruns');
      const start = this.nextLine;
      const end = start + n;
      if (end > h.end) throw corrupt(`line of ${n} bytes at ${start} runs past the ${h.end}-byte chunk`);
      this.lineStart = start;
      this.lineEnd = end;
      this.nextLine = end;
      // Metadata: skipped now, decoded on access.
      if (this.withMeta) {
        const mp = this.mp;
        this.metaAt = mp.pos;
        const m = readUvarint(buf, mp);
        for (let i = 0; i < m * 2; i++) {
          const len = readUvarint(buf, mp);
          mp.pos += len;
        }
        if (mp.pos > h.lineStart) throw corrupt('metadata section overruns');
        this.metaEnd = mp.pos;
      }
      this.lineCache = undefined;
      this.metaCache = undefined;
      if (this.test !== undefined && !this.test(buf, start, end)) continue;
      this.onEntry = true;
      return true;
    }
    this.onEntry = false;
    if (this.tp.pos !== h.lengthStart || this.lp.pos !== h.metaStart || this.nextLine !== h.end || (this.withMeta && this.mp.pos !== h.lineStart)) {
      throw corrupt('sections hold more than the header\'s entries');
    }
    return false;
  }

  /**
   * Advances to the first entry at or after (tMs, tNs) that passes the line test; false
   * when there is none. Never moves backwards: on an entry already at or past the time it
   * stays there (returns true).
   */
  seek(tMs: number, tNs = 0): boolean {
    if (this.onEntry && compareTime(this.tMs, this.tNs, tMs, tNs) >= 0) return true;
    while (this.next()) if (compareTime(this.tMs, this.tNs, tMs, tNs) >= 0) return true;
    return false;
  }

  /** The current entry's line. */
  get line(): string {
    if (this.lineCache === undefined) this.lineCache = this.str.toString('utf8', this.lineStart, this.lineEnd);
    return this.lineCache;
  }

  /** The current entry's structured metadata (NO_METADATA when it has none). */
  get metadata(): readonly Label[] {
    if (this.metaCache !== undefined) return this.metaCache;
    if (!this.withMeta) return NO_METADATA;
    return (this.metaCache = this.metadataAt(this.metaAt));
  }

  /** Where the current entry's metadata record starts in `bytes` (-1 without a metadata section). */
  get metadataOffset(): number {
    return this.withMeta ? this.metaAt : -1;
  }

  /** The metadata record at `offset` (a `metadataOffset` of this chunk) decoded; NO_METADATA for -1. */
  metadataAt(offset: number): readonly Label[] {
    if (offset < 0) return NO_METADATA;
    const c = { pos: offset };
    const buf = this.bytes;
    const m = readUvarint(buf, c);
    if (m === 0) return NO_METADATA;
    const out: Label[] = new Array(m);
    for (let i = 0; i < m; i++) {
      const nl = readUvarint(buf, c);
      const name = this.str.toString('utf8', c.pos, c.pos + nl);
      c.pos += nl;
      const vl = readUvarint(buf, c);
      const value = this.str.toString('utf8', c.pos, c.pos + vl);
      c.pos += vl;
      out[i] = { name, value };
    }
    return out;
  }

  /**
   * The current entry's metadata record as stored (count, then length-prefixed names and
   * values), a view into `bytes`; the one-byte record of count 0 (shared, never to be
   * changed) when the entry has none. Two entries have equal metadata exactly when their
   * records are equal bytes, and `ChunkEncoder.addRaw` takes it as is.
   */
  metadataRecord(): Uint8Array {
    if (!this.withMeta) return NO_METADATA_RECORD;
    return this.bytes.subarray(this.metaAt, this.metaEnd);
  }
}

/**
 * Calls `visit` for each entry of chunk `raw`, oldest first, until it returns false.
 * With `lineTest`, an entry whose line bytes fail it is skipped before its string is made
 * (the way a `|=` filter runs while decoding); `metadata` is NO_METADATA for entries
 * without any. Returns how many entries were passed to `visit`. Throws a CairnError
 * (`corrupt_chunk`) on a malformed chunk (after visiting the entries before the fault).
 * With `withLines` false, lines are never made into strings and `visit` gets '' (for
 * readers that count entries).
 */
export function decodeEntries(raw: Uint8Array, visit: EntryVisitor, lineTest?: LineTest, withLines = true): number {
  const c = new EntryCursor(raw, lineTest);
  let n = 0;
  while (c.next()) {
    n++;
    if (visit(c.tMs, c.tNs, withLines ? c.line : '', c.metadata) === false) break;
  }
  return n;
}

/** Every entry of a chunk as LogEntry objects (tests, and the rare reader that wants them all). */
export function decodeAll(raw: Uint8Array): LogEntry[] {
  const out: LogEntry[] = [];
  decodeEntries(raw, (tMs, tNs, line, metadata) => {
    out.push({ tMs, tNs, line, metadata });
  });
  return out;
}

/**
 * Every entry of a chunk with its line as the stored bytes (views of `raw`, no string made,
 * invalid UTF-8 kept as it is): for the WAL checkpoint, which must write lines exactly as
 * the store holds them.
 */
export function decodeAllBytes(raw: Uint8Array): ByteLineEntry[] {
  const out: ByteLineEntry[] = [];
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const c = new EntryCursor(raw);
  while (c.next()) out.push(new ByteLineEntry(c.tMs, c.tNs, buf, c.lineStart, c.lineEnd, c.metadata));
  return out;
}

/**
 * A line test that passes lines containing every needle's UTF-8 bytes (case-sensitive,
 * as `|=`), for `decodeEntries`/`EntryCursor`; undefined when there is no non-empty
 * needle. It searches the whole chunk once per needle rather than each line: it keeps the
 * next occurrence at or after the line being tested and searches again only once the
 * lines have passed it, so a needle absent from the chunk costs one scan and lines that
 * cannot match cost a comparison. Lines must be tested in chunk order (as the decoders
 * do); a test used on a new chunk starts over.
 */
export function containsAllTest(needles: readonly string[]): LineTest | undefined {
  const ns = needles.filter((n) => n.length > 0).map((n) => Buffer.from(n, 'utf8'));
  return ns.length === 0 ? undefined : containsAllBytesTest(ns);
}

/** `containsAllTest` over needles already in UTF-8 (none empty). */
export function containsAllBytesTest(ns: readonly Uint8Array[]): LineTest {
  let chunk: Uint8Array | undefined = undefined;
  let whole: Buffer = Buffer.alloc(0);
  const next = new Array<number>(ns.length).fill(-1);
  return (bytes, start, end) => {
    if (bytes !== chunk) {
      chunk = bytes;
      whole = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      next.fill(-1);
    }
    for (let i = 0; i < ns.length; i++) {
      const n = ns[i]!;
      let at = next[i]!;
      if (at === Infinity) return false;
      if (at < start) {
        at = whole.indexOf(n, start);
        next[i] = at = at < 0 ? Infinity : at;
      }
      if (at + n.length > end) return false;
    }
    return true;
  };
}
