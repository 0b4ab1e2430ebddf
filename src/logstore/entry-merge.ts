/**
 * Merging one stream's entries from several sorted sources (head chunks, the open buffer,
 * chunks of several blocks) into one cursor in the query's direction, dropping entries
 * equal in time, line and structured metadata to another of the same time (Loki's querier
 * does the same across replicas; here it hides the overlap a crash between a block's
 * rename and the WAL's truncation can leave, and compaction removes it for good). Entries
 * of equal time come out in write order (forward; reversed backward): within a source as
 * stored, across sources in the order the sources were given (oldest data first). Sources are opened (decoded)
 * only when the merge reaches their time range, so a stream's chunks are not all in
 * memory at once. A source no other touches in time (`markAlone`) skips the duplicate
 * check: most of them, for a stream pushed in order.
 */
import { SameTimeEntries, type LogEntry } from './entry.js';
import { PAUSED, type Direction, type LogEntryIterator } from './interface.js';

/** A sorted run of entries, decoded on demand. */
export interface EntrySource {
  /** Oldest and newest timestamps (ms) it may hold. */
  readonly minTMs: number;
  readonly maxTMs: number;
  /** The entries, oldest first, already clipped to the query and its line filter. */
  open(): LogEntry[];
  /**
   * Set by the select once all of a stream's sources are known: no other source of the
   * stream reaches into this one's time range, so none of its entries can equal another
   * source's. Its entries skip the duplicate check, and may come without their lines for a
   * caller that does not read them.
   */
  alone?: boolean;
  /**
   * Sources of one group never hold the same entry twice, even where their time ranges
   * touch: the chunks of a stream in a compacted block (compaction dropped the duplicates
   * and cut the stream in time order). Undefined: a group of its own.
   */
  group?: object;
  /**
   * For a source that hands its entries out in batches (a chunk read for a log query with
   * a limit): the next batch after the last one, further in the query's direction, oldest
   * first like `open`'s; empty once there is none.
   */
  more?(): LogEntry[];
}

/** The latest end (or earliest start) seen in a sweep, and the best from any other group. */
class Reach {
  private best = { at: NaN, group: undefined as object | undefined };
  private other = NaN;

  constructor(private readonly later: boolean) {}

  /** The reach of the sources seen so far outside `group` (NaN when none). */
  outside(group: object): number {
    return this.best.group !== group ? this.best.at : this.other;
  }

  add(at: number, group: object): void {
    if (group === this.best.group) {
      if (this.beats(at, this.best.at)) this.best.at = at;
    } else if (this.beats(at, this.best.at)) {
      this.other = this.best.at;
      this.best = { at, group };
    } else if (this.beats(at, this.other)) {
      this.other = at;
    }
  }

  /** Whether `a` reaches further than `b` (anything does than none, NaN). */
  private beats(a: number, b: number): boolean {
    return Number.isNaN(b) || (this.later ? a > b : a < b);
  }
}

/**
 * Marks the sources that no source of another group touches in time (`alone`): most of
 * a stream pushed in order, and a compacted block's chunks. Those that touch one may hold
 * the same entry twice.
 */
export function markAlone(sources: readonly EntrySource[]): void {
  const s = [...sources].sort((a, b) => a.minTMs - b.minTMs);
  const touched = new Array<boolean>(s.length).fill(false);
  // Forward: a source that started earlier and ends at or after this one's start.
  const ends = new Reach(true);
  for (let i = 0; i < s.length; i++) {
    const g = s[i]!.group ?? s[i]!;
    if (ends.outside(g) >= s[i]!.minTMs) touched[i] = true;
    ends.add(s[i]!.maxTMs, g);
  }
  // Backward: a source that starts later, at or before this one's end.
  const starts = new Reach(false);
  for (let i = s.length - 1; i >= 0; i--) {
    const g = s[i]!.group ?? s[i]!;
    if (starts.outside(g) <= s[i]!.maxTMs) touched[i] = true;
    starts.add(s[i]!.minTMs, g);
  }
  for (let i = 0; i < s.length; i++) s[i]!.alone = !touched[i];
}

interface Cursor {
  entries: LogEntry[];
  i: number;
  readonly source: EntrySource;
  /** Position of the source in the constructor's list: breaks ties of equal times. */
  readonly order: number;
}

/** A source with its position in the list the iterator was given. */
interface Pending {
  readonly source: EntrySource;
  readonly order: number;
}

export class MergeIterator implements LogEntryIterator {
  private readonly pending: Pending[];
  private readonly heap: Cursor[] = [];
  private cur: LogEntry | undefined;
  /** Entries already returned at the current time (for dropping duplicates). */
  private readonly sameTime = new SameTimeEntries();
  private readonly forward: boolean;
  /** `fill` stopped because `pauseDue` said so: `at()` is PAUSED until the next `next()`. */
  private paused = false;

  /** `pauseDue`: see `LogSelectParams.pauseDue`. */
  constructor(
    sources: readonly EntrySource[],
    direction: Direction,
    private readonly pauseDue?: () => boolean,
  ) {
    this.forward = direction === 'forward';
    // Pending sources in the order the merge reaches them; popped from the end.
    const ps = sources.map((source, order) => ({ source, order }));
    this.pending = this.forward ? ps.sort((a, b) => b.source.minTMs - a.source.minTMs) : ps.sort((a, b) => a.source.maxTMs - b.source.maxTMs);
  }

  /** Whether cursor a's entry comes before b's: by time, then by source order. */
  private precedes(a: Cursor, b: Cursor): boolean {
    const x = a.entries[a.i]!;
    const y = b.entries[b.i]!;
    if (x.tMs !== y.tMs) return this.forward ? x.tMs < y.tMs : x.tMs > y.tMs;
    if (x.tNs !== y.tNs) return this.forward ? x.tNs < y.tNs : x.tNs > y.tNs;
    return this.forward ? a.order < b.order : a.order > b.order;
  }

  /** Opens every pending source that may hold an entry due before the heap's top. */
  private fill(): void {
    const { pending } = this;
    while (pending.length > 0) {
      const top = this.heap.length > 0 ? this.heap[0]!.entries[this.heap[0]!.i]! : undefined;
      const { source: s, order } = pending[pending.length - 1]!;
      if (top !== undefined && (this.forward ? s.minTMs > top.tMs : s.maxTMs < top.tMs)) return;
      pending.pop();
      const entries = s.open();
      if (entries.length > 0) this.push({ entries, i: this.forward ? 0 : entries.length - 1, source: s, order });
      // Safe to stop: no entry leaves before every source due is open, and the next call
      // goes on from here. Sources that overlap in time (a stream pushed out of order) may
      // all be due at once: hundreds of chunks to decode in one call otherwise.
      if (this.pauseDue?.() === true) {
        this.paused = true;
        return;
      }
    }
  }

  next(): boolean {
    this.paused = false;
    for (;;) {
      this.fill();
      if (this.paused) return true;
      if (this.heap.length === 0) return false;
      const c = this.heap[0]!;
      const e = c.entries[c.i]!;
      if (this.forward ? ++c.i >= c.entries.length : --c.i < 0) {
        const batch = c.source.more?.() ?? [];
        if (batch.length === 0) {
          this.popTop();
        } else {
          c.entries = batch;
          c.i = this.forward ? 0 : batch.length - 1;
          this.siftDown(0);
        }
      } else {
        this.siftDown(0);
      }
      const prev = this.cur;
      if (c.source.alone !== true) {
        if (prev === undefined || prev.tMs !== e.tMs || prev.tNs !== e.tNs) this.sameTime.clear();
        if (!this.sameTime.add(e)) continue;
      }
      this.cur = e;
      return true;
    }
  }

  at(): LogEntry {
    return this.paused ? PAUSED : this.cur!;
  }

  private push(c: Cursor): void {
    const h = this.heap;
    h.push(c);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.precedes(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private popTop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      this.siftDown(0);
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.precedes(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.precedes(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

/** An iterator over a single array in a direction (no merge needed). */
export class ArrayEntryIterator implements LogEntryIterator {
  private i: number;
  constructor(
    private readonly entries: readonly LogEntry[],
    private readonly forward: boolean,
  ) {
    this.i = forward ? -1 : entries.length;
  }
  next(): boolean {
    if (this.forward) return ++this.i < this.entries.length;
    return --this.i >= 0;
  }
  at(): LogEntry {
    return this.entries[this.i]!;
  }
}
