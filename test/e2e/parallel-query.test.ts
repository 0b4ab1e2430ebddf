// Proves `querier.query_threads` as an operator runs it: two real servers loaded with the
// same node-exporter-like data over HTTP, one answering on its main thread only and one
// with two query worker threads, give the same range and instant answers to the queries
// Grafana dashboards ask most (aggregated rates, histogram quantiles), and the threaded one
// shows on /metrics that it split them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type EmbeddedServer } from 'cairn';
import { prepareWorkload } from '../../src/cli/bench/gen-metrics.js';
import { pushRemoteWrite } from '../helpers/embedded.js';

const END = Math.floor(Date.now() / 1000) * 1000 - 60_000;
const STEP_S = 20;
let single: EmbeddedServer;
let threaded: EmbeddedServer;

interface Answer {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; values?: [number, string][]; value?: [number, string] }[] };
}

async function query(s: EmbeddedServer, path: string, status = 200): Promise<Answer> {
  const res = await fetch(`${s.url}/prometheus/api/v1/${path}`, { headers: { 'x-scope-orgid': s.tenant, authorization: `Bearer ${s.tokens.readWrite}` } });
  const body = (await res.json()) as Answer;
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body;
}

/** `cairn_promql_parallel_shares_total` on the server's /metrics (NaN when absent). */
async function shares(s: EmbeddedServer): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  return Number(/^cairn_promql_parallel_shares_total (\S+)$/m.exec(text)?.[1] ?? 'NaN');
}

/** The answer with values to 12 significant digits: the shares add in another order. */
function rounded(a: Answer): unknown {
  const r = (v: string): string => (Number.isFinite(Number(v)) ? Number(v).toPrecision(12) : v);
  return a.data.result.map((s) => ({ metric: s.metric, values: s.values?.map(([t, v]) => [t, r(v)]), value: s.value === undefined ? undefined : [s.value[0], r(s.value[1])] }));
}

beforeAll(async () => {
  [single, threaded] = await Promise.all([
    startServer({ config: { 'limits.ingestion_rate': 0, 'querier.query_threads': 0 } }),
    startServer({ config: { 'limits.ingestion_rate': 0, 'querier.query_threads': 2 } }),
  ]);
  // 6 000 series × 120 scrapes 15 s apart: a 30-minute dashboard range reads enough to split.
  const w = prepareWorkload({ name: 'parallel', series: 6000, samplesPerSeries: 120 }, 1, END);
  await Promise.all([pushRemoteWrite(single, w.shards[0]!), pushRemoteWrite(threaded, w.shards[0]!)]);
}, 60_000);

afterAll(async () => {
  await Promise.all([single?.stop(), threaded?.stop()]);
});

describe('querier.query_threads', () => {
  const start = (END - 90 * STEP_S * 1000) / 1000;
  const end = END / 1000;
  const queries = [
    'sum by (mode) (rate(node_cpu_seconds_total[5m]))',
    'histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))',
    'max by (instance) (avg_over_time(node_cpu_seconds_total[10m]))',
    'count by (mode) (increase(node_cpu_seconds_total[5m] offset 1m))',
  ];

  it.each(queries)('answers %s as the main thread does', async (q) => {
    const range = `query_range?query=${encodeURIComponent(q)}&start=${start}&end=${end}&step=${STEP_S}`;
    const a = await query(single, range);
    const before = await shares(threaded);
    const b = await query(threaded, range);
    expect(await shares(threaded)).toBeGreaterThan(before);
    expect(a.status).toBe('success');
    expect(a.data.result.length).toBeGreaterThan(0);
    expect(rounded(b)).toEqual(rounded(a));
    const instant = `query?query=${encodeURIComponent(q)}&time=${end}`;
    expect(rounded(await query(threaded, instant))).toEqual(rounded(await query(single, instant)));
  });

  it('writes a big range answer on the workers, byte for byte as the main thread writes it', async () => {
    // Every series at 91 steps: over 200 000 points, which the threaded server formats on its workers.
    const range = `query_range?query=${encodeURIComponent('{__name__=~".+"}')}&start=${start}&end=${end}&step=${STEP_S}`;
    // Identity, so that Content-Length counts the bytes compared (fetch would ask for gzip and decode it).
    const get = (s: EmbeddedServer) =>
      fetch(`${s.url}/prometheus/api/v1/${range}`, { headers: { 'x-scope-orgid': s.tenant, authorization: `Bearer ${s.tokens.readWrite}`, 'accept-encoding': 'identity' } });
    const a = await get(single);
    const before = await shares(threaded);
    const b = await get(threaded);
    expect(await shares(threaded)).toBeGreaterThan(before);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.headers.get('content-type')).toBe(a.headers.get('content-type'));
    const [want, got] = [Buffer.from(await a.arrayBuffer()), Buffer.from(await b.arrayBuffer())];
    expect(Number(b.headers.get('content-length'))).toBe(got.length);
    expect(got.equals(want)).toBe(true);
    const points = (JSON.parse(got.toString()) as Answer).data.result.reduce((n, s) => n + s.values!.length, 0);
    expect(points).toBeGreaterThan(200_000);
  });

  it('fails as the main thread does when dropping the metric name leaves two series alike', async () => {
    // rate() drops __name__: a histogram's _sum and _count series become one label set.
    const q = 'sum(rate({__name__=~"http_request_duration_seconds_(bucket|sum|count)"}[5m]))';
    const range = `query_range?query=${encodeURIComponent(q)}&start=${start}&end=${end}&step=${STEP_S}`;
    const a = await query(single, range, 422);
    expect(a).toMatchObject({ status: 'error', errorType: 'execution', error: 'vector cannot contain metrics with the same labelset' });
    const before = await shares(threaded);
    expect(await query(threaded, range, 422)).toEqual(a);
    expect(await shares(threaded)).toBeGreaterThan(before);
  });

  it('times out and is cancelled cleanly while shares run, and keeps answering', async () => {
    const q = 'sum by (mode) (rate(node_cpu_seconds_total[5m]))';
    const range = `query_range?query=${encodeURIComponent(q)}&start=${start}&end=${end}&step=${STEP_S}`;
    // A deadline that passes while shares run: the merge stops and the shares still on the
    // workers finish unread. The shortest one that let shares leave is searched for.
    let timedOutWithShares = false;
    for (const ms of [1, 2, 3, 5, 8, 13, 20, 30]) {
      const before = await shares(threaded);
      const res = await fetch(`${threaded.url}/prometheus/api/v1/${range}&timeout=${ms}ms`, { headers: { 'x-scope-orgid': threaded.tenant, authorization: `Bearer ${threaded.tokens.readWrite}` } });
      const body = (await res.json()) as { errorType?: string };
      if (res.status === 503) expect(body.errorType).toBe('timeout');
      else expect(res.status).toBe(200);
      if (res.status === 503 && (await shares(threaded)) > before) {
        timedOutWithShares = true;
        break;
      }
    }
    expect(timedOutWithShares).toBe(true);
    // A client that goes away mid-query.
    const gone = new AbortController();
    const pending = fetch(`${threaded.url}/prometheus/api/v1/${range}`, { headers: { 'x-scope-orgid': threaded.tenant, authorization: `Bearer ${threaded.tokens.readWrite}` }, signal: gone.signal });
    gone.abort();
    await expect(pending).rejects.toThrow();
    // Whatever was in flight, the next answers are whole and right.
    const want = rounded(await query(single, range));
    for (let i = 0; i < 3; i++) expect(rounded(await query(threaded, range))).toEqual(want);
  });

  it('has no share counter without worker threads', async () => {
    expect(Number.isNaN(await shares(single))).toBe(true);
  });
});
