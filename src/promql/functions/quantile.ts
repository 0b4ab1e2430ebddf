/**
 * Quantile estimation, as Prometheus 2.42's `promql/quantile.go`: `quantile` (the
 * aggregation and `quantile_over_time`) and `bucketQuantile` (`histogram_quantile` over
 * classic `le` buckets).
 */

/** One classic histogram bucket: its inclusive upper bound (`le`) and cumulative count. */
export interface Bucket {
  upperBound: number;
  count: number;
}

/**
 * The φ-quantile of `values` by linear interpolation between the closest ranks
 * (rank = q·(n−1)), as Prometheus's `quantile`. Used by the `quantile` aggregation and by
 * `quantile_over_time`.
 *
 * Sorts `values` in place, ascending with NaNs first (Prometheus's order), so NaN inputs
 * occupy the lowest ranks.
 *
 * Edge cases: no values → NaN; q NaN → NaN; q < 0 → -Inf; q > 1 → +Inf (with any number
 * of values ≥ 1). A single value is returned for every q in [0, 1].
 */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  values.sort(nanFirstAscending);

  const n = values.length;
  const rank = q * (n - 1);
  const lowerIndex = Math.max(0, Math.floor(rank));
  const upperIndex = Math.min(n - 1, lowerIndex + 1);
  const weight = rank - Math.floor(rank);
  return values[lowerIndex]! * (1 - weight) + values[upperIndex]! * weight;
}

/** Prometheus's `vectorByValueHeap` order: NaN before everything, then ascending. */
function nanFirstAscending(a: number, b: number): number {
  const aNaN = Number.isNaN(a);
  const bNaN = Number.isNaN(b);
  if (aNaN || bNaN) return aNaN === bNaN ? 0 : aNaN ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The φ-quantile of a classic histogram, as Prometheus 2.42's `bucketQuantile`
 * (`histogram_quantile`). Assumes observations are spread linearly within a bucket; the
 * lowest bucket starts at 0 unless its upper bound is ≤ 0, in which case a quantile falling
 * in it is that upper bound.
 *
 * Sorts `buckets` in place by upper bound, merges buckets with equal bounds (summing their
 * counts; `le="0.2"` and `le="2e-1"` are the same bucket), then forces the cumulative
 * counts to be monotonic (a bucket never counts fewer than the one below it — scrapes
 * and rule evaluations are not atomic across series).
 *
 * Edge cases, in this order: q NaN → NaN; q < 0 → -Inf; q > 1 → +Inf; no buckets → NaN;
 * the highest bound is not +Inf → NaN; fewer than 2 buckets after merging → NaN; total
 * count 0 → NaN. A quantile in the +Inf bucket returns the highest finite upper bound.
 * NaN counts make comparisons false and propagate as Go's would.
 *
 * Known last-bit difference: buckets with equal bounds are summed in input order (the sort
 * here is stable); Go's unstable sort may add them in another order.
 */
export function bucketQuantile(q: number, buckets: Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (buckets.length === 0) return NaN;
  buckets.sort((a, b) => (a.upperBound < b.upperBound ? -1 : a.upperBound > b.upperBound ? 1 : 0));
  if (buckets[buckets.length - 1]!.upperBound !== Infinity) return NaN;

  const merged = coalesceBuckets(buckets);
  ensureMonotonic(merged);

  if (merged.length < 2) return NaN;
  const observations = merged[merged.length - 1]!.count;
  if (observations === 0) return NaN;

  let rank = q * observations;
  // First bucket (not counting +Inf) whose cumulative count reaches the rank; the +Inf
  // bucket's index when none does (Go's sort.Search over len-1 elements).
  const b = searchFirst(merged.length - 1, (i) => merged[i]!.count >= rank);

  if (b === merged.length - 1) return merged[merged.length - 2]!.upperBound;
  if (b === 0 && merged[0]!.upperBound <= 0) return merged[0]!.upperBound;

  let bucketStart = 0;
  const bucketEnd = merged[b]!.upperBound;
  let count = merged[b]!.count;
  if (b > 0) {
    bucketStart = merged[b - 1]!.upperBound;
    count -= merged[b - 1]!.count;
    rank -= merged[b - 1]!.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/** Merges adjacent buckets with equal upper bounds (input sorted), summing counts. */
function coalesceBuckets(buckets: Bucket[]): Bucket[] {
  const out: Bucket[] = [];
  let last = { upperBound: buckets[0]!.upperBound, count: buckets[0]!.count };
  for (let i = 1; i < buckets.length; i++) {
    const b = buckets[i]!;
    if (b.upperBound === last.upperBound) {
      last.count += b.count;
    } else {
      out.push(last);
      last = { upperBound: b.upperBound, count: b.count };
    }
  }
  out.push(last);
  return out;
}

/** Raises every count that is below an earlier one to that earlier maximum. */
function ensureMonotonic(buckets: Bucket[]): void {
  let max = buckets[0]!.count;
  for (let i = 1; i < buckets.length; i++) {
    const c = buckets[i]!.count;
    if (c > max) {
      max = c;
    } else if (c < max) {
      buckets[i]!.count = max;
    }
  }
}

/** Go's `sort.Search`: the smallest i in [0, n) with pred(i), or n; pred monotone. */
function searchFirst(n: number, pred: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (!pred(mid)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}
