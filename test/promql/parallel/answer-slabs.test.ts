// Proves the slabs the query workers write big answers into: sized in powers of two,
// given back once however often a caller tries, reused, capped; the bound a slab is sized
// by holds for any labels and any values a matrix entry can hold; and a writer fills a
// slab with the bytes `finish` would give, or gives the bytes when they do not fit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntryWriter } from '../../../src/promql/entry-writer.js';
import { entriesBound, giveBackRuns, giveSlab, jsonOf, slabPoolStats, takeSlab } from '../../../src/promql/parallel/answer-slabs.js';
import { matrixEntryHead } from '../../../src/promql/value-json.js';
import { labelsFromObject } from '../../../src/model/labels.js';
import { MAX_TIME_MS, MIN_TIME_MS } from '../../../src/api/prom-params.js';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('slabs', () => {
  it.each([
    [1, 64 * KiB],
    [64 * KiB, 64 * KiB],
    [64 * KiB + 1, 128 * KiB],
    [5 * MiB, 8 * MiB],
    [64 * MiB, 64 * MiB],
  ])('takes %i bytes as a slab of %i', (bytes, size) => {
    const slab = takeSlab(bytes)!;
    expect(slab).toBeInstanceOf(SharedArrayBuffer);
    expect(slab.byteLength).toBe(size);
    giveSlab(slab);
  });

  it('gives none past 64 MiB: the worker copies such an answer back', () => {
    expect(takeSlab(64 * MiB + 1)).toBeUndefined();
  });

  it('reuses a slab given back, and takes it back once only', () => {
    const a = takeSlab(300 * KiB)!;
    const before = slabPoolStats();
    giveSlab(a);
    giveSlab(a);
    giveBackRuns([new Uint8Array(a, 0, 10), new Uint8Array(4)]);
    expect(slabPoolStats()).toEqual({ slabs: before.slabs + 1, bytes: before.bytes + 512 * KiB });
    expect(takeSlab(257 * KiB)).toBe(a);
    giveSlab(new SharedArrayBuffer(64 * KiB)); // not the pool's: ignored
    expect(slabPoolStats()).toEqual(before);
    giveSlab(a);
  });

  it('keeps at most 64 MiB of free slabs', () => {
    const taken = Array.from({ length: 6 }, () => takeSlab(16 * MiB)!);
    for (const s of taken) giveSlab(s);
    expect(slabPoolStats().bytes).toBeLessThanOrEqual(64 * MiB);
    for (let i = 0; i < 6; i++) takeSlab(16 * MiB); // empty the class again for the other tests
  });

  it('reads a worker answer as a view of its slab, or as the bytes it sent (the slab going back)', () => {
    const slab = takeSlab(10)!;
    new Uint8Array(slab).set([1, 2, 3]);
    const view = jsonOf(3, slab);
    expect([...view]).toEqual([1, 2, 3]);
    expect(view.buffer).toBe(slab);
    const before = slabPoolStats().slabs;
    expect([...jsonOf(new Uint8Array([9]), slab)]).toEqual([9]);
    expect(slabPoolStats().slabs).toBe(before + 1);
    expect(() => jsonOf(3, undefined)).toThrow(/BUG/);
  });
});

describe('entriesBound and EntryWriter.finishInto', () => {
  const value = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0, Number.MIN_VALUE, -Number.MAX_VALUE, -2.2250738585072014e-308));
  const time = fc.oneof(fc.integer({ min: MIN_TIME_MS, max: MAX_TIME_MS }), fc.constantFrom(MIN_TIME_MS, MAX_TIME_MS, -1));
  const series = fc.record({
    labels: fc.dictionary(fc.constantFrom('__name__', 'job', 'a', 'ünï'), fc.string({ unit: 'binary', maxLength: 12 }), { minKeys: 1 }),
    points: fc.array(fc.tuple(time, value), { maxLength: 8 }),
  });

  it('bounds the longest points there are', () => {
    const head = matrixEntryHead(labelsFromObject({ a: 'b' }));
    const w = new EntryWriter();
    const n = 1000;
    w.add(head, new Array<number>(n).fill(MIN_TIME_MS + 9), new Array<number>(n).fill(-2.2250738585072014e-308), 0, n);
    expect(w.finish().length).toBeLessThanOrEqual(entriesBound([head], n));
  });

  it('bounds the bytes of any entries, and the slab holds exactly what finish gives', () => {
    fc.assert(
      fc.property(fc.array(series, { maxLength: 6 }), (list) => {
        const heads = list.map((s) => matrixEntryHead(labelsFromObject(s.labels)));
        const write = () => {
          const w = new EntryWriter();
          list.forEach((s, i) => w.add(heads[i]!, s.points.map((p) => p[0]), s.points.map((p) => p[1]), 0, s.points.length));
          return w;
        };
        const want = write().finish();
        const points = list.reduce((n, s) => n + s.points.length, 0);
        expect(want.length).toBeLessThanOrEqual(entriesBound(heads, points));
        const slab = new SharedArrayBuffer(entriesBound(heads, points));
        const n = write().finishInto(slab);
        expect(n).toBe(want.length);
        expect(Buffer.from(new Uint8Array(slab, 0, n as number)).equals(Buffer.from(want))).toBe(true);
        if (want.length > 0) expect(write().finishInto(new SharedArrayBuffer(want.length - 1))).toEqual(want);
        expect(write().finishInto(undefined)).toEqual(want);
      }),
      { numRuns: 500 },
    );
  });
});
