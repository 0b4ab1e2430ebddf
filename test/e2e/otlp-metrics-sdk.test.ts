// The official OpenTelemetry JS SDK against a live Cairn over loopback: the OTLP/HTTP
// protobuf exporter (gzip) and the OTLP/HTTP JSON exporter send a counter, an up-down
// counter, a gauge and a histogram; PromQL over HTTP reads back what Mimir would store —
// job/instance from the resource, target_info, classic histogram series.
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { cleanupTempDirs, testServer } from '../helpers/server.js';

let server: RunningServer;
let headers: Record<string, string>;

beforeAll(async () => {
  const s = testServer({ 'server.http_listen_address': '127.0.0.1', 'server.http_listen_port': 0 });
  server = await s.start();
  await server.ready;
  const token = server.tokens.create({ tenant: 'dev', scopes: 'read+write' }).token;
  headers = { 'X-Scope-OrgID': 'dev', Authorization: `Bearer ${token}` };
});
afterAll(async () => {
  await server.stop();
  cleanupTempDirs();
});

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(q: string): Promise<Sample[]> {
  const res = await fetch(`${server.url}/prometheus/api/v1/query?query=${encodeURIComponent(q)}`, { headers });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: { result: Sample[] } }).data.result;
}

/** Records a fixed set of instruments with `service` and exports them once through `exporter`. */
async function sendWith(exporter: PushMetricExporter, service: string): Promise<void> {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.namespace': 'shop', 'service.instance.id': 'i-1', 'host.name': 'box' }),
    readers: [reader],
  });
  const meter = provider.getMeter('e2e', '1.0.0');
  const requests = meter.createCounter('http.requests', { description: 'requests served' });
  requests.add(3, { route: '/a' });
  requests.add(4, { route: '/a' });
  requests.add(1, { route: '/b' });
  meter.createUpDownCounter('queue.depth').add(-2);
  meter.createGauge('cpu.temp', { unit: 'Cel' }).record(61.5, { core: '0' });
  const latency = meter.createHistogram('rpc.latency', { unit: 'ms', advice: { explicitBucketBoundaries: [10, 100] } });
  for (const v of [5, 50, 500, 60]) latency.record(v);
  await provider.forceFlush();
  await provider.shutdown();
}

// Factories, called once the server listens (the exporters take the url at construction).
describe.each([
  ['protobuf exporter, gzip', 'checkout-pb', (url: string): PushMetricExporter => new ProtoExporter({ url, headers, compression: CompressionAlgorithm.GZIP })],
  ['JSON exporter', 'checkout-json', (url: string): PushMetricExporter => new JsonExporter({ url, headers })],
])('%s', (_name, service, make) => {
  const job = `shop/${service}`;
  beforeAll(async () => {
    await sendWith(make(`${server.url}/otlp/v1/metrics`), service);
  });

  it('counters keep their name (no suffixes by default) and carry job and instance', async () => {
    const got = await query(`http_requests{job="${job}"}`);
    expect(got.map((s) => [s.metric.route, s.metric.instance, s.value[1]]).sort()).toEqual([
      ['/a', 'i-1', '7'],
      ['/b', 'i-1', '1'],
    ]);
  });

  it('up-down counter and gauge are gauges', async () => {
    expect((await query(`queue_depth{job="${job}"}`))[0]!.value[1]).toBe('-2');
    expect((await query(`cpu_temp{job="${job}"}`))[0]!.metric.core).toBe('0');
  });

  it('the histogram becomes classic _bucket/_count/_sum series', async () => {
    const buckets = await query(`rpc_latency_bucket{job="${job}"}`);
    expect(Object.fromEntries(buckets.map((s) => [s.metric.le, s.value[1]]))).toEqual({ '10': '1', '100': '3', '+Inf': '4' });
    expect((await query(`rpc_latency_count{job="${job}"}`))[0]!.value[1]).toBe('4');
    expect((await query(`rpc_latency_sum{job="${job}"}`))[0]!.value[1]).toBe('615');
    expect((await query(`histogram_quantile(0.5, rpc_latency_bucket{job="${job}"})`)).length).toBe(1);
  });

  it('target_info holds the other resource attributes', async () => {
    const [info] = await query(`target_info{job="${job}"}`);
    expect(info!.metric).toMatchObject({ instance: 'i-1', host_name: 'box' });
    expect(info!.value[1]).toBe('1');
  });
});

// A collector or an SDK exports every series again each interval (cumulative temporality):
// from the second export on, Cairn stores them from the request's bytes (metrics-fast.ts).
describe('one SDK exporting every interval (protobuf, gzip)', () => {
  const job = 'shop/repeat';
  let provider: MeterProvider;
  beforeAll(async () => {
    const exporter = new ProtoExporter({ url: `${server.url}/otlp/v1/metrics`, headers, compression: CompressionAlgorithm.GZIP });
    provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'repeat', 'service.namespace': 'shop', 'service.instance.id': 'i-2', 'host.name': 'box' }),
      readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })],
    });
    const meter = provider.getMeter('e2e', '1.0.0');
    const requests = meter.createCounter('repeat.requests');
    const latency = meter.createHistogram('repeat.latency', { unit: 'ms', advice: { explicitBucketBoundaries: [10, 100] } });
    for (let round = 1; round <= 4; round++) {
      requests.add(round, { route: '/a' });
      latency.record(round * 40);
      await provider.forceFlush();
      // Distinct timestamps: an export within the same millisecond would be a duplicate.
      await new Promise((r) => setTimeout(r, 5));
    }
    await provider.shutdown();
  });

  it('every export is stored: the counter samples climb, the histogram counts all', async () => {
    const res = await fetch(`${server.url}/prometheus/api/v1/query?query=${encodeURIComponent(`repeat_requests{job="${job}"}[1m]`)}`, { headers });
    const values = ((await res.json()) as { data: { result: { values: [number, string][] }[] } }).data.result[0]!.values.map((v) => v[1]);
    // 1, 1+2, 1+2+3, 1+2+3+4 (the shutdown may export once more, the same total).
    expect(values.slice(0, 4)).toEqual(['1', '3', '6', '10']);
    const buckets = await query(`repeat_latency_bucket{job="${job}"}`);
    expect(Object.fromEntries(buckets.map((s) => [s.metric.le, s.value[1]]))).toEqual({ '10': '0', '100': '2', '+Inf': '4' });
    expect((await query(`repeat_latency_sum{job="${job}"}`))[0]!.value[1]).toBe('400');
    expect((await query(`target_info{job="${job}"}`))[0]!.metric.host_name).toBe('box');
  });
});
