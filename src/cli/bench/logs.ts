/**
 * `cairn bench logs`: a Loki push load generator for Cairn or Loki: the realistic corpus
 * of `gen-log-corpus.ts` (nginx, apache, JSON, logfmt, Java and Node.js streams with
 * Kubernetes labels), batched as Promtail batches, sent as protobuf+snappy or JSON by
 * `--concurrency` senders, once or for a duration, reporting MB/s and lines/s, request
 * latency, errors by status, retries and the generator's own CPU.
 */
import { UsageError } from '../args.js';
import { defaultIo, type CliIo } from '../http-client.js';
import { durationFlag, fmtCount, intFlag, parseBenchArgs, printReport, Progress, requestJson, requestRows, TARGET_FLAGS, TARGET_USAGE, targetFrom } from './common.js';
import { generateCorpus } from './gen-log-corpus.js';
import { PushEncoder, pushContentType, type PushBody, type PushFormat } from './gen-loki-payloads.js';
import { generatorJson, generatorRows, round3, runPush } from './push-run.js';

/** Usage of `cairn bench logs`. */
export const BENCH_LOGS_USAGE = `cairn bench logs   TARGET [--streams N] [--lines L] [--batch-bytes B] [--format proto|json]
                   [--concurrency C] [--duration D] [--path /loki/api/v1/push] [--seed N]
${TARGET_USAGE}`;

const FLAGS = {
  ...TARGET_FLAGS,
  streams: { type: 'string' },
  lines: { type: 'string' },
  'batch-bytes': { type: 'string' },
  format: { type: 'string' },
  concurrency: { type: 'string' },
  duration: { type: 'string' },
  path: { type: 'string' },
  seed: { type: 'string' },
} as const;

/** 100 streams: a small cluster's pods. */
const DEFAULT_STREAMS = 100;
/** 10k lines (~2 MB): a quick default run; with --duration, one pass of the corpus. */
const DEFAULT_LINES = 10_000;
/** Promtail's `batchsize` (1 MiB of lines per push). */
const DEFAULT_BATCH_BYTES = 1 << 20;
/** Promtail and Alloy push from one goroutine per client; 4 loads a server like a few agents. */
const DEFAULT_CONCURRENCY = 4;
/** The first pass's entries span the minute before it is encoded: inside Loki's and Cairn's out-of-order window. */
const PASS_SPAN_MS = 60_000;
/** Pre-encode at most this much before the clock starts. */
const PREFILL_BYTES = 256 << 20;
/** A duration run encodes ahead for a tenth of it, at most 2 s; the rest is encoded as sent (and counted). */
const PREFILL_MAX_MS = 2000;

/**
 * Push bodies pass after pass: the corpus of `lines` lines is generated once, timed over
 * the minute before the first pass (generating it, the costly part, happens once). Each
 * later pass is the same lines, new entries rather than duplicates a store would drop:
 * timed from just after the last pass's newest entry over as long as the last pass took
 * to encode and send, the corpus's minute squeezed into it. Every stream's times thus keep
 * pace with the clock, in order, as a real client's would. (A pass moved to the minute
 * before it started made every stream's entries arrive out of order, over 100 passes at
 * once at 300 k lines/s, and its chunks overlap as much.) `maxPasses` bounds a run without
 * a duration.
 */
export class LogsSource {
  private encoder: PushEncoder | undefined;
  /** Passes started, the current pass's shift and scale (PushEncoder.request), and its next request. */
  private pass = 0;
  private shiftMs = 0;
  private scale = 1;
  private nextRequest = 0;
  /** When the current pass started (clock ms), and its newest entry's time. */
  private passStartMs = 0;
  private passEndMs = 0;

  constructor(
    private readonly o: { streams: number; lines: number; batchBytes: number; format: PushFormat; seed: number; maxPasses: number; nowMs: () => number },
  ) {}

  next(): PushBody | undefined {
    if (this.encoder === undefined || this.nextRequest === this.encoder.requests) {
      if (this.pass >= this.o.maxPasses) return undefined;
      const now = this.o.nowMs();
      if (this.encoder === undefined) {
        // The corpus's objects are dropped once laid out: the encoder keeps the lines' bytes only.
        const corpus = generateCorpus({ seed: this.o.seed, streams: this.o.streams, lines: this.o.lines, startMs: now - PASS_SPAN_MS, durationMs: PASS_SPAN_MS });
        this.encoder = new PushEncoder(corpus, this.o.format, this.o.batchBytes);
        // Its last entries may run a few gaps past the minute: the pass ends at the clock.
        this.shiftMs = Math.min(0, now - this.encoder.lastMs);
      } else {
        const span = Math.max(1, this.encoder.lastMs - this.encoder.firstMs);
        this.scale = Math.min(1, Math.max(1, now - this.passStartMs) / span);
        // A pass slower than the corpus's span starts no earlier than that span ago: times do not fall further and further behind.
        this.shiftMs = Math.max(this.passEndMs + 1, now - span) - this.encoder.firstMs;
      }
      this.passStartMs = now;
      // At most the last entry's time (its ns scaled into the same ms or an earlier one).
      this.passEndMs = this.encoder.firstMs + this.shiftMs + Math.floor((this.encoder.lastMs - this.encoder.firstMs + 1) * this.scale);
      this.nextRequest = 0;
      this.pass++;
    }
    return this.encoder.request(this.nextRequest++, this.shiftMs, this.scale);
  }

  /** Passes started so far. */
  get passes(): number {
    return this.pass;
  }
}

/** Runs `cairn bench logs`; exit 0 when every request was accepted, 1 when any failed. */
export async function benchLogs(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const { values, positionals } = parseBenchArgs(argv, FLAGS);
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const target = targetFrom(values, io);
  const streams = intFlag('streams', values.streams, DEFAULT_STREAMS);
  const lines = intFlag('lines', values.lines, DEFAULT_LINES);
  if (lines < streams) throw new UsageError(`--lines (${lines}) must be at least --streams (${streams}): every stream gets a line`);
  const batchBytes = intFlag('batch-bytes', values['batch-bytes'], DEFAULT_BATCH_BYTES);
  const concurrency = intFlag('concurrency', values.concurrency, DEFAULT_CONCURRENCY);
  const seed = intFlag('seed', values.seed, 42, 0);
  const durationMs = durationFlag('duration', values.duration);
  const format = values.format ?? 'proto';
  if (format !== 'proto' && format !== 'json') throw new UsageError(`--format must be proto or json, got '${format}'`);
  const path = values.path ?? '/loki/api/v1/push';
  if (!path.startsWith('/')) throw new UsageError(`--path must start with /, got '${path}'`);
  const json = values.json === true;

  const source = new LogsSource({ streams, lines, batchBytes, format, seed, maxPasses: durationMs === undefined ? 1 : Infinity, nowMs: Date.now });
  const headers: Record<string, string> = { ...target.headers, 'content-type': pushContentType(format) };
  const result = await runPush(io, {
    url: target.base + path,
    headers,
    concurrency,
    durationMs,
    prefillBytes: PREFILL_BYTES,
    prefillMaxMs: durationMs === undefined ? Infinity : Math.min(PREFILL_MAX_MS, durationMs / 10),
    unit: 'lines',
    progress: Progress.modeFor(json),
    next: () => {
      const b = source.next();
      return b === undefined ? undefined : { body: b.body, items: b.lines, rawBytes: b.rawBytes };
    },
  });

  const c = result.counters;
  const secs = result.wallSeconds;
  const linesPerS = secs > 0 ? c.items / secs : 0;
  const mbps = secs > 0 ? c.rawBytes / 1e6 / secs : 0;
  const wireMbps = secs > 0 ? c.wireBytes / 1e6 / secs : 0;
  printReport(
    io,
    {
      title: `cairn bench logs → ${target.base}${path}`,
      sections: [
        { name: 'workload', rows: [['streams', String(streams)], ['corpus', `${lines} lines per pass, ${source.passes} passes encoded`], ['batch', `${batchBytes} bytes of lines, ${format}, ${concurrency} senders`]] },
        {
          name: 'throughput',
          rows: [
            ['lines', `${c.items} in ${secs.toFixed(2)}s (${fmtCount(linesPerS)}/s)`],
            ['line bytes', `${(c.rawBytes / 1e6).toFixed(2)} MB (${mbps.toFixed(2)} MB/s)`],
            ['wire', `${(c.wireBytes / 1e6).toFixed(2)} MB (${wireMbps.toFixed(2)} MB/s)`],
          ],
        },
        { name: 'requests', rows: requestRows(c) },
        { name: 'generator', rows: generatorRows(result) },
      ],
      json: {
        kind: 'logs',
        target: target.base + path,
        config: { streams, lines, batchBytes, format, concurrency, durationMs: durationMs ?? null, seed },
        passes: source.passes,
        lines: c.items,
        linesPerSecond: round3(linesPerS),
        lineBytes: c.rawBytes,
        MBPerSecond: round3(mbps),
        wireBytes: c.wireBytes,
        wireMBPerSecond: round3(wireMbps),
        ...requestJson(c),
        generator: generatorJson(result),
      },
    },
    json,
  );
  return c.errors > 0 ? 1 : 0;
}
