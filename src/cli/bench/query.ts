/**
 * `cairn bench query`: runs a set of PromQL or LogQL queries against a query API with a
 * fixed concurrency, for a duration or a number of passes, and reports each query's latency
 * distribution (p50, p99, max) and its errors by HTTP status, as a table or JSON.
 *
 * Queries go to `/prometheus/api/v1/query|query_range` (PromQL, as Cairn and Mimir serve
 * them; `--api-prefix /api/v1` for Prometheus or VictoriaMetrics) or
 * `/loki/api/v1/query|query_range` (LogQL). LogQL log queries (a selector and pipeline, no
 * metric) always run as range queries over `--range` (default 1h) with `limit=100`,
 * because Loki refuses log queries on the instant endpoint.
 */
import { readFileSync } from 'node:fs';
import { isSampleExpr } from '../../logql/ast.js';
import { parseLogQL } from '../../logql/parser.js';
import { CairnError } from '../../util/errors.js';
import { UsageError } from '../args.js';
import { defaultIo, type CliIo } from '../http-client.js';
import { LatencyHistogram, TARGET_FLAGS, TARGET_USAGE, durationFlag, fmtMs, intFlag, parseBenchArgs, runPool, targetFrom, type LatencySummary, type Target } from './common.js';
import { BUILTIN_LOGQL, BUILTIN_PROMQL, parseQueryFile } from './query-builtin.js';

export const BENCH_QUERY_USAGE = `cairn bench query  TARGET --queries FILE|builtin [--lang promql|logql] [--concurrency C]
                   [--duration D | --iterations N] [--range 1h --step 1m] [--timeout 60s]
                   [--api-prefix /prometheus/api/v1 | /loki/api/v1] [--accept-encoding identity|gzip]
${TARGET_USAGE}`;

const FLAGS = {
  ...TARGET_FLAGS,
  queries: { type: 'string' },
  lang: { type: 'string' },
  concurrency: { type: 'string' },
  duration: { type: 'string' },
  iterations: { type: 'string' },
  range: { type: 'string' },
  step: { type: 'string' },
  timeout: { type: 'string' },
  'api-prefix': { type: 'string' },
  'accept-encoding': { type: 'string' },
} as const;

/** A query language of the bench. */
export type QueryLang = 'promql' | 'logql';

/** One query of the set and how it is sent. */
interface PlannedQuery {
  readonly query: string;
  readonly kind: 'instant' | 'range';
  /** The path and the parameters that do not depend on the clock. */
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
}

/** One query's results in the report. */
export interface QueryReport extends LatencySummary {
  readonly query: string;
  readonly kind: 'instant' | 'range';
  /** Failed requests by status (`network`, `timeout` when no status came back). */
  readonly errors: Readonly<Record<string, number>>;
}

/** The whole run. */
export interface BenchQueryReport {
  readonly target: string;
  readonly lang: QueryLang;
  readonly concurrency: number;
  readonly elapsedSeconds: number;
  readonly requests: number;
  readonly errors: number;
  readonly queriesPerSecond: number;
  readonly queries: readonly QueryReport[];
}

/** Where Cairn and Mimir (PromQL) or Loki (LogQL) serve the query API; Prometheus and VictoriaMetrics serve PromQL at `/api/v1`. */
function defaultPrefix(lang: QueryLang): string {
  return lang === 'promql' ? '/prometheus/api/v1' : '/loki/api/v1';
}

/** How each query is sent: instant unless `--range`; LogQL log queries always as range queries. */
export function planQueries(queries: readonly string[], lang: QueryLang, rangeMs: number | undefined, stepMs: number | undefined, base = defaultPrefix(lang)): PlannedQuery[] {
  return queries.map((query) => {
    let logQuery = false;
    if (lang === 'logql') {
      try {
        logQuery = !isSampleExpr(parseLogQL(query));
      } catch {
        // Not Cairn's LogQL (another server may know more): send it as asked and let the server judge.
      }
    }
    if (rangeMs === undefined && !logQuery) return { query, kind: 'instant', path: `${base}/query`, params: { query } };
    const params: Record<string, string> = { query };
    if (logQuery) params.limit = '100';
    else params.step = `${(stepMs ?? Math.max(1000, Math.ceil((rangeMs ?? 3_600_000) / 250))) / 1000}`;
    return { query, kind: 'range', path: `${base}/query_range`, params };
  });
}

/** Parses flags, runs the bench and prints the report; exit 0, or 1 when any request failed. */
export async function benchQuery(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const { values, positionals } = parseBenchArgs(argv, FLAGS);
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const target = targetFrom(values, io);
  const lang = values.lang ?? 'promql';
  if (lang !== 'promql' && lang !== 'logql') throw new UsageError(`--lang must be promql or logql, got ${lang}`);
  const source = values.queries;
  if (source === undefined) throw new UsageError('--queries FILE|builtin is required');
  let queries: string[];
  if (source === 'builtin') queries = [...(lang === 'promql' ? BUILTIN_PROMQL : BUILTIN_LOGQL)];
  else {
    try {
      queries = parseQueryFile(readFileSync(source, 'utf8'));
    } catch (e) {
      throw new CairnError('bad_data', 'file_unreadable', `cannot read ${source}: ${(e as Error).message}`);
    }
  }
  if (queries.length === 0) throw new UsageError(`${source} holds no queries`);
  if (values.duration !== undefined && values.iterations !== undefined) throw new UsageError('give --duration or --iterations, not both');
  const concurrency = intFlag('concurrency', values.concurrency, 4);
  const durationMs = durationFlag('duration', values.duration);
  const iterations = durationMs === undefined ? intFlag('iterations', values.iterations, 10) : undefined;
  const rangeMs = durationFlag('range', values.range);
  const stepMs = durationFlag('step', values.step);
  if (stepMs !== undefined && rangeMs === undefined) throw new UsageError('--step needs --range');
  const timeoutMs = durationFlag('timeout', values.timeout) ?? 60_000;

  const prefix = (values['api-prefix'] ?? defaultPrefix(lang)).replace(/\/+$/, '');
  if (!prefix.startsWith('/')) throw new UsageError(`--api-prefix must start with /, got '${prefix}'`);
  const planned = planQueries(queries, lang, rangeMs, stepMs, prefix);
  // Identity by default: every server then sends the same bytes and none spends CPU
  // compressing them; `gzip` times what Grafana and the Go clients meet.
  const acceptEncoding = values['accept-encoding'] ?? 'identity';
  const report = await runBench(target, planned, { concurrency, durationMs, iterations, rangeMs: rangeMs ?? 3_600_000, timeoutMs, acceptEncoding, fetch: io.fetch });
  io.stdout(values.json === true ? JSON.stringify({ ...report, lang }, null, 2) + '\n' : formatReport({ ...report, lang }));
  return report.errors > 0 ? 1 : 0;
}

interface RunOptions {
  readonly concurrency: number;
  readonly durationMs: number | undefined;
  readonly iterations: number | undefined;
  readonly rangeMs: number;
  readonly timeoutMs: number;
  /** The Accept-Encoding every request sends. */
  readonly acceptEncoding: string;
  readonly fetch: typeof fetch;
}

/** Runs the planned queries round-robin on `concurrency` workers until the deadline or the passes are done. */
async function runBench(target: Target, planned: readonly PlannedQuery[], o: RunOptions): Promise<Omit<BenchQueryReport, 'lang'>> {
  const latencies = planned.map(() => new LatencyHistogram());
  const errors = planned.map((): Record<string, number> => ({}));
  const start = performance.now();
  const deadline = o.durationMs === undefined ? Infinity : start + o.durationMs;
  const total = o.iterations === undefined ? Infinity : o.iterations * planned.length;
  let next = 0;

  const one = async (i: number): Promise<void> => {
    const q = planned[i]!;
    const params = new URLSearchParams(q.params);
    const nowS = Date.now() / 1000;
    if (q.kind === 'instant') params.set('time', nowS.toFixed(3));
    else {
      params.set('start', (nowS - o.rangeMs / 1000).toFixed(3));
      params.set('end', nowS.toFixed(3));
    }
    const t0 = performance.now();
    let status: string;
    try {
      const res = await o.fetch(`${target.base}${q.path}`, {
        method: 'POST',
        headers: { ...target.headers, 'content-type': 'application/x-www-form-urlencoded', 'accept-encoding': o.acceptEncoding },
        body: params.toString(),
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      // The body is part of the answer's cost: read it all before stopping the clock.
      await res.arrayBuffer();
      status = res.ok ? 'ok' : String(res.status);
    } catch (e) {
      status = (e as Error).name === 'TimeoutError' ? 'timeout' : 'network';
    }
    latencies[i]!.record(performance.now() - t0);
    if (status !== 'ok') errors[i]![status] = (errors[i]![status] ?? 0) + 1;
  };

  await runPool(
    o.concurrency,
    () => {
      if (next >= total) return undefined;
      const i = next++ % planned.length;
      return () => one(i);
    },
    deadline,
  );

  const elapsedSeconds = (performance.now() - start) / 1000;
  const queries = planned.map((q, i) => ({ query: q.query, kind: q.kind, ...latencies[i]!.summary(), errors: errors[i]! }));
  const requests = queries.reduce((a, q) => a + q.count, 0);
  const errorCount = errors.reduce((a, e) => a + Object.values(e).reduce((x, y) => x + y, 0), 0);
  return { target: target.base, concurrency: o.concurrency, elapsedSeconds, requests, errors: errorCount, queriesPerSecond: requests / elapsedSeconds, queries };
}

/** Rows as left-aligned columns separated by two spaces, the first row a header. */
function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

/** The report as a table, one row a query, then the totals. */
export function formatReport(r: BenchQueryReport): string {
  const rows = [['QUERY', 'KIND', 'COUNT', 'P50', 'P99', 'MAX', 'ERRORS']];
  for (const q of r.queries) {
    const errs = Object.entries(q.errors).map(([s, n]) => `${s}:${n}`).join(',') || '0';
    rows.push([q.query.length > 60 ? q.query.slice(0, 57) + '...' : q.query, q.kind, String(q.count), fmtMs(q.p50Ms), fmtMs(q.p99Ms), fmtMs(q.maxMs), errs]);
  }
  return table(rows) + `\n${r.requests} ${r.lang} queries in ${r.elapsedSeconds.toFixed(2)}s at concurrency ${r.concurrency}: ${r.queriesPerSecond.toFixed(1)} queries/s, ${r.errors} errors\n`;
}
