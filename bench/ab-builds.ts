/**
 * bench/ab-builds: two Cairn servers side by side on the same data, each query's runs
 * alternating between them (A, B, A, B, …), to tell whether a change is faster on a
 * machine whose speed drifts by more than the change over minutes (this VM's does: ±30 %
 * on small requests). Build the baseline into another directory first, e.g.
 *
 *   git stash && npx tsc -p tsconfig.build.json --outDir dist-a && git stash pop && npm run build
 *   DIST_A=dist-a DIST_B=dist npx tsx bench/ab-builds.ts
 *
 * or compare node flags on one build: `FLAGS_B="--max-semi-space-size=64" npx tsx bench/ab-builds.ts`.
 * Swap A and B in a second run: the second server started can differ from the first.
 *
 * Env: DIST_A, DIST_B (build directories, default `dist`), FLAGS_A, FLAGS_B (node flags),
 * LOG_A, LOG_B (files for each server's stdout: its JSON log at info, and `--trace-gc`),
 * SERIES (10000), SPS (200: samples per series), N (runs per query, 40), QUERIES (names,
 * comma-separated; default all). Prints, per query, both medians of runs 4–12 (what
 * bench/query times after its 3 untimed runs) and of runs 30 on (warm), and B/A, and each
 * server's CPU time per run over runs 30 on (all threads: the query workers' too); then
 * the geometric mean of B/A over the queries.
 */
import { prepareWorkload } from './lib/payloads.js';
import { frameOf, loadWorkload } from './lib/query-frame.js';
import { cpuSeconds, startCairn, type Target } from './lib/targets.js';

const SERIES = Number(process.env.SERIES ?? 10_000);
const SPS = Number(process.env.SPS ?? 200);
const N = Math.max(30, Number(process.env.N ?? 40));

async function start(dist: string, flags: string, log: string | undefined): Promise<Target> {
  // startCairn reads these at the call.
  process.env.CAIRN_BENCH_DIST = dist;
  process.env.CAIRN_BENCH_NODE_ARGS = flags;
  if (log === undefined) delete process.env.CAIRN_BENCH_LOG;
  else process.env.CAIRN_BENCH_LOG = log;
  return startCairn();
}

const endMs = Math.floor(Date.now() / 1000) * 1000;
const workload = { name: 'ab', series: SERIES, samplesPerSeries: SPS };
const prepared = prepareWorkload(workload, 4, endMs);
const a = await start(process.env.DIST_A ?? 'dist', process.env.FLAGS_A ?? '', process.env.LOG_A);
const b = await start(process.env.DIST_B ?? 'dist', process.env.FLAGS_B ?? '', process.env.LOG_B);

try {
  await loadWorkload(a, prepared);
  await loadWorkload(b, prepared);
  const { evalS, startS, stepS } = frameOf(workload, endMs);
  const at = { time: String(evalS) };
  const span = { start: String(startS), end: String(evalS) };
  const range = (query: string) => ({ query, ...span, step: String(stepS) });
  const all: [string, string, Record<string, string>][] = [
    ['format_query', '/format_query', { query: 'up' }],
    ['rate', '/query', { query: 'rate(node_network_receive_bytes_total[5m])', ...at }],
    ['topk', '/query', { query: 'topk(5, node_memory_MemFree_bytes)', ...at }],
    ['avail', '/query', { query: 'node_memory_MemAvailable_bytes', ...at }],
    ['group_left', '/query', { query: 'node_memory_MemAvailable_bytes / on(instance) group_left node_memory_MemTotal_bytes', ...at }],
    ['avg_over_time', '/query', { query: 'avg_over_time(node_memory_MemFree_bytes[5m])', ...at }],
    ['sum_rate', '/query', { query: 'sum by (mode) (rate(node_cpu_seconds_total[5m]))', ...at }],
    ['sum_rate_range', '/query_range', range('sum by (mode) (rate(node_cpu_seconds_total[5m]))')],
    ['rate_range', '/query_range', range('rate(node_network_receive_bytes_total[5m])')],
    ['topk_range', '/query_range', range('topk(5, node_memory_MemFree_bytes)')],
    ['hq_range', '/query_range', range('histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))')],
    ['group_left_range', '/query_range', range('node_memory_MemAvailable_bytes / on(instance) group_left node_memory_MemTotal_bytes')],
    ['count_range', '/query_range', range('count({__name__=~".+"})')],
    ['host_range', '/query_range', range('node_cpu_seconds_total{instance=~"host-1.*"}')],
    ['avail_range', '/query_range', range('node_memory_MemAvailable_bytes')],
    ['avg_over_time_range', '/query_range', range('avg_over_time(node_memory_MemFree_bytes[5m])')],
    ['series', '/series', { 'match[]': 'node_network_receive_bytes_total', ...span }],
    ['labels', '/labels', span],
    ['values', '/label/instance/values', span],
  ];
  const wanted = process.env.QUERIES?.split(',');
  const cases = wanted === undefined ? all : all.filter(([name]) => wanted.includes(name));
  if (cases.length === 0) throw new Error(`QUERIES names none of ${all.map(([n]) => n).join(', ')}`);

  const timed = async (t: Target, path: string, params: Record<string, string>): Promise<number> => {
    const t0 = performance.now();
    const res = await fetch(`${t.queryBase}${path}?${new URLSearchParams(params).toString()}`, { headers: { ...t.headers, 'accept-encoding': 'identity' } });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${body.slice(0, 200)}`);
    return performance.now() - t0;
  };
  const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
  let logRatios = 0;
  for (const [name, path, params] of cases) {
    const ta: number[] = [];
    const tb: number[] = [];
    // Each server's CPU (all its threads) over runs 30 on: steadier than latency on a
    // machine shared with the other server and the client, at /proc's 10 ms resolution.
    const cpu = { a: 0, b: 0 };
    for (let i = 0; i < N; i++) {
      const [a0, b0] = [cpuSeconds(a.pid), cpuSeconds(b.pid)];
      ta.push(await timed(a, path, params));
      const a1 = cpuSeconds(a.pid);
      tb.push(await timed(b, path, params));
      if (i >= 29) {
        cpu.a += a1 - a0;
        cpu.b += cpuSeconds(b.pid) - b0;
      }
    }
    const [ca, cb] = [median(ta.slice(3, 12)), median(tb.slice(3, 12))];
    logRatios += Math.log(cb / ca);
    const perRun = (s: number) => ((1000 * s) / (N - 29)).toFixed(1);
    console.log(
      `${name.padEnd(17)} runs 4-12: A ${ca.toFixed(2)} B ${cb.toFixed(2)} ms (B/A ${(cb / ca).toFixed(2)})   runs 30+: A ${median(ta.slice(29)).toFixed(2)} B ${median(tb.slice(29)).toFixed(2)} ms, CPU A ${perRun(cpu.a)} B ${perRun(cpu.b)} ms a run`,
    );
  }
  console.log(`geometric mean of B/A over runs 4-12: ${Math.exp(logRatios / cases.length).toFixed(3)}`);
} finally {
  await a.stop();
  await b.stop();
}
