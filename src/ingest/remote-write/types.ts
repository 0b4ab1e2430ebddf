/**
 * Plain data shapes of a decoded remote-write 1.0 `WriteRequest` (proto/prometheus/remote.proto),
 * as both decoders return them. They carry what the wire carries, before Mimir's
 * normalisation: labels in the order sent, empty values kept, duplicates kept.
 */

/**
 * One label as sent. Structurally the same as `model/labels.ts`'s `Label`, so a decoded
 * array can be normalised into a `Labels` value without copying.
 */
export interface Label {
  readonly name: string;
  readonly value: string;
}

/**
 * One float sample. `t` is int64 milliseconds since the epoch held as a JS number: exact
 * for |t| ≤ 2^53 (about ±285 000 years); beyond that it is rounded to the nearest double.
 * `v` is the value; the stale marker is a NaN with bits 0x7ff0000000000002, so compare
 * bits (see `STALE_NAN_HI`/`STALE_NAN_LO`), never `isNaN`.
 */
export interface Sample {
  readonly t: number;
  readonly v: number;
}

/** An exemplar: trace labels, value and timestamp (ms, 0 = unset), as sent. */
export interface Exemplar {
  readonly labels: readonly Label[];
  readonly t: number;
  readonly v: number;
}

/**
 * `MetricMetadata.MetricType` numbers (proto/prometheus/types.proto). Proto3 enums are
 * open: a sender may send a number not listed, and `MetricMetadata.type` keeps it.
 */
export const MetricType = {
  UNKNOWN: 0,
  COUNTER: 1,
  GAUGE: 2,
  HISTOGRAM: 3,
  GAUGEHISTOGRAM: 4,
  SUMMARY: 5,
  INFO: 6,
  STATESET: 7,
} as const;

/** The lowercase type names Prometheus's `/api/v1/metadata` answers with, by number. */
const METRIC_TYPE_NAMES: readonly string[] = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'];

/** The Prometheus API name of a `MetricType` number; `unknown` for numbers not defined. */
export function metricTypeName(type: number): string {
  return METRIC_TYPE_NAMES[type] ?? 'unknown';
}

/** Metadata of a metric family; `type` is a `MetricType` number (possibly undefined ones). */
export interface MetricMetadata {
  readonly type: number;
  readonly metricFamilyName: string;
  readonly help: string;
  readonly unit: string;
}

/**
 * One series of a request. Native histograms are not ingested yet: `histogramCount` says
 * how many the series carried, so the caller can refuse them with a clear 400 instead of
 * dropping them silently.
 */
export interface TimeSeries {
  readonly labels: readonly Label[];
  readonly samples: readonly Sample[];
  readonly exemplars: readonly Exemplar[];
  readonly histogramCount: number;
  /**
   * Names of labels whose value was sent as bytes that are not UTF-8 (their strings hold
   * U+FFFD): the series is refused (`label_value_invalid`), as Mimir refuses it. Set by
   * the OTLP translation; remote write's decoders report it their own way.
   */
  readonly utf8InvalidLabels?: readonly string[];
}

/** A decoded remote-write 1.0 request. */
export interface WriteRequest {
  readonly timeseries: readonly TimeSeries[];
  readonly metadata: readonly MetricMetadata[];
}

/**
 * The stale marker's high and low 32 bits (Prometheus `value.StaleNaN` = 0x7ff0000000000002):
 * together they identify a stale sample by its raw bits.
 */
export { STALE_HI as STALE_NAN_HI, STALE_LO as STALE_NAN_LO } from '../../model/stale.js';
