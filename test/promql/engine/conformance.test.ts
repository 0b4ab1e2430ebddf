/**
 * Proves the engine passes Prometheus 2.42's own PromQL test files: every eval through the
 * script tooling (instant, then range mode at the middle step), and again with test.go's
 * `@` variants; per-file pass counts are pinned so a regression fails here.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine, defaultEngineOptions } from '../../../src/promql/engine/index.js';
import { parseExpr } from '../../../src/promql/parser/index.js';
import { runScriptFile } from '../script/run.js';
import { runConformanceFile } from './conformance-runner.js';
import { PROMQL_TESTDATA, promqlTestdataMissing } from '../../helpers/conformance.js';

const TESTDATA = PROMQL_TESTDATA;
const missing = promqlTestdataMissing('test/promql/engine/conformance.test.ts');

/** Passing evals per upstream file (all of them: 566 of 566). */
const EXPECTED_PASSES: Readonly<Record<string, number>> = {
  'aggregators.test': 83,
  'at_modifier.test': 33,
  'collision.test': 2,
  'functions.test': 207,
  'histograms.test': 38,
  'literals.test': 20,
  'operators.test': 94,
  'selectors.test': 31,
  'staleness.test': 14,
  'subquery.test': 25,
  'trig_functions.test': 19,
};
const TOTAL = 566;

const files = missing === '' ? readdirSync(TESTDATA).filter((f) => f.endsWith('.test')).sort() : [];

// test.go's engine settings: MaxSamples 10000, Timeout 100s, the default 5m lookback and a
// 1m default subquery step. The small sample limit also guards against over-counting.
const TEST_GO_OPTIONS = { ...defaultEngineOptions(), maxSamples: 10_000, timeoutMs: 100_000, defaultEvalIntervalMs: 60_000 };
const engine = new Engine(TEST_GO_OPTIONS);

describe.skipIf(missing !== '')('upstream PromQL test files through the script tooling', () => {
  const passes: Record<string, number> = {};
  it.each(files)('%s', async (file) => {
    const results = await runScriptFile(join(TESTDATA, file), (query, timeMs, store) =>
      engine.instantQuery({ querier: (mint, maxt) => store.tsdb.querier(store.tenant, mint, maxt) }, parseExpr(query), timeMs), {
      evaluateRange: (query, start, end, step, store) =>
        engine.rangeQuery({ querier: (mint, maxt) => store.tsdb.querier(store.tenant, mint, maxt) }, parseExpr(query), start, end, step),
      tenantPrefix: 'engine-',
    });
    const failing = results.filter((r) => !r.ok).map((r) => `line ${r.line}: ${r.query}: ${r.message}`);
    passes[file] = results.length - failing.length;
    expect(failing).toEqual([]);
    expect(passes[file]).toBe(EXPECTED_PASSES[file]);
  });
  it('passes all cases', () => {
    expect(Object.values(passes).reduce((a, b) => a + b, 0)).toBe(TOTAL);
  });
});

describe.skipIf(missing !== '')('upstream PromQL test files with test.go @ variants', () => {
  it.each(files)('%s', async (file) => {
    const results = await runConformanceFile(join(TESTDATA, file), TEST_GO_OPTIONS);
    const failing = results.filter((r) => r.error !== undefined).map((r) => `line ${r.line}: ${r.expr}: ${r.error}`);
    expect(failing).toEqual([]);
    expect(results.length - failing.length).toBe(EXPECTED_PASSES[file]);
  });
});
