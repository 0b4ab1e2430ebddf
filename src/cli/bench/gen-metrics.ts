/**
 * Remote-write load generation: node-exporter-like series (CPU seconds by cpu and mode,
 * memory and filesystem gauges, network counters by device, request-duration histogram
 * buckets with their sum and count), labelled as a Prometheus scrape labels them (`job`,
 * `instance`), with counter, gauge and cumulative-histogram value shapes, encoded as
 * remote-write 1.0 protobuf and snappy-compressed.
 *
 * Two users: `prepareWorkload` encodes a whole fixed workload up front (the tinybench
 * suites in `bench/`), and `MetricsSource` produces the requests of `cairn bench metrics`
 * per sender shard, with timestamps that follow the wall clock (but advance at least 1 ms
 * per sample of a series, so a few series sent very fast run ahead of it, up to the
 * target's creation grace period) and optional series churn.
 * Both shard like Prometheus's queue manager (series index mod shards), so one series'
 * samples always go out in time order on one shard.
 */
import { mulberry32 as rng } from '../../util/random.js';
import { WriteRequestType, snappyCompress } from '../../ingest/remote-write/index.js';

/** A fixed workload: `series` series with `samplesPerSeries` samples each. */
export interface Workload {
  readonly name: string;
  readonly series: number;
  readonly samplesPerSeries: number;
}


/** How a series' value moves from one sample to the next. */
export type ValueKind = 'counter' | 'gauge' | 'bucket';

/** One generated series: sorted labels, value shape and current value. */
export interface GenSeries {
  readonly labels: { name: string; value: string }[];
  readonly kind: ValueKind;
  value: number;
  /** For `bucket`: this bucket's share of observations (cumulative, so `+Inf` is 1). */
  readonly share: number;
}

const MODES = ['idle', 'user', 'system', 'iowait', 'irq', 'softirq', 'steal', 'nice'];
const DEVICES = ['eth0', 'eth1', 'lo', 'docker0'];
const MOUNTS = ['/', '/boot', '/var', '/home'];
const LES = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];

/** Series of one host (about 100), labelled with its instance. */
function hostSeries(host: number, rand: () => number): GenSeries[] {
  const instance = `host-${host}.example.internal:9100`;
  const base = (name: string, extra: Record<string, string>, kind: ValueKind, share = 1): GenSeries => ({
    labels: Object.entries({ __name__: name, ...extra, instance, job: 'node' })
      .map(([n, v]) => ({ name: n, value: v }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
    kind,
    value: kind === 'gauge' ? rand() * 1e9 : Math.floor(rand() * 1e6),
    share,
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
    // Latencies skew low: the cumulative share reaches ~0.5 by 50 ms and 1 at +Inf.
    LES.forEach((le, i) => out.push(base('http_request_duration_seconds_bucket', { handler, le }, 'bucket', Math.min(1, 0.15 + (0.85 * (i + 1)) / LES.length))));
    out.push(base('http_request_duration_seconds_sum', { handler }, 'counter'));
    out.push(base('http_request_duration_seconds_count', { handler }, 'bucket'));
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

/**
 * Moves a series' value one scrape on: counters grow, gauges random-walk within ±5%, a
 * histogram bucket grows by its share of the same (per-host) observation count, so
 * buckets stay cumulative up to `+Inf` and `_count`.
 */
function step(s: GenSeries, rand: () => number, observations: number): void {
  if (s.kind === 'counter') s.value += Math.floor(rand() * 100);
  else if (s.kind === 'gauge') s.value *= 0.95 + rand() * 0.1;
  else s.value += Math.round(observations * s.share);
}

/** A shard's requests, in the order that shard sends them. */
export type ShardPayloads = Buffer[];

/** A fixed workload encoded: each shard's requests, and totals. */
export interface PreparedWorkload {
  readonly workload: Workload;
  readonly shards: ShardPayloads[];
  readonly totalSamples: number;
  readonly totalBytes: number;
}

/** Encodes timeseries as a snappy-compressed remote-write 1.0 WriteRequest. */
export function encodeWriteRequest(timeseries: { labels: GenSeries['labels']; samples: { value: number; timestamp: number }[] }[]): Buffer {
  return Buffer.from(snappyCompress(WriteRequestType.encode(WriteRequestType.fromObject({ timeseries })).finish()));
}

/**
 * Encodes a workload: `samplesPerSeries` scrape rounds 15 s apart ending `endMs`; each
 * round's samples go to the shard of their series, batched at `batchSamples`
 * (`max_samples_per_send`, 2000 by Prometheus's default).
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
    const body = encodeWriteRequest(pending[shard]!);
    shards[shard]!.push(body);
    totalBytes += body.length;
    pending[shard] = [];
    pendingSamples[shard] = 0;
  };
  for (let round = 0; round < w.samplesPerSeries; round++) {
    const t = startMs + round * scrapeMs + Math.floor(rand() * 50);
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      // The benchmarks' recorded results were measured with this exact sequence: keep it.
      s.value = s.kind === 'gauge' ? s.value * (0.95 + rand() * 0.1) : s.value + Math.floor(rand() * 100);
      const shard = i % shardCount;
      pending[shard]!.push({ labels: s.labels, samples: [{ value: s.value, timestamp: t }] });
      if (++pendingSamples[shard]! >= batchSamples) flush(shard);
    }
    // Prometheus sends what it has at batch_send_deadline; a round is one scrape.
    for (let shard = 0; shard < shardCount; shard++) flush(shard);
  }
  return { workload: w, shards, totalSamples: w.series * w.samplesPerSeries, totalBytes };
}

/** Options of a `MetricsSource`. */
export interface MetricsSourceOptions {
  /** Active series at any time. */
  readonly series: number;
  /** Senders; series i belongs to shard i mod shards. */
  readonly shards: number;
  /** Samples per request at most (Prometheus's `max_samples_per_send`). */
  readonly batchSamples: number;
  /** Fraction of series replaced by new ones per sample (0 none, 0.01: every series every 100 samples). */
  readonly churn: number;
  readonly seed: number;
  /** Wall clock, ms; tests inject one. */
  readonly nowMs: () => number;
}

/** One encoded request and what it carries. */
export interface EncodedRequest {
  readonly body: Buffer;
  readonly samples: number;
  /** Uncompressed protobuf bytes are not kept; this is the snappy body's length. */
  readonly bytes: number;
}

/** One shard's series and where its next request starts. */
interface ShardState {
  readonly slots: { s: GenSeries; lastT: number; churnAcc: number; gen: number; host: number; fresh: boolean }[];
  /** Index of the next slot to emit. */
  cursor: number;
}

/**
 * Produces remote-write requests for `cairn bench metrics`, one shard at a time. A
 * request covers a slice of the shard's series with one or more samples each, filling
 * `batchSamples`; timestamps are the wall clock at encoding (at least 1 ms after the
 * series' previous sample, so every series stays in order when requests are encoded
 * ahead of time). Churn replaces a series' `instance` with a new generation, a new series
 * as a rescheduled pod would make.
 */
export class MetricsSource {
  private readonly shards: ShardState[];
  private readonly rand: () => number;
  /** Distinct series in the requests encoded so far (initial ones plus those churned in). */
  seriesCreated = 0;

  constructor(private readonly opts: MetricsSourceOptions) {
    const all = generateSeries(opts.series, opts.seed);
    this.rand = rng(opts.seed + 1);
    this.shards = Array.from({ length: opts.shards }, () => ({ slots: [], cursor: 0 }));
    all.forEach((s, i) => {
      const host = Number(/host-(\d+)/.exec(s.labels.find((l) => l.name === 'instance')!.value)![1]);
      // Buckets and _count start together at 0 (a fresh process), so they stay cumulative.
      if (s.kind === 'bucket') s.value = 0;
      this.shards[i % opts.shards]!.slots.push({ s, lastT: 0, churnAcc: 0, gen: 0, host, fresh: true });
    });
  }

  /**
   * Encodes the next request of `shard`, of at most `maxSamples` (and `batchSamples`)
   * samples; undefined when the shard holds no series or `maxSamples` < 1.
   */
  next(shard: number, maxSamples = Infinity): EncodedRequest | undefined {
    const st = this.shards[shard]!;
    const n = st.slots.length;
    const budget = Math.min(this.opts.batchSamples, Math.floor(maxSamples));
    if (n === 0 || budget < 1) return undefined;
    // Few series per shard: several samples per series fill the batch, as a queue
    // manager that fell behind by some scrapes would send them.
    const perSeries = Math.max(1, Math.floor(budget / n));
    const seriesInRequest = Math.min(n, Math.floor(budget / perSeries));
    const now = this.opts.nowMs();
    const observations = Math.floor(this.rand() * 200);
    const timeseries: { labels: GenSeries['labels']; samples: { value: number; timestamp: number }[] }[] = [];
    for (let k = 0; k < seriesInRequest; k++) {
      const slot = st.slots[st.cursor]!;
      st.cursor = (st.cursor + 1) % n;
      slot.churnAcc += this.opts.churn * perSeries;
      if (slot.churnAcc >= 1) {
        slot.churnAcc -= Math.floor(slot.churnAcc);
        slot.s = this.rechurn(slot.s, slot.host, ++slot.gen);
        slot.lastT = 0;
        slot.fresh = true;
      }
      if (slot.fresh) {
        slot.fresh = false;
        this.seriesCreated++;
      }
      const samples: { value: number; timestamp: number }[] = [];
      for (let j = 0; j < perSeries; j++) {
        step(slot.s, this.rand, observations);
        const t = Math.max(slot.lastT + 1, now - (perSeries - 1 - j));
        slot.lastT = t;
        samples.push({ value: slot.s.value, timestamp: t });
      }
      timeseries.push({ labels: slot.s.labels, samples });
    }
    const body = encodeWriteRequest(timeseries);
    return { body, samples: seriesInRequest * perSeries, bytes: body.length };
  }

  /** The same series under a new instance (generation `gen`), its value starting afresh. */
  private rechurn(s: GenSeries, host: number, gen: number): GenSeries {
    const instance = `host-${host}-g${gen}.example.internal:9100`;
    return { labels: s.labels.map((l) => (l.name === 'instance' ? { name: 'instance', value: instance } : l)), kind: s.kind, share: s.share, value: s.kind === 'gauge' ? s.value : 0 };
  }
}

/** The generators' PRNG (mulberry32), so payloads are the same in every run. */
export { rng };
