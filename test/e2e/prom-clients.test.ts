// Real Prometheus tools against a live Cairn over loopback: promtool's query subcommands
// with basic auth in the URL (tenant:token), and a real Prometheus whose remote_read points
// at Cairn answering a query for data only Cairn has. Skipped, with the reason printed,
// where Debian's prometheus package is not installed.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type EmbeddedServer } from '../../src/index.js';
import { writeRequestBody } from '../helpers/remote-write.js';
import { tempDir } from '../helpers/server.js';

const which = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();
const promtool = which('promtool');
const prometheus = which('prometheus');
if (promtool === '') console.log('SKIPPED promtool tests in test/e2e/prom-clients.test.ts: promtool is not installed (apt-get install prometheus; .ci/run does it)');
if (prometheus === '') console.log('SKIPPED remote_read test in test/e2e/prom-clients.test.ts: prometheus is not installed (apt-get install prometheus; .ci/run does it)');

// Recent enough for Prometheus's remote read and Cairn's head; whole seconds for promtool output.
const NOW = Math.floor(Date.now() / 1000) * 1000;
let cairn: EmbeddedServer;
let base: string;

beforeAll(async () => {
  cairn = await startServer({ dataDir: tempDir() });
  const series = [
    { labels: { __name__: 'only_in_cairn', job: 'e2e', instance: 'x:1' }, samples: Array.from({ length: 10 }, (_, i) => [NOW - (9 - i) * 15_000, i] as [number, number]) },
    { labels: { __name__: 'only_in_cairn', job: 'e2e', instance: 'y:1' }, samples: [[NOW, 42]] as [number, number][] },
  ];
  const res = await fetch(`${cairn.url}/api/v1/push`, {
    method: 'POST',
    headers: { 'x-scope-orgid': cairn.tenant, authorization: `Bearer ${cairn.tokens.readWrite}`, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    body: writeRequestBody(series),
  });
  expect(res.status).toBe(200);
  const u = new URL(cairn.url);
  base = `http://${cairn.tenant}:${cairn.tokens.readWrite}@${u.host}/prometheus`;
});
afterAll(async () => {
  await cairn.stop();
});

/** Runs promtool without blocking the event loop: the server under test lives in this process. */
const run = (args: string[]): Promise<{ code: number | null; out: string; err: string }> =>
  new Promise((resolve) => {
    const child = spawn(promtool, args, { timeout: 20_000 });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });

describe.skipIf(promtool === '')('promtool 2.42', () => {
  it('query instant', async () => {
    const r = await run(['query', 'instant', '--time', String(NOW / 1000), base, 'only_in_cairn{instance="y:1"}']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`only_in_cairn{instance="y:1", job="e2e"} => 42 @[${NOW / 1000}]`);
  });

  it('query range', async () => {
    const r = await run(['query', 'range', '--start', String((NOW - 30_000) / 1000), '--end', String(NOW / 1000), '--step', '15s', base, 'sum(only_in_cairn)']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('{} =>');
    expect(r.out).toContain(`51 @[${NOW / 1000}]`);
  });

  it('query series', async () => {
    const r = await run(['query', 'series', '--match', 'only_in_cairn', base]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('{__name__="only_in_cairn", instance="x:1", job="e2e"}');
    expect(r.out).toContain('{__name__="only_in_cairn", instance="y:1", job="e2e"}');
  });

  it('query labels', async () => {
    const r = await run(['query', 'labels', base, 'instance']);
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim().split('\n')).toEqual(['x:1', 'y:1']);
  });

  it('query range of a multi-megabyte answer (Go asks for gzip; Cairn sends one member cut in pieces)', async () => {
    // Go's HTTP client always sends Accept-Encoding: gzip and decodes transparently, so this
    // is promtool reading the parallel-piece gzip of util/gzip-pieces.ts (the answer is over
    // 1 MiB, which is cut in pieces).
    const series = Array.from({ length: 2000 }, (_, i) => ({
      labels: { __name__: 'many_in_cairn', job: 'e2e', instance: `host-${i}.example.internal:9100` },
      samples: Array.from({ length: 41 }, (_, k) => [NOW - (40 - k) * 15_000, i * 1000 + k + 0.25] as [number, number]),
    }));
    const res = await fetch(`${cairn.url}/api/v1/push`, {
      method: 'POST',
      headers: { 'x-scope-orgid': cairn.tenant, authorization: `Bearer ${cairn.tokens.readWrite}`, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      body: writeRequestBody(series),
    });
    expect(res.status, await res.text()).toBe(200);
    const r = await run(['query', 'range', '--start', String((NOW - 600_000) / 1000), '--end', String(NOW / 1000), '--step', '15s', base, 'many_in_cairn']);
    expect(r.code, r.err).toBe(0);
    expect(r.out.split(' =>').length - 1).toBe(2000);
    expect(r.out).toContain(`1999040.25 @[${NOW / 1000}]`);
    expect(r.out.length).toBeGreaterThan(1_500_000);
  });

  it('fails clearly with a wrong token', async () => {
    const u = new URL(cairn.url);
    const r = await run(['query', 'instant', `http://${cairn.tenant}:wrong@${u.host}/prometheus`, 'up']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/401|unauthorized|Unauthorized/i);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(prometheus === '')('Prometheus 2.42 remote_read', () => {
  it('answers a query for data only Cairn has, from the head and from a block', async () => {
    const dir = tempDir();
    const port = await freePort();
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:
  scrape_interval: 1m
remote_read:
  - url: ${cairn.url}/prometheus/api/v1/read
    read_recent: true
    basic_auth:
      username: ${cairn.tenant}
      password: ${cairn.tokens.readWrite}
`,
    );
    const prom = spawn(prometheus, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`]);
    let log = '';
    prom.stderr.on('data', (d: Buffer) => (log += d.toString()));
    try {
      const url = `http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent('sum(only_in_cairn)')}&time=${NOW / 1000}`;
      let body: { status: string; data?: { result: { value: [number, string] }[] } } | undefined;
      for (let i = 0; i < 60 && body?.data?.result.length !== 1; i++) {
        await new Promise((r) => setTimeout(r, 250));
        try {
          body = (await (await fetch(url)).json()) as typeof body;
        } catch {
          // not listening yet
        }
      }
      expect(body?.data?.result, `prometheus log:\n${log.slice(-2000)}`).toEqual([{ metric: {}, value: [NOW / 1000, '51'] }]);
      // The same answer once the data has left the head for a block (dense chunks, re-encoded
      // as XOR chunks for the remote-read stream). Prometheus may send SAMPLES or chunks.
      const flushed = await fetch(`${cairn.url}/admin/api/v1/flush?tenant=${cairn.tenant}`, { method: 'POST', headers: { authorization: `Bearer ${cairn.tokens.admin}` } });
      expect(flushed.status).toBe(200);
      // One block per 2 h range the samples touch: two when they straddle a range boundary.
      expect(((await flushed.json()) as { data: { tenants: { blocksWritten: number }[] } }).data.tenants[0]!.blocksWritten).toBeGreaterThanOrEqual(1);
      const range = `http://127.0.0.1:${port}/api/v1/query_range?query=${encodeURIComponent('only_in_cairn{instance="x:1"}')}&start=${(NOW - 135_000) / 1000}&end=${NOW / 1000}&step=15`;
      const after = (await (await fetch(range)).json()) as { data: { result: { values: [number, string][] }[] } };
      expect(after.data.result[0]!.values.map(([, v]) => Number(v))).toEqual(Array.from({ length: 10 }, (_, i) => i));
    } finally {
      prom.kill('SIGTERM');
      await new Promise((r) => prom.on('exit', r));
    }
  });
});
