/**
 * Reading the head through the Querier seam. Selection starts from the smallest postings
 * list among the equality matchers (or all series), then checks every matcher on each
 * candidate's labels; results are sorted by labels, as Prometheus's SeriesSet is.
 * Iterators snapshot a series' chunks when created, so appends that arrive while a query
 * yields are not seen half-way.
 */
import { compareLabels, labelValue, type Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import type { Head } from './head.js';
import type { MemSeries } from './head-series.js';
import { chunkIterator, type ClosedChunk } from './head-chunks.js';
import type { Querier, SampleIterator, SelectHints, Series, SeriesSet } from './interface.js';

/** True when every matcher accepts the series' labels (absent labels read as ''). */
export function matchesAll(labels: Labels, matchers: readonly Matcher[]): boolean {
  for (const m of matchers) if (!m.matches(labelValue(labels, m.name))) return false;
  return true;
}

/** Iterates a list of chunks in order, clipped to [mint, maxt]. */
class ChunksIterator implements SampleIterator {
  private i = 0;
  private cur: SampleIterator | undefined;
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

  err(): Error | undefined {
    return undefined;
  }
}

class HeadSeries implements Series {
  constructor(
    readonly labels: Labels,
    private readonly chunks: readonly ClosedChunk[],
    private readonly mint: number,
    private readonly maxt: number,
  ) {}

  iterator(): SampleIterator {
    return new ChunksIterator(this.chunks, this.mint, this.maxt);
  }
}

class ListSeriesSet implements SeriesSet {
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
    const list: Series[] = [];
    for (const s of this.candidates(matchers)) {
      const chunks = s.chunks();
      if (chunks.length === 0) continue;
      if (chunks[chunks.length - 1]!.maxt < mint || chunks[0]!.mint > maxt) continue;
      list.push(new HeadSeries(s.labels, chunks, mint, maxt));
    }
    list.sort((a, b) => compareLabels(a.labels, b.labels));
    return new ListSeriesSet(list);
  }

  labelNames(matchers: readonly Matcher[] = []): string[] {
    if (matchers.length === 0) return [...this.head.postings.keys()].sort();
    const names = new Set<string>();
    for (const s of this.candidates(matchers)) for (const l of s.labels) names.add(l.name);
    return [...names].sort();
  }

  labelValues(name: string, matchers: readonly Matcher[] = []): string[] {
    if (matchers.length === 0) return [...(this.head.postings.get(name)?.keys() ?? [])].sort();
    const values = new Set<string>();
    for (const s of this.candidates(matchers)) {
      const v = labelValue(s.labels, name);
      if (v !== '') values.add(v);
    }
    return [...values].sort();
  }

  close(): void {}
}
