// Proves that the block input stream gives back exactly the series and chunk bytes it was
// given, without copying chunk bytes, and refuses series out of label order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockInputTransfer, BlockInputWriter, readBlockInput, sortedBlockInput } from '../../../src/tsdb/block/block-input.js';
import { chunkOf, labels, plain, seriesArb } from './fixtures.js';

describe('block input stream', () => {
  it('round-trips series and chunks', () => {
    fc.assert(
      fc.property(seriesArb, (series) => {
        const w = new BlockInputWriter(16); // tiny segments: a new one every series or two
        for (const s of series) w.add(s.labels, s.chunks);
        const input = w.finish();
        expect(plain([...readBlockInput(input)])).toEqual(plain(series));
        expect(input.length).toBeGreaterThanOrEqual(Math.min(1, series.length));
      }),
    );
  });

  it('hands out chunk bytes as views of the stream', () => {
    const w = new BlockInputWriter();
    w.add(labels({ a: 'b' }), [chunkOf([[1, 1], [2, 2]])]);
    const input = w.finish();
    const [s] = [...readBlockInput(input)];
    expect(s!.chunks[0]!.bytes.buffer).toBe(input[0]!.buffer);
    expect(blockInputTransfer(input)).toEqual([input[0]!.buffer]);
  });

  it('takes series in any order; the worker reads them back sorted by labels, across segments', () => {
    const w = new BlockInputWriter(8);
    for (const v of ['y', 'b', 'x', 'a']) w.add(labels({ a: v }), [chunkOf([[1, 1]])]);
    const sorted = sortedBlockInput(w.finish());
    expect(sorted.map((s) => s.labels[0]!.value)).toEqual(['a', 'b', 'x', 'y']);
  });

  it('reads an empty stream as no series', () => {
    expect([...readBlockInput(new BlockInputWriter().finish())]).toEqual([]);
  });
});
