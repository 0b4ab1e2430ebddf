/**
 * Comparing an evaluation's outcome with a test script's expectation, as `test.go` v2.42
 * does (`evalCmd.compareResult`, `almostEqual`, and the checks in `Test.exec`):
 *
 * - a vector must hold exactly the expected label sets, values within `almostEqual`;
 *   `eval_ordered` also checks positions;
 * - a scalar must be within `almostEqual` of the expected number;
 * - a matrix answer to an instant evaluation fails; so does a string;
 * - `eval_fail` passes on any error and fails on any value.
 *
 * One deliberate addition: a label set twice in a vector fails ("duplicate metric"). The
 * Prometheus engine can never return one, so `test.go` does not look; an engine under
 * test can, and a duplicate would otherwise pass unseen.
 */
import { compareByName, formatLabels, labelsKey, type Labels } from '../../../src/model/labels.js';
import type { Matrix, Value, Vector } from '../../../src/promql/value.js';
import type { EvalCommand, Expectation } from './parse.js';

/** The smallest positive normal float64 (bits 0x0010000000000000), as `test.go` names it. */
const MIN_NORMAL = 2.2250738585072014e-308;
/** Relative error allowed between sample values (`test.go`'s `epsilon`). */
const EPSILON = 0.000001;

/**
 * `test.go`'s `almostEqual`: NaN equals NaN (any payload), infinities only themselves,
 * else a relative difference under 1e-6 (an absolute one near zero).
 */
export function almostEqual(a: number, b: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || diff < MIN_NORMAL) return diff < EPSILON * MIN_NORMAL;
  return diff / (Math.abs(a) + Math.abs(b)) < EPSILON;
}

/** A float as Go's `%v` prints the common cases: `+Inf`, `-Inf`, `NaN`, else shortest. */
export function formatFloat(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** The outcome of one evaluation: a value, or the error it threw. */
export type EvalOutcome = { readonly ok: true; readonly value: Value } | { readonly ok: false; readonly error: unknown };

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function sortedKey(ls: Labels): string {
  // Labels are sorted by contract; sorting a copy keeps a misordered set comparable.
  return labelsKey([...ls].sort(compareByName));
}

/**
 * Compares a result with an expectation, as `evalCmd.compareResult`. Returns undefined
 * when they agree, else what differs.
 */
export function compareResult(expect: Expectation, ordered: boolean, result: Value): string | undefined {
  switch (result.type) {
    case 'matrix':
      return 'received range result on instant evaluation';
    case 'string':
      return `unexpected result type string (${JSON.stringify(result.v)})`;
    case 'scalar':
      if (expect.kind !== 'scalar') return `expected ${expect.samples.length === 0 ? 'an empty vector' : 'a vector'} but got scalar ${formatFloat(result.v)}`;
      if (!almostEqual(expect.v, result.v)) return `expected scalar ${formatFloat(expect.v)} but got ${formatFloat(result.v)}`;
      return undefined;
    case 'vector':
      return compareVector(expect, ordered, result.vector);
  }
}

function compareVector(expect: Expectation, ordered: boolean, vector: Vector): string | undefined {
  if (expect.kind === 'scalar') {
    return vector.length === 0
      ? `expected scalar ${formatFloat(expect.v)} but got an empty vector`
      : `unexpected metric ${formatLabels(vector[0]!.metric)} in result (expected scalar ${formatFloat(expect.v)})`;
  }
  const expected = new Map(expect.samples.map((s) => [labelsKey(s.labels), s]));
  const seen = new Set<string>();
  for (let pos = 0; pos < vector.length; pos++) {
    const got = vector[pos]!;
    const key = sortedKey(got.metric);
    const exp = expected.get(key);
    if (exp === undefined) return `unexpected metric ${formatLabels(got.metric)} in result`;
    if (seen.has(key)) return `duplicate metric ${formatLabels(got.metric)} in result`;
    if (ordered && exp.pos !== pos + 1) {
      return `expected metric ${formatLabels(got.metric)} with ${formatFloat(exp.v)} at position ${exp.pos} but was at ${pos + 1}`;
    }
    if (!almostEqual(exp.v, got.v)) return `expected ${formatFloat(exp.v)} for ${formatLabels(got.metric)} but got ${formatFloat(got.v)}`;
    seen.add(key);
  }
  for (const [key, exp] of expected) {
    if (!seen.has(key)) return `expected metric ${formatLabels(exp.labels)} with ${formatFloat(exp.v)} not found`;
  }
  return undefined;
}

/**
 * Checks an instant evaluation of `cmd`, as `Test.exec`: `eval_fail` needs an error; any
 * other eval needs a value that `compareResult` accepts. Returns undefined on a pass.
 */
export function checkInstant(cmd: EvalCommand, outcome: EvalOutcome): string | undefined {
  if (!outcome.ok) {
    if (cmd.fail) return undefined;
    return `error evaluating query ${JSON.stringify(cmd.expr)} (line ${cmd.line}): ${errorText(outcome.error)}`;
  }
  if (cmd.fail) return `expected error evaluating query ${JSON.stringify(cmd.expr)} (line ${cmd.line}) but got none`;
  const diff = compareResult(cmd.expect, cmd.ordered, outcome.value);
  return diff === undefined ? undefined : `error in eval ${cmd.expr}: ${diff}`;
}

/** The start, end and step (ms) of `test.go`'s range-mode re-run: t-1m to t+1m by 1m. */
export function rangeCheckWindow(cmd: EvalCommand): { startMs: number; endMs: number; stepMs: number } {
  const minuteMs = 60_000;
  return { startMs: cmd.timeMs - minuteMs, endMs: cmd.timeMs + minuteMs, stepMs: minuteMs };
}

/** The points of `matrix` at time `t` as a vector (series without a point at t are absent). */
export function vectorAt(matrix: Matrix, t: number): Vector {
  const out: Vector = [];
  for (const s of matrix) {
    const p = s.points.find((pt) => pt.t === t);
    if (p !== undefined) out.push({ metric: s.metric, t, v: p.v });
  }
  return out;
}

/**
 * Checks the range-mode re-run of a passing, non-`eval_fail` eval, as `Test.exec`: the
 * range query must not fail; for `eval_ordered` that is all (ordering is undefined for
 * range queries); otherwise its points at t must match the expectation, as a scalar when
 * the instant result was one.
 */
export function checkRange(cmd: EvalCommand, instant: Value, outcome: EvalOutcome): string | undefined {
  if (!outcome.ok) return `error evaluating query ${JSON.stringify(cmd.expr)} (line ${cmd.line}) in range mode: ${errorText(outcome.error)}`;
  if (cmd.ordered) return undefined;
  const prefix = `error in eval ${cmd.expr} (line ${cmd.line}) range mode: `;
  if (outcome.value.type !== 'matrix') return `${prefix}expected a matrix from a range query but got ${outcome.value.type}`;
  const vector = vectorAt(outcome.value.matrix, cmd.timeMs);
  let diff: string | undefined;
  if (instant.type === 'scalar') {
    diff = vector.length === 0 ? 'no point at the evaluation time' : compareResult(cmd.expect, false, { type: 'scalar', t: cmd.timeMs, v: vector[0]!.v });
  } else {
    diff = compareResult(cmd.expect, false, { type: 'vector', vector });
  }
  return diff === undefined ? undefined : prefix + diff;
}
