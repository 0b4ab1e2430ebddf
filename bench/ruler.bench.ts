/**
 * bench/ruler: what 1 000 recording rules over 100 000 series at a 15 s interval cost.
 *
 * A Cairn process (fresh data dir) gets 100 000 series (1 000 metrics × 10 jobs × 10
 * instances, half counters, half gauges) with HISTORY_MIN minutes of 15 s samples by remote
 * write, then a live push load as Prometheus would send it: every 15 s one new sample per
 * series, in 50 requests of 2 000 samples spread evenly over the interval (one every 300 ms,
 * not waiting for the previous answer). Three windows of CYCLES cycles each, under the same
 * push load:
 *   A. no rules;
 *   B. 1 000 recording rules in 50 groups of 20 (`interval: 15s`, five namespaces), loaded
 *      through `POST /prometheus/config/v1/rules/<namespace>`, evaluated by the server's
 *      own ruler on its real clock (groups spread over the interval by their hash offset);
 *   C. the rules deleted again (a second baseline, to bracket drift as the head grows).
 * Reported: push latency p50/p99/max per window and the B/A and B/C ratios; the server's
 * CPU (utime+stime from /proc) per window as a share of one core; evaluation time per
 * 15 s cycle (the delta of `cairn_ruler_group_evaluation_duration_seconds_sum` between
 * /metrics reads at each cycle boundary, which all windows do alike) as median and max,
 * with the groups counted per cycle; the per-rule-shape evaluation times from
 * `/prometheus/api/v1/rules`; and a count of the recorded series the rules wrote.
 *
 * Run: `npm run bench -- ruler` (env: CYCLES=8, HISTORY_MIN=30, PROFILE=1 for a server CPU
 * profile of window B in bench/.out/ruler-prof, CAIRN_BENCH_ENTRY for another build of
 * `cli/main.js`, CAIRN_BENCH_NODE_ARGS for the server's node flags).
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startCairnProcess, type CairnProcess } from './lib/cairn-process.js';
import { selfTimes } from './lib/cpu-profile.js';
import { rng } from './lib/payloads.js';
import { benchGroups, benchSeries, encodeRound, expectedRecordedSeries, METRICS, NAMESPACES } from './lib/ruler-workload.js';
import { cpuSeconds, memoryMiB } from './lib/targets.js';

const CYCLES = Math.max(2, Number(process.env.CYCLES ?? 8));
const HISTORY_MIN = Number(process.env.HISTORY_MIN ?? 30);
const PROFILE = process.env.PROFILE === '1';
const INTERVAL_MS = 15_000;
const REQUESTS_PER_ROUND = 50;
const BACKFILL_SENDERS = 4;
const PROFILE_DIR = join(import.meta.dirname, '.out', 'ruler-prof');

const pct = (xs: readonly number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
/** Monotonic µs, the clock V8's profiles are stamped with (CLOCK_MONOTONIC on Linux). */
const monoUs = () => Number(process.hrtime.bigint() / 1000n);

interface PushRecord {
  readonly at: number;
  readonly ms: number;
  readonly ok: boolean;
}

/** Remote-write POSTs of one tenant; throws on anything but 2xx when `strict`. */
function pusher(cairn: CairnProcess, token: string) {
  const headers = { 'x-scope-orgid': 'bench', authorization: `Bearer ${token}`, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' };
  let firstError = '';
  return {
    get firstError() {
      return firstError;
    },
    async push(body: Buffer): Promise<PushRecord> {
      const at = Date.now();
      const s = performance.now();
      const res = await fetch(`${cairn.base}/api/v1/push`, { method: 'POST', body, headers });
      const text = await res.text();
      const ms = performance.now() - s;
      if (res.status >= 300) firstError ||= `${res.status} ${text.slice(0, 200)}`;
      return { at, ms, ok: res.status < 300 };
    },
  };
}

/**
 * The live load: a round every 15 s from `startMs`, its requests sent 300 ms apart, each
 * without waiting for the one before (as Prometheus's shards do). Runs until `stop()`.
 */
function liveLoad(send: ReturnType<typeof pusher>, series: ReturnType<typeof benchSeries>) {
  const records: PushRecord[] = [];
  const inflight = new Set<Promise<void>>();
  const rand = rng(99);
  let stopped = false;
  const loop = (async () => {
    for (let round = Date.now(); !stopped; round += INTERVAL_MS) {
      const bodies = encodeRound(series, round, REQUESTS_PER_ROUND, rand);
      for (let k = 0; k < bodies.length && !stopped; k++) {
        await sleep(round + (k * INTERVAL_MS) / REQUESTS_PER_ROUND - Date.now());
        const p: Promise<void> = send.push(bodies[k]!).then((r) => {
          records.push(r);
          inflight.delete(p);
        });
        inflight.add(p);
      }
      await sleep(round + INTERVAL_MS - Date.now());
    }
  })();
  return {
    records,
    async stop() {
      stopped = true;
      await loop;
      await Promise.all(inflight);
    },
  };
}

/** What one window measured. */
interface Window {
  readonly name: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly fromUs: number;
  readonly toUs: number;
  readonly cpuS: number;
  /** Per cycle: summed group evaluation seconds and groups evaluated. */
  readonly cycles: { evalS: number; groups: number }[];
  readonly rssMiB: number;
}

const M_SUM = 'cairn_ruler_group_evaluation_duration_seconds_sum{tenant="bench"}';
const M_COUNT = 'cairn_ruler_group_evaluation_duration_seconds_count{tenant="bench"}';
const M_FAIL = 'cairn_ruler_rule_evaluation_failures_total{tenant="bench"}';
const M_MISSED = 'cairn_ruler_group_iterations_missed_total{tenant="bench"}';
const M_EVALS = 'cairn_ruler_rule_evaluations_total{tenant="bench"}';

async function measure(cairn: CairnProcess, name: string): Promise<Window> {
  const fromMs = Date.now();
  const fromUs = monoUs();
  const cpu0 = cpuSeconds(cairn.pid);
  let prev = await cairn.metrics();
  const cycles: Window['cycles'] = [];
  for (let c = 1; c <= CYCLES; c++) {
    await sleep(fromMs + c * INTERVAL_MS - Date.now());
    const m = await cairn.metrics();
    cycles.push({ evalS: (m.get(M_SUM) ?? 0) - (prev.get(M_SUM) ?? 0), groups: (m.get(M_COUNT) ?? 0) - (prev.get(M_COUNT) ?? 0) });
    prev = m;
  }
  const cpuS = cpuSeconds(cairn.pid) - cpu0;
  return { name, fromMs, toMs: Date.now(), fromUs, toUs: monoUs(), cpuS, cycles, rssMiB: memoryMiB(cairn.pid).rss };
}

async function api(cairn: CairnProcess, token: string, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${cairn.base}${path}`, { method, body, headers: { 'x-scope-orgid': 'bench', authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text() };
}

/** Where window B's server CPU went: the CPU profile's samples between its bounds, by self time. */
function profileOf(w: Window): void {
  const files = readdirSync(PROFILE_DIR).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(PROFILE_DIR, f));
  const newest = files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (newest === undefined) return console.log('  (no CPU profile was written)');
  const p = JSON.parse(readFileSync(newest, 'utf8')) as { startTime: number; endTime: number; nodes: never[]; samples: number[]; timeDeltas: number[] };
  if (w.fromUs < p.startTime || w.toUs > p.endTime) console.log(`  (window ${w.fromUs}–${w.toUs} µs outside profile ${p.startTime}–${p.endTime}: clocks differ, whole profile shown)`);
  const samples: number[] = [];
  const deltas: number[] = [];
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!;
    if (t < w.fromUs || t > w.toUs) continue;
    samples.push(p.samples[i]!);
    deltas.push(p.timeDeltas[i]!);
  }
  console.log(`\nServer CPU profile of window ${w.name} (${newest}), self time:`);
  for (const s of selfTimes({ nodes: p.nodes, samples, timeDeltas: deltas }, 25)) console.log(`  ${(s.share * 100).toFixed(1).padStart(5)}%  ${s.ms.toFixed(0).padStart(7)} ms  ${s.fn}`);
}

const nodeArgs = (process.env.CAIRN_BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
if (PROFILE) {
  mkdirSync(PROFILE_DIR, { recursive: true });
  nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`);
}
const cairn = await startCairnProcess({}, nodeArgs);
console.log(`bench/ruler: ${cairn.entry}, node ${process.version}, ${CYCLES} cycles of 15 s per window, ${HISTORY_MIN} min of history`);
try {
  const token = await cairn.token('bench', 'read+write,setup_metrics_rules');
  const send = pusher(cairn, token);
  const series = benchSeries();

  // History: HISTORY_MIN minutes of 15 s rounds ending 15 s ago, 4 senders (request k of a
  // round on sender k % 4, so each series' samples arrive in time order).
  const rounds = Math.round((HISTORY_MIN * 60_000) / INTERVAL_MS);
  const end = Date.now() - INTERVAL_MS;
  const rand = rng(7);
  const t0 = performance.now();
  let failed = 0;
  for (let r = 0; r < rounds; r++) {
    const bodies = encodeRound(series, end - (rounds - 1 - r) * INTERVAL_MS, REQUESTS_PER_ROUND, rand);
    await Promise.all(
      Array.from({ length: BACKFILL_SENDERS }, async (_, s) => {
        for (let k = s; k < bodies.length; k += BACKFILL_SENDERS) if (!(await send.push(bodies[k]!)).ok) failed++;
      }),
    );
  }
  if (failed > 0) throw new Error(`${failed} history pushes failed (first: ${send.firstError})`);
  console.log(`history: ${series.length.toLocaleString('en')} series × ${rounds} samples in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const load = liveLoad(send, series);
  await sleep(2 * INTERVAL_MS); // warm-up: JIT, the first live rounds
  const a = await measure(cairn, 'A: no rules');
  console.log(`  window A done`);

  const groups = benchGroups('15s');
  const l0 = performance.now();
  for (const g of groups) {
    const r = await api(cairn, token, 'POST', `/prometheus/config/v1/rules/${encodeURIComponent(g.namespace)}`, g.yaml);
    if (r.status !== 202) throw new Error(`POST ${g.namespace}/${g.name}: ${r.status} ${r.text}`);
  }
  console.log(`  loaded ${groups.length} groups (${METRICS} rules) in ${(performance.now() - l0).toFixed(0)} ms`);
  // Every group evaluates once in its first slot (≤ 15 s), then the parse cache is warm.
  await sleep(2 * INTERVAL_MS);
  const before = await cairn.metrics();
  const b = await measure(cairn, 'B: 1000 rules');
  const after = await cairn.metrics();
  console.log(`  window B done`);

  const state = JSON.parse((await api(cairn, token, 'GET', '/prometheus/api/v1/rules')).text) as {
    data: { groups: { name: string; evaluationTime: number; rules: { name: string; evaluationTime: number; health: string; lastError: string }[] }[] };
  };
  const recorded = JSON.parse((await api(cairn, token, 'GET', `/prometheus/api/v1/query?query=${encodeURIComponent('count({__name__=~"(job|instance|cluster):.+"})')}`)).text) as { data: { result: { value: [number, string] }[] } };

  for (let n = 0; n < NAMESPACES; n++) {
    const r = await api(cairn, token, 'DELETE', `/prometheus/config/v1/rules/team-${n}`);
    if (r.status !== 202) throw new Error(`DELETE team-${n}: ${r.status} ${r.text}`);
  }
  await sleep(INTERVAL_MS);
  const c = await measure(cairn, 'C: rules deleted');
  await load.stop();

  const windows = [a, b, c];
  const stats = windows.map((w) => {
    const rs = load.records.filter((r) => r.at >= w.fromMs && r.at < w.toMs);
    return { w, n: rs.length, errors: rs.filter((r) => !r.ok).length, p50: pct(rs.map((r) => r.ms), 50), p99: pct(rs.map((r) => r.ms), 99), max: pct(rs.map((r) => r.ms), 100), core: w.cpuS / ((w.toMs - w.fromMs) / 1000) };
  });
  const [sa, sb, sc] = stats as [(typeof stats)[0], (typeof stats)[0], (typeof stats)[0]];

  console.log(`\nPush load: 100k samples per 15 s (${REQUESTS_PER_ROUND} requests × 2000), one request every ${INTERVAL_MS / REQUESTS_PER_ROUND} ms.`);
  console.log('\n| window | requests | errors | push p50 | push p99 | push max | server CPU (share of one core) | RSS after |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const s of stats) console.log(`| ${s.w.name} | ${s.n} | ${s.errors} | ${s.p50.toFixed(1)} ms | ${s.p99.toFixed(1)} ms | ${s.max.toFixed(1)} ms | ${(s.core * 100).toFixed(1)}% | ${s.w.rssMiB.toFixed(0)} MiB |`);
  const base = { p50: (sa.p50 + sc.p50) / 2, p99: (sa.p99 + sc.p99) / 2, core: (sa.core + sc.core) / 2 };
  console.log(`\nRatios (B over A / over C / over mean of A and C): p50 ${(sb.p50 / sa.p50).toFixed(2)}× / ${(sb.p50 / sc.p50).toFixed(2)}× / ${(sb.p50 / base.p50).toFixed(2)}×, p99 ${(sb.p99 / sa.p99).toFixed(2)}× / ${(sb.p99 / sc.p99).toFixed(2)}× / ${(sb.p99 / base.p99).toFixed(2)}×`);
  console.log(`Server CPU added by the rules: ${((sb.core - base.core) * 100).toFixed(1)}% of one core (B − mean(A, C)).`);

  const evalS = b.cycles.map((x) => x.evalS);
  console.log(`\nEvaluation time per 15 s cycle (window B, ${b.cycles.length} cycles; sum of the 50 groups' wall time):`);
  console.log(`  per cycle: ${b.cycles.map((x) => `${(x.evalS * 1000).toFixed(0)} ms/${x.groups}g`).join(', ')}`);
  console.log(`  median ${(pct(evalS, 50) * 1000).toFixed(0)} ms, p99 (= max of ${evalS.length}) ${(pct(evalS, 99) * 1000).toFixed(0)} ms → ${((pct(evalS, 50) / 15) * 100).toFixed(1)}% of the interval (median), ${((pct(evalS, 100) / 15) * 100).toFixed(1)}% (max)`);
  console.log(`  rule evaluations in window B: ${(after.get(M_EVALS) ?? 0) - (before.get(M_EVALS) ?? 0)}, failures ${(after.get(M_FAIL) ?? 0) - (before.get(M_FAIL) ?? 0)}, missed iterations (total) ${after.get(M_MISSED) ?? 0}`);
  const groupTimes = state.data.groups.map((g) => g.evaluationTime * 1000);
  console.log(`  last evaluation per group (state API): median ${pct(groupTimes, 50).toFixed(1)} ms, max ${pct(groupTimes, 100).toFixed(1)} ms, over ${groupTimes.length} groups`);
  const byShape = new Map<string, number[]>();
  let unhealthy = '';
  for (const g of state.data.groups) {
    for (const r of g.rules) {
      const parts = r.name.split(':');
      const shape = `${parts[0]}:…:${parts.slice(2).join(':')}`;
      byShape.set(shape, [...(byShape.get(shape) ?? []), r.evaluationTime * 1000]);
      if (r.health !== 'ok') unhealthy ||= `${r.name}: ${r.health} ${r.lastError}`;
    }
  }
  console.log('  per rule shape (last evaluation): ' + [...byShape].map(([s, xs]) => `${s} median ${pct(xs, 50).toFixed(2)} ms (n=${xs.length})`).join('; '));
  if (unhealthy !== '') console.log(`  a rule is not healthy: ${unhealthy}`);
  console.log(`  recorded series in the store: ${recorded.data.result[0]?.value[1] ?? 0} (rules write ≈ ${expectedRecordedSeries().toLocaleString('en')} per cycle)`);
  if (send.firstError !== '') console.log(`  first push error: ${send.firstError}`);

  if (PROFILE) {
    await cairn.stop();
    profileOf(b);
  }
} finally {
  await cairn.stop();
}
