// The official OpenTelemetry JS logs SDK with its OTLP/HTTP exporters (protobuf and JSON)
// sends to a live Cairn over loopback; the logs are read back through LogQL on
// /loki/api/v1/query_range with Loki's labels, structured metadata and detected_level.
import { SeverityNumber } from '@opentelemetry/api-logs';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPLogExporter as OTLPLogExporterHttp } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OTLPLogExporterProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { cleanupTempDirs, testServer } from '../helpers/server.js';

let server: RunningServer;
let writeToken: string;
let readAuth: string;
const startMs = Date.now() - 60_000;

beforeAll(async () => {
  server = await testServer({ 'server.http_listen_address': '127.0.0.1', 'server.http_listen_port': 0 }).start();
  await server.ready;
  writeToken = server.tokens.create({ tenant: 'dev', scopes: 'write_logs' }).token;
  readAuth = `Bearer ${server.tokens.create({ tenant: 'dev', scopes: 'read' }).token}`;
});
afterAll(async () => {
  await server.stop();
  cleanupTempDirs();
});

interface Stream {
  stream: Record<string, string>;
  values: [string, string][];
}

async function queryRange(query: string): Promise<{ resultType: string; result: unknown[] }> {
  const params = new URLSearchParams({ query, direction: 'forward', limit: '1000', start: `${startMs}000000`, end: `${Date.now() + 1000}000000` });
  const res = await fetch(`${server.url}/loki/api/v1/query_range?${params.toString()}`, { headers: { authorization: readAuth, 'x-scope-orgid': 'dev' } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`query_range ${query} → ${res.status}: ${text}`);
  return (JSON.parse(text) as { data: { resultType: string; result: unknown[] } }).data;
}

/** Logs N records through the SDK with `exporter`, flushes, and shuts the provider down. */
async function emit(exporter: LogRecordExporter, service: string, n: number): Promise<void> {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.namespace': 'shop', 'host.name': 'e2e-host' }),
    processors: [new BatchLogRecordProcessor({ exporter, maxExportBatchSize: 64, scheduledDelayMillis: 20 })],
  });
  const logger = provider.getLogger('e2e-scope', '2.0.0');
  for (let i = 0; i < n; i++) {
    const error = i % 10 === 0;
    logger.emit({
      severityNumber: error ? SeverityNumber.ERROR : SeverityNumber.INFO,
      severityText: error ? 'ERROR' : 'INFO',
      body: `request ${i} done`,
      attributes: { 'http.route': '/cart', 'request.n': i },
    });
  }
  await provider.forceFlush();
  await provider.shutdown();
}

const N = 200;

describe('OpenTelemetry JS logs SDK → /otlp/v1/logs → LogQL', () => {
  it.each(['protobuf', 'json'])('%s exporter: every record is read back with Loki 3 labels and metadata', async (name) => {
    const service = `e2e-${name}`;
    const config = { url: `${server.url}/otlp/v1/logs`, headers: { authorization: `Bearer ${writeToken}`, 'X-Scope-OrgID': 'dev' } };
    const exporter = name === 'protobuf' ? new OTLPLogExporterProto(config) : new OTLPLogExporterHttp(config);
    await emit(exporter, service, N);

    // Every record, in order, in one stream with service_name and service_namespace labels.
    const logs = await queryRange(`{service_name="${service}"}`);
    expect(logs.resultType).toBe('streams');
    const streams = logs.result as Stream[];
    const lines = streams.flatMap((s) => s.values.map((v) => v[1]));
    expect(lines).toHaveLength(N);
    expect(new Set(lines)).toEqual(new Set(Array.from({ length: N }, (_, i) => `request ${i} done`)));
    for (const s of streams) expect(s.stream).toMatchObject({ service_name: service, service_namespace: 'shop' });

    // Structured metadata filters like labels: attributes, severity and the scope.
    const errors = (await queryRange(`{service_name="${service}"} | detected_level="error" | severity_text="ERROR" | host_name="e2e-host" | scope_name="e2e-scope" | http_route="/cart"`)).result as Stream[];
    expect(errors.flatMap((s) => s.values.map((v) => v[1])).sort()).toEqual(
      Array.from({ length: N / 10 }, (_, i) => `request ${i * 10} done`).sort(),
    );

    // A metric query over detected_level, as Grafana's logs drilldown asks.
    const byLevel = (await queryRange(`sum by (detected_level) (count_over_time({service_name="${service}"}[1h]))`)).result as { metric: Record<string, string>; values: [number, string][] }[];
    const totals = Object.fromEntries(byLevel.map((r) => [r.metric.detected_level, Math.max(...r.values.map((v) => Number(v[1])))]));
    expect(totals).toEqual({ error: N / 10, info: N - N / 10 });
  });

  it('an export without credentials fails in the SDK and stores nothing', async () => {
    const exporter = new OTLPLogExporterProto({ url: `${server.url}/otlp/v1/logs`, headers: { 'X-Scope-OrgID': 'dev' } });
    const codes: ExportResultCode[] = [];
    const watched: LogRecordExporter = {
      export: (logs, done) =>
        exporter.export(logs, (r) => {
          codes.push(r.code);
          done(r);
        }),
      shutdown: () => exporter.shutdown(),
      forceFlush: () => exporter.forceFlush(),
    };
    const provider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter: watched })] });
    provider.getLogger('x').emit({ body: 'refused' });
    await provider.forceFlush();
    await provider.shutdown();
    expect(codes).toEqual([ExportResultCode.FAILED]);
    expect((await queryRange('{service_name=~".+"} |= "refused"')).result).toEqual([]);
  });
});
