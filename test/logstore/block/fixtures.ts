/** Shared helpers of the log block tests: streams of entries written as blocks, read back as entries. */
import { renameSync } from 'node:fs';
import { compareLabels, type Label, type Labels } from '../../../src/model/labels.js';
import { decodeAll, encodeEntries } from '../../../src/logstore/chunk/chunk-format.js';
import { encodeChunk, readChunk, type EncodedChunk } from '../../../src/logstore/chunk/encoded-chunk.js';
import type { CodecOptions } from '../../../src/logstore/chunk/codec.js';
import { logBlockPath, logBlockTmpPath, writeLogBlock } from '../../../src/logstore/block/log-block-writer.js';
import type { LogBlockMeta } from '../../../src/logstore/block/log-block-meta.js';
import type { LogEntry } from '../../../src/logstore/entry.js';

export { entry, plain, useTempDir } from '../chunk/fixtures.js';

/** Sorted labels from a map. */
export function labels(m: Record<string, string>): Labels {
  return Object.entries(m)
    .map(([name, value]): Label => ({ name, value }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** One compressed chunk of the entries (sorted by the caller). */
export function chunkOf(entries: readonly LogEntry[], codec: CodecOptions = { codec: 'zstd', level: 1 }): EncodedChunk {
  return encodeChunk(encodeEntries(entries), { codec });
}

export interface TestStream {
  readonly labels: Labels;
  /** Each inner array becomes one chunk. */
  readonly chunks: readonly (readonly LogEntry[])[];
}

/** Writes and publishes a level-1 block; returns its path and meta. */
export function publish(dir: string, ulid: string, streams: readonly TestStream[]): { path: string; meta: LogBlockMeta } {
  const sorted = [...streams].sort((a, b) => compareLabels(a.labels, b.labels));
  const meta = writeLogBlock({
    dir,
    ulid,
    streams: sorted.map((s) => ({ labels: s.labels, chunks: s.chunks.map((es) => chunkOf(es)).sort((a, b) => a.minTMs - b.minTMs) })),
    level: 1,
    sources: [ulid],
    parents: [],
  });
  renameSync(logBlockTmpPath(dir, ulid), logBlockPath(dir, ulid));
  return { path: logBlockPath(dir, ulid), meta };
}

/** Every entry of the chunks, in order. */
export function entriesOf(chunks: readonly EncodedChunk[]): LogEntry[] {
  return chunks.flatMap((c) => decodeAll(readChunk(c)));
}
