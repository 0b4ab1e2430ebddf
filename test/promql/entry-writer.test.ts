// Proves the native addon writes a matrix entry's points as exactly the text value-json.ts
// writes (JavaScript's shortest doubles, Go's exponent form) for any doubles, and that an
// EntryWriter gives the same bytes with and without the addon.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntryWriter } from '../../src/promql/entry-writer.js';
import { matrixEntry, pointsJson } from '../../src/promql/value-json.js';
import { pointsBound, type NativeAddon } from '../../src/util/native.js';
import { nativeAddon, nativeOff } from '../helpers/native.js';

const utf8 = new TextDecoder();
const bytes = (s: string) => new TextEncoder().encode(s);

const addon = nativeAddon;

function nativeText(t: Float64Array, v: Float64Array, from = 0, to = t.length): string {
  const out = new Uint8Array(pointsBound(to - from) + 10);
  const end = addon().writePoints(t, v, from, to, out, 3);
  return utf8.decode(out.subarray(3, end));
}

/** Doubles from random 64-bit patterns: every exponent, subnormals, NaNs, infinities. */
function randomBits(n: number, seed: number): Float64Array {
  const words = new Uint32Array(2 * n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return new Float64Array(words.buffer);
}

describe.skipIf(nativeOff)('native writePoints', () => {
  it.each<[string, number[], number[]]>([
    ['whole seconds and integers', [1_796_155_904_000, 0, -1000], [1, 0, 9_007_199_254_740_991]],
    ['milliseconds', [1_796_155_904_123, 1_796_155_904_120, 1_796_155_904_100, -500, -1], [0.1 + 0.2, 123.456, 1e20, 1e21, 5e-324]],
    ['the exponent boundaries', [1, 2, 3, 4, 5, 6], [1e-6, 9.999999999999999e-7, 1e-7, 1.5e-10, 1e22, 1.7976931348623157e308]],
    ['signs and specials', [0, 1, 2, 3, 4, 5], [-0, 0, NaN, Infinity, -Infinity, -2.5e-8]],
    ['times the fast path leaves', [1e15, 1e15 + 1, 0.5, -0.25, 1e21 * 1000, NaN], [1, 2, 3, 4, 5, 6]],
  ])('%s', (_name, t, v) => {
    const tt = Float64Array.from(t);
    const vv = Float64Array.from(v);
    expect(nativeText(tt, vv)).toBe(pointsJson(tt, vv, 0, t.length));
  });

  it('writes what pointsJson writes for any doubles', () => {
    const double = fc.oneof(fc.double(), fc.integer({ min: -1e13, max: 1e13 }), fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e-6, 1e21));
    fc.assert(
      fc.property(fc.array(fc.tuple(double, double), { maxLength: 20 }), (pts) => {
        const t = Float64Array.from(pts, (p) => p[0]);
        const v = Float64Array.from(pts, (p) => p[1]);
        expect(nativeText(t, v)).toBe(pointsJson(t, v, 0, pts.length));
      }),
      { numRuns: 3000 },
    );
  });

  it('writes what pointsJson writes for 200 000 random bit patterns', () => {
    const t = randomBits(100_000, 7);
    const v = randomBits(100_000, 11);
    // Compared in slices so that a difference names its neighbourhood.
    for (let from = 0; from < t.length; from += 5_000) expect(nativeText(t, v, from, from + 5_000)).toBe(pointsJson(t, v, from, from + 5_000));
  });

  it('answers -1 and writes nothing without room for the bound, and checks its arguments', () => {
    const t = Float64Array.from([1000, 2000]);
    const out = new Uint8Array(pointsBound(2) - 1);
    expect(addon().writePoints(t, t, 0, 2, out, 0)).toBe(-1);
    expect(out.every((b) => b === 0)).toBe(true);
    expect(addon().writePoints(t, t, 0, 2, new Uint8Array(pointsBound(2)), 0)).toBeGreaterThan(0);
    expect(() => addon().writePoints(t, t, 0, 3, new Uint8Array(500), 0)).toThrow(/outside the columns/);
    expect(() => addon().writePoints(t, t, 0, 2, new Uint8Array(500), 501)).toThrow(/outside out/);
    expect(() => addon().writePoints([1] as unknown as Float64Array, t, 0, 1, new Uint8Array(500), 0)).toThrow(/Float64Array/);
  });
});

describe('EntryWriter', () => {
  const series = fc.array(
    fc.record({
      head: fc.string({ unit: 'binary' }).map((s) => `{"metric":${JSON.stringify({ a: s })},"values":`),
      points: fc.array(fc.tuple(fc.integer({ min: -1e13, max: 1e13 }), fc.double()), { maxLength: 30 }),
      typed: fc.boolean(),
    }),
    { maxLength: 6 },
  );

  it.each<[string, NativeAddon | null]>([
    ...(nativeOff ? [] : [['with the addon', addon()] as [string, NativeAddon]]),
    ['without it', null],
  ])('writes the entries joined with commas, %s', (_name, withAddon) => {
    fc.assert(
      fc.property(series, (ss) => {
        const w = new EntryWriter(withAddon);
        const want: string[] = [];
        for (const s of ss) {
          const t = s.points.map((p) => p[0]);
          const v = s.points.map((p) => p[1]);
          const [tc, vc] = s.typed ? [Float64Array.from(t), Float64Array.from(v)] : [t, v];
          w.add(s.head, tc, vc, 0, t.length);
          want.push(matrixEntry(s.head, t, v, 0, t.length));
        }
        expect(utf8.decode(w.finish())).toBe(want.join(','));
      }),
      { numRuns: 500 },
    );
  });

  it('lends the prefix, the entries and the suffix, and finish leaves the prefix out', () => {
    const t = [1000, 2000];
    const v = [1, 2];
    const entry = matrixEntry('{"metric":{},"values":', t, v, 0, 2);
    const lent = new EntryWriter(undefined, bytes('['));
    lent.add('{"metric":{},"values":', t, v, 0, 2);
    lent.add('{"metric":{},"values":', t, v, 0, 2);
    expect(utf8.decode(lent.lend(bytes(']')).bytes)).toBe(`[${entry},${entry}]`);
    const none = new EntryWriter(undefined, bytes('['));
    expect(none.empty).toBe(true);
    expect(utf8.decode(none.lend(bytes(']')).bytes)).toBe('[]');
    const copied = new EntryWriter(undefined, bytes('['));
    copied.add('{"metric":{},"values":', t, v, 0, 2);
    expect(copied.empty).toBe(false);
    expect(utf8.decode(copied.finish())).toBe(entry);
  });

  it('keeps lent bytes until they are released, and then writes into the same buffer', () => {
    const write = (text: string) => {
      const w = new EntryWriter(undefined, bytes(text));
      return w.lend(bytes(''));
    };
    const a = write('a'.repeat(100));
    const b = write('b'.repeat(100));
    // Neither writer wrote over the other's unreleased bytes.
    expect(utf8.decode(a.bytes)).toBe('a'.repeat(100));
    expect(a.bytes.buffer).not.toBe(b.bytes.buffer);
    a.release();
    a.release(); // twice: handed back once only
    const c = write('c'.repeat(100));
    const d = write('d'.repeat(100));
    expect(c.bytes.buffer).toBe(a.bytes.buffer);
    expect(d.bytes.buffer).not.toBe(a.bytes.buffer);
    expect(utf8.decode(b.bytes)).toBe('b'.repeat(100));
    for (const x of [b, c, d]) x.release();
  });

  it('grows past its scratch buffer, and a later writer starts empty', () => {
    const n = 300_000;
    const t = Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 15_000);
    const v = Float64Array.from({ length: n }, (_, i) => i / 7);
    const big = new EntryWriter();
    big.add('{"metric":{},"values":', t, v, 1, n);
    expect(utf8.decode(big.finish())).toBe(matrixEntry('{"metric":{},"values":', t, v, 1, n));
    const small = new EntryWriter();
    small.add('{"metric":{"é":"😀"},"values":', t, v, 5, 7);
    expect(utf8.decode(small.finish())).toBe(matrixEntry('{"metric":{"é":"😀"},"values":', t, v, 5, 7));
  });
});
