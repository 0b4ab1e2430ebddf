/**
 * Builds remote-write request bodies the way Prometheus does (protobuf, snappy block
 * format), with the reference encoder, for tests and the load generator.
 */
import { WriteRequestType, snappyCompress } from '../../src/ingest/remote-write/index.js';

export interface TestSeries {
  labels: Record<string, string> | [string, string][];
  samples?: [number, number][];
  exemplars?: { labels: Record<string, string>; t: number; v: number }[];
  histograms?: number;
}

export interface TestMetadata {
  type?: number;
  metricFamilyName: string;
  help?: string;
  unit?: string;
}

/** The protobuf bytes of a WriteRequest (not compressed). */
export function encodeWriteRequest(series: TestSeries[], metadata: TestMetadata[] = []): Uint8Array {
  const msg = WriteRequestType.fromObject({
    timeseries: series.map((s) => ({
      labels: (Array.isArray(s.labels) ? s.labels : Object.entries(s.labels)).map(([name, value]) => ({ name, value })),
      samples: (s.samples ?? []).map(([timestamp, value]) => ({ timestamp, value })),
      exemplars: (s.exemplars ?? []).map((e) => ({ labels: Object.entries(e.labels).map(([name, value]) => ({ name, value })), value: e.v, timestamp: e.t })),
      histograms: Array.from({ length: s.histograms ?? 0 }, (_, i) => ({ countInt: 1, sum: 1, schema: 0, zeroThreshold: 0, timestamp: 1000 + i })),
    })),
    metadata: metadata.map((m) => ({ type: m.type ?? 1, metricFamilyName: m.metricFamilyName, help: m.help ?? '', unit: m.unit ?? '' })),
  });
  return WriteRequestType.encode(msg).finish();
}

/** A snappy-compressed remote-write body. */
export function writeRequestBody(series: TestSeries[], metadata: TestMetadata[] = []): Buffer {
  return Buffer.from(snappyCompress(encodeWriteRequest(series, metadata)));
}
