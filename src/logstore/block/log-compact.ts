/**
 * Log block compaction: merges N blocks into one. Streams are merged by labels (a k-way
 * merge over each source's paged stream walk); per stream, every chunk of every source
 * is merged in time order with exact duplicates dropped, re-cut into chunks of a target
 * size, recompressed with the block codec, and given a new filter. Memory is bounded by
 * the chunks open at once (one per overlapping source chunk, usually one per source) plus
 * the chunk being built: streams are processed one at a time and chunks are read when
 * the merge reaches them.
 *
 * A chunk that overlaps no other chunk of its stream, is already of compacted size (at
 * least half the target) and uses the block codec is copied as it is: recompacting a
 * compacted block costs only the copy, while head-written chunks are always re-cut.
 */
import { compareLabels, type Labels } from '../../model/labels.js';
import { ChunkEncoder, EntryCursor } from '../chunk/chunk-format.js';
import { codecId, decompress, defaultBlockCodec, type CodecOptions } from '../chunk/codec.js';
import { encodeChunk, type EncodedChunk } from '../chunk/encoded-chunk.js';
import { defaultFilterOptions, type FilterOptions } from '../chunk/filter.js';
import type { LogBlockMeta, LogStreamInput } from './log-block-meta.js';
import { LogBlockReader, type LogChunkRef } from './log-block-reader.js';
import { writeLogBlock } from './log-block-writer.js';

/**
 * Line bytes per compacted chunk. zstd's ratio gains little beyond 1 MiB (4 MiB chunks
 * measured within 1 % of 1 MiB ones on bench/lib/log-corpus.ts), while a query must
 * decompress a whole chunk to read any line of it and a needle filter covers fewer lines
 * (so skips more) in a smaller chunk.
 */
export const DEFAULT_COMPACTED_CHUNK_BYTES = 1024 * 1024;

/** Options of `compactLogBlocks`. */
export interface CompactLogBlocksOptions {
  /** Directory of the output `<ulid>.tmp`. */
  readonly dir: string;
  /** ULID of the new block. */
  readonly ulid: string;
  /** Paths of the published source blocks (`….db`). */
  readonly sources: readonly string[];
  /** Codec of re-cut chunks; default `defaultBlockCodec()`. */
  readonly codec?: CodecOptions;
  /** Line bytes per re-cut chunk; default DEFAULT_COMPACTED_CHUNK_BYTES. */
  readonly chunkTargetBytes?: number;
  /** Filter sizing of re-cut chunks (null: none); default `defaultFilterOptions()`. */
  readonly filter?: FilterOptions | null;
}

/**
 * Writes `<dir>/<ulid>.tmp` holding every stream of the source blocks (see `writeLogBlock`
 * for the file's fate on failure) and returns its meta: level = max(source levels) + 1,
 * sources = the union of the sources' leaf ULIDs (sorted), parents = the sources' ULIDs in
 * the order given. Every entry of the sources is kept once: entries equal in time, line
 * and metadata are one. Throws what `LogBlockReader.open` throws for a bad source and
 * `corrupt_chunk` for a chunk that does not decode.
 */
export function compactLogBlocks(opts: CompactLogBlocksOptions): LogBlockMeta {
  const readers: LogBlockReader[] = [];
  try {
    for (const path of opts.sources) readers.push(LogBlockReader.open(path));
    const metas = readers.map((r) => r.meta);
    const settings: MergeSettings = {
      codec: opts.codec ?? defaultBlockCodec(),
      target: opts.chunkTargetBytes ?? DEFAULT_COMPACTED_CHUNK_BYTES,
      filter: opts.filter === undefined ? defaultFilterOptions() : opts.filter,
    };
    return writeLogBlock({
      dir: opts.dir,
      ulid: opts.ulid,
      streams: mergeStreams(readers, settings),
      level: Math.max(...metas.map((m) => m.level)) + 1,
      sources: [...new Set(metas.flatMap((m) => m.sources))].sort(),
      parents: metas.map((m) => m.ulid),
    });
  } finally {
    for (const r of readers) r.close();
  }
}

interface MergeSettings {
  readonly codec: CodecOptions;
  readonly target: number;
  readonly filter: FilterOptions | null;
}

/** A source chunk of the stream being merged. */
interface SourceChunk {
  readonly reader: LogBlockReader;
  readonly ref: LogChunkRef;
}

/** The k-way merge of the readers' streams, in label order. */
function* mergeStreams(readers: readonly LogBlockReader[], settings: MergeSettings): Generator<LogStreamInput> {
  const cursors = readers.map((r) => r.streamRefs());
  const heads = cursors.map((c) => nextOf(c));
  // A linear scan for the smallest head: N is a handful of blocks, so a heap would not pay.
  for (;;) {
    let min: Labels | undefined = undefined;
    for (const h of heads) if (h !== undefined && (min === undefined || compareLabels(h.labels, min) < 0)) min = h.labels;
    if (min === undefined) return;
    const parts: SourceChunk[] = [];
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h === undefined || compareLabels(h.labels, min) !== 0) continue;
      for (const ref of h.chunks) parts.push({ reader: readers[i]!, ref });
      heads[i] = nextOf(cursors[i]!);
    }
    yield { labels: min, chunks: mergeChunks(parts, settings) };
  }
}

function nextOf<T>(it: Iterator<T>): T | undefined {
  const r = it.next();
  return r.done === true ? undefined : r.value;
}

/** A chunk being read by the merge. */
interface Open {
  readonly cursor: EntryCursor;
}

/** One entry of a same-timestamp group: its line bytes and metadata record (views). */
interface GroupEntry {
  readonly bytes: Uint8Array;
  readonly start: number;
  readonly end: number;
  readonly meta: Uint8Array;
}

/**
 * One stream's chunks from all sources, merged, deduplicated and re-cut (see the module
 * comment). Yields output chunks as they fill, so the writer stores each before the next
 * is built.
 */
export function* mergeChunks(parts: SourceChunk[], settings: MergeSettings): Generator<EncodedChunk> {
  // Stable: chunks starting together stay in source order, which is write order.
  parts.sort((a, b) => a.ref.minTMs - b.ref.minTMs || a.ref.maxTMs - b.ref.maxTMs);
  const enc = new ChunkEncoder({ lineBytesHint: settings.target + settings.target / 8 });
  const open: Open[] = [];
  let next = 0; // first part not yet opened
  const group: GroupEntry[] = [];
  const encode = (raw: Uint8Array): EncodedChunk => encodeChunk(raw, { codec: settings.codec, filter: settings.filter });
  const targetCodec = codecId(settings.codec.codec);

  for (;;) {
    // With nothing open, a lone chunk of compacted size is copied as it is (after the
    // chunk being built, which ends there).
    if (open.length === 0 && next < parts.length) {
      const p = parts[next]!;
      const alone = next + 1 === parts.length || parts[next + 1]!.ref.minTMs > p.ref.maxTMs;
      if (alone && p.ref.codec === targetCodec && p.ref.rawBytes * 2 >= settings.target && (enc.count === 0 || enc.maxTMs < p.ref.minTMs)) {
        next++;
        const raw = enc.finish();
        if (raw !== undefined) yield encode(raw);
        const r = p.reader;
        yield { codec: p.ref.codec, data: r.readChunkData(p.ref.id), minTMs: p.ref.minTMs, maxTMs: p.ref.maxTMs, entries: p.ref.entries, rawBytes: p.ref.rawBytes, filter: r.readChunkFilter(p.ref.id) };
        continue;
      }
    }
    // The earliest current entry among open chunks.
    let tMs = Infinity;
    let tNs = 0;
    for (const o of open) {
      const c = o.cursor;
      if (c.tMs < tMs || (c.tMs === tMs && c.tNs < tNs)) {
        tMs = c.tMs;
        tNs = c.tNs;
      }
    }
    // Open every chunk that may hold an entry at or before it (its first ms is not later).
    if (next < parts.length && parts[next]!.ref.minTMs <= tMs) {
      const p = parts[next++]!;
      const cursor = new EntryCursor(decompress(p.ref.codec, p.reader.readChunkData(p.ref.id)));
      if (cursor.next()) open.push({ cursor });
      continue;
    }
    if (open.length === 0) break;

    // Gather every entry at (tMs, tNs) from the open chunks, advancing them.
    group.length = 0;
    for (let i = 0; i < open.length; ) {
      const c = open[i]!.cursor;
      let more = true;
      while (c.tMs === tMs && c.tNs === tNs) {
        group.push({ bytes: c.bytes, start: c.lineStart, end: c.lineEnd, meta: c.metadataRecord() });
        if (!c.next()) {
          more = false;
          break;
        }
      }
      if (more) i++;
      else open.splice(i, 1);
    }
    if (!enc.fits(tMs) || enc.lineBytes >= settings.target) {
      const raw = enc.finish();
      if (raw !== undefined) yield encode(raw);
    }
    // The group is in write order (chunks oldest first, each in its order): keep it, and
    // keep only the first of equal entries.
    const keys = group.length > PAIRWISE_MAX ? new Set<string>() : undefined;
    for (let i = 0; i < group.length; i++) {
      const g = group[i]!;
      if (keys !== undefined) {
        const k = groupKey(g);
        if (keys.has(k)) continue;
        keys.add(k);
      } else if (seenBefore(group, i)) continue;
      enc.addRaw(tMs, tNs, g.bytes, g.start, g.end, g.meta);
    }
  }
  const raw = enc.finish();
  if (raw !== undefined) yield encode(raw);
}

function compareBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number {
  return Buffer.compare(a.subarray(as, ae), b.subarray(bs, be));
}

function sameGroupEntry(x: GroupEntry, y: GroupEntry): boolean {
  return compareBytes(x.bytes, x.start, x.end, y.bytes, y.start, y.end) === 0 && compareBytes(x.meta, 0, x.meta.length, y.meta, 0, y.meta.length) === 0;
}

/** Entries of one timestamp compared pairwise; a longer group (a client stamping in whole seconds) goes through a Set. */
const PAIRWISE_MAX = 16;

/** An entry's line and metadata bytes as one string (length-prefixed: no forged boundary). */
function groupKey(g: GroupEntry): string {
  const line = Buffer.from(g.bytes.buffer, g.bytes.byteOffset + g.start, g.end - g.start).toString('latin1');
  return `${line.length}:${line}${Buffer.from(g.meta.buffer, g.meta.byteOffset, g.meta.length).toString('latin1')}`;
}

/** Whether `group[i]` equals an earlier entry of the group. */
function seenBefore(group: readonly GroupEntry[], i: number): boolean {
  const g = group[i]!;
  for (let j = 0; j < i; j++) if (sameGroupEntry(group[j]!, g)) return true;
  return false;
}
