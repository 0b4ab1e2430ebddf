// Proves the script runner's plumbing without the LogQL engine: loads reach a real log store
// through the real push path (time-sorted per stream, metadata kept, out-of-order across
// pushes, across a `flush` that cuts blocks), each section reads only its own tenant, evals
// map to the right engine calls and windows ([t0, t1) selects, [T-30s, T) instant log
// queries, steps), parse errors and refused pushes become case failures. A stand-in
// evaluator answers plain stream selectors from the store.
import { describe, expect, it } from 'vitest';
import type { LogQLSource, LogQLValue, ResultStream } from '../../../src/logql/engine/types.js';
import type { Label } from '../../../src/model/labels.js';
import { newMatcher } from '../../../src/model/matcher.js';
import { pushBody } from './load.js';
import { parseLoadLine, parseLogqlScript, SCRIPT_EPOCH_MS } from './parse.js';
import { queryFor, runLogqlScript, type ScriptQuery } from './run.js';

/** Answers `{…}` selectors without pipeline stages as range queries; refuses anything else. */
async function selectorOnly(q: ScriptQuery, src: LogQLSource): Promise<LogQLValue> {
  if (q.kind !== 'range' || q.expr.kind !== 'log_selector' || q.expr.stages.length > 0) throw new Error('the stand-in evaluator answers plain selectors only');
  const p = q.params;
  const querier = src.querier(p.startMs, p.endMs);
  try {
    const set = querier.select(
      q.expr.matchers.map((m) => newMatcher(m.type, m.name, m.value)),
      p,
    );
    const byKey = new Map<string, ResultStream>();
    while (set.next()) {
      const s = set.at();
      const it = s.iterator();
      while (it.next()) {
        const e = it.at();
        const labels: Label[] = [...s.labels, ...e.metadata].sort((a, b) => (a.name < b.name ? -1 : 1));
        const key = JSON.stringify(labels);
        let r = byKey.get(key);
        if (r === undefined) byKey.set(key, (r = { labels, entries: [] }));
        r.entries.push({ tMs: e.tMs, tNs: e.tNs, line: e.line });
      }
    }
    return { type: 'streams', streams: [...byKey.values()] };
  } finally {
    querier.close();
  }
}

const SCRIPT = `
load
  {app="foo"} "b" @ 20s
  {app="foo"} "a" @ 10s
  {app="bar"} "x" @ 15s [metadata t="1"]

flush

load
  {app="foo"} "c" @ 5s   # older than what the first push stored

eval select from 0 to 20s {app="foo"}        # [0, 20s): b is out
  {app="foo"} "c" @ 5s
  {app="foo"} "a" @ 10s
eval select from 0 to 30s backward {app="foo"}
  {app="foo"} "b" @ 20s
  {app="foo"} "a" @ 10s
  {app="foo"} "c" @ 5s
eval instant at 40s {app="foo"}              # [10s, 40s)
  {app="foo"} "a" @ 10s
  {app="foo"} "b" @ 20s
eval select from 0 to 30s {app="bar"}
  {app="bar"} "x" @ 15s [metadata t="1"]
eval select from 0 to 30s {app="foo"} |= "a"
  expect fail msg: plain selectors only
eval select from 0 to 30s {app=}
  expect fail msg: syntax error
eval select from 0 to 30s {app="foo"}
  expect empty

clear
eval select from 0 to 1m {app=~".+"}
  expect empty

clear
load
  {"bad name"="x"} "y" @ 1s

eval select from 0 to 1m {app=~".+"}
  expect empty
`;

describe('runLogqlScript with a stand-in evaluator', () => {
  it('pushes, flushes, isolates sections and maps windows', async () => {
    const results = await runLogqlScript(parseLogqlScript(SCRIPT, 'plumbing.logqltest'), selectorOnly);
    expect(results.map((r) => [r.line, r.ok ? 'ok' : r.message])).toEqual([
      [12, 'ok'],
      [15, 'ok'],
      [19, 'ok'],
      [22, 'ok'],
      [24, 'ok'],
      [26, 'ok'],
      [28, 'expected an empty result, got 1 streams'],
      [32, 'ok'],
      [39, expect.stringMatching(/^section at line 35: the push of the loads at line 37 was refused: .*invalid/)],
    ]);
  });

  it('runs only the lines asked for', async () => {
    const results = await runLogqlScript(parseLogqlScript(SCRIPT, 'plumbing.logqltest'), selectorOnly, { lines: [15] });
    expect(results.map((r) => [r.line, r.ok])).toEqual([[15, true]]);
  });
});

describe('queryFor', () => {
  const cases = parseLogqlScript(
    [
      'eval instant at 90s count_over_time({a="b"}[1m])',
      '  {} 1',
      'eval instant at 90s {a="b"}',
      '  expect empty',
      'eval range from 30s to 90s step 15s rate({a="b"}[1m])',
      '  {} 1 1 1 1 1',
      'eval select from 500ms to 90s backward limit 3 {a="b"}',
      '  expect empty',
    ].join('\n'),
    'q',
  ).cases;
  const metric = { kind: 'vector', op: 'sum', expr: {} } as never;
  const log = { kind: 'log_selector', matchers: [], stages: [] } as const;
  const T = SCRIPT_EPOCH_MS;
  it.each([
    { name: 'instant metric', i: 0, expr: metric, expected: { kind: 'instant', params: { tMs: T + 90_000, tNs: 0, limit: 1000, direction: 'forward' } } },
    { name: 'instant log: [T-30s, T)', i: 1, expr: log, expected: { kind: 'range', params: { startMs: T + 60_000, startNs: 0, endMs: T + 90_000, endNs: 0, intervalMs: 0, limit: 1000, direction: 'forward' } } },
    { name: 'range: step', i: 2, expr: metric, expected: { kind: 'range', params: { startMs: T + 30_000, endMs: T + 90_000, stepMs: 15_000, limit: 1000, direction: 'forward' } } },
    { name: 'select: direction and limit', i: 3, expr: log, expected: { kind: 'range', params: { startMs: T + 500, startNs: 0, endMs: T + 90_000, limit: 3, direction: 'backward' } } },
  ])('$name', ({ i, expr, expected }) => {
    expect(queryFor(cases[i]!, expr)).toMatchObject(expected);
  });
});

describe('pushBody', () => {
  it('groups by stream, sorts values by time (stable), keeps metadata objects', () => {
    const loads = ['{b="2", a="1"} "late" @ 2s', '{a="1", b="2"} "early" @ 1s [metadata t="x"]', '{a="1", b="2"} "tie" @ 2s', '{c="3"} "z" @ 0'].map((l, i) => parseLoadLine(l, i + 1));
    const base = BigInt(SCRIPT_EPOCH_MS) * 1_000_000n;
    expect(JSON.parse(pushBody(loads))).toEqual({
      streams: [
        {
          stream: { b: '2', a: '1' },
          values: [
            [(base + 1_000_000_000n).toString(), 'early', { t: 'x' }],
            [(base + 2_000_000_000n).toString(), 'late'],
            [(base + 2_000_000_000n).toString(), 'tie'],
          ],
        },
        { stream: { c: '3' }, values: [[base.toString(), 'z']] },
      ],
    });
  });
});
