/** Helpers for `SampleColumns` (interface.ts) implementations. */
import type { SampleColumns } from './interface.js';

/**
 * `SampleColumns.reserve`'s common part: when `n` more samples do not fit, replaces the
 * columns with ones of at least twice the length, keeping [0, hi). Returns the new length,
 * or 0 when they fit.
 */
export function growColumns(c: SampleColumns, n: number): number {
  if (c.hi + n <= c.t.length) return 0;
  const size = Math.max(c.t.length * 2, c.hi + n);
  const t = new Float64Array(size);
  const v = new Float64Array(size);
  t.set(c.t.subarray(0, c.hi));
  v.set(c.v.subarray(0, c.hi));
  c.t = t;
  c.v = v;
  c.v32 = new Uint32Array(v.buffer);
  return size;
}
