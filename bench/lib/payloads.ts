/**
 * Pre-encoded remote-write payloads for load generation, built once from a seed so the
 * generator is never the bottleneck: node-exporter-like series (CPU seconds by cpu and
 * mode, memory and filesystem gauges, network counters by device, request-duration
 * histogram buckets), sharded like Prometheus's queue manager (series hash mod shards,
 * so each series' samples go out in time order on one shard) and batched at
 * `max_samples_per_send` (2000, Prometheus's default).
 */
import { WriteRequestType, snappyCompress } from '../../src/ingest/remote-write/index.js';

export interface Workload {
  readonly name: string;
  readonly series: number;
  readonly samplesPerSeries: number;
}

/** A deterministic PRNG (mulberry32), so payloads are the same in every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Kind = 'counter' | 'gauge';

/** One series' identity and value shape. */
interface GenSeries {
  readonly labels: { name: string; value: string }[];
  readonly kind: Kind;
  value: number;
}

const MODES = ['idle', 'user', 'system', 'iowait', 'irq', 'softirq', 'steal', 'nice'];
const DEVICES = ['eth0', 'eth1', 'lo', 'docker0'];
const MOUNTS = ['/', '/boot', '/var', '/home'];
const LES = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];

/** Series of one host (about 100), labelled with its instance. */
function hostSeries(host: number, rand: () => number): GenSeries[] {
  const instance = `host-${host}.example.internal:9100`;
  const base = (name: string, extra: Record<string, string>, kind: Kind): GenSeries => ({
    labels: Object.entries({ __name__: name, ...extra, instance, job: 'node' })
      .map(([n, v]) => ({ name: n, value: v }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
    kind,
    value: kind === 'counter' ? Math.floor(rand() * 1e6) : rand() * 1e9,
  });
  const out: GenSeries[] = [];
  for (let cpu = 0; cpu < 4; cpu++) for (const mode of MODES) out.push(base('node_cpu_seconds_total', { cpu: String(cpu), mode }, 'counter'));
  for (const m of ['MemTotal', 'MemFree', 'MemAvailable', 'Buffers', 'Cached', 'SwapTotal', 'SwapFree', 'Active', 'Inactive', 'Dirty']) out.push(base(`node_memory_${m}_bytes`, {}, 'gauge'));
  for (const device of DEVICES) {
    for (const d of ['receive', 'transmit']) {
      for (const what of ['bytes', 'packets', 'errs', 'drop']) out.push(base(`node_network_${d}_${what}_total`, { device }, 'counter'));
    }
  }
  for (const mountpoint of MOUNTS) for (const f of ['avail', 'free', 'size']) out.push(base(`node_filesystem_${f}_bytes`, { device: '/dev/sda1', fstype: 'ext4', mountpoint }, 'gauge'));
  for (const handler of ['/metrics', '/api']) {
    for (const le of LES) out.push(base('http_request_duration_seconds_bucket', { handler, le }, 'counter'));
    out.push(base('http_request_duration_seconds_sum', { handler }, 'counter'));
    out.push(base('http_request_duration_seconds_count', { handler }, 'counter'));
  }
  return out;
}

/** `n` series over as many hosts as needed. */
export function generateSeries(n: number, seed = 42): GenSeries[] {
  const rand = rng(seed);
  const out: GenSeries[] = [];
  for (let host = 0; out.length < n; host++) out.push(...hostSeries(host, rand));
  return out.slice(0, n);
}

/** A shard's requests, in the order that shard sends them. */
export type ShardPayloads = Buffer[];

export interface PreparedWorkload {
  readonly workload: Workload;
  readonly shards: ShardPayloads[];
  readonly totalSamples: number;
  readonly totalBytes: number;
}

/**
 * Encodes a workload: `samplesPerSeries` scrape rounds 15 s apart ending `endMs`; each
 * round's samples go to the shard of their series, batched at `batchSamples`.
 */
export function prepareWorkload(w: Workload, shardCount: number, endMs: number, batchSamples = 2000, seed = 42): PreparedWorkload {
  const series = generateSeries(w.series, seed);
  const rand = rng(seed + 1);
  const scrapeMs = 15_000;
  const startMs = endMs - (w.samplesPerSeries - 1) * scrapeMs;
  const shards: ShardPayloads[] = Array.from({ length: shardCount }, () => []);
  const pending: { labels: GenSeries['labels']; samples: { value: number; timestamp: number }[] }[][] = Array.from({ length: shardCount }, () => []);
  const pendingSamples = new Array<number>(shardCount).fill(0);
  let totalBytes = 0;
  const flush = (shard: number) => {
    if (pending[shard]!.length === 0) return;
    const body = Buffer.from(snappyCompress(WriteRequestType.encode(WriteRequestType.fromObject({ timeseries: pending[shard] })).finish()));
    shards[shard]!.push(body);
    totalBytes += body.length;
    pending[shard] = [];
    pendingSamples[shard] = 0;
  };
  for (let round = 0; round < w.samplesPerSeries; round++) {
    const t = startMs + round * scrapeMs + Math.floor(rand() * 50);
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      s.value = s.kind === 'counter' ? s.value + Math.floor(rand() * 100) : s.value * (0.95 + rand() * 0.1);
      const shard = i % shardCount;
      pending[shard]!.push({ labels: s.labels, samples: [{ value: s.value, timestamp: t }] });
      if (++pendingSamples[shard]! >= batchSamples) flush(shard);
    }
    // Prometheus sends what it has at batch_send_deadline; a round is one scrape.
    for (let shard = 0; shard < shardCount; shard++) flush(shard);
  }
  return { workload: w, shards, totalSamples: w.series * w.samplesPerSeries, totalBytes };
}
