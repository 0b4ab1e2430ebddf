// Proves `cairn bench logs` loads a live Cairn over loopback in both push formats: the report's numbers come out, every line and stream is in the store afterwards, and a token without the write scope shows as counted 403s.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { bench } from '../../src/cli/bench/bench.js';
import { useCliServer } from '../helpers/cli.js';

const T = 'bench-logs';
const cli = useCliServer({ tenant: T, scopes: 'write_logs,query_logs', command: bench });

/**
 * An instant LogQL metric query's first value (0 when empty), evaluated a minute ahead: a
 * pass's last entries may overshoot its minute by a few gaps.
 */
async function instant(query: string): Promise<number> {
  const time = (Date.now() + 60_000) / 1000;
  const res = await fetch(`${cli.running.url}/loki/api/v1/query?time=${time}&query=${encodeURIComponent(query)}`, { headers: { authorization: `Bearer ${cli.token}`, 'x-scope-orgid': T } });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  const body = JSON.parse(text) as { data: { result: { value: [number, string] }[] } };
  return Number(body.data.result[0]?.value[1] ?? 0);
}

interface LogsReport {
  kind: string;
  passes: number;
  lines: number;
  linesPerSecond: number;
  lineBytes: number;
  MBPerSecond: number;
  wireBytes: number;
  requests: number;
  okRequests: number;
  failedRequests: number;
  errorsByStatus: Record<string, number>;
  latency: { count: number; p50Ms: number; p99Ms: number; maxMs: number };
  generator: { runCpuSeconds: number; wallSeconds: number };
}

describe('cairn bench logs', () => {
  it.each([{ format: 'proto' }, { format: 'json' }])('pushes the corpus as $format and every line lands', async ({ format }) => {
    const before = await instant('sum(count_over_time({cluster=~".+"}[10m]))');
    const r = await cli.run('logs', '--streams', '20', '--lines', '2000', '--batch-bytes', '16384', '--format', format, '--concurrency', '3', '--json', '--seed', format === 'json' ? '7' : '8');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const rep = JSON.parse(r.out) as LogsReport;
    expect(rep).toMatchObject({ kind: 'logs', passes: 1, failedRequests: 0, errorsByStatus: {} });
    // The corpus rounds each stream's share: about 2000 lines.
    expect(rep.lines).toBeGreaterThan(1900);
    expect(rep.lines).toBeLessThan(2100);
    expect(rep.requests).toBeGreaterThan(5);
    expect(rep.lineBytes).toBeGreaterThan(16384 * 5);
    expect(rep.linesPerSecond).toBeGreaterThan(0);
    expect(rep.MBPerSecond).toBeGreaterThan(0);
    expect(rep.latency.count).toBe(rep.requests);
    expect(rep.latency.p99Ms).toBeLessThanOrEqual(rep.latency.maxMs);
    expect((await instant('sum(count_over_time({cluster=~".+"}[10m]))')) - before).toBe(rep.lines);
    expect(await instant('sum(bytes_over_time({cluster=~".+"}[10m]))')).toBeGreaterThanOrEqual(rep.lineBytes);
  });

  it('keeps pushing fresh passes for a duration, with a text report', async () => {
    const r = await cli.run('logs', '--streams', '10', '--lines', '200', '--batch-bytes', '4096', '--duration', '400ms', '--concurrency', '2');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^cairn bench logs → http:\/\/127\.0\.0\.1:\d+\/loki\/api\/v1\/push\n/);
    expect(r.out).toMatch(/corpus\s+200 lines per pass, \d+ passes encoded/);
    expect(r.out).toMatch(/line bytes\s+[\d.]+ MB \([\d.]+ MB\/s\)/);
    expect(r.out).toMatch(/errors|requests\s+\d+ \(\d+ ok, 0 failed\)/);
    const passes = Number(/(\d+) passes encoded/.exec(r.out)![1]);
    expect(passes).toBeGreaterThan(1);
  });

  it('counts refused requests by status when the token lacks the write scope', async () => {
    const readOnly = cli.running.tokens.create({ tenant: T, scopes: 'query_logs' }).token;
    const r = await cli.run('logs', '--token', readOnly, '--streams', '5', '--lines', '100', '--batch-bytes', '100000', '--concurrency', '1', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ lines: 0, requests: 1, failedRequests: 1, retries: 0, errorsByStatus: { '403': 1 } });
  });

  it.each([
    { name: 'bad format', argv: ['--format', 'xml'], error: '--format must be proto or json' },
    { name: 'fewer lines than streams', argv: ['--streams', '10', '--lines', '5'], error: '--lines (5) must be at least --streams (10)' },
    { name: 'bad duration', argv: ['--duration', 'soon'], error: '--duration must be a duration' },
  ])('refuses $name', async ({ argv, error }) => {
    await expect(cli.run('logs', ...argv)).rejects.toThrow(UsageError);
    await expect(cli.run('logs', ...argv)).rejects.toThrow(error);
  });
});
