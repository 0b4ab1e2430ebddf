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

/** Loki's LogQL test scripts (`.logqltest`) at the pinned upstream commit. */
export const LOGQL_TESTDATA = join(root, 'logql', 'testdata');

/** Newer upstream `.logqltest` files, not in that snapshot (log queries, `flush`). */
export const LOGQL_TESTDATA_EXTRA = join(root, 'logql', 'testdata-extra');

/** Why suites needing `LOGQL_TESTDATA` (and its `-extra` sibling) must skip, or '' when both are there. */
export function logqlTestdataMissing(suite: string): string {
  const absent = [LOGQL_TESTDATA, LOGQL_TESTDATA_EXTRA].filter((d) => !existsSync(d));
  if (absent.length === 0) return '';
  const why = `${absent.join(' and ')} ${absent.length === 1 ? 'is' : 'are'} missing (set CAIRN_CONFORMANCE_DIR to the shared conformance folder)`;
  console.log(`SKIPPED ${suite}: ${why}`);
  return why;
}
