/**
 * bench/query: PromQL and metadata latency of Cairn beside Prometheus 2.42 and
 * VictoriaMetrics 1.79, through each one's Prometheus HTTP API, on the same data.
 *
 * For each dataset (the node-exporter-like series of `lib/payloads.ts`, 15 s apart, ending
 * now), each target in turn is started fresh, loaded through remote_write and polled until
 * `count({__name__=~".+"})` sees every series; then all are asked the same queries: instant ones
 * 1 s after the last scrape round, range ones over the dataset's whole span (~150 points),
 * and the `labels`, `label/instance/values` and `series` endpoints over the same span. Each
 * query runs WARMUP times untimed (the first answer is the one compared) and then REPEAT times; the
 * median is reported. A query stops repeating once its timed runs took QUERY_BUDGET_S
 * (at least 3 runs; fewer runs are marked `n=`).
 *
 * Answers are compared with Prometheus's: same label sets, same timestamps, values within
 * relative 1e-6 (NaN equals NaN). Cairn differing from Prometheus is an error: it is printed
 * loudly and the process exits 1. VictoriaMetrics' MetricsQL differs from PromQL on purpose
 * (rate extrapolation, lookback, ...), so its differences are reported, not failed on.
 * VictoriaMetrics runs with `-search.latencyOffset=0s` (else it hides the last 30 s, which
 * is where an instant query "now" looks) and `-search.disableCache` (so repeats measure
 * evaluation, as for the other two, which have no result cache).
 *
 * ORDER=interleaved (the default) asks the targets side by side: each query's untimed runs
 * on each target, then its timed runs in rounds, one on each target per round, so that a
 * machine whose speed drifts over minutes (this VM's does, by ±30 % on small requests)
 * slows all three alike. The targets wait loaded and idle while the others answer; the
 * bench first waits until each has settled (under SETTLE_CPU of a core over a second)
 * after its load. ORDER=sequential runs the whole list on one target, then stops it and
 * starts the next: the order of the figures before 2026-12-02.
 *
 * With WARM_PASSES=n, every target first answers the whole query list n times untimed,
 * so each query is measured on a server that has run all of them (a dashboard's view).
 * Before any target, the bench's own HTTP client is warmed on a local server of canned
 * answers (CLIENT_WARM_REQUESTS, 3000; 0 skips it), so that the first target measured
 * does not pay for the client's cold start.
 *
 * Every request says `Accept-Encoding: identity` (ACCEPT_ENCODING to change it): every
 * target gzips answers when a client accepts it, at its own speed and level.
 *
 * Run: `npm run bench -- query` (env: DATASETS=10kx200,100kx20, TARGETS=cairn,prometheus,vm,
 * ORDER=interleaved, SETTLE_CPU=0.05, REPEAT=7, WARMUP=3, WARM_PASSES=0, CLIENT_WARM_REQUESTS=3000, ACCEPT_ENCODING=identity, QUERY_BUDGET_S=15, SHARDS=4;
 * PRINT_TIMES=1 prints every timed run of every query, to tell a cold start from a slow machine).
 */
import { createServer } from 'node:http';
import { prepareWorkload, type Workload } from './lib/payloads.js';
import { frameOf, loadWorkload, type Frame } from './lib/query-frame.js';
import { cpuSeconds, startCairn, startPrometheus, startVictoriaMetrics, type Target } from './lib/targets.js';

const SHARDS = Number(process.env.SHARDS ?? 4);
const REPEAT = Math.max(1, Number(process.env.REPEAT ?? 7));
// Untimed runs before the timed ones (the first is the compared answer): a dashboard or a
// rule asks the same query again and again, so the steady state is what its users see,
// and a JIT-compiled server (Cairn) is not measured on code V8 has not optimised yet.
// The same for every target.
const WARMUP = Math.max(1, Number(process.env.WARMUP ?? 3));
const WARM_PASSES = Math.max(0, Number(process.env.WARM_PASSES ?? 0));
const CLIENT_WARM_REQUESTS = Math.max(0, Number(process.env.CLIENT_WARM_REQUESTS ?? 3000));
const PRINT_TIMES = process.env.PRINT_TIMES === '1';
// Every target gzips an answer when the client accepts it (Node's fetch asks for gzip by
// default), each at its own level and speed, and the client then inflates megabytes for the
// big range answers. By default every target is asked for identity, so the same bytes are
// measured without compression; ACCEPT_ENCODING=gzip,deflate measures what Grafana gets.
const ACCEPT_ENCODING = process.env.ACCEPT_ENCODING ?? 'identity';
const QUERY_BUDGET_MS = Number(process.env.QUERY_BUDGET_S ?? 15) * 1000;
const MIN_RUNS = Math.min(3, REPEAT);
const ORDER = process.env.ORDER ?? 'interleaved';
if (ORDER !== 'interleaved' && ORDER !== 'sequential') throw new Error(`ORDER must be interleaved or sequential, not ${ORDER}`);
// A loaded target counts as settled (compactions, merges after the load done) below this
// share of one core over a second.
const SETTLE_CPU = Number(process.env.SETTLE_CPU ?? 0.05);
const REL_TOLERANCE = 1e-6;

const ALL_DATASETS: Record<string, Workload> = {
  '10kx200': { name: '10k series × 200 samples', series: 10_000, samplesPerSeries: 200 },
  '100kx20': { name: '100k series × 20 samples', series: 100_000, samplesPerSeries: 20 },
};
const datasets = (process.env.DATASETS ?? '10kx200,100kx20').split(',').map((k) => {
  const w = ALL_DATASETS[k];
  if (w === undefined) throw new Error(`unknown dataset ${k}; have ${Object.keys(ALL_DATASETS).join(', ')}`);
  return w;
});

const REFERENCE = 'prometheus';
const TARGETS: Record<string, { label: string; start: () => Promise<Target | undefined> }> = {
  cairn: { label: 'Cairn', start: () => startCairn() },
  prometheus: { label: 'Prometheus', start: startPrometheus },
  vm: { label: 'VictoriaMetrics', start: () => startVictoriaMetrics(['-search.latencyOffset=0s', '-search.disableCache']) },
};
const targetKeys = (process.env.TARGETS ?? 'cairn,prometheus,vm').split(',');

// ---------------------------------------------------------------------------------------
// Queries

interface QueryCase {
  /** What the table shows. */
  readonly name: string;
  /** Path under the target's query base, and its parameters. */
  readonly path: string;
  readonly params: Record<string, string>;
}

const PROMQL = [
  'rate(node_network_receive_bytes_total[5m])',
  'sum by (mode) (rate(node_cpu_seconds_total[5m]))',
  'topk(5, node_memory_MemFree_bytes)',
  'histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))',
  'count({__name__=~".+"})',
  'node_cpu_seconds_total{instance=~"host-1.*"}',
  'node_memory_MemAvailable_bytes',
  'node_memory_MemAvailable_bytes / on(instance) group_left node_memory_MemTotal_bytes',
  'avg_over_time(node_memory_MemFree_bytes[5m])',
];
const SERIES_MATCH = 'node_network_receive_bytes_total';

function queryCases(f: Frame): QueryCase[] {
  const out: QueryCase[] = [];
  for (const q of PROMQL) out.push({ name: `\`${q}\``, path: '/query', params: { query: q, time: String(f.evalS) } });
  for (const q of PROMQL) {
    out.push({ name: `\`${q}\` range`, path: '/query_range', params: { query: q, start: String(f.startS), end: String(f.evalS), step: String(f.stepS) } });
  }
  const span = { start: String(f.startS), end: String(f.evalS) };
  out.push({ name: '`labels`', path: '/labels', params: span });
  out.push({ name: '`label/instance/values`', path: '/label/instance/values', params: span });
  out.push({ name: `\`series?match[]=${SERIES_MATCH}\``, path: '/series', params: { 'match[]': SERIES_MATCH, ...span } });
  return out;
}

// ---------------------------------------------------------------------------------------
// Talking to a target

function urlOf(target: Target, q: QueryCase): string {
  return `${target.queryBase}${q.path}?${new URLSearchParams(q.params).toString()}`;
}

/** One request, timed to the last byte of the body. */
async function timed(target: Target, q: QueryCase): Promise<{ ms: number; status: number; body: string }> {
  const t0 = performance.now();
  const res = await fetch(urlOf(target, q), { headers: { ...target.headers, 'accept-encoding': ACCEPT_ENCODING } });
  const body = await res.text();
  return { ms: performance.now() - t0, status: res.status, body };
}

/** Polls `count({__name__=~".+"})` until it sees every series; returns the seconds waited. */
async function waitQueryable(target: Target, f: Frame, series: number): Promise<number> {
  const q: QueryCase = { name: 'count', path: '/query', params: { query: 'count({__name__=~".+"})', time: String(f.evalS) } };
  const t0 = performance.now();
  let seen = 'nothing';
  let flushable = true;
  while (performance.now() - t0 < 120_000) {
    if (target.flush !== undefined && flushable) {
      flushable = await target.flush();
      if (!flushable) console.log(`  ${target.name}: no /internal/force_flush; polling until the data shows up`);
    }
    const r = await timed(target, q);
    if (r.status === 200) {
      const v = (JSON.parse(r.body) as PromResponse).data as { result: { value: [number, string] }[] };
      seen = v.result[0]?.value[1] ?? '0';
      if (Number(seen) === series) return (performance.now() - t0) / 1000;
    } else {
      seen = `HTTP ${r.status}: ${r.body.slice(0, 200)}`;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${target.name}: count({__name__=~".+"}) still ${seen} (want ${series}) after 120 s`);
}

// ---------------------------------------------------------------------------------------
// Comparing answers

interface PromResponse {
  status: string;
  data?: unknown;
  errorType?: string;
  error?: string;
}

type Sample = readonly [number, string];
/** An answer reduced to comparable entries: a key (label set or string) → its samples. */
interface Normal {
  readonly kind: string;
  readonly entries: Map<string, Sample[]>;
}

const labelKey = (m: Record<string, string>): string =>
  `{${Object.keys(m)
    .sort()
    .map((k) => `${k}=${JSON.stringify(m[k])}`)
    .join(', ')}}`;

function normalize(data: unknown): Normal {
  const entries = new Map<string, Sample[]>();
  if (Array.isArray(data)) {
    // labels / label values: strings; series: label sets.
    for (const x of data as unknown[]) entries.set(typeof x === 'string' ? JSON.stringify(x) : labelKey(x as Record<string, string>), []);
    return { kind: 'list', entries };
  }
  const d = data as { resultType: string; result: unknown };
  switch (d.resultType) {
    case 'vector':
      for (const s of d.result as { metric: Record<string, string>; value: Sample }[]) entries.set(labelKey(s.metric), [s.value]);
      break;
    case 'matrix':
      for (const s of d.result as { metric: Record<string, string>; values: Sample[] }[]) entries.set(labelKey(s.metric), s.values);
      break;
    case 'scalar':
    case 'string':
      entries.set('', [d.result as Sample]);
      break;
    default:
      throw new Error(`unknown resultType ${d.resultType}`);
  }
  return { kind: d.resultType, entries };
}

const num = (s: string): number => (s === '+Inf' ? Infinity : s === '-Inf' ? -Infinity : Number(s));

function sameValue(a: string, b: string): boolean {
  const x = num(a);
  const y = num(b);
  if (Number.isNaN(x) && Number.isNaN(y)) return true;
  if (x === y) return true;
  return Math.abs(x - y) <= REL_TOLERANCE * Math.max(Math.abs(x), Math.abs(y));
}

const showSample = (s: Sample | undefined) => (s === undefined ? 'none' : `${s[1]} @${s[0]}`);

interface Diff {
  /** Entries (series, names) that differ: missing, extra, or with different samples. */
  readonly count: number;
  readonly of: number;
  readonly example: string;
}

function compare(expected: Normal, actual: Normal): Diff | undefined {
  if (expected.kind !== actual.kind) return { count: 1, of: 1, example: `result type ${actual.kind}, expected ${expected.kind}` };
  let count = 0;
  let example = '';
  const note = (s: string) => {
    count++;
    example ||= s;
  };
  for (const [key, want] of expected.entries) {
    const got = actual.entries.get(key);
    if (got === undefined) {
      note(`${key}: missing (expected ${want.length === 0 ? 'present' : `${want.length} sample(s), first ${showSample(want[0])}`})`);
      continue;
    }
    const gotByT = new Map(got.map((s) => [Math.round(Number(s[0]) * 1000), s]));
    const wantTs = new Set<number>();
    let bad = '';
    for (const w of want) {
      const t = Math.round(Number(w[0]) * 1000);
      wantTs.add(t);
      const g = gotByT.get(t);
      if (g === undefined || !sameValue(w[1], g[1])) {
        bad = `expected ${showSample(w)}, got ${showSample(g)}`;
        break;
      }
    }
    if (bad === '') {
      const extra = got.find((g) => !wantTs.has(Math.round(Number(g[0]) * 1000)));
      if (extra !== undefined) bad = `unexpected sample ${showSample(extra)}`;
    }
    if (bad === '' && got.length !== want.length) bad = `${got.length} samples, expected ${want.length}`;
    if (bad !== '') note(`${key}: ${bad}`);
  }
  for (const [key, got] of actual.entries) {
    if (!expected.entries.has(key)) note(`${key}: unexpected (${got.length === 0 ? 'present' : `${got.length} sample(s), first ${showSample(got[0])}`})`);
  }
  const union = new Set([...expected.entries.keys(), ...actual.entries.keys()]).size;
  return count === 0 ? undefined : { count, of: union, example };
}

// ---------------------------------------------------------------------------------------
// Running

interface Outcome {
  /** Median latency of the timed runs, ms; undefined when the query failed. */
  readonly medianMs: number | undefined;
  readonly runs: number;
  /**
   * The compared answer, normalised when first asked for: held as the response's text
   * until then, so that the bench process does not carry every earlier answer's objects
   * (hundreds of thousands of points) through the garbage collections of later timed runs.
   */
  readonly answer: Normal | undefined;
  readonly error: string | undefined;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * One query on one target: `begin` takes the compared answer and the untimed runs, then
 * `step` adds timed runs while `wantsMore` (REPEAT runs, or the budget spent after
 * MIN_RUNS); `outcome` reports them.
 */
class QueryRun {
  private readonly times: number[] = [];
  private spent = 0;
  private failed: string | undefined;
  private normal: Normal | undefined;
  private readonly firstFailed: boolean;

  private constructor(
    readonly target: Target,
    private readonly q: QueryCase,
    private readonly body: string,
    error: string | undefined,
  ) {
    this.failed = error;
    this.firstFailed = error !== undefined;
  }

  static async begin(target: Target, q: QueryCase): Promise<QueryRun> {
    const first = await timed(target, q);
    let error: string | undefined;
    try {
      const r = JSON.parse(first.body) as PromResponse;
      if (first.status !== 200 || r.status !== 'success') error = `HTTP ${first.status} ${r.errorType ?? ''}: ${r.error ?? first.body.slice(0, 200)}`;
    } catch (e) {
      error = `HTTP ${first.status}, unreadable answer (${(e as Error).message}): ${first.body.slice(0, 200)}`;
    }
    const run = new QueryRun(target, q, first.body, error);
    // Slow queries (a third of the budget for the warm-up) skip the extra warm-up runs.
    if (error === undefined) for (let i = 1; i < WARMUP && first.ms * WARMUP < QUERY_BUDGET_MS / 3; i++) await timed(target, q);
    return run;
  }

  get wantsMore(): boolean {
    return this.failed === undefined && this.times.length < REPEAT && (this.times.length < MIN_RUNS || this.spent < QUERY_BUDGET_MS);
  }

  async step(): Promise<void> {
    const r = await timed(this.target, this.q);
    if (r.status !== 200) {
      this.failed = `HTTP ${r.status} on a repeat: ${r.body.slice(0, 200)}`;
      return;
    }
    this.times.push(r.ms);
    this.spent += r.ms;
  }

  outcome(): Outcome {
    if (PRINT_TIMES && this.times.length > 0) console.log(`  ${this.target.name} ${this.q.name}: runs ${this.times.map((x) => x.toFixed(2)).join(' ')}`);
    // The first answer is compared unless the first request failed (a failure on a repeat keeps it).
    const answer = (): Normal | undefined => (this.firstFailed ? undefined : (this.normal ??= normalize((JSON.parse(this.body) as PromResponse).data)));
    return {
      medianMs: this.failed === undefined ? median(this.times) : undefined,
      runs: this.times.length,
      get answer() {
        return answer();
      },
      error: this.failed,
    };
  }
}

/** A query on every target: untimed runs target by target, then timed runs in rounds. */
async function runSideBySide(targets: readonly Target[], q: QueryCase): Promise<Outcome[]> {
  const runs: QueryRun[] = [];
  for (const t of targets) runs.push(await QueryRun.begin(t, q));
  for (;;) {
    const round = runs.filter((r) => r.wantsMore);
    if (round.length === 0) break;
    for (const r of round) await r.step();
  }
  return runs.map((r) => r.outcome());
}

/** Waits (≤ 60 s) until a loaded target uses under SETTLE_CPU of a core over a second; returns seconds waited. */
async function settle(target: Target): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < 60_000) {
    const c0 = cpuSeconds(target.pid);
    await new Promise((r) => setTimeout(r, 1000));
    if (cpuSeconds(target.pid) - c0 < SETTLE_CPU) break;
  }
  return (performance.now() - t0) / 1000;
}

const fmtMs = (o: Outcome | undefined): string => {
  if (o === undefined) return '–';
  if (o.medianMs === undefined) return 'error';
  const v = o.medianMs < 10 ? o.medianMs.toFixed(2) : o.medianMs < 100 ? o.medianMs.toFixed(1) : o.medianMs.toFixed(0);
  return o.runs < REPEAT ? `${v} (n=${o.runs})` : v;
};

const ratio = (a: Outcome | undefined, b: Outcome | undefined): string =>
  a?.medianMs === undefined || b?.medianMs === undefined ? '–' : `${(a.medianMs / b.medianMs).toFixed(2)}×`;

console.log(
  `bench/query: Accept-Encoding: ${ACCEPT_ENCODING}; ${WARM_PASSES > 0 ? `the whole list ${WARM_PASSES}× untimed, then ` : ''}each query ${WARMUP}× untimed (the first compared) then ${REPEAT}× (median; ≤${QUERY_BUDGET_MS / 1000} s per query, at least ${MIN_RUNS} runs), ${ORDER === 'interleaved' ? 'targets side by side (timed runs in rounds)' : 'one target at a time'}, node ${process.version}`,
);
let cairnProblems = 0;
/** Per peer, over every dataset: the queries where Cairn's median was at or below the peer's. */
const totals = new Map<string, { label: string; atOrBelow: number; of: number }>();

/**
 * Runs the bench's own request path (`timed`: fetch, headers, reading the body) through
 * CLIENT_WARM_REQUESTS requests to a local server of canned answers before any target is
 * measured. Targets run one after another, Cairn first: without this, its first queries
 * met a cold client. On this machine a fresh fetch client takes ~2 ms a request for its
 * first dozens and ~0.17 ms once warm (bench/RESULTS.md), more than the smallest queries
 * take to answer.
 */
async function warmClient(): Promise<void> {
  const bodies = [200, 5_000, 100_000].map((n) => Buffer.from(JSON.stringify({ status: 'success', data: 'x'.repeat(n) })));
  let served = 0;
  const server = createServer((_req, res) => {
    const body = bodies[served++ % bodies.length]!;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const local = { name: 'client warm-up', queryBase: `http://127.0.0.1:${port}/api/v1`, headers: { authorization: 'Bearer x' } } as unknown as Target;
  const q: QueryCase = { name: 'warm', path: '/query', params: { query: 'up', time: '1' } };
  const t0 = performance.now();
  for (let i = 0; i < CLIENT_WARM_REQUESTS; i++) await timed(local, q);
  await new Promise((resolve) => server.close(resolve));
  console.log(`client warmed with ${CLIENT_WARM_REQUESTS} requests to a local server in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
if (CLIENT_WARM_REQUESTS > 0) await warmClient();

for (const w of datasets) {
  const t = performance.now();
  const endMs = Math.floor(Date.now() / 1000) * 1000;
  const prepared = prepareWorkload(w, SHARDS, endMs);
  const frame = frameOf(w, endMs);
  const cases = queryCases(frame);
  console.log(
    `\n## ${w.name}\n\n${(prepared.totalBytes / 1e6).toFixed(1)} MB of remote-write payloads (prepared in ${((performance.now() - t) / 1000).toFixed(1)} s); ` +
      `instant queries at ${new Date(frame.evalS * 1000).toISOString()}, range queries ${frame.points} points, step ${frame.stepS}s, from ${new Date(frame.startS * 1000).toISOString()}`,
  );

  const outcomes = new Map<string, Map<string, Outcome>>();
  const record = (key: string, q: QueryCase, o: Outcome): void => {
    let byQuery = outcomes.get(key);
    if (byQuery === undefined) outcomes.set(key, (byQuery = new Map()));
    byQuery.set(q.name, o);
    if (o.error !== undefined) {
      console.log(`  ${key === 'cairn' ? '!! CAIRN ERROR' : TARGETS[key]!.label}: ${q.name}: ${o.error}`);
      if (key === 'cairn') cairnProblems++;
    }
  };
  const failedTarget = (key: string, e: unknown): void => {
    console.log(`  ${key === 'cairn' ? '!! CAIRN ERROR' : TARGETS[key]!.label}: ${(e as Error).message}`);
    if (key === 'cairn') cairnProblems++;
  };
  /** Starts a target and loads the dataset; undefined when not installed or failed (reported). */
  const startLoaded = async (key: string): Promise<Target | undefined> => {
    const spec = TARGETS[key];
    if (spec === undefined) throw new Error(`unknown target ${key}; have ${Object.keys(TARGETS).join(', ')}`);
    const target = await spec.start();
    if (target === undefined) {
      console.log(`  ${spec.label}: not installed, skipped`);
      return undefined;
    }
    try {
      const t0 = performance.now();
      await loadWorkload(target, prepared);
      const loadS = (performance.now() - t0) / 1000;
      const waitS = await waitQueryable(target, frame, w.series);
      console.log(`  ${target.name}: loaded in ${loadS.toFixed(1)} s, queryable ${waitS.toFixed(1)} s later`);
      return target;
    } catch (e) {
      failedTarget(key, e);
      await target.stop();
      return undefined;
    }
  };

  if (ORDER === 'sequential') {
    for (const key of targetKeys) {
      const target = await startLoaded(key);
      if (target === undefined) continue;
      try {
        for (let p = 0; p < WARM_PASSES; p++) for (const q of cases) await timed(target, q);
        const t1 = performance.now();
        for (const q of cases) record(key, q, (await runSideBySide([target], q))[0]!);
        console.log(`  ${target.name}: queries took ${((performance.now() - t1) / 1000).toFixed(1)} s`);
      } catch (e) {
        failedTarget(key, e);
      } finally {
        await target.stop();
      }
    }
  } else {
    const live: { key: string; target: Target }[] = [];
    try {
      for (const key of targetKeys) {
        const target = await startLoaded(key);
        if (target !== undefined) live.push({ key, target });
      }
      for (const { target } of live) console.log(`  ${target.name}: settled ${(await settle(target)).toFixed(1)} s after the loads`);
      for (let p = 0; p < WARM_PASSES; p++) for (const q of cases) for (const { target } of live) await timed(target, q);
      const t1 = performance.now();
      for (const q of cases) {
        const got = await runSideBySide(live.map((l) => l.target), q);
        got.forEach((o, i) => record(live[i]!.key, q, o));
      }
      console.log(`  queries took ${((performance.now() - t1) / 1000).toFixed(1)} s on ${live.length} targets, side by side`);
    } catch (e) {
      // A target that fails mid-run (its process died) fails the others' run too: say so.
      console.log(`  !! the side-by-side run failed: ${(e as Error).message}`);
      cairnProblems++;
    } finally {
      for (const { target } of live) await target.stop();
    }
  }

  const get = (key: string, q: QueryCase) => outcomes.get(key)?.get(q.name);
  console.log('\n| query | Prometheus ms | VictoriaMetrics ms | Cairn ms | Cairn/Prometheus | Cairn/VM |');
  console.log('|---|---|---|---|---|---|');
  for (const q of cases) {
    const [p, v, c] = [get('prometheus', q), get('vm', q), get('cairn', q)];
    console.log(`| ${q.name} | ${fmtMs(p)} | ${fmtMs(v)} | ${fmtMs(c)} | ${ratio(c, p)} | ${ratio(c, v)} |`);
  }
  // Issue 4's goal, counted: queries where Cairn's median is at or below the other's.
  for (const [key, label] of [['prometheus', 'Prometheus'], ['vm', 'VictoriaMetrics']] as const) {
    const both = cases.filter((q) => get(key, q)?.medianMs !== undefined && get('cairn', q)?.medianMs !== undefined);
    if (both.length === 0) continue;
    const atOrBelow = both.filter((q) => get('cairn', q)!.medianMs! <= get(key, q)!.medianMs!).length;
    totals.set(key, { label, atOrBelow: (totals.get(key)?.atOrBelow ?? 0) + atOrBelow, of: (totals.get(key)?.of ?? 0) + both.length });
    console.log(`Cairn at or below ${label}'s median on ${atOrBelow} of ${both.length} queries (${w.name})`);
  }

  console.log(`\nAnswers vs Prometheus (${w.name}):`);
  if (!outcomes.has(REFERENCE)) {
    console.log('  Prometheus did not run: nothing to compare with.');
    continue;
  }
  const empty = cases.filter((q) => get(REFERENCE, q)?.answer?.entries.size === 0);
  if (empty.length > 0) console.log(`  note: Prometheus's answer is empty for ${empty.map((q) => q.name).join(', ')}, so agreeing there proves little`);
  for (const key of targetKeys.filter((k) => k !== REFERENCE && outcomes.has(k))) {
    const label = TARGETS[key]!.label;
    let same = 0;
    const lines: string[] = [];
    const skipped: string[] = [];
    for (const q of cases) {
      const want = get(REFERENCE, q)?.answer;
      const got = get(key, q)?.answer;
      if (want === undefined || got === undefined) {
        // A failed query was already reported (and counted) where it failed.
        skipped.push(`${q.name} (${want === undefined ? 'Prometheus' : label} had no answer)`);
        continue;
      }
      const d = compare(want, got);
      if (d === undefined) {
        same++;
        continue;
      }
      lines.push(`${q.name}: ${d.count} of ${d.of} series/entries differ; e.g. ${d.example}`);
      if (key === 'cairn') cairnProblems++;
    }
    if (skipped.length > 0) console.log(`  ${label}: not compared: ${skipped.join(', ')}`);
    if (key === 'cairn') {
      console.log(`  Cairn: ${same}/${cases.length} queries match${lines.length > 0 ? `; ${lines.length} MISMATCH (errors):` : ''}`);
      for (const l of lines) console.log(`  !! CAIRN MISMATCH ${l}`);
    } else {
      console.log(`  ${label}: ${same}/${cases.length} queries match${lines.length > 0 ? `; ${lines.length} differ (MetricsQL semantics; reported, not failed on):` : ''}`);
      for (const l of lines) console.log(`    ${label} differs: ${l}`);
    }
  }
}

for (const { label, atOrBelow, of } of totals.values()) console.log(`\nAll datasets: Cairn at or below ${label}'s median on ${atOrBelow} of ${of} queries.`);

if (cairnProblems > 0) {
  console.log(`\n!! ${cairnProblems} Cairn error(s)/mismatch(es) vs Prometheus: see the lines marked !! above.`);
  process.exitCode = 1;
} else {
  console.log('\nCairn matched Prometheus on every query.');
}
