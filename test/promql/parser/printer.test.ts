// Proves that formatExpr prints what Prometheus 2.42's String() prints and that its output
// parses back to the same tree, and that prettyExpr splits long queries as Pretty(0) does.
import { describe, expect, it } from 'vitest';
import { formatDurationMs, formatExpr, parseDurationMs, parseExpr, prettyExpr, ParseError } from '../../../src/promql/parser/index.js';
import { prettyExprWithLimit } from '../../../src/promql/parser/prettier.js';
import { stripSorted } from './helpers.js';

/** [input, String() output or '' when it equals the input], after upstream's printer_test.go. */
const printed: ReadonlyArray<readonly [string, string]> = [
  ['sum by() (task:errors:rate10s{job="s"})', 'sum(task:errors:rate10s{job="s"})'],
  ['sum by(code) (task:errors:rate10s{job="s"})', 'sum by (code) (task:errors:rate10s{job="s"})'],
  ['sum without() (task:errors:rate10s{job="s"})', 'sum without () (task:errors:rate10s{job="s"})'],
  ['sum without(instance) (task:errors:rate10s{job="s"})', 'sum without (instance) (task:errors:rate10s{job="s"})'],
  ['topk(5, task:errors:rate10s{job="s"})', ''],
  ['count_values("value", task:errors:rate10s{job="s"})', ''],
  ['a - on() c', 'a - on () c'],
  ['a - on(b) c', 'a - on (b) c'],
  ['a - on(b) group_left(x) c', 'a - on (b) group_left (x) c'],
  ['a - on(b) group_left(x, y) c', 'a - on (b) group_left (x, y) c'],
  ['a - on(b) group_left c', 'a - on (b) group_left () c'],
  ['a - on(b) group_left() (c)', 'a - on (b) group_left () (c)'],
  ['a - ignoring(b) c', 'a - ignoring (b) c'],
  ['a - ignoring() c', 'a - c'],
  ['up > bool 0', ''],
  ['a offset 1m', ''],
  ['a offset -7m', ''],
  ['a{c="d"}[5m] offset 1m', ''],
  ['a[5m] offset 1m', ''],
  ['a[12m] offset -3m', ''],
  ['a[1h:5m] offset 1m', ''],
  ['{__name__="a"}', ''],
  ['a{b!="c"}[1m]', ''],
  ['a{b=~"c"}[1m]', ''],
  ['a{b!~"c"}[1m]', ''],
  ['a @ 10', 'a @ 10.000'],
  ['a[1m] @ 10', 'a[1m] @ 10.000'],
  ['a @ start()', ''],
  ['a @ end()', ''],
  ['a[1m] @ start()', ''],
  ['a[1m] @ end()', ''],
  // Beyond upstream's table: the same rules on more shapes.
  ['a offset 5m @ 1.5', 'a @ 1.500 offset 5m'],
  ['a @ -1.5 offset -5m', 'a @ -1.500 offset -5m'],
  ['a[5m:] @ end() offset 1h', ''],
  ['rate(a[1h30m])', ''],
  ['a[90m]', 'a[1h30m]'],
  ['a[120s]', 'a[2m]'],
  ['a[7d]', 'a[1w]'],
  ['a[8d]', 'a[8d]'],
  ['a[365d]', 'a[1y]'],
  ['a[1500ms]', 'a[1s500ms]'],
  ['foo{z="1", a="2", b!~"x"}', 'foo{a="2",b!~"x",z="1"}'],
  ['{z="1", a="2", __name__!="x"}', '{__name__!="x",a="2",z="1"}'],
  ['foo{a="b",}', 'foo{a="b"}'],
  ["foo{a='it\\'s'}", 'foo{a="it\'s"}'],
  ['foo{a=`\\d+`}', 'foo{a="\\\\d+"}'],
  ['"\\t\\x00é\\u2028"', '"\\t\\x00é\\u2028"'],
  ["'a\"b'", '"a\\"b"'],
  ['1', ''],
  ['-1', ''],
  ['1e6', '1e+06'],
  ['123456', ''],
  ['1234567', '1.234567e+06'],
  ['0.0001', ''],
  ['0.00001', '1e-05'],
  ['1.5e-7', '1.5e-07'],
  ['1e100', '1e+100'],
  ['0x10', '16'],
  ['Inf', '+Inf'],
  ['-inf', '-Inf'],
  ['NaN', ''],
  ['-2^2', '-2 ^ 2'],
  ['-(2^2)', '-(2 ^ 2)'],
  ['1 + -foo', ''],
  ['--foo', ''],
  ['+foo', ''],
  ['(1+2)*3', '(1 + 2) * 3'],
  ['foo and bar or baz unless qux', ''],
  ['foo AND bar', 'foo and bar'],
  ['foo == bool on(a) group_right(b) bar', 'foo == bool on (a) group_right (b) bar'],
  ['foo atan2 bar', ''],
  ['SUM(foo) BY (Job)', 'sum by (Job) (foo)'],
  ['quantile without(a, b) (0.9, foo)', 'quantile without (a, b) (0.9, foo)'],
  ['sum(rate(foo[5m])) by (job) / on(job) group_left sum(bar)', 'sum by (job) (rate(foo[5m])) / on (job) group_left () sum(bar)'],
  ['label_join(foo, "a", ",", "b", "c")', ''],
  ['time()', ''],
  ['min_over_time((foo + bar)[5m:10s])', ''],
  ['foo + ignoring() group_left(x) bar', 'foo + ignoring () group_left (x) bar'],
];

describe('formatExpr prints as String()', () => {
  it.each(printed)('%j', (input, output) => {
    expect(formatExpr(parseExpr(input))).toBe(output === '' ? input : output);
  });
});

/** Queries whose printed form must parse back to the same tree. */
const roundTrip: readonly string[] = [
  ...printed.map(([input]) => input),
  'foo',
  'foo:bar{a="b", c!~"d|e", f=~"g.*", h!="i"}',
  '{__name__=~"job:.*", job="x"}',
  'offset offset 5m',
  'sum by (sum, by, on, bool) (x)',
  'sum without (a) (x) + on (a) group_left (b, c) y',
  'topk by (a) (scalar(foo), bar)',
  'bottomk(5, foo @ start())',
  'count_values without (a) ("v", foo)',
  'absent_over_time(nonexistent{job="a"}[1m])',
  'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))',
  'label_replace(up, "foo", "$1", "service", "(.*):.*")',
  'clamp(foo, -1, +1)',
  'round(foo, 0.5) > bool 1',
  'holt_winters(foo[10m], 0.5, 0.5)',
  'quantile_over_time(0.5, foo[5m:1m] offset -1h)',
  'rate(foo[5m] @ 1609746000 offset 1d)',
  'foo[5m:] @ 100 offset 1m',
  '(foo)[1h:] offset 1m',
  'max_over_time(deriv(rate(foo[1m])[5m:1m])[10m:])',
  '1 + 2 * 3 - 4 / 5 % 6 ^ 7 ^ 8',
  '(1 + 2) * (3 - 4)',
  '-(-(1))',
  '- - -foo',
  '1 - -1',
  '2 ^ -1 ^ 2',
  '-foo ^ 2',
  'foo > bool 1 == bool 0',
  'foo and on () bar',
  'foo or ignoring (a, b) bar',
  'vector(time()) - foo',
  'foo @ 1.001',
  'foo @ -0.5',
  'foo offset 1y2w3d4h5m6s7ms',
  'foo[3w]',
  '"a\\nb\\\\c\\"d"',
  '`raw \\n string`',
  "'\\u00e9\\U0001F600'",
  '1e-300 * 1.7976931348623157e308',
  '0.1 + 0.2',
  '5e-324',
  '-0',
  'NaN + Inf - -Inf',
];

describe('round trip', () => {
  it.each(roundTrip)('%j', (input) => {
    const first = parseExpr(input);
    const text = formatExpr(first);
    const second = parseExpr(text);
    expect(stripSorted(second)).toEqual(stripSorted(first));
    // Printing is a fixed point after one round.
    expect(formatExpr(second)).toBe(text);
  });
});

/** [query, Pretty(0) with upstream's test limit of 10 bytes a line]. */
const prettyAt10: ReadonlyArray<readonly [string, string]> = [
  ['a+b', 'a + b'],
  ['a == bool 1', '  a\n== bool\n  1'],
  ['a + ignoring(job) b', '  a\n+ ignoring (job)\n  b'],
  ['foo_1 + foo_2', '  foo_1\n+\n  foo_2'],
  ['foo_1 + foo_2 + foo_3', '    foo_1\n  +\n    foo_2\n+\n  foo_3'],
  ['foo_1 + on(a) group_left(b) foo_2', '  foo_1\n+ on (a) group_left (b)\n  foo_2'],
  ['sum(foo)', 'sum(foo)'],
  ['sum by() (task:errors:rate10s{job="s"})', 'sum(\n  task:errors:rate10s{job="s"}\n)'],
  ['sum without(job,foo) (task:errors:rate10s{job="s"})', 'sum without (job, foo) (\n  task:errors:rate10s{job="s"}\n)'],
  ['sum(task:errors:rate10s{job="s"}) by (job)', 'sum by (job) (\n  task:errors:rate10s{job="s"}\n)'],
  ['topk(10, ask:errors:rate10s{job="s"})', 'topk(\n  10,\n  ask:errors:rate10s{job="s"}\n)'],
  ['sum(sum(sum(foo)))', 'sum(\n  sum(\n    sum(foo)\n  )\n)'],
  ['rate(foo[1m])', 'rate(\n  foo[1m]\n)'],
  [
    'label_replace(up{job="api-server",service="a:c"}, "foo", "$1", "service", "(.*):.*")',
    'label_replace(\n  up{job="api-server",service="a:c"},\n  "foo",\n  "$1",\n  "service",\n  "(.*):.*"\n)',
  ],
  ['(foo)', '(foo)'],
  ['((((foo))))', '(\n  (((foo)))\n)'],
  ['(foo_1 + foo_2)', '(\n    foo_1\n  +\n    foo_2\n)'],
  ['-1', '-1'],
  ['-vector_selector', '-vector_selector'],
  ['(-vector_selector)', '(\n  -vector_selector\n)'],
  ['-histogram_quantile(0.9,rate(foo[1m]))', '-histogram_quantile(\n  0.9,\n  rate(\n    foo[1m]\n  )\n)'],
  ['foo[5m:1m]', 'foo[5m:1m]'],
  // A subquery short enough to stay whole loses its indent, as in 2.42.
  ['rate(foo[5m:1m])', 'rate(\nfoo[5m:1m]\n)'],
  ['sum(foo)[5m:1m]', 'sum(foo)[5m:1m]'],
  ['sum(foo_bar)[5m:1m]', 'sum(\n  foo_bar\n)[5m:1m]'],
  ['a_long_metric_name', 'a_long_metric_name'],
  ['"a long string literal"', '"a long string literal"'],
];

describe('prettyExpr', () => {
  it.each(prettyAt10)('%j (limit 10)', (input, output) => {
    expect(prettyExprWithLimit(parseExpr(input), 10)).toBe(output);
  });

  it('leaves queries up to 100 bytes on one line, normalised', () => {
    expect(prettyExpr(parseExpr('foo/bar'))).toBe('foo / bar');
    expect(prettyExpr(parseExpr('sum(rate(foo[5m]))by(job)'))).toBe('sum by (job) (rate(foo[5m]))');
  });

  it('splits a query longer than 100 bytes', () => {
    const q =
      'sum by (job, instance) (rate(http_requests_total{job="api-server", handler="/api/v1/query", method="GET"}[5m])) / on (job) group_left sum by (job) (up)';
    expect(prettyExpr(parseExpr(q))).toBe(
      [
        '  sum by (job, instance) (',
        '    rate(http_requests_total{handler="/api/v1/query",job="api-server",method="GET"}[5m])',
        '  )',
        '/ on (job) group_left ()',
        '  sum by (job) (up)',
      ].join('\n'),
    );
  });

  it('output parses back to the same tree', () => {
    for (const q of roundTrip) {
      const e = parseExpr(q);
      expect(stripSorted(parseExpr(prettyExprWithLimit(e, 10))), q).toEqual(stripSorted(e));
    }
  });
});

describe('durations', () => {
  it.each([
    ['0', 0],
    ['1ms', 1],
    ['500ms', 500],
    ['1s', 1000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
    ['2w', 14 * 86_400_000],
    ['1y', 365 * 86_400_000],
    ['1y2w3d4h5m6s7ms', 365 * 86_400_000 + 14 * 86_400_000 + 3 * 86_400_000 + 4 * 3_600_000 + 5 * 60_000 + 6000 + 7],
    ['0s', 0],
    ['292y', 292 * 365 * 86_400_000],
  ])('parses %s', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each([
    ['', 'empty duration string'],
    ['5', 'not a valid duration string: "5"'],
    ['1.5h', 'not a valid duration string: "1.5h"'],
    ['-5m', 'not a valid duration string: "-5m"'],
    ['1m1h', 'not a valid duration string: "1m1h"'],
    ['1h1h', 'not a valid duration string: "1h1h"'],
    ['5M', 'not a valid duration string: "5M"'],
    ['300y', 'duration out of range'],
  ])('refuses %j', (text, message) => {
    expect(() => parseDurationMs(text)).toThrow(ParseError);
    expect(() => parseDurationMs(text)).toThrow(message);
  });

  it.each([
    [0, '0s'],
    [1, '1ms'],
    [1500, '1s500ms'],
    [90_000, '1m30s'],
    [5_400_000, '1h30m'],
    [86_400_000, '1d'],
    [7 * 86_400_000, '1w'],
    [90 * 86_400_000, '90d'],
    [365 * 86_400_000, '1y'],
    [366 * 86_400_000, '366d'],
    [14 * 86_400_000 + 1, '14d1ms'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDurationMs(ms)).toBe(text);
  });
});
