/**
 * Prometheus's stale marker (`value.StaleNaN`): the NaN with bits 0x7ff0000000000002, which
 * no arithmetic produces. JavaScript cannot tell NaNs apart with `===` or `Number.isNaN`,
 * so the tests read the bits: of a number through a shared buffer, or of a column of
 * values through its 32-bit words.
 */
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** Which 32-bit word of a double holds its high half on this machine (little endian: 1). */
export const HI_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
export const LO_WORD = 1 - HI_WORD;
/** High word of the stale marker: exponent all ones, quiet bit clear. */
export const STALE_HI = 0x7ff00000;
/** Low word of the stale marker: payload 2, a signalling NaN. */
export const STALE_LO = 0x00000002;

/** The stale marker as a number (its payload survives typed arrays, not every JS store). */
export const STALE_NAN: number = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;

/** True when `v` is the stale marker (not merely some NaN). */
export function isStaleNaN(v: number): boolean {
  if (v === v) return false; // fast path: not a NaN at all
  f64[0] = v;
  return u32[HI_WORD] === STALE_HI && u32[LO_WORD] === STALE_LO;
}

/** True when value `i` of a column whose 32-bit words are `bits` is the stale marker. */
export function isStaleAt(bits: Uint32Array, i: number): boolean {
  return bits[2 * i + HI_WORD] === STALE_HI && bits[2 * i + LO_WORD] === STALE_LO;
}
