// Proves `cairn bench metrics` loads a live Cairn over loopback: the report's numbers come out, the series are in the store afterwards, churn makes new series, and a token without the write scope shows as counted 403s.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { bench } from '../../src/cli/bench/bench.js';
import { LatencyHistogram } from '../../src/cli/bench/common.js';
import { useCliServer } from '../helpers/cli.js';

const T = 'bench-metrics';
const cli = useCliServer({ tenant: T, scopes: 'write_metrics,query_metrics', command: bench });

/** An instant PromQL query's single scalar-ish result, as a number (0 when empty). */
async function instant(query: string): Promise<number> {
  const res = await fetch(`${cli.running.url}/prometheus/api/v1/query?query=${encodeURIComponent(query)}`, { headers: { authorization: `Bearer ${cli.token}`, 'x-scope-orgid': T } });
  const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
  expect(res.status).toBe(200);
  return Number(body.data.result[0]?.value[1] ?? 0);
}

interface MetricsReport {
  kind: string;
  samples: number;
  samplesPerSecond: number;
  seriesCreated: number;
  requests: number;
  okRequests: number;
  failedRequests: number;
  retries: number;
  errorsByStatus: Record<string, number>;
  latency: { count: number; p50Ms: number; p99Ms: number; maxMs: number };
  generator: { runCpuSeconds: number; wallSeconds: number; prefillRequests: number };
}

describe('cairn bench metrics', () => {
  it('sends the bounded workload and every series lands', async () => {
    const r = await cli.run('metrics', '--series', '300', '--samples-per-series', '5', '--batch', '200', '--concurrency', '3', '--json');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const rep = JSON.parse(r.out) as MetricsReport;
    expect(rep).toMatchObject({ kind: 'metrics', samples: 1500, seriesCreated: 300, failedRequests: 0, retries: 0, errorsByStatus: {} });
    // 100 series per shard, 2 samples each per request of 200: 8 requests, then the last 100 samples as one sample per series.
    expect(rep.okRequests).toBe(rep.requests);
    expect(rep.samplesPerSecond).toBeGreaterThan(0);
    expect(rep.latency.count).toBe(rep.requests);
    expect(rep.latency.p50Ms).toBeGreaterThan(0);
    expect(rep.latency.p99Ms).toBeLessThanOrEqual(rep.latency.maxMs);
    expect(rep.generator.prefillRequests).toBe(rep.requests);
    expect(rep.generator.wallSeconds).toBeGreaterThan(0);
    expect(await instant('count({job="node"})')).toBe(300);
    expect(await instant('count(node_cpu_seconds_total)')).toBe(32 * 3);
    // Histogram-like buckets stay cumulative: +Inf holds at least every other bucket's count.
    expect(await instant('count(http_request_duration_seconds_bucket{le="0.1"} > on (instance, handler) group_left http_request_duration_seconds_bucket{le="+Inf"})')).toBe(0);
  });

  it('churns series: replaced instances are new series', async () => {
    // 10 series on 1 shard, one sample each per request; churn 0.5 replaces each series every 2 samples: 4 samples → 3 generations.
    const r = await cli.run('metrics', '--series', '10', '--total', '40', '--batch', '10', '--concurrency', '1', '--churn', '0.5', '--json');
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.out) as MetricsReport;
    expect(rep).toMatchObject({ samples: 40, seriesCreated: 30, requests: 4 });
    // The first test's hosts are host-0..host-2; churned generations have a -gN instance.
    expect(await instant('count({job="node", instance=~"host-0-g[12].*"})')).toBe(20);
  });

  it('prints a text report and runs for a duration', async () => {
    const r = await cli.run('metrics', '--series', '50', '--duration', '300ms', '--batch', '50', '--concurrency', '2', '--path', '/api/v1/push');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^cairn bench metrics → http:\/\/127\.0\.0\.1:\d+\/api\/v1\/push\n/);
    expect(r.out).toMatch(/samples\/s\s+\S+/);
    expect(r.out).toMatch(/latency\s+p50 [\d.]+m?s {2}p90 .* p99 .* max /);
    expect(r.out).toMatch(/generator CPU\s+[\d.]+s over [\d.]+s wall/);
    // Not a TTY: plain progress lines at most every 5 s, none in a 300 ms run.
    expect(r.err).toBe('');
  });

  it('counts refused requests by status when the token lacks the write scope', async () => {
    const readOnly = cli.running.tokens.create({ tenant: T, scopes: 'query_metrics' }).token;
    const r = await cli.run('metrics', '--token', readOnly, '--series', '20', '--samples-per-series', '2', '--batch', '20', '--concurrency', '1', '--json');
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.out) as MetricsReport;
    expect(rep).toMatchObject({ samples: 0, requests: 2, okRequests: 0, failedRequests: 2, retries: 0, errorsByStatus: { '403': 2 } });
  });

  it('retries 429 and 5xx, then succeeds, and counts the retries', async () => {
    // A target that refuses each request's first two attempts (429, then 503).
    let attempts = 0;
    const srv = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const n = attempts++ % 3;
        res.statusCode = n === 0 ? 429 : n === 1 ? 503 : 204;
        res.end(n === 2 ? '' : 'slow down');
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const port = (srv.address() as AddressInfo).port;
      const r = await cli.run('metrics', '--target', `http://127.0.0.1:${port}`, '--series', '10', '--samples-per-series', '2', '--batch', '10', '--concurrency', '1', '--json');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ samples: 20, requests: 2, okRequests: 2, retries: 4, errorsByStatus: {}, latency: { count: 6 } });
    } finally {
      srv.close();
    }
  });

  it('gives up after bounded retries and counts the failure', async () => {
    // Nothing listens on port 1 of 127.0.0.1: a connection error, retried 3 times, then counted as status 0.
    const r = await cli.run('metrics', '--target', 'http://127.0.0.1:1', '--series', '5', '--samples-per-series', '1', '--concurrency', '1', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ requests: 1, retries: 3, errorsByStatus: { '0': 1 } });
  });

  it.each([
    { name: 'duration with total', argv: ['--duration', '1s', '--total', '5'], error: '--duration and --total are exclusive' },
    { name: 'bad churn', argv: ['--churn', '2'], error: '--churn must be a fraction' },
    { name: 'bad series', argv: ['--series', '0'], error: '--series must be an integer >= 1' },
    { name: 'bad header', argv: ['--header', 'nocolon'], error: "--header must be 'Name: value'" },
    { name: 'bad target', argv: ['--target', 'ftp://x'], error: '--target must be an http(s) URL' },
  ])('refuses $name', async ({ argv, error }) => {
    await expect(cli.run('metrics', ...argv)).rejects.toThrow(UsageError);
    await expect(cli.run('metrics', ...argv)).rejects.toThrow(error);
  });
});

describe('LatencyHistogram', () => {
  it.each([
    { name: 'empty', values: [], q: 0.5, expected: 0 },
    { name: 'one value', values: [12.5], q: 0.99, expected: 12.5 },
    { name: 'median of 1..100', values: Array.from({ length: 100 }, (_, i) => i + 1), q: 0.5, expected: 50 },
    { name: 'p99 of 1..1000', values: Array.from({ length: 1000 }, (_, i) => i + 1), q: 0.99, expected: 990 },
  ])('$name: q$q within 1%', ({ values, q, expected }) => {
    const h = new LatencyHistogram();
    for (const v of values) h.record(v);
    expect(Math.abs(h.quantile(q) - expected)).toBeLessThanOrEqual(expected * 0.01);
    expect(h.max).toBe(values.length === 0 ? 0 : Math.max(...values));
  });
});
