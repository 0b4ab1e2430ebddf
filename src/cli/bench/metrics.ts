/**
 * `cairn bench metrics`: a remote-write load generator (as Prometheus's avalanche) for
 * Cairn, Mimir, Prometheus (`--path /api/v1/write`) or VictoriaMetrics: node-exporter-like
 * series sent as protobuf+snappy by `--concurrency` shards, for a duration or a number of
 * samples, reporting samples/s, request latency, errors by status, retries and the
 * generator's own CPU.
 */
import { UsageError } from '../args.js';
import { defaultIo, type CliIo } from '../http-client.js';
import { durationFlag, fmtCount, intFlag, parseBenchArgs, printReport, Progress, requestJson, requestRows, TARGET_FLAGS, TARGET_USAGE, targetFrom } from './common.js';
import { MetricsSource } from './gen-metrics.js';
import { generatorJson, generatorRows, round3, runPush } from './push-run.js';

/** Usage of `cairn bench metrics`. */
export const BENCH_METRICS_USAGE = `cairn bench metrics TARGET [--series N] [--samples-per-series M] [--batch B] [--concurrency C]
                   [--duration D | --total S] [--churn R] [--path /api/v1/push] [--seed N]
${TARGET_USAGE}`;

const FLAGS = {
  ...TARGET_FLAGS,
  series: { type: 'string' },
  'samples-per-series': { type: 'string' },
  batch: { type: 'string' },
  concurrency: { type: 'string' },
  duration: { type: 'string' },
  total: { type: 'string' },
  churn: { type: 'string' },
  path: { type: 'string' },
  seed: { type: 'string' },
} as const;

/** 1000 series (ten node-exporter hosts) by 10 samples: a quick default run of 10k samples. */
const DEFAULT_SERIES = 1000;
const DEFAULT_SAMPLES_PER_SERIES = 10;
/** Prometheus's `max_samples_per_send`. */
const DEFAULT_BATCH = 2000;
/** Prometheus starts its queue manager with 1 shard and grows; 4 loads a server without a tuning step. */
const DEFAULT_CONCURRENCY = 4;
/** Pre-encode at most this much before the clock starts: ~100M samples at ~2.5 bytes each is more than a run needs. */
const PREFILL_BYTES = 256 << 20;
/** A duration run encodes ahead for a tenth of it, at most 2 s: enough queued work that senders start at full speed; the rest is encoded as sent (and counted). */
const PREFILL_MAX_MS = 2000;

/** Runs `cairn bench metrics`; exit 0 when every request was accepted, 1 when any failed. */
export async function benchMetrics(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const { values, positionals } = parseBenchArgs(argv, FLAGS);
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const target = targetFrom(values, io);
  const series = intFlag('series', values.series, DEFAULT_SERIES);
  const perSeries = intFlag('samples-per-series', values['samples-per-series'], DEFAULT_SAMPLES_PER_SERIES);
  const batch = intFlag('batch', values.batch, DEFAULT_BATCH);
  const concurrency = intFlag('concurrency', values.concurrency, DEFAULT_CONCURRENCY);
  const seed = intFlag('seed', values.seed, 42, 0);
  const durationMs = durationFlag('duration', values.duration);
  if (durationMs !== undefined && values.total !== undefined) throw new UsageError('--duration and --total are exclusive');
  const total = durationMs === undefined ? intFlag('total', values.total, series * perSeries) : undefined;
  const churn = values.churn === undefined ? 0 : Number(values.churn);
  if (!(churn >= 0 && churn <= 1)) throw new UsageError(`--churn must be a fraction of series replaced per sample, 0..1, got '${values.churn}'`);
  const path = values.path ?? '/api/v1/push';
  if (!path.startsWith('/')) throw new UsageError(`--path must start with /, got '${path}'`);
  const json = values.json === true;

  // More shards than series would leave senders idle.
  const shards = Math.min(concurrency, series);
  const source = new MetricsSource({ series, shards, batchSamples: batch, churn, seed, nowMs: Date.now });
  let produced = 0;
  const result = await runPush(io, {
    url: target.base + path,
    headers: { ...target.headers, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
    concurrency: shards,
    durationMs,
    prefillBytes: PREFILL_BYTES,
    prefillMaxMs: durationMs === undefined ? Infinity : Math.min(PREFILL_MAX_MS, durationMs / 10),
    unit: 'samples',
    progress: Progress.modeFor(json),
    next: (w) => {
      // A bounded run ends at exactly `total` samples: the last requests are cut short.
      const r = source.next(w, total === undefined ? Infinity : total - produced);
      if (r === undefined) return undefined;
      produced += r.samples;
      return { body: r.body, items: r.samples, rawBytes: r.bytes };
    },
  });

  const c = result.counters;
  const rate = result.wallSeconds > 0 ? c.items / result.wallSeconds : 0;
  const mbps = result.wallSeconds > 0 ? c.wireBytes / 1e6 / result.wallSeconds : 0;
  printReport(
    io,
    {
      title: `cairn bench metrics → ${target.base}${path}`,
      sections: [
        { name: 'workload', rows: [['series', `${series} (${source.seriesCreated} created with churn ${churn})`], ['batch', `${batch} samples, ${shards} senders`], ['bound', durationMs === undefined ? `${total} samples` : `${durationMs / 1000}s`]] },
        { name: 'throughput', rows: [['samples', `${c.items} in ${result.wallSeconds.toFixed(2)}s`], ['samples/s', fmtCount(rate)], ['wire', `${(c.wireBytes / 1e6).toFixed(2)} MB (${mbps.toFixed(2)} MB/s)`]] },
        { name: 'requests', rows: requestRows(c) },
        { name: 'generator', rows: generatorRows(result) },
      ],
      json: {
        kind: 'metrics',
        target: target.base + path,
        config: { series, samplesPerSeries: perSeries, batch, concurrency: shards, durationMs: durationMs ?? null, total: total ?? null, churn, seed },
        samples: c.items,
        samplesPerSecond: round3(rate),
        wireBytes: c.wireBytes,
        wireMBPerSecond: round3(mbps),
        seriesCreated: source.seriesCreated,
        ...requestJson(c),
        generator: generatorJson(result),
      },
    },
    json,
  );
  return c.errors > 0 ? 1 : 0;
}
