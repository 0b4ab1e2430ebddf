/**
 * bench/compaction: what moving data into blocks costs the rest of the server.
 *
 * 1. Push latency during compaction: a steady stream of remote-write requests (one sender,
 *    10k series, 2000 samples per request, one every PACE_MS) runs for IDLE_S seconds to
 *    measure the idle p99; then a flush cuts a head of 100k series × 20 samples (2 M
 *    samples) into a block while the stream goes on, and the p99 of the requests sent
 *    during the flush is compared. Then again with a second 2 M samples, whose flush also
 *    merges the new block with the first (a compaction on the worker). A flush takes about
 *    a second, so one holds ~40 requests and its "p99" is their maximum: the whole
 *    measurement runs ROUNDS times on fresh servers and the p99s are also taken over the
 *    pooled requests of all rounds (idle and during alike). The stream's bodies are encoded
 *    before it starts (timestamps 1 ms apart from its start, so always in the past), so
 *    the load generator's own encoding does not compete with the server for the 2 cores.
 * 2. Restart: 1 M samples in blocks and 100 k in the WAL tail, SIGTERM, then the time from
 *    spawning the process to `/ready` answering 200 (median of RESTARTS).
 *
 * Run: `npm run bench -- compaction` (env: ROUNDS=3, IDLE_S=5, PACE_MS=20, RESTARTS=5).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { WriteRequestType, snappyCompress } from '../src/ingest/remote-write/index.js';
import { generateSeries, prepareWorkload, type PreparedWorkload } from './lib/payloads.js';
import { freePort, startCairn, type Target } from './lib/targets.js';

const IDLE_S = Number(process.env.IDLE_S ?? 5);
const PACE_MS = Number(process.env.PACE_MS ?? 20);
const RESTARTS = Number(process.env.RESTARTS ?? 5);
const ROUNDS = Math.max(1, Number(process.env.ROUNDS ?? 3));
/** Bodies encoded ahead for one round's stream: ~4 loads, 2 idle periods and 2 flushes at PACE_MS, with room. */
const STREAM_BODIES = Math.ceil(((2 * IDLE_S + 20) * 1000) / PACE_MS);
const ROOT = join(import.meta.dirname, '..');

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

async function push(target: Target, body: Buffer): Promise<void> {
  const res = await fetch(target.pushUrl, {
    method: 'POST',
    body,
    headers: { ...target.headers, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`push answered ${res.status}: ${text.slice(0, 200)}`);
}

async function pushAll(target: Target, prepared: PreparedWorkload): Promise<void> {
  await Promise.all(prepared.shards.map(async (requests) => { for (const body of requests) await push(target, body); }));
}

async function flush(target: Target): Promise<string> {
  const res = await fetch(target.pushUrl.replace('/api/v1/push', '/admin/api/v1/flush?tenant=bench'), { method: 'POST', headers: { authorization: `Bearer ${target.adminToken}` } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`flush: ${res.status} ${text}`);
  return text;
}

/**
 * The steady stream, into its own tenant (a flush moves the flushed tenant's oldest accepted
 * time, which must not refuse the next dataset): 2000 samples of a fixed 10k-series set per
 * request, strictly newer timestamps.
 */
async function steadyStream(target: Target) {
  const base = target.pushUrl.replace('/api/v1/push', '');
  const res = await fetch(`${base}/admin/api/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${target.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: 'steady', scopes: 'write' }),
  });
  const { data } = (await res.json()) as { data: { token: string } };
  const steady: Target = { ...target, headers: { 'x-scope-orgid': 'steady', authorization: `Bearer ${data.token}` } };
  const series = generateSeries(10_000, 7).map((s) => ({ labels: [...s.labels, { name: 'stream', value: 'steady' }] }));
  const t0 = Date.now();
  const bodies: Buffer[] = [];
  for (let i = 0; i < STREAM_BODIES; i++) {
    const batch = Array.from({ length: 2000 }, (_, k) => ({ labels: series[(i * 2000 + k) % series.length]!.labels, samples: [{ value: i * 2000 + k, timestamp: t0 + i }] }));
    bodies.push(Buffer.from(snappyCompress(WriteRequestType.encode(WriteRequestType.fromObject({ timeseries: batch })).finish())));
  }
  const samples: { at: number; ms: number }[] = [];
  let stop = false;
  const run = (async () => {
    for (const body of bodies) {
      if (stop) return;
      const s = performance.now();
      await push(steady, body);
      samples.push({ at: s, ms: performance.now() - s });
      await new Promise((r) => setTimeout(r, PACE_MS));
    }
    throw new Error(`the steady stream ran out of its ${bodies.length} pre-encoded bodies; raise STREAM_BODIES`);
  })();
  return { samples, stop: async () => ((stop = true), await run) };
}

interface Phase {
  idle: number[];
  during: number[];
}

const fmtPhase = (what: string, p: Phase) =>
  `${what}: idle p50 ${pct(p.idle, 50).toFixed(1)} ms p99 ${pct(p.idle, 99).toFixed(1)} ms (${p.idle.length} requests); during: p50 ${pct(p.during, 50).toFixed(1)} ms p99 ${pct(p.during, 99).toFixed(1)} ms max ${Math.max(...p.during).toFixed(1)} ms (${p.during.length} requests); ratio p99 ${(pct(p.during, 99) / pct(p.idle, 99)).toFixed(2)}×`;

/** One round on a fresh server: the plain cut, then the cut with a merge. */
async function latencyDuringFlush(): Promise<{ cut: Phase; merge: Phase }> {
  const target = await startCairn();
  const out: { cut: Phase; merge: Phase } = { cut: { idle: [], during: [] }, merge: { idle: [], during: [] } };
  try {
    const stream = await steadyStream(target);
    const measure = async (what: string, end: number, into: Phase) => {
      await pushAll(target, prepareWorkload({ name: '100k × 20', series: 100_000, samplesPerSeries: 20 }, 4, end));
      const idleFrom = performance.now();
      await new Promise((r) => setTimeout(r, IDLE_S * 1000));
      const f0 = performance.now();
      const answer = await flush(target);
      const f1 = performance.now();
      const idle = stream.samples.filter((s) => s.at >= idleFrom && s.at < f0).map((s) => s.ms);
      const during = stream.samples.filter((s) => s.at >= f0 && s.at <= f1).map((s) => s.ms);
      const idleP99 = pct(idle, 99);
      const duringP99 = pct(during, 99);
      into.idle.push(...idle);
      into.during.push(...during);
      console.log(`push latency, ${what}: idle p50 ${pct(idle, 50).toFixed(1)} ms p99 ${idleP99.toFixed(1)} ms (${idle.length} requests); during the ${((f1 - f0) / 1000).toFixed(2)} s flush: p50 ${pct(during, 50).toFixed(1)} ms p99 ${duringP99.toFixed(1)} ms max ${Math.max(...during).toFixed(1)} ms (${during.length} requests); ratio p99 ${(duringP99 / idleP99).toFixed(2)}×`);
      console.log(`  flush answer: ${answer}`);
      // Where the slowest requests fell: start, middle or end of the flush tell gather, worker or swap apart.
      const slowest = stream.samples.filter((x) => x.at >= f0 && x.at <= f1).sort((a, b) => b.ms - a.ms).slice(0, 5);
      console.log(`  slowest during: ${slowest.map((x) => `${x.ms.toFixed(1)} ms at +${(x.at - f0).toFixed(0)} ms`).join(', ')}`);
    };
    // The steady stream writes "now"; the loaded datasets lie before it, in the same day.
    await measure('flush cutting a 2 M-sample head into a block', Date.now() - 20 * 60_000, out.cut);
    await measure('flush cutting 2 M samples and merging with the previous block', Date.now() - 60_000, out.merge);
    await stream.stop();
  } finally {
    await target.stop();
  }
  return out;
}

async function restartTime(): Promise<void> {
  const target = await startCairn();
  const dir = target.dataDir;
  // 10k series × 100 samples = 1 M into blocks, then 10k × 10 = 100 k left in the WAL.
  const end = Date.now() - 60_000;
  await pushAll(target, prepareWorkload({ name: 'blocks', series: 10_000, samplesPerSeries: 100 }, 4, end - 20 * 15_000));
  await flush(target);
  const tail = prepareWorkload({ name: 'tail', series: 10_000, samplesPerSeries: 10 }, 4, end);
  await pushAll(target, tail);
  // Stop without removing the data dir.
  process.kill(target.pid, 'SIGTERM');
  await new Promise((r) => setTimeout(r, 1500));
  const times: number[] = [];
  for (let i = 0; i < RESTARTS; i++) {
    const port = await freePort();
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), 'serve', '--data-dir', dir, '--host', '127.0.0.1', '--port', String(port), '--log-level', 'warn'], { stdio: 'ignore', env: { ...process.env, CAIRN_ADMIN_TOKEN: target.adminToken! } });
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.status === 200, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    times.push(performance.now() - t0);
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
  }
  console.log(`restart to /ready with 1 M samples in blocks + 100 k in the WAL: median ${pct(times, 50).toFixed(0)} ms (runs: ${times.map((t) => t.toFixed(0)).join(', ')} ms)`);
  await target.stop();
}

console.log(`bench/compaction: node ${process.version}, ${ROUNDS} rounds`);
const pooled: { cut: Phase; merge: Phase } = { cut: { idle: [], during: [] }, merge: { idle: [], during: [] } };
for (let round = 1; round <= ROUNDS; round++) {
  console.log(`round ${round}:`);
  const r = await latencyDuringFlush();
  for (const k of ['cut', 'merge'] as const) {
    pooled[k].idle.push(...r[k].idle);
    pooled[k].during.push(...r[k].during);
  }
}
console.log(`pooled over ${ROUNDS} rounds:`);
console.log(`  ${fmtPhase('plain cut (head → block)', pooled.cut)}`);
console.log(`  ${fmtPhase('cut + merge', pooled.merge)}`);
await restartTime();
