/**
 * The Querier over one tenant's head and blocks. Created with the blocks acquired and the
 * head's read floor taken at that moment (`TenantReadView`), it answers from exactly that
 * state however long the query runs: blocks swapped in later are not seen, blocks swapped
 * out stay open until `close()`, and the head is read only from the floor it had (the
 * head keeps older chunks in memory until such readers are gone: tsdb.ts). A series found
 * in several places becomes one series whose chunks are merged in time order, each sample
 * once (chunk-series.ts).
 */
import { compareLabels, type Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import type { OpenBlock } from './block-set.js';
import { ChunkSeries, ListSeriesSet, mergeChunkLists, type ChunkedSeries } from './chunk-series.js';
import type { ClosedChunk } from './chunkenc/xor-open.js';
import type { HeadQuerier } from './head-read.js';
import type { InPlaceSelection, Querier, SelectHints, SeriesSet } from './interface.js';
import { unionSorted } from '../util/sorted-strings.js';

/** The state a querier reads, fixed at its creation. */
export interface TenantReadView {
  readonly head: HeadQuerier;
  /** Head samples below this are in blocks: the head is read from here on. */
  readonly headFrom: number;
  /** Acquired blocks overlapping the querier's range; released on close. */
  readonly blocks: readonly OpenBlock[];
  /** Called once, on close (after the blocks are released). */
  readonly onClose: () => void;
}

export class TenantQuerier implements Querier {
  private closed = false;

  constructor(
    private readonly view: TenantReadView,
    private readonly mint: number,
    private readonly maxt: number,
  ) {}

  select(matchers: readonly Matcher[], hints?: SelectHints): SeriesSet {
    const mint = Math.max(this.mint, hints?.mint ?? -Infinity);
    const maxt = Math.min(this.maxt, hints?.maxt ?? Infinity);
    const merged = this.selectChunks(matchers, mint, maxt, hints?.func === 'series');
    return new ListSeriesSet(merged.map((s) => new ChunkSeries(s.labels, s.chunks, mint, maxt)));
  }

  /**
   * In place when the head alone holds [mint, maxt] of this querier's view (a block's
   * chunks would need merging with the head's, which `select` does).
   */
  selectInPlace(matchers: readonly Matcher[], hints?: SelectHints): InPlaceSelection | undefined {
    if (hints?.func === 'series') return undefined;
    const mint = Math.max(this.mint, hints?.mint ?? -Infinity);
    const maxt = Math.min(this.maxt, hints?.maxt ?? Infinity);
    if (this.view.blocks.some((b) => b.overlaps(mint, maxt))) return undefined;
    const headMint = Math.max(mint, this.view.headFrom);
    if (headMint > maxt) return undefined;
    return this.view.head.inPlace(matchers, headMint, maxt, mint, maxt);
  }

  /**
   * Matching series over head and blocks, sorted by labels, chunks merged; with
   * `labelsOnly` the head's series come without chunks (the series API reads labels only).
   */
  selectChunks(matchers: readonly Matcher[], mint: number, maxt: number, labelsOnly = false): ChunkedSeries[] {
    const sources: ChunkedSeries[][] = [];
    for (const b of this.view.blocks) if (b.overlaps(mint, maxt)) sources.push(b.reader.select(matchers, mint, maxt));
    const headMint = Math.max(mint, this.view.headFrom);
    if (headMint <= maxt) {
      const head = this.view.head.selectChunks(matchers, headMint, maxt, labelsOnly);
      sources.push(labelsOnly ? head : head.map((s) => clip(s, headMint, maxt)));
    }
    const nonEmpty = sources.filter((l) => l.length > 0);
    if (nonEmpty.length === 0) return [];
    if (nonEmpty.length === 1) return nonEmpty[0]!;
    return mergeSorted(nonEmpty);
  }

  // Each source's list is sorted already: merged, not sorted again (the head's comes from its cache).
  labelNames(matchers?: readonly Matcher[]): readonly string[] {
    return unionSorted([this.view.head.labelNames(matchers), ...this.view.blocks.map((b) => b.reader.labelNames(matchers))]);
  }

  labelValues(name: string, matchers?: readonly Matcher[]): readonly string[] {
    return unionSorted([this.view.head.labelValues(name, matchers), ...this.view.blocks.map((b) => b.reader.labelValues(name, matchers))]);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const b of this.view.blocks) b.release();
    this.view.onClose();
  }
}

/** The head's chunks of a series that may hold samples in [mint, maxt]. */
function clip(s: ChunkedSeries, mint: number, maxt: number): ChunkedSeries {
  const c = s.chunks;
  if (c[0]!.maxt >= mint && c[c.length - 1]!.mint <= maxt) return s;
  const chunks: ClosedChunk[] = c.filter((x) => x.maxt >= mint && x.mint <= maxt);
  return { labels: s.labels, chunks };
}

/**
 * Merges lists sorted by labels into one; series with equal labels across lists become one
 * with their chunks merged. Sources are few (blocks in range plus the head), so a linear
 * scan for the smallest head of list is as fast as a heap.
 */
function mergeSorted(lists: readonly ChunkedSeries[][]): ChunkedSeries[] {
  const pos = lists.map(() => 0);
  const out: ChunkedSeries[] = [];
  for (;;) {
    let min: Labels | undefined;
    for (let k = 0; k < lists.length; k++) {
      const s = lists[k]![pos[k]!];
      if (s !== undefined && (min === undefined || compareLabels(s.labels, min) < 0)) min = s.labels;
    }
    if (min === undefined) return out;
    const same: ChunkedSeries[] = [];
    for (let k = 0; k < lists.length; k++) {
      const s = lists[k]![pos[k]!];
      if (s !== undefined && compareLabels(s.labels, min) === 0) {
        same.push(s);
        pos[k]!++;
      }
    }
    out.push(same.length === 1 ? same[0]! : { labels: min, chunks: mergeChunkLists(same.map((s) => s.chunks)) });
  }
}
