/**
 * bench/query-alloc: what one query request allocates on the server's main thread, by the
 * function that allocates, over the bench dataset (`lib/payloads.ts`). The server runs
 * embedded in this process, so V8's sampling heap profiler can count the objects the
 * garbage collector has already taken too (`--heap-prof` counts only those still alive):
 * what a request leaves to the collector is what this shows. Both of the 2026-12-03
 * collector wins were found this way (bench/RESULTS.md): a 4 MB worker answer copied per
 * query, and times boxed by a `for … of` loop.
 *
 *   QUERY_PATH='/query_range?query=count({__name__=~".%2B"})&start={start}&end={end}&step={step}' \
 *     SERIES=100000 SPS=20 npx tsx bench/query-alloc.ts
 *
 * Env: QUERY_PATH (the Prometheus API path under `/prometheus/api/v1`, with `{start}`,
 * `{end}`, `{step}`, `{time}` filled from the dataset's frame), SERIES (10000),
 * SPS (200), WARM (10 untimed requests first), RUNS (10 profiled), TOP (25 functions),
 * QUERY_THREADS (the server's `querier.query_threads`; 0 evaluates on the main thread what the
 * query workers would, so that their allocations show here too).
 * The client's own allocations (undici) show up too, under their own names. Build first
 * (`npm run build`): the server is `dist/`.
 */
import { Session } from 'node:inspector/promises';
import { prepareWorkload } from './lib/payloads.js';
import { frameOf, loadWorkload } from './lib/query-frame.js';
import type { Target } from './lib/targets.js';

interface ProfileNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children?: readonly ProfileNode[];
}

const SERIES = Number(process.env.SERIES ?? 10_000);
const SPS = Number(process.env.SPS ?? 200);
const WARM = Number(process.env.WARM ?? 10);
const RUNS = Math.max(1, Number(process.env.RUNS ?? 10));
const TOP = Number(process.env.TOP ?? 25);
const pathTemplate = process.env.QUERY_PATH;
if (pathTemplate === undefined) throw new Error("set QUERY_PATH to a query path, e.g. '/query?query=up&time={time}'");

const { startServer } = (await import(new URL('../dist/src/index.js', import.meta.url).href)) as typeof import('../src/index.js');
const endMs = Math.floor(Date.now() / 1000) * 1000;
const workload = { name: 'alloc', series: SERIES, samplesPerSeries: SPS };
const prepared = prepareWorkload(workload, 4, endMs);
const threads = process.env.QUERY_THREADS;
const server = await startServer({ config: { 'limits.ingestion_rate': 0, ...(threads === undefined ? {} : { 'querier.query_threads': Number(threads) }) } });
try {
  const token = server.createToken({ scopes: 'read+write', tenant: 'bench' });
  const headers = { 'x-scope-orgid': 'bench', authorization: `Bearer ${token}` };
  const target: Target = { name: 'cairn', pushUrl: `${server.url}/api/v1/push`, headers, queryBase: `${server.url}/prometheus/api/v1`, dataDir: server.dataDir, pid: process.pid, stop: () => server.stop() };
  await loadWorkload(target, prepared);
  const { evalS, startS, stepS } = frameOf(workload, endMs);
  const path = pathTemplate.replaceAll('{start}', String(startS)).replaceAll('{end}', String(evalS)).replaceAll('{step}', String(stepS)).replaceAll('{time}', String(evalS));
  const once = async (): Promise<void> => {
    const res = await fetch(`${target.queryBase}${path}`, { headers: { ...headers, 'accept-encoding': 'identity' } });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${body.slice(0, 200)}`);
  };
  for (let i = 0; i < WARM; i++) await once();

  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  // The options that count collected objects are in V8's protocol but not in Node's types.
  await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as object);
  for (let i = 0; i < RUNS; i++) await once();
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
  session.disconnect();

  const byFunction = new Map<string, number>();
  let total = 0;
  const walk = (n: ProfileNode): void => {
    const f = n.callFrame;
    const key = `${f.functionName === '' ? '(anonymous)' : f.functionName} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
    if (n.selfSize > 0) {
      byFunction.set(key, (byFunction.get(key) ?? 0) + n.selfSize);
      total += n.selfSize;
    }
    for (const c of n.children ?? []) walk(c);
  };
  walk(profile.head);
  console.log(`${path}: ${(total / RUNS / 1e6).toFixed(2)} MB allocated a request (sampled every 4 KiB, ${RUNS} requests)`);
  for (const [k, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${(bytes / RUNS / 1024).toFixed(0).padStart(8)} KiB  ${k}`);
} finally {
  await server.stop();
}
