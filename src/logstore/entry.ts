/**
 * A log entry as the log store holds it. Loki timestamps are int64 nanoseconds, which a JS
 * number cannot hold exactly (2^53 ns is 104 days), so a timestamp is split in two exact
 * integers: milliseconds since the epoch (the unit the rest of Cairn, block ranges and
 * retention use) and the nanoseconds within that millisecond.
 */
import type { Label } from '../model/labels.js';

export interface LogEntry {
  /** Milliseconds since the epoch (an integer, may be 0 but not negative). */
  readonly tMs: number;
  /** Nanoseconds within the millisecond, 0 ≤ tNs < 1e6. */
  readonly tNs: number;
  readonly line: string;
  /** Structured metadata in the order sent; [] when none. Names are unique; a value may be empty (Loki keeps those). */
  readonly metadata: readonly Label[];
}

export const NS_PER_MS = 1_000_000;

/**
 * A `LogEntry` whose line is the bytes `[start, end)` of `buf` (a decompressed protobuf
 * push body, or a WAL record at replay) rather than a string: the push path's hot loop
 * (validation, the duplicate check, the open buffer, which stores bytes) reads the bytes
 * and never makes a string, so a line costs the scavenger nothing. `line` decodes the
 * bytes on every read (WHATWG UTF-8: an invalid sequence reads as U+FFFD, as queries
 * read the stored bytes), for the few who want text: live tail subscribers, tests.
 *
 * The bytes are stored as they are, valid UTF-8 or not (Loki stores a protobuf line's
 * bytes too); `buf` must not change while the entry is in use. Holding the entry holds
 * the whole `buf`: the store copies the bytes and keeps no entry.
 */
export class ByteLineEntry implements LogEntry {
  constructor(
    readonly tMs: number,
    readonly tNs: number,
    readonly buf: Buffer,
    readonly start: number,
    readonly end: number,
    readonly metadata: readonly Label[],
  ) {}

  get line(): string {
    return this.buf.toString('utf8', this.start, this.end);
  }
}

/** The line's length in bytes as stored: UTF-8 of a string line, the raw length of a byte line. */
export function lineByteLength(e: LogEntry): number {
  return e instanceof ByteLineEntry ? e.end - e.start : Buffer.byteLength(e.line);
}

/**
 * Whether two entries' lines are the same bytes as stored. Byte lines compare bytes; a
 * string line is compared by its UTF-8 encoding against a byte line (off the hot path:
 * callers compare lines only of entries with equal timestamps).
 */
export function sameLine(a: LogEntry, b: LogEntry): boolean {
  if (b instanceof ByteLineEntry) return lineEquals(a, b.buf, b.start, b.end);
  if (a instanceof ByteLineEntry) return lineEquals(b, a.buf, a.start, a.end);
  return a.line === b.line;
}

/** Whether the entry's line, as stored, is the bytes `[start, end)` of `buf`. */
export function lineEquals(e: LogEntry, buf: Buffer, start: number, end: number): boolean {
  if (e instanceof ByteLineEntry) return e.end - e.start === end - start && e.buf.compare(buf, start, end, e.start, e.end) === 0;
  return lineEqualsBytes(e.line, buf, start, end);
}

function lineEqualsBytes(line: string, buf: Buffer, start: number, end: number): boolean {
  // A UTF-16 unit is 1 to 3 UTF-8 bytes: lengths outside that range cannot match.
  if (end - start < line.length || end - start > line.length * 3) return false;
  return Buffer.from(line, 'utf8').equals(buf.subarray(start, end));
}

/** Orders two timestamps: negative when (aMs, aNs) is earlier than (bMs, bNs). */
export function compareTime(aMs: number, aNs: number, bMs: number, bNs: number): number {
  return aMs !== bMs ? aMs - bMs : aNs - bNs;
}

/**
 * Orders entries by time only. Entries of equal time keep the order they were written in,
 * as Loki's head and chunks keep them (its head block "preserves write ordering of entries
 * with the same ts"): sort with a stable sort and this comparator.
 */
export function compareEntries(a: LogEntry, b: LogEntry): number {
  if (a.tMs !== b.tMs) return a.tMs - b.tMs;
  return a.tNs - b.tNs;
}

/**
 * The entries seen at one timestamp, to drop the later copies of an entry. Runs of equal
 * timestamps are short in practice (compared pairwise); past `PAIRWISE_MAX` entries a Set
 * of keys keeps a long run (a client stamping in whole seconds) linear.
 */
export class SameTimeEntries {
  private readonly list: LogEntry[] = [];
  private keys: Set<string> | undefined = undefined;

  clear(): void {
    this.list.length = 0;
    this.keys = undefined;
  }

  /** Adds `e`; false when an equal entry (`sameEntry`) was added since the last clear. */
  add(e: LogEntry): boolean {
    const { list } = this;
    if (this.keys === undefined) {
      for (const x of list) if (sameEntry(x, e)) return false;
      list.push(e);
      if (list.length > PAIRWISE_MAX) this.keys = new Set(list.map(entryKey));
      return true;
    }
    const k = entryKey(e);
    if (this.keys.has(k)) return false;
    this.keys.add(k);
    return true;
  }
}

/** Entries compared pairwise before SameTimeEntries switches to a Set of keys. */
const PAIRWISE_MAX = 16;

/** Line and metadata as one string, each part length-prefixed so no text forges a boundary. */
function entryKey(e: LogEntry): string {
  let k = `${e.line.length}:${e.line}`;
  for (const l of e.metadata) k += `${l.name.length}:${l.name}${l.value.length}:${l.value}`;
  return k;
}

/**
 * Drops, in place, every entry equal (`sameEntry`) to an earlier one of the same time, in
 * entries sorted by time; the first of each set of equals stays where it was. Returns the
 * array.
 */
export function dedupeSorted(entries: LogEntry[]): LogEntry[] {
  const seen = new SameTimeEntries();
  let w = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const p = w > 0 ? entries[w - 1]! : undefined;
    if (p === undefined || p.tMs !== e.tMs || p.tNs !== e.tNs) seen.clear();
    if (seen.add(e)) entries[w++] = e;
  }
  entries.length = w;
  return entries;
}

/** Whether two entries carry the same structured metadata (names and values, in order). */
export function sameMetadata(a: readonly Label[], b: readonly Label[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.name !== b[i]!.name || a[i]!.value !== b[i]!.value) return false;
  return true;
}

/**
 * Loki's duplicate rule: an entry is dropped only when its timestamp, line and structured
 * metadata all equal another's (entries differing only in metadata are both kept).
 */
export function sameEntry(a: LogEntry, b: LogEntry): boolean {
  return a.tMs === b.tMs && a.tNs === b.tNs && a.line === b.line && sameMetadata(a.metadata, b.metadata);
}

/** The timestamp as Loki prints it: decimal nanoseconds since the epoch. */
export function formatNs(tMs: number, tNs: number): string {
  if (tMs === 0) return String(tNs);
  return String(tMs) + String(tNs).padStart(6, '0');
}

/** A timestamp as a BigInt of nanoseconds (for arithmetic off the hot path). */
export function toNsBigInt(tMs: number, tNs: number): bigint {
  return BigInt(tMs) * 1_000_000n + BigInt(tNs);
}

/** Splits BigInt nanoseconds (≥ 0) into the entry's two fields. */
export function fromNsBigInt(ns: bigint): { tMs: number; tNs: number } {
  return { tMs: Number(ns / 1_000_000n), tNs: Number(ns % 1_000_000n) };
}

/** Bytes an entry counts for in rate limits and stats: the line plus metadata names and values (UTF-8), as Loki counts. */
export function entryBytes(e: LogEntry): number {
  return lineByteLength(e) + metadataBytes(e.metadata);
}

/** The UTF-8 bytes of structured metadata's names and values, as Loki counts its size. */
export function metadataBytes(metadata: readonly Label[]): number {
  let n = 0;
  // Indexed: a for-of here allocated an iterator and a result per entry until optimised.
  for (let i = 0; i < metadata.length; i++) n += Buffer.byteLength(metadata[i]!.name) + Buffer.byteLength(metadata[i]!.value);
  return n;
}
