// Intersections of ascending id lists, as both block readers resolve matchers to postings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intersect, intersectAll } from '../../src/util/sorted-ids.js';

describe('intersect / intersectAll', () => {
  it.each([
    ['no lists', [], []],
    ['one list: itself', [[1, 4, 9]], [1, 4, 9]],
    ['two lists', [[1, 3, 5, 7], [3, 4, 5, 8]], [3, 5]],
    ['disjoint', [[1, 2], [3, 4]], []],
    ['an empty list', [[1, 2], []], []],
    ['three, the shortest last', [[1, 2, 3, 4, 5, 6], [2, 4, 6], [4]], [4]],
    ['a typed array among them', [Int32Array.from([2, 5, 9]), [1, 2, 9]], [2, 9]],
  ] as const)('%s', (_n, lists, expected) => {
    expect(Array.from(intersectAll(lists.map((l) => (Array.isArray(l) ? [...(l as number[])] : l)) as ArrayLike<number>[]))).toEqual(expected);
  });

  it('agrees with a set intersection on random sorted lists', () => {
    const sorted = fc.uniqueArray(fc.integer({ min: 0, max: 60 }), { maxLength: 30 }).map((a) => a.sort((x, y) => x - y));
    fc.assert(
      fc.property(fc.array(sorted, { minLength: 1, maxLength: 5 }), (lists) => {
        const expected = lists[0]!.filter((x) => lists.every((l) => l.includes(x)));
        expect(Array.from(intersectAll(lists.map((l) => [...l])))).toEqual(expected);
        if (lists.length >= 2) expect(intersect(lists[0]!, lists[1]!)).toEqual(lists[0]!.filter((x) => lists[1]!.includes(x)));
      }),
    );
  });
});
