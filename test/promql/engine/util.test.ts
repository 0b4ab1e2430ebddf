/**
 * Proves the engine's helpers match Go and Prometheus: the stale-marker test, Go's float
 * formatting and parsing, `math.Pow`, label signatures, step-invariance marking and the
 * time range each selector reads.
 */
import { describe, expect, it } from 'vitest';
import { labelsFromObject } from '../../../src/model/labels.js';
import { parseExpr } from '../../../src/promql/parser/index.js';
import { selectorRanges, stepInvariantNodes } from '../../../src/promql/engine/preprocess.js';
import { formatGoFloatF, formatGoFloatV, goPow, isStaleNaN, parseGoFloat, signatureOn, signatureWithout } from '../../../src/promql/engine/util.js';
import { MIN, STALE } from './helpers.js';

describe('isStaleNaN', () => {
  it.each([
    { name: 'stale marker', v: STALE, expected: true },
    { name: 'ordinary NaN', v: NaN, expected: false },
    { name: 'number', v: 1, expected: false },
    { name: 'infinity', v: Infinity, expected: false },
  ])('$name', ({ v, expected }) => expect(isStaleNaN(v)).toBe(expected));
});

describe('Go float formatting and parsing', () => {
  it.each([
    { v: 1, f: '1', g: '1' },
    { v: 0.1, f: '0.1', g: '0.1' },
    { v: 1e6, f: '1000000', g: '1e+06' },
    { v: 123456, f: '123456', g: '123456' },
    { v: 1.5e-7, f: '0.00000015', g: '1.5e-07' },
    { v: -2.5e21, f: '-2500000000000000000000', g: '-2.5e+21' },
    { v: 9.3e18, f: '9300000000000000000', g: '9.3e+18' },
    { v: NaN, f: 'NaN', g: 'NaN' },
    { v: -Infinity, f: '-Inf', g: '-Inf' },
  ])('$v', ({ v, f, g }) => {
    expect(formatGoFloatF(v)).toBe(f);
    expect(formatGoFloatV(v)).toBe(g);
  });

  it.each([
    { s: '0.5', expected: 0.5 },
    { s: '+Inf', expected: Infinity },
    { s: 'inf', expected: Infinity },
    { s: '-Inf', expected: -Infinity },
    { s: '1e3', expected: 1000 },
    { s: '', expected: undefined },
    { s: 'abc', expected: undefined },
    { s: '1,5', expected: undefined },
  ])('parse $s', ({ s, expected }) => expect(parseGoFloat(s)).toBe(expected));

  it('parses NaN', () => expect(parseGoFloat('NaN')).toBeNaN());
});

describe('goPow', () => {
  it.each([
    { x: 1, y: NaN, expected: 1 },
    { x: -1, y: Infinity, expected: 1 },
    { x: NaN, y: 0, expected: 1 },
    { x: 2, y: 10, expected: 1024 },
  ])('$x ^ $y', ({ x, y, expected }) => expect(goPow(x, y)).toBe(expected));
});

describe('signatures', () => {
  const a = labelsFromObject({ __name__: 'x', job: 'j', inst: '1' });
  const b = labelsFromObject({ __name__: 'y', job: 'j', inst: '2' });
  it.each([
    { name: 'on(job) matches', sig: (l: typeof a) => signatureOn(l, ['job']), same: true },
    { name: 'on(inst) differs', sig: (l: typeof a) => signatureOn(l, ['inst']), same: false },
    { name: 'ignoring(inst) ignores __name__ too', sig: (l: typeof a) => signatureWithout(l, new Set(['inst'])), same: true },
    { name: 'no clause compares all but __name__', sig: (l: typeof a) => signatureWithout(l, new Set()), same: false },
  ])('$name', ({ sig, same }) => expect(sig(a) === sig(b)).toBe(same));
});

describe('step invariance', () => {
  it.each([
    { query: 'x @ 100', root: true },
    { query: 'sum(x @ 100)', root: true },
    { query: 'x', root: false },
    { query: 'timestamp(x @ 100)', root: false },
    { query: 'rate(x[5m] @ 100)', root: true },
    { query: '1 + 2', root: true },
  ])('$query', ({ query, root }) => {
    const e = parseExpr(query);
    expect(stepInvariantNodes(e).has(e)).toBe(root);
  });

  it('wraps the invariant side of a binary expression', () => {
    const e = parseExpr('x + x @ 100');
    if (e.kind !== 'binary') throw new Error('expected a binary expression');
    const set = stepInvariantNodes(e);
    expect([set.has(e), set.has(e.lhs), set.has(e.rhs)]).toEqual([false, false, true]);
  });
});

describe('selector ranges (FindMinMaxTime)', () => {
  const T = 100 * MIN;
  it.each([
    { query: 'x', mint: T - 5 * MIN, maxt: T },
    { query: 'x offset 10m', mint: T - 15 * MIN, maxt: T - 10 * MIN },
    { query: 'rate(x[2m])', mint: T - 2 * MIN, maxt: T },
    { query: 'x @ 60', mint: 60_000 - 5 * MIN, maxt: 60_000 },
    { query: 'max_over_time(x[10m:1m] offset 1m)', mint: T - 11 * MIN - 5 * MIN, maxt: T - MIN },
    { query: 'max_over_time(rate(x[2m])[10m:1m] @ 600)', mint: 600_000 - 12 * MIN, maxt: 600_000 },
  ])('$query', ({ query, mint, maxt }) => {
    const ranges = [...selectorRanges(parseExpr(query), T, T, 5 * MIN).values()];
    expect(ranges).toEqual([{ mint, maxt }]);
  });
});
