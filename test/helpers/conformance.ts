/**
 * Where the upstream conformance data lives: `../shared/conformance/` beside the project
 * (read in place, never copied in), or `CAIRN_CONFORMANCE_DIR`. Suites that need it are
 * skipped with the printed reason when it is absent, never silently passed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = process.env.CAIRN_CONFORMANCE_DIR ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'conformance');

/** Prometheus 2.42's PromQL test files. */
export const PROMQL_TESTDATA = join(root, 'promql', 'testdata');

/** Why suites needing `PROMQL_TESTDATA` must skip, or '' when it is there. */
export function promqlTestdataMissing(suite: string): string {
  if (existsSync(PROMQL_TESTDATA)) return '';
  const why = `${PROMQL_TESTDATA} is missing (set CAIRN_CONFORMANCE_DIR to the shared conformance folder)`;
  console.log(`SKIPPED ${suite}: ${why}`);
  return why;
}
