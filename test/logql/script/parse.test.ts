// Proves the .logqltest parser reads Loki's scripts as the Go harness does: one case per
// `eval` line in every upstream file (the counts the conformance README pins), none
// malformed, one section per `clear`, and each piece of the notation (load lines, repeats,
// metadata, sample expansion, label sets, comments, eval headers, expectation rules).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOGQL_TESTDATA, LOGQL_TESTDATA_EXTRA, logqlTestdataMissing } from '../../helpers/conformance.js';
import { labelsText, parseEvalHeader, parseLabelSet, parseLoadLine, parseLogqlScript, parseSamples, stripComment, type EvalCase } from './parse.js';

const missing = logqlTestdataMissing('test/logql/script/parse.test.ts');

/** Cases (eval lines) per upstream file, as the conformance README's table lists them. */
const README_COUNTS: Readonly<Record<string, number>> = {
  'conversions.logqltest': 14,
  'formatters.logqltest': 31,
  'label_filters.logqltest': 286,
  'parsers.logqltest': 53,
  'range_aggregations.logqltest': 241,
  'vector_aggregations.logqltest': 115,
  'deduplication.logqltest': 44,
  'log_selection.logqltest': 6,
};

describe.skipIf(missing !== '')('upstream scripts', () => {
  const files = [LOGQL_TESTDATA, LOGQL_TESTDATA_EXTRA].flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith('.logqltest'))
      .map((f) => ({ name: f, path: join(d, f) })),
  );
  it('finds exactly the files of the README table', () => {
    expect(files.map((f) => f.name).sort()).toEqual(Object.keys(README_COUNTS).sort());
  });
  it.each(files)('$name: one valid case per eval line, one section per clear', ({ name, path }) => {
    const text = readFileSync(path, 'utf8');
    const script = parseLogqlScript(text, name);
    expect(script.cases.length).toBe(README_COUNTS[name]);
    expect(script.cases.length).toBe(text.split('\n').filter((l) => /^\s*eval\b/.test(l)).length);
    expect(script.cases.filter((c) => c.invalid !== undefined).map((c) => `${c.line}: ${c.invalid}`)).toEqual([]);
    expect(script.sections.filter((s) => s.index > 0).length).toBe(text.split('\n').filter((l) => stripComment(l).trim() === 'clear').length);
  });
});

describe('load lines', () => {
  const rows: { name: string; input: string; labels: string; entries: [number, string, string][] }[] = [
    { name: 'one entry', input: '{app="a"} "x" @ 10s', labels: '{app="a"}', entries: [[10e9, 'x', '{}']] },
    {
      name: 'repeat makes n entries, {{.i}} is the index',
      input: '{app="a", b="c"}   "n={{.i}}" @ 1m30s [repeat every 500ms for 3]',
      labels: '{app="a", b="c"}',
      entries: [
        [90e9, 'n=0', '{}'],
        [90.5e9, 'n=1', '{}'],
        [91e9, 'n=2', '{}'],
      ],
    },
    { name: 'raw backtick line with quotes', input: '{app="j"} `{"status":"500"}` @ 0', labels: '{app="j"}', entries: [[0, '{"status":"500"}', '{}']] },
    { name: 'no escapes in lines', input: String.raw`{app="a"} "a\tb" @ 1s`, labels: '{app="a"}', entries: [[1e9, String.raw`a\tb`, '{}']] },
    { name: 'empty stream label dropped', input: '{app="s", name=""} "x" @ 30s', labels: '{app="s"}', entries: [[30e9, 'x', '{}']] },
    {
      name: 'metadata kept as written, empty values too',
      input: '{app="m"} "x" @ 12s [repeat every 12s for 2] [metadata name="" trace_id="1"]',
      labels: '{app="m"}',
      entries: [
        [12e9, 'x', '{name="", trace_id="1"}'],
        [24e9, 'x', '{name="", trace_id="1"}'],
      ],
    },
  ];
  it.each(rows)('$name', ({ input, labels, entries }) => {
    const l = parseLoadLine(input, 7);
    expect(l.key).toBe(labels);
    expect(l.line).toBe(7);
    expect(l.entries.map((e) => [e.tNs, e.line, labelsText(e.metadata)])).toEqual(entries);
  });
  const bad: { input: string; error: RegExp }[] = [
    { input: 'app="a" "x" @ 1s', error: /starting with '\{'/ },
    { input: '{app="a"} "x"', error: /missing '@ <start>'/ },
    { input: '{app="a"} "x" @ 1s [repeat every 1s for 0]', error: /at least 1/ },
    { input: '{app="a"} "x" @ 1s [repeat 1s]', error: /unexpected content/ },
    { input: '{app="a"} "x" @ 1s [metadata k=v]', error: /expected key="value"/ },
    { input: '{app="a"} "x" @ 1d', error: /invalid duration/ },
  ];
  it.each(bad)('refuses $input', ({ input, error }) => {
    expect(() => parseLoadLine(input, 1)).toThrow(error);
  });
});

describe('notation helpers', () => {
  it.each([
    { input: ['1', '_', 'NaN', '+Inf', '-Inf', 'Inf'], expected: [1, null, NaN, Infinity, -Infinity, Infinity] },
    { input: ['1+2x3'], expected: [1, 3, 5, 7] },
    { input: ['10-1x2'], expected: [10, 9, 8] },
    { input: ['4x2', '1e3'], expected: [4, 4, 4, 1000] },
    { input: ['-1+1x1'], expected: [-1, 0] },
  ])('samples $input', ({ input, expected }) => {
    expect(parseSamples(input).map((s) => (s.present ? s.v : null))).toEqual(expected);
  });
  it('refuses bad samples', () => {
    expect(() => parseSamples(['1x'])).toThrow(/repeat count/);
    expect(() => parseSamples(['abc'])).toThrow(/invalid number/);
  });
  it.each([
    { input: '{}', drop: false, expected: '{}' },
    { input: '{b="2", a="1",}', drop: false, expected: '{a="1", b="2"}' },
    { input: '{age=""}', drop: false, expected: '{age=""}' },
    { input: '{age=""}', drop: true, expected: '{}' },
    { input: String.raw`{a="x\"y\n", "b c"='1'}`.replace(`'1'`, '`1`'), drop: false, expected: '{a="x\\"y\\n", "b c"="1"}' },
  ])('label set $input (drop empty: $drop)', ({ input, drop, expected }) => {
    expect(labelsText(parseLabelSet(input, drop))).toBe(expected);
  });
  it('refuses duplicate and unquoted labels', () => {
    expect(() => parseLabelSet('{a="1", a="2"}', false)).toThrow(/duplicate/);
    expect(() => parseLabelSet('{a=1}', false)).toThrow(/quoted/);
    expect(() => parseLabelSet('{a=~"1"}', false)).toThrow(/expected '='/);
  });
  it.each([
    { input: 'eval instant at 60s foo # note', expected: 'eval instant at 60s foo' },
    { input: '  {a="#x"} `b#c` @ 1s   # c', expected: '  {a="#x"} `b#c` @ 1s' },
    { input: 'no comment', expected: 'no comment' },
  ])('strips the comment of $input', ({ input, expected }) => {
    expect(stripComment(input)).toBe(expected);
  });
  it.each([
    { input: 'eval instant at 1m30s sum(x)', expected: { mode: 'instant', tNs: 90e9, query: 'sum(x)' } },
    { input: 'eval range from 0 to 60s step 30s rate({a="b"}[1m])', expected: { mode: 'range', startNs: 0, endNs: 60e9, stepNs: 30e9, query: 'rate({a="b"}[1m])' } },
    { input: 'eval select from 0 to 30s {app="foo"}', expected: { mode: 'select', startNs: 0, endNs: 30e9, direction: 'forward', limit: undefined, query: '{app="foo"}' } },
    { input: 'eval select from 5s to 30s backward limit 2 {a="b"} |= "x"', expected: { mode: 'select', startNs: 5e9, endNs: 30e9, direction: 'backward', limit: 2, query: '{a="b"} |= "x"' } },
  ])('eval header $input', ({ input, expected }) => {
    expect(parseEvalHeader(input)).toEqual(expected);
  });
  it.each([
    { input: 'eval range from 0 to 60s step 0s x', error: /step must be positive/ },
    { input: 'eval range from 60s to 0 step 1s x', error: /before start/ },
    { input: 'eval sometimes x', error: /expected 'instant'/ },
  ])('refuses $input', ({ input, error }) => {
    expect(() => parseEvalHeader(input)).toThrow(error);
  });
});

describe('scripts', () => {
  const one = (body: string): EvalCase => {
    const s = parseLogqlScript(`load\n  {a="b"} "x" @ 1s\n\n${body}\n`, 't.logqltest');
    expect(s.cases).toHaveLength(1);
    return s.cases[0]!;
  };
  it('splits sections at clear and keeps commands in order', () => {
    const s = parseLogqlScript(
      ['# header', 'eval instant at 0 vector(1)', '  {} 1', 'clear', 'load', '  {a="b"} "x" @ 1s', '', 'flush', 'load', '  {a="b"} "y" @ 2s', 'eval instant at 2s count_over_time({a="b"}[5s])', '  # inner comment', '  {a="b"} 2'].join('\n'),
      't.logqltest',
    );
    expect(s.sections.map((x) => [x.index, x.line, x.commands.map((c) => c.kind)])).toEqual([
      [0, 1, ['eval']],
      [1, 4, ['load', 'flush', 'load', 'eval']],
    ]);
    expect(s.cases.map((c) => c.invalid)).toEqual([undefined, undefined]);
  });
  it.each([
    { body: 'eval instant at 1s x\n  expect fail msg: boom', check: (c: EvalCase) => expect(c.expect.fail).toEqual({ kind: 'msg', text: 'boom' }) },
    { body: 'eval instant at 1s x\n  expect fail regex: b.*m', check: (c: EvalCase) => expect(c.expect.fail).toEqual({ kind: 'regex', text: 'b.*m' }) },
    { body: 'eval instant at 1s x\n  expect empty', check: (c: EvalCase) => expect(c.expect.empty).toBe(true) },
    { body: 'eval instant at 1s x\n  3.5', check: (c: EvalCase) => expect(c.expect.scalar).toBe(3.5) },
    {
      body: 'eval instant at 1s x\n  expect ordered\n  {a="2"} 1\n  {a="1"} 2',
      check: (c: EvalCase) => expect([c.expect.ordered, c.expect.series.map((s) => s.key)]).toEqual([true, ['{a="2"}', '{a="1"}']]),
    },
    {
      body: 'eval select from 0 to 1m {a="b"}\n  {a="b"} "x" @ 1s [metadata t="1"] [parsed p="2"]\n  {a="b"} "y" @ 2s',
      check: (c: EvalCase) =>
        expect(c.expect.streams.map((s) => [s.key, s.entries.map((e) => [e.tNs, e.line, labelsText(e.metadata), labelsText(e.parsed)])])).toEqual([
          [
            '{a="b"}',
            [
              [1e9, 'x', '{t="1"}', '{p="2"}'],
              [2e9, 'y', '{}', '{}'],
            ],
          ],
        ]),
    },
    {
      body: 'eval instant at 1s x\n  skip values-comparison on "query-frontend + query-scheduler (sharding)"\n  {} 1',
      check: (c: EvalCase) => expect(c.expect.skipValuesOn).toEqual(['query-frontend + query-scheduler (sharding)']),
    },
  ])('expectation: $body', ({ body, check }) => {
    const c = one(body);
    expect(c.invalid).toBeUndefined();
    check(c);
  });
  it.each([
    { body: 'eval instant at 1s x', error: /no expectation/ },
    { body: 'eval instant at 1s x\n  expect empty\n  {} 1', error: /conflicting/ },
    { body: 'eval instant at 1s x\n  expect ordered\n  expect empty', error: /requires series/ },
    { body: 'eval range from 0 to 10s step 5s x\n  expect ordered\n  {} 1 2 3', error: /only supported for instant/ },
    { body: 'eval range from 0 to 10s step 5s x\n  {} 1 2', error: /2 points, expected 3 steps/ },
    { body: 'eval instant at 1s x\n  {} 1 2', error: /one value/ },
    { body: 'eval instant at 1s x\n  {} _', error: /one value/ },
    { body: 'eval instant at 1s x\n  {a="1"} 1\n  {a="1"} 2', error: /duplicate expected series/ },
    { body: 'eval instant at 1s x\n  expect fail mesg: x', error: /unsupported `expect fail` qualifier/ },
    { body: 'eval instant at 1s x\n  expect something', error: /unsupported expect annotation/ },
    { body: 'eval instant at 1s x\n  skip values-comparison on "nope"\n  {} 1', error: /unknown stack/ },
    { body: 'eval later x\n  {} 1', error: /expected 'instant'/ },
  ])('invalid case: $body', ({ body, error }) => {
    expect(one(body).invalid).toMatch(error);
  });
  it('refuses a bad load line, an empty load block and an unknown command with the line', () => {
    expect(() => parseLogqlScript('load\n  {a="b"} "x"\n', 'f')).toThrow(/^f:2: invalid load line/);
    expect(() => parseLogqlScript('load\n\neval instant at 0 x\n  1', 'f')).toThrow(/^f:1: load block has no data lines/);
    expect(() => parseLogqlScript('clear\nbogus\n', 'f')).toThrow(/^f:2: unexpected command "bogus"/);
  });
});
