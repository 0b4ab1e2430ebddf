// Proves that log compaction keeps every entry of every stream exactly once (exact
// duplicates dropped, near-duplicates kept), in time order, re-cut to the target size
// with the block codec and fresh filters, copies chunks that need no work byte for byte,
// and records level, sources and parents.
import { renameSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareLabels, labelsKey } from '../../../src/model/labels.js';
import { CODEC_IDS, type CodecOptions } from '../../../src/logstore/chunk/codec.js';
import { DEFAULT_COMPACTED_CHUNK_BYTES, compactLogBlocks } from '../../../src/logstore/block/log-compact.js';
import { LogBlockReader } from '../../../src/logstore/block/log-block-reader.js';
import { logBlockPath, logBlockTmpPath } from '../../../src/logstore/block/log-block-writer.js';
import { MAX_NS_DELTA_SPAN_MS } from '../../../src/logstore/chunk/chunk-format.js';
import { dedupeSorted, type LogEntry } from '../../../src/logstore/entry.js';
import { entriesArb } from '../chunk/fixtures.js';
import { entriesOf, entry, labels, plain, publish, useTempDir, type TestStream } from './fixtures.js';

const tempDir = useTempDir();
const T0 = 1_700_000_000_000;

function compact(dir: string, ulid: string, sources: string[], chunkTargetBytes?: number, codec?: CodecOptions) {
  const meta = compactLogBlocks({ dir, ulid, sources, ...(chunkTargetBytes === undefined ? {} : { chunkTargetBytes }), ...(codec === undefined ? {} : { codec }) });
  renameSync(logBlockTmpPath(dir, ulid), logBlockPath(dir, ulid));
  const r = LogBlockReader.open(logBlockPath(dir, ulid));
  try {
    expect(r.meta).toEqual(meta);
    const streams = r.select([], -Infinity, Infinity).map((s) => ({ labels: s.labels, chunks: s.chunks, entries: entriesOf(s.chunks) }));
    return { meta, streams };
  } finally {
    r.close();
  }
}

/** The expected merge: per stream, sorted by time then line bytes then metadata, exact duplicates once. */
function expected(...blocks: TestStream[][]): Map<string, LogEntry[]> {
  const out = new Map<string, LogEntry[]>();
  for (const b of blocks) for (const s of b) {
    const k = labelsKey(s.labels);
    out.set(k, [...(out.get(k) ?? []), ...s.chunks.flat()]);
  }
  const key = (e: LogEntry) => JSON.stringify([e.tMs, e.tNs, Buffer.from(e.line).toString('hex'), e.metadata.map((m) => [m.name, m.value])]);
  for (const [k, es] of out) {
    const unique = new Map(es.map((e) => [key(e), e]));
    out.set(k, [...unique.values()].sort(order));
  }
  return out;
}

function order(a: LogEntry, b: LogEntry): number {
  return a.tMs - b.tMs || a.tNs - b.tNs || Buffer.compare(Buffer.from(a.line), Buffer.from(b.line));
}

function canonical(es: readonly LogEntry[]): LogEntry[] {
  return [...es].sort((a, b) => order(a, b) || (JSON.stringify(a.metadata) < JSON.stringify(b.metadata) ? -1 : 1));
}

describe('compactLogBlocks', () => {
  const app = labels({ app: 'shop' });
  const db = labels({ app: 'db' });

  it('merges disjoint blocks, keeping every entry and recording lineage', () => {
    const dir = tempDir();
    const a: TestStream[] = [{ labels: app, chunks: [[entry(T0, 0, 'a1'), entry(T0 + 1, 0, 'a2')]] }];
    const b: TestStream[] = [
      { labels: app, chunks: [[entry(T0 + 100, 0, 'b1')]] },
      { labels: db, chunks: [[entry(T0 + 50, 0, 'db1')]] },
    ];
    const { meta, streams } = compact(dir, 'C', [publish(dir, 'A', a).path, publish(dir, 'B', b).path]);
    expect(meta).toMatchObject({ ulid: 'C', level: 2, sources: ['A', 'B'], parents: ['A', 'B'], numStreams: 2, numChunks: 2, numEntries: 4, minTime: T0, maxTime: T0 + 100 });
    expect(streams.map((s) => s.labels)).toEqual([db, app]);
    expect(plain(streams[1]!.entries)).toEqual(plain([entry(T0, 0, 'a1'), entry(T0 + 1, 0, 'a2'), entry(T0 + 100, 0, 'b1')]));
    expect(streams[1]!.chunks[0]).toMatchObject({ codec: CODEC_IDS['zstd-tok'] });
  });

  it('drops exact duplicates and keeps near-duplicates of overlapping blocks', () => {
    const dir = tempDir();
    const a: TestStream[] = [{ labels: app, chunks: [[entry(T0, 5, 'same'), entry(T0, 5, 'same', { k: 'v' }), entry(T0 + 2, 0, 'x')]] }];
    const b: TestStream[] = [{ labels: app, chunks: [[entry(T0, 5, 'same'), entry(T0, 5, 'other'), entry(T0, 6, 'same'), entry(T0 + 2, 0, 'x'), entry(T0 + 3, 0, 'y')]] }];
    const { streams, meta } = compact(dir, 'C', [publish(dir, 'A', a).path, publish(dir, 'B', b).path]);
    // Equal times keep write order: block A's entries, then B's new ones (Loki's order).
    expect(plain(streams[0]!.entries)).toEqual(plain([entry(T0, 5, 'same'), entry(T0, 5, 'same', { k: 'v' }), entry(T0, 5, 'other'), entry(T0, 6, 'same'), entry(T0 + 2, 0, 'x'), entry(T0 + 3, 0, 'y')]));
    expect(meta.numEntries).toBe(6);
  });

  it('re-cuts into chunks of the target size and rebuilds filters', () => {
    const dir = tempDir();
    const lines = Array.from({ length: 100 }, (_, i) => entry(T0 + i, 0, `request ${i} ${'x'.repeat(50)}`));
    // Another codec than the sources' (zstd): no chunk can be copied as it is, all are re-cut.
    const { streams } = compact(dir, 'C', [publish(dir, 'A', [{ labels: app, chunks: [lines.slice(0, 50), lines.slice(50)] }]).path], 1000, { codec: 'brotli', level: 4 });
    const chunks = streams[0]!.chunks;
    expect(chunks.length).toBe(Math.ceil(lines.length / Math.ceil(1000 / 60)));
    for (const c of chunks.slice(0, -1)) expect(c.rawBytes).toBeGreaterThanOrEqual(1000);
    expect(chunks.every((c) => c.filter === null)).toBe(true); // select without needles reads no filters
    const r = LogBlockReader.open(logBlockPath(dir, 'C'));
    const hit = r.select([], -Infinity, Infinity, ['request 42 ']).flatMap((s) => s.chunks);
    expect(hit.length).toBeGreaterThanOrEqual(1); // the chunk holding it, and maybe a false positive
    expect(hit.length).toBeLessThan(chunks.length / 2);
    expect(entriesOf(hit).some((e) => e.line.startsWith('request 42 '))).toBe(true);
    r.close();
    expect(plain(streams[0]!.entries)).toEqual(plain(lines));
  });

  it('copies a lone chunk of compacted size byte for byte', () => {
    const dir = tempDir();
    const big = Array.from({ length: 40 }, (_, i) => entry(T0 + i, 0, `line ${i} ${'y'.repeat(40)}`));
    const first = compact(dir, 'C', [publish(dir, 'A', [{ labels: app, chunks: [big] }]).path], 1000);
    const later = publish(dir, 'B', [{ labels: app, chunks: [[entry(T0 + 10_000, 0, 'late')]] }]);
    const second = compact(dir, 'D', [logBlockPath(dir, 'C'), later.path], 1000);
    expect(second.meta).toMatchObject({ level: 3, sources: ['A', 'B'], parents: ['C', 'B'] });
    expect(second.streams[0]!.chunks[0]!.data).toEqual(first.streams[0]!.chunks[0]!.data);
    expect(plain(second.streams[0]!.entries)).toEqual(plain([...big, entry(T0 + 10_000, 0, 'late')]));
  });

  it('cuts a chunk that would span too long for ns deltas', () => {
    const dir = tempDir();
    const a = publish(dir, 'A', [{ labels: app, chunks: [[entry(1, 0, 'old')]] }]);
    const b = publish(dir, 'B', [{ labels: app, chunks: [[entry(1 + MAX_NS_DELTA_SPAN_MS + 1, 3, 'new')]] }]);
    const { streams } = compact(dir, 'C', [a.path, b.path]);
    expect(streams[0]!.chunks).toHaveLength(2);
    expect(plain(streams[0]!.entries)).toEqual(plain([entry(1, 0, 'old'), entry(1 + MAX_NS_DELTA_SPAN_MS + 1, 3, 'new')]));
  });

  it('keeps every entry of any overlapping blocks exactly once (property)', () => {
    // A stored chunk never holds two equal entries (the head dedupes when it seals, compaction
    // when it writes): chunks are generated the same way, so one copied as it is stays valid.
    const chunkArb = entriesArb({ spanMs: 50, maxLength: 15 }).map((es) => dedupeSorted([...es]));
    const streamArb = fc.record({ pod: fc.constantFrom('a', 'b', 'c'), chunks: fc.array(chunkArb, { minLength: 1, maxLength: 3 }) });
    const blockArb = fc.uniqueArray(streamArb, { selector: (s) => s.pod, minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(fc.array(blockArb, { minLength: 1, maxLength: 3 }), fc.constantFrom(200, DEFAULT_COMPACTED_CHUNK_BYTES), (blocks, target) => {
        const dir = tempDir();
        const tests: TestStream[][] = blocks.map((b) => b.map((s) => ({ labels: labels({ pod: s.pod }), chunks: s.chunks })));
        const paths = tests.map((t, i) => publish(dir, `S${i}`, t).path);
        const { streams, meta } = compact(dir, 'C', paths, target);
        const want = expected(...tests);
        expect(streams.map((s) => s.labels)).toEqual([...want.keys()].map((k) => tests.flat().find((s) => labelsKey(s.labels) === k)!.labels).sort(compareLabels));
        for (const s of streams) {
          // Time order (equal times in write order, pinned by the example above).
          for (let i = 1; i < s.entries.length; i++) expect(s.entries[i - 1]!.tMs - s.entries[i]!.tMs || s.entries[i - 1]!.tNs - s.entries[i]!.tNs).toBeLessThanOrEqual(0);
          expect(plain(canonical(s.entries))).toEqual(plain(canonical(want.get(labelsKey(s.labels))!)));
        }
        expect(meta.numEntries).toBe([...want.values()].reduce((n, es) => n + es.length, 0));
      }),
      { numRuns: 40 },
    );
  });
});
