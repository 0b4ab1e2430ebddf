// Proves the dense chunk encoding lossless: any timestamps and any values (every 64-bit
// pattern: NaN payloads, -0, ±Inf, subnormals) come back bit for bit, each value coding
// is chosen where it applies and is smaller than XOR there, and malformed columns fail
// with a corrupt_chunk error instead of throwing from the iterator.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeTimes,
  decodeValues,
  DenseIterator,
  encodeTimes,
  encodeValues,
  timesHeader,
  VALUES_DEC,
  VALUES_INT,
  VALUES_XOR,
} from '../../../src/tsdb/chunkenc/dense.js';

const STALE_NAN_BITS = [0x7ff00000, 0x00000002];

function bitsOf(vs: Float64Array): string {
  return Buffer.from(vs.buffer, vs.byteOffset, vs.byteLength).toString('hex');
}

function floatsFromBits(pairs: readonly (readonly [number, number])[]): Float64Array {
  const out = new Float64Array(pairs.length);
  const u = new Uint32Array(out.buffer);
  pairs.forEach(([hi, lo], i) => {
    u[i * 2 + 1] = hi;
    u[i * 2] = lo;
  });
  return out;
}

function roundTrip(ts: readonly number[], vs: Float64Array): { kind: number; bytes: number } {
  const n = ts.length;
  const tcol = encodeTimes(ts, n);
  expect(Array.from(decodeTimes(tcol))).toEqual(ts);
  expect(timesHeader(tcol)).toEqual({ n, mint: ts[0], maxt: ts[n - 1] });
  const vcol = encodeValues(vs, n);
  const out = new Float64Array(n);
  decodeValues(vcol, n, out);
  expect(bitsOf(out)).toBe(bitsOf(vs.subarray(0, n)));
  // The iterator gives the same samples.
  const it = new DenseIterator(decodeTimes(tcol), vcol);
  for (let i = 0; i < n; i++) {
    expect(it.next()).toBe(true);
    expect(it.t).toBe(ts[i]);
    expect(Object.is(it.v, vs[i]) || (Number.isNaN(it.v) && Number.isNaN(vs[i]))).toBe(true);
  }
  expect(it.next()).toBe(false);
  expect(it.err()).toBeUndefined();
  return { kind: vcol[0]!, bytes: vcol.length };
}

const tsArb = fc
  .tuple(fc.integer({ min: -(2 ** 45), max: 2 ** 45 }), fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), { minLength: 0, maxLength: 300 }))
  .map(([t0, deltas]) => {
    const out = [t0];
    for (const d of deltas) out.push(out[out.length - 1]! + d);
    return out;
  });

describe('dense chunk encoding', () => {
  it('round-trips any timestamps and any 64-bit values exactly', () => {
    fc.assert(
      fc.property(tsArb, fc.array(fc.tuple(fc.nat(0xffffffff), fc.nat(0xffffffff)), { minLength: 301, maxLength: 301 }), (ts, bits) => {
        roundTrip(ts, floatsFromBits(bits));
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips counters, small decimals and mixed values exactly', () => {
    const valueArb = fc.oneof(
      fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
      fc.integer({ min: -100000, max: 100000 }).map((m) => m / 100),
      fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 2 ** 50, -(2 ** 50), 2 ** 50 + 2, 0.1 + 0.2, 5e-324),
      fc.double(),
    );
    fc.assert(
      fc.property(tsArb, fc.array(valueArb, { minLength: 301, maxLength: 301 }), (ts, vs) => {
        roundTrip(ts, Float64Array.from(vs));
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    { name: 'counter with integer increments', fill: (i: number) => 1_000_000 + i * 37 + (i % 7), kind: VALUES_INT, maxBytes: 1 + 4 + 2 + 1 + Math.ceil((119 * 3) / 8) },
    { name: 'constant value', fill: () => 42, kind: VALUES_INT, maxBytes: 6 },
    { name: 'two-digit decimal gauge', fill: (i: number) => Math.round(2000 + 100 * Math.sin(i)) / 100, kind: VALUES_DEC, maxBytes: 130 },
    { name: 'random-walk float gauge', fill: (i: number) => 1e9 * (1 + Math.sin(i) / 3) * Math.PI, kind: VALUES_XOR, maxBytes: 120 * 9 },
  ])('codes a $name as kind $kind', ({ fill, kind, maxBytes }) => {
    const ts = Array.from({ length: 120 }, (_, i) => 1_700_000_000_000 + i * 15_000);
    const vs = Float64Array.from(ts, (_, i) => fill(i));
    const r = roundTrip(ts, vs);
    expect(r.kind).toBe(kind);
    expect(r.bytes).toBeLessThanOrEqual(maxBytes);
  });

  it('keeps the stale marker bits', () => {
    const vs = floatsFromBits([[0, 0], STALE_NAN_BITS as [number, number], [0x7ff80000, 1], [0x40000000, 0]]);
    roundTrip([1, 2, 3, 4], vs);
  });

  it.each([
    { name: 'unknown coding', col: [9, 0, 0] },
    { name: 'truncated XOR', col: [VALUES_XOR, 1, 2] },
    { name: 'truncated INT deltas', col: [VALUES_INT, 2, 0, 8] },
    { name: 'bad decimal digits', col: [VALUES_DEC, 12, 2] },
    { name: 'empty column', col: [] },
  ])('reports a malformed values column ($name)', ({ col }) => {
    const it = new DenseIterator(new Float64Array([1, 2, 3]), Uint8Array.from(col));
    let n = 0;
    while (it.next()) n++;
    expect(n).toBeLessThan(3);
    expect(it.err()?.reason).toBe('corrupt_chunk');
    expect(() => decodeValues(Uint8Array.from(col), 3, new Float64Array(3))).toThrow(/corrupt dense chunk/);
  });

  it('refuses a times column whose header disagrees with its deltas', () => {
    const col = encodeTimes([10, 20, 30], 3);
    col[2] = 4; // span 30 -> 2
    expect(() => decodeTimes(col)).toThrow(/corrupt dense chunk/);
  });
});
