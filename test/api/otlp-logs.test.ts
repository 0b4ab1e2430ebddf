// Proves `POST /otlp/v1/logs` end to end through app.inject(): protobuf and OTLP-JSON bodies
// of the same records (encoded by the OpenTelemetry JS serializers) store the same entries,
// answers are Loki's, the Loki push limits and WAL apply, and no bad body gets past a 4xx.
import { gzipSync } from 'node:zlib';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatNs } from '../../src/logstore/entry.js';
import { newMatcher } from '../../src/model/matcher.js';
import type { CairnServer } from '../../src/server.js';
import { ManualClock } from '../../src/util/clock.js';
import { cleanupTempDirs, tempDir, testServer } from '../helpers/server.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
afterAll(() => cleanupTempDirs());

/** Records made by the official SDK, as an application would emit them. */
async function sdkRecords(): Promise<ReadableLogRecord[]> {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'deployment.environment': 'test', 'host.name': 'node-1', 'process.pid': 4242 }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('cart', '1.0.0');
  logger.emit({ timestamp: NOW - 3000, severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'item added', attributes: { 'cart.id': 'c-1', items: 3 } });
  logger.emit({ timestamp: NOW - 2000, severityNumber: SeverityNumber.ERROR, body: { msg: 'payment failed', code: 402 }, attributes: { retry: true } });
  logger.emit({ timestamp: NOW - 1000, body: 'level=warn msg="slow request" ms=1200' });
  await provider.forceFlush();
  return exporter.getFinishedLogRecords();
}

function dump(server: CairnServer, tenant: string): string[] {
  const q = server.logs.logQuerier(tenant, 0, NOW + 3_600_000);
  const set = q.select([newMatcher('=~', 'service_name', '.+')], { startMs: 0, startNs: 0, endMs: NOW + 3_600_000, endNs: 0, direction: 'forward' });
  const out: string[] = [];
  while (set.next()) {
    const s = set.at();
    const it = s.iterator();
    while (it.next()) out.push(`${s.labels.map((l) => `${l.name}=${l.value}`).join(',')} ${formatNs(it.at().tMs, it.at().tNs)} ${it.at().line} ${JSON.stringify(it.at().metadata)}`);
  }
  q.close();
  return out;
}

/** Reads a protobuf `google.rpc.Status` message (field 2); code is never sent (Loki's 0). */
function statusMessage(body: Buffer): string {
  expect(body[0]).toBe(0x12);
  let len = 0;
  let shift = 0;
  let p = 1;
  for (;;) {
    const b = body[p++]!;
    len |= (b & 0x7f) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  return body.subarray(p, p + len).toString();
}

describe('POST /otlp/v1/logs', () => {
  const dir = tempDir();
  const config = { data_dir: dir, 'limits.max_line_size': 200, 'distributor.max_otlp_request_size': 100_000 };
  let server: CairnServer;
  const tokens = new Map<string, string>();
  const auth = (tenant: string) => {
    let t = tokens.get(tenant);
    if (t === undefined) tokens.set(tenant, (t = server.tokens.create({ tenant, scopes: 'write' }).token));
    return { authorization: `Bearer ${t}`, 'x-scope-orgid': tenant };
  };
  let records: ReadableLogRecord[];
  let proto: Buffer;
  let json: Buffer;
  const send = (tenant: string, payload: Buffer | string, contentType: string | undefined, extra: Record<string, string> = {}) =>
    server.app.inject({ method: 'POST', url: '/otlp/v1/logs', headers: { ...auth(tenant), ...(contentType === undefined ? {} : { 'content-type': contentType }), ...extra }, payload });

  beforeAll(async () => {
    server = testServer(config, new ManualClock(NOW));
    await server.services.startAll();
    records = await sdkRecords();
    proto = Buffer.from(ProtobufLogsSerializer.serializeRequest(records)!);
    json = Buffer.from(JsonLogsSerializer.serializeRequest(records)!);
  });
  afterAll(async () => server.stop());

  it('stores the same entries from protobuf, JSON and gzipped JSON, mapped as Loki does', async () => {
    expect((await send('proto', proto, 'application/x-protobuf')).statusCode).toBe(204);
    const r = await send('json', json, 'application/json');
    expect(r.statusCode).toBe(204);
    expect(r.body).toBe('');
    expect((await send('gzip', gzipSync(json), 'application/json', { 'content-encoding': 'gzip' })).statusCode).toBe(204);
    // The SDK stamps observed times from the wall clock.
    const stored = dump(server, 'proto').map((l) => l.replace(/"observed_timestamp","value":"\d+"/, '"observed_timestamp","value":"*"'));
    expect(dump(server, 'json')).toEqual(dump(server, 'proto'));
    expect(dump(server, 'gzip')).toEqual(dump(server, 'proto'));
    const observed = '{"name":"observed_timestamp","value":"*"}';
    const scope = '"name":"scope_name","value":"cart"},{"name":"scope_version","value":"1.0.0"}';
    expect(stored).toEqual([
      `deployment_environment=test,service_name=checkout ${formatNs(NOW - 3000, 0)} item added ` +
        `[{"name":"cart_id","value":"c-1"},{"name":"items","value":"3"},${observed},{"name":"severity_number","value":"9"},{"name":"severity_text","value":"INFO"},` +
        `{"name":"host_name","value":"node-1"},{"name":"process_pid","value":"4242"},{${scope},{"name":"detected_level","value":"info"}]`,
      `deployment_environment=test,service_name=checkout ${formatNs(NOW - 2000, 0)} {"code":402,"msg":"payment failed"} ` +
        `[{"name":"retry","value":"true"},${observed},{"name":"severity_number","value":"17"},` +
        `{"name":"host_name","value":"node-1"},{"name":"process_pid","value":"4242"},{${scope},{"name":"detected_level","value":"error"}]`,
      `deployment_environment=test,service_name=checkout ${formatNs(NOW - 1000, 0)} level=warn msg="slow request" ms=1200 ` +
        `[${observed},{"name":"host_name","value":"node-1"},{"name":"process_pid","value":"4242"},{${scope},{"name":"detected_level","value":"warn"}]`,
    ]);
  });

  it.each([
    { name: 'unsupported content type: Loki 400', contentType: 'text/plain', encoding: undefined, status: 400, message: 'content type: text/plain is not supported' },
    { name: 'no content type: Loki 400', contentType: undefined, encoding: undefined, status: 400, message: 'content type:  is not supported' },
    { name: 'unknown encoding: 415', contentType: 'application/x-protobuf', encoding: 'br', status: 415, message: 'unsupported compression: br' },
    { name: 'not gzip after all: 400', contentType: 'application/x-protobuf', encoding: 'gzip', status: 400, message: 'the gzip body could not be decompressed' },
  ])('$name', async ({ contentType, encoding, status, message }) => {
    const r = await send('errs', proto, contentType, encoding === undefined ? {} : { 'content-encoding': encoding });
    expect(r.statusCode).toBe(status);
    expect(r.headers['content-type']).toBe('application/x-protobuf');
    expect(statusMessage(r.rawPayload)).toContain(message);
  });

  it('answers a JSON client with a JSON Status', async () => {
    const r = await send('errs', '{"resourceLogs":[{"scopeLogs":"nope"}]}', 'application/json');
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(r.body)).toMatchObject({ code: 0, message: expect.stringContaining('OTLP JSON') });
  });

  it.each<{ name: string; body: () => Buffer; encoding: Record<string, string> }>([
    { name: 'decompressed', body: () => gzipSync(Buffer.alloc(200_000)), encoding: { 'content-encoding': 'gzip' } },
    { name: 'as sent', body: () => Buffer.alloc(100_001), encoding: {} },
  ])('refuses a body over distributor.max_otlp_request_size ($name) with an OTLP 413', async ({ body, encoding }) => {
    const r = await send('errs', body(), 'application/x-protobuf', encoding);
    expect(r.statusCode).toBe(413);
    expect(statusMessage(r.rawPayload)).toContain('larger than the allowed limit of 100000 bytes');
  });

  it('an empty request has no streams: 422, as Loki', async () => {
    const r = await send('errs', '{}', 'application/json');
    expect(r.statusCode).toBe(422);
    expect(JSON.parse(r.body).message).toBe('error at least one valid stream is required for ingestion');
  });

  it('needs a tenant and write_logs', async () => {
    const r = await server.app.inject({ method: 'POST', url: '/otlp/v1/logs', headers: { 'x-scope-orgid': 'dev', 'content-type': 'application/json' }, payload: json });
    expect(r.statusCode).toBe(401);
    const reader = server.tokens.create({ tenant: 'dev', scopes: 'read' }).token;
    const f = await server.app.inject({ method: 'POST', url: '/otlp/v1/logs', headers: { authorization: `Bearer ${reader}`, 'x-scope-orgid': 'dev', 'content-type': 'application/json' }, payload: json });
    expect(f.statusCode).toBe(403);
  });

  it('applies the Loki limits: a line too long is refused (400) and the rest stored', async () => {
    const body = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'big' } }] },
          scopeLogs: [{ logRecords: [{ timeUnixNano: String(BigInt(NOW) * 1_000_000n), body: { stringValue: 'x'.repeat(201) } }, { timeUnixNano: String(BigInt(NOW) * 1_000_000n), body: { stringValue: 'fits' } }] }],
        },
      ],
    };
    const r = await send('limits', JSON.stringify(body), 'application/json');
    expect(r.statusCode).toBe(400);
    expect(JSON.parse(r.body).message).toMatch(/^max entry size '200' bytes exceeded for stream '\{service_name="big"\}'/);
    expect(dump(server, 'limits').map((l) => l.split(' ')[2])).toEqual(['fits']);
  });

  it('refuses a stream whose label value holds U+FFFD (Loki parses the printed labels), the rest stored', async () => {
    const rl = (name: string) => ({ resource: { attributes: [{ key: 'service.name', value: { stringValue: name } }] }, scopeLogs: [{ logRecords: [{ timeUnixNano: String(BigInt(NOW) * 1_000_000n), body: { stringValue: `from ${name}` } }] }] });
    const r = await send('fffd', JSON.stringify({ resourceLogs: [rl('bad\ufffd'), rl('good')] }), 'application/json');
    expect(r.statusCode).toBe(400);
    expect(JSON.parse(r.body).message).toMatch(/^error parsing labels '\{service_name="bad\ufffd"\}' with error: parse error at line 1, col 15: invalid UTF-8 rune/);
    expect(dump(server, 'fffd').map((l) => l.split(' ').slice(2, 4).join(' '))).toEqual(['from good']);
  });

  it('never answers a mangled body with anything but a 4xx', async () => {
    const bodies = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => ({ b: Buffer.from(b), ct: 'application/x-protobuf' })),
      fc.tuple(fc.nat(proto.length - 1), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, bytes]) => {
        const b = Buffer.from(proto);
        b.set(bytes.subarray(0, b.length - at), at);
        return { b, ct: 'application/x-protobuf' };
      }),
      fc.nat(proto.length - 1).map((n) => ({ b: proto.subarray(0, n), ct: 'application/x-protobuf' })),
      fc.tuple(fc.nat(json.length - 1), fc.string({ maxLength: 6 })).map(([at, s]) => ({ b: Buffer.concat([json.subarray(0, at), Buffer.from(s), json.subarray(at + 1)]), ct: 'application/json' })),
      fc.json().map((j) => ({ b: Buffer.from(j), ct: 'application/json' })),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async ({ b, ct }) => {
        const r = await send('fuzz', b, ct);
        // A mangled body may still decode to valid logs (204); otherwise a client error.
        return r.statusCode === 204 || (r.statusCode >= 400 && r.statusCode < 500);
      }),
      { numRuns: 300, seed: 10 },
    );
  });
});

describe('OTLP logs and the WAL', () => {
  it('replays what was stored after a restart (the decoded entries are in the WAL)', async () => {
    const dir = tempDir();
    const config = { data_dir: dir, 'limits.otlp_resource_attributes_as_index_labels': 'service.name,host.name' };
    const server = testServer(config, new ManualClock(NOW));
    await server.services.startAll();
    const token = server.tokens.create({ tenant: 'dev', scopes: 'write' }).token;
    const body = ProtobufLogsSerializer.serializeRequest(await sdkRecords())!;
    const r = await server.app.inject({ method: 'POST', url: '/otlp/v1/logs', headers: { authorization: `Bearer ${token}`, 'x-scope-orgid': 'dev', 'content-type': 'application/x-protobuf' }, payload: Buffer.from(body) });
    expect(r.statusCode).toBe(204);
    const live = dump(server, 'dev');
    expect(live).toHaveLength(3);
    // The tenant's list: host.name is a label now, deployment.environment metadata.
    expect(live[0]).toMatch(/^host_name=node-1,service_name=checkout /);
    expect(live[0]).toContain('{"name":"deployment_environment","value":"test"}');
    await server.stop();
    const again = testServer(config, new ManualClock(NOW));
    await again.services.startAll();
    expect(dump(again, 'dev')).toEqual(live);
    await again.stop();
  });
});
