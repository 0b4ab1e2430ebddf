// Proves that ULIDs are 26 Crockford characters carrying their time exactly, sort by time,
// and that malformed strings are refused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isUlid, newUlid, ulidTime } from '../../src/storage/ulid.js';

describe('ulid', () => {
  it.each([
    { name: 'zero', t: 0, rnd: new Uint8Array(10), expected: '00000000000000000000000000' },
    { name: 'max', t: 2 ** 48 - 1, rnd: new Uint8Array(10).fill(0xff), expected: '7ZZZZZZZZZZZZZZZZZZZZZZZZZ' },
    // The ULID spec's example time: 1469918176385 encodes as 01ARYZ6S41.
    { name: 'spec time', t: 1469918176385, rnd: new Uint8Array(10), expected: '01ARYZ6S410000000000000000' },
    { name: 'random bits', t: 0, rnd: Uint8Array.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 1]), expected: '0000000000G000000000000001' },
  ])('$name', ({ t, rnd, expected }) => {
    expect(newUlid(t, rnd)).toBe(expected);
    expect(ulidTime(expected)).toBe(t);
  });

  it('round-trips the time and sorts by it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.integer({ min: 0, max: 2 ** 48 - 1 }), (a, b) => {
        const ua = newUlid(a);
        const ub = newUlid(b);
        expect(isUlid(ua)).toBe(true);
        expect(ulidTime(ua)).toBe(a);
        if (a < b) expect(ua < ub).toBe(true);
      }),
    );
  });

  it.each(['', 'short', '8ZZZZZZZZZZZZZZZZZZZZZZZZZ', '0000000000000000000000000U'])('refuses %j', (s) => {
    expect(isUlid(s)).toBe(false);
    expect(() => ulidTime(s)).toThrow(/invalid ulid/);
  });
});
