/**
 * The send loop of the push benchmarks (`cairn bench metrics`, `cairn bench logs`):
 * requests are encoded ahead into per-sender queues before the clock starts (all of them
 * for a bounded run, up to a memory budget otherwise), then `concurrency` senders POST
 * them until the source runs dry or the duration passes, with bounded retry, a live
 * progress line, and CPU accounting that separates encoding from sending so the report
 * can show the generator is not the bottleneck.
 */
import type { CliIo } from '../http-client.js';
import { HttpPoster } from './http-post.js';
import { cpuSecondsSince, defaultRetryPolicy, fmtCount, fmtMs, Progress, RunCounters, runPool, sendWithRetry, type RetryPolicy } from './common.js';

/** One request ready to send. */
export interface PushItem {
  readonly body: Buffer;
  /** Samples or log lines it carries. */
  readonly items: number;
  /** Uncompressed payload bytes (log line text; for metrics the body length). */
  readonly rawBytes: number;
}

/** What a push run needs. */
export interface PushRunOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly concurrency: number;
  /** Stop sending after this long (ms); undefined runs until `next` returns undefined. */
  readonly durationMs: number | undefined;
  /** Encodes sender `worker`'s next request, or undefined when it has nothing more to send. */
  readonly next: (worker: number) => PushItem | undefined;
  /** Encode at most this many body bytes before the clock starts. */
  readonly prefillBytes: number;
  /** And for at most this long (ms): a duration-bounded run has no end to encode up to. */
  readonly prefillMaxMs: number;
  /** `samples` or `lines`, for the progress line. */
  readonly unit: string;
  /** Progress mode (see `Progress.modeFor`). */
  readonly progress: 'tty' | 'plain' | 'quiet';
  readonly retry?: RetryPolicy;
}

/** What a push run measured. */
export interface PushRunResult {
  readonly counters: RunCounters;
  /** Wall seconds from the first send to the last answer. */
  readonly wallSeconds: number;
  /** Encoding done before the clock started: requests, CPU and wall seconds. */
  readonly prefill: { readonly requests: number; readonly bytes: number; readonly cpuSeconds: number; readonly wallSeconds: number };
  /** CPU seconds this process spent while the clock ran (sending, plus any encoding). */
  readonly runCpuSeconds: number;
  /** Of `runCpuSeconds`, the part spent encoding requests that the prefill did not hold. */
  readonly runEncodeCpuSeconds: number;
}

/** Runs the push benchmark; never throws for HTTP failures (they are counted). */
export async function runPush(io: CliIo, o: PushRunOptions): Promise<PushRunResult> {
  const queues: PushItem[][] = Array.from({ length: o.concurrency }, () => []);
  const dry = new Array<boolean>(o.concurrency).fill(false);

  // Prefill round-robin so every sender starts with work; stop at the byte budget.
  const pre0 = process.cpuUsage();
  const preT0 = performance.now();
  let preRequests = 0;
  let preBytes = 0;
  const full = () => preBytes >= o.prefillBytes || performance.now() - preT0 >= o.prefillMaxMs;
  for (let more = true; more && !full(); ) {
    more = false;
    for (let w = 0; w < o.concurrency && !full(); w++) {
      if (dry[w]) continue;
      const item = o.next(w);
      if (item === undefined) {
        dry[w] = true;
        continue;
      }
      queues[w]!.push(item);
      preRequests++;
      preBytes += item.body.length;
      more = true;
    }
  }
  const prefill = { requests: preRequests, bytes: preBytes, cpuSeconds: cpuSecondsSince(pre0), wallSeconds: (performance.now() - preT0) / 1000 };

  const counters = new RunCounters();
  const retry = o.retry ?? defaultRetryPolicy();
  let runEncodeCpuSeconds = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const deadline = o.durationMs === undefined ? Infinity : t0 + o.durationMs;
  const progress = new Progress(io.stderr, () => progressLine(counters, (performance.now() - t0) / 1000, o.unit), o.progress);
  progress.start();

  const take = (w: number): PushItem | undefined => {
    const q = queues[w]!;
    if (q.length > 0) return q.shift();
    if (dry[w]) return undefined;
    const e0 = process.cpuUsage();
    const item = o.next(w);
    runEncodeCpuSeconds += cpuSecondsSince(e0);
    if (item === undefined) dry[w] = true;
    return item;
  };

  const poster = new HttpPoster(o.url, o.concurrency);
  try {
    await runPool(
      o.concurrency,
      (w) => {
        const item = take(w);
        if (item === undefined) return undefined;
        return async () => {
          const r = await sendWithRetry(() => poster.post(o.url, o.headers, item.body), counters.latency, retry);
          counters.add(r, item.items, item.body.length, item.rawBytes);
        };
      },
      deadline,
    );
  } finally {
    progress.stop();
    poster.close();
  }
  return { counters, wallSeconds: (performance.now() - t0) / 1000, prefill, runCpuSeconds: cpuSecondsSince(cpu0), runEncodeCpuSeconds };
}

function progressLine(c: RunCounters, elapsedS: number, unit: string): string {
  const rate = elapsedS > 0 ? c.items / elapsedS : 0;
  return `${elapsedS.toFixed(1)}s  ${unit} ${fmtCount(c.items)} (${fmtCount(rate)}/s)  requests ${c.requests}  errors ${c.errors}  retries ${c.retries}  p99 ${fmtMs(c.latency.quantile(0.99))}`;
}

/** The generator rows of a push report: CPU against wall, so a saturated generator shows. */
export function generatorRows(r: PushRunResult): Array<readonly [string, string]> {
  return [
    ['pre-encoded', `${r.prefill.requests} requests, ${(r.prefill.bytes / 1e6).toFixed(2)} MB in ${r.prefill.wallSeconds.toFixed(2)}s (${r.prefill.cpuSeconds.toFixed(2)} CPU s)`],
    ['generator CPU', `${r.runCpuSeconds.toFixed(2)}s over ${r.wallSeconds.toFixed(2)}s wall (${pct(r.runCpuSeconds, r.wallSeconds)} of one core; encoding during the run ${r.runEncodeCpuSeconds.toFixed(2)}s)`],
  ];
}

/** The generator JSON of a push report. */
export function generatorJson(r: PushRunResult): object {
  return {
    prefillRequests: r.prefill.requests,
    prefillBytes: r.prefill.bytes,
    prefillCpuSeconds: round3(r.prefill.cpuSeconds),
    prefillWallSeconds: round3(r.prefill.wallSeconds),
    runCpuSeconds: round3(r.runCpuSeconds),
    runEncodeCpuSeconds: round3(r.runEncodeCpuSeconds),
    wallSeconds: round3(r.wallSeconds),
    cpuPerWall: round3(r.wallSeconds > 0 ? r.runCpuSeconds / r.wallSeconds : 0),
  };
}

function pct(a: number, b: number): string {
  return b > 0 ? `${((100 * a) / b).toFixed(0)}%` : '-';
}

/** Rounds to 3 decimals, for JSON reports. */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
