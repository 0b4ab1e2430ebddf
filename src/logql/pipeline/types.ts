/**
 * The contract between the LogQL engine and compiled pipelines (Loki's
 * `pkg/logql/log/pipeline.go`): a pipeline is compiled once per query from the AST's
 * stages, then specialised per stream, then run per entry. The leading line filters are
 * also offered to the log store (`lineFilter`, `needles`) so they run while chunks are
 * decoded and let whole chunks be skipped.
 *
 * Label sets here follow LogQL, not the metrics model: a value may be the empty string
 * (`| logfmt --keep-empty`, structured metadata `name=""`), and `{a=""}` is a different
 * result series from `{}`. Sets are sorted by name with unique names.
 */
import type { Label, Labels } from '../../model/labels.js';

/** One entry after the pipeline ran; valid until the next `process` call on the same StreamPipeline. */
export interface ProcessedEntry {
  /** The line after `line_format` / `decolorize` (the input line when neither ran). */
  readonly line: string;
  /** Every label of the result: stream labels, structured metadata and parsed labels, after drop/keep/label_format. */
  readonly labels: Labels;
  /** `labelsKey(labels)` (model/labels.ts), for grouping entries into result streams. */
  readonly key: string;
  /** The categories of `labels`, for `X-Loki-Response-Encoding-Flags: categorize-labels`. */
  readonly stream: Labels;
  readonly structuredMetadata: Labels;
  readonly parsed: Labels;
}

/** A compiled pipeline bound to one stream's labels. Not thread-safe; one per stream per query. */
export interface StreamPipeline {
  /**
   * Runs every stage over one entry. Returns undefined when a filter dropped it. `tMs`/`tNs`
   * are the entry's time (for `__timestamp__` in templates), `metadata` its structured
   * metadata in the order sent.
   */
  process(tMs: number, tNs: number, line: string, metadata: readonly Label[]): ProcessedEntry | undefined;
}

/** What the store may run during chunk decoding: a conservative pre-filter of the pipeline. */
export interface StorePushdown {
  /**
   * A test every line the pipeline keeps passes (the leading line filters, before any stage
   * that changes the line). Undefined when there is none.
   */
  readonly lineFilter?: (line: string) => boolean;
  /** Substrings every kept line contains (from leading `|=` filters without `or`). */
  readonly needles: readonly string[];
  /**
   * True when `lineFilter` is exactly "contains every needle": a store that tested the
   * needles on a line's bytes need not run `lineFilter` on its string.
   */
  readonly needlesExact?: boolean;
}

/** A compiled pipeline for a log query. */
export interface LogPipeline extends StorePushdown {
  /**
   * The pipeline for one stream. `prefiltered`: the caller promises every entry passed
   * `lineFilter` already (the store ran it), so the pushed-down line filters are skipped.
   */
  forStream(streamLabels: Labels, prefiltered?: boolean): StreamPipeline;
}

/** One sample extracted from an entry by a metric query's pipeline. */
export interface ExtractedSample {
  readonly value: number;
  /** The series labels (after `by`/`without` of the range aggregation when it has one). */
  readonly labels: Labels;
  readonly key: string;
}

/** A sample extractor bound to one stream. */
export interface StreamSampleExtractor {
  /** Runs the pipeline and the extraction; undefined when the entry yields no sample. */
  process(tMs: number, tNs: number, line: string, metadata: readonly Label[]): ExtractedSample | undefined;
}

/** A compiled sample extractor for one range aggregation (`count_over_time(...)`, `... | unwrap x`). */
export interface SampleExtractor extends StorePushdown {
  /**
   * True when, bound with `prefiltered`, the extractor never reads an entry's line (a
   * count of entries whose every filter was pushed down): the store may skip the lines.
   */
  readonly linesUnused?: boolean;
  /** As `LogPipeline.forStream`. */
  forStream(streamLabels: Labels, prefiltered?: boolean): StreamSampleExtractor;
}
