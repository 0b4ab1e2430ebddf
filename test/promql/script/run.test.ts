// Proves that the script runner drives an evaluator over a real store as promql/test.go
// does: one fresh tenant per section, loads visible to the evals after them, per-case
// pass/fail with messages, the range-mode re-run, load failures confined to their section,
// and that every section of Prometheus 2.42's test files loads into the head.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newMatcher } from '../../../src/model/matcher.js';
import type { Sample, Value } from '../../../src/promql/value.js';
import { openScriptTsdb } from './load.js';
import { evalCommands, parseScript, STALE_NAN } from './parse.js';
import { runScript, runScriptFile, type InstantEvaluator, type RangeEvaluator, type ScriptStore } from './run.js';
import { PROMQL_TESTDATA, promqlTestdataMissing } from '../../helpers/conformance.js';

/** Upstream test files, read in place (never copied into the repo). */
const TESTDATA_DIR = PROMQL_TESTDATA;
const missing = promqlTestdataMissing('upstream files in test/promql/script/run.test.ts');

const staleBits = new Float64Array([STALE_NAN]);
const staleWords = new Uint32Array(staleBits.buffer);
function isStale(v: number): boolean {
  const w = new Uint32Array(new Float64Array([v]).buffer);
  return w[0] === staleWords[0] && w[1] === staleWords[1];
}

/**
 * A stand-in evaluator that knows one kind of query, a bare metric name: the newest
 * sample of each series in the 5-minute lookback window, unless it is a stale marker.
 * Anything else "fails to parse".
 */
const selectLatest: InstantEvaluator = async (query: string, t: number, store: ScriptStore): Promise<Value> => {
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(query)) throw new Error(`stub evaluator cannot parse ${JSON.stringify(query)}`);
  const q = store.tsdb.querier(store.tenant, t - 300_000 + 1, t);
  try {
    const set = q.select([newMatcher('=', '__name__', query)]);
    const vector: Sample[] = [];
    while (set.next()) {
      const s = set.at();
      const it = s.iterator();
      let last: number | undefined;
      while (it.next()) last = it.v;
      if (last !== undefined && !isStale(last)) vector.push({ metric: s.labels, t, v: last });
    }
    return { type: 'vector', vector };
  } finally {
    q.close();
  }
};

/** Range mode built on the stub: one instant evaluation per step. */
const rangeOfLatest: RangeEvaluator = async (query, startMs, endMs, stepMs, store) => {
  const bySeries = new Map<string, { metric: Sample['metric']; points: { t: number; v: number }[] }>();
  for (let t = startMs; t <= endMs; t += stepMs) {
    const v = await selectLatest(query, t, store);
    if (v.type !== 'vector') throw new Error('BUG: stub returns vectors');
    for (const s of v.vector) {
      const key = JSON.stringify(s.metric);
      const entry = bySeries.get(key) ?? { metric: s.metric, points: [] };
      entry.points.push({ t, v: s.v });
      bySeries.set(key, entry);
    }
  }
  return { type: 'matrix', matrix: [...bySeries.values()] };
};

const script = parseScript(
  [
    'load 1m', // 1
    '  up{job="a"} 1 2 3 stale', // 2
    '  up{job="b"} 0+10x5', // 3
    '', // 4
    'eval instant at 2m up', // 5
    '  up{job="a"} 3', // 6
    '  up{job="b"} 20', // 7
    '', // 8
    'eval instant at 3m up', // 9
    '  up{job="b"} 30', // 10
    '', // 11
    'eval instant at 2m up', // 12
    '  up{job="a"} 999', // 13
    '  up{job="b"} 20', // 14
    '', // 15
    'eval_fail instant at 0m sum(up', // 16
    '', // 17
    'eval_fail instant at 0m up', // 18
    '', // 19
    'clear', // 20
    'eval instant at 2m up', // 21
    '', // 22
    'load 5m', // 23
    '  x 1', // 24
    '', // 25
    'eval instant at 0m x', // 26
    '  x 1', // 27
  ].join('\n'),
);

describe('runScript', () => {
  it('reports each eval, one tenant per section', async () => {
    const results = await runScript(script, 'demo.test', selectLatest);
    expect(results.map((r) => [r.line, r.query, r.ok])).toEqual([
      [5, 'up', true],
      [9, 'up', true],
      [12, 'up', false],
      [16, 'sum(up', true],
      [18, 'up', false],
      [21, 'up', true], // the data of section 0 is not visible after clear
      [26, 'x', true],
    ]);
    expect(results.every((r) => r.file === 'demo.test')).toBe(true);
    expect(results.filter((r) => r.ok).every((r) => r.message === '')).toBe(true);
    expect(results[2]!.message).toContain('expected 999 for {__name__="up", job="a"} but got 3');
    expect(results[4]!.message).toContain('expected error evaluating query "up" (line 18) but got none');
  });

  it('runs only the requested lines', async () => {
    const results = await runScript(script, 'demo.test', selectLatest, { lines: [9, 26] });
    expect(results.map((r) => [r.line, r.ok])).toEqual([
      [9, true],
      [26, true],
    ]);
  });

  it('checks range mode when given a range evaluator', async () => {
    const results = await runScript(script, 'demo.test', selectLatest, { evaluateRange: rangeOfLatest });
    expect(results.map((r) => r.ok)).toEqual([true, true, false, true, false, true, true]);

    // A range evaluator that labels each step's value one step late.
    const shifted: RangeEvaluator = async (query, startMs, endMs, stepMs, store) => {
      const m = await rangeOfLatest(query, startMs, endMs, stepMs, store);
      if (m.type !== 'matrix') throw new Error('BUG: stub returns matrices');
      return { type: 'matrix', matrix: m.matrix.map((s) => ({ metric: s.metric, points: s.points.map((p) => ({ t: p.t + stepMs, v: p.v })) })) };
    };
    const broken = await runScript(script, 'demo.test', selectLatest, { evaluateRange: shifted, lines: [5] });
    expect(broken[0]!.ok).toBe(false);
    expect(broken[0]!.message).toContain('range mode');
  });

  it('fails the evals of a section that cannot be loaded, and only those', async () => {
    const text = ['load 1h', '  m 0 1 2 3', '', 'eval instant at 3h m', '  m 3', '', 'load 1h', '  old 1', '', 'eval instant at 3h m', '  m 3', '', 'clear', 'load 1m', '  m 5', '', 'eval instant at 0m m', '  m 5'].join('\n');
    const results = await runScript(parseScript(text), 'bad.test', selectLatest);
    expect(results.map((r) => [r.line, r.ok])).toEqual([
      [4, true],
      [10, false],
      [17, true],
    ]);
    expect(results[1]!.message).toContain('section 0 (line 1) could not be loaded: line 8: cannot load {__name__="old"} at t=0');
  });
});

describe.skipIf(missing !== '')('upstream files', () => {
  // Loads every section of every file (the evaluator answers nothing, so cases fail on
  // purpose); what matters is that the head refuses no section's data and holds every
  // series afterwards.
  const files = missing === '' ? readdirSync(TESTDATA_DIR).filter((f) => f.endsWith('.test')).sort() : [];
  it('has the eleven v2.42 files', () => expect(files).toHaveLength(11));
  for (const file of files) {
    it(`${file}: every section loads`, async () => {
      const parsed = parseScript(readFileSync(join(TESTDATA_DIR, file), 'utf8'));
      const db = await openScriptTsdb();
      try {
        const results = await runScriptFile(join(TESTDATA_DIR, file), async () => ({ type: 'vector', vector: [] }), { tsdb: db.tsdb, tenantPrefix: 'up-' });
        expect(results).toHaveLength(evalCommands(parsed).length);
        expect(results.filter((r) => r.message.includes('could not be loaded')).map((r) => `${r.line}: ${r.message}`)).toEqual([]);
        for (const section of parsed.sections) {
          const series = new Set(section.commands.flatMap((c) => (c.kind === 'load' ? c.series.filter((x) => x.samples.length > 0).map((x) => JSON.stringify(x.labels)) : [])));
          const head = db.tsdb.head(`up-${file.replace(/\.test$/, '')}-${section.index}`);
          expect(head?.series.size ?? 0, `section ${section.index}`).toBe(series.size);
        }
      } finally {
        await db.close();
      }
    });
  }
});
