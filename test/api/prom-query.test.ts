// Pins the Prometheus query API as Grafana and promtool call it: parameters (GET and POST
// form, unix and RFC3339 times, float and Prometheus durations), the JSON envelope and
// value encodings, Prometheus's error types and statuses, and remote read in both
// response types — over data written through the real push route.
import { get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPrometheusProtos } from '../../src/ingest/remote-write/decode-reference.js';
import { snappyCompress, snappyDecompress } from '../../src/ingest/remote-write/snappy.js';
import type { CairnServer } from '../../src/server.js';
import { XorIterator } from '../../src/tsdb/chunkenc/xor.js';
import { ManualClock } from '../../src/util/clock.js';
import { crc32c } from '../../src/util/crc32c.js';
import { writeRequestBody } from '../helpers/remote-write.js';
import { cleanupTempDirs, testServer } from '../helpers/server.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const sec = (ms: number) => ms / 1000;
let server: CairnServer;
let auth: Record<string, string>;

beforeAll(async () => {
  server = testServer({ 'limits.ingestion_rate': 0 }, new ManualClock(T0 + 600_000));
  await server.services.startAll();
  const token = server.tokens.create({ tenant: 'dev', scopes: 'read+write' }).token;
  auth = { 'x-scope-orgid': 'dev', authorization: `Bearer ${token}` };
  const series = [];
  for (const [job, base] of [['api', 0], ['db', 100]] as const) {
    series.push({
      labels: { __name__: 'http_requests_total', job, instance: 'a:1' },
      samples: Array.from({ length: 11 }, (_, i) => [T0 + i * 60_000, base + i * 60] as [number, number]),
      exemplars: job === 'api' ? [{ labels: { trace_id: 'abc123' }, t: T0 + 60_000, v: 60 }] : [],
    });
  }
  series.push({ labels: { __name__: 'tiny', job: 'x' }, samples: [[T0, 1e-7], [T0 + 60_000, 1.5e21]] as [number, number][] });
  const res = await server.app.inject({
    method: 'POST',
    url: '/api/v1/push',
    headers: { ...auth, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    payload: writeRequestBody(series, [{ metricFamilyName: 'http_requests_total', type: 1, help: 'Requests served.' }]),
  });
  expect(res.statusCode, res.body).toBe(200);
});
afterAll(async () => {
  await server.stop();
  cleanupTempDirs();
});

const get = (path: string) => server.app.inject({ method: 'GET', url: `/prometheus/api/v1/${path}`, headers: auth });
const post = (path: string, form: Record<string, string | string[]>) => {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  return server.app.inject({
    method: 'POST',
    url: `/prometheus/api/v1/${path}`,
    headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
    payload: body.toString(),
  });
};

describe('query and query_range', () => {
  it('answers an instant vector query in Prometheus shape, sample values as strings', async () => {
    const res = await get(`query?query=${encodeURIComponent('http_requests_total{job="api"}')}&time=${sec(T0 + 300_000)}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: { __name__: 'http_requests_total', instance: 'a:1', job: 'api' }, value: [sec(T0 + 300_000), '300'] }] },
    });
  });

  it.each([
    { name: 'scalar', query: '1 + 2', want: { resultType: 'scalar', result: [sec(T0), '3'] } },
    { name: 'string', query: '"hello"', want: { resultType: 'string', result: [sec(T0), 'hello'] } },
    { name: 'NaN and infinities', query: 'vector(1) / 0', want: { resultType: 'vector', result: [{ metric: {}, value: [sec(T0), '+Inf'] }] } },
  ])('answers a $name', async ({ query, want }) => {
    const res = await post('query', { query, time: new Date(T0).toISOString() });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual(want);
  });

  it('formats tiny and huge values in exponent form, as Go does', async () => {
    const res = await get(`query_range?query=tiny&start=${sec(T0)}&end=${sec(T0 + 60_000)}&step=60`);
    expect(res.json().data.result[0].values).toEqual([
      [sec(T0), '1e-07'],
      [sec(T0 + 60_000), '1.5e+21'],
    ]);
  });

  it('answers a range query as a matrix sorted by labels, with rate extrapolation', async () => {
    const res = await post('query_range', { query: 'sum by (job) (rate(http_requests_total[5m]))', start: String(sec(T0 + 300_000)), end: String(sec(T0 + 600_000)), step: '2m30s' });
    expect(res.statusCode, res.body).toBe(200);
    const data = res.json().data;
    expect(data.resultType).toBe('matrix');
    expect(data.result.map((s: { metric: object }) => s.metric)).toEqual([{ job: 'api' }, { job: 'db' }]);
    // 60 per minute = 1 per second, whatever the extrapolation does at the window edges.
    for (const s of data.result) for (const [, v] of s.values) expect(Number(v)).toBeCloseTo(1, 6);
    expect(data.result[0].values.map((p: [number, string]) => p[0])).toEqual([sec(T0 + 300_000), sec(T0 + 450_000), sec(T0 + 600_000)]);
  });

  it.each([
    { name: 'parse error with position', path: `query?query=${encodeURIComponent('sum(')}`, status: 400, type: 'bad_data', error: /1:5: parse error/ },
    { name: 'missing query', path: 'query', status: 400, type: 'bad_data', error: /no expression found in input/ },
    { name: 'bad time', path: 'query?query=up&time=yesterday', status: 400, type: 'bad_data', error: /invalid parameter "time": cannot parse "yesterday" to a valid timestamp/ },
    { name: 'end before start', path: 'query_range?query=up&start=10&end=5&step=1', status: 400, type: 'bad_data', error: /end timestamp must not be before start time/ },
    { name: 'zero step', path: 'query_range?query=up&start=0&end=5&step=0', status: 400, type: 'bad_data', error: /zero or negative query resolution step widths are not accepted/ },
    { name: 'too many points', path: 'query_range?query=up&start=0&end=20000&step=1', status: 400, type: 'bad_data', error: /exceeded maximum resolution of 11,000 points per timeseries/ },
    { name: 'bad step', path: 'query_range?query=up&start=0&end=5&step=often', status: 400, type: 'bad_data', error: /invalid parameter "step": cannot parse "often" to a valid duration/ },
    { name: 'range vector in a range query', path: 'query_range?query=up[5m]&start=0&end=5&step=1', status: 400, type: 'bad_data', error: /invalid expression type "range vector" for range query, must be Scalar or instant Vector/ },
    {
      name: 'many-to-many matching (execution error)',
      path: `query?query=${encodeURIComponent('http_requests_total + on() http_requests_total')}&time=${sec(T0 + 300_000)}`,
      status: 422,
      type: 'execution',
      error: /many-to-many matching not allowed/,
    },
  ])('refuses: $name', async ({ path, status, type, error }) => {
    const res = await get(path);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json().status).toBe('error');
    expect(res.json().errorType).toBe(type);
    expect(res.json().error).toMatch(error);
  });
});

describe('range answers over a socket', () => {
  // Answers are sent from buffers lent out of the answer writer and reused once sent; a
  // buffer handed back before the socket has taken the whole answer would be written over
  // by the next answer while a slow reader still waits for its tail.
  it('stay whole when a slow reader and other answers overlap', async () => {
    // A tenant of its own: the other tests list every series of theirs.
    const token = server.tokens.create({ tenant: 'wide', scopes: 'read+write' }).token;
    const wideAuth = { 'x-scope-orgid': 'wide', authorization: `Bearer ${token}` };
    const big = Array.from({ length: 200 }, (_, i) => ({
      labels: { __name__: 'wide', i: String(i).padStart(3, '0') },
      samples: Array.from({ length: 11 }, (_, k) => [T0 + k * 60_000, i * 1000 + k] as [number, number]),
    }));
    const pushed = await server.app.inject({
      method: 'POST',
      url: '/api/v1/push',
      headers: { ...wideAuth, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      payload: writeRequestBody(big),
    });
    expect(pushed.statusCode, pushed.body).toBe(200);
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = server.app.server.address() as AddressInfo;
    // 200 series × 1 201 steps: ~7 MB, more than a loopback socket takes at once.
    const path = (q: string) => `/prometheus/api/v1/query_range?${new URLSearchParams({ query: q, start: String(sec(T0)), end: String(sec(T0 + 600_000)), step: '0.5' })}`;
    const slowly = (q: string) =>
      new Promise<string>((resolve, reject) => {
        const req = httpGet({ host: '127.0.0.1', port, path: path(q), headers: wideAuth }, (res) => {
          res.pause();
          // Nothing is read for a while: the server's write of the answer waits on the socket.
          setTimeout(() => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve(Buffer.concat(chunks).toString()));
            res.resume();
          }, 150);
        });
        req.on('error', reject);
      });
    const expected = async (q: string) => (await server.app.inject({ method: 'GET', url: path(q), headers: wideAuth })).body;
    const queries = ['wide', 'wide * 2', 'wide + 7', '-wide'];
    const want = await Promise.all(queries.map(expected));
    const got = await Promise.all(queries.map(slowly));
    for (let i = 0; i < queries.length; i++) {
      expect(got[i]!.length, queries[i]).toBe(want[i]!.length);
      expect(got[i] === want[i], queries[i]).toBe(true);
    }
    expect(JSON.parse(got[0]!).data.result).toHaveLength(200);
  });
});

describe('metadata endpoints', () => {
  it('lists series for match[] (GET and POST)', async () => {
    const want = [
      { __name__: 'http_requests_total', instance: 'a:1', job: 'api' },
      { __name__: 'http_requests_total', instance: 'a:1', job: 'db' },
    ];
    expect((await get(`series?match[]=${encodeURIComponent('http_requests_total')}`)).json().data).toEqual(want);
    expect((await post('series', { 'match[]': ['{job="api"}', '{job="db"}'], start: '0' })).json().data).toEqual(want);
    // Overlapping selectors: each series once, sorted; `limit` cuts the sorted list.
    expect((await post('series', { 'match[]': ['{job="db"}', 'http_requests_total', '{job="api"}'] })).json().data).toEqual(want);
    expect((await get(`series?match[]=${encodeURIComponent('http_requests_total')}&limit=1`)).json().data).toEqual(want.slice(0, 1));
    expect((await post('series', { 'match[]': ['{job="db"}', '{job="api"}'], limit: '1' })).json().data).toEqual(want.slice(0, 1));
    const none = await get('series');
    expect(none.statusCode).toBe(400);
    expect(none.json().error).toMatch(/no match\[\] parameter provided/);
  });

  it('lists label names and values, with and without match[]', async () => {
    expect((await get('labels')).json().data).toEqual(['__name__', 'instance', 'job']);
    expect((await get('label/job/values')).json().data).toEqual(['api', 'db', 'x']);
    expect((await get(`label/job/values?match[]=${encodeURIComponent('http_requests_total')}`)).json().data).toEqual(['api', 'db']);
    expect((await get('label/__name__/values')).json().data).toEqual(['http_requests_total', 'tiny']);
    expect((await get('label/job/values?limit=1')).json().data).toEqual(['api']);
    const bad = await get('label/0bad/values');
    expect(bad.statusCode).toBe(400);
  });

  it('answers label names and values again after new series bring new ones (answers are written once per list)', async () => {
    const token = server.tokens.create({ tenant: 'fresh', scopes: 'read+write' }).token;
    const headers = { 'x-scope-orgid': 'fresh', authorization: `Bearer ${token}` };
    const push = async (labels: Record<string, string>) => {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/v1/push',
        headers: { ...headers, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
        payload: writeRequestBody([{ labels, samples: [[T0, 1]] }]),
      });
      expect(res.statusCode, res.body).toBe(200);
    };
    const ask = async (path: string) => {
      const res = await server.app.inject({ method: 'GET', url: `/prometheus/api/v1/${path}`, headers });
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      return res.json().data as string[];
    };
    expect(await ask('labels')).toEqual([]);
    await push({ __name__: 'm', a: '1' });
    for (let i = 0; i < 2; i++) {
      expect(await ask('labels')).toEqual(['__name__', 'a']);
      expect(await ask('label/a/values')).toEqual(['1']);
    }
    await push({ __name__: 'm', a: '0', b: 'x' });
    expect(await ask('labels')).toEqual(['__name__', 'a', 'b']);
    expect(await ask('label/a/values')).toEqual(['0', '1']);
    expect(await ask('label/a/values?limit=1')).toEqual(['0']);
  });

  it('serves metadata received through remote write', async () => {
    expect((await get('metadata')).json().data).toEqual({ http_requests_total: [{ type: 'counter', help: 'Requests served.', unit: '' }] });
    expect((await get('metadata?metric=nope')).json().data).toEqual({});
  });

  it('serves exemplars for the series a query selects', async () => {
    const res = await get(`query_exemplars?query=${encodeURIComponent('rate(http_requests_total[5m])')}&start=${sec(T0)}&end=${sec(T0 + 600_000)}`);
    expect(res.json().data).toEqual([
      { seriesLabels: { __name__: 'http_requests_total', instance: 'a:1', job: 'api' }, exemplars: [{ labels: { trace_id: 'abc123' }, value: '60', timestamp: sec(T0 + 60_000) }] },
    ]);
  });

  it('pretty-prints with format_query', async () => {
    const res = await get(`format_query?query=${encodeURIComponent('foo/bar')}`);
    expect(res.json()).toEqual({ status: 'success', data: 'foo / bar' });
  });

  it('needs the query_metrics scope', async () => {
    const writeOnly = server.tokens.create({ tenant: 'dev', scopes: 'write' }).token;
    const res = await server.app.inject({ method: 'GET', url: '/prometheus/api/v1/query?query=1', headers: { 'x-scope-orgid': 'dev', authorization: `Bearer ${writeOnly}` } });
    expect(res.statusCode).toBe(403);
  });
});

describe('remote read', () => {
  const root = loadPrometheusProtos();
  const ReadRequest = root.lookupType('prometheus.ReadRequest');
  const ReadResponse = root.lookupType('prometheus.ReadResponse');
  const ChunkedReadResponse = root.lookupType('prometheus.ChunkedReadResponse');
  const read = (acceptedResponseTypes: number[]) =>
    server.app.inject({
      method: 'POST',
      url: '/prometheus/api/v1/read',
      headers: { ...auth, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      payload: Buffer.from(
        snappyCompress(
          ReadRequest.encode(
            ReadRequest.fromObject({
              queries: [{ startTimestampMs: T0, endTimestampMs: T0 + 120_000, matchers: [{ type: 0, name: '__name__', value: 'http_requests_total' }, { type: 2, name: 'job', value: 'a.*' }] }],
              acceptedResponseTypes,
            }),
          ).finish(),
        ),
      ),
    });

  it('answers SAMPLES with a snappy ReadResponse', async () => {
    const res = await read([]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-encoding']).toBe('snappy');
    const msg = ReadResponse.toObject(ReadResponse.decode(snappyDecompress(res.rawPayload, 1 << 26)), { longs: Number, defaults: true }) as {
      results: { timeseries: { labels: { name: string; value: string }[]; samples: { timestamp: number; value: number }[] }[] }[];
    };
    expect(msg.results).toHaveLength(1);
    expect(msg.results[0]!.timeseries).toHaveLength(1);
    expect(msg.results[0]!.timeseries[0]!.labels.find((l) => l.name === 'job')!.value).toBe('api');
    expect(msg.results[0]!.timeseries[0]!.samples.map((s) => [s.timestamp, s.value])).toEqual([
      [T0, 0],
      [T0 + 60_000, 60],
      [T0 + 120_000, 120],
    ]);
  });

  it('answers STREAMED_XOR_CHUNKS with CRC-checked frames of XOR chunks', async () => {
    const res = await read([1, 0]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse');
    const buf = res.rawPayload;
    let p = 0;
    const samples: [number, number][] = [];
    while (p < buf.length) {
      let len = 0;
      let shift = 0;
      for (;;) {
        const b = buf[p++]!;
        len |= (b & 0x7f) << shift;
        if (b < 0x80) break;
        shift += 7;
      }
      const crc = buf.readUInt32BE(p);
      const payload = buf.subarray(p + 4, p + 4 + len);
      expect(crc32c(payload)).toBe(crc);
      p += 4 + len;
      const frame = ChunkedReadResponse.toObject(ChunkedReadResponse.decode(payload), { longs: Number }) as { chunkedSeries: { chunks: { data: Uint8Array; type: number }[] }[] };
      for (const s of frame.chunkedSeries) {
        for (const c of s.chunks) {
          expect(c.type).toBe(1);
          const it = new XorIterator(c.data);
          while (it.next()) samples.push([it.t, it.v]);
        }
      }
    }
    expect(samples).toEqual([
      [T0, 0],
      [T0 + 60_000, 60],
      [T0 + 120_000, 120],
    ]);
  });
});
