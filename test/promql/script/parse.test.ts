// Proves that the test-script parser reads Prometheus 2.42's PromQL test files as
// promql/test.go does: every upstream file parses with its number of eval cases, series
// descriptions expand as the series grammar says, and malformed scripts are refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelsToObject } from '../../../src/model/labels.js';
import { evalCommands, parseDuration, parseNumber, parseScript, parseSeriesDesc, ScriptParseError, STALE_NAN, type LoadCommand } from './parse.js';
import { PROMQL_TESTDATA, promqlTestdataMissing } from '../../helpers/conformance.js';

/** Upstream test files, read in place (never copied into the repo). */
const TESTDATA_DIR = PROMQL_TESTDATA;
const missing = promqlTestdataMissing('upstream files in test/promql/script/parse.test.ts');

function bits(v: number): string {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, v);
  return b.getBigUint64(0).toString(16);
}

describe.skipIf(missing !== '')('upstream files', () => {
  // Eval cases per file of Prometheus v2.42.0's promql/testdata (566 in all).
  const counts: readonly [string, number][] = [
    ['aggregators.test', 83],
    ['at_modifier.test', 33],
    ['collision.test', 2],
    ['functions.test', 207],
    ['histograms.test', 38],
    ['literals.test', 20],
    ['operators.test', 94],
    ['selectors.test', 31],
    ['staleness.test', 14],
    ['subquery.test', 25],
    ['trig_functions.test', 19],
  ];
  for (const [file, n] of counts) {
    it(`${file} has ${n} eval cases`, () => {
      expect(evalCommands(parseScript(readFileSync(join(TESTDATA_DIR, file), 'utf8')))).toHaveLength(n);
    });
  }

  it('adds up to 566', () => {
    expect(counts.reduce((a, [, n]) => a + n, 0)).toBe(566);
  });

  it('keeps the line, time, modifiers and expectation of an eval', () => {
    const script = parseScript(readFileSync(join(TESTDATA_DIR, 'literals.test'), 'utf8'));
    const [first] = evalCommands(script);
    expect(first).toMatchObject({ line: 1, expr: '12.34e6', timeMs: 50 * 60_000, fail: false, ordered: false, expect: { kind: 'scalar', v: 12340000 } });
  });
});

describe('series values', () => {
  type V = number | '_' | 'stale';
  const rows: readonly { name: string; input: string; expected: readonly V[] }[] = [
    { name: 'plain values', input: '1 2 3', expected: [1, 2, 3] },
    { name: 'a+bxN gives N+1 values', input: '0+10x3', expected: [0, 10, 20, 30] },
    { name: 'a-bxN', input: '1-1x2', expected: [1, 0, -1] },
    { name: 'negative start and step', input: '-2-0.5x2', expected: [-2, -2.5, -3] },
    { name: 'signed start, positive step', input: '-2+0.5x2', expected: [-2, -1.5, -1] },
    { name: 'axN gives N+1 copies', input: '5x2', expected: [5, 5, 5] },
    { name: 'x0 is one value', input: '7x0', expected: [7] },
    { name: 'gap', input: '_ 1 _', expected: ['_', 1, '_'] },
    { name: '_xN gives N gaps', input: '_x3 1', expected: ['_', '_', '_', 1] },
    { name: 'stale', input: '1 stale 2', expected: [1, 'stale', 2] },
    { name: 'stepping from stale gives NaN', input: 'stale+1x2', expected: ['stale', NaN, NaN] },
    { name: 'infinities', input: 'Inf -Inf +Inf inf', expected: [Infinity, -Infinity, Infinity, Infinity] },
    { name: 'exponents and dots', input: '1e3 .5 -2.5e-1 1E2', expected: [1000, 0.5, -0.25, 100] },
    { name: 'leading zero is octal (ParseInt base 0)', input: '010', expected: [8] },
    { name: 'tabs and runs of spaces', input: '1\t 2', expected: [1, 2] },
    { name: 'no hex: 0x2 is 0 three times', input: '0x2', expected: [0, 0, 0] },
    { name: 'mixed', input: '0+1x2 _x2 stale 9x1', expected: [0, 1, 2, '_', '_', 'stale', 9, 9] },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const d = parseSeriesDesc(`m ${row.input}`);
      expect(d.values.map((v) => (v.kind === 'value' ? v.v : v.kind === 'omitted' ? '_' : 'stale'))).toEqual(row.expected);
    });
  }

  it('NaN is a value', () => {
    const [v] = parseSeriesDesc('m NaN').values;
    expect(v?.kind === 'value' && Number.isNaN(v.v)).toBe(true);
  });

  const bad: readonly [string, string][] = [
    ['1+1', 'expected "x"'],
    ['1x', 'repetition count'],
    ['1x1.5', 'invalid repetition'],
    ['foo', 'expected number or "stale"'],
    ['Stale', 'expected number or "stale"'],
    ['1a', 'bad number syntax'],
    ['stalex1', 'expected number or "stale"'],
    ['1.5.5', 'expected space'],
    ['1,2', 'unexpected character'],
    ['1+', 'expected number'],
  ];
  for (const [input, message] of bad) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      expect(() => parseSeriesDesc(`m ${input}`)).toThrow(message);
    });
  }
});

describe('series labels', () => {
  const rows: readonly { name: string; input: string; expected: Record<string, string> }[] = [
    { name: 'name only', input: 'metric_ms 1', expected: { __name__: 'metric_ms' } },
    { name: 'name with colons', input: 'a:b:c 1', expected: { __name__: 'a:b:c' } },
    { name: 'keyword as name', input: 'sum 1', expected: { __name__: 'sum' } },
    { name: 'labels only', input: '{job="api"} 1', expected: { job: 'api' } },
    { name: 'empty set', input: '{} 1', expected: {} },
    { name: 'both quotes and spaces', input: `m{ a = "x" , b='y' } 1`, expected: { __name__: 'm', a: 'x', b: 'y' } },
    { name: 'trailing comma', input: 'm{a="1",} 1', expected: { __name__: 'm', a: '1' } },
    { name: 'empty value dropped', input: 'm{a="", b="1"} 1', expected: { __name__: 'm', b: '1' } },
    { name: 'escapes', input: String.raw`m{a="x\ny\t\"q\"\\", b='it\'s'} 1`, expected: { __name__: 'm', a: 'x\ny\t"q"\\', b: "it's" } },
    { name: 'byte escapes form UTF-8', input: String.raw`m{a="\xc3\xa9\303\251"} 1`, expected: { __name__: 'm', a: 'éé' } },
    { name: 'unicode escapes', input: String.raw`m{a="\u00e9\U0001F600"} 1`, expected: { __name__: 'm', a: 'é😀' } },
    { name: 'raw string', input: 'm{a=`x\\n`} 1', expected: { __name__: 'm', a: 'x\\n' } },
    { name: 'non-ASCII text', input: 'm{a="Ωμέγα"} 1', expected: { __name__: 'm', a: 'Ωμέγα' } },
    { name: 'metric name wins over __name__', input: 'm{__name__="x"} 1', expected: { __name__: 'm' } },
    { name: '__name__ in set', input: '{__name__="x", a="1"} 1', expected: { __name__: 'x', a: '1' } },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const d = parseSeriesDesc(row.input);
      expect(labelsToObject(d.labels)).toEqual(row.expected);
      const names = d.labels.map((l) => l.name);
      expect(names).toEqual([...names].sort());
    });
  }

  const bad: readonly [string, string][] = [
    ['m{a="1"}1', 'unexpected character after the metric'],
    ['m', 'expected series values'],
    ['m{a=~"1"} 1', 'expected "="'],
    ['m{a="1" b="2"} 1', 'expected "," or "}"'],
    ['m{a="1} 1', 'unterminated quoted string'],
    [String.raw`m{a="\q"} 1`, 'unknown escape sequence'],
    [String.raw`m{a="\'"} 1`, 'unknown escape sequence'],
    [String.raw`m{a="\ud800"} 1`, 'invalid Unicode code point'],
    ['m{a="1", a="2"} 1', 'duplicate label name'],
    ['on 1', 'as a metric name'],
    ['1 2', 'expected a metric name'],
  ];
  for (const [input, message] of bad) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      expect(() => parseSeriesDesc(input)).toThrow(message);
    });
  }
});

describe('scripts', () => {
  const text = [
    'load 10s', // 1
    '  metric{a="1"} 0 1 stale 2', // 2
    '  # comment lines are blank lines', // 3
    '', // 4
    'load 1m', // 5
    '  other 1', // 6
    '  other 2 3', // 7
    '', // 8
    'eval instant at 10s metric', // 9
    '  metric{a="1"} 1', // 10
    '', // 11
    'eval instant at 20s metric', // 12
    '', // 13
    'clear', // 14
    'eval_ordered instant at 1m sort(x)', // 15
    '  x{a="1"} 1', // 16
    '  x{a="2"} _', // 17
    '  x{a="3"} stale', // 18
    '', // 19
    'eval_fail instant at 0m label_replace(x, "a", "", "", "")', // 20
    '', // 21
    'eval instant at 50m 1 / 0', // 22
    '\t+Inf', // 23
    '', // 24
    'eval instant at 1h30m  -0x10', // 25
    '  -0x10', // 26
  ].join('\n');
  const script = parseScript(text);

  it('splits sections at clear', () => {
    expect(script.sections.map((s) => [s.index, s.line, s.commands.length])).toEqual([
      [0, 1, 4],
      [1, 14, 4],
    ]);
  });

  it('expands loads with real timestamps; a later line for a series replaces it', () => {
    const [l1, l2] = script.sections[0]!.commands as LoadCommand[];
    expect(l1).toMatchObject({ kind: 'load', line: 1, intervalMs: 10_000 });
    expect(l1!.series[0]!.samples.map((s) => [s.t, s.stale ? 'stale' : s.v])).toEqual([[0, 0], [10_000, 1], [20_000, 'stale'], [30_000, 2]]);
    expect(bits(l1!.series[0]!.samples[2]!.v)).toBe('7ff0000000000002');
    expect(l2!.series).toHaveLength(1);
    expect(l2!.series[0]).toMatchObject({ line: 7, samples: [{ t: 0, v: 2 }, { t: 60_000, v: 3 }] });
  });

  it('reads evals with their modifiers and expectations', () => {
    const evals = evalCommands(script);
    expect(evals.map((e) => [e.line, e.expr, e.timeMs, e.fail, e.ordered])).toEqual([
      [9, 'metric', 10_000, false, false],
      [12, 'metric', 20_000, false, false],
      [15, 'sort(x)', 60_000, false, true],
      [20, 'label_replace(x, "a", "", "", "")', 0, true, false],
      [22, '1 / 0', 3_000_000, false, false],
      [25, '-0x10', 5_400_000, false, false],
    ]);
    expect(evals[1]!.expect).toEqual({ kind: 'vector', samples: [] });
    const ordered = evals[2]!.expect;
    expect(ordered.kind === 'vector' && ordered.samples.map((s) => [s.pos, s.line, s.v])).toEqual([[1, 16, 1], [2, 17, 0], [3, 18, NaN]]);
    expect(evals[4]!.expect).toEqual({ kind: 'scalar', v: Infinity });
    expect(evals[5]!.expect).toEqual({ kind: 'scalar', v: -16 });
  });

  const bad: readonly [string, string, number][] = [
    ['foo bar', 'invalid command', 1],
    ['load', 'invalid load command', 1],
    ['LOAD 5m', 'invalid load command', 1],
    ['EVAL instant at 5m x', 'invalid evaluation command', 1],
    ['load 5x', 'invalid step definition', 1],
    ['\n\nloadx 5m', 'invalid command', 3],
    ['eval instant 5m x', 'invalid evaluation command', 1],
    ['eval instant  x', 'invalid step definition', 1],
    ['eval range at 5m x', 'invalid evaluation command', 1],
    ['eval instant at 1.5m x', 'invalid step definition', 1],
    ['eval instant at 5m x\n  x{} 1 2', 'multiple values', 2],
    ['load 5m\n  x{a="1" 1', 'expected "," or "}"', 2],
    ['eval instant at 5m x\n  1\n  2', 'invalid command', 3],
  ];
  for (const [input, message, line] of bad) {
    it(`refuses ${JSON.stringify(input)} at line ${line}`, () => {
      let err: unknown;
      try {
        parseScript(input);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ScriptParseError);
      expect((err as ScriptParseError).line).toBe(line);
      expect((err as Error).message).toContain(message);
    });
  }
});

describe('durations and numbers', () => {
  const durations: readonly [string, number][] = [
    ['0', 0],
    ['0s', 0],
    ['1ms', 1],
    ['50m', 3_000_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1y', 31_536_000_000],
  ];
  for (const [s, ms] of durations) it(`duration ${s}`, () => expect(parseDuration(s)).toBe(ms));
  for (const s of ['', '1.5m', '1m1h', '5', '-1m']) it(`refuses duration ${JSON.stringify(s)}`, () => expect(() => parseDuration(s)).toThrow());

  const numbers: readonly [string, number][] = [
    ['12340000', 12340000],
    ['0x10', 16],
    ['010', 8],
    ['0o17', 15],
    ['0b101', 5],
    ['1_000', 1000],
    ['-7', -7],
    ['+Inf', Infinity],
    ['-inf', -Infinity],
    ['Infinity', Infinity],
    ['12.34e-6', 0.00001234],
    ['.5', 0.5],
    ['0x1p-2', 0.25],
    ['9223372036854775808', 9223372036854775808],
  ];
  for (const [s, v] of numbers) it(`number ${s}`, () => expect(parseNumber(s)).toBe(v));
  it('number NaN', () => expect(parseNumber('NaN')).toBeNaN());
  for (const s of ['{} 1', 'x', '1_', '_1', '1__0', '0x', '1e', '+NaN']) {
    it(`refuses number ${JSON.stringify(s)}`, () => expect(() => parseNumber(s)).toThrow('error parsing number'));
  }
  it('stale marker bits', () => expect(bits(STALE_NAN)).toBe('7ff0000000000002'));
});
