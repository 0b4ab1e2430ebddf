/** Growing typed-array columns. */

/** `to` with `from` copied to its start (a column grown into a bigger array). */
export function grown<A extends Float64Array | Int32Array>(to: A, from: A): A {
  to.set(from);
  return to;
}
