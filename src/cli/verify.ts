/**
 * `cairn verify`: a continuous read-back check in the manner of Mimir's continuous test.
 * Each interval it writes deterministic samples (`cairn_verify_sine{series="i"}`, a sine
 * of the timestamp) by remote write and deterministic log lines (`verify line <n>`, at
 * known timestamps) by Loki push, then reads them back through the query APIs: an instant
 * query, the raw samples of a range selector, a range query at every written step, label
 * values, a LogQL `count_over_time` and the newest lines of a backward log query. Every
 * gap, duplicate, unexpected or wrong value is reported with what was expected and what
 * came back; any finding, refused write or failed query makes the exit code 1.
 *
 * Data of one run carries `run="<id>"` (its start time unless `--run-id`), so runs never
 * see each other's data. The checked window is bounded (`--window`), and so is the run.
 */
import { UsageError } from './args.js';
import { TARGET_FLAGS, TARGET_USAGE, durationFlag, intFlag, parseBenchArgs, targetFrom, type Target } from './bench/common.js';
import { defaultIo, type CliIo } from './http-client.js';
import { VERIFY_METRIC, compareCount, compareRange, compareRaw, compareTail, expectedLine, expectedValue, sameValue, type LineRecord, type Mismatch, type WriteRecord } from './verify-checks.js';
import { createVerifyMetrics, listenMetrics, type VerifyMetrics } from './verify-metrics.js';

export const VERIFY_USAGE = `cairn verify TARGET [--duration 1m] [--interval 5s] [--series 4] [--lines 5] [--window 10m]
             [--run-id ID] [--metrics-listen :PORT] [--no-logs] [--no-metrics]
             [--write-path /api/v1/push] [--prom-api /prometheus/api/v1]
${TARGET_USAGE}`;

const FLAGS = {
  ...TARGET_FLAGS,
  duration: { type: 'string' },
  interval: { type: 'string' },
  series: { type: 'string' },
  lines: { type: 'string' },
  window: { type: 'string' },
  'run-id': { type: 'string' },
  'metrics-listen': { type: 'string' },
  'no-logs': { type: 'boolean' },
  'no-metrics': { type: 'boolean' },
  'write-path': { type: 'string' },
  'prom-api': { type: 'string' },
} as const;

/** What one run is set to do. */
interface VerifyOptions {
  readonly target: Target;
  readonly runId: string;
  readonly durationMs: number;
  readonly intervalMs: number;
  readonly series: number;
  readonly linesPerInterval: number;
  /** Intervals of history each check reads back. */
  readonly windowSteps: number;
  readonly metrics: boolean;
  readonly logs: boolean;
  /** Remote-write path: `/api/v1/push` (Cairn, Mimir) or `/api/v1/write` (Prometheus, VictoriaMetrics). */
  readonly writePath: string;
  /** PromQL API prefix: `/prometheus/api/v1` (Cairn, Mimir) or `/api/v1` (Prometheus, VictoriaMetrics). */
  readonly promApi: string;
}

/** The outcome of a run, as `--json` prints it. */
export interface VerifyReport {
  readonly runId: string;
  readonly intervals: number;
  readonly writes: number;
  readonly queries: number;
  readonly ok: boolean;
  readonly mismatchesByKind: Readonly<Record<string, number>>;
  readonly mismatches: readonly Mismatch[];
}

/** Parses flags, runs the check, prints findings as they come and a summary; 0 when all is well, 1 otherwise. */
export async function verify(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const { values, positionals } = parseBenchArgs(argv, FLAGS);
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const intervalMs = durationFlag('interval', values.interval) ?? 5000;
  const linesPerInterval = intFlag('lines', values.lines, 5);
  // Lines of one interval sit 1 ms apart inside it.
  if (linesPerInterval >= intervalMs) throw new UsageError('--lines must be fewer than the milliseconds of --interval');
  const windowMs = durationFlag('window', values.window) ?? 600_000;
  const o: VerifyOptions = {
    target: targetFrom(values, io),
    runId: values['run-id'] ?? String(Date.now()),
    durationMs: durationFlag('duration', values.duration) ?? 60_000,
    intervalMs,
    series: intFlag('series', values.series, 4),
    linesPerInterval,
    windowSteps: Math.max(1, Math.floor(windowMs / intervalMs)),
    metrics: values['no-metrics'] !== true,
    logs: values['no-logs'] !== true,
    writePath: pathFlag('write-path', values['write-path'], '/api/v1/push'),
    promApi: pathFlag('prom-api', values['prom-api'], '/prometheus/api/v1'),
  };
  if (!o.metrics && !o.logs) throw new UsageError('--no-metrics and --no-logs leave nothing to verify');
  const json = values.json === true;
  const m = createVerifyMetrics();
  let listener: Awaited<ReturnType<typeof listenMetrics>> | undefined;
  if (values['metrics-listen'] !== undefined) {
    listener = await listenMetrics(m.registry, values['metrics-listen']);
    io.stderr(`verify: metrics on ${listener.url}\n`);
  }
  try {
    const report = await new VerifyRun(o, io, m, json).run();
    if (json) io.stdout(JSON.stringify(report) + '\n');
    else {
      const kinds = Object.entries(report.mismatchesByKind).map(([k, n]) => `${k} ${n}`).join(', ');
      io.stdout(`verify run ${report.runId}: ${report.intervals} intervals, ${report.writes} writes, ${report.queries} queries: ${report.ok ? 'OK' : `FAILED (${report.mismatches.length} findings: ${kinds})`}\n`);
    }
    return report.ok ? 0 : 1;
  } finally {
    if (listener !== undefined) await new Promise<void>((r) => listener.server.close(() => r()));
  }
}

/** A path flag (leading `/`, no trailing one), or its default. */
function pathFlag(name: string, text: string | undefined, dflt: string): string {
  const p = (text ?? dflt).replace(/\/+$/, '');
  if (!p.startsWith('/')) throw new UsageError(`--${name} must start with /, got '${text ?? ''}'`);
  return p;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A Prometheus or Loki query API answer, as far as the checks read it. */
interface ApiAnswer {
  status?: string;
  data?: { resultType?: string; result?: unknown };
}

/** One run's state: what was written, what was found. */
class VerifyRun {
  private readonly writes: WriteRecord[] = [];
  private readonly lines: LineRecord[] = [];
  private readonly found: Mismatch[] = [];
  /** Findings already reported, so a gap seen by every later interval is reported once. */
  private readonly reported = new Set<string>();
  private writeCount = 0;
  private queryCount = 0;
  private readonly selector: string;
  private readonly streamSelector: string;

  constructor(
    private readonly o: VerifyOptions,
    private readonly io: CliIo,
    private readonly m: VerifyMetrics,
    private readonly json: boolean,
  ) {
    this.selector = `${VERIFY_METRIC}{run="${o.runId}"}`;
    this.streamSelector = `{job="cairn-verify", run="${o.runId}"}`;
  }

  /** Writes and checks each interval until the duration is over. */
  async run(): Promise<VerifyReport> {
    const { intervalMs } = this.o;
    // Timestamps on the interval grid: the range query's steps then fall on samples.
    const t0 = Math.ceil(Date.now() / intervalMs) * intervalMs;
    const end = Date.now() + this.o.durationMs;
    let k = 0;
    // At least one interval, however short the duration.
    for (; k === 0 || t0 + k * intervalMs <= end; k++) {
      const t = t0 + k * intervalMs;
      const wait = t - Date.now();
      if (wait > 0) await sleep(wait);
      if (this.o.metrics) await this.writeSamples(t);
      if (this.o.logs) await this.pushLines(t);
      const fromStep = Math.max(0, k - this.o.windowSteps + 1);
      if (this.o.metrics) await this.checkMetrics(t, this.writes.slice(fromStep));
      if (this.o.logs) await this.checkLogs(t, this.lines.slice(fromStep * this.o.linesPerInterval));
    }
    const byKind: Record<string, number> = {};
    for (const f of this.found) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
    return { runId: this.o.runId, intervals: k, writes: this.writeCount, queries: this.queryCount, ok: this.found.length === 0, mismatchesByKind: byKind, mismatches: this.found };
  }

  private report(f: Mismatch, key = `${f.kind}|${f.check}|${f.detail}`): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.found.push(f);
    this.m.mismatches.inc({ kind: f.kind });
    if (!this.json) this.io.stdout(`MISMATCH ${f.kind} (${f.check}) ${f.detail}: expected ${f.expected}, got ${f.got}\n`);
  }

  private async send(signal: 'metrics' | 'logs', path: string, body: Uint8Array | string, headers: Record<string, string>): Promise<boolean> {
    this.writeCount++;
    let problem: string | undefined;
    try {
      const res = await this.io.fetch(this.o.target.base + path, { method: 'POST', headers: { ...this.o.target.headers, ...headers }, body, signal: AbortSignal.timeout(30_000) });
      const text = await res.text();
      if (!res.ok) problem = `${res.status} ${text.trim().slice(0, 200)}`;
    } catch (e) {
      problem = (e as Error).message;
    }
    this.m.writes.inc({ signal, result: problem === undefined ? 'ok' : 'error' });
    if (problem !== undefined) this.report({ kind: 'write_error', check: 'write', detail: `POST ${path}`, expected: '2xx', got: problem }, `write|${this.writeCount}`);
    return problem === undefined;
  }

  /** One remote-write request: every series' sample at `t`. */
  private async writeSamples(t: number): Promise<void> {
    // protobufjs and the proto files load only when metrics are written.
    const { WriteRequestType, snappyCompress } = await import('../ingest/remote-write/index.js');
    const timeseries = Array.from({ length: this.o.series }, (_, i) => ({
      labels: [
        { name: '__name__', value: VERIFY_METRIC },
        { name: 'run', value: this.o.runId },
        { name: 'series', value: String(i) },
      ],
      samples: [{ value: expectedValue(i, t), timestamp: t }],
    }));
    const body = snappyCompress(WriteRequestType.encode(WriteRequestType.fromObject({ timeseries })).finish());
    const ok = await this.send('metrics', this.o.writePath, body, { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' });
    this.writes.push({ tMs: t, ok });
  }

  /** One Loki push: the interval's lines, 1 ms apart from `t`. */
  private async pushLines(t: number): Promise<void> {
    const first = this.lines.length;
    const batch: LineRecord[] = Array.from({ length: this.o.linesPerInterval }, (_, j) => ({ n: first + j, tNs: BigInt(t + j) * 1_000_000n, ok: true }));
    const body = JSON.stringify({ streams: [{ stream: { job: 'cairn-verify', run: this.o.runId }, values: batch.map((l) => [String(l.tNs), expectedLine(l.n)]) }] });
    const ok = await this.send('logs', '/loki/api/v1/push', body, { 'content-type': 'application/json' });
    for (const l of batch) this.lines.push({ ...l, ok });
  }

  /** GETs a query API path; a refused or malformed answer is a `query_error` finding and undefined. */
  private async query(check: string, path: string, params: Record<string, string>): Promise<ApiAnswer | undefined> {
    this.queryCount++;
    const url = `${this.o.target.base}${path}?${new URLSearchParams(params).toString()}`;
    let problem: string | undefined;
    let answer: ApiAnswer | undefined;
    try {
      const res = await this.io.fetch(url, { headers: this.o.target.headers, signal: AbortSignal.timeout(30_000) });
      const text = await res.text();
      if (!res.ok) problem = `${res.status} ${text.trim().slice(0, 200)}`;
      else {
        answer = JSON.parse(text) as ApiAnswer;
        if (answer.status !== 'success') problem = `status ${String(answer.status)}`;
      }
    } catch (e) {
      problem = (e as Error).message;
    }
    this.m.queries.inc({ check, result: problem === undefined ? 'ok' : 'error' });
    if (problem === undefined) return answer;
    this.report({ kind: 'query_error', check, detail: `${path} ${params.query ?? params['match[]'] ?? ''}`, expected: 'a successful answer', got: problem }, `query|${this.queryCount}`);
    return undefined;
  }

  /** Instant value, raw samples, range query and label values over the window ending at `t`. */
  private async checkMetrics(t: number, writes: WriteRecord[]): Promise<void> {
    const { intervalMs } = this.o;
    const sec = (ms: number): string => (ms / 1000).toFixed(3);
    const seriesOf = (r: { metric?: Record<string, string> }): number => Number(r.metric?.series);

    // Instant: the sample just written, per series.
    const last = writes.at(-1);
    const inst = await this.query('instant', `${this.o.promApi}/query`, { query: this.selector, time: sec(t) });
    if (inst !== undefined && last?.ok === true) {
      const got = new Map(((inst.data?.result ?? []) as { metric?: Record<string, string>; value?: [number, string] }[]).map((r) => [seriesOf(r), r.value]));
      for (let i = 0; i < this.o.series; i++) {
        const v = got.get(i);
        const want = expectedValue(i, t);
        const detail = `${VERIFY_METRIC}{series="${i}"} at ${new Date(t).toISOString()}`;
        if (v === undefined) this.report({ kind: 'missing_series', check: 'instant', detail, expected: String(want), got: 'no series' });
        else if (!sameValue(Number(v[1]), want)) this.report({ kind: 'value', check: 'instant', detail, expected: String(want), got: v[1] });
      }
    }

    // Raw samples: a selector reaching half an interval before the window's first write, so either range-boundary convention includes it.
    const first = writes[0]!.tMs;
    const raw = await this.query('raw', `${this.o.promApi}/query`, { query: `${this.selector}[${t - first + intervalMs / 2}ms]`, time: sec(t) });
    if (raw !== undefined) {
      const got = new Map(((raw.data?.result ?? []) as { metric?: Record<string, string>; values?: [number, string][] }[]).map((r) => [seriesOf(r), r.values ?? []]));
      for (let i = 0; i < this.o.series; i++) for (const f of compareRaw(i, writes, got.get(i) ?? [])) this.report(f);
    }

    // Range query: one step per write.
    const range = await this.query('range', `${this.o.promApi}/query_range`, { query: this.selector, start: sec(first), end: sec(t), step: sec(intervalMs) });
    if (range !== undefined) {
      const got = new Map(((range.data?.result ?? []) as { metric?: Record<string, string>; values?: [number, string][] }[]).map((r) => [seriesOf(r), r.values ?? []]));
      for (let i = 0; i < this.o.series; i++) for (const f of compareRange(i, writes, got.get(i) ?? [])) this.report(f);
    }

    // Label values: every series, nothing else.
    if (writes.some((w) => w.ok)) {
      const lv = await this.query('label_values', `${this.o.promApi}/label/series/values`, { 'match[]': this.selector, start: sec(first), end: sec(t) });
      if (lv !== undefined) {
        const got = ((lv.data ?? []) as string[]).slice().sort();
        const want = Array.from({ length: this.o.series }, (_, i) => String(i)).sort();
        if (got.join(',') !== want.join(',')) this.report({ kind: 'label_values', check: 'label_values', detail: `values of series for ${this.selector}`, expected: want.join(','), got: got.join(',') || 'none' });
      }
    }
  }

  /** `count_over_time` over the window's lines and the newest lines of a backward query. */
  private async checkLogs(t: number, lines: LineRecord[]): Promise<void> {
    if (lines.length === 0) return;
    // Just after the interval's last line: Loki's `end` is exclusive, a range selector's window left-open.
    const endMs = t + this.o.linesPerInterval;
    const startMs = Number(lines[0]!.tNs / 1_000_000n) - this.o.intervalMs / 2;
    const count = await this.query('log_count', '/loki/api/v1/query', { query: `sum(count_over_time(${this.streamSelector}[${endMs - startMs}ms]))`, time: String(BigInt(endMs) * 1_000_000n) });
    if (count !== undefined) {
      const result = (count.data?.result ?? []) as { value?: [number, string] }[];
      const got = result[0]?.value === undefined ? undefined : Number(result[0].value[1]);
      for (const f of compareCount(lines, got)) this.report({ ...f, detail: `${f.detail} (${new Date(t).toISOString()})` }, `count|${t}`);
    }
    const limit = 2 * this.o.linesPerInterval;
    const tail = await this.query('log_tail', '/loki/api/v1/query_range', {
      query: this.streamSelector,
      start: String(BigInt(startMs) * 1_000_000n),
      end: String(BigInt(endMs) * 1_000_000n),
      limit: String(limit),
      direction: 'backward',
    });
    if (tail !== undefined) {
      const streams = (tail.data?.result ?? []) as { values?: [string, string][] }[];
      // One stream, so the server's order is kept: the order check needs it.
      const got = streams.flatMap((s) => s.values ?? []);
      for (const f of compareTail(lines, limit, got)) this.report(f);
    }
  }
}
