/**
 * Protobuf decoding of `ExportMetricsServiceRequest` and `ExportLogsServiceRequest`
 * (field numbers in `proto/otlp/`) into the plain shape of `types.ts`. Known fields sent
 * with a wrong wire type are errors; unknown fields are skipped (proto3), so newer
 * senders with extra fields still decode. A oneof sent twice keeps the last member, as
 * the Go runtime does. Failures are `protobuf_invalid` 400s (see `proto-reader.ts`).
 */
import { ProtoReader, WT, protobufInvalid } from './proto-reader.js';
import type {
  AnyValue,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  Exemplar,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  HistogramDataPoint,
  InstrumentationScope,
  KeyValue,
  LogRecord,
  Metric,
  NumberDataPoint,
  Resource,
  ResourceLogs,
  ResourceMetrics,
  ScopeLogs,
  ScopeMetrics,
  SummaryDataPoint,
  ValueAtQuantile,
} from './types.js';

/**
 * Deepest `AnyValue` nesting accepted (arrays and kvlists inside each other). Real
 * attributes nest a few levels; the bound keeps a hostile body from exhausting the stack.
 */
export const MAX_ANY_VALUE_DEPTH = 64;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function anyValue(r: ProtoReader, depth: number): AnyValue {
  if (depth > MAX_ANY_VALUE_DEPTH) throw protobufInvalid(`attribute values nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
  let v: AnyValue = {};
  while (r.next()) {
    switch (r.field) {
      case 1: {
        r.expect(WT.LEN, 'AnyValue.string_value');
        const s = r.checkedString();
        v = typeof s === 'string' ? { stringValue: s } : { stringValue: s[0], utf8Invalid: true };
        break;
      }
      case 2:
        r.expect(WT.VARINT, 'AnyValue.bool_value');
        v = { boolValue: r.bool() };
        break;
      case 3:
        r.expect(WT.VARINT, 'AnyValue.int_value');
        v = { intValue: r.int64() };
        break;
      case 4:
        r.expect(WT.I64, 'AnyValue.double_value');
        v = { doubleValue: r.double() };
        break;
      case 5: {
        r.expect(WT.LEN, 'AnyValue.array_value');
        const sub = r.message();
        const values: AnyValue[] = [];
        while (sub.next()) {
          if (sub.field === 1) {
            sub.expect(WT.LEN, 'ArrayValue.values');
            values.push(anyValue(sub.message(), depth + 1));
          } else sub.skip();
        }
        v = { arrayValue: { values } };
        break;
      }
      case 6: {
        r.expect(WT.LEN, 'AnyValue.kvlist_value');
        const sub = r.message();
        const values: KeyValue[] = [];
        while (sub.next()) {
          if (sub.field === 1) {
            sub.expect(WT.LEN, 'KeyValueList.values');
            values.push(keyValue(sub.message(), depth + 1));
          } else sub.skip();
        }
        v = { kvlistValue: { values } };
        break;
      }
      case 7:
        r.expect(WT.LEN, 'AnyValue.bytes_value');
        v = { bytesValue: Uint8Array.from(r.bytes()) };
        break;
      default:
        r.skip();
    }
  }
  return v;
}

function keyValue(r: ProtoReader, depth: number): KeyValue {
  let key = '';
  let value: AnyValue = {};
  while (r.next()) {
    if (r.field === 1) {
      r.expect(WT.LEN, 'KeyValue.key');
      key = r.string();
    } else if (r.field === 2) {
      r.expect(WT.LEN, 'KeyValue.value');
      value = anyValue(r.message(), depth);
    } else r.skip();
  }
  return { key, value };
}

/** Reads one `repeated KeyValue` element (the current field) onto `into`. */
function pushKeyValue(r: ProtoReader, name: string, into: KeyValue[]): void {
  r.expect(WT.LEN, name);
  into.push(keyValue(r.message(), 0));
}

function resource(r: ProtoReader): Resource {
  const res: Mutable<Resource> = { attributes: [], droppedAttributesCount: 0 };
  const attrs: KeyValue[] = [];
  while (r.next()) {
    if (r.field === 1) pushKeyValue(r, 'Resource.attributes', attrs);
    else if (r.field === 2) {
      r.expect(WT.VARINT, 'Resource.dropped_attributes_count');
      res.droppedAttributesCount = r.uint32();
    } else r.skip();
  }
  res.attributes = attrs;
  return res;
}

function scope(r: ProtoReader): InstrumentationScope {
  const s: Mutable<InstrumentationScope> = { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
  const attrs: KeyValue[] = [];
  while (r.next()) {
    switch (r.field) {
      case 1:
        r.expect(WT.LEN, 'InstrumentationScope.name');
        s.name = r.string();
        break;
      case 2:
        r.expect(WT.LEN, 'InstrumentationScope.version');
        s.version = r.string();
        break;
      case 3:
        pushKeyValue(r, 'InstrumentationScope.attributes', attrs);
        break;
      case 4:
        r.expect(WT.VARINT, 'InstrumentationScope.dropped_attributes_count');
        s.droppedAttributesCount = r.uint32();
        break;
      default:
        r.skip();
    }
  }
  s.attributes = attrs;
  return s;
}

const EMPTY_RESOURCE: Resource = { attributes: [], droppedAttributesCount: 0 };
const EMPTY_SCOPE: InstrumentationScope = { name: '', version: '', attributes: [], droppedAttributesCount: 0 };

// ---------------------------------------------------------------------------------------
// Metrics

function exemplar(r: ProtoReader): Exemplar {
  const e: Mutable<Exemplar> = { filteredAttributes: [], timeUnixNano: 0n, spanId: '', traceId: '' };
  const attrs: KeyValue[] = [];
  while (r.next()) {
    switch (r.field) {
      case 7:
        pushKeyValue(r, 'Exemplar.filtered_attributes', attrs);
        break;
      case 2:
        r.expect(WT.I64, 'Exemplar.time_unix_nano');
        e.timeUnixNano = r.fixed64();
        break;
      case 3:
        r.expect(WT.I64, 'Exemplar.as_double');
        e.asDouble = r.double();
        delete e.asInt;
        break;
      case 6:
        r.expect(WT.I64, 'Exemplar.as_int');
        e.asInt = r.sfixed64();
        delete e.asDouble;
        break;
      case 4:
        r.expect(WT.LEN, 'Exemplar.span_id');
        e.spanId = r.hex();
        break;
      case 5:
        r.expect(WT.LEN, 'Exemplar.trace_id');
        e.traceId = r.hex();
        break;
      default:
        r.skip();
    }
  }
  e.filteredAttributes = attrs;
  return e;
}

function numberDataPoint(r: ProtoReader): NumberDataPoint {
  const p: Mutable<NumberDataPoint> = { attributes: [], startTimeUnixNano: 0n, timeUnixNano: 0n, exemplars: [], flags: 0 };
  const attrs: KeyValue[] = [];
  const exemplars: Exemplar[] = [];
  while (r.next()) {
    switch (r.field) {
      case 7:
        pushKeyValue(r, 'NumberDataPoint.attributes', attrs);
        break;
      case 2:
        r.expect(WT.I64, 'NumberDataPoint.start_time_unix_nano');
        p.startTimeUnixNano = r.fixed64();
        break;
      case 3:
        r.expect(WT.I64, 'NumberDataPoint.time_unix_nano');
        p.timeUnixNano = r.fixed64();
        break;
      case 4:
        r.expect(WT.I64, 'NumberDataPoint.as_double');
        p.asDouble = r.double();
        delete p.asInt;
        break;
      case 6:
        r.expect(WT.I64, 'NumberDataPoint.as_int');
        p.asInt = r.sfixed64();
        delete p.asDouble;
        break;
      case 5:
        r.expect(WT.LEN, 'NumberDataPoint.exemplars');
        exemplars.push(exemplar(r.message()));
        break;
      case 8:
        r.expect(WT.VARINT, 'NumberDataPoint.flags');
        p.flags = r.uint32();
        break;
      default:
        r.skip();
    }
  }
  p.attributes = attrs;
  p.exemplars = exemplars;
  return p;
}

function histogramDataPoint(r: ProtoReader): HistogramDataPoint {
  const p: Mutable<HistogramDataPoint> = {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0,
    bucketCounts: [],
    explicitBounds: [],
    exemplars: [],
    flags: 0,
  };
  const attrs: KeyValue[] = [];
  const exemplars: Exemplar[] = [];
  const counts: number[] = [];
  const bounds: number[] = [];
  while (r.next()) {
    switch (r.field) {
      case 9:
        pushKeyValue(r, 'HistogramDataPoint.attributes', attrs);
        break;
      case 2:
        r.expect(WT.I64, 'HistogramDataPoint.start_time_unix_nano');
        p.startTimeUnixNano = r.fixed64();
        break;
      case 3:
        r.expect(WT.I64, 'HistogramDataPoint.time_unix_nano');
        p.timeUnixNano = r.fixed64();
        break;
      case 4:
        r.expect(WT.I64, 'HistogramDataPoint.count');
        p.count = r.fixed64Number();
        break;
      case 5:
        r.expect(WT.I64, 'HistogramDataPoint.sum');
        p.sum = r.double();
        break;
      case 6:
        r.repeated(WT.I64, 'HistogramDataPoint.bucket_counts', (s) => counts.push(s.fixed64Number()));
        break;
      case 7:
        r.repeated(WT.I64, 'HistogramDataPoint.explicit_bounds', (s) => bounds.push(s.double()));
        break;
      case 8:
        r.expect(WT.LEN, 'HistogramDataPoint.exemplars');
        exemplars.push(exemplar(r.message()));
        break;
      case 10:
        r.expect(WT.VARINT, 'HistogramDataPoint.flags');
        p.flags = r.uint32();
        break;
      case 11:
        r.expect(WT.I64, 'HistogramDataPoint.min');
        p.min = r.double();
        break;
      case 12:
        r.expect(WT.I64, 'HistogramDataPoint.max');
        p.max = r.double();
        break;
      default:
        r.skip();
    }
  }
  p.attributes = attrs;
  p.exemplars = exemplars;
  p.bucketCounts = counts;
  p.explicitBounds = bounds;
  return p;
}

function buckets(r: ProtoReader): ExponentialHistogramBuckets {
  let offset = 0;
  const counts: number[] = [];
  while (r.next()) {
    if (r.field === 1) {
      r.expect(WT.VARINT, 'Buckets.offset');
      offset = r.sint32();
    } else if (r.field === 2) {
      r.repeated(WT.VARINT, 'Buckets.bucket_counts', (s) => counts.push(Number(s.varint64())));
    } else r.skip();
  }
  return { offset, bucketCounts: counts };
}

const EMPTY_BUCKETS: ExponentialHistogramBuckets = { offset: 0, bucketCounts: [] };

function expHistogramDataPoint(r: ProtoReader): ExponentialHistogramDataPoint {
  const p: Mutable<ExponentialHistogramDataPoint> = {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0,
    scale: 0,
    zeroCount: 0,
    positive: EMPTY_BUCKETS,
    negative: EMPTY_BUCKETS,
    flags: 0,
    exemplars: [],
    zeroThreshold: 0,
  };
  const attrs: KeyValue[] = [];
  const exemplars: Exemplar[] = [];
  while (r.next()) {
    switch (r.field) {
      case 1:
        pushKeyValue(r, 'ExponentialHistogramDataPoint.attributes', attrs);
        break;
      case 2:
        r.expect(WT.I64, 'ExponentialHistogramDataPoint.start_time_unix_nano');
        p.startTimeUnixNano = r.fixed64();
        break;
      case 3:
        r.expect(WT.I64, 'ExponentialHistogramDataPoint.time_unix_nano');
        p.timeUnixNano = r.fixed64();
        break;
      case 4:
        r.expect(WT.I64, 'ExponentialHistogramDataPoint.count');
        p.count = r.fixed64Number();
        break;
      case 5:
        r.expect(WT.I64, 'ExponentialHistogramDataPoint.sum');
        p.sum = r.double();
        break;
      case 6:
        r.expect(WT.VARINT, 'ExponentialHistogramDataPoint.scale');
        p.scale = r.sint32();
        break;
      case 7:
        r.expect(WT.I64, 'ExponentialHistogramDataPoint.zero_count');
        p.zeroCount = r.fixed64Number();
        break;
      case 8:
        r.expect(WT.LEN, 'ExponentialHistogramDataPoint.positive');
        p.positive = buckets(r.message());
        break;
      case 9:
        r.expect(WT.LEN, 'ExponentialHistogramDataPoint.negative');
        p.negative = buckets(r.message());
        break;
      case 10:
        r.expect(WT.VARINT, 'ExponentialHistogramDataPoint.flags');
        p.flags = r.uint32();
        break;
      case 11:
        r.expect(WT.LEN, 'ExponentialHistogramDataPoint.exemplars');
        exemplars.push(exemplar(r.message()));
        break;
      case 12:
        r.expect(WT.I64, 'ExponentialHistogramDataPoint.min');
        p.min = r.double();
        break;
      case 13:
        r.expect(WT.I64, 'ExponentialHistogramDataPoint.max');
        p.max = r.double();
        break;
      case 14:
        r.expect(WT.I64, 'ExponentialHistogramDataPoint.zero_threshold');
        p.zeroThreshold = r.double();
        break;
      default:
        r.skip();
    }
  }
  p.attributes = attrs;
  p.exemplars = exemplars;
  return p;
}

function summaryDataPoint(r: ProtoReader): SummaryDataPoint {
  const p: Mutable<SummaryDataPoint> = { attributes: [], startTimeUnixNano: 0n, timeUnixNano: 0n, count: 0, sum: 0, quantileValues: [], flags: 0 };
  const attrs: KeyValue[] = [];
  const qs: ValueAtQuantile[] = [];
  while (r.next()) {
    switch (r.field) {
      case 7:
        pushKeyValue(r, 'SummaryDataPoint.attributes', attrs);
        break;
      case 2:
        r.expect(WT.I64, 'SummaryDataPoint.start_time_unix_nano');
        p.startTimeUnixNano = r.fixed64();
        break;
      case 3:
        r.expect(WT.I64, 'SummaryDataPoint.time_unix_nano');
        p.timeUnixNano = r.fixed64();
        break;
      case 4:
        r.expect(WT.I64, 'SummaryDataPoint.count');
        p.count = r.fixed64Number();
        break;
      case 5:
        r.expect(WT.I64, 'SummaryDataPoint.sum');
        p.sum = r.double();
        break;
      case 6: {
        r.expect(WT.LEN, 'SummaryDataPoint.quantile_values');
        const sub = r.message();
        let quantile = 0;
        let value = 0;
        while (sub.next()) {
          if (sub.field === 1) {
            sub.expect(WT.I64, 'ValueAtQuantile.quantile');
            quantile = sub.double();
          } else if (sub.field === 2) {
            sub.expect(WT.I64, 'ValueAtQuantile.value');
            value = sub.double();
          } else sub.skip();
        }
        qs.push({ quantile, value });
        break;
      }
      case 8:
        r.expect(WT.VARINT, 'SummaryDataPoint.flags');
        p.flags = r.uint32();
        break;
      default:
        r.skip();
    }
  }
  p.attributes = attrs;
  p.quantileValues = qs;
  return p;
}

/** Reads the `data_points` (field 1) and, when `temporality`, field 2 of a metric's data message. */
function points<P>(r: ProtoReader, name: string, point: (r: ProtoReader) => P, extra?: (r: ProtoReader) => boolean): P[] {
  const out: P[] = [];
  while (r.next()) {
    if (r.field === 1) {
      r.expect(WT.LEN, `${name}.data_points`);
      out.push(point(r.message()));
    } else if (extra === undefined || !extra(r)) r.skip();
  }
  return out;
}

function metric(r: ProtoReader): Metric {
  const m: Mutable<Metric> = { name: '', description: '', unit: '', metadata: [] };
  const meta: KeyValue[] = [];
  const clearData = () => {
    delete m.gauge;
    delete m.sum;
    delete m.histogram;
    delete m.exponentialHistogram;
    delete m.summary;
  };
  while (r.next()) {
    switch (r.field) {
      case 1:
        r.expect(WT.LEN, 'Metric.name');
        m.name = r.string();
        break;
      case 2:
        r.expect(WT.LEN, 'Metric.description');
        m.description = r.string();
        break;
      case 3:
        r.expect(WT.LEN, 'Metric.unit');
        m.unit = r.string();
        break;
      case 5:
        r.expect(WT.LEN, 'Metric.gauge');
        clearData();
        m.gauge = { dataPoints: points(r.message(), 'Gauge', numberDataPoint) };
        break;
      case 7: {
        r.expect(WT.LEN, 'Metric.sum');
        clearData();
        let aggregationTemporality = 0;
        let isMonotonic = false;
        const dataPoints = points(r.message(), 'Sum', numberDataPoint, (s) => {
          if (s.field === 2) {
            s.expect(WT.VARINT, 'Sum.aggregation_temporality');
            aggregationTemporality = s.int32();
            return true;
          }
          if (s.field === 3) {
            s.expect(WT.VARINT, 'Sum.is_monotonic');
            isMonotonic = s.bool();
            return true;
          }
          return false;
        });
        m.sum = { dataPoints, aggregationTemporality, isMonotonic };
        break;
      }
      case 9:
      case 10: {
        const exp = r.field === 10;
        r.expect(WT.LEN, exp ? 'Metric.exponential_histogram' : 'Metric.histogram');
        clearData();
        let aggregationTemporality = 0;
        const temporality = (s: ProtoReader): boolean => {
          if (s.field !== 2) return false;
          s.expect(WT.VARINT, 'aggregation_temporality');
          aggregationTemporality = s.int32();
          return true;
        };
        if (exp) {
          const dataPoints = points(r.message(), 'ExponentialHistogram', expHistogramDataPoint, temporality);
          m.exponentialHistogram = { dataPoints, aggregationTemporality };
        } else {
          const dataPoints = points(r.message(), 'Histogram', histogramDataPoint, temporality);
          m.histogram = { dataPoints, aggregationTemporality };
        }
        break;
      }
      case 11:
        r.expect(WT.LEN, 'Metric.summary');
        clearData();
        m.summary = { dataPoints: points(r.message(), 'Summary', summaryDataPoint) };
        break;
      case 12:
        pushKeyValue(r, 'Metric.metadata', meta);
        break;
      default:
        r.skip();
    }
  }
  m.metadata = meta;
  return m;
}

/** Reads ResourceX/ScopeX envelopes: `resource`/`scope` = 1, items = 2, `schema_url` = 3. */
function envelope<H, I>(r: ProtoReader, name: string, head: (r: ProtoReader) => H, emptyHead: H, item: (r: ProtoReader) => I): { head: H; items: I[]; schemaUrl: string } {
  let h = emptyHead;
  const items: I[] = [];
  let schemaUrl = '';
  while (r.next()) {
    if (r.field === 1) {
      r.expect(WT.LEN, `${name}.1`);
      h = head(r.message());
    } else if (r.field === 2) {
      r.expect(WT.LEN, `${name}.2`);
      items.push(item(r.message()));
    } else if (r.field === 3) {
      r.expect(WT.LEN, `${name}.schema_url`);
      schemaUrl = r.string();
    } else r.skip();
  }
  return { head: h, items, schemaUrl };
}

function scopeMetrics(r: ProtoReader): ScopeMetrics {
  const e = envelope(r, 'ScopeMetrics', scope, EMPTY_SCOPE, metric);
  return { scope: e.head, metrics: e.items, schemaUrl: e.schemaUrl };
}

function resourceMetrics(r: ProtoReader): ResourceMetrics {
  const e = envelope(r, 'ResourceMetrics', resource, EMPTY_RESOURCE, scopeMetrics);
  return { resource: e.head, scopeMetrics: e.items, schemaUrl: e.schemaUrl };
}

/** The messages of field 1 of an export request (its one repeated field); others skipped. */
function exportRequest<T>(body: Uint8Array, field: string, item: (r: ProtoReader) => T): T[] {
  const r = ProtoReader.of(body);
  const out: T[] = [];
  while (r.next()) {
    if (r.field === 1) {
      r.expect(WT.LEN, field);
      out.push(item(r.message()));
    } else r.skip();
  }
  return out;
}

/** Decodes a protobuf `ExportMetricsServiceRequest`. Throws a `protobuf_invalid` 400. */
export function decodeMetricsProto(body: Uint8Array): ExportMetricsServiceRequest {
  return { resourceMetrics: exportRequest(body, 'ExportMetricsServiceRequest.resource_metrics', resourceMetrics) };
}

// ---------------------------------------------------------------------------------------
// Logs

function logRecord(r: ProtoReader): LogRecord {
  const l: Mutable<LogRecord> = {
    timeUnixNano: 0n,
    observedTimeUnixNano: 0n,
    severityNumber: 0,
    severityText: '',
    body: {},
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
  };
  const attrs: KeyValue[] = [];
  while (r.next()) {
    switch (r.field) {
      case 1:
        r.expect(WT.I64, 'LogRecord.time_unix_nano');
        l.timeUnixNano = r.fixed64();
        break;
      case 11:
        r.expect(WT.I64, 'LogRecord.observed_time_unix_nano');
        l.observedTimeUnixNano = r.fixed64();
        break;
      case 2:
        r.expect(WT.VARINT, 'LogRecord.severity_number');
        l.severityNumber = r.int32();
        break;
      case 3:
        r.expect(WT.LEN, 'LogRecord.severity_text');
        l.severityText = r.string();
        break;
      case 5:
        r.expect(WT.LEN, 'LogRecord.body');
        l.body = anyValue(r.message(), 0);
        break;
      case 6:
        pushKeyValue(r, 'LogRecord.attributes', attrs);
        break;
      case 7:
        r.expect(WT.VARINT, 'LogRecord.dropped_attributes_count');
        l.droppedAttributesCount = r.uint32();
        break;
      case 8:
        r.expect(WT.I32, 'LogRecord.flags');
        l.flags = r.fixed32();
        break;
      case 9:
        r.expect(WT.LEN, 'LogRecord.trace_id');
        l.traceId = r.hex();
        break;
      case 10:
        r.expect(WT.LEN, 'LogRecord.span_id');
        l.spanId = r.hex();
        break;
      case 12:
        r.expect(WT.LEN, 'LogRecord.event_name');
        l.eventName = r.string();
        break;
      default:
        r.skip();
    }
  }
  l.attributes = attrs;
  return l;
}

function scopeLogs(r: ProtoReader): ScopeLogs {
  const e = envelope(r, 'ScopeLogs', scope, EMPTY_SCOPE, logRecord);
  return { scope: e.head, logRecords: e.items, schemaUrl: e.schemaUrl };
}

function resourceLogs(r: ProtoReader): ResourceLogs {
  const e = envelope(r, 'ResourceLogs', resource, EMPTY_RESOURCE, scopeLogs);
  return { resource: e.head, scopeLogs: e.items, schemaUrl: e.schemaUrl };
}

/** Decodes a protobuf `ExportLogsServiceRequest`. Throws a `protobuf_invalid` 400. */
export function decodeLogsProto(body: Uint8Array): ExportLogsServiceRequest {
  return { resourceLogs: exportRequest(body, 'ExportLogsServiceRequest.resource_logs', resourceLogs) };
}
