/**
 * bench/otlp: OTLP metrics ingest beside remote write on the same data (issue 10). The
 * same samples, in the same batches of ≤2000 over the same 4 concurrent senders, go to a
 * fresh live Cairn as remote-write bodies (protobuf + Snappy), as OTLP
 * `ExportMetricsServiceRequest` protobuf gzip-compressed (OTel exporters' default), and as
 * uncompressed OTLP protobuf. Reports samples/s, the server's CPU-seconds per million
 * samples (utime+stime from /proc), wire bytes per sample, latency, peak RSS, and the
 * OTLP/remote-write ratios; then, in this process, where a sample's CPU goes on each path
 * (decompress, decode, translate, store into a real TSDB), so the gap is explained.
 *
 * Each format runs REPEAT times, formats interleaved (rw, otlp-gzip, otlp, rw, …) so a
 * slow minute of this shared 2-core machine hits all of them; the run with the median
 * samples/s is reported. Every run checks the server stored every sample.
 *
 * Run: `CAIRN_BENCH_ENTRY=bench/.out/dist-otlp/src/cli/main.js npx tsx bench/otlp.bench.ts`
 * (env: WORKLOADS=100kx20,10kx200,1kx3 SHARDS=4 REPEAT=3 FORMATS=rw,otlp-gzip,otlp
 * INPROCESS=1, CAIRN_BENCH_NODE_ARGS for the server's node flags).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { loadConfig } from '../src/config/config.js';
import { Overrides } from '../src/config/overrides.js';
import { pushWriteRequest, type DistributorDeps } from '../src/ingest/distributor.js';
import { createIngestMetrics } from '../src/ingest/metrics.js';
import { decodeMetricsProto } from '../src/ingest/otlp/decode-proto.js';
import { FALLBACK, OtlpMetricsIngester } from '../src/ingest/otlp/metrics-fast.js';
import { pushOtlpMetrics } from '../src/ingest/otlp/metrics-ingest.js';
import { defaultTranslateOptions, translateMetrics } from '../src/ingest/otlp/metrics-translate.js';
import { IngestionRateLimiter } from '../src/ingest/rate-limit.js';
import { RemoteWriteIngester } from '../src/ingest/remote-write-ingest.js';
import { snappyDecompress } from '../src/ingest/remote-write/index.js';
import { Tsdb, defaultTsdbOptions } from '../src/tsdb/tsdb.js';
import { systemClock } from '../src/util/clock.js';
import { startCairnProcess } from './lib/cairn-process.js';
import { prepareDualWorkload, type DualWorkload } from './lib/otlp-payloads.js';
import type { Workload } from './lib/payloads.js';
import { cpuSeconds, memoryMiB } from './lib/targets.js';

const SHARDS = Number(process.env.SHARDS ?? 4);
const ALL_WORKLOADS: Record<string, Workload> = {
  '100kx20': { name: '100k series × 20 samples', series: 100_000, samplesPerSeries: 20 },
  '10kx200': { name: '10k series × 200 samples', series: 10_000, samplesPerSeries: 200 },
  // For trying the bench out: seconds, not minutes.
  '1kx3': { name: '1k series × 3 samples', series: 1_000, samplesPerSeries: 3 },
};
const workloads = (process.env.WORKLOADS ?? '100kx20').split(',').map((k) => {
  const w = ALL_WORKLOADS[k];
  if (w === undefined) throw new Error(`unknown workload ${k}; have ${Object.keys(ALL_WORKLOADS).join(', ')}`);
  return w;
});
const REPEAT = Math.max(1, Number(process.env.REPEAT ?? 3));
const IN_PROCESS = process.env.INPROCESS !== '0';
/** Mimir's default `distributor.max_recv_msg_size` (100 MiB), the server's default too. */
const MAX_RECV_BYTES = 104_857_600;
const TENANT = 'bench';

type Format = 'rw' | 'otlp-gzip' | 'otlp';
/** How each format goes on the wire: path, headers, and which bodies. */
const FORMATS: Record<Format, { label: string; path: string; headers: Record<string, string>; bodies: (d: DualWorkload) => Buffer[][]; bytes: (d: DualWorkload) => number }> = {
  rw: {
    label: 'remote_write (snappy)',
    path: '/api/v1/push',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
    bodies: (d) => d.remoteWrite,
    bytes: (d) => d.bytes.remoteWrite,
  },
  'otlp-gzip': {
    label: 'OTLP protobuf, gzip',
    path: '/otlp/v1/metrics',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
    bodies: (d) => d.otlpGzip,
    bytes: (d) => d.bytes.otlpGzip,
  },
  otlp: {
    label: 'OTLP protobuf, uncompressed',
    path: '/otlp/v1/metrics',
    headers: { 'content-type': 'application/x-protobuf' },
    bodies: (d) => d.otlpRaw,
    bytes: (d) => d.bytes.otlpRaw,
  },
};
const formats = (process.env.FORMATS ?? 'rw,otlp-gzip,otlp').split(',') as Format[];
for (const f of formats) if (FORMATS[f] === undefined) throw new Error(`unknown format ${f}; have ${Object.keys(FORMATS).join(', ')}`);

interface Result {
  format: Format;
  workload: string;
  samplesPerS: number;
  cpuSPerMillion: number;
  bytesPerSample: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMiB: number;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};
const fmtInt = (n: number) => Math.round(n).toLocaleString('en');

/** One push of the whole workload in `format` to a fresh server; checks every sample was stored. */
async function run(format: Format, d: DualWorkload): Promise<Result> {
  const f = FORMATS[format];
  const nodeArgs = (process.env.CAIRN_BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const server = await startCairnProcess({}, nodeArgs);
  try {
    const token = await server.token(TENANT, 'read+write');
    const url = `${server.base}${f.path}`;
    const headers = { ...f.headers, 'x-scope-orgid': TENANT, authorization: `Bearer ${token}` };
    const latencies: number[] = [];
    let failures = 0;
    let firstFailure = '';
    const cpu0 = cpuSeconds(server.pid);
    const t0 = performance.now();
    await Promise.all(
      f.bodies(d).map(async (requests) => {
        for (const body of requests) {
          const s = performance.now();
          const res = await fetch(url, { method: 'POST', body, headers });
          const answer = new Uint8Array(await res.arrayBuffer());
          latencies.push(performance.now() - s);
          // OTLP answers 200 with a partial success in the body when it refused samples.
          if (res.status !== 200 || (format !== 'rw' && answer.length > 0)) {
            failures++;
            firstFailure ||= `${res.status} ${Buffer.from(answer).toString('latin1').slice(0, 200)}`;
          }
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(server.pid) - cpu0;
    const mem = memoryMiB(server.pid);
    if (failures > 0) throw new Error(`${format}: ${failures} requests failed (first: ${firstFailure})`);
    const metrics = await server.metrics();
    const stored = metrics.get(`cairn_distributor_received_samples_total{tenant="${TENANT}"}`);
    if (stored !== d.totalSamples) throw new Error(`${format}: the server counted ${stored} samples received, ${d.totalSamples} were sent`);
    return {
      format,
      workload: d.workload.name,
      samplesPerS: d.totalSamples / seconds,
      cpuSPerMillion: cpu / (d.totalSamples / 1e6),
      bytesPerSample: f.bytes(d) / d.totalSamples,
      p50Ms: pct(latencies, 50),
      p99Ms: pct(latencies, 99),
      peakRssMiB: mem.peak,
    };
  } finally {
    await server.stop();
  }
}

// ---- in process: where a sample's CPU goes --------------------------------------------

/** A TSDB in a temp dir with the distributor's deps around it (rate limit off, fsync never). */
async function inProcessStore(): Promise<{ deps: DistributorDeps; overrides: Overrides; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-otlp-'));
  const overrides = new Overrides(loadConfig({ overrides: { data_dir: dir, 'limits.ingestion_rate': 0 } }).limits);
  // fsync never: the stage figures are CPU, and the WAL's disk flushes are the same on both paths.
  const db = new Tsdb({ ...defaultTsdbOptions(dir), fsync: 'never', clock: systemClock }, overrides);
  await db.start();
  const deps: DistributorDeps = {
    appender: (t) => db.appender(t),
    limits: overrides,
    rateLimiter: new IngestionRateLimiter(overrides, systemClock),
    clock: systemClock,
    metrics: createIngestMetrics(new Registry()),
  };
  return {
    deps,
    overrides,
    async stop() {
      await db.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Nanoseconds per sample of each named stage (wall time around synchronous work on this
 * one thread, so CPU time but for the rare await), over one pass of the workload; and the
 * whole pass's process CPU (all threads: GC helpers, the WAL's file writes) per sample.
 */
interface Stages {
  readonly stages: Map<string, number>;
  readonly processCpu: number;
}

/** Process CPU (user + system) since `since`, in ns per sample of `d`. */
function processCpuPerSample(since: NodeJS.CpuUsage, d: DualWorkload): number {
  const u = process.cpuUsage(since);
  return ((u.user + u.system) * 1000) / d.totalSamples;
}

/** The server's remote-write path without HTTP: Snappy, then scan + store (`RemoteWriteIngester`). */
async function remoteWriteStages(d: DualWorkload): Promise<Stages> {
  const store = await inProcessStore();
  const ingester = new RemoteWriteIngester(store.deps);
  let snappy = 0;
  let scanStore = 0;
  const cpu0 = process.cpuUsage();
  let cpu = 0;
  try {
    for (const shard of d.remoteWrite) {
      for (const body of shard) {
        const t0 = performance.now();
        const raw = snappyDecompress(body, MAX_RECV_BYTES);
        const t1 = performance.now();
        await ingester.push(TENANT, raw);
        const t2 = performance.now();
        snappy += t1 - t0;
        scanStore += t2 - t1;
      }
    }
    cpu = processCpuPerSample(cpu0, d); // before stop(): closing the TSDB is not ingest
  } finally {
    await store.stop();
  }
  const perSample = (ms: number) => (ms * 1e6) / d.totalSamples;
  return {
    stages: new Map([
      ['decompress (Snappy)', perSample(snappy)],
      ['scan + store (RemoteWriteIngester)', perSample(scanStore)],
    ]),
    processCpu: cpu,
  };
}

/**
 * The server's OTLP path without HTTP: gunzip, protobuf decode to the plain shape,
 * translation to a WriteRequest, store (`pushWriteRequest`, what `pushOtlpMetrics` calls).
 */
async function otlpStages(d: DualWorkload): Promise<Stages> {
  const store = await inProcessStore();
  const opts = defaultTranslateOptions();
  let gunzip = 0;
  let decode = 0;
  let translate = 0;
  let push = 0;
  const cpu0 = process.cpuUsage();
  let cpu = 0;
  try {
    for (const shard of d.otlpGzip) {
      for (const body of shard) {
        const t0 = performance.now();
        const raw = gunzipSync(body, { maxOutputLength: MAX_RECV_BYTES });
        const t1 = performance.now();
        const req = decodeMetricsProto(raw);
        const t2 = performance.now();
        const tr = translateMetrics(req, opts);
        const t3 = performance.now();
        await pushWriteRequest(TENANT, tr.request, store.deps);
        const t4 = performance.now();
        gunzip += t1 - t0;
        decode += t2 - t1;
        translate += t3 - t2;
        push += t4 - t3;
      }
    }
    cpu = processCpuPerSample(cpu0, d);
  } finally {
    await store.stop();
  }
  const perSample = (ms: number) => (ms * 1e6) / d.totalSamples;
  return {
    stages: new Map([
      ['decompress (gzip)', perSample(gunzip)],
      ['decode (protobuf → plain objects)', perSample(decode)],
      ['translate (→ WriteRequest)', perSample(translate)],
      ['store (pushWriteRequest)', perSample(push)],
    ]),
    processCpu: cpu,
  };
}

/**
 * The server's OTLP route as it runs: gunzip, then the hot path (`OtlpMetricsIngester`,
 * series known by their bytes), or for a request with a series not seen before the
 * reference route above and learning its series.
 */
async function otlpRouteStages(d: DualWorkload): Promise<Stages> {
  const store = await inProcessStore();
  const deps = { ...store.deps, limits: store.overrides };
  const ingester = new OtlpMetricsIngester(deps);
  let gunzip = 0;
  let fast = 0;
  let fallback = 0;
  let fallbacks = 0;
  let requests = 0;
  const cpu0 = process.cpuUsage();
  let cpu = 0;
  try {
    for (const shard of d.otlpGzip) {
      for (const body of shard) {
        const t0 = performance.now();
        const raw = gunzipSync(body, { maxOutputLength: MAX_RECV_BYTES });
        const t1 = performance.now();
        requests++;
        if ((await ingester.tryPush(TENANT, raw)) === FALLBACK) {
          const req = decodeMetricsProto(raw);
          try {
            await pushOtlpMetrics(TENANT, req, deps);
          } finally {
            ingester.learn(TENANT, raw, req);
          }
          fallback += performance.now() - t1;
          fallbacks++;
        } else fast += performance.now() - t1;
        gunzip += t1 - t0;
      }
    }
    cpu = processCpuPerSample(cpu0, d);
  } finally {
    await store.stop();
  }
  const perSample = (ms: number) => (ms * 1e6) / d.totalSamples;
  return {
    stages: new Map([
      ['decompress (gzip)', perSample(gunzip)],
      [`series seen before: scan + store (OtlpMetricsIngester), ${requests - fallbacks} requests`, perSample(fast)],
      [`a series not seen before: the reference route + learning, ${fallbacks} requests`, perSample(fallback)],
    ]),
    processCpu: cpu,
  };
}

function printStages(workload: string, path: string, s: Stages): void {
  let total = 0;
  for (const [stage, ns] of s.stages) {
    total += ns;
    console.log(`| ${workload} | ${path} | ${stage} | ${ns.toFixed(0)} | ${(ns / 1000).toFixed(2)} |`);
  }
  console.log(`| ${workload} | ${path} | **sum of stages** | ${total.toFixed(0)} | ${(total / 1000).toFixed(2)} |`);
  console.log(`| ${workload} | ${path} | whole pass, process CPU | ${s.processCpu.toFixed(0)} | ${(s.processCpu / 1000).toFixed(2)} |`);
}

// ---- main ------------------------------------------------------------------------------

console.log(`bench/otlp: ${SHARDS} concurrent senders, batches of ≤2000 samples, node ${process.version}`);
console.log(`server entry: ${process.env.CAIRN_BENCH_ENTRY ?? 'dist/src/cli/main.js'}`);
const results: Result[] = [];
const inProcess: { workload: string; rw: Stages; otlp: Stages; route: Stages }[] = [];
for (const w of workloads) {
  const t = performance.now();
  const d = prepareDualWorkload(w, SHARDS, Date.now());
  const requests = d.remoteWrite.reduce((n, s) => n + s.length, 0);
  const mb = (b: number) => (b / 1e6).toFixed(1);
  console.log(
    `\n${w.name}: ${requests} requests per format; remote write ${mb(d.bytes.remoteWrite)} MB, OTLP gzip ${mb(d.bytes.otlpGzip)} MB, OTLP raw ${mb(d.bytes.otlpRaw)} MB (prepared in ${((performance.now() - t) / 1000).toFixed(1)} s)`,
  );
  const runs = new Map<Format, Result[]>(formats.map((f) => [f, []]));
  for (let i = 0; i < REPEAT; i++) {
    for (const f of formats) {
      const r = await run(f, d);
      runs.get(f)!.push(r);
      console.log(
        `  ${f} #${i + 1}: ${fmtInt(r.samplesPerS)} samples/s, ${r.cpuSPerMillion.toFixed(2)} CPU-s/M samples, ${r.bytesPerSample.toFixed(2)} B/sample, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, peak RSS ${r.peakRssMiB.toFixed(0)} MiB`,
      );
    }
  }
  for (const f of formats) {
    const rs = runs.get(f)!.sort((a, b) => a.samplesPerS - b.samplesPerS);
    results.push(rs[Math.floor(rs.length / 2)]!);
  }
  if (IN_PROCESS) inProcess.push({ workload: w.name, rw: await remoteWriteStages(d), otlp: await otlpStages(d), route: await otlpRouteStages(d) });
}

console.log('\n| workload | format | samples/s | CPU-s per M samples | wire bytes/sample | p50 | p99 | peak RSS | OTLP/RW samples/s | OTLP/RW CPU per sample |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  const rw = results.find((x) => x.workload === r.workload && x.format === 'rw');
  const ratio = rw !== undefined && r.format !== 'rw' ? `${(r.samplesPerS / rw.samplesPerS).toFixed(2)}×` : '';
  const cpuRatio = rw !== undefined && r.format !== 'rw' ? `${(r.cpuSPerMillion / rw.cpuSPerMillion).toFixed(2)}×` : '';
  console.log(
    `| ${r.workload} | ${FORMATS[r.format].label} | ${fmtInt(r.samplesPerS)} | ${r.cpuSPerMillion.toFixed(2)} | ${r.bytesPerSample.toFixed(2)} | ${r.p50Ms.toFixed(1)} ms | ${r.p99Ms.toFixed(1)} ms | ${r.peakRssMiB.toFixed(0)} MiB | ${ratio} | ${cpuRatio} |`,
  );
}
if (inProcess.length > 0) {
  console.log('\nIn process, one pass of the same requests into a fresh TSDB (ns/sample ÷ 1000 = CPU-s per M samples):\n');
  console.log('| workload | path | stage | ns/sample | CPU-s per M samples |');
  console.log('|---|---|---|---:|---:|');
  for (const x of inProcess) {
    printStages(x.workload, 'remote write', x.rw);
    printStages(x.workload, 'OTLP gzip, reference route', x.otlp);
    printStages(x.workload, 'OTLP gzip, as the server runs it', x.route);
  }
}
