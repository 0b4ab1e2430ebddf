// Proves the labels API's union of sorted lists: the same strings in the same order as a
// Set and a fresh sort would give, and a list that already holds the union handed back as
// itself (the head's cached list keeps its identity, and with it its cached answer).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unionSorted } from '../../src/util/sorted-strings.js';

const sortedDistinct = fc.array(fc.string({ unit: 'binary', maxLength: 4 }), { maxLength: 12 }).map((xs) => [...new Set(xs)].sort());

describe('unionSorted', () => {
  it('equals a Set of every string, sorted', () => {
    fc.assert(
      fc.property(fc.array(sortedDistinct, { maxLength: 5 }), (lists) => {
        expect(unionSorted(lists)).toEqual([...new Set(lists.flat())].sort());
      }),
      { numRuns: 2_000 },
    );
  });

  it.each([
    ['no lists', [], []],
    ['one list', [['a', 'b']], ['a', 'b']],
    ['interleaved', [['a', 'c'], ['b', 'd']], ['a', 'b', 'c', 'd']],
    ['overlapping', [['a', 'b', 'x'], ['b', 'c'], ['a', 'z']], ['a', 'b', 'c', 'x', 'z']],
    ['UTF-16 order (a surrogate pair before U+FF01)', [['\uff01'], ['\u{1f600}']], ['\u{1f600}', '\uff01']],
  ])('%s', (_, lists, want) => {
    expect(unionSorted(lists)).toEqual(want);
  });

  it('hands back the list that already holds the union, not a copy', () => {
    const head = ['a', 'b', 'c'];
    expect(unionSorted([head])).toBe(head);
    expect(unionSorted([head, ['b'], [], ['a', 'c']])).toBe(head);
    expect(unionSorted([['b'], head])).toBe(head);
    expect(unionSorted([head, ['d']])).not.toBe(head);
  });
});
