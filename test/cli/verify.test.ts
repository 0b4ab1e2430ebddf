// Proves `cairn verify` passes against a live Cairn, serves its counters, and catches a remote-write request or a log push that a fault-injecting proxy drops on the way, naming the gap.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import type { CliIo } from '../../src/cli/http-client.js';
import { verify, type VerifyReport } from '../../src/cli/verify.js';
import { compareCount, compareRange, compareRaw, compareTail, expectedLine, expectedValue } from '../../src/cli/verify-checks.js';
import { parseListen } from '../../src/cli/verify-metrics.js';
import { useCliServer } from '../helpers/cli.js';

const T = 'verify-t';
const cli = useCliServer({ tenant: T, scopes: 'read+write', command: verify });
const { run } = cli;

/**
 * A proxy to the test server that answers the `dropNth` request to `dropPath` with 204
 * without forwarding it: the writer believes the data was stored.
 */
async function faultProxy(dropPath: string, dropNth: number): Promise<{ url: string; server: Server; dropped: () => number }> {
  const upstream = new URL(cli.running.url);
  let seen = 0;
  let dropped = 0;
  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === dropPath && ++seen === dropNth) {
      dropped++;
      req.resume();
      req.on('end', () => res.writeHead(204).end());
      return;
    }
    const up = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', (e) => res.writeHead(502).end(e.message));
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, dropped: () => dropped };
}

const proxies: Server[] = [];
afterEach(async () => {
  for (const s of proxies.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

const FAST = ['--interval', '250ms', '--duration', '1s', '--series', '3', '--lines', '4'];

describe('cairn verify against Cairn', () => {
  it('passes for a few intervals and prints the summary', async () => {
    const r = await run(...FAST, '--run-id', 'ok1');
    expect(r.out).toMatch(/^verify run ok1: \d+ intervals, \d+ writes, \d+ queries: OK\n$/);
    expect(r.code).toBe(0);
  });

  it('passes with --json and counts writes and queries', async () => {
    const r = await run(...FAST, '--run-id', 'ok2', '--json');
    const rep = JSON.parse(r.out) as VerifyReport;
    expect(rep).toMatchObject({ runId: 'ok2', ok: true, mismatches: [] });
    expect(rep.intervals).toBeGreaterThanOrEqual(4);
    expect(rep.writes).toBe(2 * rep.intervals);
    expect(rep.queries).toBe(6 * rep.intervals);
    expect(r.code).toBe(0);
  });

  it('catches a dropped remote-write request and names the gap', async () => {
    const p = await faultProxy('/api/v1/push', 2);
    proxies.push(p.server);
    const r = await run(...FAST, '--run-id', 'drop-rw', '--target', p.url);
    expect(p.dropped()).toBe(1);
    expect(r.code).toBe(1);
    // The second interval's sample of every series is missing, seen as a raw gap and as the lookback's stale value in the range query.
    for (let i = 0; i < 3; i++) {
      expect(r.out).toMatch(new RegExp(`MISMATCH gap \\(raw\\) cairn_verify_sine\\{series="${i}"\\} at \\S+: expected a sample -?[\\d.e-]+, got no sample\\n`));
      expect(r.out).toMatch(new RegExp(`MISMATCH value \\(range\\) cairn_verify_sine\\{series="${i}"\\} step \\S+: expected \\S+, got \\S+ \\(the value of \\S+: a gap filled by the lookback\\)\\n`));
    }
    // Reported once, not again by every later interval; the logs are intact.
    expect(r.out.match(/MISMATCH gap \(raw\)/g)).toHaveLength(3);
    expect(r.out).not.toMatch(/log_/);
    expect(r.out).toMatch(/FAILED \(\d+ findings: .*gap 3/);
  });

  it('catches a dropped log push as a count gap and missing lines', async () => {
    const p = await faultProxy('/loki/api/v1/push', 3);
    proxies.push(p.server);
    const r = await run(...FAST, '--run-id', 'drop-logs', '--target', p.url, '--json');
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.out) as VerifyReport;
    const gaps = rep.mismatches.filter((m) => m.kind === 'gap');
    expect(gaps.some((m) => m.check === 'log_count' && Number(m.got) === Number(m.expected) - 4)).toBe(true);
    expect(gaps.filter((m) => m.check === 'log_tail').map((m) => m.expected)).toEqual(expect.arrayContaining(['"verify line 8"', '"verify line 11"']));
    expect(rep.mismatches.every((m) => m.check.startsWith('log_'))).toBe(true);
  });

  it('reports refused writes and failed queries', async () => {
    const r = await run(...FAST, '--duration', '100ms', '--token', 'not-a-token', '--json');
    expect(r.code).toBe(1);
    const kinds = (JSON.parse(r.out) as VerifyReport).mismatchesByKind;
    expect(kinds.write_error).toBeGreaterThan(0);
    expect(kinds.query_error).toBeGreaterThan(0);
  });

  it('writes to --write-path and queries --prom-api', async () => {
    const r = await run(...FAST, '--duration', '100ms', '--write-path', '/api/v1/write', '--prom-api', '/api/v1', '--no-logs', '--json');
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.out) as VerifyReport;
    expect(rep.mismatches.map((m) => `${m.kind} ${m.detail.split(' ')[0]!} ${m.got.slice(0, 3)}`)).toEqual(expect.arrayContaining(['write_error POST 404', 'query_error /api/v1/query 404']));
  });

  it('serves its counters on --metrics-listen while running', async () => {
    let scraped = '';
    let metricsUrl = '';
    const io: CliIo = {
      stdout: () => undefined,
      stderr: (s) => {
        metricsUrl = /metrics on (\S+)/.exec(s)?.[1] ?? metricsUrl;
      },
      env: { CAIRN_ADDRESS: cli.running.url, CAIRN_TENANT: T, CAIRN_TOKEN: cli.token },
      fetch: globalThis.fetch,
    };
    const done = verify([...FAST, '--duration', '750ms', '--metrics-listen', '127.0.0.1:0'], io);
    await new Promise((r) => setTimeout(r, 600));
    scraped = await (await fetch(metricsUrl)).text();
    expect(await done).toBe(0);
    expect(scraped).toMatch(/cairn_verify_writes_total\{signal="metrics",result="ok"\} [1-9]/);
    expect(scraped).toMatch(/cairn_verify_queries_total\{check="raw",result="ok"\} [1-9]/);
    expect(scraped).toContain('# TYPE cairn_verify_mismatches_total counter');
  });

  it.each([
    [['--interval', '5ms', '--lines', '5'], '--lines must be fewer than the milliseconds of --interval'],
    [['--no-logs', '--no-metrics'], 'leave nothing to verify'],
    [['--duration', 'soon'], '--duration must be a duration'],
  ])('refuses %j', async (argv, msg) => {
    await expect(run(...argv)).rejects.toThrow(UsageError);
    await expect(run(...argv)).rejects.toThrow(msg);
  });
});

describe('verify comparisons', () => {
  const w = (tMs: number, ok = true) => ({ tMs, ok });
  const s = (i: number, tMs: number, v = expectedValue(i, tMs)): [number, string] => [tMs / 1000, String(v)];

  it.each([
    ['all present', [w(1000), w(2000)], [s(0, 1000), s(0, 2000)], []],
    ['a gap', [w(1000), w(2000)], [s(0, 1000)], ['gap']],
    ['a refused write may be absent', [w(1000), w(2000, false)], [s(0, 1000)], []],
    ['a duplicate', [w(1000)], [s(0, 1000), s(0, 1000)], ['duplicate']],
    ['an unexpected sample', [w(1000)], [s(0, 1000), s(0, 1500)], ['unexpected']],
    ['a wrong value', [w(1000)], [s(0, 1000, 42)], ['value']],
  ])('raw samples: %s', (_name, writes, got, kinds) => {
    expect(compareRaw(0, writes, got).map((m) => m.kind)).toEqual(kinds);
  });

  it('range points name the stale value a gap leaves', () => {
    const [m] = compareRange(1, [w(10_000), w(15_000)], [s(1, 10_000), [15, String(expectedValue(1, 10_000))]]);
    expect(m).toMatchObject({ kind: 'value', check: 'range' });
    expect(m!.got).toContain('(the value of 1970-01-01T00:00:10.000Z: a gap filled by the lookback)');
  });

  it('log counts and tails', () => {
    const lines = [0, 1, 2, 3].map((n) => ({ n, tNs: BigInt(n) * 1_000_000n, ok: n !== 3 }));
    expect(compareCount(lines, 3)).toEqual([]);
    expect(compareCount(lines, 4)).toEqual([]);
    expect(compareCount(lines, 2)[0]).toMatchObject({ kind: 'gap', expected: '3..4', got: '2' });
    expect(compareCount(lines.slice(0, 3), 5)[0]).toMatchObject({ kind: 'duplicate', expected: '3' });
    const e = (n: number): [string, string] => [String(n * 1_000_000), expectedLine(n)];
    expect(compareTail(lines, 3, [e(2), e(1)])).toEqual([]);
    expect(compareTail(lines, 3, [e(2)]).map((m) => [m.kind, m.expected])).toEqual([['gap', '"verify line 1"']]);
    expect(compareTail(lines, 3, [e(2), e(2), e(1)]).map((m) => m.kind)).toEqual(['duplicate']);
    expect(compareTail(lines, 3, [e(1), e(2)]).map((m) => m.detail)).toEqual(['order of a backward query']);
    expect(compareTail(lines, 3, [e(2), e(1), ['5', 'other']]).map((m) => m.kind)).toEqual(['unexpected']);
  });

  it('parses listen addresses', () => {
    expect(parseListen(':9900')).toEqual({ host: '0.0.0.0', port: 9900 });
    expect(parseListen('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(() => parseListen('nope')).toThrow(UsageError);
  });
});
