// Proves that the comparator judges results as promql/test.go v2.42 does, and that it
// can fail: a wrong value, an extra label, a missing or extra series, a wrong order, a
// wrong result type and a missing error all fail, while almostEqual's tolerance passes.
import { describe, expect, it } from 'vitest';
import { labelsFromObject } from '../../../src/model/labels.js';
import type { Value } from '../../../src/promql/value.js';
import { almostEqual, checkInstant, checkRange, compareResult, vectorAt, type EvalOutcome } from './compare.js';
import { evalCommands, parseScript, STALE_NAN, type EvalCommand } from './parse.js';

/** The one eval of a script made of `eval <line>` and its expectation lines. */
function evalOf(head: string, ...expect: string[]): EvalCommand {
  return evalCommands(parseScript([head, ...expect].join('\n')))[0]!;
}

function vec(...samples: [Record<string, string>, number][]): Value {
  return { type: 'vector', vector: samples.map(([m, v]) => ({ metric: labelsFromObject(m), t: 0, v })) };
}

const ok = (value: Value): EvalOutcome => ({ ok: true, value });
const failed: EvalOutcome = { ok: false, error: new Error('boom') };

describe('almostEqual', () => {
  const rows: readonly [number, number, boolean][] = [
    [1, 1, true],
    [NaN, NaN, true],
    [STALE_NAN, NaN, true],
    [NaN, 1, false],
    [Infinity, Infinity, true],
    [Infinity, -Infinity, false],
    [Infinity, 1e308, false],
    [12340000, 12340001, true], // relative 4e-8
    [1, 1.000001, true], // relative to the sum: 1e-6 / 2 is under 1e-6
    [1, 1.000003, false],
    [100, 101, false],
    [0, 1e-300, false],
    [0, 0, true],
    [0, -0, true],
    [1e-310, 2e-310, false], // below the smallest normal: an absolute tolerance of 1e-6 of it
    [1e-320, 2e-320, true],
  ];
  for (const [a, b, expected] of rows) it(`${a} ~ ${b} is ${expected}`, () => expect(almostEqual(a, b)).toBe(expected));
});

describe('instant results', () => {
  const sum = evalOf('eval instant at 5m sum(x)', '  {} 3');
  const two = evalOf('eval instant at 5m x', '  x{a="1"} 1', '  x{a="2"} 2');
  const ordered = evalOf('eval_ordered instant at 5m sort(x)', '  x{a="1"} 1', '  x{a="2"} 2');
  const none = evalOf('eval instant at 5m x');
  const scalar = evalOf('eval instant at 5m 1 + 1', '  2');
  const stale = evalOf('eval instant at 5m x', '  x NaN');
  const mustFail = evalOf('eval_fail instant at 5m x', '  x 1');

  const rows: readonly { name: string; cmd: EvalCommand; outcome: EvalOutcome; error?: string }[] = [
    { name: 'matching vector', cmd: two, outcome: ok(vec([{ __name__: 'x', a: '2' }, 2], [{ __name__: 'x', a: '1' }, 1])) },
    { name: 'label set without name', cmd: sum, outcome: ok(vec([{}, 3])) },
    { name: 'value within 1e-6', cmd: sum, outcome: ok(vec([{}, 3.0000001])) },
    { name: 'NaN expected, NaN got', cmd: stale, outcome: ok(vec([{ __name__: 'x' }, NaN])) },
    { name: 'empty expected, empty got', cmd: none, outcome: ok(vec()) },
    { name: 'ordered in order', cmd: ordered, outcome: ok(vec([{ __name__: 'x', a: '1' }, 1], [{ __name__: 'x', a: '2' }, 2])) },
    { name: 'scalar', cmd: scalar, outcome: ok({ type: 'scalar', t: 0, v: 2 }) },
    { name: 'eval_fail with an error', cmd: mustFail, outcome: failed },
    // Negative controls.
    { name: 'wrong value', cmd: sum, outcome: ok(vec([{}, 4])), error: 'expected 3 for {} but got 4' },
    { name: 'value off by 1%', cmd: sum, outcome: ok(vec([{}, 3.03])), error: 'but got 3.03' },
    { name: 'NaN where a number is expected', cmd: sum, outcome: ok(vec([{}, NaN])), error: 'but got NaN' },
    { name: 'extra label', cmd: sum, outcome: ok(vec([{ a: '1' }, 3])), error: 'unexpected metric {a="1"} in result' },
    { name: 'missing name', cmd: two, outcome: ok(vec([{ a: '1' }, 1], [{ __name__: 'x', a: '2' }, 2])), error: 'unexpected metric {a="1"}' },
    { name: 'missing series', cmd: two, outcome: ok(vec([{ __name__: 'x', a: '1' }, 1])), error: 'expected metric {__name__="x", a="2"} with 2 not found' },
    { name: 'extra series', cmd: sum, outcome: ok(vec([{}, 3], [{ a: '1' }, 3])), error: 'unexpected metric' },
    { name: 'duplicate series', cmd: sum, outcome: ok(vec([{}, 3], [{}, 3])), error: 'duplicate metric {} in result' },
    { name: 'series where none expected', cmd: none, outcome: ok(vec([{ __name__: 'x' }, 1])), error: 'unexpected metric' },
    { name: 'wrong order', cmd: ordered, outcome: ok(vec([{ __name__: 'x', a: '2' }, 2], [{ __name__: 'x', a: '1' }, 1])), error: 'at position 2 but was at 1' },
    { name: 'matrix on instant eval', cmd: sum, outcome: ok({ type: 'matrix', matrix: [] }), error: 'received range result on instant evaluation' },
    { name: 'string', cmd: sum, outcome: ok({ type: 'string', t: 0, v: 'a' }), error: 'unexpected result type string' },
    { name: 'scalar where a vector is expected', cmd: sum, outcome: ok({ type: 'scalar', t: 0, v: 3 }), error: 'expected a vector but got scalar 3' },
    { name: 'vector where a scalar is expected', cmd: scalar, outcome: ok(vec([{}, 2])), error: 'unexpected metric {}' },
    { name: 'empty vector where a scalar is expected', cmd: scalar, outcome: ok(vec()), error: 'expected scalar 2 but got an empty vector' },
    { name: 'wrong scalar', cmd: scalar, outcome: ok({ type: 'scalar', t: 0, v: 3 }), error: 'expected scalar 2 but got 3' },
    { name: 'error on a plain eval', cmd: sum, outcome: failed, error: 'error evaluating query "sum(x)" (line 1): boom' },
    { name: 'eval_fail without an error', cmd: mustFail, outcome: ok(vec([{ __name__: 'x' }, 1])), error: 'expected error evaluating query "x" (line 1) but got none' },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const diff = checkInstant(row.cmd, row.outcome);
      if (row.error === undefined) expect(diff).toBeUndefined();
      else expect(diff).toContain(row.error);
    });
  }

  it('compares label sets regardless of the order they come in', () => {
    const misordered: Value = { type: 'vector', vector: [{ metric: [{ name: 'b', value: '2' }, { name: 'a', value: '1' }], t: 0, v: 3 }] };
    expect(compareResult({ kind: 'vector', samples: [{ labels: labelsFromObject({ a: '1', b: '2' }), v: 3, pos: 1, line: 2 }] }, false, misordered)).toBeUndefined();
  });
});

describe('range mode', () => {
  const cmd = evalOf('eval instant at 5m x', '  x{a="1"} 1');
  const scalarCmd = evalOf('eval instant at 5m time()', '  300');
  const ordered = evalOf('eval_ordered instant at 5m sort(x)', '  x 1');
  const at = cmd.timeMs;
  const series = (points: [number, number][]) => ({ metric: labelsFromObject({ __name__: 'x', a: '1' }), points: points.map(([t, v]) => ({ t, v })) });
  const instantVec = vec([{ __name__: 'x', a: '1' }, 1]);
  const instantScalar: Value = { type: 'scalar', t: at, v: 300 };

  it('picks the points at t', () => {
    expect(vectorAt([series([[at - 60_000, 0], [at, 1]]), series([[at + 60_000, 2]])], at)).toEqual([{ metric: labelsFromObject({ __name__: 'x', a: '1' }), t: at, v: 1 }]);
  });

  const rows: readonly { name: string; cmd: EvalCommand; instant: Value; outcome: EvalOutcome; error?: string }[] = [
    { name: 'point at t matches', cmd, instant: instantVec, outcome: ok({ type: 'matrix', matrix: [series([[at - 60_000, 5], [at, 1], [at + 60_000, 7]])] }) },
    { name: 'scalar from the first series', cmd: scalarCmd, instant: instantScalar, outcome: ok({ type: 'matrix', matrix: [{ metric: [], points: [{ t: at, v: 300 }] }] }) },
    { name: 'ordered: only needs no error', cmd: ordered, instant: instantVec, outcome: ok({ type: 'matrix', matrix: [] }) },
    { name: 'wrong point at t', cmd, instant: instantVec, outcome: ok({ type: 'matrix', matrix: [series([[at, 2]])] }), error: 'range mode: expected 1' },
    { name: 'no point at t', cmd, instant: instantVec, outcome: ok({ type: 'matrix', matrix: [series([[at - 60_000, 1]])] }), error: 'not found' },
    { name: 'scalar without a point', cmd: scalarCmd, instant: instantScalar, outcome: ok({ type: 'matrix', matrix: [] }), error: 'no point at the evaluation time' },
    { name: 'not a matrix', cmd, instant: instantVec, outcome: ok(instantVec), error: 'expected a matrix' },
    { name: 'range error', cmd, instant: instantVec, outcome: failed, error: 'in range mode: boom' },
    { name: 'range error when ordered', cmd: ordered, instant: instantVec, outcome: failed, error: 'in range mode: boom' },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const diff = checkRange(row.cmd, row.instant, row.outcome);
      if (row.error === undefined) expect(diff).toBeUndefined();
      else expect(diff).toContain(row.error);
    });
  }
});
