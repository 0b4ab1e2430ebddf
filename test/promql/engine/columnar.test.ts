/**
 * Proves the engine's columnar aggregations (series by series over streamed selectors and
 * range functions) answer exactly as its step-by-step path: same series, order, timestamps
 * and value bits, and the same errors, on random data with gaps, NaNs, infinities, ties and
 * stale markers.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, defaultEngineOptions } from '../../../src/promql/engine/index.js';
import type { Value } from '../../../src/promql/value.js';
import { SEC, answerText, distinctSeries, openStore, type TestStore } from './helpers.js';

const columnar = new Engine({ ...defaultEngineOptions(), columnar: true });
const stepByStep = new Engine({ ...defaultEngineOptions(), columnar: false });

/** Queries whose aggregation has a columnar path, over both streamed argument kinds and others. */
const QUERIES = [
  'sum(m)',
  'count(m)',
  'min by (job) (m)',
  'max without (inst) (m)',
  'group by (job) (m)',
  'sum by (job) (rate(m[3m]))',
  'count(increase(m[2m] offset 1m))',
  'max(avg_over_time(m[4m]))',
  'sum by (__name__) (m)',
  'sum(rate({__name__=~"m|n"}[3m]))',
  'topk(2, m)',
  'bottomk(3, m)',
  'topk by (job) (1, m)',
  'bottomk without (inst) (2, rate(m[3m]))',
  'topk(1, last_over_time(m[2m]))',
  'topk((2), m)',
  'topk(0.5, m)',
  'sum(m @ 300)',
  'topk(2, m @ 300)',
  'sum(m + 1)',
];

/** A value as text that tells NaN, -0 and every float apart. */
function exact(v: Value | Error): string {
  if (v instanceof Error) return `error: ${v.message}`;
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' ? (Object.is(x, -0) ? '-0' : String(x)) : x));
}

function run(engine: Engine, store: TestStore, query: string, range: boolean): Promise<string> {
  return answerText(engine, store, query, range, exact);
}

const sample = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -3, max: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, 'stale' as const) },
);

const seriesList = fc.array(
  fc.record({
    name: fc.constantFrom('m', 'n'),
    job: fc.constantFrom('a', 'b', 'c'),
    inst: fc.constantFrom('1', '2', '3', '4'),
    values: fc.array(sample, { minLength: 1, maxLength: 14 }),
    startMs: fc.integer({ min: 0, max: 4 }).map((i) => i * 30 * SEC),
  }),
  { minLength: 1, maxLength: 8 },
);

describe('columnar aggregation equals the step-by-step path', () => {
  const stores: TestStore[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
  });

  it('on random series, instant and range', async () => {
    await fc.assert(
      fc.asyncProperty(seriesList, async (list) => {
        const specs = distinctSeries(list.map((s) => ({ labels: { __name__: s.name, job: s.job, inst: s.inst }, values: s.values, startMs: s.startMs, intervalMs: 30 * SEC })));
        const store = await openStore(specs);
        stores.push(store);
        for (const q of QUERIES) {
          for (const range of [false, true]) {
            expect(await run(columnar, store, q, range), `${q}${range ? ' range' : ''}`).toBe(await run(stepByStep, store, q, range));
          }
        }
      }),
      { seed: 20261130, numRuns: 40 },
    );
  }, 60_000);
});
