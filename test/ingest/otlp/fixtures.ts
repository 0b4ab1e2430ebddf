/**
 * Test fixtures for OTLP: builders of complete plain-shape requests (`types.ts`) and
 * encoders of them to protobuf (protobufjs over `proto/otlp/`, an independent encoder)
 * and to OTLP-JSON, so decoders can be checked against the wire both ways.
 */
import { join } from 'node:path';
import protobuf from 'protobufjs';
import type {
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  KeyValue,
  Metric,
  NumberDataPoint,
  HistogramDataPoint,
  SummaryDataPoint,
  ResourceMetrics,
} from '../../../src/ingest/otlp/types.js';

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => join(import.meta.dirname, '..', '..', '..', 'proto', 'otlp', target);
root.loadSync(['opentelemetry/proto/collector/metrics/v1/metrics_service.proto', 'opentelemetry/proto/collector/logs/v1/logs_service.proto', 'google/rpc/status.proto']);

export const MetricsRequestType = root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');
export const MetricsResponseType = root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse');
export const LogsRequestType = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest');
export const StatusType = root.lookupType('google.rpc.Status');

const ID_KEYS = new Set(['traceId', 'spanId']);

/** The plain shape as protobufjs's `fromObject` wants it. */
function toPbObject(v: unknown, key = ''): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return v;
  if (ID_KEYS.has(key) && typeof v === 'string') return Buffer.from(v, 'hex');
  if (Array.isArray(v)) return v.map((x) => toPbObject(x));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPbObject(x, k)]));
  return v;
}

/** The plain shape as OTLP-JSON (64-bit ints as strings, bytes base64, ids hex). */
function toJsonObject(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  if (Array.isArray(v)) return v.map(toJsonObject);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJsonObject(x)]));
  return v;
}

export function metricsProto(req: ExportMetricsServiceRequest): Uint8Array {
  return MetricsRequestType.encode(MetricsRequestType.fromObject(toPbObject(req) as Record<string, unknown>)).finish();
}

export function logsProto(req: ExportLogsServiceRequest): Uint8Array {
  return LogsRequestType.encode(LogsRequestType.fromObject(toPbObject(req) as Record<string, unknown>)).finish();
}

export function otlpJson(req: unknown): Buffer {
  return Buffer.from(JSON.stringify(toJsonObject(req)));
}

/** A string attribute. */
export function attr(key: string, value: string): KeyValue {
  return { key, value: { stringValue: value } };
}

/** Nanoseconds of a millisecond time. */
export function nsOf(ms: number): bigint {
  return BigInt(ms) * 1_000_000n;
}

export function numberPoint(p: Partial<NumberDataPoint> & { timeUnixNano: bigint }): NumberDataPoint {
  return { attributes: [], startTimeUnixNano: 0n, exemplars: [], flags: 0, ...p };
}

export function histogramPoint(p: Partial<HistogramDataPoint> & { timeUnixNano: bigint }): HistogramDataPoint {
  return { attributes: [], startTimeUnixNano: 0n, count: 0, bucketCounts: [], explicitBounds: [], exemplars: [], flags: 0, ...p };
}

export function summaryPoint(p: Partial<SummaryDataPoint> & { timeUnixNano: bigint }): SummaryDataPoint {
  return { attributes: [], startTimeUnixNano: 0n, count: 0, sum: 0, quantileValues: [], flags: 0, ...p };
}

export function metric(m: Partial<Metric> & { name: string }): Metric {
  return { description: '', unit: '', metadata: [], ...m };
}

/** One resource with one scope holding `metrics`. */
export function resourceMetrics(resourceAttrs: readonly KeyValue[], metrics: readonly Metric[]): ResourceMetrics {
  return {
    resource: { attributes: resourceAttrs, droppedAttributesCount: 0 },
    schemaUrl: '',
    scopeMetrics: [{ scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0 }, schemaUrl: '', metrics }],
  };
}

export function metricsRequest(...rms: ResourceMetrics[]): ExportMetricsServiceRequest {
  return { resourceMetrics: rms };
}
