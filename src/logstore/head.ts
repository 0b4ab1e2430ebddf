/**
 * The log store's head: one tenant's active streams in memory. Each stream has
 *
 * - an open buffer of entries in arrival order, as columns of bytes (open-buffer.ts; Loki
 *   accepts out-of-order entries within a window, so the buffer is sorted only when it is
 *   sealed or read);
 * - sealed chunks: the buffer sorted, deduplicated and encoded (chunk-format.ts) once it
 *   reaches the target size or age, then compressed by a worker; until the worker answers,
 *   readers decode the chunk's raw bytes, so they need not wait;
 * - no history: sealed chunks leave for a block at the next flush (tenant-log-store.ts).
 *
 * Memory is bounded by active streams × (target chunk size + compressed chunks awaiting
 * the next flush), not by history. A stream with nothing in memory that has been idle for
 * the idle period leaves the head, and stops counting against the active stream limit, as
 * in Loki's ingester.
 */
import { labelsKey, type Label, type Labels } from '../model/labels.js';
import { matchesAll, type Matcher } from '../model/matcher.js';
import type { EncodedChunk } from './chunk/encoded-chunk.js';
import { OpenBuffer } from './open-buffer.js';
import { ByteLineEntry, lineEquals, sameMetadata, type LogEntry } from './entry.js';
import type { EntryColumns } from './entry-columns.js';

export interface LogHeadOptions {
  /** A stream's open buffer is sealed into a chunk at this many bytes of lines. */
  readonly chunkTargetBytes: number;
  /** ... or when its oldest entry arrived this long ago (Loki's `max_chunk_age`, 2 h). */
  readonly maxChunkAgeMs: number;
  /** ... or when the stream received nothing for this long (Loki's `chunk_idle_period`, 30 m). */
  readonly chunkIdlePeriodMs: number;
  /**
   * Out-of-order window: an entry older than its stream's newest by more than this is
   * refused (Loki: `max_chunk_age / 2`).
   */
  readonly outOfOrderWindowMs: number;
}

export function defaultLogHeadOptions(): LogHeadOptions {
  return { chunkTargetBytes: 256 * 1024, maxChunkAgeMs: 2 * 3_600_000, chunkIdlePeriodMs: 30 * 60_000, outOfOrderWindowMs: 3_600_000 };
}

/** A sealed chunk of the head: its encoded entries until the worker has compressed them. */
export class HeadChunk {
  /** The compressed chunk, once the worker answered. */
  encoded: EncodedChunk | undefined = undefined;
  /** The encoded, uncompressed bytes (chunk-format.ts): readers decode them until `encoded` is set; then dropped. */
  raw: Uint8Array | undefined;
  /** Removed from the head (in a block, or past retention): a late worker result is ignored. */
  dropped = false;

  constructor(
    raw: Uint8Array | undefined,
    readonly minTMs: number,
    readonly maxTMs: number,
    readonly count: number,
    readonly rawBytes: number,
  ) {
    this.raw = raw;
  }
}

export class MemStream {
  /** Entries in arrival order, not yet sealed. */
  open = new OpenBuffer();
  /** Bytes of the open entries as the appender counted them (lines, and metadata where any). */
  openBytes = 0;
  /** Wall-clock ms when the oldest entry of `open` arrived. */
  openSince = 0;
  /** Sealed chunks not yet in a block, oldest seal first. */
  chunks: HeadChunk[] = [];
  /** The newest entry appended (for the out-of-order window and Loki's duplicate rule). */
  maxTMs = -Infinity;
  maxTNs = 0;
  /** Index in `open` of the newest entry while it is there; -1 once sealed (see `lastLine`). */
  lastIdx = -1;
  /**
   * The newest entry's line bytes, copied when its buffer was sealed (a copy per seal, not
   * per entry: while the entry is open, `lastIdx` finds its bytes).
   */
  lastLine: Buffer | undefined = undefined;
  /** Structured metadata of the newest entry; undefined when the newest entry is unknown (none, or restored from a checkpoint's chunk). */
  lastMeta: readonly Label[] | undefined = undefined;
  /** Whether a Streams record for this stream is in the WAL. */
  walLogged = false;
  /** Wall-clock ms of the last append. */
  lastAppend = 0;

  constructor(
    readonly ref: number,
    readonly labels: Labels,
    readonly key: string,
  ) {}

  /**
   * Loki's duplicate rule: whether `e` has the newest entry's time, line bytes and
   * metadata (then it is dropped).
   */
  isNewest(e: LogEntry): boolean {
    if (e.tMs !== this.maxTMs || e.tNs !== this.maxTNs || this.lastMeta === undefined || !sameMetadata(e.metadata, this.lastMeta)) return false;
    if (this.lastIdx >= 0) return this.open.lineEquals(this.lastIdx, e);
    return this.lastLine !== undefined && lineEquals(e, this.lastLine, 0, this.lastLine.length);
  }

  /** Whether the stream holds anything in memory. */
  get empty(): boolean {
    return this.open.count === 0 && this.chunks.length === 0;
  }

  /** Oldest timestamp (ms) in memory; Infinity when empty. */
  minTMs(): number {
    let t = Infinity;
    for (const c of this.chunks) if (c.minTMs < t) t = c.minTMs;
    return Math.min(t, this.open.minTMs());
  }
}


export class LogHead {
  readonly streams = new Map<number, MemStream>();
  private readonly byKey = new Map<string, MemStream>();
  private nextRef = 1;
  /** During a WAL replay: refs whose Streams record named labels another ref already has. */
  private readonly replayAliases = new Map<number, MemStream>();
  /** Sealed chunks waiting for a worker, in seal order. */
  private readonly toCompress: HeadChunk[] = [];
  /** Bytes of lines in open buffers and uncompressed sealed chunks. */
  rawBytesInMemory = 0;
  /** Bytes of compressed sealed chunks. */
  compressedBytesInMemory = 0;
  /** Entries older than this (ms) are refused (retention) and dropped by `dropBefore`. */
  floor = -Infinity;

  constructor(
    readonly tenant: string,
    readonly options: LogHeadOptions,
  ) {}

  get size(): number {
    return this.streams.size;
  }

  /** The stream a WAL record's ref names during replay: its own, or the one it aliases. */
  replayStream(ref: number): MemStream | undefined {
    return this.streams.get(ref) ?? this.replayAliases.get(ref);
  }

  /** Forgets the replay's aliases (after the replay). */
  endReplay(): void {
    this.replayAliases.clear();
  }

  byLabels(labels: Labels): MemStream | undefined {
    return this.byKey.get(labelsKey(labels));
  }

  /** Creates a stream (labels sorted and valid); `ref` given when replaying the WAL. */
  create(labels: Labels, ref?: number): MemStream {
    // Refs of the WAL are never handed out again, also those that only alias a stream.
    if (ref !== undefined && ref >= this.nextRef) this.nextRef = ref + 1;
    const key = labelsKey(labels);
    const found = this.byKey.get(key);
    if (found !== undefined) {
      // The same labels under a second ref (replay): the stream left the head while idle
      // and came back under a new ref, while a checkpoint still names the old one.
      if (ref !== undefined && ref !== found.ref) this.replayAliases.set(ref, found);
      return found;
    }
    const r = ref ?? this.nextRef;
    if (r >= this.nextRef) this.nextRef = r + 1;
    const s = new MemStream(r, labels, key);
    this.streams.set(r, s);
    this.byKey.set(key, s);
    return s;
  }

  /** Appends an entry the appender checked; seals the buffer when it is full. */
  append(s: MemStream, e: LogEntry, bytes: number, nowMs: number): void {
    if (s.open.count === 0) s.openSince = nowMs;
    if (e instanceof ByteLineEntry) s.open.appendBytes(e.tMs, e.tNs, e.buf, e.start, e.end, e.metadata);
    else s.open.append(e.tMs, e.tNs, e.line, e.metadata);
    this.appended(s, e.tMs, e.tNs, e.metadata, bytes, nowMs);
  }

  /**
   * Appends entries `items[k, j)` of a request's columns, as `append` would one by one:
   * the lines go into the open buffer in runs that stop at the entry that fills it, which
   * seals it.
   */
  appendColumns(s: MemStream, cols: EntryColumns, items: ArrayLike<number>, k: number, j: number, nowMs: number): void {
    const target = this.options.chunkTargetBytes;
    while (k < j) {
      if (s.open.count === 0) s.openSince = nowMs;
      let m = k;
      let bytes = s.openBytes;
      do bytes += cols.lineBytes(items[m++]!);
      while (m < j && bytes < target);
      const first = s.open.count;
      const added = s.open.appendColumns(cols, items, k, m);
      s.openBytes += added;
      this.rawBytesInMemory += added;
      for (let q = k; q < m; q++) {
        const i = items[q]!;
        this.newest(s, cols.tMs[i]!, cols.tNs[i]!, cols.metadata(i), first + q - k);
      }
      s.lastAppend = nowMs;
      if (s.openBytes >= target) this.seal(s, true);
      k = m;
    }
  }

  /** The stream's bookkeeping after an append of `bytes` of line. */
  private appended(s: MemStream, tMs: number, tNs: number, metadata: readonly Label[], bytes: number, nowMs: number): void {
    s.openBytes += bytes;
    this.rawBytesInMemory += bytes;
    this.newest(s, tMs, tNs, metadata, s.open.count - 1);
    s.lastAppend = nowMs;
    if (s.openBytes >= this.options.chunkTargetBytes) this.seal(s, true);
  }

  /** Makes entry `idx` of the open buffer, at (tMs, tNs), the stream's newest if it is. */
  private newest(s: MemStream, tMs: number, tNs: number, metadata: readonly Label[], idx: number): void {
    if (tMs > s.maxTMs || (tMs === s.maxTMs && tNs >= s.maxTNs)) {
      s.maxTMs = tMs;
      s.maxTNs = tNs;
      s.lastIdx = idx;
      s.lastLine = undefined;
      s.lastMeta = metadata;
    }
  }

  /**
   * Seals a stream's open buffer into a chunk queued for compression. `full`: sealed for
   * size, so the next buffer starts at this one's size.
   */
  seal(s: MemStream, full = false): HeadChunk | undefined {
    const sealed = s.open.encode();
    if (sealed === undefined) return undefined;
    const c = new HeadChunk(sealed.raw, sealed.minTMs, sealed.maxTMs, sealed.count, s.openBytes);
    if (s.lastIdx >= 0) {
      s.lastLine = s.open.lineCopy(s.lastIdx);
      s.lastIdx = -1;
    }
    s.chunks.push(c);
    s.open = full ? new OpenBuffer(s.open.sizeHint()) : new OpenBuffer();
    s.openBytes = 0;
    this.toCompress.push(c);
    return c;
  }

  /** Seals every stream whose buffer is older than the chunk age or idle for the idle period. */
  sealAged(nowMs: number): void {
    const { maxChunkAgeMs, chunkIdlePeriodMs } = this.options;
    for (const s of this.streams.values()) {
      if (s.open.count === 0) continue;
      if (nowMs - s.openSince >= maxChunkAgeMs || nowMs - s.lastAppend >= chunkIdlePeriodMs) this.seal(s);
    }
  }

  /** Seals every open buffer (flush). */
  sealAll(): void {
    for (const s of this.streams.values()) this.seal(s);
  }

  /** Takes the chunks waiting for compression (the caller compresses them and calls `compressed`). */
  takeUncompressed(): HeadChunk[] {
    return this.toCompress.splice(0);
  }

  /** Puts back chunks whose compression failed, to be retried. */
  requeue(chunks: readonly HeadChunk[]): void {
    this.toCompress.unshift(...chunks);
  }

  /** Installs a worker's result: the chunk no longer holds its raw bytes. */
  compressed(c: HeadChunk, encoded: EncodedChunk): void {
    if (c.dropped || c.encoded !== undefined) return;
    c.encoded = encoded;
    c.raw = undefined;
    this.rawBytesInMemory -= c.rawBytes;
    this.compressedBytesInMemory += encoded.data.byteLength;
  }

  /** Restores a compressed chunk from a checkpoint. */
  restoreChunk(s: MemStream, c: HeadChunk, encoded: EncodedChunk): void {
    c.encoded = encoded;
    s.chunks.push(c);
    this.compressedBytesInMemory += encoded.data.byteLength;
    const t = encoded.maxTMs;
    if (t > s.maxTMs) {
      s.maxTMs = t;
      s.maxTNs = 0;
      s.lastIdx = -1;
      s.lastLine = undefined;
      s.lastMeta = undefined;
    }
  }

  /**
   * Removes sealed chunks that are now in a block. Their memory goes; readers that took
   * them before keep their references.
   */
  removeChunks(s: MemStream, chunks: ReadonlySet<HeadChunk>): void {
    s.chunks = s.chunks.filter((c) => {
      if (!chunks.has(c)) return true;
      this.forget(c);
      return false;
    });
  }

  private forget(c: HeadChunk): void {
    if (c.encoded !== undefined) this.compressedBytesInMemory -= c.encoded.data.byteLength;
    else this.rawBytesInMemory -= c.rawBytes;
    c.dropped = true;
    c.raw = undefined;
  }

  /**
   * Drops what is older than `cutoff` (ms; retention): whole chunks ending before it and
   * open entries before it. Returns the entries dropped.
   */
  dropBefore(cutoff: number): number {
    if (cutoff > this.floor) this.floor = cutoff;
    let dropped = 0;
    for (const s of this.streams.values()) {
      const keep: HeadChunk[] = [];
      for (const c of s.chunks) {
        if (c.maxTMs < cutoff) {
          dropped += c.count;
          this.forget(c);
        } else keep.push(c);
      }
      s.chunks = keep;
      if (s.open.minTMs() < cutoff) {
        const before = s.open.count;
        // The kept entries get new indices: the newest's line moves to a copy.
        if (s.lastIdx >= 0) {
          s.lastLine = s.open.lineCopy(s.lastIdx);
          s.lastIdx = -1;
        }
        s.open = s.open.keepFrom(cutoff);
        dropped += before - s.open.count;
        const bytes = s.open.lineBytes;
        this.rawBytesInMemory -= s.openBytes - bytes;
        s.openBytes = bytes;
      }
    }
    return dropped;
  }

  /** Removes streams that hold nothing and were idle for the idle period; returns how many. */
  removeIdle(nowMs: number): number {
    let n = 0;
    for (const s of this.streams.values()) {
      if (s.empty && nowMs - s.lastAppend >= this.options.chunkIdlePeriodMs) {
        this.streams.delete(s.ref);
        this.byKey.delete(s.key);
        n++;
      }
    }
    return n;
  }

  /** Streams matching every matcher, sorted by labels. */
  select(matchers: readonly Matcher[]): MemStream[] {
    const out: MemStream[] = [];
    for (const s of this.streams.values()) if (matchesAll(s.labels, matchers)) out.push(s);
    return out;
  }

  /** Entries in memory (open and sealed). */
  entryCount(): number {
    let n = 0;
    for (const s of this.streams.values()) {
      n += s.open.count;
      for (const c of s.chunks) n += c.count;
    }
    return n;
  }
}

