// Proves that compaction merges blocks into one holding every series once, in label
// order: chunks overlapping nothing keep their exact samples, overlapping chunks become
// re-encoded chunks with each timestamp once (the first-listed source winning), and the
// meta records level, sources and parents.
import { renameSync } from 'node:fs';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { compareLabels, labelsKey } from '../../../src/model/labels.js';
import { BlockReader } from '../../../src/tsdb/block/block-reader.js';
import { blockPath, blockTmpPath, writeBlock } from '../../../src/tsdb/block/block-writer.js';
import { BLOCK_FORMAT_VERSION, XOR_BLOCK_FORMAT_VERSION, type BlockFormatVersion, type BlockMeta, type SeriesInput } from '../../../src/tsdb/block/block-meta.js';
import { compactBlocks } from '../../../src/tsdb/block/compact.js';
import { chunkOf, chunksOf, labels, plain, samplesOf, useTempDir } from './fixtures.js';

const tempDir = useTempDir();

/** The format of the source blocks in the current `describe.each` case. */
let sourceFormat: BlockFormatVersion = BLOCK_FORMAT_VERSION;

function publish(dir: string, ulid: string, series: readonly SeriesInput[]): string {
  writeBlock({ dir, ulid, series, level: 1, sources: [ulid], parents: [], formatVersion: sourceFormat });
  renameSync(blockTmpPath(dir, ulid), blockPath(dir, ulid));
  return blockPath(dir, ulid);
}

function compact(dir: string, ulid: string, sources: string[]): { meta: BlockMeta; series: SeriesInput[] } {
  const meta = compactBlocks({ dir, ulid, sources });
  renameSync(blockTmpPath(dir, ulid), blockPath(dir, ulid));
  const r = BlockReader.open(blockPath(dir, ulid));
  try {
    expect(r.meta).toEqual(meta);
    return { meta, series: r.select([], -Infinity, Infinity) };
  } finally {
    r.close();
  }
}

const ramp = (from: number, n: number, stepMs = 1000, v0 = 0): [number, number][] => Array.from({ length: n }, (_, i) => [from + i * stepMs, v0 + i]);

describe.each([
  { format: BLOCK_FORMAT_VERSION as BlockFormatVersion, sources: 'dense' },
  { format: XOR_BLOCK_FORMAT_VERSION as BlockFormatVersion, sources: 'XOR (format 1)' },
])('compactBlocks of $sources blocks', ({ format }) => {
  beforeEach(() => {
    sourceFormat = format;
  });

  it('merges disjoint blocks keeping every chunk exactly', () => {
    const dir = tempDir();
    const a = [
      { labels: labels({ __name__: 'm', i: '1' }), chunks: chunksOf(ramp(0, 150)) },
      { labels: labels({ __name__: 'm', i: '3' }), chunks: [chunkOf(ramp(0, 10))] },
    ];
    const b = [
      { labels: labels({ __name__: 'm', i: '1' }), chunks: [chunkOf(ramp(200_000, 10))] },
      { labels: labels({ __name__: 'm', i: '2' }), chunks: [chunkOf(ramp(200_000, 5))] }, // only in b
    ];
    const { meta, series } = compact(dir, 'C', [publish(dir, 'A', a), publish(dir, 'B', b)]);
    expect(plain(series)).toEqual(
      plain([
        { labels: a[0]!.labels, chunks: [...a[0]!.chunks, ...b[0]!.chunks] },
        b[1]!,
        a[1]!,
      ]),
    );
    expect(meta).toMatchObject({ ulid: 'C', level: 2, sources: ['A', 'B'], parents: ['A', 'B'], numSeries: 3, numChunks: 5, numSamples: 175, minTime: 0, maxTime: 209_000 });
  });

  it('merges overlapping chunks, each timestamp once, first source winning', () => {
    const dir = tempDir();
    const ls = labels({ __name__: 'm' });
    const a = publish(dir, 'A', [{ labels: ls, chunks: [chunkOf(ramp(0, 100, 1000, 0))] }]); // t 0..99 s, v = i
    const b = publish(dir, 'B', [{ labels: ls, chunks: [chunkOf(ramp(50_000, 100, 1000, 1000))] }]); // t 50..149 s
    const { series } = compact(dir, 'C', [a, b]);
    const samples = samplesOf(series[0]!.chunks);
    expect(samples.map(([t]) => t)).toEqual(ramp(0, 150).map(([t]) => t));
    expect(samples[60]).toEqual([60_000, 60]); // duplicate: A's value, A listed first
    expect(samples[120]).toEqual([120_000, 1070]);
    expect(series[0]!.chunks.map((c) => c.numSamples)).toEqual([120, 30]);
    // Reversed priority: B's value wins.
    expect(samplesOf(compact(dir, 'D', [b, a]).series[0]!.chunks)[60]).toEqual([60_000, 1010]);
  });

  it('re-encodes only the overlapping run and keeps the rest', () => {
    const dir = tempDir();
    const ls = labels({ __name__: 'm' });
    const early = chunkOf(ramp(0, 10));
    const late = chunkOf(ramp(1_000_000, 10));
    const a = publish(dir, 'A', [{ labels: ls, chunks: [early, chunkOf(ramp(100_000, 10)), late] }]);
    const b = publish(dir, 'B', [{ labels: ls, chunks: [chunkOf(ramp(105_000, 10))] }]);
    const { series, meta } = compact(dir, 'C', [a, b]);
    const chunks = series[0]!.chunks;
    expect(chunks.length).toBe(3);
    expect(plain([{ labels: ls, chunks: [chunks[0]!, chunks[2]!] }])).toEqual(plain([{ labels: ls, chunks: [early, late] }]));
    expect(chunks[1]!).toMatchObject({ mint: 100_000, maxt: 114_000, numSamples: 15 });
    expect(meta.numSamples).toBe(35);
  });

  it('keeps sources as the union of leaves and levels up from the highest', () => {
    const dir = tempDir();
    const one = (t: number) => [{ labels: labels({ a: 'x' }), chunks: [chunkOf([[t, 1]])] }];
    const ab = compactBlocks({ dir, ulid: 'AB', sources: [publish(dir, 'A', one(1)), publish(dir, 'B', one(2))] });
    renameSync(blockTmpPath(dir, 'AB'), blockPath(dir, 'AB'));
    const meta = compactBlocks({ dir, ulid: 'ABC', sources: [blockPath(dir, 'AB'), publish(dir, 'C', one(3))] });
    expect(ab).toMatchObject({ level: 2, sources: ['A', 'B'], parents: ['A', 'B'] });
    expect(meta).toMatchObject({ level: 3, sources: ['A', 'B', 'C'], parents: ['AB', 'C'], numSamples: 3 });
  });

  it('holds the union of samples of random blocks (property)', () => {
    const dir = tempDir();
    let n = 0;
    const seriesSet = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1 });
    const block = fc.record({ names: seriesSet, start: fc.integer({ min: 0, max: 300 }), len: fc.integer({ min: 1, max: 300 }) });
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 4 }), (blocks) => {
        const paths = blocks.map((b, i) =>
          publish(
            dir,
            `P${++n}`,
            b.names.sort().map((name) => ({ labels: labels({ s: name }), chunks: chunksOf(ramp(b.start * 1000, b.len, 1000, i * 10_000)) })),
          ),
        );
        const { series } = compact(dir, `Q${n}`, paths);
        const want = new Map<string, Set<number>>();
        for (const b of blocks) for (const name of b.names) {
          const set = want.get(name) ?? new Set();
          for (const [t] of ramp(b.start * 1000, b.len)) set.add(t);
          want.set(name, set);
        }
        expect(series.map((s) => s.labels[0]!.value)).toEqual([...want.keys()].sort());
        for (const s of series) {
          const ts = samplesOf(s.chunks).map(([t]) => t);
          expect(ts).toEqual([...want.get(s.labels[0]!.value)!].sort((x, y) => x - y));
          for (const c of s.chunks) expect(c.numSamples).toBeLessThanOrEqual(120);
        }
        expect(series.every((s, i) => i === 0 || compareLabels(series[i - 1]!.labels, s.labels) < 0)).toBe(true);
        expect(new Set(series.map((s) => labelsKey(s.labels))).size).toBe(series.length);
      }),
      { numRuns: 40 },
    );
  });
});
