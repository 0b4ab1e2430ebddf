/**
 * bench/alertmanager: what 10 000 active alerts across 100 tenants cost the multi-tenant
 * Alertmanager, and how long an alert takes from POST to webhook delivery.
 *
 * A Cairn process (fresh data dir) gets, per tenant, a configuration (`POST /api/v1/alerts`)
 * whose root route sends everything to a webhook receiver served by this bench on loopback
 * (`bench/lib/webhook-sink.ts`, path `/<tenant>`), `group_by: [GROUP_BY]` (default
 * `alertname`; `...` makes every alert its own group), `group_wait` GROUP_WAIT (default
 * 1s). Then every tenant's alerts (PER_TENANT, ALERTNAMES distinct alertnames, so
 * PER_TENANT/ALERTNAMES alerts per aggregation group by alertname) are POSTed to
 * `/alertmanager/api/v2/alerts` in requests of BATCH alerts by SENDERS concurrent senders;
 * each alert carries the label `bench_sent_ms` = the send time of its request. Reported:
 *   - POST throughput (alerts/s over the whole phase) and per-request latency p50/p99;
 *   - dispatch latency per alert, webhook arrival − `bench_sent_ms`, p50/p99/max (it
 *     includes `group_wait`; the excess over it is the pipeline's own delay);
 *   - the server's RSS (`/proc/<pid>/status`) and V8 heap used (`nodejs_heap_size_used_bytes`
 *     from its `/metrics`) before the POSTs and once every alert was delivered, per alert;
 *   - the server's CPU seconds for the POST phase and for POST → last delivery;
 *   - a resend of the same alerts (what a ruler does every minute): throughput, no new
 *     notifications expected.
 * The alerts are checked to be listed (`GET /alertmanager/api/v2/alerts`) for every tenant.
 *
 * Run: `npm run bench -- alertmanager` (env TENANTS=100 PER_TENANT=100 ALERTNAMES=10
 * BATCH=100 SENDERS=4 GROUP_WAIT=1s GROUP_BY=alertname; CAIRN_BENCH_ENTRY for another build of `cli/main.js`).
 */
import { startCairnProcess, type CairnProcess } from './lib/cairn-process.js';
import { cpuSeconds, memoryMiB } from './lib/targets.js';
import { startWebhookSink } from './lib/webhook-sink.js';

const TENANTS = Number(process.env.TENANTS ?? 100);
const PER_TENANT = Number(process.env.PER_TENANT ?? 100);
const ALERTNAMES = Number(process.env.ALERTNAMES ?? 10);
const BATCH = Number(process.env.BATCH ?? 100);
const SENDERS = Number(process.env.SENDERS ?? 4);
const GROUP_WAIT = process.env.GROUP_WAIT ?? '1s';
/** `alertname` (ALERTNAMES groups per tenant) or `...` (every alert its own group, one notification each). */
const GROUP_BY = process.env.GROUP_BY ?? 'alertname';
/** Generous: 10 000 deliveries take seconds; a stuck pipeline should fail the bench, not hang it. */
const DELIVERY_TIMEOUT_MS = 120_000;
const TOTAL = TENANTS * PER_TENANT;

const pct = (xs: readonly number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};
const tenantName = (t: number) => `am-bench-${String(t).padStart(3, '0')}`;
const mib = (bytes: number) => bytes / 1024 / 1024;

function tenantConfig(hookUrl: string): string {
  // repeat_interval and group_interval long: the bench measures the first notification only.
  const am = `route:
  receiver: hook
  group_by: ['${GROUP_BY}']
  group_wait: ${GROUP_WAIT}
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: hook
    webhook_configs:
      - url: ${hookUrl}
        send_resolved: false
`;
  return `alertmanager_config: |\n${am.replace(/^/gm, '  ').trimEnd()}\n`;
}

interface Request {
  readonly tenant: string;
  readonly token: string;
  readonly first: number;
  readonly count: number;
}

/** The alerts of one request; `sentMs` is stamped into each as `bench_sent_ms`. */
function requestBody(r: Request, sentMs: number): string {
  const alerts = [];
  for (let i = r.first; i < r.first + r.count; i++) {
    alerts.push({
      labels: { alertname: `BenchAlert${i % ALERTNAMES}`, instance: `host-${i}:9100`, job: 'node', severity: i % 2 === 0 ? 'warning' : 'critical', bench_sent_ms: String(sentMs) },
      annotations: { summary: `instance host-${i} is on fire`, runbook_url: 'https://runbooks.example/fire' },
      generatorURL: 'http://prometheus.example/graph?g0.expr=up',
    });
  }
  return JSON.stringify(alerts);
}

/** POSTs every request with SENDERS concurrent senders; `stamp` gives each request's `bench_sent_ms` from its send time. */
async function postAll(cairn: CairnProcess, requests: readonly Request[], stamp: (r: Request, sentMs: number) => number) {
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  let firstFailure = '';
  const sender = async () => {
    while (next < requests.length) {
      const r = requests[next++]!;
      const sent = Date.now();
      const t0 = performance.now();
      const res = await fetch(`${cairn.base}/alertmanager/api/v2/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${r.token}`, 'x-scope-orgid': r.tenant, 'content-type': 'application/json' },
        body: requestBody(r, stamp(r, sent)),
      });
      const text = await res.text();
      latencies.push(performance.now() - t0);
      if (res.status !== 200) {
        failures++;
        if (firstFailure === '') firstFailure = `${res.status} ${text.slice(0, 300)}`;
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: SENDERS }, sender));
  return { wallMs: performance.now() - t0, latencies, failures, firstFailure };
}

async function heapUsedBytes(cairn: CairnProcess): Promise<number> {
  return (await cairn.metrics()).get('nodejs_heap_size_used_bytes') ?? Number.NaN;
}

async function main() {
  const sink = await startWebhookSink();
  const cairn = await startCairnProcess();
  try {
    const tokens: string[] = [];
    for (let t = 0; t < TENANTS; t++) {
      const tenant = tenantName(t);
      const token = await cairn.token(tenant, 'setup_alerts,query_metrics');
      const res = await fetch(`${cairn.base}/api/v1/alerts`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-scope-orgid': tenant }, body: tenantConfig(`${sink.base}/${tenant}`) });
      if (res.status !== 201) throw new Error(`config of ${tenant}: ${res.status} ${await res.text()}`);
      tokens.push(token);
    }
    const requests: Request[] = [];
    for (let first = 0; first < PER_TENANT; first += BATCH) {
      for (let t = 0; t < TENANTS; t++) requests.push({ tenant: tenantName(t), token: tokens[t]!, first, count: Math.min(BATCH, PER_TENANT - first) });
    }
    // Each request's send time, taken when its sender takes it (before the body is built).
    const sentAt = new Map<Request, number>();

    const rssBefore = memoryMiB(cairn.pid).rss;
    const heapBefore = await heapUsedBytes(cairn);
    const cpu0 = cpuSeconds(cairn.pid);
    const posted = await postAll(cairn, requests, (r, sentMs) => {
      sentAt.set(r, sentMs);
      return sentMs;
    });
    const cpuPost = cpuSeconds(cairn.pid) - cpu0;
    if (posted.failures > 0) throw new Error(`${posted.failures} POSTs failed, first: ${posted.firstFailure}`);

    const delivered = await sink.waitFor(TOTAL, DELIVERY_TIMEOUT_MS);
    const cpuDelivery = cpuSeconds(cairn.pid) - cpu0;
    const rssAfter = memoryMiB(cairn.pid);
    const heapAfter = await heapUsedBytes(cairn);
    if (!delivered) throw new Error(`only ${sink.deliveries.size} of ${TOTAL} alerts delivered within ${DELIVERY_TIMEOUT_MS} ms`);

    const dispatch = [...sink.deliveries.values()].map((d) => d.arrivedMs - Number(d.labels.bench_sent_ms));
    const lastArrival = Math.max(...[...sink.deliveries.values()].map((d) => d.arrivedMs));
    const firstSent = Math.min(...sentAt.values());

    let listed = 0;
    for (let t = 0; t < TENANTS; t++) {
      const res = await fetch(`${cairn.base}/alertmanager/api/v2/alerts?active=true&silenced=false&inhibited=false`, { headers: { authorization: `Bearer ${tokens[t]!}`, 'x-scope-orgid': tenantName(t) } });
      listed += ((await res.json()) as unknown[]).length;
    }

    // A resend of the same alerts with the same labels (stamp kept), as a ruler repeats them.
    const notificationsBefore = sink.counts.requests;
    const resent = await postAll(cairn, requests, (r) => sentAt.get(r)!);
    if (resent.failures > 0) throw new Error(`${resent.failures} resends failed, first: ${resent.firstFailure}`);
    const rssResent = memoryMiB(cairn.pid).rss;

    const f = (n: number, d = 1) => n.toFixed(d);
    console.log(`alertmanager bench: ${TENANTS} tenants × ${PER_TENANT} alerts = ${TOTAL}, ${ALERTNAMES} alertnames per tenant (group_by ${GROUP_BY}: ${GROUP_BY === '...' ? TOTAL : TENANTS * ALERTNAMES} groups), group_wait ${GROUP_WAIT}, batches of ${BATCH}, ${SENDERS} senders`);
    console.log(`| phase | figure |`);
    console.log(`|---|---|`);
    console.log(`| POST ${requests.length} requests | ${f(posted.wallMs, 0)} ms, **${f(TOTAL / (posted.wallMs / 1000), 0)} alerts/s**; request p50 ${f(pct(posted.latencies, 50))} ms, p99 ${f(pct(posted.latencies, 99))} ms; server CPU ${f(cpuPost, 2)} s |`);
    console.log(`| dispatch POST → webhook (${dispatch.length} alerts, ${sink.counts.requests} notifications) | p50 **${f(pct(dispatch, 50), 0)} ms**, p99 **${f(pct(dispatch, 99), 0)} ms**, max ${f(Math.max(...dispatch), 0)} ms; first send → last delivery ${f(lastArrival - firstSent, 0)} ms; server CPU until then ${f(cpuDelivery, 2)} s; webhook TCP connections ${sink.counts.connections}, at most ${sink.counts.maxOpenConnections} open at once |`);
    console.log(`| memory | RSS ${f(rssBefore)} → ${f(rssAfter.rss)} MiB (peak ${f(rssAfter.peak)}), **${f(((rssAfter.rss - rssBefore) * 1024 * 1024) / TOTAL, 0)} B/alert**; heap used ${f(mib(heapBefore))} → ${f(mib(heapAfter))} MiB, **${f((heapAfter - heapBefore) / TOTAL, 0)} B/alert** |`);
    console.log(`| listed by GET /alerts | ${listed} of ${TOTAL} |`);
    console.log(`| resend of the same ${TOTAL} | ${f(resent.wallMs, 0)} ms, **${f(TOTAL / (resent.wallMs / 1000), 0)} alerts/s**; request p50 ${f(pct(resent.latencies, 50))} ms, p99 ${f(pct(resent.latencies, 99))} ms; RSS after ${f(rssResent)} MiB; new notifications at once: ${sink.counts.requests - notificationsBefore} |`);
    if (sink.counts.badRequests > 0) console.log(`WARNING: ${sink.counts.badRequests} webhook payloads were not version-4 JSON`);
  } finally {
    await cairn.stop();
    await sink.close();
  }
}

await main();
