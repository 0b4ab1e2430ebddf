/**
 * Reading a chunk a batch of entries at a time, newest first or oldest first, for log
 * queries with a limit: a query for the newest 100 lines of a thousand streams needs a
 * few lines of each stream's newest chunk, not every line made into a string and every
 * occurrence of a `|=` needle searched for. Each call decodes the chunk's columns (times,
 * lengths, metadata offsets: varints, cheap) and then takes at most `max` entries from
 * where the previous batch stopped; backwards, a needle is searched for from the end with
 * `lastIndexOf`, so the older part of the chunk is never scanned. A caller that needs more
 * calls again with the returned position (the chunk decompressed again: batches grow, so
 * that stays rare).
 */
import type { LogEntry } from '../entry.js';
import type { Direction } from '../interface.js';
import { containsAllBytesTest, EntryCursor, type LineTest } from './chunk-format.js';

/** Where the next batch starts: an entry index; `BATCH_DONE` once nothing is left. */
export const BATCH_DONE = -1;
/** The position before the first batch, in either direction. */
export const BATCH_START = -2;

/** What a batch keeps: entries in the query's time range whose line bytes pass the needles. */
export interface BatchFilter {
  /** Whether an entry is before / after the range. Entries are in time order, so reaching one ends the reading that way. */
  readonly beforeRange: (tMs: number, tNs: number) => boolean;
  readonly afterRange: (tMs: number, tNs: number) => boolean;
  /** UTF-8 needles every kept line contains (none: every line passes). */
  readonly needles: readonly Buffer[];
}

/** Columns of one decoded chunk: each entry's time, line span and metadata record. */
interface Columns {
  readonly n: number;
  readonly tMs: Float64Array;
  readonly tNs: Int32Array;
  readonly lineStart: Int32Array;
  readonly lineEnd: Int32Array;
  /** Metadata record offsets (-1 each without a metadata section). */
  readonly meta: Int32Array;
}

function columns(c: EntryCursor): Columns {
  const n = c.chunkHeader.entries;
  const tMs = new Float64Array(n);
  const tNs = new Int32Array(n);
  const lineStart = new Int32Array(n);
  const lineEnd = new Int32Array(n);
  const meta = new Int32Array(n);
  let i = 0;
  while (c.next()) {
    tMs[i] = c.tMs;
    tNs[i] = c.tNs;
    lineStart[i] = c.lineStart;
    lineEnd[i] = c.lineEnd;
    meta[i] = c.metadataOffset;
    i++;
  }
  return { n: i, tMs, tNs, lineStart, lineEnd, meta };
}

/** Whether line `[start, end)` of `whole` contains every needle from index `from` on. */
function containsAll(whole: Buffer, start: number, end: number, needles: readonly Buffer[], from: number): boolean {
  for (let k = from; k < needles.length; k++) {
    const n = needles[k]!;
    const at = whole.indexOf(n, start);
    if (at < 0 || at + n.length > end) return false;
  }
  return true;
}

/**
 * Appends to `out` at most `max` entries of chunk `raw` that pass `f`, in `direction`
 * order starting at position `from` (`BATCH_START` for the first batch), and returns the
 * position of the next batch (`BATCH_DONE` when none is left). `out` is in direction
 * order. Throws a CairnError (`corrupt_chunk`) on a malformed chunk.
 */
export function readBatch(raw: Uint8Array, direction: Direction, from: number, max: number, f: BatchFilter, out: LogEntry[]): number {
  return direction === 'forward' ? readForward(raw, from, max, f, out) : readBackward(raw, from, max, f, out);
}

function readForward(raw: Uint8Array, from: number, max: number, f: BatchFilter, out: LogEntry[]): number {
  const start = from === BATCH_START ? 0 : from;
  const test: LineTest | undefined = f.needles.length === 0 ? undefined : containsAllBytesTest(f.needles);
  const c = new EntryCursor(raw);
  const n = c.chunkHeader.entries;
  let taken = 0;
  for (let i = 0; c.next(); i++) {
    if (i < start) continue;
    if (f.afterRange(c.tMs, c.tNs)) return BATCH_DONE;
    if (f.beforeRange(c.tMs, c.tNs)) continue;
    if (test !== undefined && !test(c.bytes, c.lineStart, c.lineEnd)) continue;
    out.push({ tMs: c.tMs, tNs: c.tNs, line: c.line, metadata: c.metadata });
    if (++taken === max) return i + 1 < n ? i + 1 : BATCH_DONE;
  }
  return BATCH_DONE;
}

function readBackward(raw: Uint8Array, from: number, max: number, f: BatchFilter, out: LogEntry[]): number {
  const c = new EntryCursor(raw);
  const col = columns(c);
  const whole = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let i = from === BATCH_START ? col.n - 1 : from;
  let taken = 0;
  // Entry i if it is in range; false once the entries are older than the range.
  const take = (j: number): boolean => {
    out.push({ tMs: col.tMs[j]!, tNs: col.tNs[j]!, line: whole.toString('utf8', col.lineStart[j]!, col.lineEnd[j]!), metadata: c.metadataAt(col.meta[j]!) });
    return ++taken === max;
  };
  if (f.needles.length === 0) {
    for (; i >= 0; i--) {
      if (f.beforeRange(col.tMs[i]!, col.tNs[i]!)) return BATCH_DONE;
      if (!f.afterRange(col.tMs[i]!, col.tNs[i]!) && take(i)) return i > 0 ? i - 1 : BATCH_DONE;
    }
    return BATCH_DONE;
  }
  // The first needle is searched for from the end; each occurrence names the line it is in.
  const first = f.needles[0]!;
  const linesFrom = col.n > 0 ? col.lineStart[0]! : 0;
  while (i >= 0) {
    // The last place an occurrence inside line i (or an older one) can start.
    const pos = col.lineEnd[i]! - first.length;
    if (pos < col.lineStart[i]!) {
      i--;
      continue;
    }
    const at = whole.lastIndexOf(first, pos);
    if (at < linesFrom) return BATCH_DONE;
    while (col.lineStart[i]! > at) i--;
    // One that runs past line i's end is in no line: look again before it, from line i's end.
    if (at + first.length > col.lineEnd[i]!) continue;
    if (f.beforeRange(col.tMs[i]!, col.tNs[i]!)) return BATCH_DONE;
    if (!f.afterRange(col.tMs[i]!, col.tNs[i]!) && containsAll(whole, col.lineStart[i]!, col.lineEnd[i]!, f.needles, 1) && take(i)) {
      return i > 0 ? i - 1 : BATCH_DONE;
    }
    i--;
  }
  return BATCH_DONE;
}
