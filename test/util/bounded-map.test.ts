// Proves getOrMake: a hit makes nothing, a miss makes once and keeps the value, and a map
// at its bound is cleared before the new entry goes in (never more than `max` entries).
import { describe, expect, it } from 'vitest';
import { getOrMake } from '../../src/util/bounded-map.js';

describe('getOrMake', () => {
  it('makes a value once, keeps it, and clears the map when it is full', () => {
    const map = new Map<string, string>();
    const made: string[] = [];
    const make = (k: string) => {
      made.push(k);
      return k.toUpperCase();
    };
    expect(getOrMake(map, 'a', 2, make)).toBe('A');
    expect(getOrMake(map, 'a', 2, make)).toBe('A');
    expect(getOrMake(map, 'b', 2, make)).toBe('B');
    expect(made).toEqual(['a', 'b']);
    expect(getOrMake(map, 'c', 2, make)).toBe('C');
    expect([...map.keys()]).toEqual(['c']);
    expect(getOrMake(map, 'a', 2, make)).toBe('A');
    expect(made).toEqual(['a', 'b', 'c', 'a']);
  });

  it('leaves the map as it was when making throws', () => {
    const map = new Map([['x', 1]]);
    expect(() =>
      getOrMake(map, 'y', 1, () => {
        throw new Error('bad');
      }),
    ).toThrow('bad');
    expect([...map]).toEqual([['x', 1]]);
  });
});
