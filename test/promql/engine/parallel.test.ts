/**
 * Proves the query workers answer as the main thread does: an aggregation of a range
 * function split into shares (here one share per series or two, so every merge is
 * exercised) gives the same series, order, timestamps and values, the same sample-limit
 * failures at the same limits, and the same errors, on random data with gaps, NaNs,
 * infinities, resets and stale markers. Sums are compared to 12 significant digits: the
 * shares add in another order, as Prometheus's own sums do with its series order.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, defaultEngineOptions, type EngineOptions } from '../../../src/promql/engine/index.js';
import { parseExpr } from '../../../src/promql/parser/index.js';
import { matrixSuccessBody, rangeSuccessBody, rangeSuccessBodyOnWorkers } from '../../../src/api/prom-json.js';
import type { LentBytes } from '../../../src/promql/entry-writer.js';
import { createQueryWorkers, type QueryWorkers } from '../../../src/promql/parallel/query-workers.js';
import { slabPoolStats } from '../../../src/promql/parallel/answer-slabs.js';
import { packInPlace, packSeries, packedBuffer, samplesInPlace, samplesToRead } from '../../../src/promql/parallel/packed-series.js';
import type { RangeAggregateJob } from '../../../src/promql/parallel/range-aggregate.js';
import { labelsFromObject } from '../../../src/model/labels.js';
import { newMatcher } from '../../../src/model/matcher.js';
import type { ChunkSeries } from '../../../src/tsdb/chunk-series.js';
import type { Value } from '../../../src/promql/value.js';
import { MIN, SEC, answerText, distinctSeries, openStore, seq, type SeriesSpec, type TestStore } from './helpers.js';

const pool = createQueryWorkers({ threads: 2 });
/** The pool, counting the shares it is given: proof that a query went to the workers. */
let shares = 0;
const workers: QueryWorkers = {
  threads: pool.threads,
  rangeAggregate: (job) => {
    shares++;
    return pool.rangeAggregate(job);
  },
  rangeJson: (job) => {
    shares++;
    return pool.rangeJson(job);
  },
  pointsJson: (job) => pool.pointsJson(job),
  close: () => pool.close(),
};
const everything = { minWork: 0, minWorkPerSeries: 0, minSeriesPerShare: 1, sharesPerThread: 4, minJsonPoints: 0 };
const options = (o: Partial<EngineOptions> = {}): EngineOptions => ({ ...defaultEngineOptions(), ...o });
const mainThread = (o: Partial<EngineOptions> = {}): Engine => new Engine(options(o));
const parallel = (o: Partial<EngineOptions> = {}): Engine => new Engine(options({ workers, parallel: everything, ...o }));

/** Aggregations of every range function the workers run, over every window layout, and of selectors. */
const QUERIES = [
  'sum by (job) (rate(m[3m]))',
  'count(increase(m[2m] offset 1m))',
  'max(avg_over_time(m[4m]))',
  'min without (inst) (irate(m[2m]))',
  'group by (job) (delta(m[3m]))',
  'sum(idelta(m[3m]))',
  'sum(rate({__name__=~"m|n"}[3m]))',
  'count by (__name__) (last_over_time({__name__=~"m|n"}[2m]))',
  'sum without (job) (sum_over_time(m[3m] @ 300))',
  // A step (40 s) wider than the range: windows apart.
  'sum(count_over_time(m[30s]))',
  'max by (job) (stddev_over_time(m[5m]))',
  'min(stdvar_over_time(m[5m]))',
  'sum by (job) (resets(m[5m]))',
  'count(changes(m[5m]))',
  'sum(deriv(m[5m]))',
  'max(min_over_time(m[2m])) + min(max_over_time(m[2m]))',
  'count(present_over_time(n[1m]))',
  'histogram_quantile(0.5, sum by (le) (rate(m[3m])))',
  // Selectors over the steps.
  'sum(m)',
  'count by (job) ({__name__=~"m|n"})',
  'max without (inst) (m offset 1m)',
  'min by (__name__) (n @ 300)',
  'group(m)',
];

/** A value as text: numbers to 12 significant digits, NaN, ±Inf and -0 told apart. */
function text(v: Value | Error): string {
  if (v instanceof Error) return `error: ${v.message}`;
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' ? (Object.is(x, -0) ? '-0' : Number.isFinite(x) ? x.toPrecision(12) : String(x)) : x));
}

function run(engine: Engine, store: TestStore, query: string, range: boolean): Promise<string> {
  return answerText(engine, store, query, range, text);
}

const sample = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, -5) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, 'stale' as const) },
);

const seriesList = fc.array(
  fc.record({
    name: fc.constantFrom('m', 'n'),
    job: fc.constantFrom('a', 'b', 'c'),
    inst: fc.constantFrom('1', '2', '3', '4'),
    le: fc.constantFrom('0.5', '1', '+Inf'),
    values: fc.array(sample, { minLength: 1, maxLength: 30 }),
    startMs: fc.integer({ min: 0, max: 4 }).map((i) => i * 30 * SEC),
  }),
  { minLength: 1, maxLength: 12 },
);

describe('parallel range aggregations equal the main thread', () => {
  const stores: TestStore[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
    await workers.close();
  });

  it('on random series, instant and range', async () => {
    // A lookback (30 s) shorter than the step (40 s) makes selectors seek step by step.
    const engines = [
      [mainThread(), parallel()],
      [mainThread({ lookbackDeltaMs: 30 * SEC }), parallel({ lookbackDeltaMs: 30 * SEC })],
    ] as const;
    shares = 0;
    await fc.assert(
      fc.asyncProperty(seriesList, async (list) => {
        const specs = distinctSeries(list.map((s) => ({ labels: { __name__: s.name, job: s.job, inst: s.inst, le: s.le }, values: s.values, startMs: s.startMs, intervalMs: 20 * SEC })));
        const store = await openStore(specs);
        stores.push(store);
        for (const [serial, shared] of engines) {
          for (const q of QUERIES) {
            for (const range of [false, true]) {
              expect(await run(shared, store, q, range), `${q}${range ? ' range' : ''}`).toBe(await run(serial, store, q, range));
            }
          }
        }
      }),
      { seed: 20261201, numRuns: 25 },
    );
    expect(shares).toBeGreaterThan(1000);
  }, 120_000);

  it('fails the sample limit exactly where the main thread does', async () => {
    const specs: SeriesSpec[] = Array.from({ length: 6 }, (_, i) => ({ labels: { __name__: 'm', job: `j${i % 2}`, inst: String(i) }, values: seq(i, 3, 40), intervalMs: 20 * SEC }));
    const store = await openStore(specs);
    stores.push(store);
    let failedAt = 0;
    shares = 0;
    for (const maxSamples of [1, 5, 9, 10, 11, 12, 40, 60, 100, 200, 300, 400, 500, 800, 1000, 2000]) {
      for (const range of [false, true]) {
        const got = await run(parallel({ maxSamples }), store, 'sum by (job) (rate(m[3m]))', range);
        expect(got, `maxSamples ${maxSamples}${range ? ' range' : ''}`).toBe(await run(mainThread({ maxSamples }), store, 'sum by (job) (rate(m[3m]))', range));
        if (got.startsWith('error: query processing would load too many samples')) failedAt = Math.max(failedAt, maxSamples);
      }
    }
    expect(shares).toBeGreaterThan(0);
    // The table crosses the limit: some runs fail, the largest budgets do not.
    expect(failedAt).toBeGreaterThan(10);
    expect(failedAt).toBeLessThan(2000);
  });

  it('survives a share that fails or whose thread dies: that share rejects, the next ones run', async () => {
    const own = createQueryWorkers({ threads: 1 });
    try {
      const store = await openStore([{ labels: { __name__: 'm', job: 'a' }, values: seq(0, 1, 30), intervalMs: 20 * SEC }]);
      stores.push(store);
      const q = store.q.querier(0, 12 * MIN);
      const set = q.select([newMatcher('=', '__name__', 'm')]);
      const list: ChunkSeries[] = [];
      while (set.next()) list.push(set.at() as ChunkSeries);
      q.close();
      const plan = { start: 0, interval: 40 * SEC, steps: 19, rangeMs: 3 * MIN, offsetMs: 0, at: undefined };
      const job = (fault?: 'throw' | 'exit'): RangeAggregateJob => ({
        kind: 'rangeAggregate',
        source: { kind: 'rangeFunction', func: 'rate', plan },
        op: 'sum',
        series: packSeries(list, 0, list.length, 0, 12 * MIN),
        groupOf: new Int32Array(list.length),
        firstSeries: 0,
        ...(fault === undefined ? {} : { fault }),
      });
      const want = await own.rangeAggregate(job());
      await expect(own.rangeAggregate(job('throw'))).rejects.toThrow('injected fault');
      await expect(own.rangeAggregate(job('exit'))).rejects.toThrow();
      // piscina replaced the thread: the pool still answers, the same.
      expect(await own.rangeAggregate(job())).toEqual(want);
      expect(want.points[0]).toBeGreaterThan(0);
    } finally {
      await own.close();
    }
  });

  it('keeps to the main thread below its thresholds and answers the same', async () => {
    const specs: SeriesSpec[] = Array.from({ length: 40 }, (_, i) => ({ labels: { __name__: 'm', job: `j${i % 3}`, inst: String(i) }, values: seq(i, 1, 30), intervalMs: 20 * SEC }));
    const store = await openStore(specs);
    stores.push(store);
    const small = parallel({ parallel: { ...everything, minWork: 1e9 } });
    const thin = parallel({ parallel: { ...everything, minWorkPerSeries: 1e6 } });
    const q = 'sum by (job) (rate(m[3m]))';
    const want = await run(mainThread(), store, q, true);
    shares = 0;
    expect(await run(small, store, q, true)).toBe(want);
    expect(await run(thin, store, q, true)).toBe(want);
    expect(shares).toBe(0);
    expect(await run(parallel(), store, q, true)).toBe(want);
    expect(shares).toBe(8);
  });

  it('counts only the window\'s share of each chunk: a short instant window stays on the main thread', async () => {
    // 30 samples 20 s apart in one head chunk each; the instant query is at 7 min.
    const specs: SeriesSpec[] = Array.from({ length: 40 }, (_, i) => ({ labels: { __name__: 'm', job: `j${i % 3}`, inst: String(i) }, values: seq(i, 1, 30), intervalMs: 20 * SEC }));
    const store = await openStore(specs);
    stores.push(store);
    const engine = parallel({ parallel: { ...everything, minWorkPerSeries: 10 } });
    for (const [q, shared] of [
      ['sum by (job) (rate(m[1m]))', false], // ~3 samples a series in the window
      ['sum by (job) (rate(m[8m]))', true], // ~21
    ] as const) {
      const want = await run(mainThread(), store, q, false);
      shares = 0;
      expect(await run(engine, store, q, false)).toBe(want);
      expect(shares > 0, q).toBe(shared);
    }
  });

  it('answers the same when blocks hold part of the range (selected and merged) and when the head holds all of it (read in place)', async () => {
    const specs: SeriesSpec[] = Array.from({ length: 40 }, (_, i) => ({ labels: { __name__: 'm', job: `j${i % 3}`, inst: String(i) }, values: seq(i, 2, 30), intervalMs: 20 * SEC }));
    const store = await openStore(specs);
    stores.push(store);
    await store.tsdb.flush('engine-test');
    // Later samples of the same series go to the head: a range over both merges them.
    const app = store.tsdb.appender('engine-test');
    for (const spec of specs) for (let i = 30; i < 45; i++) app.append(0, labelsFromObject(spec.labels), i * 20 * SEC, i * 2);
    await app.commit();
    const head = store.q.querier(0, 20 * MIN);
    expect(head.selectInPlace?.([newMatcher('=', '__name__', 'm')], { mint: 0, maxt: 20 * MIN })).toBeUndefined();
    expect(head.selectInPlace?.([newMatcher('=', '__name__', 'm')], { mint: 12 * MIN, maxt: 20 * MIN })?.labels).toHaveLength(40);
    head.close();
    for (const q of ['sum by (job) (rate(m[3m]))', 'count by (job) (m)', 'max(m)']) {
      for (const [start, end] of [
        [0, 15 * MIN], // blocks and head
        [12 * MIN, 15 * MIN], // the head alone
      ] as const) {
        shares = 0;
        const opts = { start, end, step: 20 * SEC };
        expect(await answerText(parallel(), store, q, opts, text), `${q} over [${start}, ${end}]`).toBe(await answerText(mainThread(), store, q, opts, text));
        expect(shares, q).toBeGreaterThan(0);
      }
    }
  });
});

describe('packing a head selection in place', () => {
  const stores: TestStore[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
  });

  it('packs the same bytes as the selected series, for any span, open chunks included', async () => {
    // 150 samples a series: a closed chunk and an open one; one series ends after 5 minutes
    // (later spans do not select it).
    const specs: SeriesSpec[] = Array.from({ length: 12 }, (_, i) => ({ labels: { __name__: 'm', job: `j${i % 3}`, inst: String(i) }, values: seq(i, 1.5, i === 5 ? 20 : 150), intervalMs: 15 * SEC, startMs: i * SEC }));
    const store = await openStore(specs);
    stores.push(store);
    const matchers = [newMatcher('=', '__name__', 'm'), newMatcher('!=', 'inst', '3')];
    const spans = [
      [0, 40 * MIN],
      [5 * MIN, 20 * MIN],
      [31 * MIN, 40 * MIN],
      [36.5 * MIN, 37 * MIN],
    ] as const;
    for (const [mint, maxt] of spans) {
      const q = store.q.querier(0, 40 * MIN);
      const set = q.select(matchers, { mint, maxt });
      const list: ChunkSeries[] = [];
      while (set.next()) list.push(set.at() as ChunkSeries);
      const sel = q.selectInPlace!(matchers, { mint, maxt })!;
      expect(sel.labels, `[${mint}, ${maxt}]`).toEqual(list.map((s) => s.labels));
      for (const [from, to] of [
        [0, list.length],
        [2, 7],
      ] as const) {
        for (const [lo, hi] of [
          [mint, maxt],
          [mint + MIN, maxt - MIN],
        ] as const) {
          const want = packSeries(list, from, to, lo, hi);
          const got = packInPlace(sel, from, to, lo, hi);
          expect(new Uint8Array(packedBuffer(got)), `[${mint}, ${maxt}] series ${from}..${to} span [${lo}, ${hi}]`).toEqual(new Uint8Array(packedBuffer(want)));
          expect(samplesInPlace(sel, lo, hi)).toBe(samplesToRead(list, lo, hi));
          // Counting every third series and scaling: the same on both paths, and near the whole count here.
          const exact = samplesToRead(list, lo, hi);
          expect(samplesInPlace(sel, lo, hi, 3)).toBe(samplesToRead(list, lo, hi, 3));
          expect(Math.abs(samplesToRead(list, lo, hi, 3) - exact)).toBeLessThanOrEqual(0.2 * exact);
        }
      }
      q.close();
    }
  });

  it('is what the parallel path reads when the head holds the range', async () => {
    const specs: SeriesSpec[] = Array.from({ length: 40 }, (_, i) => ({ labels: { __name__: 'm', job: `j${i % 3}`, inst: String(i) }, values: seq(i, 1, 30), intervalMs: 20 * SEC }));
    const store = await openStore(specs);
    stores.push(store);
    const calls = { select: 0, inPlace: 0 };
    const counted: TestStore = {
      ...store,
      q: {
        querier: (mint, maxt) => {
          const q = store.q.querier(mint, maxt);
          return {
            select: (m, h) => (calls.select++, q.select(m, h)),
            selectInPlace: (m, h) => (calls.inPlace++, q.selectInPlace!(m, h)),
            labelNames: (m) => q.labelNames(m),
            labelValues: (n, m) => q.labelValues(n, m),
            close: () => q.close(),
          };
        },
      },
    };
    const want = await run(mainThread(), store, 'sum by (job) (rate(m[3m]))', true);
    shares = 0;
    expect(await run(parallel(), counted, 'sum by (job) (rate(m[3m]))', true)).toBe(want);
    expect(shares).toBeGreaterThan(0);
    expect(calls).toEqual({ select: 0, inPlace: 1 });
  });
});

describe('range answers evaluated and written on the query workers', () => {
  const stores: TestStore[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
  });
  const QUERIES_JSON = ['rate(m[3m])', 'm', 'n offset 1m', 'avg_over_time(m[2m])', 'irate(m[1m])', 'last_over_time({__name__=~"m|n"}[2m])', '{__name__=~"m|n"}', 'rate({__name__=~"m|n"}[3m])', '(max_over_time(n[1m]))', 'm @ 300'];

  /** The body the API writes: from the workers when the engine takes the query there, else from the main thread's columns. */
  async function body(engine: Engine, store: TestStore, query: string): Promise<{ text: string; onWorkers: boolean }> {
    const expr = parseExpr(query);
    try {
      const answer = await engine.rangeQueryAnswer(store.q, expr, 0, 12 * MIN, 40 * SEC);
      const text = (b: LentBytes) => Buffer.from(b.bytes).toString('utf8');
      if ('json' in answer) return { text: text(matrixSuccessBody(answer.json)), onWorkers: true };
      return { text: text(rangeSuccessBody(answer.columns)), onWorkers: false };
    } catch (err) {
      return { text: `error: ${(err as Error).message}`, onWorkers: false };
    }
  }

  it('give the body of the main thread byte for byte, on random series', async () => {
    let onWorkers = 0;
    await fc.assert(
      fc.asyncProperty(seriesList, async (list) => {
        const specs = distinctSeries(list.map((s) => ({ labels: { __name__: s.name, job: s.job, inst: s.inst, le: s.le }, values: s.values, startMs: s.startMs, intervalMs: 20 * SEC })));
        const store = await openStore(specs);
        stores.push(store);
        for (const q of QUERIES_JSON) {
          const got = await body(parallel(), store, q);
          const want = await body(mainThread(), store, q);
          expect(want.onWorkers).toBe(false);
          expect(got.text, q).toBe(want.text);
          if (got.onWorkers) onWorkers++;
        }
      }),
      { seed: 20261202, numRuns: 25 },
    );
    expect(onWorkers).toBeGreaterThan(100);
  }, 120_000);

  it('comes back in the pool\'s shared slabs, which go back once the body is written and serve the next query', async () => {
    const specs: SeriesSpec[] = Array.from({ length: 8 }, (_, i) => ({ labels: { __name__: 'm', job: `j${i % 2}`, inst: String(i) }, values: seq(i, 3, 40), intervalMs: 20 * SEC }));
    const store = await openStore(specs);
    stores.push(store);
    const runs = async () => {
      const answer = await parallel().rangeQueryAnswer(store.q, parseExpr('rate(m[3m])'), 0, 12 * MIN, 40 * SEC);
      if (!('json' in answer)) throw new Error('not answered on the workers');
      return answer.json;
    };
    const first = await runs();
    expect(first.length).toBeGreaterThan(1);
    const slabs = new Set(first.map((r) => r.buffer));
    for (const b of slabs) expect(b).toBeInstanceOf(SharedArrayBuffer);
    const freeBefore = slabPoolStats().slabs;
    const text = Buffer.from(matrixSuccessBody(first).bytes).toString('utf8');
    expect(slabPoolStats().slabs).toBe(freeBefore + slabs.size);
    const second = await runs();
    for (const r of second) expect(slabs.has(r.buffer)).toBe(true);
    expect(Buffer.from(matrixSuccessBody(second).bytes).toString('utf8')).toBe(text);
  });

  it('writes columns evaluated on the main thread as the same body on the workers (big answers), through slabs', async () => {
    const specs: SeriesSpec[] = Array.from({ length: 9 }, (_, i) => ({ labels: { __name__: 'm', job: `j${i % 2}`, inst: `ü${i}` }, values: seq(i * 1.5, -0.25, 40), intervalMs: 20 * SEC }));
    const store = await openStore(specs);
    stores.push(store);
    for (const q of ['m * 2', 'sum by (job) (m)', 'm']) {
      const columns = await mainThread().rangeQueryColumns(store.q, parseExpr(q), 0, 12 * MIN, 40 * SEC);
      const want = Buffer.from(rangeSuccessBody(columns).bytes).toString('utf8');
      const freeBefore = slabPoolStats().slabs;
      const got = Buffer.from((await rangeSuccessBodyOnWorkers(columns, workers)).bytes).toString('utf8');
      expect(got, q).toBe(want);
      expect(slabPoolStats().slabs, q).toBeGreaterThan(freeBefore - 1);
    }
  });

  it('fails the sample limit exactly where the main thread does', async () => {
    const specs: SeriesSpec[] = Array.from({ length: 6 }, (_, i) => ({ labels: { __name__: 'm', job: `j${i % 2}`, inst: String(i) }, values: seq(i, 3, 40), intervalMs: 20 * SEC }));
    const store = await openStore(specs);
    stores.push(store);
    let failed = 0;
    let onWorkers = 0;
    // A 10-minute window holds more samples (30) than a series answers points (19): near the
    // total of the points, the window alone crosses the limit.
    for (const q of ['rate(m[3m])', 'rate(m[10m])', 'm']) {
      for (const maxSamples of [1, 5, 9, 10, 11, 12, 40, 60, 100, 110, 114, 116, 118, 120, 122, 124, 126, 130, 200, 300, 400, 500, 800, 2000]) {
        const got = await body(parallel({ maxSamples }), store, q);
        expect(got.text, `${q} maxSamples ${maxSamples}`).toBe((await body(mainThread({ maxSamples }), store, q)).text);
        if (got.text.startsWith('error: query processing would load too many samples')) failed++;
        if (got.onWorkers) onWorkers++;
      }
    }
    expect(failed).toBeGreaterThan(4);
    expect(onWorkers).toBeGreaterThan(4);
  });

  it('leaves to the main thread what it cannot split: aggregations, binary operators, repeated labels once the name is dropped', async () => {
    const store = await openStore([
      { labels: { __name__: 'm', job: 'a' }, values: seq(0, 1, 30), intervalMs: 20 * SEC },
      { labels: { __name__: 'n', job: 'a' }, values: seq(0, 2, 30), intervalMs: 20 * SEC },
    ]);
    stores.push(store);
    for (const q of ['sum(m)', 'm * 2', 'quantile_over_time(0.5, m[3m])', 'rate(m[3m:1m])']) {
      expect('columns' in (await parallel().rangeQueryAnswer(store.q, parseExpr(q), 0, 12 * MIN, 40 * SEC)), q).toBe(true);
    }
    await expect(parallel().rangeQueryAnswer(store.q, parseExpr('rate({__name__=~"m|n"}[3m])'), 0, 12 * MIN, 40 * SEC)).rejects.toThrow('vector cannot contain metrics with the same labelset');
  });
});
