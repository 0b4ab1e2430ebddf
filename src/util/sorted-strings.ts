/**
 * The union of sorted lists of distinct strings, sorted and distinct, in the order of
 * `Array.prototype.sort()` (UTF-16 code units, as `<` compares strings). A list that is
 * the whole union comes back as it is, not copied (callers treat every list as read-only),
 * so a list cached upstream keeps its identity through the union when no other adds to it.
 * The labels API unions the head's and each block's sorted names or values this way
 * instead of through a Set and a fresh sort.
 */
export function unionSorted(lists: readonly (readonly string[])[]): readonly string[] {
  let out: readonly string[] = EMPTY;
  for (const list of lists) out = mergeTwo(out, list);
  return out;
}

const EMPTY: readonly string[] = Object.freeze([]);

function mergeTwo(a: readonly string[], b: readonly string[]): readonly string[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x < y) {
      out.push(x);
      i++;
    } else if (y < x) {
      out.push(y);
      j++;
    } else {
      out.push(x);
      i++;
      j++;
    }
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  // One list held the other: hand back that list (it may be cached, and so may its answer).
  if (out.length === a.length) return a;
  if (out.length === b.length) return b;
  return out;
}
