/**
 * Merging one stream's entries from several sorted sources (head chunks, the open buffer,
 * chunks of several blocks) into one cursor in the query's direction, dropping entries
 * with the same timestamp, line and structured metadata as the one before (Loki's querier does the same across
 * replicas; here it hides the overlap a crash between a block's rename and the WAL's
 * truncation can leave, and compaction removes it for good). Sources are opened (decoded)
 * only when the merge reaches their time range, so a stream's chunks are not all in
 * memory at once.
 */
import { sameEntry, type LogEntry } from './entry.js';
import type { Direction, LogEntryIterator } from './interface.js';

/** A sorted run of entries, decoded on demand. */
export interface EntrySource {
  /** Oldest and newest timestamps (ms) it may hold. */
  readonly minTMs: number;
  readonly maxTMs: number;
  /** The entries, oldest first, already clipped to the query and its line filter. */
  open(): LogEntry[];
}

interface Cursor {
  entries: LogEntry[];
  i: number;
}

/** Forward order: time, then line. */
function before(a: LogEntry, b: LogEntry): boolean {
  if (a.tMs !== b.tMs) return a.tMs < b.tMs;
  if (a.tNs !== b.tNs) return a.tNs < b.tNs;
  return a.line < b.line;
}

export class MergeIterator implements LogEntryIterator {
  private readonly pending: EntrySource[];
  private readonly heap: Cursor[] = [];
  private cur: LogEntry | undefined;
  private readonly forward: boolean;

  constructor(sources: readonly EntrySource[], direction: Direction) {
    this.forward = direction === 'forward';
    // Pending sources in the order the merge reaches them; popped from the end.
    this.pending = this.forward ? [...sources].sort((a, b) => b.minTMs - a.minTMs) : [...sources].sort((a, b) => a.maxTMs - b.maxTMs);
  }

  private precedes(a: LogEntry, b: LogEntry): boolean {
    return this.forward ? before(a, b) : before(b, a);
  }

  /** Opens every pending source that may hold an entry due before the heap's top. */
  private fill(): void {
    const { pending } = this;
    while (pending.length > 0) {
      const top = this.heap.length > 0 ? this.heap[0]!.entries[this.heap[0]!.i]! : undefined;
      const s = pending[pending.length - 1]!;
      if (top !== undefined && (this.forward ? s.minTMs > top.tMs : s.maxTMs < top.tMs)) return;
      pending.pop();
      const entries = s.open();
      if (entries.length === 0) continue;
      this.push({ entries, i: this.forward ? 0 : entries.length - 1 });
    }
  }

  next(): boolean {
    for (;;) {
      this.fill();
      if (this.heap.length === 0) return false;
      const c = this.heap[0]!;
      const e = c.entries[c.i]!;
      if (this.forward ? ++c.i >= c.entries.length : --c.i < 0) this.popTop();
      else this.siftDown(0);
      const prev = this.cur;
      if (prev !== undefined && sameEntry(prev, e)) continue;
      this.cur = e;
      return true;
    }
  }

  at(): LogEntry {
    return this.cur!;
  }

  private head(c: Cursor): LogEntry {
    return c.entries[c.i]!;
  }

  private push(c: Cursor): void {
    const h = this.heap;
    h.push(c);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.precedes(this.head(h[i]!), this.head(h[p]!))) break;
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
      if (l < h.length && this.precedes(this.head(h[l]!), this.head(h[m]!))) m = l;
      if (r < h.length && this.precedes(this.head(h[r]!), this.head(h[m]!))) m = r;
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
