/**
 * Kahan–Babuška–Neumaier compensated summation, as Prometheus 2.42's `kahanSumInc`.
 * `*_over_time` and the linear regression accumulate through it so that their results
 * agree with Prometheus bit for bit.
 */

/** A running compensated sum: `sum` plus the lost low-order part `c`. */
export interface KahanState {
  sum: number;
  c: number;
}

/**
 * Adds `inc` to the running sum in place. The compensation is Neumaier's: whichever of
 * the running sum and the increment is larger in magnitude keeps its low bits.
 * The caller reads `sum + c` at the end (or `sum` alone when it is ±Inf, since adding a
 * NaN compensation to an infinity would spoil it).
 */
export function kahanAdd(state: KahanState, inc: number): void {
  const t = state.sum + inc;
  if (Math.abs(state.sum) >= Math.abs(inc)) {
    state.c += state.sum - t + inc;
  } else {
    state.c += inc - t + state.sum;
  }
  state.sum = t;
}
