/**
 * The entries of one push request as columns: times, and each line as a byte range of one
 * buffer (the decompressed request body, or the JSON lines written out once), rather
 * than an object per entry.
 *
 * Why: a Loki push carries thousands of entries, and they stay reachable until the WAL
 * write is durable. As objects (a `ByteLineEntry` each, the arrays that list them, the
 * appender's copies of those lists) they were two thirds of what the push path allocated,
 * and what survived the young generation while the fsync was awaited was copied and
 * promoted. Four typed arrays per request cost the collector nothing per entry.
 *
 * A push stream is a range [from, to) of its request's columns (streams are contiguous in
 * a body). `entry(i)` makes the object for the few who want one (live tail, replay, the
 * rare duplicate check, tests). The columns hold `buf`: it must not change while they are
 * in use.
 */
import type { Label } from '../model/labels.js';
import { CairnError } from '../util/errors.js';
import { grown } from '../util/typed-arrays.js';
import { ByteLineEntry, metadataBytes, type LogEntry } from './entry.js';

/** Metadata of an entry sent without any. */
const NO_METADATA: readonly Label[] = Object.freeze([]);
/** Line offsets are Int32Array elements. */
const MAX_OFFSET = 0x7fff_ffff;
/** Smallest column length: requests of a handful of entries (a logger's flush) need no more. */
const MIN_CAPACITY = 16;

export class EntryColumns {
  /** Entries held: indexes [0, count). */
  count = 0;
  tMs: Float64Array;
  /** Nanoseconds within the millisecond. */
  tNs: Int32Array;
  /** Entry i's line is `buf[start[i], end[i])`. */
  start: Int32Array;
  end: Int32Array;
  /** Metadata by entry, once some entry has any. */
  private meta: (readonly Label[])[] | undefined = undefined;

  /**
   * `capacity`: the expected number of entries (the columns grow past it). Throws a
   * CairnError (`too_large`) for a buffer past 2 GiB, whose offsets the columns cannot hold.
   */
  constructor(
    readonly buf: Buffer,
    capacity = MIN_CAPACITY,
  ) {
    if (buf.length > MAX_OFFSET) {
      throw new CairnError('too_large', 'request_too_large', `request body too large: ${buf.length} bytes of entries, more than the ${MAX_OFFSET} a push can hold (lower distributor.max_recv_msg_size)`);
    }
    const n = Math.max(MIN_CAPACITY, capacity);
    this.tMs = new Float64Array(n);
    this.tNs = new Int32Array(n);
    this.start = new Int32Array(n);
    this.end = new Int32Array(n);
  }

  /** Adds an entry whose line is `buf[start, end)`; returns its index. */
  push(tMs: number, tNs: number, start: number, end: number, metadata: readonly Label[]): number {
    const i = this.count;
    if (i === this.tMs.length) this.grow();
    this.tMs[i] = tMs;
    this.tNs[i] = tNs;
    this.start[i] = start;
    this.end[i] = end;
    if (metadata.length > 0 && this.meta === undefined) this.meta = new Array<readonly Label[]>(i).fill(NO_METADATA);
    if (this.meta !== undefined) this.meta.push(metadata.length > 0 ? metadata : NO_METADATA);
    this.count = i + 1;
    return i;
  }

  /**
   * Room for `n` entries: the columns (whose arrays change) hold at least n. For a decoder
   * that writes entries into the arrays itself (`commitWritten`).
   */
  ensureCapacity(n: number): void {
    while (this.tMs.length < n) this.grow();
  }

  /**
   * Entries [count, n) were written into the arrays directly (times and line ranges, no
   * metadata): they join the columns.
   */
  commitWritten(n: number): void {
    if (this.meta !== undefined) for (let i = this.count; i < n; i++) this.meta.push(NO_METADATA);
    this.count = n;
  }

  private grow(): void {
    const n = this.tMs.length * 2;
    this.tMs = grown(new Float64Array(n), this.tMs);
    this.tNs = grown(new Int32Array(n), this.tNs);
    this.start = grown(new Int32Array(n), this.start);
    this.end = grown(new Int32Array(n), this.end);
  }

  /** Entry i's structured metadata ([] when none). */
  metadata(i: number): readonly Label[] {
    return this.meta === undefined ? NO_METADATA : this.meta[i]!;
  }

  /** Entry i's line length in bytes. */
  lineBytes(i: number): number {
    return this.end[i]! - this.start[i]!;
  }

  /** Bytes entry i counts for in rate limits and stats (`entryBytes`: line plus metadata names and values). */
  entryBytes(i: number): number {
    const n = this.end[i]! - this.start[i]!;
    return this.meta === undefined ? n : n + metadataBytes(this.meta[i]!);
  }

  /** Entry i as an object (its line still the bytes of `buf`). */
  entry(i: number): ByteLineEntry {
    return new ByteLineEntry(this.tMs[i]!, this.tNs[i]!, this.buf, this.start[i]!, this.end[i]!, this.metadata(i));
  }

  /** Entries [from, to) as objects. */
  entries(from: number, to: number): ByteLineEntry[] {
    const out: ByteLineEntry[] = [];
    for (let i = from; i < to; i++) out.push(this.entry(i));
    return out;
  }
}

/**
 * Columns of entries given as objects (the JSON decoders', OTLP's): their lines are written
 * once into one buffer (a string line as its UTF-8, as the store would write it; a byte
 * line as its bytes). Returns the columns and where each list starts in them.
 */
export function columnsOf(lists: readonly (readonly LogEntry[])[]): { columns: EntryColumns; starts: number[] } {
  let bytes = 0;
  let count = 0;
  for (const list of lists) {
    count += list.length;
    for (const e of list) bytes += e instanceof ByteLineEntry ? e.end - e.start : Buffer.byteLength(e.line);
  }
  const buf = Buffer.allocUnsafe(bytes);
  const columns = new EntryColumns(buf, count);
  const starts: number[] = [];
  let at = 0;
  for (const list of lists) {
    starts.push(columns.count);
    for (const e of list) {
      const n = e instanceof ByteLineEntry ? e.buf.copy(buf, at, e.start, e.end) : buf.write(e.line, at, 'utf8');
      columns.push(e.tMs, e.tNs, at, at + n, e.metadata);
      at += n;
    }
  }
  return { columns, starts };
}
