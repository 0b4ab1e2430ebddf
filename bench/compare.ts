/**
 * Side by side: Cairn, Prometheus 2.42 and VictoriaMetrics 1.79, one at a time on loopback
 * ports with fresh data dirs, under the same `cairn bench metrics` load and `cairn bench query`
 * builtin PromQL set. Writes a Markdown table of figures and Cairn's ratios to stdout, and
 * appends it with the command and date to bench/RESULTS.md when `--record` is given.
 *
 * Run through bench/compare.sh (which builds dist/ when stale). Sizes come from env vars:
 * SERIES, SAMPLES (per series), BATCH, CONCURRENCY, QUERY_ITERATIONS, QUERY_CONCURRENCY,
 * QUERY_RANGE, QUERY_STEP, TARGETS (comma list of cairn,prometheus,vm).
 */
import { spawn } from 'node:child_process';
import { appendFileSync, lstatSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { cpuSeconds, startCairn, startPrometheus, startVictoriaMetrics, type Target } from './lib/targets.js';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist/src/cli/main.js');

function envInt(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got '${v}'`);
  return n;
}

const cfg = {
  series: envInt('SERIES', 50_000),
  samples: envInt('SAMPLES', 100),
  batch: envInt('BATCH', 2_000),
  concurrency: envInt('CONCURRENCY', 4),
  queryIterations: envInt('QUERY_ITERATIONS', 20),
  queryConcurrency: envInt('QUERY_CONCURRENCY', 2),
  queryRange: process.env.QUERY_RANGE ?? '10m',
  queryStep: process.env.QUERY_STEP ?? '30s',
  targets: (process.env.TARGETS ?? 'cairn,prometheus,vm').split(',').map((s) => s.trim()).filter((s) => s !== ''),
};
const record = process.argv.includes('--record');

/** One store's figures. */
interface Row {
  readonly name: string;
  readonly samples: number;
  readonly samplesPerSecond: number;
  readonly pushP50Ms: number;
  readonly pushP99Ms: number;
  readonly pushErrors: number;
  /** Median of the per-query p50s, and the worst per-query p99. */
  readonly queryP50Ms: number;
  readonly queryP99Ms: number;
  readonly queryErrors: number;
  readonly perQueryP50: Readonly<Record<string, number>>;
  readonly diskBytes: number;
  /** `count({__name__=~".+"})` after the load: every pushed series should be there. */
  readonly seriesSeen: number;
  readonly ingestCpuS: number;
  readonly queryCpuS: number;
}

function log(msg: string): void {
  process.stderr.write(`[compare ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** Runs the CLI with a hard deadline; resolves with stdout and the exit code. */
function runCli(args: readonly string[], deadlineMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cairn ${args.slice(0, 2).join(' ')} still running after ${deadlineMs / 1000}s: killed`));
    }, deadlineMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** Bytes of all regular files under `dir` (what `du --apparent-size` counts). */
function dirBytes(dir: string): number {
  let total = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop()!;
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue; // removed while walking (a compaction's temp dir)
    }
    for (const n of names) {
      const p = join(d, n);
      try {
        const st = lstatSync(p);
        if (st.isDirectory()) stack.push(p);
        else if (st.isFile()) total += st.size;
      } catch {
        // Same race as above.
      }
    }
  }
  return total;
}

function targetFlags(t: Target): string[] {
  const base = new URL(t.pushUrl).origin;
  const flags = ['--target', base];
  for (const [k, v] of Object.entries(t.headers)) flags.push('--header', `${k}: ${v}`);
  return flags;
}

const starters: Record<string, () => Promise<Target | undefined>> = {
  cairn: () => startCairn(),
  prometheus: () => startPrometheus(),
  // Queries must see data written a moment ago, and no cache may answer repeats.
  vm: () => startVictoriaMetrics(['-search.latencyOffset=0s', '-search.disableCache', '-retentionPeriod=100y']),
};

let current: Target | undefined;

async function measure(key: string): Promise<Row | undefined> {
  const start = starters[key];
  if (start === undefined) throw new Error(`unknown target '${key}' (cairn, prometheus, vm)`);
  log(`${key}: starting`);
  const t = await start();
  if (t === undefined) {
    log(`${key}: binary not installed, skipped`);
    return undefined;
  }
  current = t;
  try {
    const path = new URL(t.pushUrl).pathname;
    const apiPrefix = new URL(t.queryBase).pathname;
    const cpu0 = cpuSeconds(t.pid);
    const total = cfg.series * cfg.samples;
    log(`${t.name}: pushing ${total} samples (${cfg.series} series × ${cfg.samples}, batch ${cfg.batch}, ${cfg.concurrency} senders)`);
    const push = await runCli(
      ['bench', 'metrics', ...targetFlags(t), '--path', path, '--series', String(cfg.series), '--samples-per-series', String(cfg.samples), '--batch', String(cfg.batch), '--concurrency', String(cfg.concurrency), '--json'],
      20 * 60_000,
    );
    if (push.stdout.trim() === '') throw new Error(`bench metrics against ${t.name} printed nothing (exit ${push.code}): ${push.stderr.slice(0, 500)}`);
    const pj = JSON.parse(push.stdout) as { samples: number; samplesPerSecond: number; failedRequests: number; latency: { p50Ms: number; p99Ms: number } };
    const cpu1 = cpuSeconds(t.pid);
    log(`${t.name}: ${pj.samples} samples at ${Math.round(pj.samplesPerSecond)}/s, push p99 ${pj.latency.p99Ms} ms, ${pj.failedRequests} failed requests`);

    if (t.flush !== undefined) await t.flush();
    // Let background writers (WAL fsync, VM's in-memory parts) settle before disk is read.
    await new Promise((r) => setTimeout(r, 3_000));
    const diskBytes = dirBytes(t.dataDir);
    log(`${t.name}: ${diskBytes} bytes on disk (${(diskBytes / pj.samples).toFixed(2)} B/sample)`);

    const cq = await fetch(`${t.queryBase}/query?query=${encodeURIComponent('count({__name__=~".+"})')}`, { headers: t.headers, signal: AbortSignal.timeout(60_000) });
    const cj = (await cq.json()) as { data?: { result?: { value: [number, string] }[] } };
    const seriesSeen = Number(cj.data?.result?.[0]?.value[1] ?? 0);
    log(`${t.name}: ${seriesSeen} series visible to queries`);

    log(`${t.name}: builtin PromQL, ${cfg.queryIterations} iterations, range ${cfg.queryRange} step ${cfg.queryStep}`);
    const q = await runCli(
      ['bench', 'query', ...targetFlags(t), '--api-prefix', apiPrefix, '--queries', 'builtin', '--lang', 'promql', '--iterations', String(cfg.queryIterations), '--concurrency', String(cfg.queryConcurrency), '--range', cfg.queryRange, '--step', cfg.queryStep, '--timeout', '60s', '--json'],
      20 * 60_000,
    );
    if (q.stdout.trim() === '') throw new Error(`bench query against ${t.name} printed nothing (exit ${q.code}): ${q.stderr.slice(0, 500)}`);
    const qj = JSON.parse(q.stdout) as { errors: number; queries: { query: string; p50Ms: number; p99Ms: number; errors: Record<string, number> }[] };
    const cpu2 = cpuSeconds(t.pid);
    const p50s = qj.queries.map((x) => x.p50Ms).sort((a, b) => a - b);
    const row: Row = {
      name: t.name,
      samples: pj.samples,
      samplesPerSecond: pj.samplesPerSecond,
      pushP50Ms: pj.latency.p50Ms,
      pushP99Ms: pj.latency.p99Ms,
      pushErrors: pj.failedRequests,
      queryP50Ms: p50s[Math.floor((p50s.length - 1) / 2)] ?? NaN,
      queryP99Ms: Math.max(...qj.queries.map((x) => x.p99Ms)),
      queryErrors: qj.errors,
      perQueryP50: Object.fromEntries(qj.queries.map((x) => [x.query, x.p50Ms])),
      diskBytes,
      seriesSeen,
      ingestCpuS: cpu1 - cpu0,
      queryCpuS: cpu2 - cpu1,
    };
    log(`${t.name}: query p50 (median of queries) ${row.queryP50Ms} ms, worst p99 ${row.queryP99Ms} ms, ${qj.errors} failed`);
    for (const x of qj.queries) if (Object.keys(x.errors).length > 0) log(`${t.name}:   errors for ${x.query}: ${JSON.stringify(x.errors)}`);
    return row;
  } finally {
    log(`${t.name}: stopping`);
    await t.stop();
    current = undefined;
  }
}

/** What the columns mean, written above a recorded table. */
const NOTES = [
  'One store at a time, fresh process and data dir each, on loopback. Push: `cairn bench metrics` (node-exporter-like',
  'series, remote-write 1.0, samples/s over the whole run, latency per request). Query: `cairn bench query --queries',
  'builtin` (6 dashboard PromQL range queries); "query p50" is the median of the per-query p50s, "query p99" the worst',
  'per-query p99. "series seen" is `count({__name__=~".+"})` after the load. Disk: every file under the data dir 3 s',
  'after the load (after `/internal/force_flush` on VictoriaMetrics), as each store left it (no forced compaction:',
  'Prometheus\'s is its WAL, VictoriaMetrics\'s compressed parts). CPU: the server\'s utime+stime from /proc during the push',
  'and during the queries. Ratios are Cairn / peer: above 1 means Cairn is higher (better for samples/s, worse elsewhere).',
].join('\n');

const cpus = (): number => availableParallelism();

const fmt = (n: number, d = 1): string => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }).replace(/,/g, ' ') : 'n/a');
const ratio = (a: number, b: number | undefined): string => (b === undefined || !(b > 0) ? 'n/a' : `${(a / b).toFixed(2)}×`);

function table(rows: readonly Row[]): string {
  const cols: [string, (r: Row) => number, number][] = [
    ['series seen', (r) => r.seriesSeen, 0],
    ['samples/s', (r) => r.samplesPerSecond, 0],
    ['push p50 ms', (r) => r.pushP50Ms, 2],
    ['push p99 ms', (r) => r.pushP99Ms, 2],
    ['query p50 ms', (r) => r.queryP50Ms, 2],
    ['query p99 ms', (r) => r.queryP99Ms, 2],
    ['disk B/sample', (r) => r.diskBytes / r.samples, 2],
    ['ingest CPU s', (r) => r.ingestCpuS, 2],
    ['query CPU s', (r) => r.queryCpuS, 2],
  ];
  const lines: string[] = [];
  lines.push(`| store | ${cols.map((c) => c[0]).join(' | ')} | failed push / query requests |`);
  lines.push(`|---|${cols.map(() => '---:').join('|')}|---:|`);
  for (const r of rows) lines.push(`| ${r.name} | ${cols.map(([, f, d]) => fmt(f(r), d)).join(' | ')} | ${r.pushErrors} / ${r.queryErrors} |`);
  const cairn = rows.find((r) => r.name === 'cairn');
  if (cairn !== undefined) {
    for (const other of rows.filter((r) => r !== cairn)) {
      lines.push(`| Cairn / ${other.name} | ${cols.map(([, f]) => ratio(f(cairn), f(other))).join(' | ')} | |`);
    }
  }
  // Per query: which queries make the difference.
  if (rows.length > 0) {
    const queries = Object.keys(rows[0]!.perQueryP50);
    lines.push('', `| query p50 ms | ${rows.map((r) => r.name).join(' | ')} |`, `|---|${rows.map(() => '---:').join('|')}|`);
    for (const q of queries) lines.push(`| \`${q.replace(/\|/g, '\\|')}\` | ${rows.map((r) => fmt(r.perQueryP50[q] ?? NaN, 2)).join(' | ')} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const key of cfg.targets) {
    const row = await measure(key);
    if (row !== undefined) rows.push(row);
  }
  const sizes = `SERIES=${cfg.series} SAMPLES=${cfg.samples} BATCH=${cfg.batch} CONCURRENCY=${cfg.concurrency} QUERY_ITERATIONS=${cfg.queryIterations} QUERY_CONCURRENCY=${cfg.queryConcurrency} QUERY_RANGE=${cfg.queryRange} QUERY_STEP=${cfg.queryStep}`;
  const out = table(rows);
  process.stdout.write(out + '\n');
  if (record) {
    const load = loadavg()[0]!.toFixed(1);
    const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
    appendFileSync(
      join(ROOT, 'bench/RESULTS.md'),
      `\n## compare: Cairn beside Prometheus 2.42 and VictoriaMetrics 1.79 (issue 11), ${stamp} UTC\n\n` +
        `\`${sizes} bench/compare.sh --record\` (load average ${load} at the end, ${cpus()} cores, Node ${process.versions.node}).\n\n` +
        `${NOTES}\n\n${out}\n`,
    );
    log('appended to bench/RESULTS.md');
  }
}

/** Stops the server under test (bounded: a server already killed by the group signal may never report) and removes its temp dir. */
async function cleanup(): Promise<void> {
  const t = current;
  current = undefined;
  if (t === undefined) return;
  try {
    process.kill(t.pid, 'SIGKILL'); // aborting: no clean shutdown needed
  } catch {
    // Already gone.
  }
  await Promise.race([t.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 3_000))]);
  // Prometheus and VictoriaMetrics keep their data in `<tempdir>/data`.
  rmSync(basename(t.dataDir) === 'data' ? dirname(t.dataDir) : t.dataDir, { recursive: true, force: true });
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    void cleanup().finally(() => process.exit(130));
  });
}

main().then(
  () => cleanup(),
  async (e: unknown) => {
    log(`failed: ${(e as Error).message}`);
    await cleanup();
    process.exitCode = 1;
  },
);
