// Proves that joining a series' chunk lists from several places yields every timestamp
// exactly once, in order, keeps non-overlapping chunks' bytes untouched, and that the
// chunk iterator clips and seeks like the reference (a plain filtered array).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunksIterator, mergeChunkLists } from '../../src/tsdb/chunk-series.js';
import { RangeWindow } from '../../src/promql/engine/range-window.js';
import { decodeTimes, encodeTimes, encodeValues } from '../../src/tsdb/chunkenc/dense.js';
import { XorChunk } from '../../src/tsdb/chunkenc/xor.js';
import type { ClosedChunk } from '../../src/tsdb/chunkenc/xor-open.js';

function chunk(ts: readonly number[]): ClosedChunk {
  const c = new XorChunk();
  for (const t of ts) c.append(t, t * 2);
  return { bytes: c.bytes().slice(), mint: ts[0]!, maxt: ts[ts.length - 1]!, numSamples: ts.length };
}

/** The chunk as the head hands it out: with its last value's bits recorded. */
function headChunk(ts: readonly number[]): ClosedChunk {
  const c = chunk(ts);
  const halves = new Int32Array(new Float64Array([ts[ts.length - 1]! * 2]).buffer);
  return { ...c, lastLo: halves[0], lastHi: halves[1] };
}

function read(chunks: readonly ClosedChunk[], mint = -Infinity, maxt = Infinity): number[] {
  const it = new ChunksIterator(chunks, mint, maxt);
  const out: number[] = [];
  while (it.next()) {
    expect(it.v).toBe(it.t * 2);
    out.push(it.t);
  }
  return out;
}

/** A list of chunks over sorted distinct timestamps, split at random points. */
const chunkList = fc
  .uniqueArray(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 200 })
  .chain((ts) => {
    const sorted = [...ts].sort((a, b) => a - b);
    return fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, sorted.length - 1) }), { maxLength: 8 }).map((cuts) => {
      const at = [0, ...cuts.sort((a, b) => a - b), sorted.length].filter((v, i, a) => i === 0 || v !== a[i - 1]);
      const out: ClosedChunk[] = [];
      for (let i = 1; i < at.length; i++) if (at[i]! > at[i - 1]!) out.push(chunk(sorted.slice(at[i - 1], at[i])));
      return out;
    });
  });

describe('mergeChunkLists', () => {
  it('holds the union of the timestamps, each once, in order (property)', () => {
    fc.assert(
      fc.property(fc.array(chunkList, { minLength: 1, maxLength: 4 }), (lists) => {
        const want = [...new Set(lists.flatMap((l) => read(l)))].sort((a, b) => a - b);
        const merged = mergeChunkLists(lists);
        expect(read(merged)).toEqual(want);
        for (let i = 1; i < merged.length; i++) expect(merged[i]!.mint).toBeGreaterThan(merged[i - 1]!.maxt);
      }),
      { numRuns: 200 },
    );
  });

  it('joins disjoint lists without touching their bytes', () => {
    const a = [chunk([1, 2, 3]), chunk([10, 11])];
    const b = [chunk([5, 6]), chunk([20])];
    const merged = mergeChunkLists([a, b]);
    expect(merged.map((c) => c.mint)).toEqual([1, 5, 10, 20]);
    expect(merged[0]).toBe(a[0]);
    expect(merged[1]).toBe(b[0]);
  });
});

describe('ChunksIterator', () => {
  it('clips to [mint, maxt] and seeks forward only (property)', () => {
    fc.assert(
      fc.property(chunkList, fc.integer({ min: -10, max: 5010 }), fc.integer({ min: -10, max: 5010 }), fc.integer({ min: 0, max: 5010 }), (chunks, a, b, seekTo) => {
        const [mint, maxt] = a <= b ? [a, b] : [b, a];
        const all = read(chunks);
        expect(read(chunks, mint, maxt)).toEqual(all.filter((t) => t >= mint && t <= maxt));
        const it = new ChunksIterator(chunks, mint, maxt);
        const want = all.find((t) => t >= Math.max(seekTo, mint) && t <= maxt);
        expect(it.seek(seekTo)).toBe(want !== undefined);
        if (want !== undefined) expect(it.t).toBe(want);
      }),
      { numRuns: 300 },
    );
  });

  it('finds the newest sample at or before t like a scan does, with and without recorded last values (property)', () => {
    fc.assert(
      fc.property(chunkList, fc.boolean(), fc.integer({ min: -10, max: 5010 }), fc.integer({ min: -10, max: 5010 }), fc.integer({ min: -10, max: 5010 }), (plain, recorded, a, b, ref) => {
        const chunks = recorded ? plain.map((c) => headChunk(read([c]))) : plain;
        const [mint, maxt] = a <= b ? [a, b] : [b, a];
        const want = read(plain, mint, maxt).filter((t) => t <= ref).pop();
        const it = new ChunksIterator(chunks, mint, maxt);
        expect(it.lastAtOrBefore(ref)).toBe(want !== undefined);
        if (want !== undefined) expect([it.t, it.v]).toEqual([want, want * 2]);
        expect(it.next()).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['ref after the last chunk: its recorded value, no decoding', 100, [90, 999]],
    ['ref inside the last chunk: decoded up to ref', 75, [70, 140]],
    ['ref in the gap between chunks', 55, [50, 100]],
    ['ref before everything', 5, undefined],
  ])('%s', (_name, ref, want) => {
    const chunks = [headChunk([10, 20, 50]), headChunk([60, 70, 80, 90])];
    // A recorded value that differs from the decoded one (999 vs 180) shows which path answered.
    const forged = [chunks[0]!, { ...chunks[1]!, ...halvesOf(999) }];
    const it = new ChunksIterator(forged, -Infinity, Infinity);
    expect(it.lastAtOrBefore(ref)).toBe(want !== undefined);
    if (want !== undefined) expect([it.t, it.v]).toEqual(want);
  });
});

function halvesOf(v: number): { lastLo: number; lastHi: number } {
  const halves = new Int32Array(new Float64Array([v]).buffer);
  return { lastLo: halves[0]!, lastHi: halves[1]! };
}

/** `c` as a format-2 block hands it out: a dense chunk with its times column decoded. */
function dense(c: ClosedChunk): ClosedChunk {
  const ts: number[] = [];
  const it = new ChunksIterator([c], -Infinity, Infinity);
  while (it.next()) ts.push(it.t);
  const times = decodeTimes(encodeTimes(ts, ts.length));
  return { mint: c.mint, maxt: c.maxt, numSamples: ts.length, times, bytes: encodeValues(Float64Array.from(ts, (t) => t * 2), ts.length) };
}

describe('ChunksIterator.readInto', () => {
  it('appends what seek() and next() yield from `from` up to `to`, over XOR and dense chunks (property)', () => {
    fc.assert(
      fc.property(chunkList, fc.array(fc.boolean(), { maxLength: 10 }), fc.integer({ min: -10, max: 5010 }), fc.integer({ min: -10, max: 5010 }), fc.integer({ min: -10, max: 5010 }), fc.integer({ min: -10, max: 5010 }), (list, kinds, a, b, from, to) => {
        const chunks = list.map((c, i) => (kinds[i] === true ? dense(c) : c));
        const [mint, maxt] = a <= b ? [a, b] : [b, a];
        const ref = new ChunksIterator(chunks, mint, maxt);
        const want: number[] = [];
        if (from <= to && ref.seek(from)) {
          do {
            if (ref.t > to) break;
            want.push(ref.t);
          } while (ref.next());
        }
        const it = new ChunksIterator(chunks, mint, maxt);
        // The engine's own columns (64 samples at first: longer chunks make them grow).
        const out = new RangeWindow();
        it.readInto(from, to, out, true);
        expect(Array.from(out.t.subarray(0, out.hi))).toEqual(want);
        expect(Array.from(out.v.subarray(0, out.hi))).toEqual(want.map((t) => t * 2));
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});
