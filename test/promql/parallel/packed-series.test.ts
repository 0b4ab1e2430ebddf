// Proves that packing a share of series (one visit each, through reused scratch columns)
// and reading it back gives every chunk that overlaps the span, in order, with its bytes,
// bounds, sample count and dense timestamps (shared columns packed once), for shares big
// enough to grow the scratch several times and packed one after another.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PackedReader, packSeries } from '../../../src/promql/parallel/packed-series.js';
import { ChunkSeries } from '../../../src/tsdb/chunk-series.js';
import type { ClosedChunk } from '../../../src/tsdb/chunkenc/xor-open.js';
import { labelsFromObject } from '../../../src/model/labels.js';

/** Series of chunks 10 ms apart each, random bytes; some dense, sharing one of two time columns. */
function seriesList(sizes: readonly number[], byteLen: number, seed: number): ChunkSeries[] {
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const shared = [Float64Array.from([1, 2, 3]), Float64Array.from([4, 5, 6, 7])];
  return sizes.map((n, i) => {
    const chunks: ClosedChunk[] = [];
    for (let c = 0; c < n; c++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(rnd() * byteLen) }, () => Math.floor(rnd() * 256));
      const dense = rnd() < 0.3 ? shared[Math.floor(rnd() * 2)] : undefined;
      chunks.push(dense === undefined ? { bytes, mint: c * 10, maxt: c * 10 + 9, numSamples: 1 + c } : { bytes, mint: c * 10, maxt: c * 10 + 9, numSamples: 1 + c, times: dense });
    }
    return new ChunkSeries(labelsFromObject({ s: String(i) }), chunks, -5 * i, 1000 + i);
  });
}

/** A chunk as comparable values. */
const view = (c: ClosedChunk) => [c.mint, c.maxt, c.numSamples, [...c.bytes], c.times === undefined ? undefined : [...c.times]];

describe('packSeries', () => {
  it('reads back every overlapping chunk of every series, whatever the share and span', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(8), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 300 }),
        fc.nat(100),
        fc.nat(100),
        fc.nat(),
        (sizes, byteLen, lo, span, seed) => {
          const list = seriesList(sizes, byteLen, seed);
          const from = Math.floor(list.length / 3);
          const mint = lo;
          const maxt = lo + span;
          const packed = packSeries(list, from, list.length, mint, maxt);
          const reader = new PackedReader(packed);
          expect(packed.count).toBe(list.length - from);
          for (let j = 0; j < packed.count; j++) {
            const s = list[from + j]!;
            expect([packed.mint[j], packed.maxt[j]]).toEqual([s.mint, s.maxt]);
            const a = Math.max(mint, s.mint);
            const b = Math.min(maxt, s.maxt);
            const want = s.chunks.filter((c) => c.maxt >= a && c.mint <= b);
            const got = reader.chunks(j);
            expect(got.map(view)).toEqual(want.map(view));
          }
          expect(packed.timesStart.length - 1).toBeLessThanOrEqual(2);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('packs shares that grow the scratch past its first size, and the next share after them', () => {
    for (const [sizes, byteLen] of [
      [Array.from({ length: 3000 }, () => 2), 80],
      [[1, 2, 3], 5],
      [Array.from({ length: 500 }, () => 8), 400],
    ] as const) {
      const list = seriesList(sizes, byteLen, sizes.length);
      const reader = new PackedReader(packSeries(list, 0, list.length, -Infinity, Infinity));
      for (let j = 0; j < list.length; j += 97) expect(reader.chunks(j).map(view)).toEqual(list[j]!.chunks.map(view));
      expect(reader.chunks(list.length - 1).map(view)).toEqual(list.at(-1)!.chunks.map(view));
    }
  });
});
