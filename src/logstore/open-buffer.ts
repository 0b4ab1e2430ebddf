/**
 * A stream's open buffer: the entries appended since its last seal, in arrival order, held
 * as columns (times, line ends, and the lines' UTF-8 bytes back to back) rather than as
 * entry objects with line strings.
 *
 * Why: a stream's buffer fills over minutes, so its entries outlive many young-generation
 * collections. Held as strings, every line was copied by the scavenger twice and then
 * promoted, and at 100 MB/s of logs that copying was a quarter of the main thread (and
 * more on V8's helper threads). Written into the buffer's bytes at append, a line's
 * string dies young; the chunk is encoded from the bytes at seal. Readers of the open
 * buffer (queries over the last seconds, checkpoints) make entries on demand.
 */
import type { Label } from '../model/labels.js';
import { ChunkEncoder, MAX_NS_DELTA_SPAN_MS, NO_METADATA } from './chunk/chunk-format.js';
import { ByteLineEntry, lineEquals, sameMetadata, type LogEntry } from './entry.js';
import type { EntryColumns } from './entry-columns.js';
import { native, type NativeAddon } from '../util/native.js';
import { grown } from '../util/typed-arrays.js';

/** Default first sizes of a buffer's columns (doubled as it fills). */
const FIRST_ENTRIES = 16;
const FIRST_LINE_BYTES = 4096;
/** Columns are allocated at the first append: a stream that stays idle after a seal holds none. */
const NO_F64 = new Float64Array(0);
const NO_I32 = new Int32Array(0);
const NO_BYTES = Buffer.alloc(0);

/**
 * First sizes for a buffer expected to fill like a previous one (the next buffer of a
 * stream sealed for size): allocated once instead of doubled from 4 KiB to the chunk
 * size, which freed ~1 MiB of external memory per 256 KiB chunk and, through V8's
 * external-memory heuristic, triggered young-generation collections.
 */
export interface OpenBufferSizeHint {
  readonly entries: number;
  readonly lineBytes: number;
}
/** `appendColumns`' span pairs, reused (grown by doubling; one thread's). */
let spanPairs = new Int32Array(1024);

function spanScratch(n: number): Int32Array {
  if (spanPairs.length < n) {
    let size = spanPairs.length * 2;
    while (size < n) size *= 2;
    spanPairs = new Int32Array(size);
  }
  return spanPairs;
}

/**
 * Copies the byte ranges of `src` listed as [start, end) pairs in `spans` into `dst` back to
 * back from `at` (in one native call where the addon is built: a view object and a copy
 * per line otherwise).
 */
function copySpans(src: Uint8Array, spans: Int32Array, n: number, dst: Uint8Array, at: number, addon: NativeAddon | null): void {
  if (addon !== null) {
    addon.copySpans(src, spans, n, dst, at);
    return;
  }
  for (let q = 0; q < n; q++) {
    const s = spans[2 * q]!;
    const e = spans[2 * q + 1]!;
    dst.set(src.subarray(s, e), at);
    at += e - s;
  }
}

/** Entries of one time compared pairwise before the duplicate check switches to a set. */
const RUN_PAIRWISE_MAX = 16;

export class OpenBuffer {
  /** Entries held. */
  count = 0;
  /** Bytes of lines held (UTF-8). */
  lineBytes = 0;
  /** Whether the entries happen to be in time order (then sealing need not sort). */
  sorted = true;
  private tMs = NO_F64;
  private tNs = NO_I32;
  /** Entry i's line is `lines[ends[i - 1] ?? 0, ends[i])`. */
  private ends = NO_I32;
  private lines = NO_BYTES;
  /** Metadata by entry, only once some entry has any. */
  private meta: (readonly Label[])[] | undefined = undefined;
  private readonly firstEntries: number;
  private readonly firstLineBytes: number;

  constructor(hint?: OpenBufferSizeHint) {
    // A little over the previous buffer's size: the line that crosses the target differs.
    this.firstEntries = hint === undefined ? FIRST_ENTRIES : Math.max(FIRST_ENTRIES, hint.entries + (hint.entries >>> 4));
    this.firstLineBytes = hint === undefined ? FIRST_LINE_BYTES : Math.max(FIRST_LINE_BYTES, hint.lineBytes + (hint.lineBytes >>> 4));
  }

  /** The size hint for a next buffer expected to fill like this one. */
  sizeHint(): OpenBufferSizeHint {
    return { entries: this.count, lineBytes: this.lineBytes };
  }

  /** Appends an entry with a string line (stored as its UTF-8); returns the line's byte length. */
  append(tMs: number, tNs: number, line: string, metadata: readonly Label[]): number {
    const at = this.lineBytes;
    // A UTF-16 unit is at most 3 UTF-8 bytes.
    if (at + line.length * 3 > this.lines.length) this.growLines(at + line.length * 3);
    const n = this.lines.write(line, at, 'utf8');
    this.push(tMs, tNs, at + n, metadata);
    return n;
  }

  /**
   * Appends an entry whose line is `src[start, end)`, stored as those bytes (valid UTF-8
   * or not: readers decode with replacement); returns the line's byte length.
   */
  appendBytes(tMs: number, tNs: number, src: Uint8Array, start: number, end: number, metadata: readonly Label[]): number {
    const at = this.lineBytes;
    const n = end - start;
    if (at + n > this.lines.length) this.growLines(at + n);
    this.lines.set(src.subarray(start, end), at);
    this.push(tMs, tNs, at + n, metadata);
    return n;
  }

  /**
   * Appends entries `items[k, j)` of a request's columns (their lines' bytes as they are);
   * returns the bytes of lines added. The lines are copied in one call of the native addon
   * where it is built: a view object per line was a quarter of what the push path allocated.
   */
  appendColumns(cols: EntryColumns, items: ArrayLike<number>, k: number, j: number, addon: NativeAddon | null = native ?? null): number {
    const { start, end } = cols;
    const n = j - k;
    const spans = spanScratch(2 * n);
    let bytes = 0;
    for (let q = 0; q < n; q++) {
      const i = items[k + q]!;
      const s = start[i]!;
      const e = end[i]!;
      spans[2 * q] = s;
      spans[2 * q + 1] = e;
      bytes += e - s;
    }
    const at = this.lineBytes;
    if (at + bytes > this.lines.length) this.growLines(at + bytes);
    copySpans(cols.buf, spans, n, this.lines, at, addon);
    let lineEnd = at;
    for (let q = 0; q < n; q++) {
      const i = items[k + q]!;
      lineEnd += spans[2 * q + 1]! - spans[2 * q]!;
      this.push(cols.tMs[i]!, cols.tNs[i]!, lineEnd, cols.metadata(i));
    }
    return bytes;
  }

  /** Records entry `count`'s time, line end and metadata once its bytes are in `lines`. */
  private push(tMs: number, tNs: number, end: number, metadata: readonly Label[]): void {
    const i = this.count;
    if (i === this.tMs.length) this.growEntries();
    if (i > 0 && this.sorted) {
      const pm = this.tMs[i - 1]!;
      if (tMs < pm || (tMs === pm && tNs < this.tNs[i - 1]!)) this.sorted = false;
    }
    this.tMs[i] = tMs;
    this.tNs[i] = tNs;
    this.ends[i] = end;
    if (metadata.length > 0 && this.meta === undefined) this.meta = new Array<readonly Label[]>(i).fill(NO_METADATA);
    if (this.meta !== undefined) this.meta.push(metadata.length > 0 ? metadata : NO_METADATA);
    this.lineBytes = end;
    this.count = i + 1;
  }

  private growEntries(): void {
    const n = Math.max(this.tMs.length * 2, this.firstEntries);
    this.tMs = grown(new Float64Array(n), this.tMs);
    this.tNs = grown(new Int32Array(n), this.tNs);
    this.ends = grown(new Int32Array(n), this.ends);
  }

  private growLines(need: number): void {
    let size = Math.max(this.lines.length * 2, this.firstLineBytes);
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.lines.copy(next, 0, 0, this.lineBytes);
    this.lines = next;
  }

  private start(i: number): number {
    return i === 0 ? 0 : this.ends[i - 1]!;
  }

  /** Entry i's time in ms. */
  timeMs(i: number): number {
    return this.tMs[i]!;
  }

  /** Entry i's line length in bytes. */
  lineBytesOf(i: number): number {
    return this.ends[i]! - this.start(i);
  }

  /** Whether entry i's line is, as stored, the same bytes as `e`'s line. */
  lineEquals(i: number, e: LogEntry): boolean {
    return lineEquals(e, this.lines, this.start(i), this.ends[i]!);
  }

  /** A copy of entry i's line bytes. */
  lineCopy(i: number): Buffer {
    return Buffer.from(this.lines.subarray(this.start(i), this.ends[i]!));
  }

  /** Every entry, in arrival order. */
  entries(): LogEntry[] {
    return this.view().entries();
  }

  /** The entries held now, as a view that stays valid after later appends (OpenBufferView). */
  view(): OpenBufferView {
    return new OpenBufferView(this.count, this.tMs, this.tNs, this.ends, this.lines, this.meta);
  }

  /**
   * Every entry, in arrival order, with its line as the stored bytes (views of this
   * buffer: valid until the next append), for the WAL checkpoint, which must keep bytes
   * that are not valid UTF-8 as they are.
   */
  byteEntries(): ByteLineEntry[] {
    const out = new Array<ByteLineEntry>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = new ByteLineEntry(this.tMs[i]!, this.tNs[i]!, this.lines, this.start(i), this.ends[i]!, this.meta?.[i] ?? NO_METADATA);
    return out;
  }

  /** Oldest time (ms) held; Infinity when empty. */
  minTMs(): number {
    let t = Infinity;
    for (let i = 0; i < this.count; i++) if (this.tMs[i]! < t) t = this.tMs[i]!;
    return t;
  }

  /** A new buffer with the entries at or after `cutoffMs` (retention), in their order. */
  keepFrom(cutoffMs: number): OpenBuffer {
    const out = new OpenBuffer();
    for (let i = 0; i < this.count; i++) {
      if (this.tMs[i]! < cutoffMs) continue;
      // The bytes as they are: a line that is not valid UTF-8 must not change on the way.
      out.appendBytes(this.tMs[i]!, this.tNs[i]!, this.lines, this.start(i), this.ends[i]!, this.meta?.[i] ?? NO_METADATA);
    }
    return out;
  }

  /** Entry indices in time order (stable: equal times keep their arrival order). */
  private order(): Int32Array {
    const idx = new Int32Array(this.count);
    for (let i = 0; i < this.count; i++) idx[i] = i;
    if (this.sorted) return idx;
    const { tMs, tNs } = this;
    // Ties broken by index: a total order, so the sort is stable whatever the algorithm. In
    // place, and with small-integer results: a JS array and double differences allocated
    // more than the rest of the seal.
    return idx.sort((a, b) => (tMs[a] !== tMs[b] ? (tMs[a]! < tMs[b]! ? -1 : 1) : tNs[a]! - tNs[b]! || a - b));
  }

  /** Whether entries i and j (of equal time) are the same entry: line bytes and metadata. */
  private same(i: number, j: number): boolean {
    const si = this.start(i);
    const sj = this.start(j);
    const ni = this.ends[i]! - si;
    if (ni !== this.ends[j]! - sj) return false;
    if (this.lines.compare(this.lines, sj, sj + ni, si, si + ni) !== 0) return false;
    return this.meta === undefined || sameMetadata(this.meta[i]!, this.meta[j]!);
  }

  /** Line bytes and metadata of entry i as one string, each part length-prefixed. */
  private key(i: number): string {
    let k = this.lines.toString('latin1', this.start(i), this.ends[i]!);
    k = `${k.length}:${k}`;
    for (const l of this.meta?.[i] ?? NO_METADATA) k += `${l.name.length}:${l.name}${l.value.length}:${l.value}`;
    return k;
  }

  /**
   * The entries sorted by time (stable), each dropped that equals an earlier one of the
   * same time (line and metadata), encoded as one chunk (chunk-format.ts); undefined when
   * empty. Also the chunk's entry count and time bounds.
   */
  encode(addon: NativeAddon | null = native ?? null): { raw: Uint8Array; count: number; minTMs: number; maxTMs: number } | undefined {
    if (this.count === 0) return undefined;
    const idx = this.order();
    const first = idx[0]!;
    const last = idx[idx.length - 1]!;
    const enc = new ChunkEncoder({
      withMetadata: this.meta !== undefined,
      splitTime: this.tMs[last]! - this.tMs[first]! > MAX_NS_DELTA_SPAN_MS,
      lineBytesHint: this.lineBytes + 64,
      sharedOutput: true,
      linesLater: true,
    });
    // The entries kept, in chunk order; when that is every entry in arrival order, the lines
    // go into the chunk as the one run of bytes they already are.
    const kept = new Int32Array(idx.length);
    let nKept = 0;
    let runStart = 0;
    // Past RUN_PAIRWISE_MAX entries of one time (a client stamping whole seconds), a set of
    // keys keeps the duplicate check linear.
    let keys: Set<string> | undefined;
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k]!;
      if (k > 0 && (this.tMs[i] !== this.tMs[idx[k - 1]!] || this.tNs[i] !== this.tNs[idx[k - 1]!])) {
        runStart = k;
        keys = undefined;
      }
      if (keys === undefined && k - runStart > RUN_PAIRWISE_MAX) {
        keys = new Set();
        for (let r = runStart; r < k; r++) keys.add(this.key(idx[r]!));
      }
      let dup = false;
      if (keys !== undefined) {
        const key = this.key(i);
        dup = keys.has(key);
        keys.add(key);
      } else {
        for (let r = runStart; r < k && !dup; r++) dup = this.same(idx[r]!, i);
      }
      if (dup) continue;
      enc.addLineLater(this.tMs[i]!, this.tNs[i]!, this.ends[i]! - this.start(i), this.meta?.[i] ?? NO_METADATA);
      kept[nKept++] = i;
    }
    const count = enc.count;
    const lines = this.lines;
    const raw = enc.finish((out, at) => {
      if (this.sorted && nKept === this.count) {
        out.set(lines.subarray(0, this.lineBytes), at);
        return;
      }
      const spans = spanScratch(2 * nKept);
      for (let k = 0; k < nKept; k++) {
        const i = kept[k]!;
        spans[2 * k] = this.start(i);
        spans[2 * k + 1] = this.ends[i]!;
      }
      copySpans(lines, spans, nKept, out, at, addon);
    })!;
    return { raw, count, minTMs: this.tMs[first]!, maxTMs: this.tMs[last]! };
  }
}

/**
 * The entries an open buffer held when `view()` was called, made into entry objects only
 * when asked. Valid for good: appends write past the view's count, a buffer that grows
 * moves to new arrays, and a sealed buffer is replaced, never rewritten. A query takes the
 * view in the synchronous step of its select and makes the entries when its merge reaches
 * them: making them for every stream at the select (object and string per line) held the
 * event loop for ~1 s under a 60 MB/s push.
 */
export class OpenBufferView {
  constructor(
    readonly count: number,
    private readonly tMs: Float64Array,
    private readonly tNs: Int32Array,
    private readonly ends: Int32Array,
    private readonly lines: Buffer,
    private readonly meta: readonly (readonly Label[])[] | undefined,
  ) {}

  /** The oldest and newest times (ms) in [fromMs, toMs], or undefined when none is. */
  timeRange(fromMs: number, toMs: number): { minTMs: number; maxTMs: number } | undefined {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < this.count; i++) {
      const t = this.tMs[i]!;
      if (t < fromMs || t > toMs) continue;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    return lo === Infinity ? undefined : { minTMs: lo, maxTMs: hi };
  }

  /** Every entry, in arrival order. */
  entries(): LogEntry[] {
    const { tMs, tNs, ends, lines, meta } = this;
    const out = new Array<LogEntry>(this.count);
    for (let i = 0; i < this.count; i++) {
      const start = i === 0 ? 0 : ends[i - 1]!;
      out[i] = { tMs: tMs[i]!, tNs: tNs[i]!, line: lines.toString('utf8', start, ends[i]!), metadata: meta?.[i] ?? NO_METADATA };
    }
    return out;
  }
}
