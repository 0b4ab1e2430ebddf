/**
 * The head's recent selections: a list of matchers → the head's series matching them,
 * sorted by labels. Dashboards and rules ask the same selectors again and again while the
 * series set stays the same; finding the candidates (postings, every matcher on every
 * candidate) and sorting them by labels took about a fifth of a 100k-series query. The head
 * empties the cache whenever a series is created or removed, so an entry is always exact
 * (Mimir's ingesters cache postings for matchers too, but with a TTL that may miss new
 * series); a tenant that keeps creating series simply never hits it.
 */
import type { Matcher } from '../model/matcher.js';
import type { MemSeries } from './head-series.js';

/** Selections kept, newest used last. */
const MAX_ENTRIES = 256;
/** Series references kept over all entries (8 bytes each): bounds the memory at ~8 MB. */
const MAX_REFS = 1_000_000;

export class SelectionCache {
  private readonly entries = new Map<string, readonly MemSeries[]>();
  private refs = 0;

  /**
   * The cache key of a list of matchers (their order is part of it). Lengths before names
   * and values keep it unambiguous whatever characters they hold.
   */
  static key(matchers: readonly Matcher[]): string {
    let k = '';
    for (const m of matchers) k += `${m.name.length}:${m.name}${m.type}${m.value.length}:${m.value}`;
    return k;
  }

  get(key: string): readonly MemSeries[] | undefined {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // Most recently used goes last: eviction takes from the front.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, series: readonly MemSeries[]): void {
    if (series.length > MAX_REFS) return;
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.refs -= old.length;
      this.entries.delete(key);
    }
    this.entries.set(key, series);
    this.refs += series.length;
    for (const [k, v] of this.entries) {
      if (this.entries.size <= MAX_ENTRIES && this.refs <= MAX_REFS) break;
      this.entries.delete(k);
      this.refs -= v.length;
    }
  }

  /** Forgets every selection: the head's series set changed. */
  clear(): void {
    if (this.entries.size === 0) return;
    this.entries.clear();
    this.refs = 0;
  }

  get size(): number {
    return this.entries.size;
  }
}
