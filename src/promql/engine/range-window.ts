/**
 * The window a range function slides along one series: the series' samples decoded once,
 * as columns, with the window being the index range [lo, hi). Moving to the next step
 * drops samples from the front and appends newly covered ones at the back, so each sample
 * is decoded and copied once per query however many steps see it.
 */
import type { SampleColumns } from '../../tsdb/interface.js';
import { growColumns } from '../../tsdb/sample-columns.js';
import type { Point, SampleWindow } from '../value.js';

/** Initial column length: a 5m window of 15s scrapes holds 21 samples. */
const INITIAL_CAPACITY = 64;

/** A point of the `points()` view, rewritten in place by the next call. */
interface MutablePoint {
  t: number;
  v: number;
}

export class RangeWindow implements SampleWindow, SampleColumns {
  t = new Float64Array(INITIAL_CAPACITY);
  v = new Float64Array(INITIAL_CAPACITY);
  /** `v`'s bits, for bulk readers (SampleColumns). */
  v32 = new Uint32Array(this.v.buffer);
  /** Running count of samples lower than the one pushed before them (SampleWindow.drops). */
  drops = new Int32Array(INITIAL_CAPACITY);
  lo = 0;
  hi = 0;
  /** The most samples the window held at one step of the last series read (window-eval.ts). */
  peak = 0;
  /** The point objects of `points()`, reused from call to call. */
  private readonly pool: MutablePoint[] = [];
  private readonly view: Point[] = [];

  /** Samples in the window. */
  get size(): number {
    return this.hi - this.lo;
  }

  /** Empties the window for the next series. */
  clear(): void {
    this.lo = 0;
    this.hi = 0;
  }

  /** Drops the samples older than `mint`; returns how many left. */
  dropBefore(mint: number): number {
    const lo0 = this.lo;
    while (this.lo < this.hi && this.t[this.lo]! < mint) this.lo++;
    return this.lo - lo0;
  }

  /** Appends a sample newer than every sample in the window. */
  push(t: number, v: number): void {
    if (this.hi === this.t.length) this.makeRoom();
    const i = this.hi;
    // The sample before it is at i - 1 even when the window dropped it: the count only
    // ever matters as a difference between two positions inside the window.
    this.drops[i] = i === 0 ? 0 : this.drops[i - 1]! + (v < this.v[i - 1]! ? 1 : 0);
    this.t[i] = t;
    this.v[i] = v;
    this.hi = i + 1;
  }

  /** Moves the window to the front of the columns, or doubles them when it fills them. */
  private makeRoom(): void {
    const n = this.hi - this.lo;
    if (this.lo > 0 && n <= this.t.length / 2) {
      this.t.copyWithin(0, this.lo, this.hi);
      this.v.copyWithin(0, this.lo, this.hi);
      this.drops.copyWithin(0, this.lo, this.hi);
    } else {
      const t = new Float64Array(this.t.length * 2);
      const v = new Float64Array(this.v.length * 2);
      const drops = new Int32Array(this.drops.length * 2);
      t.set(this.t.subarray(this.lo, this.hi));
      v.set(this.v.subarray(this.lo, this.hi));
      drops.set(this.drops.subarray(this.lo, this.hi));
      this.t = t;
      this.v = v;
      this.v32 = new Uint32Array(v.buffer);
      this.drops = drops;
    }
    this.lo = 0;
    this.hi = n;
  }

  /**
   * SampleColumns: room for `n` more samples after `hi`, keeping every index (a bulk
   * reader fills the columns from a cleared window; `countDrops` then fills `drops`).
   */
  reserve(n: number): void {
    const size = growColumns(this, n);
    if (size > 0) this.drops = new Int32Array(size);
  }

  /** Fills `drops` for samples a bulk reader appended from a cleared window (as `push` keeps it). */
  countDrops(): void {
    const { v, drops, hi } = this;
    let n = 0;
    for (let i = 0; i < hi; i++) {
      if (i > 0 && v[i]! < v[i - 1]!) n++;
      drops[i] = n;
    }
  }

  /**
   * The window as points, for kernels that take a `Point[]`. The array and its objects are
   * rewritten by the next call: kernels read them and do not keep them.
   */
  points(): Point[] {
    const n = this.hi - this.lo;
    const view = this.view;
    const pool = this.pool;
    while (pool.length < n) pool.push({ t: 0, v: 0 });
    if (view.length !== n) view.length = n;
    for (let i = 0; i < n; i++) {
      const p = pool[i]!;
      p.t = this.t[this.lo + i]!;
      p.v = this.v[this.lo + i]!;
      view[i] = p;
    }
    return view;
  }
}
