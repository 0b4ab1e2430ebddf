/**
 * Series as lists of XOR chunks, the shape both the head and blocks hand out, and how a
 * series found in several places (blocks and the head) becomes one: its chunk lists are
 * joined in time order; where chunks overlap (a late sample, a WAL replayed over a block
 * after a crash) they are decoded, merged with each timestamp kept once, and re-encoded,
 * so a reader sees every sample exactly once.
 */
import type { Labels } from '../model/labels.js';
import { isStaleNaN } from '../model/stale.js';
import { chunkIterator, type ChunkSampleIterator } from './chunkenc/chunk-iterator.js';
import { XorChunk, XorIterator } from './chunkenc/xor.js';
import { lastValue, type ClosedChunk } from './chunkenc/xor-open.js';
import type { SampleColumns, SampleIterator, Series, SeriesSet } from './interface.js';
import { assert } from '../util/errors.js';

/** A series with its chunks, sorted by mint and not overlapping. */
export interface ChunkedSeries {
  readonly labels: Labels;
  readonly chunks: readonly ClosedChunk[];
}

/** Iterates a list of chunks in order, clipped to [mint, maxt]. */
export class ChunksIterator implements SampleIterator {
  private i = 0;
  private cur: ChunkSampleIterator | undefined;
  t = 0;
  v = 0;
  private finished = false;
  private started = false;

  constructor(
    private readonly chunks: readonly ClosedChunk[],
    private readonly mint: number,
    private readonly maxt: number,
  ) {}

  private nextChunk(): boolean {
    while (this.i < this.chunks.length) {
      const c = this.chunks[this.i++]!;
      if (c.maxt < this.mint) continue;
      if (c.mint > this.maxt) break;
      this.cur = chunkIterator(c);
      return true;
    }
    this.finished = true;
    this.cur = undefined;
    return false;
  }

  next(): boolean {
    if (this.finished) return false;
    for (;;) {
      if (this.cur === undefined && !this.nextChunk()) return false;
      const it = this.cur!;
      while (it.next()) {
        if (it.t < this.mint) continue;
        if (it.t > this.maxt) {
          this.finished = true;
          return false;
        }
        this.t = it.t;
        this.v = it.v;
        this.started = true;
        return true;
      }
      this.cur = undefined;
    }
  }

  seek(t: number): boolean {
    if (this.finished) return false;
    if (this.started && this.t >= t) return true;
    // Leave the current chunk if it ends before t, then skip whole chunks that do.
    if (this.cur !== undefined && this.chunks[this.i - 1]!.maxt < t) this.cur = undefined;
    if (this.cur === undefined) while (this.i < this.chunks.length && this.chunks[this.i]!.maxt < t) this.i++;
    while (this.next()) if (this.t >= t) return true;
    return false;
  }

  /**
   * The newest sample at or before `t`: only the chunk holding it is looked at, and a
   * chunk wholly at or before `t` that records its last value is not decoded at all (an
   * instant query "now" over the head decodes nothing).
   */
  lastAtOrBefore(t: number): boolean {
    this.finished = true;
    this.cur = undefined;
    const maxt = Math.min(t, this.maxt);
    const chunks = this.chunks;
    let i = chunks.length - 1;
    while (i >= 0 && chunks[i]!.mint > maxt) i--;
    if (i < 0) return false;
    const c = chunks[i]!;
    // Chunks do not overlap, so nothing newer than c's samples can be at or before maxt.
    if (c.maxt < this.mint) return false;
    if (c.maxt <= maxt) {
      const v = lastValue(c);
      if (v !== undefined) {
        this.t = c.maxt;
        this.v = v;
        return true;
      }
    }
    const it = chunkIterator(c);
    let found = false;
    while (it.next() && it.t <= maxt) {
      if (it.t < this.mint) continue;
      this.t = it.t;
      this.v = it.v;
      found = true;
    }
    return found;
  }

  /**
   * SampleIterator.readInto (fresh iterator): the samples in [mint, maxt] within the
   * iterator's bounds, chunk by chunk; chunks ending before `mint` are not decoded, XOR
   * chunks go through their bulk reader.
   */
  readInto(mint: number, maxt: number, out: SampleColumns, skipStale: boolean): void {
    assert(!this.started && !this.finished, 'readInto on an iterator already read');
    this.finished = true;
    const lo = Math.max(mint, this.mint);
    const hi = Math.min(maxt, this.maxt);
    while (this.i < this.chunks.length) {
      const c = this.chunks[this.i++]!;
      if (c.maxt < lo) continue;
      if (c.mint > hi) return;
      if (!readChunkInto(c, lo, hi, out, skipStale)) return;
    }
  }

  err(): Error | undefined {
    return undefined;
  }
}

function appendSample(out: SampleColumns, t: number, v: number, skipStale: boolean): void {
  if (skipStale && isStaleNaN(v)) return;
  if (out.hi === out.t.length) out.reserve(1);
  out.t[out.hi] = t;
  out.v[out.hi] = v;
  out.hi++;
}

/**
 * Appends a chunk's samples in [mint, maxt] to `out` (stale markers left out when
 * `skipStale`), through the XOR bulk reader where there is one. False once a sample after
 * `maxt` was read (the chunks after it have nothing for the reader either).
 */
export function readChunkInto(c: ClosedChunk, mint: number, maxt: number, out: SampleColumns, skipStale: boolean): boolean {
  const it = chunkIterator(c);
  return it instanceof XorIterator ? it.readInto(mint, maxt, out, skipStale) : readEach(it, mint, maxt, out, skipStale);
}

/** `readInto` for a chunk without a bulk reader: its samples one by one. False once past `maxt`. */
function readEach(it: ChunkSampleIterator, mint: number, maxt: number, out: SampleColumns, skipStale: boolean): boolean {
  while (it.next()) {
    if (it.t > maxt) return false;
    if (it.t >= mint) appendSample(out, it.t, it.v, skipStale);
  }
  return true;
}

/** A `Series` over chunks, read within [mint, maxt]. */
export class ChunkSeries implements Series {
  constructor(
    readonly labels: Labels,
    /** Its chunks, read within [mint, maxt] (the query workers take them as they are). */
    readonly chunks: readonly ClosedChunk[],
    readonly mint: number,
    readonly maxt: number,
  ) {}

  iterator(): SampleIterator {
    return new ChunksIterator(this.chunks, this.mint, this.maxt);
  }
}

/** A SeriesSet over a list already sorted by labels. */
export class ListSeriesSet implements SeriesSet {
  private i = -1;
  constructor(private readonly list: readonly Series[]) {}
  next(): boolean {
    return ++this.i < this.list.length;
  }
  at(): Series {
    return this.list[this.i]!;
  }
  err(): Error | undefined {
    return undefined;
  }
}

/**
 * One time-ordered, non-overlapping chunk list from several (each already ordered).
 * Lists that do not overlap are joined as they are, bytes untouched; only the runs of
 * overlapping chunks are rebuilt.
 */
export function mergeChunkLists(lists: readonly (readonly ClosedChunk[])[]): ClosedChunk[] {
  const all: ClosedChunk[] = [];
  for (const l of lists) for (const c of l) all.push(c);
  all.sort((a, b) => a.mint - b.mint);
  const out: ClosedChunk[] = [];
  let i = 0;
  while (i < all.length) {
    let j = i + 1;
    let maxt = all[i]!.maxt;
    while (j < all.length && all[j]!.mint <= maxt) maxt = Math.max(maxt, all[j++]!.maxt);
    if (j === i + 1) out.push(all[i]!);
    else for (const c of mergeOverlapping(all.slice(i, j))) out.push(c);
    i = j;
  }
  return out;
}

/**
 * Samples per rebuilt chunk: Prometheus's target, so rebuilt chunks read like any other.
 */
const MERGED_SAMPLES_PER_CHUNK = 120;

/** Decodes overlapping chunks, keeps each timestamp once (the first chunk's), re-encodes. */
function mergeOverlapping(chunks: readonly ClosedChunk[]): ClosedChunk[] {
  const ts: number[] = [];
  const vs: number[] = [];
  const its = chunks.map((c) => chunkIterator(c));
  const live = its.map((it) => it.next());
  for (;;) {
    let best = -1;
    for (let k = 0; k < its.length; k++) if (live[k] && (best < 0 || its[k]!.t < its[best]!.t)) best = k;
    if (best < 0) break;
    const t = its[best]!.t;
    ts.push(t);
    vs.push(its[best]!.v);
    for (let k = 0; k < its.length; k++) while (live[k] && its[k]!.t === t) live[k] = its[k]!.next();
  }
  const out: ClosedChunk[] = [];
  for (let i = 0; i < ts.length; i += MERGED_SAMPLES_PER_CHUNK) {
    const c = new XorChunk();
    const end = Math.min(ts.length, i + MERGED_SAMPLES_PER_CHUNK);
    for (let k = i; k < end; k++) c.append(ts[k]!, vs[k]!);
    out.push({ bytes: c.bytes().slice(), mint: ts[i]!, maxt: ts[end - 1]!, numSamples: end - i });
  }
  return out;
}
