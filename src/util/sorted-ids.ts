/**
 * Intersections of ascending lists of distinct ids (postings), as both block readers
 * resolve a selector's matchers: each matcher gives the ids it admits, and a series or
 * stream matches when every list holds it.
 */

/** The ids in every one of `lists` (the list itself when there is one); shortest lists first. */
export function intersectAll(lists: number[][]): number[];
export function intersectAll(lists: ArrayLike<number>[]): ArrayLike<number>;
export function intersectAll(lists: ArrayLike<number>[]): ArrayLike<number> {
  if (lists.length === 0) return [];
  // The result is no longer than the shortest list: starting there keeps every step short.
  lists.sort((a, b) => a.length - b.length);
  let acc = lists[0]!;
  for (let i = 1; i < lists.length && acc.length > 0; i++) acc = intersect(acc, lists[i]!);
  return acc;
}

/** The ids in both `a` and `b`. */
export function intersect(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}
