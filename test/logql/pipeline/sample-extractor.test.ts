// Proves sample extractors give Loki's values and series labels for line counts, line bytes and unwrapped labels (cases after conversions.logqltest and formatters.logqltest).
import { describe, expect, it } from 'vitest';
import { parseLogQL } from '../../../src/logql/parser.js';
import type { RangeAggregationExpr } from '../../../src/logql/ast.js';
import { compileSampleExtractor } from '../../../src/logql/pipeline/index.js';
import { parserHints } from '../../../src/logql/pipeline/sample-extractor.js';
import type { Labels } from '../../../src/model/labels.js';

function rangeOf(query: string): RangeAggregationExpr {
  const e = parseLogQL(query);
  if (e.kind !== 'range_aggregation') throw new Error(`not a range aggregation: ${query}`);
  return e;
}

function obj(ls: Labels): Record<string, string> {
  return Object.fromEntries(ls.map((l) => [l.name, l.value]));
}

interface Case {
  name: string;
  query: string;
  stream: Record<string, string>;
  line: string;
  /** undefined: no sample. */
  expected?: { value: number; labels: Record<string, string> };
}

const stream = (o: Record<string, string>): Labels =>
  Object.entries(o)
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));

const cases: Case[] = [
  { name: 'count', query: 'count_over_time({app="a"} [1m])', stream: { app: 'a' }, line: 'xyz', expected: { value: 1, labels: { app: 'a' } } },
  { name: 'count drops filtered', query: 'count_over_time({app="a"} |= "q" [1m])', stream: { app: 'a' }, line: 'xyz' },
  { name: 'bytes are UTF-8 bytes', query: 'bytes_over_time({app="a"} [1m])', stream: { app: 'a' }, line: 'h\u00e9', expected: { value: 3, labels: { app: 'a' } } },
  {
    name: 'bytes see line_format',
    query: 'bytes_over_time({app="a", level="error"} | line_format "{{.level}}" [1m])',
    stream: { app: 'a', level: 'error' },
    line: 'a much longer line',
    expected: { value: 5, labels: { app: 'a', level: 'error' } },
  },
  { name: 'absent has no labels', query: 'absent_over_time({app="a"} [1m])', stream: { app: 'a' }, line: 'x', expected: { value: 1, labels: {} } },
  {
    name: 'unwrap removes the label',
    query: 'sum_over_time({app="a"} | logfmt | unwrap v [1m])',
    stream: { app: 'a' },
    line: 'v=2 lvl=error',
    expected: { value: 2, labels: { app: 'a', lvl: 'error' } },
  },
  {
    name: 'unwrap by keeps only the group',
    query: 'max_over_time({unit="kb"} | logfmt | unwrap bytes(b) [1m]) by (unit)',
    stream: { unit: 'kb' },
    line: 'b=1KB',
    expected: { value: 1000, labels: { unit: 'kb' } },
  },
  {
    name: 'unwrap without',
    query: 'max_over_time({app="a"} | logfmt | unwrap v [1m]) without (x)',
    stream: { app: 'a' },
    line: 'v=3 x=1 y=2',
    expected: { value: 3, labels: { app: 'a', y: '2' } },
  },
  {
    name: 'unwrap by () has no labels',
    query: 'max_over_time({app="a"} | logfmt | unwrap v [1m]) by ()',
    stream: { app: 'a' },
    line: 'v=3',
    expected: { value: 3, labels: {} },
  },
  { name: 'unwrap absent label: no sample', query: 'max_over_time({u="x"} | logfmt | unwrap bytes(b) [1m]) by (u)', stream: { u: 'x' }, line: 'noise' },
  {
    name: 'unwrap duration in seconds',
    query: 'max_over_time({u="x"} | logfmt | unwrap duration(d) [1m]) by (u)',
    stream: { u: 'x' },
    line: 'd=1h30m',
    expected: { value: 5400, labels: { u: 'x' } },
  },
  {
    name: 'unwrap duration_seconds',
    query: 'max_over_time({u="x"} | logfmt | unwrap duration_seconds(d) [1m]) by (u)',
    stream: { u: 'x' },
    line: 'd=500ms',
    expected: { value: 0.5, labels: { u: 'x' } },
  },
  {
    name: 'conversion failure keeps every label',
    query: 'max_over_time({u="bad"} | logfmt | unwrap bytes(b) [1m]) by (u)',
    stream: { u: 'bad' },
    line: 'b=1XB',
    expected: {
      value: 0,
      labels: { u: 'bad', b: '1XB', __error__: 'SampleExtractionErr', __error_details__: 'unhandled size name: xb' },
    },
  },
  {
    name: 'post filter drops the failure',
    query: 'max_over_time({u="bad"} | logfmt | unwrap duration(d) | __error__="" [1m]) by (u)',
    stream: { u: 'bad' },
    line: 'd=1d',
  },
  {
    name: 'post filter on a label',
    query: 'sum_over_time({app="p"} | logfmt | unwrap v | lvl="error" [1m])',
    stream: { app: 'p' },
    line: 'v=9 lvl=info',
  },
  {
    name: 'float unwrap',
    query: 'sum_over_time({app="p"} | logfmt | unwrap v [1m])',
    stream: { app: 'p' },
    line: 'v=1.5e3',
    expected: { value: 1500, labels: { app: 'p' } },
  },
];

describe('compileSampleExtractor', () => {
  it.each(cases)('$name', (c) => {
    const x = compileSampleExtractor(rangeOf(c.query)).forStream(stream(c.stream));
    const s = x.process(0, 0, c.line, []);
    if (c.expected === undefined) {
      expect(s).toBeUndefined();
      return;
    }
    expect(s).toBeDefined();
    expect(s!.value).toBe(c.expected.value);
    expect(obj(s!.labels)).toEqual(c.expected.labels);
  });

  it('elides line_format when the value ignores the line', () => {
    expect(() => compileSampleExtractor(rangeOf('count_over_time({app="a"} | line_format "{{ nosuchfunc }}" [1m])'))).not.toThrow();
    expect(() => compileSampleExtractor(rangeOf('bytes_over_time({app="a"} | line_format "{{ nosuchfunc }}" [1m])'))).toThrow(/not defined/);
    expect(() =>
      compileSampleExtractor(rangeOf('count_over_time({app="a"} | line_format "{{ nosuchfunc }}" |= "x" [1m])')),
    ).toThrow(/not defined/);
  });

  it('offers the leading line filters to the store', () => {
    const x = compileSampleExtractor(rangeOf('rate({app="a"} |= "err" | logfmt [1m])'));
    expect(x.needles).toEqual(['err']);
    expect(x.lineFilter!('no')).toBe(false);
  });
});

describe('parser hints', () => {
  // [query, keys the parsers are asked for (undefined: every key), keys they may skip]
  const cases: { query: string; wanted?: string[]; skipped?: string[] }[] = [
    { query: 'count_over_time({a="b"} | json [1m])' },
    { query: 'max_over_time({a="b"} | json | unwrap v [1m]) without (x)' },
    { query: 'max_over_time({a="b"} | json | line_format "{{.x}}" |= "y" | unwrap v [1m]) by (z)' },
    { query: 'max_over_time({a="b"} | json | status >= 500 | unwrap size [1m]) by (app)', wanted: ['status', 'app', 'size'], skipped: ['level', 'msg'] },
    // A parsed key that clashes with a stream label is stored as <key>_extracted: asking for that asks for the key.
    { query: 'max_over_time({a="b"} | json | unwrap size [1m]) by (a_extracted)', wanted: ['a', 'size'], skipped: ['b'] },
    { query: 'max_over_time({a="b"} | logfmt | unwrap took | took > 1 [1m]) by ()', wanted: ['took'], skipped: ['app'] },
    { query: 'absent_over_time({a="b"} | json | level="error" or code=~"5.." [1m])', wanted: ['level', 'code'], skipped: ['msg'] },
  ];
  it.each(cases)('$query', ({ query, wanted, skipped }) => {
    const expr = parseLogQL(query) as RangeAggregationExpr;
    const noLabels = (expr.grouping !== undefined && expr.grouping.labels.length === 0) || expr.op === 'absent_over_time';
    const hint = parserHints(expr.range.selector.stages, expr, noLabels);
    if (wanted === undefined) return expect(hint).toBeUndefined();
    for (const k of wanted) expect(hint!(k), k).toBe(true);
    for (const k of skipped ?? []) expect(hint!(k), k).toBe(false);
  });
});
