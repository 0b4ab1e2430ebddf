/**
 * Series' chunks packed into a few flat arrays, to hand a share of a selection to a query
 * worker: one message, every array transferred rather than cloned, and on the other side
 * the same `ChunksIterator` the main thread would have used. Only the chunks that may hold
 * samples in the span the query reads are packed. Dense chunks' timestamp arrays, shared
 * by many series' chunks, are packed once each.
 */
import { ChunksIterator, type ChunkSeries } from '../../tsdb/chunk-series.js';
import type { ClosedChunk } from '../../tsdb/chunkenc/xor-open.js';
import type { ChunkVisitor, InPlaceSelection } from '../../tsdb/interface.js';

export interface PackedSeries {
  readonly count: number;
  /** Each series' read bounds (`ChunkSeries.mint`/`maxt`). */
  readonly mint: Float64Array;
  readonly maxt: Float64Array;
  /** Series i's chunks are chunks chunkStart[i] .. chunkStart[i + 1] - 1. */
  readonly chunkStart: Int32Array;
  readonly chunkMint: Float64Array;
  readonly chunkMaxt: Float64Array;
  readonly chunkSamples: Int32Array;
  /** Chunk c's bytes are bytes[byteStart[c], byteStart[c + 1]). */
  readonly byteStart: Int32Array;
  readonly bytes: Uint8Array;
  /** A dense chunk's timestamps: times[timesStart[k], timesStart[k + 1]) for k = timesOf[c]; -1 for XOR. */
  readonly timesOf: Int32Array;
  readonly timesStart: Int32Array;
  readonly times: Float64Array;
}

/** Whether chunk `c` may hold samples in [mint, maxt]. */
function overlaps(c: ClosedChunk, mint: number, maxt: number): boolean {
  return c.maxt >= mint && c.mint <= maxt;
}

/** Series `list[from..to)`, with the chunks that may hold samples in [mint, maxt]. */
export function packSeries(list: readonly ChunkSeries[], from: number, to: number, mint: number, maxt: number): PackedSeries {
  return pack(
    to - from,
    (j) => list[from + j]!.mint,
    (j) => list[from + j]!.maxt,
    (j, fn) => {
      const s = list[from + j]!;
      const lo = Math.max(mint, s.mint);
      const hi = Math.min(maxt, s.maxt);
      for (const c of s.chunks) if (overlaps(c, lo, hi)) fn(c.bytes, c.mint, c.maxt, c.numSamples, c.times, undefined);
    },
  );
}

/**
 * Series `[from, to)` of a selection read in place, with their chunks that may hold
 * samples in [mint, maxt]: the same as `packSeries` over `select`'s series, copying each
 * chunk once, straight from where it lies. Call it before the event loop turns.
 */
export function packInPlace(sel: InPlaceSelection, from: number, to: number, mint: number, maxt: number): PackedSeries {
  const lo = Math.max(mint, sel.mint);
  const hi = Math.min(maxt, sel.maxt);
  return pack(
    to - from,
    () => sel.mint,
    () => sel.maxt,
    (j, fn) => sel.forEachChunk(from + j, lo, hi, fn),
  );
}

/**
 * This thread's scratch columns for `pack`, grown as needed and kept: a share is gathered
 * here in one visit of its series, then copied into the message's buffer section by
 * section. Visiting every series twice (once to size the buffer, once to fill it) cost
 * more than the copies: each visit of a head series touches its scattered objects, and on
 * the 100k bench's `count({__name__=~".+"})` range the main thread, packing, was what the
 * workers waited for (bench/RESULTS.md).
 */
class PackScratch {
  mint = new Float64Array(1024);
  maxt = new Float64Array(1024);
  chunkStart = new Int32Array(1025);
  chunkMint = new Float64Array(1024);
  chunkMaxt = new Float64Array(1024);
  chunkSamples = new Int32Array(1024);
  byteStart = new Int32Array(1025);
  timesOf = new Int32Array(1024);
  bytes = new Uint8Array(64 * 1024);

  /** Room for `count` series. */
  series(count: number): void {
    if (this.mint.length >= count) return;
    const n = grown(this.mint.length, count);
    this.mint = new Float64Array(n);
    this.maxt = new Float64Array(n);
    this.chunkStart = new Int32Array(n + 1);
  }

  /** Room for chunk `c` (the chunks before it kept). */
  chunk(c: number): void {
    if (c < this.chunkMint.length) return;
    const n = grown(this.chunkMint.length, c + 1);
    this.chunkMint = copied(new Float64Array(n), this.chunkMint, c);
    this.chunkMaxt = copied(new Float64Array(n), this.chunkMaxt, c);
    this.chunkSamples = copied(new Int32Array(n), this.chunkSamples, c);
    this.byteStart = copied(new Int32Array(n + 1), this.byteStart, c);
    this.timesOf = copied(new Int32Array(n), this.timesOf, c);
  }

  /** Room for `n` bytes after the first `used`. */
  reserveBytes(used: number, n: number): void {
    if (used + n <= this.bytes.length) return;
    this.bytes = copied(new Uint8Array(grown(this.bytes.length, used + n)), this.bytes, used);
  }

  /** Lets go of columns grown past what most shares need, once a big share is packed. */
  trim(): void {
    if (this.bytes.length > SCRATCH_KEEP_BYTES) this.bytes = new Uint8Array(64 * 1024);
    if (this.chunkMint.length > SCRATCH_KEEP_CHUNKS) {
      this.chunkMint = new Float64Array(1024);
      this.chunkMaxt = new Float64Array(1024);
      this.chunkSamples = new Int32Array(1024);
      this.byteStart = new Int32Array(1025);
      this.timesOf = new Int32Array(1024);
    }
  }
}

/** Scratch bigger than this is not kept after the pack that grew it. */
const SCRATCH_KEEP_BYTES = 16 * 1024 * 1024;
const SCRATCH_KEEP_CHUNKS = 256 * 1024;

function grown(have: number, need: number): number {
  let n = Math.max(have, 1024);
  while (n < need) n *= 2;
  return n;
}

/** `to` with the first `n` elements of `from` copied in. */
function copied<T extends { set(from: ArrayLike<number>): void }>(to: T, from: { subarray(begin: number, end: number): ArrayLike<number> }, n: number): T {
  to.set(from.subarray(0, n));
  return to;
}

const scratch = new PackScratch();

/**
 * Packs `count` series: series j's read bounds and its chunks as `visit` gives them (a
 * chunk's bytes need only last the call), in one visit of each series.
 */
function pack(count: number, mintOf: (j: number) => number, maxtOf: (j: number) => number, visit: (j: number, fn: ChunkVisitor) => void): PackedSeries {
  const sc = scratch;
  sc.series(count);
  const timesIds = new Map<Float64Array, number>();
  let times = 0;
  let c = 0;
  let b = 0;
  const gather: ChunkVisitor = (src, cmint, cmaxt, n, t) => {
    sc.chunk(c);
    sc.reserveBytes(b, src.length);
    sc.chunkMint[c] = cmint;
    sc.chunkMaxt[c] = cmaxt;
    sc.chunkSamples[c] = n;
    sc.byteStart[c] = b;
    sc.bytes.set(src, b);
    b += src.length;
    let k = -1;
    if (t !== undefined) {
      k = timesIds.get(t) ?? -1;
      if (k < 0) {
        timesIds.set(t, (k = timesIds.size));
        times += t.length;
      }
    }
    sc.timesOf[c] = k;
    c++;
  };
  for (let j = 0; j < count; j++) {
    sc.mint[j] = mintOf(j);
    sc.maxt[j] = maxtOf(j);
    sc.chunkStart[j] = c;
    visit(j, gather);
  }
  sc.chunkStart[count] = c;
  sc.chunk(c);
  sc.byteStart[c] = b;
  const chunks = c;
  const bytes = b;
  // Every array is a view of one buffer: one transfer per message instead of eleven.
  const layout = new BufferLayout();
  const mint64 = layout.f64(count);
  const maxt64 = layout.f64(count);
  const chunkMint = layout.f64(chunks);
  const chunkMaxt = layout.f64(chunks);
  const timesAt = layout.f64(times);
  const chunkStart = layout.i32(count + 1);
  const chunkSamples = layout.i32(chunks);
  const byteStart = layout.i32(chunks + 1);
  const timesOf = layout.i32(chunks);
  const timesStart = layout.i32(timesIds.size + 1);
  const bytesAt = layout.u8(bytes);
  const buffer = new ArrayBuffer(layout.size);
  const p: PackedSeries = {
    count,
    mint: copied(new Float64Array(buffer, mint64, count), sc.mint, count),
    maxt: copied(new Float64Array(buffer, maxt64, count), sc.maxt, count),
    chunkStart: copied(new Int32Array(buffer, chunkStart, count + 1), sc.chunkStart, count + 1),
    chunkMint: copied(new Float64Array(buffer, chunkMint, chunks), sc.chunkMint, chunks),
    chunkMaxt: copied(new Float64Array(buffer, chunkMaxt, chunks), sc.chunkMaxt, chunks),
    chunkSamples: copied(new Int32Array(buffer, chunkSamples, chunks), sc.chunkSamples, chunks),
    byteStart: copied(new Int32Array(buffer, byteStart, chunks + 1), sc.byteStart, chunks + 1),
    bytes: copied(new Uint8Array(buffer, bytesAt, bytes), sc.bytes, bytes),
    timesOf: copied(new Int32Array(buffer, timesOf, chunks), sc.timesOf, chunks),
    timesStart: new Int32Array(buffer, timesStart, timesIds.size + 1),
    times: new Float64Array(buffer, timesAt, times),
  };
  let at = 0;
  for (const [t, k] of timesIds) {
    p.timesStart[k] = at;
    p.times.set(t, at);
    at += t.length;
  }
  p.timesStart[timesIds.size] = at;
  sc.trim();
  return p;
}

/**
 * About the samples in [mint, maxt] of the chunks `packSeries` would pack, without packing:
 * each chunk's count times the share of its time span inside. It decides whether a
 * selection is worth the workers. A whole-chunk count overstated an instant query's short
 * window (20 samples of `rate(x[5m])` in a 120-sample head chunk), whose packing then cost
 * the main thread more than evaluating it (bench/RESULTS.md, "instant aggregations on the
 * main thread"). With `stride` k, every k-th series is counted and the sum scaled to all:
 * a decision over 100k series need not visit them all.
 */
export function samplesToRead(list: readonly ChunkSeries[], mint: number, maxt: number, stride = 1): number {
  let n = 0;
  let seen = 0;
  for (let i = 0; i < list.length; i += stride) {
    const s = list[i]!;
    const lo = Math.max(mint, s.mint);
    const hi = Math.min(maxt, s.maxt);
    for (const c of s.chunks) if (overlaps(c, lo, hi)) n += samplesInside(c.numSamples, c.mint, c.maxt, lo, hi);
    seen++;
  }
  return seen === 0 ? 0 : (n * list.length) / seen;
}

/** `samplesToRead` for a selection read in place. */
export function samplesInPlace(sel: InPlaceSelection, mint: number, maxt: number, stride = 1): number {
  const lo = Math.max(mint, sel.mint);
  const hi = Math.min(maxt, sel.maxt);
  let n = 0;
  let seen = 0;
  const add: ChunkVisitor = (_bytes, cmint, cmaxt, samples) => {
    n += samplesInside(samples, cmint, cmaxt, lo, hi);
  };
  for (let i = 0; i < sel.labels.length; i += stride) {
    sel.forEachChunk(i, lo, hi, add);
    seen++;
  }
  return seen === 0 ? 0 : (n * sel.labels.length) / seen;
}

/** A chunk's samples spread evenly over [cmint, cmaxt]: about how many fall in [lo, hi]. */
function samplesInside(samples: number, cmint: number, cmaxt: number, lo: number, hi: number): number {
  const inside = Math.min(hi, cmaxt) - Math.max(lo, cmint) + 1;
  return inside <= 0 ? 0 : (samples * inside) / (cmaxt - cmint + 1);
}

/** The buffer the packed arrays are views of, to transfer with the message. */
export function packedBuffer(p: PackedSeries): ArrayBuffer {
  return p.mint.buffer as ArrayBuffer;
}

/** Byte offsets of typed arrays laid out one after another in one buffer, each aligned. */
class BufferLayout {
  size = 0;
  private at(bytes: number, align: number): number {
    const offset = Math.ceil(this.size / align) * align;
    this.size = offset + bytes;
    return offset;
  }
  f64(n: number): number {
    return this.at(n * 8, 8);
  }
  i32(n: number): number {
    return this.at(n * 4, 4);
  }
  u8(n: number): number {
    return this.at(n, 1);
  }
}

/** Reads packed series back: each one's chunks as `ClosedChunk`s over the packed arrays. */
export class PackedReader {
  /** A dense chunk's timestamp arrays, one view per packed array (shared, as in the store). */
  private readonly timesViews: Float64Array[] = [];

  constructor(private readonly p: PackedSeries) {
    for (let k = 0; k + 1 < p.timesStart.length; k++) this.timesViews.push(p.times.subarray(p.timesStart[k]!, p.timesStart[k + 1]!));
  }

  /** Series i's chunks. */
  chunks(i: number): ClosedChunk[] {
    const p = this.p;
    const out: ClosedChunk[] = [];
    for (let c = p.chunkStart[i]!; c < p.chunkStart[i + 1]!; c++) {
      const k = p.timesOf[c]!;
      const bytes = p.bytes.subarray(p.byteStart[c]!, p.byteStart[c + 1]!);
      const chunk: ClosedChunk = k < 0 ? { bytes, mint: p.chunkMint[c]!, maxt: p.chunkMaxt[c]!, numSamples: p.chunkSamples[c]! } : { bytes, mint: p.chunkMint[c]!, maxt: p.chunkMaxt[c]!, numSamples: p.chunkSamples[c]!, times: this.timesViews[k]! };
      out.push(chunk);
    }
    return out;
  }

  /** A fresh iterator over series i, as `ChunkSeries.iterator()` gives on the main thread. */
  iterator(i: number): ChunksIterator {
    return new ChunksIterator(this.chunks(i), this.p.mint[i]!, this.p.maxt[i]!);
  }
}
