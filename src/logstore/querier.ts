/**
 * A querier over one tenant's logs: the head (open buffers and sealed chunks) and the
 * blocks. Each `select` takes the blocks and the head's chunks in one synchronous step, so
 * a flush (block installed, chunks removed from the head, in one turn) is seen either
 * wholly before or wholly after; blocks stay open until `close()`, even if compaction or
 * retention replaces them meanwhile. Entries equal in time, line and metadata are merged into one
 * (entry-merge.ts).
 */
import { compareLabels, labelsKey, type Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import type { LogBlockSet, OpenLogBlock } from './block-set.js';
import { BATCH_DONE, BATCH_START, readBatch, type BatchFilter } from './chunk/chunk-batch.js';
import { chunkMayContainAll, visitChunk, withChunkBytes, type EncodedChunk } from './chunk/encoded-chunk.js';
import { decodeAll } from './chunk/chunk-format.js';
import { compareEntries, dedupeSorted, type LogEntry } from './entry.js';
import type { LogHead, HeadChunk } from './head.js';
import { markAlone, MergeIterator, type EntrySource } from './entry-merge.js';
import type { LogEntryIterator, LogIndexStats, LogQuerier, LogSelectParams, LogStream, LogStreamSet, LogStreamVolume } from './interface.js';

/** Whether a (ms, ns) time is before `[start, end)`. */
function beforeRange(tMs: number, tNs: number, p: LogSelectParams): boolean {
  return tMs < p.startMs || (tMs === p.startMs && tNs < p.startNs);
}

/** Whether a (ms, ns) time is at or after the end of `[start, end)`. */
function afterRange(tMs: number, tNs: number, p: LogSelectParams): boolean {
  return tMs > p.endMs || (tMs === p.endMs && tNs >= p.endNs);
}

/** Whether a (ms, ns) time is in [start, end). */
function inRange(tMs: number, tNs: number, p: LogSelectParams): boolean {
  return !beforeRange(tMs, tNs, p) && !afterRange(tMs, tNs, p);
}

function clip(entries: readonly LogEntry[], p: LogSelectParams): LogEntry[] {
  const out: LogEntry[] = [];
  const f = p.lineFilter;
  for (const e of entries) if (inRange(e.tMs, e.tNs, p) && (f === undefined || f(e.line))) out.push(e);
  return out;
}

/** Counts a compressed chunk as decoded, when the select counts. */
function countDecoded(c: EncodedChunk, p: LogSelectParams): void {
  const k = p.counters;
  if (k === undefined) return;
  k.chunksDecoded++;
  k.compressedBytes += c.data.byteLength;
  k.decompressedBytes += c.rawBytes;
  k.decompressedLines += c.entries;
}

/** A compressed chunk as a source: decoded when reached, needles tested on the raw bytes. */
function chunkSource(c: EncodedChunk, p: LogSelectParams): EntrySource {
  const needles = p.needles !== undefined && p.needles.length > 0 ? p.needles : undefined;
  // The needle test on the line's bytes is the whole filter when it is exact.
  const f = needles !== undefined && p.needlesExact === true ? undefined : p.lineFilter;
  const src: EntrySource = {
    minTMs: c.minTMs,
    maxTMs: c.maxTMs,
    open: (): LogEntry[] => {
      const out: LogEntry[] = [];
      countDecoded(c, p);
      visitChunk(
        c,
        (tMs, tNs, line, metadata) => {
          if (inRange(tMs, tNs, p) && (f === undefined || f(line))) out.push({ tMs, tNs, line, metadata });
        },
        needles,
        // Without a line: only when no duplicate check needs it either.
        !(p.linesUnused === true && src.alone === true && f === undefined),
      );
      return out;
    },
  };
  return src;
}

/** Batch sizes of the chunks of one select (see `LogSelectParams.limit`). */
interface Batching {
  /** First batch: set once the select knows how many streams share the limit. */
  first: number;
  /** No batch is larger than the limit. */
  readonly max: number;
}

/**
 * Smallest first batch: a stream's first batch is about twice its share of the limit,
 * never below this, so a pipeline stage that drops some lines rarely costs a second read.
 */
const MIN_FIRST_BATCH = 16;

/**
 * A compressed chunk read in batches for a log query with a limit: the first batch holds
 * about the stream's share of the limit, each next one twice the last (the chunk is
 * decompressed again for it), so a query that needs few lines of each stream reads each
 * chunk once and makes few strings.
 */
function batchedChunkSource(c: EncodedChunk, p: LogSelectParams, batching: Batching): EntrySource {
  const needles = (p.needles ?? []).filter((n) => n.length > 0).map((n) => Buffer.from(n, 'utf8'));
  const filter: BatchFilter = {
    beforeRange: (tMs, tNs) => beforeRange(tMs, tNs, p),
    afterRange: (tMs, tNs) => afterRange(tMs, tNs, p),
    needles,
  };
  let pos = BATCH_START;
  let size = 0;
  const read = (): LogEntry[] => {
    if (pos === BATCH_START) countDecoded(c, p);
    if (pos === BATCH_DONE) return [];
    size = size === 0 ? Math.min(batching.first, batching.max) : Math.min(size * 2, batching.max);
    const batch: LogEntry[] = [];
    pos = withChunkBytes(c, (raw) => readBatch(raw, p.direction, pos, size, filter, batch));
    return p.direction === 'forward' ? batch : batch.reverse();
  };
  return { minTMs: c.minTMs, maxTMs: c.maxTMs, open: read, more: read };
}

function headChunkSource(c: HeadChunk, p: LogSelectParams, batching: Batching | undefined): EntrySource | undefined {
  // Read the state now: a later compression swaps the raw bytes for the encoded chunk.
  const raw = c.encoded === undefined ? c.raw : undefined;
  if (raw !== undefined) {
    const open = (): LogEntry[] => {
      const k = p.counters;
      if (k !== undefined) {
        k.headChunkBytes += c.rawBytes;
        k.headChunkLines += c.count;
      }
      return clip(decodeAll(raw), p);
    };
    return { minTMs: c.minTMs, maxTMs: c.maxTMs, open };
  }
  if (c.encoded !== undefined) return batching === undefined ? chunkSource(c.encoded, p) : batchedChunkSource(c.encoded, p, batching);
  return undefined; // dropped by retention
}

/** The needles' chunk filter says no. Counts the chunk as referenced, and as skipped when so. */
function skippable(c: EncodedChunk, p: LogSelectParams): boolean {
  const skip = p.needles !== undefined && p.needles.length > 0 && !chunkMayContainAll(c, p.needles);
  const k = p.counters;
  if (k !== undefined) {
    k.chunksRef++;
    if (skip) k.chunksSkipped++;
  }
  return skip;
}

interface Gathered {
  labels: Labels;
  /** The stream's chunks in each block, listed when its iterator is made (block order). */
  blocks: { group: object | undefined; chunks: () => EncodedChunk[] }[];
  /** Its head chunks and open buffer, taken at the select. */
  head: EntrySource[];
}

class StreamSetOf implements LogStreamSet {
  private i = -1;
  constructor(private readonly streams: LogStream[]) {}
  next(): boolean {
    return ++this.i < this.streams.length;
  }
  at(): LogStream {
    return this.streams[this.i]!;
  }
}

export class TenantLogQuerier implements LogQuerier {
  private readonly held: OpenLogBlock[] = [];
  private closed = false;

  constructor(
    private readonly head: LogHead,
    private readonly blocks: LogBlockSet,
    private readonly mint: number,
    private readonly maxt: number,
  ) {}

  private acquire(): OpenLogBlock[] {
    const bs = this.blocks.acquire(this.mint, this.maxt);
    this.held.push(...bs);
    return bs;
  }

  select(matchers: readonly Matcher[], p: LogSelectParams): LogStreamSet {
    const mint = Math.max(this.mint, p.startMs);
    const maxt = Math.min(this.maxt, p.endMs);
    const byKey = new Map<string, Gathered>();
    const gather = (labels: Labels): Gathered => {
      const key = labelsKey(labels);
      let g = byKey.get(key);
      if (g === undefined) byKey.set(key, (g = { labels, blocks: [], head: [] }));
      return g;
    };
    // Batches only where the needles are the whole line filter: a batch that another
    // filter thins would have to be read again and again.
    const batching: Batching | undefined =
      p.limit !== undefined && p.limit > 0 && p.linesUnused !== true && (p.lineFilter === undefined || p.needlesExact === true) ? { first: p.limit, max: p.limit } : undefined;
    const source = (c: EncodedChunk): EntrySource => (batching === undefined ? chunkSource(c, p) : batchedChunkSource(c, p, batching));
    // Blocks and head in one synchronous step (see the file comment). A block's chunks are
    // listed stream by stream as the caller gets to them: the blocks stay held until
    // close(), and what they hold never changes.
    for (const b of this.acquire()) {
      // A compacted block holds each entry of a stream once (log-compact.ts).
      const group = b.meta.level >= 2 ? {} : undefined;
      // The reader leaves out (and counts) the chunks its filters rule out.
      for (const s of b.reader.selectStreams(matchers, mint, maxt, p.needles, p.counters)) gather(s.labels).blocks.push({ group, chunks: s.chunks });
    }
    for (const s of this.head.select(matchers)) {
      let g: Gathered | undefined;
      for (const c of s.chunks) {
        if (c.maxTMs < mint || c.minTMs > maxt) continue;
        if (c.encoded !== undefined && skippable(c.encoded, p)) continue;
        g ??= gather(s.labels);
        const src = headChunkSource(c, p, batching);
        if (src !== undefined) g.head.push(src);
      }
      if (s.open.count > 0) {
        if (p.counters !== undefined) {
          p.counters.headChunkBytes += s.openBytes;
          p.counters.headChunkLines += s.open.count;
        }
        // The entries are made when the merge reaches them (OpenBufferView).
        const view = s.open.view();
        const range = view.timeRange(mint, maxt);
        if (range !== undefined) {
          const open = (): LogEntry[] => {
            const entries = clip(view.entries(), p);
            // Stable: equal times stay in write order. The open buffer may hold copies of an
            // entry (dropped when it is sealed): dropped here too, so every source is free of them.
            dedupeSorted(entries.sort(compareEntries));
            return entries;
          };
          (g ??= gather(s.labels)).head.push({ ...range, open });
        }
      }
    }
    const gathered = [...byKey.values()].filter((g) => g.blocks.length > 0 || g.head.length > 0);
    if (batching !== undefined) batching.first = Math.max(MIN_FIRST_BATCH, Math.ceil((2 * batching.max) / Math.max(1, gathered.length)));
    const streams: LogStream[] = gathered
      .sort((a, b) => compareLabels(a.labels, b.labels))
      .map((g) => {
        let sources: EntrySource[] | undefined;
        return {
          labels: g.labels,
          iterator: (): LogEntryIterator => {
            if (sources === undefined) {
              // Oldest data first: equal times come out in that order (entry-merge.ts).
              sources = [];
              for (const b of g.blocks) {
                for (const c of b.chunks()) {
                  const src = source(c);
                  if (b.group !== undefined) src.group = b.group;
                  sources.push(src);
                }
              }
              sources.push(...g.head);
              // A source no other touches needs no duplicate check, so its chunk may skip
              // its lines for a caller that does not read them.
              markAlone(sources);
            }
            return new MergeIterator(sources, p.direction, p.pauseDue);
          },
        };
      });
    return new StreamSetOf(streams);
  }

  labelNames(matchers: readonly Matcher[] = []): string[] {
    const out = new Set<string>();
    for (const s of this.head.select(matchers)) if (this.headHasRange(s.minTMs(), s.maxTMs)) for (const l of s.labels) out.add(l.name);
    for (const b of this.acquire()) for (const n of b.reader.labelNames(matchers)) out.add(n);
    return [...out].sort();
  }

  labelValues(name: string, matchers: readonly Matcher[] = []): string[] {
    const out = new Set<string>();
    for (const s of this.head.select(matchers)) {
      if (!this.headHasRange(s.minTMs(), s.maxTMs)) continue;
      for (const l of s.labels) if (l.name === name) out.add(l.value);
    }
    for (const b of this.acquire()) for (const v of b.reader.labelValues(name, matchers)) out.add(v);
    return [...out].sort();
  }

  series(matchers: readonly Matcher[]): Labels[] {
    const byKey = new Map<string, Labels>();
    for (const s of this.head.select(matchers)) if (this.headHasRange(s.minTMs(), s.maxTMs)) byKey.set(s.key, s.labels);
    for (const b of this.acquire()) for (const ls of b.reader.streams(matchers, this.mint, this.maxt)) byKey.set(labelsKey(ls), ls);
    return [...byKey.values()].sort(compareLabels);
  }

  stats(matchers: readonly Matcher[]): LogIndexStats {
    const out: LogIndexStats = { streams: 0, chunks: 0, entries: 0, bytes: 0 };
    const keys = new Set<string>();
    for (const s of this.head.select(matchers)) {
      let any = false;
      for (const c of s.chunks) {
        if (c.maxTMs < this.mint || c.minTMs > this.maxt) continue;
        out.chunks++;
        out.entries += c.count;
        out.bytes += c.rawBytes;
        any = true;
      }
      for (let i = 0; i < s.open.count; i++) {
        const t = s.open.timeMs(i);
        if (t < this.mint || t > this.maxt) continue;
        out.entries++;
        out.bytes += s.open.lineBytesOf(i);
        any = true;
      }
      if (any) keys.add(s.key);
    }
    for (const b of this.acquire()) {
      const st = b.reader.stats(matchers, this.mint, this.maxt);
      out.chunks += st.chunks;
      out.entries += st.entries;
      out.bytes += st.bytes;
      for (const ls of b.reader.streams(matchers, this.mint, this.maxt)) keys.add(labelsKey(ls));
    }
    out.streams = keys.size;
    return out;
  }

  volumes(matchers: readonly Matcher[]): LogStreamVolume[] {
    const byKey = new Map<string, { labels: Labels; bytes: number }>();
    const add = (key: string, labels: Labels, bytes: number) => {
      const v = byKey.get(key);
      if (v === undefined) byKey.set(key, { labels, bytes });
      else v.bytes += bytes;
    };
    for (const s of this.head.select(matchers)) {
      let bytes = 0;
      let any = false;
      for (const c of s.chunks) {
        if (c.maxTMs < this.mint || c.minTMs > this.maxt) continue;
        bytes += c.rawBytes;
        any = true;
      }
      for (let i = 0; i < s.open.count; i++) {
        const t = s.open.timeMs(i);
        if (t < this.mint || t > this.maxt) continue;
        bytes += s.open.lineBytesOf(i);
        any = true;
      }
      if (any) add(s.key, s.labels, bytes);
    }
    for (const b of this.acquire()) for (const v of b.reader.volumes(matchers, this.mint, this.maxt)) add(labelsKey(v.labels), v.labels, v.bytes);
    return [...byKey.values()];
  }

  private headHasRange(minT: number, maxT: number): boolean {
    return minT <= this.maxt && maxT >= this.mint;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const b of this.held) b.release();
    this.held.length = 0;
  }
}
