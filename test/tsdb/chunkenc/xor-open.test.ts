// The head's flattened open chunk (OpenXorChunk) must cut and encode exactly as the
// general XorChunk driven by ChunkCutPolicy, which the Prometheus-compatibility tests
// pin down: same chunk boundaries, same bytes, bit for bit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkCutPolicy, XorChunk, XorIterator, defaultChunkCutOptions, type ChunkCutState } from '../../../src/tsdb/chunkenc/xor.js';
import { OpenXorChunk, type ClosedChunk } from '../../../src/tsdb/chunkenc/xor-open.js';

const RANGE = 2 * 3_600_000;
const scratch = new Float64Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** The reference: the layered writer the head used before, rebuilt from the general parts. */
function reference(samples: readonly [number, number][]): ClosedChunk[] {
  const policy = new ChunkCutPolicy({ ...defaultChunkCutOptions(), chunkRangeMs: RANGE });
  const out: ClosedChunk[] = [];
  const cut: ChunkCutState = { nextAt: 0 };
  let open: XorChunk | undefined;
  let mint = 0;
  let maxt = 0;
  for (const [t, v] of samples) {
    if (open === undefined || policy.shouldCut(cut, { mint, maxt, numSamples: open.numSamples, numBytes: open.bytes().length }, t)) {
      if (open !== undefined) out.push({ bytes: open.bytes().slice(), mint, maxt, numSamples: open.numSamples });
      open = new XorChunk();
      mint = t;
      policy.startChunk(cut, t);
    }
    open.append(t, v);
    maxt = t;
  }
  if (open !== undefined) out.push({ bytes: open.bytes().slice(), mint, maxt, numSamples: open.numSamples });
  return out;
}

const staleNaN = new Float64Array(new Uint32Array([0x00000002, 0x7ff00000]).buffer)[0]!;
const value = fc.oneof(
  fc.double(),
  fc.constantFrom(0, 1, -1, Number.NaN, Infinity, -Infinity, staleNaN, 1e300, 5e-324),
  fc.integer({ min: 0, max: 1e6 }),
);
// Deltas: regular scrapes with jitter, bursts, and rare huge gaps (across chunk ranges).
const delta = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 14_990, max: 15_010 }) }, fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 2 ** 40 }));

describe('OpenXorChunk', () => {
  it('cuts and encodes every sequence exactly as XorChunk with ChunkCutPolicy', () => {
    let multiChunk = 0;
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 42), max: 2 ** 42 }), fc.array(fc.tuple(delta, value), { minLength: 1, maxLength: 700, size: 'max' }), fc.boolean(), (start, steps, constant) => {
        let t = start;
        const samples: [number, number][] = steps.map(([d, v], i) => [(t += i === 0 ? 0 : d), constant ? 42 : v]);
        const open = new OpenXorChunk(RANGE);
        for (const [st, v] of samples) open.appendSample(st, v);
        const got = open.chunks();
        const want = reference(samples);
        expect(got.map((c) => [c.mint, c.maxt, c.numSamples])).toEqual(want.map((c) => [c.mint, c.maxt, c.numSamples]));
        got.forEach((c, i) => expect(Buffer.from(c.bytes).equals(Buffer.from(want[i]!.bytes))).toBe(true));
        if (got.length > 1) multiChunk++;
      }),
      { numRuns: 300 },
    );
    // The generator must exercise the cut rule, not just single chunks.
    expect(multiChunk).toBeGreaterThan(100);
  });

  it('reads back every sample, stale markers bit for bit, from a reused buffer', () => {
    const open = new OpenXorChunk(RANGE);
    const samples: [number, number][] = [];
    for (let i = 0; i < 1000; i++) samples.push([1_700_000_000_000 + i * 15_000, i % 7 === 0 ? staleNaN : i * 1.5]);
    for (const [t, v] of samples) open.appendSample(t, v);
    const chunks = open.chunks();
    expect(chunks.length).toBeGreaterThan(5);
    const read: [number, number][] = [];
    const bits: number[] = [];
    for (const c of chunks) {
      const it = new XorIterator(c.bytes);
      while (it.next()) {
        read.push([it.t, it.v]);
        // Through a typed array: a JS array literal of doubles canonicalises NaN payloads.
        scratch[0] = it.v;
        bits.push(scratchBits[0]!);
      }
      expect(it.err()).toBeUndefined();
    }
    expect(read.length).toBe(1000);
    read.forEach(([t, v], i) => {
      expect(t).toBe(samples[i]![0]);
      if (i % 7 === 0) expect(bits[i]).toBe(2);
      else expect(v).toBe(samples[i]![1]);
    });
  });

  it('refuses a sample that is not newer than the last', () => {
    const open = new OpenXorChunk(RANGE);
    open.appendSample(1000, 1);
    expect(() => open.appendSample(1000, 2)).toThrow(/does not follow/);
  });
});
