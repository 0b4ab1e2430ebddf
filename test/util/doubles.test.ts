import { describe, expect, it } from 'vitest';
import { doublesOfLength } from '../../src/util/doubles.js';

describe('doublesOfLength', () => {
  it.each([0, 1, 144, 256, 257, 11_000])('gives a fresh array of %i numbers', (n) => {
    const a = doublesOfLength(n);
    const b = doublesOfLength(n);
    expect(a).toHaveLength(n);
    expect(a).not.toBe(b);
    for (let i = 0; i < n; i++) a[i] = i + 0.25;
    // Writing one leaves the next ones (and what they are sliced from) alone.
    expect(b.every((x) => typeof x === 'number')).toBe(true);
    expect(doublesOfLength(n)).toEqual(b);
    if (n > 0) expect(a[n - 1]).toBe(n - 1 + 0.25);
  });

  it('keeps a shorter length once cut', () => {
    const a = doublesOfLength(10);
    a.length = 3;
    expect(a).toHaveLength(3);
    expect(doublesOfLength(10)).toHaveLength(10);
  });
});
