/**
 * Arrays of numbers that V8 stores as doubles from the start, for the engine's result
 * columns. `new Array(n)` begins as an array of small integers: its first fractional
 * store allocates a second, double backing store and drops the first. A slice of an array
 * that already holds doubles is doubles at once: a third less allocated, and filling
 * 1 754 columns of 144 points took 0.28–0.38 ms instead of 0.45–0.59 (bench/RESULTS.md).
 */

/** Doubles to slice from, grown as longer arrays are asked for. */
let template: number[] = [];

/**
 * A new array of `n` numbers stored as doubles, every element a placeholder: the caller
 * writes each one it keeps (and cuts `length` down to those).
 */
export function doublesOfLength(n: number): number[] {
  if (template.length < n) template = new Array<number>(Math.max(n, 2 * template.length, 256)).fill(0.5);
  return template.slice(0, n);
}
