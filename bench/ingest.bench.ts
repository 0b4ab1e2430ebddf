/**
 * bench/ingest: remote-write throughput of Cairn beside Prometheus 2.42 and
 * VictoriaMetrics 1.79, one after the other, with the same pre-encoded payloads.
 * Reports samples/s, server CPU-seconds per million samples, p50/p99 request latency,
 * peak RSS, and Cairn/peer ratios. Peers missing from the machine are skipped with a note.
 *
 * Each target runs REPEAT times (fresh process and data each time); the run with the
 * median samples/s is reported, since this 2-core machine also runs the load generator.
 *
 * Run: `npm run bench -- ingest` (env: SHARDS=4, WORKLOADS=100kx20,10kx200, TARGETS=cairn,prometheus,vm,
 * REPEAT=3, CAIRN_BENCH_NODE_ARGS for the server's node flags).
 */
import { prepareWorkload, type PreparedWorkload, type Workload } from './lib/payloads.js';
import { cpuSeconds, memoryMiB, startCairn, startPrometheus, startVictoriaMetrics, type Target } from './lib/targets.js';

const SHARDS = Number(process.env.SHARDS ?? 4);
const ALL_WORKLOADS: Record<string, Workload> = {
  '100kx20': { name: '100k series × 20 samples', series: 100_000, samplesPerSeries: 20 },
  '10kx200': { name: '10k series × 200 samples', series: 10_000, samplesPerSeries: 200 },
  '250kx4': { name: '250k series × 4 samples', series: 250_000, samplesPerSeries: 4 },
};
const workloads = (process.env.WORKLOADS ?? '100kx20,10kx200').split(',').map((k) => ALL_WORKLOADS[k]!);
const targetNames = (process.env.TARGETS ?? 'cairn,prometheus,vm').split(',');
const REPEAT = Math.max(1, Number(process.env.REPEAT ?? 3));

interface Result {
  target: string;
  workload: string;
  samplesPerS: number;
  cpuSPerMillion: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMiB: number;
  rssAfterMiB: number;
  errors: number;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

async function run(target: Target, prepared: PreparedWorkload): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError = '';
  const cpu0 = cpuSeconds(target.pid);
  const t0 = performance.now();
  await Promise.all(
    prepared.shards.map(async (requests) => {
      for (const body of requests) {
        const s = performance.now();
        const res = await fetch(target.pushUrl, {
          method: 'POST',
          body,
          headers: { ...target.headers, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
        });
        await res.arrayBuffer();
        latencies.push(performance.now() - s);
        if (res.status >= 300) {
          errors++;
          firstError ||= `${res.status}`;
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(target.pid) - cpu0;
  const mem = memoryMiB(target.pid);
  if (errors > 0) console.log(`  ${target.name}: ${errors} failed requests (first: ${firstError})`);
  return {
    target: target.name,
    workload: prepared.workload.name,
    samplesPerS: prepared.totalSamples / seconds,
    cpuSPerMillion: cpu / (prepared.totalSamples / 1e6),
    p50Ms: pct(latencies, 50),
    p99Ms: pct(latencies, 99),
    peakRssMiB: mem.peak,
    rssAfterMiB: mem.rss,
    errors,
  };
}

const starters: Record<string, () => Promise<Target | undefined>> = { cairn: () => startCairn(), prometheus: startPrometheus, vm: startVictoriaMetrics };

console.log(`bench/ingest: ${SHARDS} concurrent senders, batches of ≤2000 samples, node ${process.version}`);
const results: Result[] = [];
for (const w of workloads) {
  const t = performance.now();
  const prepared = prepareWorkload(w, SHARDS, Date.now());
  console.log(`\n${w.name}: ${prepared.shards.reduce((n, s) => n + s.length, 0)} requests, ${(prepared.totalBytes / 1e6).toFixed(1)} MB compressed (prepared in ${((performance.now() - t) / 1000).toFixed(1)} s)`);
  for (const name of targetNames) {
    const runs: Result[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const target = await starters[name]!();
      if (target === undefined) break;
      try {
        const r = await run(target, prepared);
        runs.push(r);
        console.log(`  ${r.target} #${i + 1}: ${Math.round(r.samplesPerS).toLocaleString('en')} samples/s, ${r.cpuSPerMillion.toFixed(2)} CPU-s/M samples, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, peak RSS ${r.peakRssMiB.toFixed(0)} MiB (after: ${r.rssAfterMiB.toFixed(0)} MiB)`);
      } finally {
        await target.stop();
      }
    }
    if (runs.length === 0) {
      console.log(`  ${name}: not installed, skipped`);
      continue;
    }
    runs.sort((a, b) => a.samplesPerS - b.samplesPerS);
    results.push(runs[Math.floor(runs.length / 2)]!);
  }
}

console.log('\n| workload | target | samples/s | CPU-s per M samples | p50 | p99 | peak RSS | Cairn/peer samples/s | peer/Cairn CPU per sample |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const cairn = results.find((c) => c.workload === r.workload && c.target === 'cairn');
  const ratio = cairn !== undefined && r.target !== 'cairn' ? `${(cairn.samplesPerS / r.samplesPerS).toFixed(2)}×` : '';
  const cpuRatio = cairn !== undefined && r.target !== 'cairn' ? `${(r.cpuSPerMillion / cairn.cpuSPerMillion).toFixed(2)}×` : '';
  console.log(`| ${r.workload} | ${r.target} | ${Math.round(r.samplesPerS).toLocaleString('en')} | ${r.cpuSPerMillion.toFixed(2)} | ${r.p50Ms.toFixed(1)} ms | ${r.p99Ms.toFixed(1)} ms | ${r.peakRssMiB.toFixed(0)} MiB | ${ratio} | ${cpuRatio} |`);
}
