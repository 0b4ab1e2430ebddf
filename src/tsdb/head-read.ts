/**
 * Reading the head through the Querier seam. Selection starts from the smallest postings
 * list among the equality matchers (or all series), then checks every matcher on each
 * candidate's labels; results are sorted by labels, as Prometheus's SeriesSet is.
 * Iterators snapshot a series' chunks when created, so appends that arrive while a query
 * yields are not seen half-way. `selectChunks` hands out the same as chunk lists, for the
 * querier that merges the head with blocks (querier.ts). The sorted series a list of
 * matchers selects are kept in the head's selection cache until the series set changes.
 */
import { compareLabels, labelValue, type Labels } from '../model/labels.js';
import { matchesAll, type Matcher } from '../model/matcher.js';
import type { Head } from './head.js';
import type { MemSeries } from './head-series.js';
import { ClosedChunkSlabs } from './chunkenc/byte-slabs.js';
import { SelectionCache } from './selection-cache.js';
import { ChunkSeries, ListSeriesSet, type ChunkedSeries } from './chunk-series.js';
import type { ClosedChunk } from './chunkenc/xor-open.js';
import type { ChunkVisitor, InPlaceSelection, Querier, SelectHints, Series, SeriesSet } from './interface.js';

/** The chunks of a labels-only selection. */
const NO_CHUNKS: readonly ClosedChunk[] = Object.freeze([]);

export class HeadQuerier implements Querier {
  constructor(
    private readonly head: Head,
    private readonly mint: number,
    private readonly maxt: number,
  ) {}

  /** Candidate series for the matchers, unsorted. */
  private candidates(matchers: readonly Matcher[]): MemSeries[] {
    let smallest: number[] | undefined;
    for (const m of matchers) {
      if (m.type !== '=' || m.value === '') continue;
      const refs = this.head.postings.get(m.name)?.get(m.value) ?? [];
      if (smallest === undefined || refs.length < smallest.length) smallest = refs;
    }
    const out: MemSeries[] = [];
    if (smallest !== undefined) {
      for (const ref of smallest) {
        const s = this.head.series.get(ref);
        if (s !== undefined && matchesAll(s.labels, matchers)) out.push(s);
      }
    } else {
      for (const s of this.head.series.values()) if (matchesAll(s.labels, matchers)) out.push(s);
    }
    return out;
  }

  select(matchers: readonly Matcher[], hints?: SelectHints): SeriesSet {
    const mint = Math.max(this.mint, hints?.mint ?? -Infinity);
    const maxt = Math.min(this.maxt, hints?.maxt ?? Infinity);
    const list: Series[] = this.selectChunks(matchers, mint, maxt, hints?.func === 'series').map((s) => new ChunkSeries(s.labels, s.chunks, mint, maxt));
    return new ListSeriesSet(list);
  }

  /**
   * The matching series with a sample in [mint, maxt] (within the querier's bounds), sorted
   * by labels, each with a snapshot of its chunks that overlap [mint, maxt] (the reader
   * clips samples); with `labelsOnly`, the same series without chunks (nothing copied).
   */
  selectChunks(matchers: readonly Matcher[], mint: number, maxt: number, labelsOnly = false): ChunkedSeries[] {
    mint = Math.max(this.mint, mint);
    maxt = Math.min(this.maxt, maxt);
    const list: ChunkedSeries[] = [];
    if (labelsOnly) {
      for (const s of this.sortedCandidates(matchers)) if (s.hasChunkIn(mint, maxt)) list.push({ labels: s.labels, chunks: NO_CHUNKS });
      return list;
    }
    // The open chunks' snapshots share slabs that live as long as this selection's result.
    const slabs = new ClosedChunkSlabs(4096);
    for (const s of this.sortedCandidates(matchers)) {
      const chunks = s.chunks(slabs, mint, maxt);
      if (chunks.length === 0) continue;
      list.push({ labels: s.labels, chunks });
    }
    return list;
  }

  selectInPlace(matchers: readonly Matcher[], hints?: SelectHints): InPlaceSelection | undefined {
    if (hints?.func === 'series') return undefined;
    const mint = Math.max(this.mint, hints?.mint ?? -Infinity);
    const maxt = Math.min(this.maxt, hints?.maxt ?? Infinity);
    return this.inPlace(matchers, mint, maxt, mint, maxt);
  }

  /**
   * The matching series with a chunk in [from, to] (the head's part of a querier's range),
   * sorted by labels, read in place within [from, to]; `mint`/`maxt` are the series' read
   * bounds (as `select` gives them). No chunk is copied: see `InPlaceSelection`.
   */
  inPlace(matchers: readonly Matcher[], from: number, to: number, mint: number, maxt: number): InPlaceSelection {
    return new HeadInPlace(this.sortedCandidates(matchers), from, to, mint, maxt);
  }

  /** `candidates` sorted by labels, from the head's selection cache when it has them. */
  private sortedCandidates(matchers: readonly Matcher[]): readonly MemSeries[] {
    const cache = this.head.selections;
    const key = SelectionCache.key(matchers);
    let sorted = cache.get(key);
    if (sorted === undefined) {
      const found = this.candidates(matchers);
      found.sort((a, b) => compareLabels(a.labels, b.labels));
      cache.set(key, found);
      sorted = found;
    }
    return sorted;
  }

  labelNames(matchers: readonly Matcher[] = []): readonly string[] {
    if (matchers.length === 0) return this.head.labelNames();
    const names = new Set<string>();
    for (const s of this.candidates(matchers)) for (const l of s.labels) names.add(l.name);
    return [...names].sort();
  }

  labelValues(name: string, matchers: readonly Matcher[] = []): readonly string[] {
    if (matchers.length === 0) return this.head.labelValues(name);
    const values = new Set<string>();
    for (const s of this.candidates(matchers)) {
      const v = labelValue(s.labels, name);
      if (v !== '') values.add(v);
    }
    return [...values].sort();
  }

  close(): void {}
}

const value = new Float64Array(1);
const valueWords = new Int32Array(value.buffer);

/**
 * Head series read in place (`HeadQuerier.inPlace`), as they were when selected: each
 * series is read up to the newest sample it had then (`newestOf`). Appends only ever add newer samples
 * (older ones are refused), so a read after the event loop turned sees no sample a read
 * at the selection would not have (in-place-series.ts reads this way).
 */
class HeadInPlace implements InPlaceSelection {
  readonly labels: readonly Labels[];
  private readonly newest: Float64Array;
  /** The newest samples' values as MemSeries keeps them: its `lastLo`, `lastHi` pairs. */
  private readonly newestHalves: Int32Array;

  /** The selected series: those of `candidates` with a chunk in [from, to]. */
  private readonly list: readonly MemSeries[];

  /**
   * Keeps the `candidates` (sorted) with a chunk in [from, to], noting what each has now.
   * One pass: each series' fields are read while its object is in the cache (over 100k
   * series scattered in the heap, each visit of a series costs a few cache misses).
   */
  constructor(
    candidates: readonly MemSeries[],
    private readonly from: number,
    private readonly to: number,
    readonly mint: number,
    readonly maxt: number,
  ) {
    const list: MemSeries[] = [];
    const labels: Labels[] = [];
    const newest = new Float64Array(candidates.length);
    const halves = new Int32Array(2 * candidates.length);
    let n = 0;
    for (let i = 0; i < candidates.length; i++) {
      const s = candidates[i]!;
      if (!s.hasChunkIn(from, to)) continue;
      list.push(s);
      labels.push(s.labels);
      newest[n] = s.lastT;
      halves[2 * n] = s.lastLo;
      halves[2 * n + 1] = s.lastHi;
      n++;
    }
    this.list = list;
    this.labels = labels;
    this.newest = n === candidates.length ? newest : newest.slice(0, n);
    this.newestHalves = n === candidates.length ? halves : halves.slice(0, 2 * n);
  }

  forEachChunk(i: number, mint: number, maxt: number, fn: ChunkVisitor): void {
    this.list[i]!.forEachChunkIn(Math.max(mint, this.from), Math.min(maxt, this.to, this.newest[i]!), fn);
  }

  newestOf(i: number): number {
    return this.newest[i]!;
  }

  newestValueOf(i: number, mint: number, maxt: number): number | undefined {
    const t = this.newest[i]!;
    if (t < Math.max(mint, this.from, this.mint) || t > Math.min(maxt, this.to, this.maxt)) return undefined;
    // The halves as MemSeries keeps them (the words of a Float64Array element, in memory order).
    valueWords[0] = this.newestHalves[2 * i]!;
    valueWords[1] = this.newestHalves[2 * i + 1]!;
    return value[0]!;
  }
}
