/**
 * Runs Loki's own LogQL test scripts (`.logqltest`, ../shared/conformance/logql) through the
 * LogQL engine in process: each section's data goes through the real push path into a real
 * log store, each eval through `parseLogQL` and the engine, compared as Loki's Go harness
 * compares (test/logql/script). Per-file pass counts are pinned so a regression fails here;
 * every failing case is printed (file:line, query, reason).
 */
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultLogQLEngineOptions, LogQLEngine } from '../../../src/logql/engine/index.js';
import { LOGQL_TESTDATA, LOGQL_TESTDATA_EXTRA, logqlTestdataMissing } from '../../helpers/conformance.js';
import { openScriptLogStore, type ScriptLogStore } from '../script/load.js';
import { runLogqlScriptFile, type LogqlEvaluator } from '../script/run.js';

const missing = logqlTestdataMissing('test/logql/engine/conformance.test.ts');

/**
 * Passing cases per file (all 790: 740 + 50). Pinned exactly: a file that passes more must have
 * its pin raised, so the count only ratchets up.
 */
const EXPECTED_PASSES: Readonly<Record<string, number>> = {
  'conversions.logqltest': 14, // of 14
  'formatters.logqltest': 31, // of 31
  'label_filters.logqltest': 286, // of 286
  'parsers.logqltest': 53, // of 53
  'range_aggregations.logqltest': 241, // of 241
  'vector_aggregations.logqltest': 115, // of 115
  'deduplication.logqltest': 44, // of 44
  'log_selection.logqltest': 6, // of 6
};
const TOTAL = Object.values(EXPECTED_PASSES).reduce((a, b) => a + b, 0);

const files =
  missing === ''
    ? [LOGQL_TESTDATA, LOGQL_TESTDATA_EXTRA].flatMap((dir) =>
        readdirSync(dir)
          .filter((f) => f.endsWith('.logqltest'))
          .sort()
          .map((f) => ({ file: f, path: join(dir, f) })),
      )
    : [];

// The Go harness runs its engine without limits; Loki's defaults are far above what the scripts need.
const engine = new LogQLEngine(defaultLogQLEngineOptions());
const evaluate: LogqlEvaluator = async (q, src) => (q.kind === 'instant' ? engine.instantQuery(src, q.expr, q.params) : engine.rangeQuery(src, q.expr, q.params)).then((r) => r.value);

describe.skipIf(missing !== '')('Loki LogQL test scripts through the engine', () => {
  let target: ScriptLogStore;
  beforeAll(async () => {
    target = await openScriptLogStore();
  });
  afterAll(async () => {
    await target?.close();
  });

  const passes: Record<string, number> = {};
  it.each(files)('$file', async ({ file, path }) => {
    const results = await runLogqlScriptFile(path, evaluate, { target });
    const failing = results.filter((r) => !r.ok);
    if (failing.length > 0) {
      console.log(`${file}: ${results.length - failing.length}/${results.length} pass; failing:\n${failing.map((r) => `  FAIL ${r.file}:${r.line} ${r.query}\n       ${r.message}`).join('\n')}`);
    }
    passes[file] = results.length - failing.length;
    expect(passes[file], `${file}: ${passes[file]} of ${results.length} pass; the pin is ${EXPECTED_PASSES[file]} (raise it when more pass)`).toBe(EXPECTED_PASSES[file]);
  });

  it('passes the pinned total', () => {
    expect(Object.values(passes).reduce((a, b) => a + b, 0)).toBe(TOTAL);
  });
});
