/**
 * bench/logs-sustained: memory of a server under a sustained Loki push, with its flushes
 * and compactions running. `cairn bench logs` pushes the seeded corpus (protobuf +
 * snappy, 1 MiB batches, 4 senders) for DURATION_S; every SAMPLE_S this samples the
 * server's RSS and its own gauges: lines in memory not yet compressed (the compression
 * backlog), compressed chunks waiting for a flush, the WAL and blocks on disk, and the
 * event loop's longest delay. Then it waits SETTLE_S with no load. The short bench
 * (`logs-ingest`) pushes ~140 MB in a second or two: no flush or compaction happens while
 * it measures, so it cannot show a backlog that grows with time.
 *
 * Run: `npm run bench -- logs-sustained` (env: DURATION_S=120, SAMPLE_S=10, SETTLE_S=30,
 * STREAMS=500; CAIRN_BENCH_DIST for another build).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { memoryMiB, startCairn } from './lib/targets.js';

const DURATION_S = Number(process.env.DURATION_S ?? 120);
const SAMPLE_S = Number(process.env.SAMPLE_S ?? 10);
const SETTLE_S = Number(process.env.SETTLE_S ?? 30);
const STREAMS = Number(process.env.STREAMS ?? 500);

interface Sample {
  readonly t: number;
  readonly loaded: boolean;
  readonly rssMiB: number;
  readonly gauges: Map<string, number>;
}

const GAUGES = {
  raw: 'cairn_logstore_head_raw_bytes',
  compressed: 'cairn_logstore_head_compressed_bytes',
  wal: 'cairn_logstore_wal_bytes',
  blocks: 'cairn_logstore_blocks_bytes',
  lag: 'nodejs_eventloop_lag_max_seconds',
} as const;

async function scrape(base: string, headers: Record<string, string>): Promise<Map<string, number>> {
  const text = await (await fetch(`${base}/metrics`, { headers })).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (m !== null) out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[2]));
  }
  return out;
}

const target = await startCairn({ CAIRN_LIMITS_INGESTION_RATE_MB: '0', CAIRN_LIMITS_MAX_GLOBAL_STREAMS_PER_USER: '0' });
const base = target.pushUrl.replace(/\/api\/v1\/push$/, '');
const token = target.headers.authorization!.replace(/^Bearer /, '');
const cli = join(import.meta.dirname, '..', process.env.CAIRN_BENCH_DIST ?? 'dist', 'src', 'cli', 'main.js');
const generator = spawn(
  process.execPath,
  [cli, 'bench', 'logs', '--target', base, '--tenant', target.headers['x-scope-orgid']!, '--token', token, '--streams', String(STREAMS), '--lines', '200000', '--duration', `${DURATION_S}s`, '--json'],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let out = '';
generator.stdout.on('data', (d: Buffer) => (out += d.toString()));
const done = new Promise<number>((r) => generator.on('exit', (code) => r(code ?? 1)));

const samples: Sample[] = [];
const t0 = performance.now();
let loaded = true;
void done.then(() => (loaded = false));
const endAt = t0 + (DURATION_S + SETTLE_S) * 1000;
while (performance.now() < endAt) {
  await new Promise((r) => setTimeout(r, SAMPLE_S * 1000));
  samples.push({ t: (performance.now() - t0) / 1000, loaded, rssMiB: memoryMiB(target.pid).rss, gauges: await scrape(base, target.headers) });
}
const code = await done;
const peak = memoryMiB(target.pid).peak;
await target.stop();
if (code !== 0) throw new Error(`cairn bench logs exited with ${code}`);
const report = JSON.parse(out.trim().split('\n').pop()!) as { MBPerSecond: number; latency: { p50Ms: number; p99Ms: number; maxMs: number } };

const mib = (b: number | undefined) => ((b ?? 0) / 1048576).toFixed(0);
console.log(`bench/logs-sustained: ${DURATION_S} s of \`cairn bench logs\` (${STREAMS} streams, 4 senders) then ${SETTLE_S} s idle; node ${process.version}`);
const l = report.latency;
console.log(`push: ${report.MBPerSecond.toFixed(1)} MB/s of lines; request latency p50 ${l.p50Ms.toFixed(1)} ms, p99 ${l.p99Ms.toFixed(1)} ms, max ${l.maxMs.toFixed(1)} ms`);
console.log('| t (s) | load | RSS MiB | uncompressed in head MiB | compressed in head MiB | WAL MiB | blocks MiB | event loop max delay ms |');
console.log('|---:|---|---:|---:|---:|---:|---:|---:|');
for (const s of samples) {
  const g = s.gauges;
  console.log(
    `| ${s.t.toFixed(0)} | ${s.loaded ? 'push' : 'idle'} | ${s.rssMiB.toFixed(0)} | ${mib(g.get(GAUGES.raw))} | ${mib(g.get(GAUGES.compressed))} | ${mib(g.get(GAUGES.wal))} | ${mib(g.get(GAUGES.blocks))} | ${((g.get(GAUGES.lag) ?? 0) * 1000).toFixed(0)} |`,
  );
}
const underLoad = samples.filter((s) => s.loaded);
const max = (f: (s: Sample) => number) => Math.max(0, ...underLoad.map(f));
console.log(
  `under load: max RSS ${max((s) => s.rssMiB).toFixed(0)} MiB, max uncompressed backlog ${mib(max((s) => s.gauges.get(GAUGES.raw) ?? 0))} MiB; peak RSS (VmHWM) ${peak.toFixed(0)} MiB; RSS at the end ${samples.at(-1)?.rssMiB.toFixed(0)} MiB`,
);
