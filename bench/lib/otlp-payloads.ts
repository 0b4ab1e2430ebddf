/**
 * One workload encoded twice, request for request: as the remote-write bodies of
 * `payloads.ts` (same series, values, timestamps, shards and batches, byte for byte) and
 * as OTLP `ExportMetricsServiceRequest` protobuf bodies carrying exactly the same samples,
 * raw and gzip-compressed (OTel exporters compress with gzip by default). So a remote-write
 * run and an OTLP run differ in the wire format only.
 *
 * The OTLP shape is what the Prometheus translation turns back into the same series with
 * default limits (no suffixes, nothing promoted): one resource per host with
 * `service.name` (→ `job`) and `service.instance.id` (→ `instance`) and no other
 * attribute (so no `target_info` series is added), one scope, one metric per name with
 * the remaining labels as point attributes; counters are monotonic cumulative Sums with a
 * start time, gauges are Gauges; values are doubles, as in remote write.
 */
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { WriteRequestType, snappyCompress } from '../../src/ingest/remote-write/index.js';
import { generateSeries, rng, type Workload } from './payloads.js';

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => join(import.meta.dirname, '..', '..', 'proto', 'otlp', target);
root.loadSync(['opentelemetry/proto/collector/metrics/v1/metrics_service.proto']);
/** protobufjs's encoder of `ExportMetricsServiceRequest`, from `proto/otlp/`. */
export const OtlpMetricsRequestType = root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');

/** `AggregationTemporality.CUMULATIVE` (metrics.proto). */
const CUMULATIVE = 2;
/** Prometheus's default scrape interval, as `payloads.ts` spaces its rounds. */
const SCRAPE_MS = 15_000;
/** Labels that become resource attributes rather than point attributes. */
const RESOURCE_LABELS = new Set(['__name__', 'instance', 'job']);

/** Requests of the three encodings, per shard, in sending order; index i is the same batch in each. */
export interface DualWorkload {
  readonly workload: Workload;
  readonly remoteWrite: Buffer[][];
  readonly otlpGzip: Buffer[][];
  readonly otlpRaw: Buffer[][];
  readonly totalSamples: number;
  /** Wire bytes of each encoding over the whole workload. */
  readonly bytes: { readonly remoteWrite: number; readonly otlpGzip: number; readonly otlpRaw: number };
}

/** A protobufjs-encodable fixed64 (low and high 32 bits) of the nanoseconds of `ms`. */
function nanosOf(ms: number): { low: number; high: number } {
  const ns = BigInt(ms) * 1_000_000n;
  return { low: Number(ns & 0xffffffffn), high: Number(ns >> 32n) };
}

interface Pending {
  readonly series: number;
  readonly t: number;
  readonly v: number;
}

/**
 * Builds the workload as `prepareWorkload` in `payloads.ts` does (same seed, same PRNG
 * draws, so the remote-write bodies are identical to that bench's) and encodes each batch
 * in both formats. `startMs` of the counters is one hour before the first round.
 */
export function prepareDualWorkload(w: Workload, shardCount: number, endMs: number, batchSamples = 2000, seed = 42): DualWorkload {
  const series = generateSeries(w.series, seed);
  const rand = rng(seed + 1);
  const startMs = endMs - (w.samplesPerSeries - 1) * SCRAPE_MS;
  const counterStart = nanosOf(startMs - 3_600_000);
  // Per series, once: its resource key, its metric name and its point attributes.
  const meta = series.map((s) => {
    const get = (n: string) => s.labels.find((l) => l.name === n)?.value ?? '';
    return {
      name: get('__name__'),
      instance: get('instance'),
      job: get('job'),
      attributes: s.labels.filter((l) => !RESOURCE_LABELS.has(l.name)).map((l) => ({ key: l.name, value: { stringValue: l.value } })),
    };
  });
  const remoteWrite: Buffer[][] = Array.from({ length: shardCount }, () => []);
  const otlpGzip: Buffer[][] = Array.from({ length: shardCount }, () => []);
  const otlpRaw: Buffer[][] = Array.from({ length: shardCount }, () => []);
  const pending: Pending[][] = Array.from({ length: shardCount }, () => []);
  const bytes = { remoteWrite: 0, otlpGzip: 0, otlpRaw: 0 };

  const encodeOtlp = (batch: readonly Pending[]): Uint8Array => {
    // Group by host (resource), then by metric name, in first-seen order, as an SDK or
    // collector batch would hold them.
    const resources = new Map<string, { job: string; metrics: Map<string, { counter: boolean; points: object[] }> }>();
    for (const p of batch) {
      const m = meta[p.series]!;
      let res = resources.get(m.instance);
      if (res === undefined) resources.set(m.instance, (res = { job: m.job, metrics: new Map() }));
      const metrics = res.metrics;
      let metric = metrics.get(m.name);
      if (metric === undefined) metrics.set(m.name, (metric = { counter: series[p.series]!.kind === 'counter', points: [] }));
      const point: Record<string, unknown> = { attributes: m.attributes, timeUnixNano: nanosOf(p.t), asDouble: p.v };
      if (metric.counter) point.startTimeUnixNano = counterStart;
      metric.points.push(point);
    }
    const resourceMetrics = [...resources].map(([instance, { job, metrics }]) => ({
      resource: {
        attributes: [
          { key: 'service.name', value: { stringValue: job } },
          { key: 'service.instance.id', value: { stringValue: instance } },
        ],
      },
      scopeMetrics: [
        {
          scope: { name: 'cairn-bench' },
          metrics: [...metrics].map(([name, m]) =>
            m.counter ? { name, sum: { dataPoints: m.points, aggregationTemporality: CUMULATIVE, isMonotonic: true } } : { name, gauge: { dataPoints: m.points } },
          ),
        },
      ],
    }));
    return OtlpMetricsRequestType.encode({ resourceMetrics }).finish();
  };

  const flush = (shard: number) => {
    const batch = pending[shard]!;
    if (batch.length === 0) return;
    const timeseries = batch.map((p) => ({ labels: series[p.series]!.labels, samples: [{ value: p.v, timestamp: p.t }] }));
    const rw = Buffer.from(snappyCompress(WriteRequestType.encode(WriteRequestType.fromObject({ timeseries })).finish()));
    const raw = Buffer.from(encodeOtlp(batch));
    const gz = gzipSync(raw);
    remoteWrite[shard]!.push(rw);
    otlpRaw[shard]!.push(raw);
    otlpGzip[shard]!.push(gz);
    bytes.remoteWrite += rw.length;
    bytes.otlpRaw += raw.length;
    bytes.otlpGzip += gz.length;
    pending[shard] = [];
  };

  // The same loop and PRNG draws as `prepareWorkload`.
  for (let round = 0; round < w.samplesPerSeries; round++) {
    const t = startMs + round * SCRAPE_MS + Math.floor(rand() * 50);
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      s.value = s.kind === 'counter' ? s.value + Math.floor(rand() * 100) : s.value * (0.95 + rand() * 0.1);
      const shard = i % shardCount;
      pending[shard]!.push({ series: i, t, v: s.value });
      if (pending[shard]!.length >= batchSamples) flush(shard);
    }
    for (let shard = 0; shard < shardCount; shard++) flush(shard);
  }
  return { workload: w, remoteWrite, otlpGzip, otlpRaw, totalSamples: w.series * w.samplesPerSeries, bytes };
}
