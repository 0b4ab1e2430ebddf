// Pins Loki's query API through the real server (inject, real log store on a temp dir,
// data pushed through /loki/api/v1/push): each route's JSON shape, GET and form POST, the
// legacy /api/prom routes, Loki's 400 texts as plain text, the entries limit, the
// categorize-labels encoding, volumes, and auth (401 without a token, 403 without
// query_logs).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLogQL, prettifyLogQL } from '../../src/logql/index.js';
import type { CairnServer } from '../../src/server.js';
import { ManualClock } from '../../src/util/clock.js';
import { lokiJsonBody, ns } from '../helpers/loki.js';
import { cleanupTempDirs, testServer } from '../helpers/server.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const MIN = 60_000;
let server: CairnServer;
let auth: Record<string, string>;

const WEB = { app: 'web', level: 'info' };
const DB = { app: 'db', level: 'error' };
const T = [NOW - 10 * MIN, NOW - 9 * MIN, NOW - 8 * MIN, NOW - 7 * MIN, NOW - 6 * MIN];

beforeAll(async () => {
  server = testServer({ 'limits.max_entries_limit_per_query': 200 }, new ManualClock(NOW));
  await server.services.startAll();
  const token = server.tokens.create({ tenant: 'dev', scopes: 'read+write' }).token;
  auth = { 'x-scope-orgid': 'dev', authorization: `Bearer ${token}` };
  const res = await server.app.inject({
    method: 'POST',
    url: '/loki/api/v1/push',
    headers: { ...auth, 'content-type': 'application/json' },
    payload: lokiJsonBody([
      { labels: WEB, entries: [[ns(T[0]!), 'GET /a 200'], [ns(T[2]!), 'GET /b 500'], [ns(T[4]!, 7), 'POST /c 200']] },
      { labels: DB, entries: [[ns(T[1]!), 'slow query', { trace_id: 'abc' }], [ns(T[3]!), 'deadlock', { trace_id: 'def' }]] },
    ]),
  });
  expect(res.statusCode).toBe(204);
});
afterAll(async () => {
  await server.stop();
  cleanupTempDirs();
});

const get = (url: string, headers: Record<string, string> = {}) => server.app.inject({ method: 'GET', url, headers: { ...auth, ...headers } });
const post = (url: string, form: Record<string, string>) =>
  server.app.inject({ method: 'POST', url, headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(form).toString() });
const enc = encodeURIComponent;
const UGLY = 'sum by (app)(rate({app="web"}|="x"[5m]))';
const webLabels = { ...WEB, service_name: 'web' };
const dbLabels = { ...DB, service_name: 'db' };

describe('GET /loki/api/v1/query_range (log queries)', () => {
  it('answers streams newest first by default, with stats', async () => {
    const res = await get(`/loki/api/v1/query_range?query=${enc('{app="web"}')}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    const body = res.json();
    expect(body.status).toBe('success');
    expect(body.data.resultType).toBe('streams');
    expect(body.data.result).toEqual([
      { stream: webLabels, values: [[ns(T[4]!, 7), 'POST /c 200'], [ns(T[2]!), 'GET /b 500'], [ns(T[0]!), 'GET /a 200']] },
    ]);
    expect(body.data.stats.summary).toMatchObject({ totalEntriesReturned: 3, queueTime: 0 });
    expect(typeof body.data.stats.summary.execTime).toBe('number');
    expect(body.data.stats.querier.store.chunk).toBeDefined();
  });

  const cases: { name: string; query: Record<string, string>; expected: unknown[] }[] = [
    {
      name: 'forward with a limit keeps the oldest',
      query: { query: '{level=~".+"}', direction: 'forward', limit: '2' },
      expected: [
        { stream: { ...dbLabels, trace_id: 'abc' }, values: [[ns(T[1]!), 'slow query']] },
        { stream: webLabels, values: [[ns(T[0]!), 'GET /a 200']] },
      ],
    },
    {
      name: 'backward limit keeps the newest overall',
      query: { query: '{level=~".+"}', limit: '2' },
      expected: [
        { stream: { ...dbLabels, trace_id: 'def' }, values: [[ns(T[3]!), 'deadlock']] },
        { stream: webLabels, values: [[ns(T[4]!, 7), 'POST /c 200']] },
      ],
    },
    {
      name: 'end is exclusive',
      query: { query: '{app="web"}', start: ns(T[0]!), end: ns(T[2]!), direction: 'forward' },
      expected: [{ stream: webLabels, values: [[ns(T[0]!), 'GET /a 200']] }],
    },
    {
      name: 'line filter',
      query: { query: '{app="web"} |= "500"' },
      expected: [{ stream: webLabels, values: [[ns(T[2]!), 'GET /b 500']] }],
    },
  ];
  it.each(cases)('$name (GET and POST agree)', async ({ query, expected }) => {
    const qs = new URLSearchParams(query).toString();
    const a = await get(`/loki/api/v1/query_range?${qs}`);
    const b = await post('/loki/api/v1/query_range', query);
    expect(a.statusCode).toBe(200);
    const sortStreams = (r: { stream: Record<string, string> }[]) => [...r].sort((x, y) => JSON.stringify(x.stream).localeCompare(JSON.stringify(y.stream)));
    expect(sortStreams(a.json().data.result)).toEqual(sortStreams(expected as { stream: Record<string, string> }[]));
    expect(b.json().data.result).toEqual(a.json().data.result);
  });

  it('categorize-labels: indexed labels in stream, metadata in a third element', async () => {
    const res = await get(`/loki/api/v1/query_range?query=${enc('{app="db"}')}&direction=forward`, { 'x-loki-response-encoding-flags': 'categorize-labels' });
    expect(res.statusCode).toBe(200);
    const data = res.json().data;
    expect(data.encodingFlags).toEqual(['categorize-labels']);
    expect(data.result).toEqual([
      {
        stream: dbLabels,
        values: [
          [ns(T[1]!), 'slow query', { structuredMetadata: { trace_id: 'abc' } }],
          [ns(T[3]!), 'deadlock', { structuredMetadata: { trace_id: 'def' } }],
        ],
      },
    ]);
  });

  it('without the flag, structured metadata is part of the stream labels', async () => {
    const res = await get(`/loki/api/v1/query_range?query=${enc('{app="db"}')}&direction=forward`);
    expect(res.json().data.result).toEqual([
      { stream: { ...dbLabels, trace_id: 'abc' }, values: [[ns(T[1]!), 'slow query']] },
      { stream: { ...dbLabels, trace_id: 'def' }, values: [[ns(T[3]!), 'deadlock']] },
    ]);
  });
});

describe('metric queries', () => {
  it('query_range answers a matrix of [seconds, "value"]', async () => {
    const start = (NOW - 10 * MIN) / 1000;
    const res = await get(`/loki/api/v1/query_range?query=${enc('sum(count_over_time({app="web"}[10m]))')}&start=${start}&end=${NOW / 1000}&step=300`);
    expect(res.statusCode).toBe(200);
    const data = res.json().data;
    expect(data.resultType).toBe('matrix');
    // Windows (t − 10m, t]: 11:50 holds T0; 11:55 holds T0, T2, T4; 12:00 no longer T0.
    expect(data.result).toEqual([{ metric: {}, values: [[start, '1'], [start + 300, '3'], [NOW / 1000, '2']] }]);
  });

  it('query answers a vector at time', async () => {
    const res = await post('/loki/api/v1/query', { query: 'count_over_time({level=~".+"}[1h])', time: String(NOW / 1000) });
    expect(res.statusCode).toBe(200);
    const data = res.json().data;
    expect(data.resultType).toBe('vector');
    const byApp = Object.fromEntries(
      (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => [`${r.metric.app}/${r.metric.trace_id ?? ''}`, r.value]),
    );
    expect(byApp).toEqual({ 'web/': [NOW / 1000, '3'], 'db/abc': [NOW / 1000, '1'], 'db/def': [NOW / 1000, '1'] });
  });

  it('query answers a scalar', async () => {
    const res = await get(`/loki/api/v1/query?query=${enc('2 * 3')}&time=${NOW / 1000}`);
    expect(res.json().data).toMatchObject({ resultType: 'scalar', result: [NOW / 1000, '6'] });
  });

  it('the entries limit does not apply to metric queries', async () => {
    const res = await get(`/loki/api/v1/query_range?query=${enc('count_over_time({app="web"}[1m])')}&limit=100000`);
    expect(res.statusCode).toBe(200);
  });
});

describe('400 texts (plain text, as Loki)', () => {
  const cases: { name: string; url: string; status?: number; text: string }[] = [
    { name: 'instant log query', url: `/loki/api/v1/query?query=${enc('{app="web"}')}`, text: 'log queries are not supported as an instant query type, please change your query to a range query type' },
    { name: 'entries limit', url: `/loki/api/v1/query_range?query=${enc('{app="web"}')}&limit=201`, text: 'max entries limit per query exceeded, limit > max_entries_limit_per_query (201 > 200)' },
    { name: 'end before start', url: `/loki/api/v1/query_range?query=${enc('{app="web"}')}&start=20&end=10`, text: 'end timestamp must not be before or equal to start time' },
    {
      name: 'too many points',
      url: `/loki/api/v1/query_range?query=${enc('{app="web"}')}&start=0&end=20000&step=1`,
      text: 'exceeded maximum resolution of 11,000 points per time series. Try increasing the value of the step parameter',
    },
    { name: 'bad start', url: `/loki/api/v1/query_range?query=${enc('{app="web"}')}&start=yesterday`, text: `could not parse 'start' parameter: strconv.ParseInt: parsing "yesterday": invalid syntax` },
    { name: 'bad limit', url: `/loki/api/v1/query_range?query=${enc('{app="web"}')}&limit=-1`, text: 'limit must be a positive value' },
    { name: 'syntax error', url: `/loki/api/v1/query_range?query=${enc('{app="web"')}`, text: 'parse error' },
    { name: 'series with a pipeline', url: `/loki/api/v1/series?match[]=${enc('{app="web"} |= "x"')}`, text: 'only label matchers are supported' },
    { name: 'legacy metric query', url: `/api/prom/query?query=${enc('count_over_time({app="web"}[1m])')}`, text: 'legacy endpoints only support streams result type' },
    { name: 'volume aggregateBy', url: `/loki/api/v1/index/volume?query=${enc('{app="web"}')}&aggregateBy=x`, text: 'invalid aggregation option' },
  ];
  it.each(cases)('$name', async ({ url, status, text }) => {
    const res = await get(url);
    expect(res.statusCode).toBe(status ?? 400);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body).toContain(text);
  });
});

describe('labels, series, stats, volume, format_query', () => {
  const cases: { name: string; url: string; expected: unknown }[] = [
    { name: 'labels', url: '/loki/api/v1/labels', expected: { status: 'success', data: ['app', 'level', 'service_name'] } },
    { name: 'label (alias)', url: '/loki/api/v1/label', expected: { status: 'success', data: ['app', 'level', 'service_name'] } },
    { name: 'labels with a query', url: `/loki/api/v1/labels?query=${enc('{app="web"}')}`, expected: { status: 'success', data: ['app', 'level', 'service_name'] } },
    { name: 'label values', url: '/loki/api/v1/label/app/values', expected: { status: 'success', data: ['db', 'web'] } },
    { name: 'label values with a query', url: `/loki/api/v1/label/app/values?query=${enc('{level="info"}')}`, expected: { status: 'success', data: ['web'] } },
    { name: 'labels outside the window', url: `/loki/api/v1/labels?start=1000&end=2000`, expected: { status: 'success', data: [] } },
    { name: 'series with match[]', url: `/loki/api/v1/series?match[]=${enc('{app="web"}')}`, expected: { status: 'success', data: [webLabels] } },
    { name: 'series with match, two groups', url: `/loki/api/v1/series?match=${enc('{app="web"}')}&match=${enc('{app="db"}')}`, expected: { status: 'success', data: [dbLabels, webLabels] } },
    { name: 'series without match', url: '/loki/api/v1/series', expected: { status: 'success', data: [dbLabels, webLabels] } },
    { name: 'index stats (bare JSON)', url: `/loki/api/v1/index/stats?query=${enc('{app="web"}')}`, expected: { streams: 1, chunks: 0, bytes: 31, entries: 3 } },
    {
      name: 'volume by series (matcher labels only)',
      url: `/loki/api/v1/index/volume?query=${enc('{app=~".+"}')}`,
      expected: {
        status: 'success',
        data: {
          resultType: 'vector',
          result: [
            { metric: { app: 'web' }, value: [NOW / 1000, '31'] },
            { metric: { app: 'db' }, value: [NOW / 1000, '18'] },
          ],
        },
      },
    },
    {
      name: 'volume with targetLabels and limit',
      url: `/loki/api/v1/index/volume?query=${enc('{app=~".+"}')}&targetLabels=level&limit=1`,
      expected: { status: 'success', data: { resultType: 'vector', result: [{ metric: { level: 'info' }, value: [NOW / 1000, '31'] }] } },
    },
    {
      name: 'volume aggregated by labels',
      url: `/loki/api/v1/index/volume?query=${enc('{app="web"}')}&aggregateBy=labels`,
      expected: {
        status: 'success',
        data: {
          resultType: 'vector',
          result: [
            { metric: { app: '' }, value: [NOW / 1000, '31'] },
            { metric: { level: '' }, value: [NOW / 1000, '31'] },
            { metric: { service_name: '' }, value: [NOW / 1000, '31'] },
          ],
        },
      },
    },
    {
      name: 'format_query',
      url: `/loki/api/v1/format_query?query=${enc(UGLY)}`,
      expected: { status: 'success', data: prettifyLogQL(parseLogQL(UGLY)) },
    },
    { name: 'legacy label', url: '/api/prom/label', expected: { values: ['app', 'level', 'service_name'] } },
    { name: 'legacy label values', url: '/api/prom/label/level/values', expected: { values: ['error', 'info'] } },
    { name: 'legacy series', url: `/api/prom/series?match[]=${enc('{app="db"}')}`, expected: { status: 'success', data: [dbLabels] } },
  ];
  it.each(cases)('$name', async ({ url, expected }) => {
    const res = await get(url);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual(expected);
  });

  it('volume_range buckets by step, stamped with the bucket end', async () => {
    const start = (NOW - 10 * MIN) / 1000;
    const res = await get(`/loki/api/v1/index/volume_range?query=${enc('{app="web"}')}&start=${start}&end=${NOW / 1000}&step=120`);
    expect(res.statusCode, res.body).toBe(200);
    const data = res.json().data;
    expect(data.resultType).toBe('matrix');
    // Buckets [11:50, 11:51:59.999], [11:52, …], [11:54, …] hold T0, T2, T4; later ones nothing.
    expect(data.result).toEqual([{ metric: { app: 'web' }, values: [[start + 119.999, '10'], [start + 239.999, '10'], [start + 359.999, '11']] }]);
  });
});

describe('legacy /api/prom/query', () => {
  it('answers the legacy streams shape with RFC3339Nano times', async () => {
    const res = await get(`/api/prom/query?query=${enc('{app="web"}')}&regexp=${enc('GET')}&direction=forward`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.streams).toEqual([
      {
        labels: '{app="web", level="info", service_name="web"}',
        entries: [
          { ts: new Date(T[0]!).toISOString().replace('.000Z', 'Z'), line: 'GET /a 200' },
          { ts: new Date(T[2]!).toISOString().replace('.000Z', 'Z'), line: 'GET /b 500' },
        ],
      },
    ]);
    expect(body.stats.summary).toBeDefined();
  });
});

describe('auth', () => {
  it('401 without a token', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/loki/api/v1/labels', headers: { 'x-scope-orgid': 'dev' } });
    expect(res.statusCode).toBe(401);
  });
  it('403 with a token lacking query_logs', async () => {
    const writer = server.tokens.create({ tenant: 'dev', scopes: 'write' }).token;
    const res = await server.app.inject({ method: 'GET', url: '/loki/api/v1/labels', headers: { 'x-scope-orgid': 'dev', authorization: `Bearer ${writer}` } });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('query_logs');
  });
  it('400 for multiple tenants', async () => {
    const res = await get('/loki/api/v1/labels', { 'x-scope-orgid': 'dev|other' });
    expect(res.statusCode).toBe(400);
  });
});
