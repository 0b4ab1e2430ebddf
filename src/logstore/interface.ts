/**
 * The seams of the log store (DESIGN.md): ingestion codes against `LogAppendable` /
 * `LogAppender`, the LogQL engine against `LogQueryable` / `LogQuerier`. Entry timestamps
 * are (ms, ns-within-ms) pairs (entry.ts); query bounds are milliseconds plus the
 * nanoseconds within, start inclusive, end exclusive, as Loki's `[start, end)`.
 */
import type { Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import type { LogEntry } from './entry.js';
import type { EntryColumns } from './entry-columns.js';

/** A stream of one tenant's store, resolved once per request. */
export interface LogStreamHandle {
  readonly ref: number;
  readonly labels: Labels;
}

/** Outcome of one entry, cheap to return on the hot path. */
export enum LogAppendStatus {
  Ok = 0,
  /** The same timestamp and line as the stream's newest entry: accepted, nothing stored (Loki). */
  Duplicate = 1,
  /** Older than the stream's newest entry minus the out-of-order window (Loki's "entry too far behind"). */
  TooFarBehind = 2,
  /** Older than the tenant's retention: it would be deleted at once. */
  TooOld = 3,
}

/**
 * A request body as received, for the WAL: instead of re-encoding every entry, the log
 * store writes the body itself with the stream each of its streams went to and the entries
 * it did not store; replay decodes the body again (the store is given the decoder). Only
 * for requests whose entries were all appended in body order through this appender.
 */
export interface RawPushSource {
  /** How the body decodes (the store's `decodeRaw` knows the formats). */
  readonly format: number;
  readonly body: Uint8Array;
  /** Per stream of the body, in body order: the ref of the stream it was appended to, or 0 when none of its entries were. */
  readonly refs: ArrayLike<number>;
  /** Entries of appended streams that were not appended, as (stream index, entry index) pairs. */
  readonly refused: readonly number[];
}

/**
 * Collects the entries of one request, then makes them durable and visible at once.
 * Not shared between requests; not for use after `commit()` or `rollback()`.
 */
export interface LogAppender {
  /**
   * The stream for `labels` (sorted, validated), created if new. Throws a CairnError
   * (`too_many_requests`, reason `stream_limit`) when a new stream would exceed the
   * tenant's active stream limit; existing streams are never refused. `known`, a handle
   * this tenant's store returned before for the same labels, is returned as it is while
   * the stream is still in memory (saving the lookup by labels).
   */
  streamFor(labels: Labels, known?: LogStreamHandle): LogStreamHandle;
  /** Checks and buffers an entry; returns why it was refused, or Ok/Duplicate. */
  append(stream: LogStreamHandle, entry: LogEntry): LogAppendStatus;
  /**
   * `append` for entry `i` of `cols` (the push path: no object per entry). Every `appendAt`
   * of one appender names the same columns, which must not change until `commit` resolves.
   */
  appendAt(stream: LogStreamHandle, cols: EntryColumns, i: number): LogAppendStatus;
  /** The oldest timestamp (ms) `append` accepts for the stream now (for error messages). */
  oldestAcceptedMs(stream: LogStreamHandle): number;
  /**
   * Writes the WAL, then applies to memory; resolves once the WAL write is done under the
   * fsync policy. With `raw`, the WAL holds the body instead of the entries (see
   * RawPushSource). Rejects with a CairnError (`unavailable`) when the WAL cannot be written,
   * in which case nothing was applied.
   */
  commit(raw?: RawPushSource): Promise<void>;
  rollback(): void;
}

export interface LogAppendable {
  logAppender(tenant: string): LogAppender;
}

/** Which way entries come out: `forward` oldest first, `backward` newest first (Loki's default). */
export type Direction = 'forward' | 'backward';

/**
 * What a select reads: the time range `[start, end)` as (ms, ns) pairs, the direction and,
 * optionally, line filters that run while chunks are decoded (the LogQL engine compiles
 * them from the pipeline's leading line filters).
 */
export interface LogSelectParams {
  readonly startMs: number;
  readonly startNs: number;
  readonly endMs: number;
  readonly endNs: number;
  readonly direction: Direction;
  /** Only entries whose line passes are returned. */
  readonly lineFilter?: (line: string) => boolean;
  /**
   * Substrings every returned line contains (from `|=` filters): chunks whose filter
   * proves one absent are skipped without being decompressed.
   */
  readonly needles?: readonly string[];
  /**
   * `lineFilter` is exactly "contains every needle": lines of compressed chunks, whose
   * bytes were tested for the needles, skip `lineFilter`.
   */
  readonly needlesExact?: boolean;
  /**
   * The caller never reads entries' lines (it counts them): the store may hand out '' as
   * the line of entries from compressed chunks, which saves making every line a string.
   */
  readonly linesUnused?: boolean;
  /** When given, the select counts the chunks it skipped and decoded into it. */
  readonly counters?: LogSelectCounters;
  /**
   * The caller reads at most this many entries over all streams (a log query's limit): the
   * store may then read compressed chunks in batches in the query's direction, making
   * strings only of the lines read and, backwards, searching needles from the end.
   */
  readonly limit?: number;
  /**
   * Asked after each chunk a stream's iterator opens: true when the caller's slice of the
   * event loop is up. A stream's iterator then returns `PAUSED` from
   * `at()` (its `next()` true), so the caller can yield and call `next()` again. Without it,
   * a filter that keeps few lines decoded every chunk of a stream in one call (a 17 s stall
   * of pushes under a regex filter), and so did chunks that overlap in time (1.2 s).
   */
  readonly pauseDue?: () => boolean;
}

/**
 * What `LogEntryIterator.at()` gives when the select's `pauseDue` said yes: no entry, a
 * turn for the caller to yield in. Compare by identity.
 */
export const PAUSED: LogEntry = Object.freeze({ tMs: 0, tNs: 0, line: '', metadata: Object.freeze([]) as unknown as LogEntry['metadata'] });

/** What a select did with compressed chunks (for a query's `stats`). Mutated by the querier. */
export interface LogSelectCounters {
  /** Chunks in the time range and selection, before any filter. */
  chunksRef: number;
  /** Chunks whose needle filter proved a needle absent: never decompressed. */
  chunksSkipped: number;
  /** Chunks decompressed and decoded. */
  chunksDecoded: number;
  /** Compressed and decompressed line bytes, and lines, of the decoded chunks. */
  compressedBytes: number;
  decompressedBytes: number;
  decompressedLines: number;
  /** Line bytes and lines read from memory without decompression (the head's buffers). */
  headChunkBytes: number;
  headChunkLines: number;
}

export function emptySelectCounters(): LogSelectCounters {
  return { chunksRef: 0, chunksSkipped: 0, chunksDecoded: 0, compressedBytes: 0, decompressedBytes: 0, decompressedLines: 0, headChunkBytes: 0, headChunkLines: 0 };
}

/**
 * A pull cursor over one stream's entries in the select's direction, without duplicates.
 * With the select's `pauseDue`, `at()` may be `PAUSED`: no entry, call `next()` again.
 */
export interface LogEntryIterator {
  next(): boolean;
  /** Valid after `next()` returned true. */
  at(): LogEntry;
}

export interface LogStream {
  readonly labels: Labels;
  iterator(): LogEntryIterator;
}

/** A pull cursor over streams, ordered by labels. */
export interface LogStreamSet {
  next(): boolean;
  at(): LogStream;
}

/** Index statistics over a selection (Loki's `index/stats`). */
export interface LogIndexStats {
  streams: number;
  chunks: number;
  entries: number;
  bytes: number;
}

/** Bytes of one stream over a querier's range (Loki's `index/volume`). */
export interface LogStreamVolume {
  readonly labels: Labels;
  /** Line bytes of the stream's chunks overlapping the range (whole chunks, as Loki's index counts) and of its unsealed entries in it. */
  readonly bytes: number;
}

/** Reads one tenant's logs between mint and maxt (ms, inclusive). The caller calls `close()`. */
export interface LogQuerier {
  select(matchers: readonly Matcher[], params: LogSelectParams): LogStreamSet;
  /** Sorted label names of streams matching all matchers (all streams when none). */
  labelNames(matchers?: readonly Matcher[]): string[];
  /** Sorted values of `name` over streams matching all matchers. */
  labelValues(name: string, matchers?: readonly Matcher[]): string[];
  /** Label sets of the streams matching all matchers with entries in range, sorted. */
  series(matchers: readonly Matcher[]): Labels[];
  stats(matchers: readonly Matcher[]): LogIndexStats;
  /** Per stream matching all matchers, the bytes it holds in range; streams without any are left out. Unordered. */
  volumes(matchers: readonly Matcher[]): LogStreamVolume[];
  close(): void;
}

export interface LogQueryable {
  logQuerier(tenant: string, mint: number, maxt: number): LogQuerier;
}
