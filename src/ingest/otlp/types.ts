/**
 * The one plain shape that every OTLP decoder produces (`decode.ts`: protobuf and
 * OTLP-JSON, for both `ExportMetricsServiceRequest` and `ExportLogsServiceRequest`), so
 * the metrics translator and the logs mapper code against one model whatever the wire.
 *
 * Conventions (OTLP-JSON-like, see `proto/otlp/`):
 * - Keys are lowerCamelCase, as the OTLP-JSON encoding spells them.
 * - Every field is present: an absent proto3 field is its zero value (`''`, `0`, `0n`,
 *   `[]`, `false`), an absent message is its empty form (`resource: {attributes: [] …}`),
 *   so consumers never test for `undefined` except on oneofs and `optional` fields.
 * - 64-bit integers that are times (`timeUnixNano`, `startTimeUnixNano`,
 *   `observedTimeUnixNano`) and `AnyValue.intValue`, `NumberDataPoint.asInt`,
 *   `Exemplar.asInt` are `bigint`: exact, and unsigned times stay unsigned.
 * - 64-bit counts (`count`, `bucketCounts`, `zeroCount`, `rejected…`) are JS numbers:
 *   Prometheus turns them into float64 at once, so nothing is lost that it keeps.
 * - Enums are numbers (OTLP-JSON sends them as integers; a name is accepted on input).
 * - `traceId`/`spanId` are lowercase hex strings (OTLP-JSON's form), `''` when absent.
 * - `bytesValue` is the raw bytes (OTLP-JSON sends base64).
 * - Attributes are `{key, value}` arrays in the order sent, duplicates kept: OTLP leaves
 *   duplicate keys undefined, and each consumer applies its upstream's rule.
 */

/**
 * `opentelemetry.proto.common.v1.AnyValue`: exactly one key set, or none (empty value).
 * A `stringValue` sent as bytes that are not UTF-8 holds U+FFFD for them and has
 * `utf8Invalid` set (protobuf only: a JSON body is text), so that a label made of it is
 * refused as Mimir refuses one (`label_value_invalid`) rather than stored changed.
 */
export type AnyValue =
  | { readonly stringValue: string; readonly utf8Invalid?: true }
  | { readonly boolValue: boolean }
  | { readonly intValue: bigint }
  | { readonly doubleValue: number }
  | { readonly arrayValue: { readonly values: readonly AnyValue[] } }
  | { readonly kvlistValue: { readonly values: readonly KeyValue[] } }
  | { readonly bytesValue: Uint8Array }
  | EmptyValue;

/** An `AnyValue` with no value set (pcommon's `ValueTypeEmpty`). */
export type EmptyValue = { readonly [key: string]: never };

/** `opentelemetry.proto.common.v1.KeyValue`; `value` is `{}` when not sent. */
export interface KeyValue {
  readonly key: string;
  readonly value: AnyValue;
}

/** `opentelemetry.proto.resource.v1.Resource`. */
export interface Resource {
  readonly attributes: readonly KeyValue[];
  readonly droppedAttributesCount: number;
}

/** `opentelemetry.proto.common.v1.InstrumentationScope`. */
export interface InstrumentationScope {
  readonly name: string;
  readonly version: string;
  readonly attributes: readonly KeyValue[];
  readonly droppedAttributesCount: number;
}

// ---------------------------------------------------------------------------------------
// Metrics (opentelemetry/proto/metrics/v1/metrics.proto)

/** `AggregationTemporality` numbers. */
export const AggregationTemporality = { UNSPECIFIED: 0, DELTA: 1, CUMULATIVE: 2 } as const;

/** `DataPointFlags`: bit 0 says the point has no recorded value (becomes a stale marker). */
export const FLAG_NO_RECORDED_VALUE = 1;

/** `ExportMetricsServiceRequest` (collector/metrics/v1/metrics_service.proto). */
export interface ExportMetricsServiceRequest {
  readonly resourceMetrics: readonly ResourceMetrics[];
}

export interface ResourceMetrics {
  readonly resource: Resource;
  readonly scopeMetrics: readonly ScopeMetrics[];
  readonly schemaUrl: string;
}

export interface ScopeMetrics {
  readonly scope: InstrumentationScope;
  readonly metrics: readonly Metric[];
  readonly schemaUrl: string;
}

/**
 * `Metric`. The `data` oneof is spread as in OTLP-JSON: at most one of `gauge`, `sum`,
 * `histogram`, `exponentialHistogram`, `summary` is set (protobuf: the last one sent);
 * none set is a metric without data, which the translator refuses.
 */
export interface Metric {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly metadata: readonly KeyValue[];
  readonly gauge?: Gauge;
  readonly sum?: Sum;
  readonly histogram?: Histogram;
  readonly exponentialHistogram?: ExponentialHistogram;
  readonly summary?: Summary;
}

export interface Gauge {
  readonly dataPoints: readonly NumberDataPoint[];
}

export interface Sum {
  readonly dataPoints: readonly NumberDataPoint[];
  readonly aggregationTemporality: number;
  readonly isMonotonic: boolean;
}

export interface Histogram {
  readonly dataPoints: readonly HistogramDataPoint[];
  readonly aggregationTemporality: number;
}

export interface ExponentialHistogram {
  readonly dataPoints: readonly ExponentialHistogramDataPoint[];
  readonly aggregationTemporality: number;
}

export interface Summary {
  readonly dataPoints: readonly SummaryDataPoint[];
}

/** `NumberDataPoint`: the `value` oneof is `asDouble` or `asInt` (neither: value 0). */
export interface NumberDataPoint {
  readonly attributes: readonly KeyValue[];
  readonly startTimeUnixNano: bigint;
  readonly timeUnixNano: bigint;
  readonly asDouble?: number;
  readonly asInt?: bigint;
  readonly exemplars: readonly Exemplar[];
  readonly flags: number;
}

export interface HistogramDataPoint {
  readonly attributes: readonly KeyValue[];
  readonly startTimeUnixNano: bigint;
  readonly timeUnixNano: bigint;
  readonly count: number;
  /** `optional double sum`: `undefined` when not sent. */
  readonly sum?: number;
  readonly bucketCounts: readonly number[];
  readonly explicitBounds: readonly number[];
  readonly exemplars: readonly Exemplar[];
  readonly flags: number;
  readonly min?: number;
  readonly max?: number;
}

export interface ExponentialHistogramBuckets {
  readonly offset: number;
  readonly bucketCounts: readonly number[];
}

export interface ExponentialHistogramDataPoint {
  readonly attributes: readonly KeyValue[];
  readonly startTimeUnixNano: bigint;
  readonly timeUnixNano: bigint;
  readonly count: number;
  readonly sum?: number;
  readonly scale: number;
  readonly zeroCount: number;
  readonly positive: ExponentialHistogramBuckets;
  readonly negative: ExponentialHistogramBuckets;
  readonly flags: number;
  readonly exemplars: readonly Exemplar[];
  readonly min?: number;
  readonly max?: number;
  readonly zeroThreshold: number;
}

export interface ValueAtQuantile {
  readonly quantile: number;
  readonly value: number;
}

export interface SummaryDataPoint {
  readonly attributes: readonly KeyValue[];
  readonly startTimeUnixNano: bigint;
  readonly timeUnixNano: bigint;
  readonly count: number;
  readonly sum: number;
  readonly quantileValues: readonly ValueAtQuantile[];
  readonly flags: number;
}

/** `Exemplar`: value is `asDouble` or `asInt`; ids are lowercase hex (`''` if absent). */
export interface Exemplar {
  readonly filteredAttributes: readonly KeyValue[];
  readonly timeUnixNano: bigint;
  readonly asDouble?: number;
  readonly asInt?: bigint;
  readonly spanId: string;
  readonly traceId: string;
}

// ---------------------------------------------------------------------------------------
// Logs (opentelemetry/proto/logs/v1/logs.proto)

/** `ExportLogsServiceRequest` (collector/logs/v1/logs_service.proto). */
export interface ExportLogsServiceRequest {
  readonly resourceLogs: readonly ResourceLogs[];
}

export interface ResourceLogs {
  readonly resource: Resource;
  readonly scopeLogs: readonly ScopeLogs[];
  readonly schemaUrl: string;
}

export interface ScopeLogs {
  readonly scope: InstrumentationScope;
  readonly logRecords: readonly LogRecord[];
  readonly schemaUrl: string;
}

/**
 * `LogRecord`. `body` is `{}` when not sent. `severityNumber` is the `SeverityNumber`
 * enum (0 unspecified, 1–4 TRACE…, 5–8 DEBUG…, 9–12 INFO…, 13–16 WARN…, 17–20 ERROR…,
 * 21–24 FATAL…).
 */
export interface LogRecord {
  readonly timeUnixNano: bigint;
  readonly observedTimeUnixNano: bigint;
  readonly severityNumber: number;
  readonly severityText: string;
  readonly body: AnyValue;
  readonly attributes: readonly KeyValue[];
  readonly droppedAttributesCount: number;
  readonly flags: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly eventName: string;
}

/** Which request a decoder is asked for. */
export type OtlpSignal = 'metrics' | 'logs';

/** The wire format of a body, from `Content-Type`; responses are answered in the same. */
export type OtlpFormat = 'protobuf' | 'json';
