// Proves a real Prometheus (Debian's 2.42) can remote-write to Cairn with basic auth
// (username = tenant, password = token): samples and metadata arrive, Prometheus counts
// no failed or dropped samples, and the samples are in Cairn's store.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/index.js';
import { loadConfig } from '../../src/config/config.js';
import { newMatcher } from '../../src/model/matcher.js';
import { Tsdb, defaultTsdbOptions } from '../../src/tsdb/tsdb.js';
import { tempDir } from '../helpers/server.js';

const prometheusPath = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).stdout.trim();
const why = prometheusPath === '' ? 'prometheus is not installed (apt-get install prometheus; .ci/run does it)' : '';
if (why !== '') console.log(`SKIPPED test/e2e/prometheus.test.ts: ${why}`);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Sums a metric family's samples from a Prometheus text exposition. */
function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Polls `check` every 250 ms until it returns true, at most `ms`. */
async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

describe.skipIf(why !== '')('Prometheus 2.42 remote_write', () => {
  it('delivers samples and metadata with basic auth, with nothing failed or dropped', async () => {
    const dataDir = tempDir();
    const cairn = await startServer({ dataDir });
    const promDir = tempDir();
    const promPort = await freePort();
    writeFileSync(
      join(promDir, 'prometheus.yml'),
      `global:
  scrape_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:${promPort}']
remote_write:
  - url: ${cairn.url}/api/v1/push
    basic_auth:
      username: ${cairn.tenant}
      password: ${cairn.tokens.readWrite}
    queue_config:
      batch_send_deadline: 1s
    metadata_config:
      send_interval: 2s
`,
    );
    const prom = spawn(prometheusPath, [
      `--config.file=${join(promDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(promDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ]);
    let promLog = '';
    prom.stderr.on('data', (d: Buffer) => (promLog += d.toString()));
    const cairnMetrics = async () => (await fetch(`${cairn.url}/metrics`)).text();
    const promMetrics = async () => (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text();
    try {
      const arrived = await until(async () => {
        const m = await cairnMetrics();
        return metricSum(m, 'cairn_distributor_received_samples_total') > 500 && metricSum(m, 'cairn_distributor_received_metadata_total') > 0;
      }, 20_000);
      expect(arrived, `no samples arrived; prometheus log:\n${promLog.slice(-3000)}`).toBe(true);

      const p = await promMetrics();
      expect(metricSum(p, 'prometheus_remote_storage_samples_total')).toBeGreaterThan(500);
      expect(metricSum(p, 'prometheus_remote_storage_samples_failed_total')).toBe(0);
      expect(metricSum(p, 'prometheus_remote_storage_samples_dropped_total')).toBe(0);
      expect(metricSum(p, 'prometheus_remote_storage_metadata_failed_total')).toBe(0);
      expect(metricSum(await cairnMetrics(), 'cairn_discarded_samples_total')).toBe(0);
    } finally {
      prom.kill('SIGTERM');
      await new Promise((r) => prom.on('exit', r));
      await cairn.stop();
    }

    // The scraped `up` series is in the store, from the WAL, with value 1.
    const tsdb = new Tsdb(defaultTsdbOptions(dataDir), { forTenant: () => loadConfig({}).limits });
    await tsdb.start();
    const set = tsdb.querier('dev', -Infinity, Infinity).select([newMatcher('=', '__name__', 'up'), newMatcher('=', 'job', 'prometheus')]);
    expect(set.next()).toBe(true);
    const it = set.at().iterator();
    let n = 0;
    while (it.next()) {
      expect(it.v).toBe(1);
      n++;
    }
    expect(n).toBeGreaterThan(0);
    const md = tsdb.head('dev')!.metadata;
    expect(md.size, 'metadata entries').toBeGreaterThan(10);
    for (const m of md.values()) expect(['counter', 'gauge', 'histogram', 'summary', 'unknown', 'info', 'stateset', 'gaugehistogram']).toContain(m.type);
    expect([...md.values()].some((m) => m.type === 'counter' && m.help !== '')).toBe(true);
    await tsdb.stop();
  });
});
