// Proves the comparer applies runner.go's rules: failures against `expect fail [msg:|regex:]`,
// vector and matrix series as sets keyed by the full label set (empty values count), eval-time
// and step timestamps, `_` gaps, `expect ordered`, 1e-9 float tolerance with NaN = NaN, scalars,
// and log streams (metadata folded into labels, ordered lines at ms precision).
import { describe, expect, it } from 'vitest';
import type { LogQLValue } from '../../../src/logql/engine/types.js';
import type { Label } from '../../../src/model/labels.js';
import { compareOutcome, floatsEqual, type LogqlOutcome } from './compare.js';
import { parseLabelSet, parseLogqlScript, SCRIPT_EPOCH_MS, type EvalCase } from './parse.js';

/** The single case of `eval …` followed by its expectation lines. */
function evalCase(header: string, ...expect: string[]): EvalCase {
  const c = parseLogqlScript([header, ...expect.map((l) => `  ${l}`)].join('\n'), 't').cases[0]!;
  if (c.invalid !== undefined) throw new Error(c.invalid);
  return c;
}

const L = (text: string): Label[] => parseLabelSet(text, false);
const s = (sec: number) => SCRIPT_EPOCH_MS + sec * 1000;
const ok = (value: LogQLValue): LogqlOutcome => ({ ok: true, value });
const vec = (...samples: [string, number, number?][]): LogqlOutcome => ok({ type: 'vector', samples: samples.map(([l, v, t]) => ({ labels: L(l), v, tMs: s(t ?? 60) })) });
const mat = (...series: [string, [number, number][]][]): LogqlOutcome => ok({ type: 'matrix', series: series.map(([l, pts]) => ({ labels: L(l), points: pts.map(([t, v]) => ({ tMs: s(t), v })) })) });
const streams = (...st: [string, [number, string][]][]): LogqlOutcome =>
  ok({ type: 'streams', streams: st.map(([l, es]) => ({ labels: L(l), entries: es.map(([t, line]) => ({ tMs: s(t), tNs: 0, line })) })) });
const fail = (msg: string): LogqlOutcome => ({ ok: false, error: new Error(msg) });

const INSTANT = 'eval instant at 60s q';
const RANGE = 'eval range from 0 to 60s step 30s q';
const SELECT = 'eval select from 0 to 60s {a="b"}';

describe('compareOutcome', () => {
  const rows: { name: string; c: EvalCase; out: LogqlOutcome; diff?: RegExp }[] = [
    { name: 'fail: any error', c: evalCase(INSTANT, 'expect fail'), out: fail('boom') },
    { name: 'fail: a result', c: evalCase(INSTANT, 'expect fail'), out: vec(), diff: /expected query to fail, got a vector/ },
    { name: 'fail msg: substring', c: evalCase(INSTANT, 'expect fail msg: unclosed action'), out: fail('template: x:1: unclosed action') },
    { name: 'fail msg: other text', c: evalCase(INSTANT, 'expect fail msg: unclosed action'), out: fail('boom'), diff: /does not contain "unclosed action": "boom"/ },
    { name: 'fail regex: match', c: evalCase(INSTANT, 'expect fail regex: ^bo+m$'), out: fail('boom') },
    { name: 'fail regex: no match', c: evalCase(INSTANT, 'expect fail regex: ^x'), out: fail('boom'), diff: /does not match/ },
    { name: 'unexpected error', c: evalCase(INSTANT, '{} 1'), out: fail('boom'), diff: /query failed: boom/ },
    { name: 'vector: same set, any order', c: evalCase(INSTANT, '{a="1"} 1', '{a="2"} 2'), out: vec(['{a="2"}', 2], ['{a="1"}', 1]) },
    { name: 'vector: within 1e-9 relative', c: evalCase(INSTANT, '{} 0.0333333333'), out: vec(['{}', 2 / 60]) },
    { name: 'vector: value differs', c: evalCase(INSTANT, '{} 1'), out: vec(['{}', 1.001]), diff: /value mismatch: want 1, got 1.001/ },
    { name: 'vector: NaN equals NaN', c: evalCase(INSTANT, '{} NaN'), out: vec(['{}', NaN]) },
    { name: 'vector: empty label is not absent', c: evalCase(INSTANT, '{a="1", b=""} 1'), out: vec(['{a="1"}', 1]), diff: /missing expected series \{a="1", b=""\}/ },
    { name: 'vector: extra series', c: evalCase(INSTANT, '{a="1"} 1'), out: vec(['{a="1"}', 1], ['{a="2"}', 1]), diff: /series count mismatch: want 1, got 2/ },
    { name: 'vector: duplicate series', c: evalCase(INSTANT, '{a="1"} 1'), out: vec(['{a="1"}', 1], ['{a="1"}', 1]), diff: /duplicate series/ },
    { name: 'vector: wrong timestamp', c: evalCase(INSTANT, '{} 1'), out: vec(['{}', 1, 59]), diff: /timestamp 59s, expected 60s/ },
    { name: 'vector: expect empty', c: evalCase(INSTANT, 'expect empty'), out: vec() },
    { name: 'vector: expect empty, got one', c: evalCase(INSTANT, 'expect empty'), out: vec(['{}', 1]), diff: /expected an empty result/ },
    { name: 'ordered: right order', c: evalCase(INSTANT, 'expect ordered', '{a="2"} 2', '{a="1"} 1'), out: vec(['{a="2"}', 2], ['{a="1"}', 1]) },
    { name: 'ordered: wrong order', c: evalCase(INSTANT, 'expect ordered', '{a="2"} 2', '{a="1"} 1'), out: vec(['{a="1"}', 1], ['{a="2"}', 2]), diff: /position 0: want \{a="2"\}, got \{a="1"\}/ },
    { name: 'vector for a range eval', c: evalCase(RANGE, '{} 1 1 1'), out: vec(['{}', 1, 0]), diff: /got a vector for a range query/ },
    { name: 'matrix: gaps and values', c: evalCase(RANGE, '{a="1"} _ 1 2'), out: mat(['{a="1"}', [[30, 1], [60, 2]]]) },
    { name: 'matrix: point at a gap', c: evalCase(RANGE, '{a="1"} _ 1 2'), out: mat(['{a="1"}', [[0, 5], [30, 1], [60, 2]]]), diff: /step 0 \(t=0s\) should be empty, got 5/ },
    { name: 'matrix: missing point', c: evalCase(RANGE, '{a="1"} 0 1 2'), out: mat(['{a="1"}', [[30, 1], [60, 2]]]), diff: /missing point at step 0/ },
    { name: 'matrix: off-step point', c: evalCase(RANGE, '{a="1"} 0 1 2'), out: mat(['{a="1"}', [[0, 0], [15, 1], [60, 2]]]), diff: /unexpected timestamp t=15s/ },
    { name: 'matrix: expansion', c: evalCase(RANGE, '{} 1+1x2'), out: mat(['{}', [[0, 1], [30, 2], [60, 3]]]) },
    { name: 'matrix: expect empty', c: evalCase(RANGE, 'expect empty'), out: mat() },
    { name: 'matrix for an instant eval', c: evalCase(INSTANT, '{} 1'), out: mat(['{}', [[60, 1]]]), diff: /got a matrix for a instant query/ },
    { name: 'scalar', c: evalCase(INSTANT, '2'), out: ok({ type: 'scalar', tMs: s(60), v: 2 }) },
    { name: 'scalar differs', c: evalCase(INSTANT, '2'), out: ok({ type: 'scalar', tMs: s(60), v: 3 }), diff: /scalar mismatch: want 2, got 3/ },
    { name: 'scalar where series expected', c: evalCase(INSTANT, '{} 2'), out: ok({ type: 'scalar', tMs: s(60), v: 2 }), diff: /expected series, got a scalar/ },
    { name: 'series where a scalar expected', c: evalCase(INSTANT, '2'), out: vec(['{}', 2]), diff: /expected a scalar, got a vector/ },
    { name: 'streams: ordered lines', c: evalCase(SELECT, '{a="b"} "x" @ 10s', '{a="b"} "y" @ 20s'), out: streams(['{a="b"}', [[10, 'x'], [20, 'y']]]) },
    { name: 'streams: wrong order', c: evalCase(SELECT, '{a="b"} "x" @ 10s', '{a="b"} "y" @ 20s'), out: streams(['{a="b"}', [[20, 'y'], [10, 'x']]]), diff: /line 0 has timestamp 20s, expected 10s/ },
    { name: 'streams: wrong text', c: evalCase(SELECT, '{a="b"} "x" @ 10s'), out: streams(['{a="b"}', [[10, 'z']]]), diff: /line 0 mismatch: want "x", got "z"/ },
    { name: 'streams: extra line', c: evalCase(SELECT, '{a="b"} "x" @ 10s'), out: streams(['{a="b"}', [[10, 'x'], [11, 'x']]]), diff: /has 2 lines, expected 1/ },
    {
      name: 'streams: metadata folded into the labels',
      c: evalCase(SELECT, '{a="b"} "x" @ 10s [metadata t="1"]', '{a="b"} "x" @ 10s [metadata t="2"] [parsed p="q"]'),
      out: streams(['{a="b", t="1"}', [[10, 'x']]], ['{a="b", p="q", t="2"}', [[10, 'x']]]),
    },
    { name: 'streams: metadata missing', c: evalCase(SELECT, '{a="b"} "x" @ 10s [metadata t="1"]'), out: streams(['{a="b"}', [[10, 'x']]]), diff: /missing expected stream \{a="b", t="1"\}/ },
    { name: 'streams: expect empty', c: evalCase(SELECT, 'expect empty'), out: streams() },
  ];
  it.each(rows)('$name', ({ c, out, diff }) => {
    const got = compareOutcome(c, out);
    if (diff === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(diff);
  });

  it('compares categorized streams by stream labels and per-entry metadata', () => {
    const c = evalCase(SELECT, '{a="b"} "x" @ 10s [metadata t="1"]');
    const out = (t: string): LogqlOutcome => ok({ type: 'streams', streams: [{ labels: L('{a="b"}'), entries: [{ tMs: s(10), tNs: 0, line: 'x', structuredMetadata: L(`{t="${t}"}`), parsed: [] }] }] });
    expect(compareOutcome(c, out('1'), { categorizeLabels: true })).toBeUndefined();
    expect(compareOutcome(c, out('2'), { categorizeLabels: true })).toMatch(/structured metadata mismatch/);
  });

  it('skips values only when the direct stack is named', () => {
    const sharding = evalCase(INSTANT, 'skip values-comparison on "query-frontend + query-scheduler (sharding)"', '{} 1');
    expect(compareOutcome(sharding, vec(['{}', 2]))).toMatch(/value mismatch/);
    const direct = evalCase(INSTANT, 'skip values-comparison on "direct"', '{} 1');
    expect(compareOutcome(direct, vec(['{}', 2]))).toBeUndefined();
  });
});

describe('floatsEqual', () => {
  it.each([
    { a: 1, b: 1 + 1e-10, eq: true },
    { a: 1e12, b: 1e12 + 1, eq: true },
    { a: 1e12, b: 1e12 + 10_000, eq: false },
    { a: 0, b: 1e-10, eq: true },
    { a: 0, b: 1e-8, eq: false },
    { a: NaN, b: NaN, eq: true },
    { a: NaN, b: 0, eq: false },
    { a: Infinity, b: Infinity, eq: true },
    { a: Infinity, b: -Infinity, eq: false },
    { a: Infinity, b: 1e308, eq: false },
  ])('$a vs $b', ({ a, b, eq }) => {
    expect(floatsEqual(a, b)).toBe(eq);
  });
});
