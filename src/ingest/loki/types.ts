/**
 * What the Loki push decoders (JSON, legacy JSON, protobuf) produce: the streams of a
 * request, in the order sent, before validation. Labels are as the client sent them
 * (not sorted, not checked beyond parsing), so the distributor can apply Loki's rules and
 * word its errors with the client's own label text.
 */
import type { Label } from '../../model/labels.js';
import type { LogEntry } from '../../logstore/entry.js';
import type { EntryColumns } from '../../logstore/entry-columns.js';
import type { CairnError } from '../../util/errors.js';

export interface PushStream {
  /** The labels in the order sent (a JSON map's key order, or the selector's order). */
  readonly labels: readonly Label[];
  /**
   * The labels as the client wrote them (the selector string), for error messages and as
   * a cache key; two different label lists never have the same text.
   */
  readonly labelsText: string;
  /**
   * Set when the label string does not parse (`labels` is then empty): Loki refuses that
   * stream with 400 and stores the others.
   */
  readonly labelsError?: CairnError;
  /**
   * The entries in the order sent. JSON's have string lines; the protobuf decoder's are
   * made on first read from its columns (`ColumnarPushStream`), which the push path reads
   * instead.
   */
  readonly entries: readonly LogEntry[];
}

export interface PushRequest {
  readonly streams: readonly PushStream[];
}

/**
 * A stream whose entries are `[from, to)` of its request's columns (lines as bytes of the
 * request buffer, never made strings on the push path).
 */
export interface ColumnarPushStream extends PushStream {
  readonly columns: EntryColumns;
  readonly from: number;
  readonly to: number;
}

/** A request as the push path stores it: every stream's entries in one set of columns. */
export interface ColumnarPushRequest extends PushRequest {
  readonly streams: readonly ColumnarPushStream[];
  readonly columns: EntryColumns;
}
