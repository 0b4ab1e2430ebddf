// Proves `cairn bench query` runs PromQL and LogQL sets against a live server with concurrency and reports per-query latency numbers and errors by status.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { benchQuery, planQueries, type BenchQueryReport } from '../../src/cli/bench/query.js';
import { parseQueryFile } from '../../src/cli/bench/query-builtin.js';
import { useCliServer } from '../helpers/cli.js';

const cli = useCliServer({ tenant: 'bench-q', scopes: 'read+write', command: benchQuery });
const { run, file } = cli;

describe('cairn bench query', () => {
  it('runs the builtin PromQL set as instant queries and reports each query', async () => {
    const r = await run('--queries', 'builtin', '--concurrency', '3', '--iterations', '2', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.out) as BenchQueryReport;
    expect(rep.lang).toBe('promql');
    expect(rep.requests).toBe(12);
    expect(rep.errors).toBe(0);
    expect(rep.queries).toHaveLength(6);
    for (const q of rep.queries) {
      expect(q).toMatchObject({ kind: 'instant', count: 2, errors: {} });
      expect(q.p50Ms).toBeGreaterThan(0);
      expect(q.maxMs).toBeGreaterThanOrEqual(q.p99Ms);
      expect(q.p99Ms).toBeGreaterThanOrEqual(q.p50Ms);
    }
    expect(rep.queriesPerSecond).toBeGreaterThan(0);
  });

  it('runs a query file as range queries for a duration and prints a table', async () => {
    const f = file('q.promql', '# cpu\nsum(rate(node_cpu_seconds_total[5m]))\n\nup\n');
    const r = await run('--queries', f, '--range', '10m', '--step', '30s', '--duration', '300ms', '--concurrency', '2');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^QUERY\s+KIND\s+COUNT\s+P50\s+P99\s+MAX\s+ERRORS$/);
    expect(lines[1]).toMatch(/^sum\(rate\(node_cpu_seconds_total\[5m\]\)\)\s+range\s+\d+\s+[\d.]+ms/);
    expect(lines[2]).toMatch(/^up\s+range\s+\d+\s/);
    expect(r.out).toMatch(/\d+ promql queries in 0\.\d\ds at concurrency 2: [\d.]+ queries\/s, 0 errors\n$/);
  });

  it('runs LogQL, log queries as range queries, and counts errors by status', async () => {
    const f = file('q.logql', 'sum(count_over_time({job="x"}[5m]))\n{job="x"} |= "error"\n{job="x"} | bad syntax(\n');
    const r = await run('--queries', f, '--lang', 'logql', '--iterations', '3', '--json');
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.out) as BenchQueryReport;
    expect(rep.queries.map((q) => [q.kind, q.count, q.errors])).toEqual([
      ['instant', 3, {}],
      ['range', 3, {}],
      ['instant', 3, { '400': 3 }],
    ]);
    expect(rep.errors).toBe(3);
  });

  it('sends to --api-prefix (Prometheus serves PromQL at /api/v1)', async () => {
    const r = await run('--queries', 'builtin', '--api-prefix', '/api/v1', '--iterations', '1', '--json');
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.out) as BenchQueryReport;
    expect(rep.queries.every((q) => q.errors['404'] === 1)).toBe(true);
  });

  it('asks for identity encoding unless --accept-encoding says otherwise', async () => {
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers['accept-encoding']);
      res.setHeader('content-type', 'application/json');
      res.end('{"status":"success","data":{"resultType":"vector","result":[]}}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect((await run('--target', target, '--queries', 'builtin', '--iterations', '1', '--json')).code).toBe(0);
      expect((await run('--target', target, '--queries', 'builtin', '--iterations', '1', '--accept-encoding', 'gzip', '--json')).code).toBe(0);
    } finally {
      server.close();
    }
    expect(seen).toEqual([...Array<string>(6).fill('identity'), ...Array<string>(6).fill('gzip')]);
  });

  it('reports an unreachable target as network errors', async () => {
    const r = await run('--target', 'http://127.0.0.1:1', '--queries', 'builtin', '--iterations', '1', '--json');
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.out) as BenchQueryReport;
    expect(rep.queries.every((q) => q.errors.network === 1)).toBe(true);
  });

  it.each([
    [['--iterations', '1'], '--queries FILE|builtin is required'],
    [['--queries', 'builtin', '--lang', 'sql'], '--lang must be promql or logql, got sql'],
    [['--queries', 'builtin', '--duration', '1s', '--iterations', '2'], 'give --duration or --iterations, not both'],
    [['--queries', 'builtin', '--step', '1m'], '--step needs --range'],
    [['--queries', 'builtin', '--concurrency', '0'], '--concurrency must be an integer >= 1'],
  ])('refuses %j', async (argv, msg) => {
    await expect(run(...argv)).rejects.toThrow(UsageError);
    await expect(run(...argv)).rejects.toThrow(msg);
  });
});

describe('query planning', () => {
  it('reads query files and picks endpoints', () => {
    expect(parseQueryFile('# a\n  up  \n\n#b\nrate(x[1m])\n')).toEqual(['up', 'rate(x[1m])']);
    expect(planQueries(['up'], 'promql', undefined, undefined)[0]).toMatchObject({ kind: 'instant', path: '/prometheus/api/v1/query' });
    expect(planQueries(['up'], 'promql', 3_600_000, 60_000)[0]).toMatchObject({ kind: 'range', path: '/prometheus/api/v1/query_range', params: { step: '60' } });
    expect(planQueries(['{a="b"}'], 'logql', undefined, undefined)[0]).toMatchObject({ kind: 'range', path: '/loki/api/v1/query_range', params: { limit: '100' } });
    expect(planQueries(['rate({a="b"}[1m])'], 'logql', undefined, undefined)[0]).toMatchObject({ kind: 'instant', path: '/loki/api/v1/query' });
  });
});
