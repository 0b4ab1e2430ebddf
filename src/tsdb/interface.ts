/**
 * The seams of the time-series store (DESIGN.md): every writer codes against
 * `Appendable`/`Appender`, every reader against `Queryable`/`Querier`. Times are int64
 * milliseconds since the epoch held in JS numbers; bounds are inclusive.
 */
import type { Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';

/** A handle to a series for one store; 0 means "unknown, look it up by labels". */
export type SeriesRef = number;

/** A sampled trace pointer attached to a series. */
export interface Exemplar {
  readonly labels: Labels;
  readonly t: number;
  readonly v: number;
}

/** Metric family metadata, as remote write sends it. */
export interface MetricMetadata {
  readonly metricFamilyName: string;
  readonly type: string;
  readonly help: string;
  readonly unit: string;
}

/**
 * A series of one tenant's store as the hot write path holds it: resolved once, then
 * appended to without looking labels up again. Valid while the appender's `seriesEpoch`
 * is unchanged (the store bumps it when it drops series).
 */
export interface SeriesHandle {
  readonly ref: SeriesRef;
  readonly labels: Labels;
}

/** Outcome of a sample check, cheap to return on the hot path. */
export enum AppendStatus {
  Ok = 0,
  /** Same timestamp and same value as the newest sample: accepted, nothing to store. */
  Duplicate = 1,
  OutOfOrder = 2,
  DuplicateTimestamp = 3,
  TooOld = 4,
}

/**
 * Collects the samples of one request, then makes them durable and visible at once.
 * Not shared between requests; not for use after `commit()` or `rollback()`.
 */
export interface Appender {
  /**
   * Adds a float sample. `labels` must be sorted and valid (the caller validated them);
   * it is read only when `ref` is 0 or unknown. Returns the series ref to pass next time.
   * Throws a CairnError (kind `bad_data`) for a sample the store refuses: out of order, a
   * duplicate timestamp with another value, too old, or a new series over the tenant's
   * series limits. A refused sample does not affect the others.
   */
  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef;
  /**
   * The series for `labels` (sorted and valid), created if new. Throws a CairnError
   * (`bad_data`) when a new series would exceed the tenant's series limits.
   */
  seriesFor(labels: Labels): SeriesHandle;
  /** The series for `labels` (sorted) if the store has it; never creates one. */
  existingSeries(labels: Labels): SeriesHandle | undefined;
  /**
   * The hot path: checks and buffers a sample of a series from `seriesFor` without
   * throwing. Returns `Ok` or `Duplicate` when accepted, else why it was refused
   * (`sampleError` in head-append.ts words it).
   */
  appendTo(series: SeriesHandle, t: number, v: number): AppendStatus;
  /** Changes whenever series handles may have become invalid (series removed). */
  readonly seriesEpoch: number;
  /** Adds an exemplar to an existing series. Dropped silently when exemplars are disabled. */
  appendExemplar(ref: SeriesRef, exemplar: Exemplar): void;
  /** Records metric metadata (last write wins). */
  updateMetadata(metadata: MetricMetadata): void;
  /**
   * Writes everything to the WAL, then applies it to memory. Resolves once the WAL write
   * is done under the configured fsync policy; only then may the request be acknowledged.
   * Rejects with a CairnError (kind `unavailable`) when the WAL cannot be written, in
   * which case nothing was applied.
   */
  commit(): Promise<void>;
  /** Discards everything appended. */
  rollback(): void;
}

export interface Appendable {
  /** An appender for `tenant`'s store, created on first use. */
  appender(tenant: string): Appender;
}

/** What a select may use to do less work; results may still include samples outside. */
export interface SelectHints {
  readonly mint: number;
  readonly maxt: number;
  /**
   * `'series'`: the caller reads the series' labels only (the series API), as Prometheus's
   * `SelectHints.Func`: the same series are returned, but they may iterate no samples.
   */
  readonly func?: 'series';
}

/**
 * Growable sample columns a bulk reader appends to (`SampleIterator.readInto`): `hi`
 * samples held in `t` and `v`; `v32` is `v`'s bits as 32-bit words (a reader writes a
 * value's two halves without converting them to a double).
 */
export interface SampleColumns {
  t: Float64Array;
  v: Float64Array;
  v32: Uint32Array;
  hi: number;
  /** Makes room for at least `n` more samples; may replace the arrays. */
  reserve(n: number): void;
}


/**
 * A pull cursor over one series' samples in time order. `t`/`v` are valid after `next()`
 * or `seek()` returned true. Not to be held across `await` while the store may change.
 */
export interface SampleIterator {
  next(): boolean;
  /** Advances to the first sample with timestamp >= t (staying put if already there). */
  seek(t: number): boolean;
  readonly t: number;
  readonly v: number;
  err(): Error | undefined;
  /**
   * Optional fast path for an instant selector, on a fresh iterator only: moves to the
   * newest sample at or before `t` (false if there is none) and ends the iteration.
   */
  lastAtOrBefore?(t: number): boolean;
  /**
   * Optional bulk read, on a fresh iterator only: appends every sample in [mint, maxt] to
   * `out`, stale markers left out when `skipStale`, and ends the iteration. Faster than
   * `seek` and `next()` per sample for a reader that wants them all in columns (a range
   * function's windows).
   */
  readInto?(mint: number, maxt: number, out: SampleColumns, skipStale: boolean): void;
}

export interface Series {
  readonly labels: Labels;
  iterator(): SampleIterator;
}

/** A pull cursor over series, ordered by labels. */
export interface SeriesSet {
  next(): boolean;
  at(): Series;
  err(): Error | undefined;
}

/**
 * A selection read in place: the series' labels, sorted, and their chunks visited where
 * they lie, without the snapshot `select` makes. For a reader that copies the chunks it
 * wants at once (the query workers' packer): a visit's bytes are valid only during the
 * call, and only until the event loop turns (appends change the head's open chunks).
 */
export interface InPlaceSelection {
  readonly labels: readonly Labels[];
  /** The series' read bounds (those `select` gives its series). */
  readonly mint: number;
  readonly maxt: number;
  /**
   * Calls `fn` for each chunk of series `i` that may hold samples in [mint, maxt], oldest
   * first; `times` is a dense chunk's timestamp column.
   */
  forEachChunk(i: number, mint: number, maxt: number, fn: ChunkVisitor): void;
  /**
   * The newest sample time series `i` is read to: its newest when selected, so that a read
   * after later appends sees what a read at the selection would have (a visited chunk may
   * hold newer samples).
   */
  newestOf(i: number): number;
  /**
   * The value of series `i`'s newest sample (at `newestOf(i)`) when that sample lies in
   * [mint, maxt] within the selection's bounds and is known without decoding; undefined
   * otherwise. An instant selector "now" then decodes nothing.
   */
  newestValueOf?(i: number, mint: number, maxt: number): number | undefined;
}

/**
 * One chunk of a series read in place: its bytes (valid during the call only), time bounds
 * and sample count; `times` is a dense chunk's timestamp column; `marks`, where the chunk's
 * owner keeps a read mark for its XOR chunks (`XorIterator.readIntoFrom`).
 */
export type ChunkVisitor = (bytes: Uint8Array, mint: number, maxt: number, numSamples: number, times: Float64Array | undefined, marks: ReadMarkSlot | undefined) => void;

/**
 * Where the owner of a series' chunks (the head's series) keeps one reader's mark: how far
 * into which chunk decoding got (`XorIterator.readIntoFrom` writes and reads it; opaque to
 * the owner, which only drops it with the chunks).
 */
export interface ReadMarkSlot {
  xorMark: object | undefined;
}

/** Reads one tenant's data between mint and maxt (inclusive). The caller calls `close()`. */
export interface Querier {
  select(matchers: readonly Matcher[], hints?: SelectHints): SeriesSet;
  /**
   * `select`'s series read in place, when the querier can give them so (today: the head
   * alone holds the hinted range); undefined otherwise, and the caller selects.
   */
  selectInPlace?(matchers: readonly Matcher[], hints?: SelectHints): InPlaceSelection | undefined;
  /**
   * Sorted label names of series matching all matchers (all series when none). The list
   * may be shared (the head caches its own): the caller must not change it.
   */
  labelNames(matchers?: readonly Matcher[]): readonly string[];
  /** Sorted values of `name` over series matching all matchers; shared as `labelNames`' list. */
  labelValues(name: string, matchers?: readonly Matcher[]): readonly string[];
  close(): void;
}

export interface Queryable {
  querier(tenant: string, mint: number, maxt: number): Querier;
}
