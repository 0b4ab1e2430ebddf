/**
 * What every `cairn bench` and `cairn verify` subcommand shares: the target and auth flags
 * (`--target`, `--tenant`/`--token` or raw `--header`s, `CAIRN_*` fallbacks), a latency
 * histogram, one HTTP send with bounded retry on 429 and 5xx, a pool of concurrent senders
 * bounded by time or by a job count, the live progress line, generator CPU accounting, and
 * the final report as text or JSON.
 */
import { parseArgs } from 'node:util';
import { parseDuration } from '../../util/duration.js';
import type { CliIo } from '../http-client.js';
import { UsageError } from '../args.js';

/** Options of one flag, as `util.parseArgs` takes them (with `multiple` for repeated flags). */
type BenchFlagOptions = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

type Values<T extends BenchFlagOptions> = {
  [K in keyof T]?: T[K]['multiple'] extends true ? (T[K]['type'] extends 'boolean' ? boolean[] : string[]) : T[K]['type'] extends 'boolean' ? boolean : string;
};

/** Parses flags strictly (repeated flags allowed where `multiple`); a mistake is a UsageError. */
export function parseBenchArgs<T extends BenchFlagOptions>(argv: string[], options: T): { values: Values<T>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Values<T>, positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The target and auth flags, for `parseBenchArgs()`. */
export const TARGET_FLAGS = {
  target: { type: 'string' },
  tenant: { type: 'string' },
  token: { type: 'string' },
  header: { type: 'string', multiple: true },
  json: { type: 'boolean' },
} as const;

/** Usage text of `TARGET_FLAGS`. */
export const TARGET_USAGE =
  "  TARGET: --target URL [--tenant T] [--token X] [--header 'K: V']... [--json]\n" +
  '          (or CAIRN_ADDRESS, CAIRN_TENANT, CAIRN_TOKEN; no auth is sent when none is given)';

/** Where a benchmark sends to: a base URL (no trailing slash) and the headers of every request. */
export interface Target {
  readonly base: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The target from the flags, else `CAIRN_ADDRESS`/`CAIRN_TENANT`/`CAIRN_TOKEN`. Unlike the
 * admin commands, tenant and token are optional: Prometheus and VictoriaMetrics take
 * neither. `--header 'K: V'` adds any header (repeatable) and wins over the derived ones.
 */
export function targetFrom(values: { target?: string | undefined; tenant?: string | undefined; token?: string | undefined; header?: string[] | undefined }, io: CliIo): Target {
  const base = (values.target ?? io.env.CAIRN_ADDRESS ?? '').replace(/\/+$/, '');
  if (base === '') throw new UsageError('a target is required: --target URL or CAIRN_ADDRESS');
  if (!/^https?:\/\//.test(base)) throw new UsageError(`--target must be an http(s) URL, got ${base}`);
  const headers: Record<string, string> = {};
  const tenant = values.tenant ?? io.env.CAIRN_TENANT;
  if (tenant !== undefined && tenant !== '') headers['x-scope-orgid'] = tenant;
  const token = values.token ?? io.env.CAIRN_TOKEN;
  if (token !== undefined && token !== '') headers.authorization = `Bearer ${token}`;
  for (const h of values.header ?? []) {
    const colon = h.indexOf(':');
    if (colon <= 0) throw new UsageError(`--header must be 'Name: value', got '${h}'`);
    headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
  }
  return { base, headers };
}

/** A positive integer flag, or the default; anything else is a UsageError naming the flag. */
export function intFlag(name: string, text: string | undefined, dflt: number, min = 1): number {
  if (text === undefined) return dflt;
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${text}'`);
  return n;
}

/** A duration flag (`30s`, `5m`) in ms, or undefined when absent; zero or negative is a UsageError. */
export function durationFlag(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    throw new UsageError(`--${name} must be a duration such as 30s or 5m, got '${text}'`);
  }
  if (!(ms > 0)) throw new UsageError(`--${name} must be positive, got '${text}'`);
  return ms;
}

/**
 * Latencies in a log-bucketed histogram: bounded memory whatever the run length, and any
 * quantile within 1% of the true value (bucket i holds (1.01^(i-1), 1.01^i] ms), which is
 * finer than the noise of a loopback request. The maximum is kept exactly.
 */
export class LatencyHistogram {
  /** 1% relative error: enough to tell p99 regressions apart, few buckets (~1400 for 1 µs..1000 s). */
  private static readonly GROWTH = 1.01;
  private static readonly LOG_GROWTH = Math.log(LatencyHistogram.GROWTH);
  private readonly buckets = new Map<number, number>();
  private n = 0;
  private maxMs = 0;
  private sumMs = 0;

  /** Records one latency in milliseconds (negative values count as 0). */
  record(ms: number): void {
    const v = Math.max(ms, 1e-3);
    const i = Math.ceil(Math.log(v) / LatencyHistogram.LOG_GROWTH);
    this.buckets.set(i, (this.buckets.get(i) ?? 0) + 1);
    this.n++;
    this.sumMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /** Adds another histogram's observations into this one. */
  merge(o: LatencyHistogram): void {
    for (const [i, c] of o.buckets) this.buckets.set(i, (this.buckets.get(i) ?? 0) + c);
    this.n += o.n;
    this.sumMs += o.sumMs;
    this.maxMs = Math.max(this.maxMs, o.maxMs);
  }

  /** Observations recorded. */
  get count(): number {
    return this.n;
  }

  /** The largest latency, exact; 0 when empty. */
  get max(): number {
    return this.maxMs;
  }

  /** Mean latency in ms; 0 when empty. */
  get mean(): number {
    return this.n === 0 ? 0 : this.sumMs / this.n;
  }

  /** The q-quantile (0..1) in ms, as the upper bound of its bucket capped at the max; 0 when empty. */
  quantile(q: number): number {
    if (this.n === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.n));
    const keys = [...this.buckets.keys()].sort((a, b) => a - b);
    let seen = 0;
    for (const k of keys) {
      seen += this.buckets.get(k)!;
      if (seen >= rank) return Math.min(LatencyHistogram.GROWTH ** k, this.maxMs);
    }
    return this.maxMs;
  }

  /** p50, p90, p99 and max, rounded to µs, for reports. */
  summary(): LatencySummary {
    const r = (x: number) => Math.round(x * 1000) / 1000;
    return { count: this.n, meanMs: r(this.mean), p50Ms: r(this.quantile(0.5)), p90Ms: r(this.quantile(0.9)), p99Ms: r(this.quantile(0.99)), maxMs: r(this.maxMs) };
  }
}

/** A latency distribution as reports print it. */
export interface LatencySummary {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** How many times and how long to retry a refused request. */
export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retry. */
  readonly maxRetries: number;
  /** First backoff; doubled each retry, with ±50% jitter. */
  readonly minBackoffMs: number;
  /** Cap of one backoff. */
  readonly maxBackoffMs: number;
}

/** Prometheus's queue manager defaults: min_backoff 30ms, max_backoff 5s; 3 retries keep a dead target from stalling a run. */
export function defaultRetryPolicy(): RetryPolicy {
  return { maxRetries: 3, minBackoffMs: 30, maxBackoffMs: 5000 };
}

/** The outcome of one logical request (after its retries). */
export interface SendResult {
  /** HTTP status of the last attempt, or 0 when the connection failed. */
  readonly status: number;
  readonly ok: boolean;
  /** Attempts after the first. */
  readonly retries: number;
  /** Response text of the last failed attempt (trimmed, at most 200 chars), for the report. */
  readonly errorText?: string;
}

/** Whether a status is worth retrying: rate limits and server errors, as Prometheus's remote write does. */
export function retryable(status: number): boolean {
  return status === 429 || status >= 500 || status === 0;
}

/**
 * Sends a request with `attempt`, retrying 429/5xx/connection errors (status 0) with
 * bounded exponential backoff; records each attempt's latency in `hist`. Never throws for
 * HTTP or network failures: the caller counts them from the result.
 */
export async function sendWithRetry(
  attempt: () => Promise<{ readonly status: number; readonly text: string }>,
  hist: LatencyHistogram,
  policy: RetryPolicy,
  sleep: (ms: number) => Promise<void> = defaultSleep,
): Promise<SendResult> {
  let retries = 0;
  let backoff = policy.minBackoffMs;
  for (;;) {
    const t0 = performance.now();
    const { status, text } = await attempt();
    hist.record(performance.now() - t0);
    if (status >= 200 && status < 300) return { status, ok: true, retries };
    if (!retryable(status) || retries >= policy.maxRetries) return { status, ok: false, retries, errorText: text.trim().slice(0, 200) };
    retries++;
    await sleep(backoff * (0.5 + Math.random()));
    backoff = Math.min(backoff * 2, policy.maxBackoffMs);
  }
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Counters of a run, updated by senders. */
export class RunCounters {
  requests = 0;
  okRequests = 0;
  retries = 0;
  /** Items (samples, lines, queries) in accepted requests. */
  items = 0;
  /** Bytes on the wire in accepted requests. */
  wireBytes = 0;
  /** Uncompressed payload bytes in accepted requests (log lines' text for logs). */
  rawBytes = 0;
  /** Failed requests (after retries) by status; `0` is a connection failure. */
  readonly errorsByStatus = new Map<number, number>();
  /** The first error text seen per status, so the report says why. */
  readonly errorSamples = new Map<number, string>();
  readonly latency = new LatencyHistogram();

  /** Accounts one finished request. */
  add(r: SendResult, items: number, wireBytes: number, rawBytes: number): void {
    this.requests++;
    this.retries += r.retries;
    if (r.ok) {
      this.okRequests++;
      this.items += items;
      this.wireBytes += wireBytes;
      this.rawBytes += rawBytes;
    } else {
      this.errorsByStatus.set(r.status, (this.errorsByStatus.get(r.status) ?? 0) + 1);
      if (r.errorText !== undefined && !this.errorSamples.has(r.status)) this.errorSamples.set(r.status, r.errorText);
    }
  }

  /** Failed requests over all statuses. */
  get errors(): number {
    let n = 0;
    for (const c of this.errorsByStatus.values()) n += c;
    return n;
  }
}

/**
 * Runs `concurrency` workers; each repeatedly calls `next(worker)` for a job and awaits
 * it, until `next` returns undefined, `deadlineMs` (a `performance.now()` time) passes or
 * `signal` aborts. A job in flight when the deadline passes is awaited, not cut off.
 */
export async function runPool(concurrency: number, next: (worker: number) => (() => Promise<void>) | undefined, deadlineMs = Infinity, signal?: AbortSignal): Promise<void> {
  const worker = async (w: number) => {
    while (performance.now() < deadlineMs && signal?.aborted !== true) {
      const job = next(w);
      if (job === undefined) return;
      await job();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
}

/** CPU seconds (user + system) this process spent since `since` (from `process.cpuUsage()`). */
export function cpuSecondsSince(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
}

/**
 * The live progress line. On a TTY it rewrites one line on stderr every 250 ms; otherwise
 * it prints a plain line every 5 s (logs of CI runs stay readable); with `quiet` (JSON
 * output) it prints nothing. `render` returns the line's text.
 */
export class Progress {
  private timer: NodeJS.Timeout | undefined;
  private wroteTty = false;

  constructor(
    private readonly write: (s: string) => void,
    private readonly render: () => string,
    private readonly mode: 'tty' | 'plain' | 'quiet',
  ) {}

  /** The mode for stderr: quiet when JSON is asked for, tty when stderr is a terminal. */
  static modeFor(json: boolean, isTty: boolean = process.stderr.isTTY === true): 'tty' | 'plain' | 'quiet' {
    return json ? 'quiet' : isTty ? 'tty' : 'plain';
  }

  /** Starts the periodic line. */
  start(): void {
    if (this.mode === 'quiet') return;
    // 250 ms reads as live without costing the generator; 5 s keeps a CI log short.
    const every = this.mode === 'tty' ? 250 : 5000;
    this.timer = setInterval(() => this.tick(), every);
    this.timer.unref();
  }

  private tick(): void {
    if (this.mode === 'tty') {
      this.write(`\r\x1b[2K${this.render()}`);
      this.wroteTty = true;
    } else this.write(`${this.render()}\n`);
  }

  /** Stops the line and clears it on a TTY, so the report starts on a clean line. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.wroteTty) this.write('\r\x1b[2K');
  }
}

/** A report: a title, ordered key/value sections for text, and the object printed for `--json`. */
export interface BenchReport {
  readonly title: string;
  /** Text form: rows of [label, value] per section. */
  readonly sections: ReadonlyArray<{ readonly name: string; readonly rows: ReadonlyArray<readonly [string, string]> }>;
  /** JSON form. */
  readonly json: unknown;
}

/** Prints a report as aligned text, or its `json` on one line when `json` is set. */
export function printReport(io: CliIo, report: BenchReport, json: boolean): void {
  if (json) {
    io.stdout(JSON.stringify(report.json) + '\n');
    return;
  }
  const width = Math.max(0, ...report.sections.flatMap((s) => s.rows.map(([k]) => k.length)));
  let out = `${report.title}\n`;
  for (const s of report.sections) {
    out += `\n${s.name}\n`;
    for (const [k, v] of s.rows) out += `  ${k.padEnd(width)}  ${v}\n`;
  }
  io.stdout(out);
}

/** The report rows of a run's requests: counts, retries, errors by status, latency. */
export function requestRows(c: RunCounters): Array<readonly [string, string]> {
  const l = c.latency.summary();
  const rows: Array<readonly [string, string]> = [
    ['requests', `${c.requests} (${c.okRequests} ok, ${c.errors} failed)`],
    ['retries', String(c.retries)],
    ['latency', `p50 ${fmtMs(l.p50Ms)}  p90 ${fmtMs(l.p90Ms)}  p99 ${fmtMs(l.p99Ms)}  max ${fmtMs(l.maxMs)}  (${l.count} attempts)`],
  ];
  for (const [status, n] of [...c.errorsByStatus].sort((a, b) => a[0] - b[0])) {
    const why = c.errorSamples.get(status);
    rows.push([`errors ${status === 0 ? 'connect' : status}`, `${n}${why === undefined ? '' : `  (${why})`}`]);
  }
  return rows;
}

/** The JSON of a run's requests, shared by every bench report. */
export function requestJson(c: RunCounters): { requests: number; okRequests: number; failedRequests: number; retries: number; errorsByStatus: Record<string, number>; errorSamples: Record<string, string>; latency: LatencySummary } {
  return {
    requests: c.requests,
    okRequests: c.okRequests,
    failedRequests: c.errors,
    retries: c.retries,
    errorsByStatus: Object.fromEntries([...c.errorsByStatus].map(([s, n]) => [String(s), n])),
    errorSamples: Object.fromEntries([...c.errorSamples].map(([s, t]) => [String(s), t])),
    latency: c.latency.summary(),
  };
}

/** `12.3ms` / `1.20s`. */
export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)}s` : `${ms.toFixed(ms < 10 ? 2 : 1)}ms`;
}

/** `1.23M` / `45.6k` / `789`, for rates and counts. */
export function fmtCount(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : n >= 100 ? n.toFixed(0) : n.toFixed(1);
}
