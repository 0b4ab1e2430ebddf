/**
 * The LogQL engine's contract with its callers (the Loki query API, the ruler, tests):
 * what a query reads from, the parameters Loki's HTTP API turns into, and the result
 * values. Times are (ms, ns-within-ms) pairs where Loki keeps nanoseconds (log query
 * bounds, entry timestamps) and milliseconds where Loki's results are float seconds
 * (metric steps and samples).
 *
 * Label sets follow LogQL (pipeline/types.ts): empty values are allowed in results.
 */
import type { Labels } from '../../model/labels.js';
import type { Direction, LogQuerier, LogSelectCounters } from '../../logstore/interface.js';

/** Where a query reads: one tenant's log querier over [mint, maxt] (ms, inclusive). The engine closes it. */
export interface LogQLSource {
  querier(mint: number, maxt: number): LogQuerier;
}

/** Engine-wide settings; the per-tenant limits come with each query. */
export interface LogQLEngineOptions {
  /** Deadline of one query (`querier.query_timeout`, Loki's default 1m). */
  readonly timeoutMs: number;
  /** `limits_config.max_entries_limit_per_query` (Loki: 5000). */
  readonly maxEntriesLimitPerQuery: number;
  /** `limits_config.max_query_series` (Loki: 500): series a metric query may return. */
  readonly maxQuerySeries: number;
  /** Points per series of a range query (Loki: 11 000). */
  readonly maxPoints: number;
  /** How long an instant log query looks back (Loki's engine: 30 s, `[T-30s, T)`). */
  readonly instantLogLookbackMs: number;
}

export function defaultLogQLEngineOptions(): LogQLEngineOptions {
  return { timeoutMs: 60_000, maxEntriesLimitPerQuery: 5000, maxQuerySeries: 500, maxPoints: 11_000, instantLogLookbackMs: 30_000 };
}

/** A range query: Loki's `query_range`. `[start, end)` for log queries; steps start..end inclusive for metric queries. */
export interface RangeQueryParams {
  readonly startMs: number;
  readonly startNs: number;
  readonly endMs: number;
  readonly endNs: number;
  /** Step of metric queries, ms > 0. */
  readonly stepMs: number;
  /** `interval` of log queries (ms, 0 = every entry). */
  readonly intervalMs: number;
  /** Entries of a log query (1 … maxEntriesLimitPerQuery). */
  readonly limit: number;
  readonly direction: Direction;
  /** `X-Loki-Response-Encoding-Flags: categorize-labels`: streams keyed by stream labels only. */
  readonly categorizeLabels?: boolean;
}

/** An instant query: Loki's `query` (log queries are refused by the HTTP layer, not here). */
export interface InstantQueryParams {
  readonly tMs: number;
  readonly tNs: number;
  readonly limit: number;
  readonly direction: Direction;
  readonly categorizeLabels?: boolean;
}

/** One entry of a log query result. */
export interface ResultEntry {
  readonly tMs: number;
  readonly tNs: number;
  readonly line: string;
  /** Only filled with categorizeLabels (else folded into the stream's labels). */
  readonly structuredMetadata?: Labels;
  readonly parsed?: Labels;
}

export interface ResultStream {
  readonly labels: Labels;
  /** In the query's direction. */
  readonly entries: ResultEntry[];
}

export interface ResultPoint {
  readonly tMs: number;
  readonly v: number;
}

export interface ResultSeries {
  readonly labels: Labels;
  /** Oldest first. */
  readonly points: ResultPoint[];
}

export interface ResultSample {
  readonly labels: Labels;
  readonly tMs: number;
  readonly v: number;
}

export type LogQLValue =
  | { readonly type: 'streams'; readonly streams: ResultStream[] }
  | { readonly type: 'matrix'; readonly series: ResultSeries[] }
  | { readonly type: 'vector'; readonly samples: ResultSample[] }
  | { readonly type: 'scalar'; readonly tMs: number; readonly v: number };

/** What a query did, for the `stats` object of the response (Loki's `stats.Result`). */
export interface LogQLQueryStats {
  /** What the store did for every select of the query, summed (chunks skipped, decoded, bytes). */
  readonly store: LogSelectCounters;
  /** Entries returned (log queries). */
  entriesReturned: number;
  /** Wall time of the execution, seconds. */
  execTimeS: number;
}

/** Loki's `totalBytesProcessed`: line bytes decompressed plus those read from memory. */
export function bytesProcessed(s: LogQLQueryStats): number {
  return s.store.decompressedBytes + s.store.headChunkBytes;
}

/** Loki's `totalLinesProcessed`. */
export function linesProcessed(s: LogQLQueryStats): number {
  return s.store.decompressedLines + s.store.headChunkLines;
}

export interface LogQLResult {
  readonly value: LogQLValue;
  readonly stats: LogQLQueryStats;
}

/** The steps of an evaluation: `startMs + i * stepMs` for i in [0, count). */
export interface Steps {
  readonly startMs: number;
  readonly stepMs: number;
  readonly count: number;
}
