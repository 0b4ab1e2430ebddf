/**
 * Runs an upstream PromQL test file against this engine the way Prometheus 2.42's
 * `promql/test.go` does, including what `test/promql/script/run.ts` leaves out (the `@`
 * variants of `atModifierTestCases`): each `eval instant` runs as an instant query and compared with
 * `almostEqual`; a passing, non-failing eval is also run as a range query from t-1m to
 * t+1m at a 1m step and its middle step compared the same way (skipped for
 * `eval_ordered`); and, unless it calls a time-dependent function, the same expression
 * with `@ t` on every selector is run at other times and must give the same result. Test-support code built on `test/promql/script/`'s parser and loader.
 */
import { readFileSync } from 'node:fs';
import type { Labels } from '../../../src/model/labels.js';
import { Engine, defaultEngineOptions, type EngineOptions, type QueryableTenant } from '../../../src/promql/engine/index.js';
import { parseExpr } from '../../../src/promql/parser/index.js';
import type { Value } from '../../../src/promql/value.js';
import type { Expr, VectorSelector } from '../../../src/promql/ast.js';
import { compareResult } from '../script/compare.js';
import { appendLoads, openScriptTsdb } from '../script/load.js';
import { parseScript, type EvalCommand, type LoadCommand } from '../script/parse.js';

/** Compares a result with an eval's expectation as test.go does; an error text or undefined. */
function compare(cmd: EvalCommand, v: Value, ordered: boolean): string | undefined {
  return compareResult(cmd.expect, ordered, v);
}

export interface CaseResult {
  readonly line: number;
  readonly expr: string;
  readonly error: string | undefined;
}

/** Functions whose value depends on the evaluation time (Prometheus's AtModifierUnsafeFunctions). */
const AT_UNSAFE = new Set(['days_in_month', 'day_of_month', 'day_of_week', 'day_of_year', 'hour', 'minute', 'month', 'year', 'predict_linear', 'time', 'timestamp']);

/**
 * test.go's `atModifierTestCases`: the expression with `@ <eval time>` on every selector
 * and outermost subquery that has none, to be evaluated at other times with the same
 * expected result. Undefined when the expression calls a time-dependent function.
 */
function withAtEverywhere(e: Expr, t: number): Expr | undefined {
  let unsafe = false;
  const at = { kind: 'time', t } as const;
  const walk = (x: Expr): Expr => {
    switch (x.kind) {
      case 'vectorSelector':
        return x.at === undefined ? { ...x, at } : x;
      case 'matrixSelector':
        return { ...x, vector: walk(x.vector) as VectorSelector };
      case 'subquery':
        // Inside a subquery with `@` nothing changes; calls there still count as unsafe.
        markUnsafe(x.expr);
        return x.at === undefined ? { ...x, at } : x;
      case 'aggregate':
        return { ...x, expr: walk(x.expr), param: x.param === undefined ? undefined : walk(x.param) };
      case 'binary':
        return { ...x, lhs: walk(x.lhs), rhs: walk(x.rhs) };
      case 'unary':
      case 'paren':
        return { ...x, expr: walk(x.expr) };
      case 'call':
        if (AT_UNSAFE.has(x.func)) unsafe = true;
        return { ...x, args: x.args.map(walk) };
      default:
        return x;
    }
  };
  const markUnsafe = (x: Expr): void => {
    if (x.kind === 'call' && AT_UNSAFE.has(x.func)) unsafe = true;
    if (x.kind === 'call') x.args.forEach(markUnsafe);
    else if (x.kind === 'binary') [x.lhs, x.rhs].forEach(markUnsafe);
    else if (x.kind === 'aggregate') [x.expr, ...(x.param ? [x.param] : [])].forEach(markUnsafe);
    else if (x.kind === 'unary' || x.kind === 'paren' || x.kind === 'subquery') markUnsafe(x.expr);
  };
  const out = walk(e);
  return unsafe ? undefined : out;
}

/** Runs one eval and its `@` variants; returns undefined when all pass as in test.go. */
async function runEval(engine: Engine, q: QueryableTenant, cmd: EvalCommand): Promise<string | undefined> {
  const expr = parseExpr(cmd.expr);
  const variants: { expr: Expr; timeMs: number }[] = [{ expr, timeMs: cmd.timeMs }];
  const withAt = withAtEverywhere(expr, cmd.timeMs);
  if (withAt !== undefined) {
    const ts = cmd.timeMs;
    const times = ts === 0 ? [-1000, 0, 1000] : [-10 * ts, 0, Math.trunc(ts / 5), ts, 10 * ts];
    for (const t of times) variants.push({ expr: withAt, timeMs: t });
  }
  for (const v of variants) {
    const err = await runVariant(engine, q, cmd, v.expr, v.timeMs);
    if (err !== undefined) return v.expr === expr ? err : `@ variant at ${v.timeMs}ms: ${err}`;
  }
  return undefined;
}

async function runVariant(engine: Engine, q: QueryableTenant, cmd: EvalCommand, expr: Expr, timeMs: number): Promise<string | undefined> {
  let value: Value;
  try {
    value = await engine.instantQuery(q, expr, timeMs);
  } catch (e) {
    return cmd.fail ? undefined : `instant: ${(e as Error).message}`;
  }
  if (cmd.fail) return 'expected an error, got none';
  const err = compare(cmd, value, cmd.ordered);
  if (err !== undefined) return `instant: ${err}`;
  let range: Value;
  try {
    range = await engine.rangeQuery(q, expr, timeMs - 60_000, timeMs + 60_000, 60_000);
  } catch (e) {
    return `range: ${(e as Error).message}`;
  }
  if (cmd.ordered || range.type !== 'matrix') return undefined;
  const vector: { metric: Labels; t: number; v: number }[] = [];
  for (const s of range.matrix) {
    const p = s.points.find((x) => x.t === timeMs);
    if (p !== undefined) vector.push({ metric: s.metric, t: p.t, v: p.v });
  }
  const mid: Value = value.type === 'scalar' ? { type: 'scalar', t: timeMs, v: vector[0]?.v ?? NaN } : { type: 'vector', vector };
  const rerr = compare(cmd, mid, false);
  return rerr === undefined ? undefined : `range: ${rerr}`;
}

/** Runs every eval of a test file, each section on a fresh store. */
export async function runConformanceFile(path: string, options: EngineOptions = defaultEngineOptions()): Promise<CaseResult[]> {
  const script = parseScript(readFileSync(path, 'utf8'));
  const engine = new Engine(options);
  const results: CaseResult[] = [];
  for (const section of script.sections) {
    const store = await openScriptTsdb();
    const tenant = 'conformance';
    const q: QueryableTenant = { querier: (mint, maxt) => store.tsdb.querier(tenant, mint, maxt) };
    try {
      let pending: LoadCommand[] = [];
      for (const c of section.commands) {
        if (c.kind === 'load') {
          pending.push(c);
          continue;
        }
        if (pending.length > 0) {
          await appendLoads(store.tsdb, tenant, pending);
          pending = [];
        }
        let error: string | undefined;
        try {
          error = await runEval(engine, q, c);
        } catch (e) {
          error = `crash: ${(e as Error).stack ?? String(e)}`;
        }
        results.push({ line: c.line, expr: c.expr, error });
      }
    } finally {
      await store.close();
    }
  }
  return results;
}
