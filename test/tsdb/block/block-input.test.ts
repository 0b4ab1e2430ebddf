// Proves that the block input stream gives back exactly the series and chunk bytes it was
// given, without copying chunk bytes, and refuses series out of label order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BlockInputWriter, readBlockInput, sortedBlockInput } from '../../../src/tsdb/block/block-input.js';
import { chunkOf, labels, plain, seriesArb } from './fixtures.js';

describe('block input stream', () => {
  it('round-trips series and chunks', () => {
    fc.assert(
      fc.property(seriesArb, (series) => {
        const w = new BlockInputWriter(16); // tiny start: exercises buffer doubling
        for (const s of series) w.add(s.labels, s.chunks);
        const buf = w.finish();
        expect(plain([...readBlockInput(buf)])).toEqual(plain(series));
      }),
    );
  });

  it('hands out chunk bytes as views of the stream', () => {
    const w = new BlockInputWriter();
    w.add(labels({ a: 'b' }), [chunkOf([[1, 1], [2, 2]])]);
    const buf = w.finish();
    const [s] = [...readBlockInput(buf)];
    expect(s!.chunks[0]!.bytes.buffer).toBe(buf.buffer);
  });

  it('takes series in any order; the worker reads them back sorted by labels', () => {
    const w = new BlockInputWriter();
    for (const v of ['y', 'b', 'x', 'a']) w.add(labels({ a: v }), [chunkOf([[1, 1]])]);
    const sorted = sortedBlockInput(w.finish());
    expect(sorted.map((s) => s.labels[0]!.value)).toEqual(['a', 'b', 'x', 'y']);
  });

  it('reads an empty stream as no series', () => {
    expect([...readBlockInput(new BlockInputWriter().finish())]).toEqual([]);
  });
});
