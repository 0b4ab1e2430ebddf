// Proves that a block written by writeBlock reads back exactly: select with any matchers
// and time range equals a brute-force filter of the input (chunk bytes untouched, chunks
// clipped to the range), label names and values equal the input's, the meta is right, and
// only published `.db` files open.
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelValue } from '../../../src/model/labels.js';
import { newMatcher, type MatchType } from '../../../src/model/matcher.js';
import { BlockReader } from '../../../src/tsdb/block/block-reader.js';
import { blockPath, blockTmpPath, writeBlock } from '../../../src/tsdb/block/block-writer.js';
import { BLOCK_FORMAT_VERSION, XOR_BLOCK_FORMAT_VERSION, type BlockFormatVersion, type SeriesInput } from '../../../src/tsdb/block/block-meta.js';
import { bruteSelect, chunkOf, chunksOf, labels, matcherSpecArb, plain, seriesArb, T0, useTempDir } from './fixtures.js';

const tempDir = useTempDir();
let counter = 0;

const withChunks = (series: SeriesInput[]) => series.filter((s) => s.chunks.length > 0);

describe.each([
  { formatVersion: BLOCK_FORMAT_VERSION as BlockFormatVersion, chunks: 'dense' },
  { formatVersion: XOR_BLOCK_FORMAT_VERSION as BlockFormatVersion, chunks: 'XOR (format 1)' },
])('block writer and reader, $chunks chunks', ({ formatVersion }) => {
  /** Writes and publishes a block; returns its reader. */
  function publish(dir: string, series: readonly SeriesInput[], seriesPerGroup?: number, groupTargetBytes?: number): BlockReader {
    const ulid = `B${++counter}`;
    writeBlock({ dir, ulid, series, level: 1, sources: [ulid], parents: [], seriesPerGroup, groupTargetBytes, formatVersion });
    renameSync(blockTmpPath(dir, ulid), blockPath(dir, ulid));
    return BlockReader.open(blockPath(dir, ulid));
  }

  it('select equals a brute-force filter of the input', () => {
    const dir = tempDir();
    fc.assert(
      fc.property(
        seriesArb.filter((s) => withChunks(s).length > 0),
        fc.array(matcherSpecArb, { maxLength: 3 }),
        fc.integer({ min: 0, max: 4_000_000 }),
        fc.integer({ min: 0, max: 4_000_000 }),
        fc.constantFrom(1, 2, 16),
        fc.constantFrom(1, 100, 4096), // row size cut: 1 byte makes every row one series
        (series, specs, a, b, perGroup, targetBytes) => {
          const r = publish(dir, series, perGroup, targetBytes);
          try {
            const matchers = specs.map(([type, name, value]) => newMatcher(type as MatchType, name, value));
            const [mint, maxt] = [T0 + Math.min(a, b), T0 + Math.max(a, b)];
            expect(plain(r.select(matchers, mint, maxt))).toEqual(plain(bruteSelect(series, matchers, mint, maxt)));
            expect(plain(r.select(matchers, -Infinity, Infinity))).toEqual(plain(bruteSelect(series, matchers, -Infinity, Infinity)));
          } finally {
            r.close();
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('label names and values equal the input', () => {
    const dir = tempDir();
    fc.assert(
      fc.property(seriesArb.filter((s) => withChunks(s).length > 0), fc.array(matcherSpecArb, { maxLength: 2 }), fc.constantFrom(1, 3, 16), (series, specs, perGroup) => {
        const r = publish(dir, series, perGroup);
        try {
          const stored = withChunks(series);
          const matchers = specs.map(([type, name, value]) => newMatcher(type as MatchType, name, value));
          const matching = stored.filter((s) => matchers.every((m) => m.matches(labelValue(s.labels, m.name))));
          const names = (ss: SeriesInput[]) => [...new Set(ss.flatMap((s) => s.labels.map((l) => l.name)))].sort();
          const values = (ss: SeriesInput[], n: string) => [...new Set(ss.map((s) => labelValue(s.labels, n)).filter((v) => v !== ''))].sort();
          expect(r.labelNames()).toEqual(names(stored));
          expect(r.labelNames(matchers)).toEqual(names(matchers.length === 0 ? stored : matching));
          for (const n of ['__name__', 'a', 'job', 'missing']) {
            expect(r.labelValues(n)).toEqual(values(stored, n));
            expect(r.labelValues(n, matchers)).toEqual(values(matchers.length === 0 ? stored : matching, n));
          }
          expect(r.meta.numSeries).toBe(stored.length);
          expect(r.meta.numChunks).toBe(stored.reduce((n, s) => n + s.chunks.length, 0));
        } finally {
          r.close();
        }
      }),
      { numRuns: 100 },
    );
  });

  it('clips chunks to [mint, maxt] and omits series left without any', () => {
    const dir = tempDir();
    const a = chunksOf(Array.from({ length: 300 }, (_, i) => [1000 + i * 10, i] as [number, number]), 100); // 1000..1990, 2000..2990, 3000..3990
    const b = [chunkOf([[5000, 1], [6000, 2]])];
    const r = publish(dir, [
      { labels: labels({ __name__: 'a' }), chunks: a },
      { labels: labels({ __name__: 'b' }), chunks: b },
    ]);
    const cases = [
      { name: 'everything', mint: 0, maxt: 10_000, expected: { a: 3, b: 1 } },
      { name: 'inclusive ends', mint: 1990, maxt: 2000, expected: { a: 2 } },
      { name: 'one chunk', mint: 2500, maxt: 2600, expected: { a: 1 } },
      { name: 'inside b', mint: 5500, maxt: 5600, expected: { b: 1 } },
      { name: 'gap', mint: 4000, maxt: 4999, expected: {} },
      { name: 'reversed', mint: 3000, maxt: 1000, expected: {} },
    ];
    for (const c of cases) {
      const got = Object.fromEntries(r.select([], c.mint, c.maxt).map((s) => [s.labels[0]!.value, s.chunks.length]));
      expect(got, c.name).toEqual(c.expected);
    }
    expect(r.meta).toMatchObject({ minTime: 1000, maxTime: 6000, numSeries: 2, numChunks: 4, numSamples: 302, level: 1, version: formatVersion, parents: [] });
    r.close();
  });

  it('skips series without chunks and refuses an empty block', () => {
    const dir = tempDir();
    const r = publish(dir, [
      { labels: labels({ a: '1' }), chunks: [] },
      { labels: labels({ a: '2' }), chunks: [chunkOf([[1, 1]])] },
    ]);
    expect(r.select([], 0, 10).map((s) => s.labels)).toEqual([labels({ a: '2' })]);
    expect(r.labelValues('a')).toEqual(['2']);
    r.close();
    expect(() => writeBlock({ dir, ulid: 'E', series: [{ labels: labels({ a: '1' }), chunks: [] }], level: 1, sources: ['E'], parents: [] })).toThrow(/no samples/);
    expect(existsSync(blockTmpPath(dir, 'E'))).toBe(false);
  });

  it.each([
    { name: 'a .tmp path', file: 'X.tmp', create: true, error: /does not end in \.db/ },
    { name: 'a .db whose .tmp exists', file: 'X.db', create: false, error: /X\.db does not exist; only the unfinished .*X\.tmp exists/ },
    { name: 'a missing .db', file: 'Y.db', create: false, error: /Y\.db does not exist$/ },
    { name: 'a .db that is not a block', file: 'Z.db', create: true, error: /corrupt block|not a database/ },
  ])('refuses to open $name', ({ file, create, error }) => {
    const dir = tempDir();
    writeBlock({ dir, ulid: 'X', series: [{ labels: labels({ a: '1' }), chunks: [chunkOf([[1, 1]])] }], level: 1, sources: ['X'], parents: [] });
    if (create && file !== 'X.tmp') writeFileSync(join(dir, file), 'not sqlite at all, just some text padding it out '.repeat(20));
    expect(() => BlockReader.open(join(dir, file))).toThrow(error);
  });

  it('streams every series in label order, also from the shared timestamp columns', () => {
    const dir = tempDir();
    const input = Array.from({ length: 50 }, (_, i) => ({ labels: labels({ a: String(i).padStart(3, '0'), job: 'j' }), chunks: [chunkOf([[i, i]])] }));
    const r = publish(dir, input);
    expect(plain([...r.series()])).toEqual(plain(input));
    r.close();
  });
});

describe('dense blocks (format 2)', () => {
  it('store a timestamp column shared by many series once, and read each series back exactly', () => {
    const dir = tempDir();
    // 200 series scraped together (one time column), values of the three codings.
    const times = Array.from({ length: 240 }, (_, i) => T0 + i * 15_000 + (i % 3) * 7);
    const input = Array.from({ length: 200 }, (_, s) => ({
      labels: labels({ __name__: 'm', i: String(s).padStart(3, '0') }),
      chunks: chunksOf(times.map((t, i): [number, number] => [t, s % 3 === 0 ? 1000 + i * s : s % 3 === 1 ? (i * s) / 100 : Math.sqrt(i * s + 2)])),
    }));
    const r = publish2(dir, input);
    const db = new Database(blockPath(dir, r.meta.ulid), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM times').pluck().get()).toBe(2); // two chunks' worth of times
    } finally {
      db.close();
    }
    expect(plain(r.select([], -Infinity, Infinity))).toEqual(plain(input));
    expect(plain([...r.series()])).toEqual(plain(input));
    r.close();
  });
});

function publish2(dir: string, series: readonly SeriesInput[]): BlockReader {
  const ulid = `D${++counter}`;
  writeBlock({ dir, ulid, series, level: 1, sources: [ulid], parents: [] });
  renameSync(blockTmpPath(dir, ulid), blockPath(dir, ulid));
  return BlockReader.open(blockPath(dir, ulid));
}
