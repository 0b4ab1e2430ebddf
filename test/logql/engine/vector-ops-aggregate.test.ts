// Proves that aggregateStep computes Loki's vector aggregations (grouping, NaN/±Inf
// arithmetic, topk/bottomk selection, sort order), using the expectations of Loki's
// vector_aggregations.logqltest where the per-series inputs can be read off the script.
import { describe, expect, it } from 'vitest';
import { aggregateStep, type StepSample } from '../../../src/logql/engine/vector-ops.js';
import type { Grouping, VectorOp } from '../../../src/logql/ast.js';
import { orderedRows, plain, rows, smp, type Obj } from './vector-ops-helpers.js';

type Expr = { op: VectorOp; param?: number; grouping?: Grouping };
const by = (...labels: string[]): Grouping => ({ without: false, labels });
const without = (...labels: string[]): Grouping => ({ without: true, labels });

interface Case {
  readonly name: string;
  readonly expr: Expr;
  readonly input: readonly StepSample[];
  readonly expected: ReturnType<typeof rows>;
}

// The per-series count_over_time values at 60s of the script's sections, as its
// `without ()` cases print them.
const sumInput = [
  smp({ app: 'foo', namespace: 'a', cluster: 'c1' }, 6),
  smp({ app: 'foo', namespace: 'a', cluster: 'c2' }, 12),
  smp({ app: 'bar', namespace: 'b', cluster: 'c2' }, 6),
];
const podInput = [
  smp({ app: 'foo', pod: 'a', zone: 'eu' }, 6),
  smp({ app: 'foo', pod: 'b', zone: 'eu' }, 12),
  smp({ app: 'bar', pod: 'a', zone: 'us' }, 12),
  smp({ app: 'bar', pod: 'b', zone: 'us' }, 30),
];
const topkInput = [
  smp({ app: 'foo', pod: 'a' }, 6),
  smp({ app: 'foo', pod: 'b' }, 12),
  smp({ app: 'bar', pod: 'a' }, 15),
  smp({ app: 'bar', pod: 'b' }, 30),
];
const countInput = [smp({ app: 'foo', pod: 'a', zone: 'eu' }, 6), smp({ app: 'foo', pod: 'b', zone: 'eu' }, 4), smp({ app: 'bar', pod: 'a', zone: 'us' }, 1)];

const identity = (input: readonly StepSample[]) => plain(input);

const scriptCases: Case[] = [
  { name: 'sum', expr: { op: 'sum' }, input: sumInput, expected: rows([{}, 24]) },
  { name: 'sum by (app)', expr: { op: 'sum', grouping: by('app') }, input: sumInput, expected: rows([{ app: 'foo' }, 18], [{ app: 'bar' }, 6]) },
  {
    name: 'sum without (cluster)',
    expr: { op: 'sum', grouping: without('cluster') },
    input: sumInput,
    expected: rows([{ app: 'foo', namespace: 'a' }, 18], [{ app: 'bar', namespace: 'b' }, 6]),
  },
  {
    name: 'sum without (cluster, namespace)',
    expr: { op: 'sum', grouping: without('cluster', 'namespace') },
    input: sumInput,
    expected: rows([{ app: 'foo' }, 18], [{ app: 'bar' }, 6]),
  },
  { name: 'sum without ()', expr: { op: 'sum', grouping: without() }, input: sumInput, expected: identity(sumInput) },
  { name: 'avg', expr: { op: 'avg' }, input: podInput, expected: rows([{}, 15]) },
  { name: 'avg by (app)', expr: { op: 'avg', grouping: by('app') }, input: podInput, expected: rows([{ app: 'foo' }, 9], [{ app: 'bar' }, 21]) },
  {
    name: 'avg without (pod)',
    expr: { op: 'avg', grouping: without('pod') },
    input: podInput,
    expected: rows([{ app: 'foo', zone: 'eu' }, 9], [{ app: 'bar', zone: 'us' }, 21]),
  },
  { name: 'avg without (pod, zone)', expr: { op: 'avg', grouping: without('pod', 'zone') }, input: podInput, expected: rows([{ app: 'foo' }, 9], [{ app: 'bar' }, 21]) },
  { name: 'avg without ()', expr: { op: 'avg', grouping: without() }, input: podInput, expected: identity(podInput) },
  { name: 'min', expr: { op: 'min' }, input: podInput, expected: rows([{}, 6]) },
  { name: 'min by (app)', expr: { op: 'min', grouping: by('app') }, input: podInput, expected: rows([{ app: 'foo' }, 6], [{ app: 'bar' }, 12]) },
  { name: 'min without (pod)', expr: { op: 'min', grouping: without('pod') }, input: podInput, expected: rows([{ app: 'foo', zone: 'eu' }, 6], [{ app: 'bar', zone: 'us' }, 12]) },
  { name: 'max', expr: { op: 'max' }, input: podInput, expected: rows([{}, 30]) },
  { name: 'max by (app)', expr: { op: 'max', grouping: by('app') }, input: podInput, expected: rows([{ app: 'foo' }, 12], [{ app: 'bar' }, 30]) },
  { name: 'max without (pod, zone)', expr: { op: 'max', grouping: without('pod', 'zone') }, input: podInput, expected: rows([{ app: 'foo' }, 12], [{ app: 'bar' }, 30]) },
  { name: 'max without ()', expr: { op: 'max', grouping: without() }, input: podInput, expected: identity(podInput) },
  { name: 'count', expr: { op: 'count' }, input: countInput, expected: rows([{}, 3]) },
  { name: 'count by (app)', expr: { op: 'count', grouping: by('app') }, input: countInput, expected: rows([{ app: 'foo' }, 2], [{ app: 'bar' }, 1]) },
  {
    name: 'count without (pod)',
    expr: { op: 'count', grouping: without('pod') },
    input: countInput,
    expected: rows([{ app: 'foo', zone: 'eu' }, 2], [{ app: 'bar', zone: 'us' }, 1]),
  },
  {
    name: 'count without ()',
    expr: { op: 'count', grouping: without() },
    input: countInput,
    expected: rows([{ app: 'foo', pod: 'a', zone: 'eu' }, 1], [{ app: 'foo', pod: 'b', zone: 'eu' }, 1], [{ app: 'bar', pod: 'a', zone: 'us' }, 1]),
  },
  { name: 'stddev', expr: { op: 'stddev' }, input: podInput, expected: rows([{}, 9]) },
  { name: 'stddev by (app)', expr: { op: 'stddev', grouping: by('app') }, input: podInput, expected: rows([{ app: 'foo' }, 3], [{ app: 'bar' }, 9]) },
  {
    name: 'stddev without ()',
    expr: { op: 'stddev', grouping: without() },
    input: podInput,
    expected: plain(podInput.map((s) => ({ ...s, v: 0 }))),
  },
  { name: 'stdvar', expr: { op: 'stdvar' }, input: podInput, expected: rows([{}, 81]) },
  { name: 'stdvar by (app)', expr: { op: 'stdvar', grouping: by('app') }, input: podInput, expected: rows([{ app: 'foo' }, 9], [{ app: 'bar' }, 81]) },
  {
    name: 'stdvar without (pod, zone)',
    expr: { op: 'stdvar', grouping: without('pod', 'zone') },
    input: podInput,
    expected: rows([{ app: 'foo' }, 9], [{ app: 'bar' }, 81]),
  },
  { name: 'topk(2)', expr: { op: 'topk', param: 2 }, input: topkInput, expected: rows([{ app: 'bar', pod: 'b' }, 30], [{ app: 'bar', pod: 'a' }, 15]) },
  { name: 'topk(1)', expr: { op: 'topk', param: 1 }, input: topkInput, expected: rows([{ app: 'bar', pod: 'b' }, 30]) },
  {
    name: 'topk(1) by (app)',
    expr: { op: 'topk', param: 1, grouping: by('app') },
    input: topkInput,
    expected: rows([{ app: 'foo', pod: 'b' }, 12], [{ app: 'bar', pod: 'b' }, 30]),
  },
  {
    name: 'topk(1) without (app)',
    expr: { op: 'topk', param: 1, grouping: without('app') },
    input: topkInput,
    expected: rows([{ app: 'bar', pod: 'a' }, 15], [{ app: 'bar', pod: 'b' }, 30]),
  },
  { name: 'topk(1) without (app, pod)', expr: { op: 'topk', param: 1, grouping: without('app', 'pod') }, input: topkInput, expected: rows([{ app: 'bar', pod: 'b' }, 30]) },
  { name: 'topk(1) without ()', expr: { op: 'topk', param: 1, grouping: without() }, input: topkInput, expected: identity(topkInput) },
  { name: 'bottomk(2)', expr: { op: 'bottomk', param: 2 }, input: topkInput, expected: rows([{ app: 'foo', pod: 'a' }, 6], [{ app: 'foo', pod: 'b' }, 12]) },
  {
    name: 'bottomk(1) by (app)',
    expr: { op: 'bottomk', param: 1, grouping: by('app') },
    input: topkInput,
    expected: rows([{ app: 'foo', pod: 'a' }, 6], [{ app: 'bar', pod: 'a' }, 15]),
  },
  {
    name: 'bottomk(1) without (app)',
    expr: { op: 'bottomk', param: 1, grouping: without('app') },
    input: topkInput,
    expected: rows([{ app: 'foo', pod: 'a' }, 6], [{ app: 'foo', pod: 'b' }, 12]),
  },
  { name: 'bottomk(1) without ()', expr: { op: 'bottomk', param: 1, grouping: without() }, input: topkInput, expected: identity(topkInput) },
];

describe('aggregateStep: vector_aggregations.logqltest', () => {
  it.each(scriptCases)('$name', ({ expr, input, expected }) => {
    expect(plain(aggregateStep(expr, input))).toEqual(expected);
  });
});

// The script's special inputs: one series per value, keyed by k.
const special: Record<string, StepSample> = {
  fin: smp({ app: 'a', k: 'fin' }, 2),
  nan: smp({ app: 'a', k: 'nan' }, NaN),
  pinf: smp({ app: 'a', k: 'pinf' }, Infinity),
  ninf: smp({ app: 'a', k: 'ninf' }, -Infinity),
};

interface SpecialCase {
  readonly op: VectorOp;
  readonly param?: number;
  readonly ks: readonly string[];
  /** The single resulting value (reducing ops) or the k of the selected series. */
  readonly expected: number | string;
}

const specialCases: SpecialCase[] = [
  { op: 'sum', ks: ['fin', 'nan'], expected: NaN },
  { op: 'sum', ks: ['fin', 'pinf'], expected: Infinity },
  { op: 'sum', ks: ['pinf', 'ninf'], expected: NaN },
  { op: 'sum', ks: ['pinf', 'nan'], expected: NaN },
  { op: 'sum', ks: ['ninf', 'nan'], expected: NaN },
  { op: 'avg', ks: ['fin', 'nan'], expected: NaN },
  { op: 'avg', ks: ['fin', 'pinf'], expected: Infinity },
  { op: 'avg', ks: ['pinf', 'ninf'], expected: NaN },
  { op: 'avg', ks: ['pinf', 'nan'], expected: NaN },
  { op: 'avg', ks: ['ninf', 'nan'], expected: NaN },
  { op: 'min', ks: ['fin', 'nan'], expected: 2 },
  { op: 'min', ks: ['fin', 'pinf'], expected: 2 },
  { op: 'min', ks: ['pinf', 'ninf'], expected: -Infinity },
  { op: 'min', ks: ['pinf', 'nan'], expected: Infinity },
  { op: 'min', ks: ['ninf', 'nan'], expected: -Infinity },
  { op: 'max', ks: ['fin', 'nan'], expected: 2 },
  { op: 'max', ks: ['fin', 'pinf'], expected: Infinity },
  { op: 'max', ks: ['pinf', 'ninf'], expected: Infinity },
  { op: 'max', ks: ['pinf', 'nan'], expected: Infinity },
  { op: 'max', ks: ['ninf', 'nan'], expected: -Infinity },
  { op: 'count', ks: ['fin'], expected: 1 },
  { op: 'count', ks: ['fin', 'nan'], expected: 2 },
  { op: 'count', ks: ['fin', 'nan', 'pinf'], expected: 3 },
  { op: 'count', ks: ['fin', 'nan', 'pinf', 'ninf'], expected: 4 },
  ...(['stddev', 'stdvar'] as const).flatMap((op) =>
    [['fin', 'nan'], ['fin', 'pinf'], ['pinf', 'ninf'], ['pinf', 'nan'], ['ninf', 'nan']].map((ks) => ({ op, ks, expected: NaN })),
  ),
  { op: 'topk', param: 1, ks: ['fin', 'nan'], expected: 'fin' },
  { op: 'topk', param: 1, ks: ['fin', 'pinf'], expected: 'pinf' },
  { op: 'topk', param: 1, ks: ['pinf', 'ninf'], expected: 'pinf' },
  { op: 'topk', param: 1, ks: ['pinf', 'nan'], expected: 'pinf' },
  { op: 'topk', param: 1, ks: ['ninf', 'nan'], expected: 'ninf' },
  { op: 'bottomk', param: 1, ks: ['fin', 'nan'], expected: 'fin' },
  { op: 'bottomk', param: 1, ks: ['fin', 'pinf'], expected: 'fin' },
  { op: 'bottomk', param: 1, ks: ['pinf', 'ninf'], expected: 'ninf' },
  { op: 'bottomk', param: 1, ks: ['pinf', 'nan'], expected: 'pinf' },
  { op: 'bottomk', param: 1, ks: ['ninf', 'nan'], expected: 'ninf' },
];

describe('aggregateStep: NaN and infinities, in either input order', () => {
  const table = specialCases.flatMap((c) => [
    { ...c, name: `${c.op}(${c.ks.join('|')})`, order: c.ks },
    { ...c, name: `${c.op}(${[...c.ks].reverse().join('|')})`, order: [...c.ks].reverse() },
  ]);
  it.each(table)('$name', ({ op, param, order, expected }) => {
    const out = aggregateStep({ op, param }, order.map((k) => special[k]!));
    expect(out).toHaveLength(1);
    if (typeof expected === 'string') {
      expect(out[0]).toBe(special[expected]);
    } else {
      expect(out[0]!.labels).toEqual([]);
      expect(out[0]!.v).toEqual(expected);
    }
  });
});

describe('aggregateStep: sort and sort_desc order', () => {
  const rates = [
    smp({ app: 'foo', pod: 'a' }, 1.1),
    smp({ app: 'foo', pod: 'b' }, 1.2),
    smp({ app: 'bar', pod: 'a' }, 1.05),
    smp({ app: 'bar', pod: 'b' }, 1.25),
  ];
  const all = [special.fin!, special.nan!, special.pinf!, special.ninf!];
  const table: { name: string; op: VectorOp; input: StepSample[]; expected: [Obj, number][] }[] = [
    {
      name: 'sort (script)',
      op: 'sort',
      input: rates,
      expected: [[{ app: 'bar', pod: 'a' }, 1.05], [{ app: 'foo', pod: 'a' }, 1.1], [{ app: 'foo', pod: 'b' }, 1.2], [{ app: 'bar', pod: 'b' }, 1.25]],
    },
    {
      name: 'sort_desc (script)',
      op: 'sort_desc',
      input: rates,
      expected: [[{ app: 'bar', pod: 'b' }, 1.25], [{ app: 'foo', pod: 'b' }, 1.2], [{ app: 'foo', pod: 'a' }, 1.1], [{ app: 'bar', pod: 'a' }, 1.05]],
    },
    {
      name: 'sort puts NaN last',
      op: 'sort',
      input: all,
      expected: [[{ app: 'a', k: 'ninf' }, -Infinity], [{ app: 'a', k: 'fin' }, 2], [{ app: 'a', k: 'pinf' }, Infinity], [{ app: 'a', k: 'nan' }, NaN]],
    },
    {
      name: 'sort_desc puts NaN last',
      op: 'sort_desc',
      input: [...all].reverse(),
      expected: [[{ app: 'a', k: 'pinf' }, Infinity], [{ app: 'a', k: 'fin' }, 2], [{ app: 'a', k: 'ninf' }, -Infinity], [{ app: 'a', k: 'nan' }, NaN]],
    },
    {
      name: 'sort orders ties by labels',
      op: 'sort',
      input: [smp({ a: '2' }, 1), smp({ a: '1' }, 1), smp({ a: '0' }, 0)],
      expected: [[{ a: '0' }, 0], [{ a: '1' }, 1], [{ a: '2' }, 1]],
    },
    {
      name: 'sort_desc orders ties by labels',
      op: 'sort_desc',
      input: [smp({ a: '2' }, 1), smp({ a: '1' }, 1), smp({ a: '0' }, 0)],
      expected: [[{ a: '1' }, 1], [{ a: '2' }, 1], [{ a: '0' }, 0]],
    },
  ];
  it.each(table)('$name', ({ op, input, expected }) => {
    expect(plain(aggregateStep({ op }, input), true)).toEqual(orderedRows(...expected));
  });

  it('returns the input samples themselves', () => {
    const out = aggregateStep({ op: 'sort' }, rates);
    expect(new Set(out)).toEqual(new Set(rates));
  });
});

describe('aggregateStep: topk and bottomk details', () => {
  const input = [smp({ s: 'c' }, 3), smp({ s: 'b' }, 1), smp({ s: 'a' }, 3), smp({ s: 'd' }, 2), smp({ s: 'e' }, NaN)];
  const table: { name: string; expr: Expr; expected: [Obj, number][] }[] = [
    { name: 'k larger than the group keeps all, highest first, NaN last', expr: { op: 'topk', param: 10 }, expected: [[{ s: 'a' }, 3], [{ s: 'c' }, 3], [{ s: 'd' }, 2], [{ s: 'b' }, 1], [{ s: 'e' }, NaN]] },
    { name: 'bottomk with k larger than the group, lowest first, NaN last', expr: { op: 'bottomk', param: 10 }, expected: [[{ s: 'b' }, 1], [{ s: 'd' }, 2], [{ s: 'a' }, 3], [{ s: 'c' }, 3], [{ s: 'e' }, NaN]] },
    { name: 'on a tie the sample seen first stays', expr: { op: 'topk', param: 1 }, expected: [[{ s: 'c' }, 3]] },
    { name: 'topk(2) keeps both tied maxima, ordered by labels', expr: { op: 'topk', param: 2 }, expected: [[{ s: 'a' }, 3], [{ s: 'c' }, 3]] },
    { name: 'bottomk(2)', expr: { op: 'bottomk', param: 2 }, expected: [[{ s: 'b' }, 1], [{ s: 'd' }, 2]] },
    { name: 'a NaN is pushed out by any later value', expr: { op: 'topk', param: 4 }, expected: [[{ s: 'a' }, 3], [{ s: 'c' }, 3], [{ s: 'd' }, 2], [{ s: 'b' }, 1]] },
    { name: 'k = 0 gives nothing', expr: { op: 'topk', param: 0 }, expected: [] },
    { name: 'negative k gives nothing', expr: { op: 'bottomk', param: -1 }, expected: [] },
  ];
  it.each(table)('$name', ({ expr, expected }) => {
    expect(plain(aggregateStep(expr, input), true)).toEqual(orderedRows(...expected));
  });

  it('a NaN seen while there is room survives', () => {
    const out = aggregateStep({ op: 'topk', param: 2 }, [smp({ s: 'n' }, NaN), smp({ s: 'x' }, 1)]);
    expect(plain(out, true)).toEqual(orderedRows([{ s: 'x' }, 1], [{ s: 'n' }, NaN]));
  });

  it('keeps the selected samples and their labels untouched', () => {
    const out = aggregateStep({ op: 'topk', param: 2, grouping: by('s') }, input);
    for (const s of out) expect(input).toContain(s);
  });

  it('requires k', () => {
    expect(() => aggregateStep({ op: 'topk' }, input)).toThrow(/BUG/);
  });
});

describe('aggregateStep: grouping edge cases', () => {
  const table: Case[] = [
    { name: 'empty input gives an empty vector', expr: { op: 'sum' }, input: [], expected: [] },
    { name: 'count of nothing is no series, not 0', expr: { op: 'count', grouping: by('a') }, input: [], expected: [] },
    {
      name: 'by a label some series lack groups those under the empty set',
      expr: { op: 'sum', grouping: by('a') },
      input: [smp({ a: 'x', b: '1' }, 1), smp({ b: '2' }, 2), smp({ c: '3' }, 4)],
      expected: rows([{ a: 'x' }, 1], [{}, 6]),
    },
    {
      name: 'an empty value is a value of its own',
      expr: { op: 'sum', grouping: by('a') },
      input: [smp({ a: '', b: '1' }, 1), smp({ b: '2' }, 2)],
      expected: rows([{ a: '' }, 1], [{}, 2]),
    },
    {
      name: 'by keeps only the named labels, in label order',
      expr: { op: 'max', grouping: by('z', 'a') },
      input: [smp({ a: '1', m: 'x', z: '2' }, 5), smp({ a: '1', m: 'y', z: '2' }, 7)],
      expected: rows([{ a: '1', z: '2' }, 7]),
    },
    {
      name: 'without drops __name__ as well',
      expr: { op: 'sum', grouping: without('b') },
      input: [smp({ __name__: 'm', a: '1', b: '1' }, 1), smp({ a: '1', b: '2' }, 2)],
      expected: rows([{ a: '1' }, 3]),
    },
    {
      name: 'by may keep __name__',
      expr: { op: 'sum', grouping: by('__name__') },
      input: [smp({ __name__: 'm', a: '1' }, 1), smp({ __name__: 'm', a: '2' }, 2)],
      expected: rows([{ __name__: 'm' }, 3]),
    },
    {
      name: 'stddev of a single NaN is 0 (Welford starts at 0)',
      expr: { op: 'stddev' },
      input: [smp({ a: '1' }, NaN)],
      expected: rows([{}, 0]),
    },
    {
      name: 'avg is sum / count (Loki\'s sharded rewrite)',
      expr: { op: 'avg' },
      input: [smp({ a: '1' }, 0.1), smp({ a: '2' }, 0.2), smp({ a: '3' }, 0.4)],
      expected: rows([{}, (0.1 + 0.2 + 0.4) / 3]),
    },
    {
      name: 'avg of huge values overflows as the sum does',
      expr: { op: 'avg' },
      input: [smp({ a: '1' }, Number.MAX_VALUE), smp({ a: '2' }, Number.MAX_VALUE)],
      expected: rows([{}, Infinity]),
    },
    {
      name: 'stdvar is the population variance',
      expr: { op: 'stdvar' },
      input: [2, 4, 4, 4, 5, 5, 7, 9].map((v, i) => smp({ i: String(i) }, v)),
      expected: rows([{}, 4]),
    },
  ];
  it.each(table)('$name', ({ expr, input, expected }) => {
    expect(plain(aggregateStep(expr, input))).toEqual(expected);
  });

  it('does not modify its input', () => {
    const input = [smp({ a: '1' }, 3), smp({ a: '2' }, 1)];
    const copy = input.map((s) => ({ ...s }));
    aggregateStep({ op: 'sort' }, input);
    aggregateStep({ op: 'sum', grouping: without('a') }, input);
    expect(input).toEqual(copy);
  });
});
