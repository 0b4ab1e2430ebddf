/**
 * Proves the engine answers as Prometheus 2.42 over a real store: lookback and staleness,
 * offset and `@`, every binary-operator shape and its errors, each aggregation, the
 * `__name__` rules, a sample of functions, subqueries, range/instant agreement, and the
 * sample limit, timeout, cancellation and event-loop yielding.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, defaultEngineOptions } from '../../../src/promql/engine/index.js';
import { parseExpr } from '../../../src/promql/parser/index.js';
import { CairnError } from '../../../src/util/errors.js';
import { MIN, SEC, openStore, render, renderOrdered, seq, type TestStore } from './helpers.js';

let store: TestStore;
const engine = new Engine();

beforeAll(async () => {
  store = await openStore([
    { labels: { __name__: 'm', job: 'a', inst: '1' }, values: seq(0, 1, 11) },
    { labels: { __name__: 'm', job: 'a', inst: '2' }, values: seq(0, 2, 11) },
    { labels: { __name__: 'm', job: 'b', inst: '1' }, values: seq(5, 0, 11) },
    { labels: { __name__: 'm2', job: 'b', inst: '1' }, values: seq(1, 0, 11) },
    { labels: { __name__: 'n', job: 'c' }, values: seq(3, 0, 11) },
    { labels: { __name__: 'info', job: 'a', version: 'v1' }, values: seq(1, 0, 11) },
    { labels: { __name__: 'info', job: 'b', version: 'v2' }, values: seq(1, 0, 11) },
    { labels: { __name__: 'gap' }, values: [7] },
    { labels: { __name__: 'stale_m' }, values: [1, 2, 'stale', 4] },
    { labels: { __name__: 'counter' }, values: seq(0, 10, 11) },
    { labels: { __name__: 'reset_c' }, values: [0, 10, 20, 5, 15] },
    { labels: { __name__: 'hist_bucket', le: '1' }, values: seq(10, 0, 11) },
    { labels: { __name__: 'hist_bucket', le: '2' }, values: seq(20, 0, 11) },
    { labels: { __name__: 'hist_bucket', le: '+Inf' }, values: seq(20, 0, 11) },
  ]);
});

afterAll(async () => {
  await store.close();
});

const T10 = 10 * MIN;

interface Row {
  readonly name: string;
  readonly query: string;
  readonly at?: number;
  readonly expected?: readonly string[];
  readonly ordered?: boolean;
  readonly error?: string;
}

const rows: Row[] = [
  // Lookback and staleness.
  { name: 'sample found at its own time', query: 'gap', at: 0, expected: ['{__name__="gap"} 7'] },
  { name: 'lookback includes exactly 5m back', query: 'gap', at: 5 * MIN, expected: ['{__name__="gap"} 7'] },
  { name: 'lookback ends after 5m', query: 'gap', at: 5 * MIN + SEC, expected: [] },
  { name: 'value before a stale marker', query: 'stale_m', at: MIN + 30 * SEC, expected: ['{__name__="stale_m"} 2'] },
  { name: 'stale marker ends the series', query: 'stale_m', at: 2 * MIN + 30 * SEC, expected: [] },
  { name: 'series resumes after a stale marker', query: 'stale_m', at: 3 * MIN, expected: ['{__name__="stale_m"} 4'] },
  { name: 'stale markers stay out of range windows', query: 'count_over_time(stale_m[5m])', at: 4 * MIN, expected: ['{} 3'] },
  // Offset and @.
  { name: 'offset', query: 'm{job="a",inst="1"} offset 2m', at: T10, expected: ['{__name__="m", inst="1", job="a"} 8'] },
  { name: 'negative offset', query: 'm{job="a",inst="1"} offset -1m', at: 5 * MIN, expected: ['{__name__="m", inst="1", job="a"} 6'] },
  { name: '@ pins the time', query: 'm{job="a",inst="1"} @ 120', at: T10, expected: ['{__name__="m", inst="1", job="a"} 2'] },
  { name: '@ with offset', query: 'm{job="a",inst="1"} @ 180 offset 1m', at: T10, expected: ['{__name__="m", inst="1", job="a"} 2'] },
  { name: '@ on a range selector', query: 'sum_over_time(m{job="a",inst="1"}[1m] @ 120)', at: T10, expected: ['{inst="1", job="a"} 3'] },
  // Binary operators.
  { name: 'scalar arithmetic', query: '1 + 2 * 3', at: T10, expected: ['scalar 7'] },
  { name: 'scalar comparison with bool', query: '2 > bool 1', at: T10, expected: ['scalar 1'] },
  { name: 'vector * scalar drops the name', query: 'm * 2', at: T10, expected: ['{inst="1", job="a"} 20', '{inst="1", job="b"} 10', '{inst="2", job="a"} 40'] },
  { name: 'comparison filters and keeps the name', query: 'm > 9', at: T10, expected: ['{__name__="m", inst="1", job="a"} 10', '{__name__="m", inst="2", job="a"} 20'] },
  { name: 'scalar on the left of a comparison keeps vector values', query: '9 < m', at: T10, expected: ['{__name__="m", inst="1", job="a"} 10', '{__name__="m", inst="2", job="a"} 20'] },
  { name: 'bool comparison drops the name', query: 'm > bool 9', at: T10, expected: ['{inst="1", job="a"} 1', '{inst="1", job="b"} 0', '{inst="2", job="a"} 1'] },
  { name: 'one-to-one on()', query: 'm{job="a"} / on(inst) m{job="b"}', at: T10, expected: ['{inst="1"} 2'] },
  { name: 'one-to-one ignoring()', query: 'm{job="a"} - ignoring(job) m{job="b"}', at: T10, expected: ['{inst="1"} 5'] },
  { name: 'comparison of vectors keeps the left name', query: 'm{job="a"} >= ignoring(job) m{job="b"}', at: T10, expected: ['{__name__="m", inst="1"} 10'] },
  {
    name: 'group_left copies labels from the one side',
    query: 'm * on(job) group_left(version) info',
    at: T10,
    expected: ['{inst="1", job="a", version="v1"} 10', '{inst="1", job="b", version="v2"} 5', '{inst="2", job="a", version="v1"} 20'],
  },
  {
    name: 'group_right copies labels from the one side',
    query: 'info * on(job) group_right(version) m',
    at: T10,
    expected: ['{inst="1", job="a", version="v1"} 10', '{inst="1", job="b", version="v2"} 5', '{inst="2", job="a", version="v1"} 20'],
  },
  { name: 'and', query: 'm and on(job) info{job="a"}', at: T10, expected: ['{__name__="m", inst="1", job="a"} 10', '{__name__="m", inst="2", job="a"} 20'] },
  {
    name: 'or',
    query: 'm{job="b"} or n',
    at: T10,
    expected: ['{__name__="m", inst="1", job="b"} 5', '{__name__="n", job="c"} 3'],
  },
  { name: 'unless', query: 'm unless on(job) info{job="a"}', at: T10, expected: ['{__name__="m", inst="1", job="b"} 5'] },
  { name: 'many-to-one must be explicit', query: 'm * on(job) info', at: T10, error: 'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)' },
  {
    name: 'duplicate series on the one side',
    query: 'info * on(job) m',
    at: T10,
    error: 'found duplicate series for the match group {job="a"} on the right hand-side of the operation: [{__name__="m", inst="2", job="a"}, {__name__="m", inst="1", job="a"}];many-to-many matching not allowed: matching labels must be unique on one side',
  },
  { name: 'group_left results must be unique', query: '{__name__=~"m|m2",job="b"} * on(job) group_left() info', at: T10, error: 'multiple matches for labels: grouping labels must ensure unique matches' },
  { name: 'unary minus drops the name and checks duplicates', query: '-{__name__=~"m|m2",job="b"}', at: T10, error: 'vector cannot contain metrics with the same labelset' },
  { name: 'a function output with duplicate label sets', query: 'abs({__name__=~"m|m2",job="b"})', at: T10, error: 'vector cannot contain metrics with the same labelset' },
  { name: 'NaN comparisons are false', query: 'vector(0/0) == vector(0/0)', at: T10, expected: [] },
  { name: '^ follows Go for 1^NaN', query: '1 ^ (0/0)', at: T10, expected: ['scalar 1'] },
  // Aggregations.
  { name: 'sum', query: 'sum(m)', at: T10, expected: ['{} 35'] },
  { name: 'sum by', query: 'sum by (job) (m)', at: T10, expected: ['{job="a"} 30', '{job="b"} 5'] },
  { name: 'sum without', query: 'sum without (inst) (m)', at: T10, expected: ['{job="a"} 30', '{job="b"} 5'] },
  { name: 'avg', query: 'avg(m)', at: T10, expected: ['{} 11.66666667'] },
  { name: 'count', query: 'count(m)', at: T10, expected: ['{} 3'] },
  { name: 'min', query: 'min(m)', at: T10, expected: ['{} 5'] },
  { name: 'max', query: 'max by (job) (m)', at: T10, expected: ['{job="a"} 20', '{job="b"} 5'] },
  { name: 'group', query: 'group by (job) (m)', at: T10, expected: ['{job="a"} 1', '{job="b"} 1'] },
  { name: 'stddev', query: 'stddev(m)', at: T10, expected: ['{} 6.236095645'] },
  { name: 'stdvar', query: 'stdvar(m)', at: T10, expected: ['{} 38.88888889'] },
  { name: 'topk keeps the series and orders them', query: 'topk(2, m)', at: T10, ordered: true, expected: ['{__name__="m", inst="2", job="a"} 20', '{__name__="m", inst="1", job="a"} 10'] },
  { name: 'bottomk', query: 'bottomk(1, m)', at: T10, expected: ['{__name__="m", inst="1", job="b"} 5'] },
  { name: 'count_values', query: 'count_values("val", m)', at: T10, expected: ['{val="10"} 1', '{val="20"} 1', '{val="5"} 1'] },
  { name: 'quantile', query: 'quantile(0.5, m)', at: T10, expected: ['{} 10'] },
  { name: 'topk with a NaN parameter', query: 'topk(scalar(nope), m)', at: T10, error: 'Scalar value NaN overflows int64' },
  { name: 'count_values with an invalid label', query: 'count_values("1a", m)', at: T10, error: 'invalid label name "1a"' },
  // __name__ rules and functions.
  { name: 'last_over_time keeps the name', query: 'last_over_time(m{job="b"}[5m])', at: T10, expected: ['{__name__="m", inst="1", job="b"} 5'] },
  { name: 'rate', query: 'rate(counter[5m])', at: T10, expected: ['{} 0.1666666667'] },
  { name: 'increase', query: 'increase(counter[5m])', at: T10, expected: ['{} 50'] },
  { name: 'irate', query: 'irate(counter[5m])', at: T10, expected: ['{} 0.1666666667'] },
  { name: 'resets', query: 'resets(reset_c[10m])', at: 4 * MIN, expected: ['{} 1'] },
  { name: 'deriv', query: 'deriv(counter[5m])', at: T10, expected: ['{} 0.1666666667'] },
  { name: 'predict_linear', query: 'predict_linear(counter[5m], 60)', at: T10, expected: ['{} 110'] },
  { name: 'avg_over_time', query: 'avg_over_time(m{job="a",inst="1"}[2m])', at: T10, expected: ['{inst="1", job="a"} 9'] },
  { name: 'quantile_over_time', query: 'quantile_over_time(0.5, m{job="a",inst="1"}[2m])', at: T10, expected: ['{inst="1", job="a"} 9'] },
  { name: 'histogram_quantile', query: 'histogram_quantile(0.5, hist_bucket)', at: T10, expected: ['{} 1'] },
  { name: 'absent of a missing series', query: 'absent(nope{job="x"})', at: T10, expected: ['{job="x"} 1'] },
  { name: 'absent of a present series', query: 'absent(m)', at: T10, expected: [] },
  { name: 'absent_over_time', query: 'absent_over_time(nope{job="x",inst=~"1"}[1m])', at: T10, expected: ['{job="x"} 1'] },
  { name: 'vector', query: 'vector(3)', at: T10, expected: ['{} 3'] },
  { name: 'scalar', query: 'scalar(m{job="b"})', at: T10, expected: ['scalar 5'] },
  { name: 'time', query: 'time()', at: T10, expected: ['scalar 600'] },
  { name: 'timestamp of a selector is the sample time', query: 'timestamp(m{job="b"})', at: T10 + 30 * SEC, expected: ['{inst="1", job="b"} 600'] },
  {
    // Prometheus 2.42 reads at the @ time, ignoring the offset, but the querier only holds
    // samples up to @ - offset (240s), so the lookback finds the sample at 240s.
    name: 'timestamp with @ and offset, as Prometheus 2.42',
    query: 'timestamp(m{job="a",inst="1"} @ 300 offset 1m)',
    at: T10,
    expected: ['{inst="1", job="a"} 240'],
  },
  { name: 'clamp_max drops the name', query: 'clamp_max(m, 12)', at: T10, expected: ['{inst="1", job="a"} 10', '{inst="1", job="b"} 5', '{inst="2", job="a"} 12'] },
  {
    name: 'label_replace keeps the name',
    query: 'label_replace(m{job="b"}, "dst", "x-$1", "job", "(.*)")',
    at: T10,
    expected: ['{__name__="m", dst="x-b", inst="1", job="b"} 5'],
  },
  { name: 'label_join', query: 'label_join(m{job="b"}, "j", "-", "job", "inst")', at: T10, expected: ['{__name__="m", inst="1", j="b-1", job="b"} 5'] },
  { name: 'label_replace with a bad regex', query: 'label_replace(m, "dst", "", "job", "(")', at: T10, error: 'invalid regular expression in label_replace(): (' },
  { name: 'sort_desc', query: 'sort_desc(m)', at: T10, ordered: true, expected: ['{__name__="m", inst="2", job="a"} 20', '{__name__="m", inst="1", job="a"} 10', '{__name__="m", inst="1", job="b"} 5'] },
  { name: 'hour', query: 'hour(vector(7200))', at: T10, expected: ['{} 2'] },
  { name: 'holt_winters checks its factors', query: 'holt_winters(m[5m], 2, 0.5)', at: T10, error: 'invalid smoothing factor. Expected: 0 < sf < 1, got: 2.000000' },
  // Subqueries and range vectors at the top level.
  { name: 'subquery', query: 'max_over_time(m{job="a",inst="1"}[5m:1m])', at: T10, expected: ['{inst="1", job="a"} 10'] },
  { name: 'subquery steps are aligned to the step', query: 'sum_over_time(m{job="a",inst="1"}[5m:2m])', at: T10, expected: ['{inst="1", job="a"} 24'] },
  { name: 'subquery with offset', query: 'sum_over_time(m{job="a",inst="1"}[2m:1m] offset 5m)', at: T10, expected: ['{inst="1", job="a"} 12'] },
  { name: 'rate over a subquery', query: 'rate(sum(counter)[5m:1m])', at: T10, expected: ['{} 0.1666666667'] },
  { name: 'top-level subquery', query: 'm{job="b"}[2m:1m]', at: T10, expected: ['{__name__="m", inst="1", job="b"} 5@480 5@540 5@600'] },
  { name: 'top-level range selector includes both ends', query: 'm{job="b"}[2m]', at: T10, expected: ['{__name__="m", inst="1", job="b"} 5@480 5@540 5@600'] },
  { name: 'string literal', query: '"hello"', at: T10, expected: ['string hello'] },
];

describe('instant queries', () => {
  it.each(rows)('$name: $query', async (row) => {
    const p = engine.instantQuery(store.q, parseExpr(row.query), row.at ?? T10);
    if (row.error !== undefined) {
      await expect(p).rejects.toThrow(row.error);
      await expect(p).rejects.toMatchObject({ kind: 'execution' });
      return;
    }
    const v = await p;
    expect(row.ordered === true ? renderOrdered(v) : render(v)).toEqual(row.ordered === true ? row.expected : [...row.expected!].sort());
  });
});

describe('range queries', () => {
  const rangeRows: { name: string; query: string; start: number; end: number; step: number; expected: string[] }[] = [
    { name: 'stale marker leaves a gap', query: 'stale_m', start: 0, end: 4 * MIN, step: MIN, expected: ['{__name__="stale_m"} 1@0 2@60 4@180 4@240'] },
    { name: '@ is step invariant', query: 'm{job="a",inst="1"} @ 120', start: 0, end: 2 * MIN, step: MIN, expected: ['{__name__="m", inst="1", job="a"} 2@0 2@60 2@120'] },
    { name: '@ end()', query: 'm{job="a",inst="1"} @ end()', start: 0, end: 3 * MIN, step: MIN, expected: ['{__name__="m", inst="1", job="a"} 3@0 3@60 3@120 3@180'] },
    { name: '@ start()', query: 'm{job="a",inst="1"} @ start()', start: MIN, end: 3 * MIN, step: MIN, expected: ['{__name__="m", inst="1", job="a"} 1@60 1@120 1@180'] },
    { name: 'scalar becomes a series without labels', query: 'time()', start: 0, end: 2 * MIN, step: MIN, expected: ['{} 0@0 60@60 120@120'] },
    { name: 'series appear from the step they have data', query: 'gap', start: 4 * MIN, end: 6 * MIN, step: MIN, expected: ['{__name__="gap"} 7@240 7@300'] },
  ];
  it.each(rangeRows)('$name: $query', async (row) => {
    const v = await engine.rangeQuery(store.q, parseExpr(row.query), row.start, row.end, row.step);
    expect(render(v)).toEqual(row.expected);
  });

  it('refuses range-vector expressions as Prometheus does', async () => {
    await expect(engine.rangeQuery(store.q, parseExpr('m[5m]'), 0, MIN, MIN)).rejects.toMatchObject({
      kind: 'bad_data',
      message: 'invalid expression type "range vector" for range query, must be Scalar or instant Vector',
    });
  });

  it('returns series sorted by labels', async () => {
    const v = await engine.rangeQuery(store.q, parseExpr('m'), 0, 2 * MIN, MIN);
    expect(v.type === 'matrix' && v.matrix.map((s) => render({ type: 'vector', vector: [{ metric: s.metric, t: 0, v: 0 }] })[0])).toEqual([
      '{__name__="m", inst="1", job="a"} 0',
      '{__name__="m", inst="1", job="b"} 0',
      '{__name__="m", inst="2", job="a"} 0',
    ]);
  });
});

describe('range and instant evaluation agree at every step', () => {
  const queries = [
    'm',
    'stale_m',
    'gap',
    'rate(counter[3m])',
    'sum by (job) (m) / on(job) group_left(version) info',
    'm > bool 4',
    'topk(1, m)',
    'max_over_time(m[3m:1m])',
    'sum_over_time(rate(counter[2m])[4m:30s])',
    'absent_over_time(stale_m[1m])',
    'timestamp(stale_m)',
    'm{inst="1"} @ 300 + time()',
    'count_values("v", m)',
    'histogram_quantile(0.9, hist_bucket)',
    '-m + scalar(n)',
    // Range functions over counter resets, stale markers, offset and @: their windows
    // overlap (30 s steps), touch (60 s steps over [1m]) or lie apart (150 s steps), which
    // the engine reads in two ways (all samples decoded once, or seeking window by window).
    'rate(reset_c[1m])',
    'increase(reset_c[2m])',
    'resets(reset_c[90s])',
    'count_over_time(stale_m[1m])',
    'last_over_time(m[1m])',
    'rate(counter[1m] offset 1m)',
    'sum by (job) (rate(m[2m] @ 300))',
    'quantile_over_time(0.5, m[3m])',
  ];
  const steps = [30 * SEC, MIN, 150 * SEC];
  it.each(queries.flatMap((query) => steps.map((step) => ({ query, step }))))('$query, step $step ms', async ({ query, step }) => {
    const expr = parseExpr(query);
    const range = await engine.rangeQuery(store.q, expr, 0, T10, step);
    expect(range.type).toBe('matrix');
    for (let t = 0; t <= T10; t += step) {
      const inst = await engine.instantQuery(store.q, expr, t);
      const fromRange: string[] = [];
      if (range.type === 'matrix') {
        for (const s of range.matrix) {
          const p = s.points.find((x) => x.t === t);
          if (p !== undefined) fromRange.push(...render({ type: 'vector', vector: [{ metric: s.metric, t, v: p.v }] }));
        }
      }
      const want = inst.type === 'scalar' ? [`{} ${render(inst)[0]!.slice('scalar '.length)}`] : render(inst);
      expect(fromRange.sort(), `${query} at ${t / SEC}s`).toEqual(want);
    }
  });
});

describe('limits, cancellation and yielding', () => {
  it('fails a query over the sample limit with Prometheus error', async () => {
    const small = new Engine({ ...defaultEngineOptions(), maxSamples: 10 });
    await expect(small.rangeQuery(store.q, parseExpr('sum(m)'), 0, T10, MIN)).rejects.toMatchObject({
      kind: 'execution',
      reason: 'too_many_samples',
      message: 'query processing would load too many samples into memory in query execution',
    });
    await expect(small.instantQuery(store.q, parseExpr('m'), T10)).resolves.toMatchObject({ type: 'vector' });
    const tiny = new Engine({ ...defaultEngineOptions(), maxSamples: 2 });
    await expect(tiny.instantQuery(store.q, parseExpr('m'), T10)).rejects.toMatchObject({ reason: 'too_many_samples' });
  });

  // About 260k steps of work: long enough to need several yields, short enough for CI.
  const HEAVY = 'sum_over_time(vector(time())[3d:1s])';

  it('times out', async () => {
    const slow = new Engine({ ...defaultEngineOptions(), timeoutMs: 5 });
    const err = await slow.instantQuery(store.q, parseExpr(HEAVY), T10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CairnError);
    expect(err).toMatchObject({ kind: 'timeout', reason: 'query_timeout', message: 'query timed out in expression evaluation' });
  });

  it('stops when the signal aborts', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 5);
    await expect(engine.instantQuery(store.q, parseExpr(HEAVY), T10, ac.signal)).rejects.toMatchObject({ kind: 'canceled' });
    await expect(engine.instantQuery(store.q, parseExpr('m'), T10, ac.signal)).rejects.toMatchObject({ kind: 'canceled' });
    // The query route's signal is a plain flag the socket's close sets.
    const flag = { aborted: false };
    setTimeout(() => (flag.aborted = true), 5);
    await expect(engine.instantQuery(store.q, parseExpr(HEAVY), T10, flag)).rejects.toMatchObject({ kind: 'canceled' });
  });

  it('yields to the event loop during a heavy query', async () => {
    const events: string[] = [];
    setTimeout(() => events.push('timer'), 0);
    const p = engine.instantQuery(store.q, parseExpr(HEAVY), T10).then(() => events.push('query'));
    const started = performance.now();
    await p;
    // Only meaningful when the query ran long enough to have to yield.
    expect(performance.now() - started).toBeGreaterThan(defaultEngineOptions().yieldEveryMs);
    expect(events).toEqual(['timer', 'query']);
  });
});
