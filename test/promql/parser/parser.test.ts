// Proves that parseExpr reads every construct of Prometheus 2.42's PromQL into the tree
// upstream builds (rows after the behaviour of upstream's parse_test.go), and refuses bad
// queries with upstream's message and position.
import { describe, expect, it } from 'vitest';
import { ParseError, parseExpr, parseSeriesSelector, typeOf, FUNCTIONS } from '../../../src/promql/parser/index.js';
import { CairnError } from '../../../src/util/errors.js';
import { agg, bin, call, ms, num, paren, sbin, sq, str, strip, unary, vs, type Plain } from './helpers.js';

const MIN = 60_000;
const H = 60 * MIN;

interface Ok {
  input: string;
  expected: Plain;
}

const literals: Ok[] = [
  { input: '1', expected: num(1) },
  { input: '+Inf', expected: num(Infinity) },
  { input: '-Inf', expected: num(-Infinity) },
  { input: 'inf', expected: num(Infinity) },
  { input: 'iNf', expected: num(Infinity) },
  { input: 'NaN', expected: num(NaN) },
  { input: 'nan', expected: num(NaN) },
  { input: '-NaN', expected: num(NaN) },
  { input: '.5', expected: num(0.5) },
  { input: '5.', expected: num(5) },
  { input: '123.4567', expected: num(123.4567) },
  { input: '5e-3', expected: num(0.005) },
  { input: '5e3', expected: num(5000) },
  { input: '5E+3', expected: num(5000) },
  { input: '0x123', expected: num(0x123) },
  { input: '0XaBc', expected: num(0xabc) },
  { input: '0755', expected: num(0o755) },
  { input: '08', expected: num(8) },
  { input: '-0755', expected: num(-0o755) },
  { input: '+5.5e-3', expected: num(0.0055) },
  { input: '-5e3', expected: num(-5000) },
  { input: '- -1', expected: num(1) },
  { input: '99999999999999999999', expected: num(1e20) },
  { input: '"double-quoted string \\" with escaped quote"', expected: str('double-quoted string " with escaped quote') },
  { input: "'single-quoted string \\' with escaped quote'", expected: str("single-quoted string ' with escaped quote") },
  { input: '`backtick-quoted string`', expected: str('backtick-quoted string') },
  { input: '"\\a\\b\\f\\n\\r\\t\\v\\\\\\" - \\xFF\\377\\u1234\\U00010111\\U0001011111☺"', expected: str('\u0007\b\f\n\r\t\u000b\\" - \ufffd\ufffd\u1234\u{10111}\u{10111}11☺') },
  { input: "'\\a\\b\\f\\n\\r\\t\\v\\\\\\' - \\x41\\101'", expected: str("\u0007\b\f\n\r\t\u000b\\' - AA") },
  { input: '"\\xc3\\xa9"', expected: str('é') },
  { input: '`\\a\\b\\f\\n\\r\\t\\v\\\\\\"\\\' - \\xFF\\377\\u1234`', expected: str('\\a\\b\\f\\n\\r\\t\\v\\\\\\"\\\' - \\xFF\\377\\u1234') },
  { input: '"☺ multi-byte"', expected: str('☺ multi-byte') },
];

const arithmetic: Ok[] = [
  { input: '1 + 1', expected: sbin('+', num(1), num(1)) },
  { input: '1 - 1', expected: sbin('-', num(1), num(1)) },
  { input: '1 * 1', expected: sbin('*', num(1), num(1)) },
  { input: '1 % 1', expected: sbin('%', num(1), num(1)) },
  { input: '1 / 1', expected: sbin('/', num(1), num(1)) },
  { input: '1 atan2 1', expected: sbin('atan2', num(1), num(1)) },
  { input: '1 ATAN2 1', expected: sbin('atan2', num(1), num(1)) },
  { input: '1 == bool 1', expected: sbin('==', num(1), num(1), true) },
  { input: '1 != bool 1', expected: sbin('!=', num(1), num(1), true) },
  { input: '1 > bool 1', expected: sbin('>', num(1), num(1), true) },
  { input: '1 >= bool 1', expected: sbin('>=', num(1), num(1), true) },
  { input: '1 < bool 1', expected: sbin('<', num(1), num(1), true) },
  { input: '1 <= bool 1', expected: sbin('<=', num(1), num(1), true) },
  { input: '-1 * 2', expected: sbin('*', num(-1), num(2)) },
  { input: '1 + -2', expected: sbin('+', num(1), num(-2)) },
  { input: '-2^2', expected: unary('-', sbin('^', num(2), num(2))) },
  { input: '+2^2', expected: unary('+', sbin('^', num(2), num(2))) },
  { input: '2^3^2', expected: sbin('^', num(2), sbin('^', num(3), num(2))) },
  { input: '2 ^ -1', expected: sbin('^', num(2), num(-1)) },
  { input: '1 - 2 - 3', expected: sbin('-', sbin('-', num(1), num(2)), num(3)) },
  { input: '1 + 2 * 3', expected: sbin('+', num(1), sbin('*', num(2), num(3))) },
  { input: '1 * 2 + 3', expected: sbin('+', sbin('*', num(1), num(2)), num(3)) },
  { input: '2 * 3 ^ 2', expected: sbin('*', num(2), sbin('^', num(3), num(2))) },
  { input: '1 + 2 > bool 3', expected: sbin('>', sbin('+', num(1), num(2)), num(3), true) },
  { input: '(1 + 2) * 3', expected: sbin('*', paren(sbin('+', num(1), num(2))), num(3)) },
  { input: '-(1)', expected: unary('-', paren(num(1))) },
  { input: '((1))', expected: paren(paren(num(1))) },
  { input: '1 + 2/(3*1)', expected: sbin('+', num(1), sbin('/', num(2), paren(sbin('*', num(3), num(1))))) },
  { input: '1 < bool 2 - 1 * 2', expected: sbin('<', num(1), sbin('-', num(2), sbin('*', num(1), num(2))), true) },
  { input: '-some_metric', expected: unary('-', vs('some_metric')) },
  { input: '+some_metric', expected: unary('+', vs('some_metric')) },
  { input: ' +some_metric', expected: unary('+', vs('some_metric')) },
  { input: '-a ^ b', expected: unary('-', bin('^', vs('a'), vs('b'))) },
  { input: '-a * b', expected: bin('*', unary('-', vs('a')), vs('b')) },
  { input: 'a ^ -b * c', expected: bin('*', bin('^', vs('a'), unary('-', vs('b'))), vs('c')) },
  { input: '1 # comment\n+ 2', expected: sbin('+', num(1), num(2)) },
  { input: '# leading comment\nfoo', expected: vs('foo') },
];

const vectorBinary: Ok[] = [
  { input: 'foo * bar', expected: bin('*', vs('foo'), vs('bar')) },
  { input: 'foo * sum', expected: bin('*', vs('foo'), vs('sum')) },
  { input: 'foo == 1', expected: sbin('==', vs('foo'), num(1)) },
  { input: 'foo == bool 1', expected: sbin('==', vs('foo'), num(1), true) },
  { input: '2.5 / bar', expected: sbin('/', num(2.5), vs('bar')) },
  { input: 'foo and bar', expected: bin('and', vs('foo'), vs('bar')) },
  { input: 'foo or bar', expected: bin('or', vs('foo'), vs('bar')) },
  { input: 'foo unless bar', expected: bin('unless', vs('foo'), vs('bar')) },
  { input: 'foo AND bar', expected: bin('and', vs('foo'), vs('bar')) },
  {
    input: 'foo + bar or bla and blub',
    expected: bin('or', bin('+', vs('foo'), vs('bar')), bin('and', vs('bla'), vs('blub'))),
  },
  {
    input: 'foo and bar unless baz or qux',
    expected: bin('or', bin('unless', bin('and', vs('foo'), vs('bar')), vs('baz')), vs('qux')),
  },
  {
    input: 'bar + on(foo) bla / on(baz, buz) group_right(test) blub',
    expected: bin('+', vs('bar'), bin('/', vs('bla'), vs('blub'), { on: ['baz', 'buz'], card: 'one-to-many', include: ['test'] }), { on: ['foo'] }),
  },
  { input: 'foo * on(test,blub) bar', expected: bin('*', vs('foo'), vs('bar'), { on: ['test', 'blub'] }) },
  { input: 'foo * on(test,blub) group_left bar', expected: bin('*', vs('foo'), vs('bar'), { on: ['test', 'blub'], card: 'many-to-one' }) },
  { input: 'foo and on(test,blub) bar', expected: bin('and', vs('foo'), vs('bar'), { on: ['test', 'blub'] }) },
  { input: 'foo and on() bar', expected: bin('and', vs('foo'), vs('bar'), { on: [] }) },
  { input: 'foo and ignoring(test,blub) bar', expected: bin('and', vs('foo'), vs('bar'), { ignoring: ['test', 'blub'] }) },
  { input: 'foo and ignoring() bar', expected: bin('and', vs('foo'), vs('bar'), { ignoring: [] }) },
  { input: 'foo unless on(bar) baz', expected: bin('unless', vs('foo'), vs('baz'), { on: ['bar'] }) },
  {
    input: 'foo / on(test,blub) group_left(bar) bar',
    expected: bin('/', vs('foo'), vs('bar'), { on: ['test', 'blub'], card: 'many-to-one', include: ['bar'] }),
  },
  {
    input: 'foo / ignoring(test,blub) group_left(blub) bar',
    expected: bin('/', vs('foo'), vs('bar'), { ignoring: ['test', 'blub'], card: 'many-to-one', include: ['blub'] }),
  },
  {
    input: 'foo - on(test,blub) group_right(bar,foo) bar',
    expected: bin('-', vs('foo'), vs('bar'), { on: ['test', 'blub'], card: 'one-to-many', include: ['bar', 'foo'] }),
  },
  {
    input: 'foo - ignoring(test,blub) group_right(bar,foo) bar',
    expected: bin('-', vs('foo'), vs('bar'), { ignoring: ['test', 'blub'], card: 'one-to-many', include: ['bar', 'foo'] }),
  },
  {
    input: 'foo * on(a) group_left() (bar)',
    expected: bin('*', vs('foo'), paren(vs('bar')), { on: ['a'], card: 'many-to-one', include: [] }),
  },
  { input: 'foo > bool on(a) bar', expected: bin('>', vs('foo'), vs('bar'), { bool: true, on: ['a'] }) },
  { input: 'foo == bool ignoring(a) group_left(b) bar', expected: bin('==', vs('foo'), vs('bar'), { bool: true, ignoring: ['a'], card: 'many-to-one', include: ['b'] }) },
  { input: 'foo + on(bool, by, group_left) bar', expected: bin('+', vs('foo'), vs('bar'), { on: ['bool', 'by', 'group_left'] }) },
  { input: '1 + on() foo', expected: sbin('+', num(1), vs('foo')) },
  { input: 'foo + ignoring() group_left(x) bar', expected: bin('+', vs('foo'), vs('bar'), { ignoring: [], card: 'many-to-one', include: ['x'] }) },
];

const selectors: Ok[] = [
  { input: 'foo', expected: vs('foo') },
  { input: 'min', expected: vs('min') },
  { input: 'by', expected: vs('by') },
  { input: 'offset', expected: vs('offset') },
  { input: 'start', expected: vs('start') },
  { input: 'end', expected: vs('end') },
  { input: 'and', expected: vs('and') },
  { input: 'SUM', expected: vs('SUM') },
  { input: 'foo:bar:baz', expected: vs('foo:bar:baz') },
  { input: ':foo', expected: vs(':foo') },
  { input: 'foo{}', expected: vs('foo') },
  { input: 'foo offset 5m', expected: vs('foo', [], { offsetMs: 5 * MIN }) },
  { input: 'foo offset -7m', expected: vs('foo', [], { offsetMs: -7 * MIN }) },
  { input: 'foo OFFSET 1h30m', expected: vs('foo', [], { offsetMs: 90 * MIN }) },
  { input: 'foo OFFSET 1m30ms', expected: vs('foo', [], { offsetMs: MIN + 30 }) },
  { input: 'offset offset 5m', expected: vs('offset', [], { offsetMs: 5 * MIN }) },
  { input: 'foo @ 1603774568', expected: vs('foo', [], { at: { kind: 'time', t: 1603774568000 } }) },
  { input: 'foo @ -100', expected: vs('foo', [], { at: { kind: 'time', t: -100000 } }) },
  { input: 'foo @ .3', expected: vs('foo', [], { at: { kind: 'time', t: 300 } }) },
  { input: 'foo @ 3.', expected: vs('foo', [], { at: { kind: 'time', t: 3000 } }) },
  { input: 'foo @ 3.33', expected: vs('foo', [], { at: { kind: 'time', t: 3330 } }) },
  { input: 'foo @ 3.3333', expected: vs('foo', [], { at: { kind: 'time', t: 3333 } }) },
  { input: 'foo @ 3.3335', expected: vs('foo', [], { at: { kind: 'time', t: 3334 } }) },
  { input: 'foo @ 3e2', expected: vs('foo', [], { at: { kind: 'time', t: 300000 } }) },
  { input: 'foo @ 3e-1', expected: vs('foo', [], { at: { kind: 'time', t: 300 } }) },
  { input: 'foo @ 0xA', expected: vs('foo', [], { at: { kind: 'time', t: 10000 } }) },
  { input: 'foo @ -3.3e1', expected: vs('foo', [], { at: { kind: 'time', t: -33000 } }) },
  { input: 'foo @ +5', expected: vs('foo', [], { at: { kind: 'time', t: 5000 } }) },
  { input: 'foo @ start()', expected: vs('foo', [], { at: { kind: 'start' } }) },
  { input: 'foo @ end()', expected: vs('foo', [], { at: { kind: 'end' } }) },
  { input: 'foo @ 10 offset 5m', expected: vs('foo', [], { offsetMs: 5 * MIN, at: { kind: 'time', t: 10000 } }) },
  { input: 'foo offset 5m @ 10', expected: vs('foo', [], { offsetMs: 5 * MIN, at: { kind: 'time', t: 10000 } }) },
  { input: 'foo:bar{a="bc"}', expected: vs('foo:bar', [['=', 'a', 'bc']]) },
  { input: 'foo{NaN=\'bc\'}', expected: vs('foo', [['=', 'NaN', 'bc']]) },
  { input: 'foo{bar=\'}\'}', expected: vs('foo', [['=', 'bar', '}']]) },
  {
    input: 'foo{a="b", foo!="bar", test=~"test", bar!~"baz"}',
    expected: vs('foo', [['=', 'a', 'b'], ['!=', 'foo', 'bar'], ['=~', 'test', 'test'], ['!~', 'bar', 'baz']]),
  },
  {
    input: 'foo{a="b", foo!="bar", test=~"test", bar!~"baz",}',
    expected: vs('foo', [['=', 'a', 'b'], ['!=', 'foo', 'bar'], ['=~', 'test', 'test'], ['!~', 'bar', 'baz']]),
  },
  { input: '{__name__=~"bar"}', expected: vs('', [['=~', '__name__', 'bar']]) },
  { input: '{__name__="bar"}', expected: vs('', [['=', '__name__', 'bar']]) },
  { input: '{foo="bar",}', expected: vs('', [['=', 'foo', 'bar']]) },
  { input: '{x!=""}', expected: vs('', [['!=', 'x', '']]) },
  { input: '{x=~".+"}', expected: vs('', [['=~', 'x', '.+']]) },
  { input: '{sum="x", offset="y", by="z"}', expected: vs('', [['=', 'sum', 'x'], ['=', 'offset', 'y'], ['=', 'by', 'z']]) },
  { input: 'foo{ # comment\n a="b"}', expected: vs('foo', [['=', 'a', 'b']]) },
  { input: 'test[5s]', expected: ms(vs('test'), 5000) },
  { input: 'test[5m]', expected: ms(vs('test'), 5 * MIN) },
  { input: 'test[5m30s]', expected: ms(vs('test'), 5 * MIN + 30000) },
  { input: 'test[5h] OFFSET 5m', expected: ms(vs('test', [], { offsetMs: 5 * MIN }), 5 * H) },
  { input: 'test[5d] OFFSET 10s', expected: ms(vs('test', [], { offsetMs: 10000 }), 5 * 24 * H) },
  { input: 'test[5w] offset 2w', expected: ms(vs('test', [], { offsetMs: 14 * 24 * H }), 35 * 24 * H) },
  { input: 'test[ 5y]', expected: ms(vs('test'), 5 * 365 * 24 * H) },
  { input: 'test[5y ]', expected: ms(vs('test'), 5 * 365 * 24 * H) },
  { input: 'test{a="b"}[5y] OFFSET 3d', expected: ms(vs('test', [['=', 'a', 'b']], { offsetMs: 3 * 24 * H }), 5 * 365 * 24 * H) },
  { input: 'test[100ms]', expected: ms(vs('test'), 100) },
  { input: 'test[5m] @ 10', expected: ms(vs('test', [], { at: { kind: 'time', t: 10000 } }), 5 * MIN) },
  { input: 'test[5m] @ end() offset -1m', expected: ms(vs('test', [], { at: { kind: 'end' }, offsetMs: -MIN }), 5 * MIN) },
  { input: 'test @ start() [5m]', expected: ms(vs('test', [], { at: { kind: 'start' } }), 5 * MIN) },
];

const aggregations: Ok[] = [
  { input: 'sum by (foo)(some_metric)', expected: agg('sum', vs('some_metric'), { by: ['foo'] }) },
  { input: 'avg by (foo)(some_metric)', expected: agg('avg', vs('some_metric'), { by: ['foo'] }) },
  { input: 'max by (foo)(some_metric)', expected: agg('max', vs('some_metric'), { by: ['foo'] }) },
  { input: 'sum without (foo) (some_metric)', expected: agg('sum', vs('some_metric'), { without: ['foo'] }) },
  { input: 'sum (some_metric) without (foo)', expected: agg('sum', vs('some_metric'), { without: ['foo'] }) },
  { input: 'stddev(some_metric)', expected: agg('stddev', vs('some_metric')) },
  { input: 'stdvar by (foo)(some_metric)', expected: agg('stdvar', vs('some_metric'), { by: ['foo'] }) },
  { input: 'sum by ()(some_metric)', expected: agg('sum', vs('some_metric')) },
  { input: 'sum by (foo,bar,)(some_metric)', expected: agg('sum', vs('some_metric'), { by: ['foo', 'bar'] }) },
  { input: 'sum by (foo,)(some_metric)', expected: agg('sum', vs('some_metric'), { by: ['foo'] }) },
  { input: 'sum without () (some_metric)', expected: agg('sum', vs('some_metric'), { without: [] }) },
  { input: 'sum(some_metric) by (foo)', expected: agg('sum', vs('some_metric'), { by: ['foo'] }) },
  { input: 'SUM BY (foo) (some_metric)', expected: agg('sum', vs('some_metric'), { by: ['foo'] }) },
  { input: 'group(some_metric)', expected: agg('group', vs('some_metric')) },
  { input: 'min(some_metric)', expected: agg('min', vs('some_metric')) },
  { input: 'count by (foo)(some_metric)', expected: agg('count', vs('some_metric'), { by: ['foo'] }) },
  { input: 'topk(5, some_metric)', expected: agg('topk', vs('some_metric'), { param: num(5) }) },
  { input: 'bottomk by (a) (5, some_metric)', expected: agg('bottomk', vs('some_metric'), { param: num(5), by: ['a'] }) },
  { input: 'count_values("value", some_metric)', expected: agg('count_values', vs('some_metric'), { param: str('value') }) },
  { input: 'quantile(0.9, some_metric) without (a)', expected: agg('quantile', vs('some_metric'), { param: num(0.9), without: ['a'] }) },
  { input: 'topk(scalar(foo), some_metric)', expected: agg('topk', vs('some_metric'), { param: call('scalar', vs('foo')) }) },
  {
    input: 'sum without(and, by, avg, count, alert, annotations)(some_metric)',
    expected: agg('sum', vs('some_metric'), { without: ['and', 'by', 'avg', 'count', 'alert', 'annotations'] }),
  },
  { input: 'sum by (start, end, on, atan2)(x)', expected: agg('sum', vs('x'), { by: ['start', 'end', 'on', 'atan2'] }) },
];

const calls: Ok[] = [
  { input: 'time()', expected: call('time') },
  { input: 'pi()', expected: call('pi') },
  { input: 'floor(some_metric{foo!="bar"})', expected: call('floor', vs('some_metric', [['!=', 'foo', 'bar']])) },
  { input: 'rate(some_metric[5m])', expected: call('rate', ms(vs('some_metric'), 5 * MIN)) },
  { input: 'round(some_metric)', expected: call('round', vs('some_metric')) },
  { input: 'round(some_metric, 5)', expected: call('round', vs('some_metric'), num(5)) },
  { input: 'hour()', expected: call('hour') },
  { input: 'label_join(a, "d", ",", "s1", "s2", "s3")', expected: call('label_join', vs('a'), str('d'), str(','), str('s1'), str('s2'), str('s3')) },
  { input: 'label_replace(a, "d", "$1", "s", "(.*)")', expected: call('label_replace', vs('a'), str('d'), str('$1'), str('s'), str('(.*)')) },
  { input: 'histogram_quantile(0.9, rate(x[5m]))', expected: call('histogram_quantile', num(0.9), call('rate', ms(vs('x'), 5 * MIN))) },
  { input: 'vector(1)', expected: call('vector', num(1)) },
  { input: 'scalar(foo) > bool 1', expected: sbin('>', call('scalar', vs('foo')), num(1), true) },
  { input: 'rate (x[5m])', expected: call('rate', ms(vs('x'), 5 * MIN)) },
];

const subqueries: Ok[] = [
  { input: 'foo{bar="baz"}[10m:6s]', expected: sq(vs('foo', [['=', 'bar', 'baz']]), 10 * MIN, 6000) },
  { input: 'foo{bar="baz"}[10m5s:1h6ms]', expected: sq(vs('foo', [['=', 'bar', 'baz']]), 10 * MIN + 5000, H + 6) },
  { input: 'foo[10m:]', expected: sq(vs('foo'), 10 * MIN) },
  { input: 'foo[10m : 1m]', expected: sq(vs('foo'), 10 * MIN, MIN) },
  {
    input: 'min_over_time(rate(foo{bar="baz"}[2s])[5m:5s])',
    expected: call('min_over_time', sq(call('rate', ms(vs('foo', [['=', 'bar', 'baz']]), 2000)), 5 * MIN, 5000)),
  },
  {
    input: 'min_over_time(rate(foo{bar="baz"}[2s])[5m:])[4m:3s]',
    expected: sq(call('min_over_time', sq(call('rate', ms(vs('foo', [['=', 'bar', 'baz']]), 2000)), 5 * MIN)), 4 * MIN, 3000),
  },
  {
    input: 'min_over_time(rate(foo{bar="baz"}[2s])[5m:] offset 4m)[4m:3s]',
    expected: sq(call('min_over_time', sq(call('rate', ms(vs('foo', [['=', 'bar', 'baz']]), 2000)), 5 * MIN, 0, { offsetMs: 4 * MIN })), 4 * MIN, 3000),
  },
  {
    input: 'min_over_time(rate(foo{bar="baz"}[2s])[5m:] @ 1603775091)[4m:3s]',
    expected: sq(call('min_over_time', sq(call('rate', ms(vs('foo', [['=', 'bar', 'baz']]), 2000)), 5 * MIN, 0, { at: { kind: 'time', t: 1603775091000 } })), 4 * MIN, 3000),
  },
  {
    input: 'sum without(and, by, avg, count, alert, annotations)(some_metric) [30m:10s]',
    expected: sq(agg('sum', vs('some_metric'), { without: ['and', 'by', 'avg', 'count', 'alert', 'annotations'] }), 30 * MIN, 10000),
  },
  { input: 'some_metric OFFSET 1m [10m:5s]', expected: sq(vs('some_metric', [], { offsetMs: MIN }), 10 * MIN, 5000) },
  { input: 'some_metric @ 123 [10m:5s]', expected: sq(vs('some_metric', [], { at: { kind: 'time', t: 123000 } }), 10 * MIN, 5000) },
  { input: 'some_metric @ 123 offset 1m [10m:5s]', expected: sq(vs('some_metric', [], { at: { kind: 'time', t: 123000 }, offsetMs: MIN }), 10 * MIN, 5000) },
  { input: '(foo + bar{nm="val"})[5m:]', expected: sq(paren(bin('+', vs('foo'), vs('bar', [['=', 'nm', 'val']]))), 5 * MIN) },
  { input: '(foo + bar{nm="val"})[5m:] offset 10m', expected: sq(paren(bin('+', vs('foo'), vs('bar', [['=', 'nm', 'val']]))), 5 * MIN, 0, { offsetMs: 10 * MIN }) },
  { input: '(foo + bar{nm="val"} @ 1234)[5m:] @ 1603775019', expected: sq(paren(bin('+', vs('foo'), vs('bar', [['=', 'nm', 'val']], { at: { kind: 'time', t: 1234000 } }))), 5 * MIN, 0, { at: { kind: 'time', t: 1603775019000 } }) },
  { input: 'foo[5m:] @ start() offset -1m', expected: sq(vs('foo'), 5 * MIN, 0, { at: { kind: 'start' }, offsetMs: -MIN }) },
  { input: 'a + max_over_time(b[5m:])', expected: bin('+', vs('a'), call('max_over_time', sq(vs('b'), 5 * MIN))) },
];

describe('parseExpr accepts', () => {
  const groups: Record<string, Ok[]> = { literals, arithmetic, vectorBinary, selectors, aggregations, calls, subqueries };
  for (const [group, rows] of Object.entries(groups)) {
    it.each(rows)(`${group}: $input`, ({ input, expected }) => {
      expect(strip(parseExpr(input))).toEqual(expected);
    });
  }
});

/** Every row: the exact text of Prometheus 2.42's error, position included. */
const errors: ReadonlyArray<readonly [string, string]> = [
  // Lexer.
  ['', '1:1: parse error: no expression found in input'],
  ['# just a comment', '1:1: parse error: no expression found in input'],
  ['(1', '1:3: parse error: unclosed left parenthesis'],
  ['((1)', '1:5: parse error: unclosed left parenthesis'],
  ['(1))', '1:5: parse error: unexpected right parenthesis \')\''],
  ['1 !~ 1', "1:3: parse error: unexpected character after '!': '~'"],
  ['1 =~ 1', "1:3: parse error: unexpected character after '=': '~'"],
  ['foo ! bar', "1:5: parse error: unexpected character after '!': ' '"],
  ['foo$', "1:4: parse error: unexpected character: '$'"],
  ['foo{', '1:5: parse error: unexpected end of input inside braces'],
  ['foo{a="b"', '1:10: parse error: unexpected end of input inside braces'],
  ['foo{a{', "1:6: parse error: unexpected left brace '{'"],
  ['foo{a!b="c"}', "1:6: parse error: unexpected character after '!' inside braces: 'b'"],
  ['foo{a*"c"}', "1:6: parse error: unexpected character inside braces: '*'"],
  ['foo]', "1:4: parse error: unexpected right bracket ']'"],
  ['foo[5m', '1:7: parse error: unclosed left bracket'],
  ['foo[5m[', "1:7: parse error: unexpected left bracket '['"],
  ['x[5]', '1:3: parse error: missing unit character in duration'],
  ['x[]', '1:3: parse error: missing unit character in duration'],
  ['x[5x]', '1:3: parse error: bad duration syntax: "5"'],
  ['x[5mm]', '1:3: parse error: bad duration syntax: "5mm"'],
  ['x[5m:1m:1m]', "1:8: parse error: unexpected colon ':'"],
  ['1_000', '1:1: parse error: bad number or duration syntax: "1"'],
  ['"\\q"', "1:1: parse error: unknown escape sequence U+0071 'q'"],
  ["'\\\"'", "1:1: parse error: unknown escape sequence U+0022 '\"'"],
  ['"\\xZZ"', "1:1: parse error: illegal character U+005A 'Z' in escape sequence"],
  ['"\\uD800"', '1:1: parse error: escape sequence is an invalid Unicode code point'],
  ['"\\U00110000"', '1:1: parse error: escape sequence is an invalid Unicode code point'],
  ['"\\', '1:1: parse error: escape sequence not terminated'],
  ['"abc', '1:1: parse error: unterminated quoted string'],
  ['"a\nb"', '1:1: parse error: unterminated quoted string'],
  ['`abc', '1:1: parse error: unterminated raw string'],
  // Numbers and durations.
  ['1e', '1:1: parse error: error parsing number: strconv.ParseFloat: parsing "1e": invalid syntax'],
  ['1e400', '1:1: parse error: error parsing number: strconv.ParseFloat: parsing "1e400": value out of range'],
  ['0x', '1:1: parse error: error parsing number: strconv.ParseFloat: parsing "0x": invalid syntax'],
  ['1.5.5', '1:4: parse error: unexpected number ".5"'],
  ['5m', '1:1: parse error: unexpected duration "5m"'],
  ['x[0s]', '1:3: parse error: duration must be greater than 0'],
  ['x[5m:0s]', '1:6: parse error: duration must be greater than 0'],
  ['foo offset 0s', '1:12: parse error: duration must be greater than 0'],
  ['x[1.5h]', '1:3: parse error: not a valid duration string: "1.5h"'],
  ['x[1m1h]', '1:3: parse error: not a valid duration string: "1m1h"'],
  ['x[1hs]', '1:3: parse error: not a valid duration string: "1hs"'],
  ['x[300y]', '1:3: parse error: duration out of range'],
  // Generic syntax errors.
  ['1 +', '1:4: parse error: unexpected end of input'],
  ['1 + * 2', '1:5: parse error: unexpected <op:*>'],
  ['*test', '1:1: parse error: unexpected <op:*>'],
  ['foo\n+\n  ', '3:3: parse error: unexpected end of input'],
  ['foo\n+ bar{', '2:7: parse error: unexpected end of input inside braces'],
  ['foo bar', '1:5: parse error: unexpected identifier "bar"'],
  ['foo "a very long string indeed"', '1:5: parse error: unexpected string "\\"a very lo"...'],
  ['foo 1', '1:5: parse error: unexpected number "1"'],
  ['atan2', '1:1: parse error: unexpected <op:atan2>'],
  ['bool', '1:1: parse error: unexpected <bool>'],
  ['a - on(b) ignoring(c) d', '1:11: parse error: unexpected <ignoring>'],
  ['x == on (a) bool y', '1:13: parse error: unexpected <bool>'],
  ['foo * group_left bar', '1:7: parse error: unexpected <group_left>'],
  ['rate(1 +)', '1:9: parse error: unexpected ")"'],
  ['(foo bar)', '1:6: parse error: unexpected identifier "bar"'],
  ['foo[5m] offset 5m offset 5m', '1:1: parse error: offset may not be set multiple times'],
  // Aggregations.
  ['sum foo', '1:5: parse error: unexpected identifier "foo"'],
  ['sum some_metric by (test)', '1:5: parse error: unexpected identifier "some_metric"'],
  ['sum by (a) foo', '1:12: parse error: unexpected identifier "foo" in aggregation'],
  ['sum by (a)', '1:11: parse error: unexpected end of input in aggregation'],
  ['sum(1 +)', '1:8: parse error: unexpected ")" in aggregation'],
  ['sum(rate(x +))', '1:13: parse error: unexpected ")" in aggregation'],
  ['sum(,)', '1:5: parse error: unexpected "," in aggregation'],
  ['sum(x) by (a) by (b)', '1:15: parse error: unexpected <by>'],
  ['sum(x', '1:6: parse error: unclosed left parenthesis'],
  ['sum(some_metric) by (test', '1:26: parse error: unclosed left parenthesis'],
  ['sum()', '1:1: parse error: no arguments for aggregate expression provided'],
  ['sum(a, b)', '1:1: parse error: wrong number of arguments for aggregate expression provided, expected 1, got 2'],
  ['topk(1)', '1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1'],
  ['topk(some_metric)', '1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1'],
  ['sum(a,)', '1:6: parse error: trailing commas not allowed in function call args'],
  ['topk(some_metric, other_metric)', '1:6: parse error: expected type scalar in aggregation parameter, got instant vector'],
  ['count_values(5, other_metric)', '1:14: parse error: expected type string in aggregation parameter, got scalar'],
  ['quantile("a", foo)', '1:10: parse error: expected type scalar in aggregation parameter, got string'],
  ['sum(1)', '1:5: parse error: expected type instant vector in aggregation expression, got scalar'],
  ['sum(foo[5m])', '1:5: parse error: expected type instant vector in aggregation expression, got range vector'],
  ['sum by (foo:bar) (x)', '1:9: parse error: unexpected metric identifier "foo:bar" in grouping opts, expected label'],
  ['sum by (a b) (x)', '1:11: parse error: unexpected identifier "b" in grouping opts, expected "," or ")"'],
  ['sum by (,) (x)', '1:9: parse error: unexpected "," in grouping opts, expected label'],
  ['sum by (1) (x)', '1:9: parse error: unexpected number "1" in grouping opts, expected label'],
  ['sum by foo (x)', '1:8: parse error: unexpected identifier "foo" in grouping opts, expected "("'],
  ['sum without(==)', '1:13: parse error: unexpected <op:==> in grouping opts, expected label'],
  ['sum without(,)', '1:13: parse error: unexpected "," in grouping opts, expected label'],
  ['sum without (without) (x)', '1:14: parse error: unexpected <without> in grouping opts, expected label'],
  ['foo + on bar', '1:10: parse error: unexpected identifier "bar" in grouping opts, expected "("'],
  ['foo + on(a) group_left(b c) bar', '1:26: parse error: unexpected identifier "c" in grouping opts, expected "," or ")"'],
  // Label matchers.
  ['foo{a=}', '1:7: parse error: unexpected "}" in label matching, expected string'],
  ['foo{a=b}', '1:7: parse error: unexpected identifier "b" in label matching, expected string'],
  ['foo{a}', '1:6: parse error: unexpected "}" in label matching, expected label matching operator'],
  ['foo{a="b" c="d"}', '1:11: parse error: unexpected identifier "c" in label matching, expected "," or "}"'],
  ['foo{,}', '1:5: parse error: unexpected "," in label matching, expected identifier or "}"'],
  ['foo{"a"="b"}', '1:5: parse error: unexpected string "\\"a\\"" in label matching, expected identifier or "}"'],
  ['{}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ['{x=""}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ['{x=~".*"}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ['{x!~".+"}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ['{x="",y=~".*"}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ['foo{__name__="bar"}', '1:1: parse error: metric name must not be set twice: "foo" or "bar"'],
  ['foo{__name__= "bar"} + 1', '1:1: parse error: metric name must not be set twice: "foo" or "bar"'],
  // Ranges, subqueries, offset, @.
  ['x[5m:1]', '1:6: parse error: unexpected number "1" in subquery selector, expected duration or "]"'],
  ['x[5m 1m]', '1:6: parse error: unexpected duration "1m" in subquery or range, expected ":" or "]"'],
  ['x[5m:1m 1m]', '1:9: parse error: unexpected duration "1m" in subquery selector, expected "]"'],
  ['(foo)[5m]', '1:6: parse error: ranges only allowed for vector selectors'],
  ['1[5m]', '1:2: parse error: ranges only allowed for vector selectors'],
  ['foo[5m][5m]', '1:8: parse error: ranges only allowed for vector selectors'],
  ['foo offset 5m [5m]', '1:15: parse error: no offset modifiers allowed before range'],
  ['foo @ 1 [5m]', '1:9: parse error: no @ modifiers allowed before range'],
  ['foo[5m:][5m:]', '1:1: parse error: subquery is only allowed on instant vector, got matrix instead'],
  ['"x"[5m:]', '1:1: parse error: subquery is only allowed on instant vector, got string instead'],
  ['1 offset 1d', '1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery'],
  ['sum(x) offset 5m', '1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery'],
  ['foo offset 1s offset 2d', '1:1: parse error: offset may not be set multiple times'],
  ['foo[5m:] offset 1s offset 2d', '1:1: parse error: offset may not be set multiple times'],
  ['a offset', '1:9: parse error: unexpected end of input in offset, expected duration'],
  ['a offset -x', '1:11: parse error: unexpected identifier "x" in offset, expected duration'],
  ['a offset 5', '1:10: parse error: unexpected number "5" in offset, expected duration'],
  ['foo @ start(', '1:13: parse error: unclosed left parenthesis'],
  ['foo @ start', '1:12: parse error: unexpected end of input in @, expected timestamp'],
  ['foo @ -', '1:8: parse error: unexpected end of input in @, expected timestamp'],
  ['foo @ bar', '1:7: parse error: unexpected identifier "bar" in @, expected timestamp'],
  ['foo @ Inf', '1:1: parse error: timestamp out of bounds for @ modifier: +Inf'],
  ['foo @ -Inf', '1:1: parse error: timestamp out of bounds for @ modifier: -Inf'],
  ['foo @ NaN', '1:1: parse error: timestamp out of bounds for @ modifier: NaN'],
  ['foo @ 1e19', '1:1: parse error: timestamp out of bounds for @ modifier: 10000000000000000000.000000'],
  ['foo @ 1 @ 2', '1:1: parse error: @ <timestamp> may not be set multiple times'],
  ['foo @ start() @ end()', '1:1: parse error: @ <timestamp> may not be set multiple times'],
  ['foo[5m:] @ 1 @ 2', '1:1: parse error: @ <timestamp> may not be set multiple times'],
  ['sum(x) @ 1', '1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery'],
  ['rate(x[5m]) @ end()', '1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery'],
  // Binary operator type checks.
  ['1 == 1', '1:3: parse error: comparisons between scalars must use BOOL modifier'],
  ['1 > 1', '1:3: parse error: comparisons between scalars must use BOOL modifier'],
  ['1 + bool 1', '1:3: parse error: bool modifier can only be used on comparison operators'],
  ['foo + bool bar', '1:5: parse error: bool modifier can only be used on comparison operators'],
  ['foo and bool bar', '1:5: parse error: bool modifier can only be used on comparison operators'],
  ['foo and 1', '1:1: parse error: set operator "and" not allowed in binary scalar expression'],
  ['1 and foo', '1:1: parse error: set operator "and" not allowed in binary scalar expression'],
  ['foo or 1', '1:1: parse error: set operator "or" not allowed in binary scalar expression'],
  ['1 unless foo', '1:1: parse error: set operator "unless" not allowed in binary scalar expression'],
  ['1 or on(bar) foo', '1:1: parse error: vector matching only allowed between instant vectors'],
  ['foo == on(bar) 10', '1:1: parse error: vector matching only allowed between instant vectors'],
  ['foo + on(bar) group_left(baz) 1', '1:1: parse error: vector matching only allowed between instant vectors'],
  ['foo and on(bar) group_left(baz) bar', '1:1: parse error: no grouping allowed for "and" operation'],
  ['foo and on(bar) group_right(baz) bar', '1:1: parse error: no grouping allowed for "and" operation'],
  ['foo or on(bar) group_left(baz) bar', '1:1: parse error: no grouping allowed for "or" operation'],
  ['foo unless on(bar) group_left(baz) bar', '1:1: parse error: no grouping allowed for "unless" operation'],
  ['foo * on(bar) group_left(bar) baz', '1:5: parse error: label "bar" must not occur in ON and GROUP clause at once'],
  ['http_requests{group="production"} + on(instance) group_left(job,instance) cpu_count{type="smp"}', '1:35: parse error: label "instance" must not occur in ON and GROUP clause at once'],
  ['"foo" + 1', '1:1: parse error: binary expression must contain only scalar and instant vector types'],
  ['1 + "foo"', '1:5: parse error: binary expression must contain only scalar and instant vector types'],
  ['a + b[5m:]', '1:5: parse error: binary expression must contain only scalar and instant vector types'],
  ['foo[5m] + 1', '1:1: parse error: binary expression must contain only scalar and instant vector types'],
  ['-"string"', '1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "string"'],
  ['-test[5m]', '1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "range vector"'],
  // Calls.
  ['unknown_fn(x)', '1:1: parse error: unknown function with name "unknown_fn"'],
  ['RATE(x[5m])', '1:1: parse error: unknown function with name "RATE"'],
  ['rate(x[5m],)', '1:11: parse error: trailing commas not allowed in function call args'],
  ['rate(some_metric)', '1:6: parse error: expected type range vector in call to function "rate", got instant vector'],
  ['floor()', '1:1: parse error: expected 1 argument(s) in call to "floor", got 0'],
  ['floor(some_metric, other_metric)', '1:1: parse error: expected 1 argument(s) in call to "floor", got 2'],
  ['floor(some_metric, 1)', '1:1: parse error: expected 1 argument(s) in call to "floor", got 2'],
  ['floor(1)', '1:7: parse error: expected type instant vector in call to function "floor", got scalar'],
  ['time(1)', '1:1: parse error: expected 0 argument(s) in call to "time", got 1'],
  ['round(x, 1, 2)', '1:1: parse error: expected at most 2 argument(s) in call to "round", got 3'],
  ['label_join(a, "b")', '1:1: parse error: expected at least 3 argument(s) in call to "label_join", got 2'],
  ['label_join(x, "a", "b", "c", 1)', '1:30: parse error: expected type string in call to function "label_join", got scalar'],
  ['label_replace(a, "b", "c", "d")', '1:1: parse error: expected 5 argument(s) in call to "label_replace", got 4'],
  ['vector("a")', '1:8: parse error: expected type scalar in call to function "vector", got string'],
  ['scalar(foo[5m])', '1:8: parse error: expected type instant vector in call to function "scalar", got range vector'],
  ['histogram_quantile(0.9)', '1:1: parse error: expected 2 argument(s) in call to "histogram_quantile", got 1'],
  ['avg_over_time(foo[5m:], 1)', '1:1: parse error: expected 1 argument(s) in call to "avg_over_time", got 2'],
  ['rate(foo[5m] + 1)', '1:6: parse error: binary expression must contain only scalar and instant vector types'],
  ['foo{1}', "1:5: parse error: unexpected character inside braces: '1'"],
  ['some_metric{a:b="b"}', "1:14: parse error: unexpected character inside braces: ':'"],
  ['foo{a>="b"}', "1:6: parse error: unexpected character inside braces: '>'"],
  ['some}', "1:5: parse error: unexpected character: '}'"],
  ['{x!="a"}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ['foo{__name__= =}', '1:15: parse error: unexpected "=" in label matching, expected string'],
  ['foo{__name__ == "bar"}', '1:15: parse error: unexpected "=" in label matching, expected string'],
  ['foo{__name__="bar" lol}', '1:20: parse error: unexpected identifier "lol" in label matching, expected "," or "}"'],
  ['foo[5m1]', '1:5: parse error: bad duration syntax: "5m1"'],
  ['foo[5m:1m1]', '1:8: parse error: bad number or duration syntax: "1m1"'],
  ['foo[5y1hs]', '1:5: parse error: not a valid duration string: "5y1hs"'],
  ['foo[5m1m]', '1:5: parse error: not a valid duration string: "5m1m"'],
  ['foo["5m"]', '1:5: parse error: missing unit character in duration'],
  ['some_metric[5m] OFFSET 1', '1:24: parse error: unexpected number "1" in offset, expected duration'],
  ['some_metric[5m] OFFSET 1mm', '1:24: parse error: bad number or duration syntax: "1mm"'],
  ['some_metric[5m] OFFSET', '1:23: parse error: unexpected end of input in offset, expected duration'],
  ['some_metric OFFSET 1m[5m]', '1:22: parse error: no offset modifiers allowed before range'],
  ['some_metric[5m] @ 1m', '1:19: parse error: unexpected duration "1m" in @, expected timestamp'],
  ['some_metric[5m] @', '1:18: parse error: unexpected end of input in @, expected timestamp'],
  ['some_metric @ 1234 [5m]', '1:20: parse error: no @ modifiers allowed before range'],
  ['(foo + bar)[5m]', '1:12: parse error: ranges only allowed for vector selectors'],
  // Upstream's fuzzing regressions and other odd inputs.
  ['-=', '1:2: parse error: unexpected "="'],
  ['++-++-+-+-<', '1:11: parse error: unexpected <op:<>'],
  ['e-+=/(0)', '1:4: parse error: unexpected "="'],
  ['a>b()', '1:3: parse error: unknown function with name "b"'],
  ['rate(avg)', '1:6: parse error: expected type range vector in call to function "rate", got instant vector'],
  ['@@', '1:1: parse error: unexpected <op:@>'],
  ['.', "1:1: parse error: unexpected character: '.'"],
  ['2.5.', "1:4: parse error: unexpected character: '.'"],
  ['100..4', '1:5: parse error: unexpected number ".4"'],
  ['0deadbeef', '1:1: parse error: bad number or duration syntax: "0de"'],
  ['9'.repeat(309), `1:1: parse error: error parsing number: strconv.ParseFloat: parsing "${'9'.repeat(309)}": value out of range`],
  ['MIN keep_common (some_metric)', '1:5: parse error: unexpected identifier "keep_common"'],
  ['MIN (some_metric) keep_common', '1:19: parse error: unexpected identifier "keep_common"'],
  ['sum (some_metric) without (test) by (test)', '1:34: parse error: unexpected <by>'],
  ['sum without (test) (some_metric) by (test)', '1:34: parse error: unexpected <by>'],
  ['sum (some_metric) by test', '1:22: parse error: unexpected identifier "test" in grouping opts, expected "("'],
  ['sum without(foo,,)(some_metric)', '1:17: parse error: unexpected "," in grouping opts, expected label'],
  ['sum () by (test)', '1:1: parse error: no arguments for aggregate expression provided'],
  ['topk(some_metric,)', '1:17: parse error: trailing commas not allowed in function call args'],
  ['hour(some_metric, some_metric, some_metric)', '1:1: parse error: expected at most 1 argument(s) in call to "hour", got 3'],
  ['non_existent_function_far_bar()', '1:1: parse error: unknown function with name "non_existent_function_far_bar"'],
  ['`\\``', '1:4: parse error: unterminated raw string'],
  ['"\\x."', "1:1: parse error: illegal character U+002E '.' in escape sequence"],
  // Multi-line positions count from the start of the line, in bytes.
  ['foo\n  + {}', '2:5: parse error: vector selector must contain at least one non-empty matcher'],
  ['"é" + foo', '1:1: parse error: binary expression must contain only scalar and instant vector types'],
  ['foo{a="é"} + {}', '1:15: parse error: vector selector must contain at least one non-empty matcher'],
];

describe('parseExpr refuses', () => {
  it.each(errors)('%j', (input, message) => {
    let caught: unknown;
    try {
      parseExpr(input);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ParseError);
    expect(caught).toBeInstanceOf(CairnError);
    const err = caught as ParseError;
    expect(err.message).toBe(message);
    expect(err.kind).toBe('bad_data');
    expect(err.reason).toBe('parse_error');
  });

  it('reports a bad regular expression at the matcher', () => {
    expect(() => parseExpr('foo{a=~"("}')).toThrow(/^1:5: parse error: .*"\("/);
  });

  it('carries the position range of the offending token', () => {
    try {
      parseExpr('foo + bar baz');
      expect.unreachable();
    } catch (e) {
      expect((e as ParseError).positionRange).toEqual({ start: 10, end: 13 });
    }
  });
});

describe('parseExpr positions', () => {
  it.each([
    ['foo', { start: 0, end: 3 }],
    ['  foo{a="b"}', { start: 2, end: 12 }],
    ['foo offset 5m', { start: 0, end: 13 }],
    ['foo[5m]', { start: 0, end: 7 }],
    ['foo[5m:1m] @ 10', { start: 0, end: 15 }],
    ['sum by (a) (foo)', { start: 0, end: 16 }],
    ['sum(foo) by (a)', { start: 0, end: 15 }],
    ['rate(foo[5m])', { start: 0, end: 13 }],
    ['-1', { start: 0, end: 2 }],
    ['(1 + foo)', { start: 0, end: 9 }],
    ['1 + foo', { start: 0, end: 7 }],
    ['-foo', { start: 0, end: 4 }],
  ])('%j spans %j', (input, pos) => {
    expect(parseExpr(input).pos).toEqual(pos);
  });
});

describe('parseSeriesSelector', () => {
  const m = (type: string, name: string, value: string) => ({ type, name, value });
  it.each([
    ['foo', [m('=', '__name__', 'foo')]],
    ['foo{bar="baz"}', [m('=', 'bar', 'baz'), m('=', '__name__', 'foo')]],
    ['{__name__=~"foo.+",job!="x"}', [m('=~', '__name__', 'foo.+'), m('!=', 'job', 'x')]],
    ['{a="b",}', [m('=', 'a', 'b')]],
    ['sum', [m('=', '__name__', 'sum')]],
    ['foo:bar{a!~"c"}', [m('!~', 'a', 'c'), m('=', '__name__', 'foo:bar')]],
    ['foo{__name__="foo"}', [m('=', '__name__', 'foo'), m('=', '__name__', 'foo')]],
  ])('%j', (input, expected) => {
    expect(strip(parseSeriesSelector(input))).toEqual(expected);
  });

  it.each([
    ['', '1:1: parse error: unexpected end of input'],
    ['{}', 'match[] must contain at least one non-empty matcher'],
    ['{a=~".*"}', 'match[] must contain at least one non-empty matcher'],
    ['{a=""}', 'match[] must contain at least one non-empty matcher'],
    ['rate(foo[5m])', '1:5: parse error: unexpected "("'],
    ['foo offset 5m', '1:5: parse error: unexpected <offset>'],
    ['foo @ 10', '1:5: parse error: unexpected <op:@>'],
    ['foo[5m]', '1:4: parse error: unexpected "["'],
    ['foo + bar', '1:5: parse error: unexpected <op:+>'],
    ['1', '1:1: parse error: unexpected number "1"'],
    ['foo{a=b}', '1:7: parse error: unexpected identifier "b" in label matching, expected string'],
  ])('refuses %j', (input, message) => {
    expect(() => parseSeriesSelector(input)).toThrow(ParseError);
    expect(() => parseSeriesSelector(input)).toThrow(message);
  });
});

describe('typeOf', () => {
  it.each([
    ['1', 'scalar'],
    ['"a"', 'string'],
    ['foo', 'vector'],
    ['foo[5m]', 'matrix'],
    ['foo[5m:]', 'matrix'],
    ['sum(foo)', 'vector'],
    ['1 + 1', 'scalar'],
    ['1 + foo', 'vector'],
    ['(1)', 'scalar'],
    ['-foo', 'vector'],
    ['time()', 'scalar'],
    ['scalar(foo)', 'scalar'],
    ['rate(foo[5m])', 'vector'],
  ])('%j is %s', (input, type) => {
    expect(typeOf(parseExpr(input))).toBe(type);
  });
});

describe('FUNCTIONS', () => {
  it('has the 70 functions of Prometheus 2.42', () => {
    expect(FUNCTIONS.size).toBe(70);
  });

  it.each([
    ['rate', ['matrix'], 0, 'vector'],
    ['round', ['vector', 'scalar'], 1, 'vector'],
    ['label_join', ['vector', 'string', 'string', 'string'], -1, 'vector'],
    ['time', [], 0, 'scalar'],
    ['histogram_fraction', ['scalar', 'scalar', 'vector'], 0, 'vector'],
    ['holt_winters', ['matrix', 'scalar', 'scalar'], 0, 'vector'],
    ['year', ['vector'], 1, 'vector'],
  ])('%s', (name, argTypes, variadic, returnType) => {
    expect(FUNCTIONS.get(name)).toEqual({ name, argTypes, variadic, returnType });
  });

  it('accepts every function with well-typed arguments', () => {
    const arg = { vector: 'foo', matrix: 'foo[5m]', scalar: '1', string: '"s"' } as const;
    for (const fn of FUNCTIONS.values()) {
      const q = `${fn.name}(${fn.argTypes.map((t) => arg[t]).join(', ')})`;
      expect(() => parseExpr(q), q).not.toThrow();
    }
  });
});
