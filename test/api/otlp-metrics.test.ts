// Pins `POST /otlp/v1/metrics` through the real server (inject): both formats and every
// encoding land data readable by PromQL, answers come in the request's format (empty
// response, partial success, google.rpc.Status), and Mimir's 415/413/400 cases hold.
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zstdCompress } from '../../src/logstore/chunk/zstd.js';
import type { CairnServer } from '../../src/server.js';
import { ManualClock } from '../../src/util/clock.js';
import { compress as lz4Compress } from 'lz4js';
import { cleanupTempDirs, testServer } from '../helpers/server.js';
import { MetricsResponseType, StatusType, attr, histogramPoint, metric, metricsProto, metricsRequest, nsOf, numberPoint, otlpJson, resourceMetrics } from '../ingest/otlp/fixtures.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const MAX = 64 * 1024;
let server: CairnServer;
let auth: Record<string, string>;
let seq = 0;

beforeAll(async () => {
  server = testServer({ 'distributor.max_otlp_request_size': MAX, 'limits.max_label_names_per_series': 8 }, new ManualClock(NOW));
  await server.services.startAll();
  const token = server.tokens.create({ tenant: 'dev', scopes: 'read+write' }).token;
  auth = { 'x-scope-orgid': 'dev', authorization: `Bearer ${token}` };
});
afterAll(async () => {
  await server.stop();
  cleanupTempDirs();
});

/** A gauge request with a metric name no other test uses. */
function gauge(value: number, t = NOW, attrs = [attr('k', 'v')]): { name: string; req: ReturnType<typeof metricsRequest> } {
  const name = `otlp_api_${++seq}`;
  return { name, req: metricsRequest(resourceMetrics([attr('service.name', 'svc')], [metric({ name, gauge: { dataPoints: [numberPoint({ timeUnixNano: nsOf(t), asDouble: value, attributes: attrs })] } })])) };
}

const post = (payload: Buffer | Uint8Array, headers: Record<string, string>) =>
  server.app.inject({ method: 'POST', url: '/otlp/v1/metrics', headers: { ...auth, ...headers }, payload: Buffer.from(payload) });

async function query(q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await server.app.inject({ method: 'GET', url: `/prometheus/api/v1/query?query=${encodeURIComponent(q)}&time=${NOW / 1000}`, headers: auth });
  return (res.json() as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
}

describe('formats and encodings all land the data', () => {
  it.each([
    ['protobuf', '', (r: Parameters<typeof metricsProto>[0]) => metricsProto(r)],
    ['protobuf', 'gzip', (r: Parameters<typeof metricsProto>[0]) => gzipSync(metricsProto(r))],
    ['protobuf', 'zstd', (r: Parameters<typeof metricsProto>[0]) => zstdCompress(metricsProto(r), 3)],
    ['protobuf', 'lz4', (r: Parameters<typeof metricsProto>[0]) => lz4Compress(metricsProto(r))],
    ['json', '', (r: Parameters<typeof metricsProto>[0]) => otlpJson(r)],
    ['json', 'gzip', (r: Parameters<typeof metricsProto>[0]) => gzipSync(otlpJson(r))],
  ] as const)('%s with encoding "%s"', async (format, enc, encode) => {
    const { name, req } = gauge(2.5);
    const ct = format === 'json' ? 'application/json' : 'application/x-protobuf';
    const res = await post(encode(req), { 'content-type': ct, ...(enc === '' ? {} : { 'content-encoding': enc }) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain(ct);
    if (format === 'json') expect(res.body).toBe('{}');
    else expect(res.rawPayload.length).toBe(0);
    expect(await query(name)).toEqual([{ metric: { __name__: name, job: 'svc', k: 'v' }, value: [NOW / 1000, '2.5'] }]);
  });
});

describe('a collector sending the same series every interval', () => {
  it('later requests (stored from their bytes, metrics-fast.ts) read back as the first', async () => {
    const res = [attr('service.name', 'coll'), attr('host.name', 'h')];
    const body = (i: number) =>
      metricsProto(
        metricsRequest(
          resourceMetrics(res, [
            metric({ name: 'otlp_api_repeat', unit: 's', gauge: { dataPoints: [numberPoint({ timeUnixNano: nsOf(NOW - 60_000 + i * 15_000), asDouble: i, attributes: [attr('k', 'v')] })] } }),
            metric({ name: 'otlp_api_repeat_total', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [numberPoint({ timeUnixNano: nsOf(NOW - 60_000 + i * 15_000), asInt: BigInt(10 * i), flags: i === 4 ? 1 : 0 })] } }),
          ]),
        ),
      );
    for (let i = 0; i <= 4; i++) expect((await post(body(i), { 'content-type': 'application/x-protobuf' })).statusCode).toBe(200);
    const range = async (q: string) => {
      const r = await server.app.inject({ method: 'GET', url: `/prometheus/api/v1/query?query=${encodeURIComponent(q)}&time=${NOW / 1000}`, headers: auth });
      return (r.json() as { data: { result: { metric: Record<string, string>; values: [number, string][] }[] } }).data.result.map((x) => x.values.map((v) => v[1]));
    };
    expect(await range('otlp_api_repeat[2m]')).toEqual([['0', '1', '2', '3', '4']]);
    // The last point was flagged NO_RECORDED_VALUE: a stale marker, which a range selector skips.
    expect(await range('otlp_api_repeat_total[2m]')).toEqual([['0', '10', '20', '30']]);
    expect(await query('otlp_api_repeat_total')).toEqual([]);
    expect((await range('target_info{job="coll"}[2m]'))[0]).toHaveLength(5);
    const meta = await server.app.inject({ method: 'GET', url: '/prometheus/api/v1/metadata?metric=otlp_api_repeat_total', headers: auth });
    expect(meta.json().data).toEqual({ otlp_api_repeat_total: [{ type: 'counter', help: '', unit: '' }] });
  });
});

describe('errors in the request’s format', () => {
  it('unsupported content type: 415 with Mimir’s text (JSON Status)', async () => {
    const res = await post(Buffer.from('x'), { 'content-type': 'text/plain' });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toEqual({ code: 415, message: 'unsupported content type: text/plain, supported: [application/json, application/x-protobuf]' });
  });

  it('unsupported encoding: 415, body a protobuf Status for a protobuf request', async () => {
    const res = await post(Buffer.from('x'), { 'content-type': 'application/x-protobuf', 'content-encoding': 'br' });
    expect(res.statusCode).toBe(415);
    expect(res.headers['content-type']).toContain('application/x-protobuf');
    expect(StatusType.toObject(StatusType.decode(res.rawPayload))).toEqual({ code: 415, message: 'unsupported compression: br. Only "gzip", "lz4", "zstd", or no compression supported' });
  });

  it.each([
    ['compressed body over the limit', Buffer.alloc(MAX + 10, 1), ''],
    ['decompressed body over the limit', gzipSync(Buffer.alloc(MAX * 4, 1)), 'gzip'],
  ])('%s: 413', async (_n, body, enc) => {
    const res = await post(body, { 'content-type': 'application/json', ...(enc === '' ? {} : { 'content-encoding': enc }) });
    expect(res.statusCode).toBe(413);
    expect(res.json().message).toContain(`allowed limit of ${MAX} bytes`);
    expect(res.json().message).toContain('configure distributor.max_otlp_request_size');
  });

  it('undecodable body: 400 with the decoder’s message', async () => {
    const res = await post(Buffer.from([0x0a, 0x09]), { 'content-type': 'application/x-protobuf' });
    expect(res.statusCode).toBe(400);
    expect(StatusType.toObject(StatusType.decode(res.rawPayload))).toMatchObject({ code: 400, message: expect.stringContaining('failed to decode the OTLP protobuf request') });
  });

  it('a delta sum: 400 otlp parse error (gRPC InvalidArgument), the rest still stored', async () => {
    const { name, req } = gauge(1);
    const rm = req.resourceMetrics[0]!;
    const withDelta = metricsRequest({
      ...rm,
      scopeMetrics: [{ ...rm.scopeMetrics[0]!, metrics: [...rm.scopeMetrics[0]!.metrics, metric({ name: 'delta_x', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [numberPoint({ timeUnixNano: nsOf(NOW), asInt: 1n })] } })] }],
    });
    const res = await post(otlpJson(withDelta), { 'content-type': 'application/json' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ code: 3, message: 'otlp parse error: invalid temporality and type combination for metric "delta_x"' });
    expect(await query(name)).toHaveLength(1);
  });

  it('validation refusal (too many labels): 400 with Mimir’s message', async () => {
    const { req } = gauge(1, NOW, Array.from({ length: 10 }, (_, i) => attr(`a${i}`, 'x')));
    const res = await post(otlpJson(req), { 'content-type': 'application/json' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('received a series whose number of labels exceeds the limit');
  });

  it('an attribute value that is not UTF-8: that series refused as Mimir refuses it (400 label_value_invalid), the rest stored, twice', async () => {
    // Byte 0xFE inside `AXB`: protobuf carries the bytes as sent; a Go SDK can send them.
    const { name, req } = gauge(1, NOW, [attr('path', 'AXB')]);
    const good = gauge(2, NOW, [attr('path', 'A\ufffdB')]); // U+FFFD itself is valid UTF-8
    const both = metricsRequest({ ...req.resourceMetrics[0]!, scopeMetrics: [{ ...req.resourceMetrics[0]!.scopeMetrics[0]!, metrics: [...req.resourceMetrics[0]!.scopeMetrics[0]!.metrics, ...good.req.resourceMetrics[0]!.scopeMetrics[0]!.metrics] }] });
    const body = Buffer.from(metricsProto(both));
    body[body.indexOf(Buffer.from('AXB')) + 1] = 0xfe;
    for (let i = 0; i < 2; i++) {
      // The second time the good series is known: the request must not be stored from its bytes.
      const res = await post(body, { 'content-type': 'application/x-protobuf' });
      expect(res.statusCode).toBe(400);
      const status = StatusType.toObject(StatusType.decode(res.rawPayload)) as { message: string };
      expect(status.message).toContain(`received a series with invalid value in label 'path': 'A\ufffdB' metric: '${name}' (err-mimir-label-value-invalid)`);
      expect(await query(name)).toHaveLength(0);
      expect((await query(good.name)).map((r) => r.metric.path)).toEqual(['A\ufffdB']);
    }
  });

  it('invalid bytes that read like a stored series (its U+FFFD sent as such) are still refused, also once the request is learnt', async () => {
    const { name, req } = gauge(1, NOW - 1000, [attr('path', 'A\ufffdB')]);
    expect((await post(metricsProto(req), { 'content-type': 'application/x-protobuf' })).statusCode).toBe(200);
    const later = gauge(2, NOW, [attr('path', 'AXB')]);
    const rm = later.req.resourceMetrics[0]!;
    const sameName = metricsRequest({ ...rm, scopeMetrics: [{ ...rm.scopeMetrics[0]!, metrics: [{ ...rm.scopeMetrics[0]!.metrics[0]!, name }] }] });
    const body = Buffer.from(metricsProto(sameName));
    body[body.indexOf(Buffer.from('AXB')) + 1] = 0xfe;
    for (let i = 0; i < 3; i++) expect((await post(body, { 'content-type': 'application/x-protobuf' })).statusCode).toBe(400);
    expect((await query(name)).map((r) => r.value[1])).toEqual(['1']);

    // The same for a resource's target_info.
    const host = (h: string, value: number, t: number) => {
      const g = gauge(value, t);
      return { name: g.name, req: metricsRequest(resourceMetrics([attr('service.name', 'svc'), attr('host.name', h)], g.req.resourceMetrics[0]!.scopeMetrics[0]!.metrics)) };
    };
    expect((await post(metricsProto(host('h\ufffdst', 1, NOW - 1000).req), { 'content-type': 'application/x-protobuf' })).statusCode).toBe(200);
    const tiBody = Buffer.from(metricsProto(host('hXst', 2, NOW).req));
    tiBody[tiBody.indexOf(Buffer.from('hXst')) + 1] = 0xfe;
    for (let i = 0; i < 3; i++) expect((await post(tiBody, { 'content-type': 'application/x-protobuf' })).statusCode).toBe(400);
  });

  it('a resource attribute that is not UTF-8: job refused on every series of it, a non-identifying one on target_info only', async () => {
    for (const [key, refused] of [
      ['service.name', 'job'],
      ['host.name', 'host_name'],
    ] as const) {
      const { name, req } = gauge(1, NOW);
      const rm = resourceMetrics([attr('service.name', 'svc'), attr('host.name', 'hXst')], req.resourceMetrics[0]!.scopeMetrics[0]!.metrics);
      const body = Buffer.from(metricsProto(metricsRequest(rm)));
      const at = body.indexOf(Buffer.from(key === 'service.name' ? 'svc' : 'hXst'));
      body[at + 1] = 0xfe;
      const res = await post(body, { 'content-type': 'application/x-protobuf' });
      expect(res.statusCode).toBe(400);
      expect((StatusType.toObject(StatusType.decode(res.rawPayload)) as { message: string }).message).toContain(`received a series with invalid value in label '${refused}'`);
      expect(await query(name)).toHaveLength(key === 'service.name' ? 0 : 1);
    }
  });

  it('out-of-order samples: 200 with a partial success (an ingester soft error)', async () => {
    const { name, req } = gauge(1, NOW);
    expect((await post(metricsProto(req), { 'content-type': 'application/x-protobuf' })).statusCode).toBe(200);
    const older = metricsRequest(resourceMetrics([attr('service.name', 'svc')], [metric({ name, gauge: { dataPoints: [numberPoint({ timeUnixNano: nsOf(NOW - 60_000), asDouble: 9, attributes: [attr('k', 'v')] })] } })]));
    const res = await post(metricsProto(older), { 'content-type': 'application/x-protobuf' });
    expect(res.statusCode).toBe(200);
    const body = MetricsResponseType.toObject(MetricsResponseType.decode(res.rawPayload), { longs: Number }) as { partialSuccess: { errorMessage: string } };
    expect(body.partialSuccess.errorMessage).toContain('err-mimir-sample-out-of-order');
  });

  it('points far apart in a resource with target_info: answered at once, target_info bounded to the accepted window', async () => {
    // A tenant of its own, with an empty head: the store takes every sample the limits allow.
    const token = server.tokens.create({ tenant: 'far', scopes: 'read+write' }).token;
    const far = { 'x-scope-orgid': 'far', authorization: `Bearer ${token}` };
    const req = metricsRequest(resourceMetrics([attr('service.name', 'far'), attr('host.name', 'h')], [metric({ name: 'g', gauge: { dataPoints: [numberPoint({ timeUnixNano: 0n, asDouble: 1 }), numberPoint({ timeUnixNano: nsOf(NOW), asDouble: 2 })] } })]));
    const t0 = performance.now();
    const res = await server.app.inject({ method: 'POST', url: '/otlp/v1/metrics', headers: { ...far, 'content-type': 'application/x-protobuf' }, payload: Buffer.from(metricsProto(req)) });
    expect(performance.now() - t0).toBeLessThan(2000);
    // The point at 0 is past the retention (a validation refusal); the one at NOW is stored.
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('retention');
    const count = async (q: string) => {
      const r = await server.app.inject({ method: 'GET', url: `/prometheus/api/v1/query?query=${encodeURIComponent(q)}&time=${NOW / 1000}`, headers: far });
      return (r.json() as { data: { result: { value: [number, string] }[] } }).data.result.map((x) => x.value[1]);
    };
    expect(await count('g')).toEqual(['2']);
    // 31 days of retention at 2m30s (the step at exactly NOW − 31d included), and the last at NOW.
    expect(await count('count_over_time(target_info[40d])')).toEqual([String(Math.floor((31 * 86_400_000) / 150_000) + 1)]);
  });

  it('a histogram with more bounds than the tenant may hold series: 400 naming the limit, answered at once, nothing stored', async () => {
    const small = testServer({ 'limits.max_global_series_per_user': 100 }, new ManualClock(NOW));
    await small.services.startAll();
    try {
      const token = small.tokens.create({ tenant: 'dev', scopes: 'read+write' }).token;
      const h = { 'x-scope-orgid': 'dev', authorization: `Bearer ${token}` };
      const req = metricsRequest(resourceMetrics([attr('service.name', 'svc')], [metric({ name: 'wide', histogram: { aggregationTemporality: 2, dataPoints: [histogramPoint({ timeUnixNano: nsOf(NOW), count: 1, explicitBounds: Array.from({ length: 5000 }, (_, i) => i) })] } })]));
      const t0 = performance.now();
      const res = await small.app.inject({ method: 'POST', url: '/otlp/v1/metrics', headers: { ...h, 'content-type': 'application/x-protobuf' }, payload: Buffer.from(metricsProto(req)) });
      expect(performance.now() - t0).toBeLessThan(2000);
      expect(res.statusCode).toBe(400);
      const status = StatusType.toObject(StatusType.decode(res.rawPayload)) as { message: string };
      expect(status.message).toContain('limits.max_global_series_per_user');
      const q = await small.app.inject({ method: 'GET', url: `/prometheus/api/v1/query?query=${encodeURIComponent('count({__name__=~".+"})')}&time=${NOW / 1000}`, headers: h });
      expect(q.json().data.result).toEqual([]);
    } finally {
      await small.stop();
    }
  });

  it('needs write_metrics: a read-only token is refused', async () => {
    const ro = server.tokens.create({ tenant: 'dev', scopes: 'read' }).token;
    const res = await server.app.inject({ method: 'POST', url: '/otlp/v1/metrics', headers: { 'x-scope-orgid': 'dev', authorization: `Bearer ${ro}`, 'content-type': 'application/json' }, payload: '{}' });
    expect(res.statusCode).toBe(403);
  });
});

describe('fuzzed bodies are always a 4xx (or 200 for what happens to be valid), never a 5xx', () => {
  it('random bytes and JSON under both content types', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.jsonValue({ maxDepth: 5 }).map((v) => Buffer.from(JSON.stringify({ resourceMetrics: [v] })))), fc.boolean(), async (body, json) => {
        const res = await post(body, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
        expect(res.statusCode).toBeLessThan(500);
      }),
      { seed: 11, numRuns: 150 },
    );
  });
});
