/**
 * bench/promql-shares: what one share of a parallel PromQL aggregation costs, per series, on
 * one thread — the parts a query worker runs (decode and windows, the aggregation) and the
 * parts the main thread keeps (selecting the series with their chunk snapshots, packing a
 * share). Data: SERIES counter series × SAMPLES samples 15 s apart in a real head, the
 * shape of the query bench's 10k dataset (`sum by (mode) (rate(node_cpu_seconds_total[5m]))`
 * over 150 steps of 20 s). Run: `npx tsx bench/promql-shares.bench.ts` (or `npm run bench --
 * promql-shares`); env SERIES, SAMPLES, TIME_MS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { labelsFromObject } from '../src/model/labels.js';
import { newMatcher } from '../src/model/matcher.js';
import { RangeWindow } from '../src/promql/engine/range-window.js';
import { windowSpan, type WindowPlan } from '../src/promql/engine/window-eval.js';
import { PackedReader, packSeries } from '../src/promql/parallel/packed-series.js';
import { runRangeAggregate } from '../src/promql/parallel/range-aggregate.js';
import type { ChunkSeries } from '../src/tsdb/chunk-series.js';
import { defaultTsdbOptions, Tsdb } from '../src/tsdb/tsdb.js';
import { mulberry32 } from '../src/util/random.js';

const SERIES = Number(process.env.SERIES ?? 2800);
const SAMPLES = Number(process.env.SAMPLES ?? 200);
const TIME_MS = Number(process.env.TIME_MS ?? 1000);
const SCRAPE_MS = 15_000;
const STEPS = 150;
const STEP_MS = 20_000;
const MODES = ['idle', 'user', 'system', 'iowait', 'irq', 'softirq', 'steal', 'nice'];

const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-shares-'));
const tsdb = new Tsdb({ ...defaultTsdbOptions(dir), fsync: 'never' }, { forTenant: () => ({ maxGlobalSeriesPerUser: 0, maxGlobalSeriesPerMetric: 0, maxGlobalExemplarsPerUser: 0, compactorBlocksRetentionPeriodMs: 0 }) });
await tsdb.start();
const end = Math.floor(Date.now() / 1000) * 1000;
const first = end - (SAMPLES - 1) * SCRAPE_MS;
const rand = mulberry32(42);
const values = Array.from({ length: SERIES }, () => Math.floor(rand() * 1e6));
const labels = Array.from({ length: SERIES }, (_, i) => labelsFromObject({ __name__: 'node_cpu_seconds_total', cpu: String(Math.floor(i / 8) % 4), instance: `host-${Math.floor(i / 32)}`, mode: MODES[i % MODES.length]! }));
for (let k = 0; k < SAMPLES; k++) {
  const app = tsdb.appender('bench');
  for (let i = 0; i < SERIES; i++) {
    values[i]! += Math.floor(rand() * 100);
    app.append(0, labels[i]!, first + k * SCRAPE_MS, values[i]!);
  }
  await app.commit();
}

const plan: WindowPlan = { start: end - (STEPS - 1) * STEP_MS, interval: STEP_MS, steps: STEPS, rangeMs: 5 * 60_000, offsetMs: 0, at: undefined };
const span = windowSpan(plan);
const matchers = [newMatcher('=', '__name__', 'node_cpu_seconds_total')];
const querier = tsdb.querier('bench', span.mint, span.maxt);
const select = (): ChunkSeries[] => {
  const set = querier.select(matchers, span);
  const out: ChunkSeries[] = [];
  while (set.next()) out.push(set.at() as ChunkSeries);
  return out;
};
const list = select();
const groupOf = Int32Array.from(list, (_, i) => i % MODES.length);
const packed = packSeries(list, 0, list.length, span.mint, span.maxt);
const reader = new PackedReader(packed);
const cols = new RangeWindow();
let sink = 0;

const bench = new Bench({ time: TIME_MS });
bench
  .add('select (labels + chunk snapshots)', () => {
    sink += select().length;
  })
  .add('pack a share', () => {
    sink += packSeries(list, 0, list.length, span.mint, span.maxt).count;
  })
  .add('decode only (readInto)', () => {
    for (let i = 0; i < packed.count; i++) {
      cols.clear();
      reader.iterator(i).readInto(span.mint, span.maxt, cols, true);
      sink += cols.hi;
    }
  })
  .add('share: sum by (mode) (rate(x[5m]))', () => {
    sink += runRangeAggregate({ kind: 'rangeAggregate', source: { kind: 'rangeFunction', func: 'rate', plan }, op: 'sum', series: packed, groupOf, firstSeries: 0 }).points.length;
  })
  .add('share: sum by (mode) (count_over_time(x[5m]))', () => {
    sink += runRangeAggregate({ kind: 'rangeAggregate', source: { kind: 'rangeFunction', func: 'count_over_time', plan }, op: 'sum', series: packed, groupOf, firstSeries: 0 }).points.length;
  });
await bench.run();

console.log(`bench/promql-shares: ${list.length} series × ${SAMPLES} samples (15 s apart), ${STEPS} steps of ${STEP_MS / 1000} s, node ${process.version}`);
console.log('| case | median ms | per series µs |');
console.log('|---|---:|---:|');
for (const t of bench.tasks) {
  const r = t.result;
  if (r.state !== 'completed') {
    console.log(`| ${t.name} | ${r.state} | |`);
    continue;
  }
  const ms = r.latency.p50;
  console.log(`| ${t.name} | ${ms.toFixed(2)} | ${((ms * 1000) / list.length).toFixed(2)} |`);
}
if (sink === 0) console.log('(nothing computed)');
querier.close();
await tsdb.stop();
rmSync(dir, { recursive: true, force: true });
