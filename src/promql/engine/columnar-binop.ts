/**
 * A vector/vector arithmetic or comparison operator (`a / on(instance) group_left b`)
 * series by series instead of step by step, when its matching is the same at every step:
 * each match group has one series on the "one" side (and, one-to-one, one on the other),
 * and every pair of series gives its own result label set. Then no step can raise a
 * matching error, each result series is one pair of input series, and its points are the
 * steps both have: a merge of two columns, with no per-step matching, label lookups or
 * collector. Anything else returns undefined and the evaluator takes the step-by-step path
 * (`VectorBinopNode.apply`), which raises Prometheus's errors where they occur.
 *
 * The answer equals the step-by-step path's: the same series in the same order (first
 * appearance: earliest step, then the order of the "many" side's series), the same values
 * (`elemBinop`), and the same sample accounting, replayed step by step.
 */
import type { BinaryOp, VectorMatching } from '../ast.js';
import { stepAfter, stepOf } from './columnar-aggregate.js';
import { elemBinop, type VectorBinopNode } from './binop.js';
import { tooManySamples, type QueryState } from './query-state.js';
import type { StepMatrix, StepSeries } from './step-vector.js';
import { doublesOfLength } from '../../util/doubles.js';
import { keyOf } from './util.js';

/** Where the steps are. */
export interface BinopSteps {
  readonly start: number;
  readonly interval: number;
  readonly steps: number;
}

const keep = [true];

/** Points per step of a matrix; undefined when a point is not at a step timestamp. */
function pointsPerStep(m: StepMatrix, s: BinopSteps): Int32Array | undefined {
  const out = new Int32Array(s.steps);
  for (const series of m) {
    const ts = series.t;
    let step = -1;
    // Indexed, not `for of`: the 100k bench's `group_left` range boxed every time read here (4 MB a query).
    for (let j = 0; j < ts.length; j++) {
      step = stepAfter(ts[j]!, step, s.start, s.interval, s.steps);
      if (step < 0) return undefined;
      out[step]!++;
    }
  }
  return out;
}

/**
 * `lhs op rhs` over the steps, or undefined when the matching may differ from step to step
 * (see the module comment). `lhsKeys`/`rhsKeys` are each series' match signature interned
 * to an integer; `temp` is the sample count `rangeEval` starts its steps from. Throws the
 * sample-limit error where the step-by-step path would.
 */
export function columnarVectorBinop(
  node: VectorBinopNode,
  op: BinaryOp,
  matching: VectorMatching,
  returnBool: boolean,
  lhs: StepMatrix,
  rhs: StepMatrix,
  lhsKeys: readonly number[],
  rhsKeys: readonly number[],
  s: BinopSteps,
  q: QueryState,
  temp: number,
): StepMatrix | undefined {
  if (matching.card === 'many-to-many') return undefined;
  // One-to-many is many-to-one with the sides swapped; values are swapped back below.
  const swapped = matching.card === 'one-to-many';
  const many = swapped ? rhs : lhs;
  const one = swapped ? lhs : rhs;
  const manyKeys = swapped ? rhsKeys : lhsKeys;
  const oneKeys = swapped ? lhsKeys : rhsKeys;
  const oneBySig = new Map<number, number>();
  for (let j = 0; j < one.length; j++) {
    if (oneBySig.has(oneKeys[j]!)) return undefined;
    oneBySig.set(oneKeys[j]!, j);
  }
  if (matching.card === 'one-to-one') {
    const seen = new Set<number>();
    for (const k of manyKeys) {
      if (seen.has(k)) return undefined;
      seen.add(k);
    }
  }
  const inLhs = pointsPerStep(lhs, s);
  const inRhs = pointsPerStep(rhs, s);
  if (inLhs === undefined || inRhs === undefined) return undefined;

  // Each pair's result labels, all distinct.
  const pairs: { i: number; j: number; metric: StepSeries['metric'] }[] = [];
  const resultKeys = new Set<string>();
  for (let i = 0; i < many.length; i++) {
    const j = oneBySig.get(manyKeys[i]!);
    if (j === undefined) continue;
    const metric = node.resultLabels(many[i]!.metric, one[j]!.metric);
    const key = keyOf(metric);
    if (resultKeys.has(key)) return undefined;
    resultKeys.add(key);
    pairs.push({ i, j, metric });
  }

  const outputs = new Int32Array(s.steps);
  const result: { series: StepSeries; firstStep: number; i: number }[] = [];
  // Kept times go to a scratch column first: most pairs keep every point of one side, and
  // then the result shares that side's time array (nothing writes to a multi-step result's
  // times; the collector shares one array among full series the same way).
  let times = new Float64Array(0);
  for (const { i, j, metric } of pairs) {
    const a = many[i]!;
    const b = one[j]!;
    const cap = Math.min(a.t.length, b.t.length);
    if (times.length < cap) times = new Float64Array(Math.max(cap, 2 * times.length));
    // Sized once and cut to length after: no growth by push (a copy each time it doubles).
    const v = doublesOfLength(cap);
    let k = 0;
    let x = 0;
    let y = 0;
    let step = -1;
    while (x < a.t.length && y < b.t.length) {
      const ta = a.t[x]!;
      const tb = b.t[y]!;
      if (ta < tb) {
        x++;
        continue;
      }
      if (tb < ta) {
        y++;
        continue;
      }
      const vl = swapped ? b.v[y]! : a.v[x]!;
      const vr = swapped ? a.v[x]! : b.v[y]!;
      let value = elemBinop(op, vl, vr, keep);
      let kept = keep[0]!;
      if (returnBool) {
        value = kept ? 1 : 0;
        kept = true;
      }
      if (kept) {
        times[k] = ta;
        v[k] = value;
        k++;
        // Both sides' points are at steps (pointsPerStep checked): walk on to this one.
        step = stepAfter(ta, step, s.start, s.interval, s.steps);
        outputs[step]!++;
      }
      x++;
      y++;
    }
    if (k === 0) continue;
    if (k < cap) v.length = k;
    // Kept times are a subsequence of each side's: as many as one side has means all of them.
    let t: number[];
    if (k === a.t.length) t = a.t;
    else if (k === b.t.length) t = b.t;
    else {
      t = doublesOfLength(k);
      for (let n = 0; n < k; n++) t[n] = times[n]!;
    }
    result.push({ series: { metric, t, v }, firstStep: stepOf(t[0]!, s.start, s.interval, s.steps), i });
  }

  // The sample accounting of rangeEval: per step, both inputs, then the outputs.
  const max = q.o.maxSamples;
  for (let step = 0; step < s.steps; step++) {
    let n = temp + inLhs[step]!;
    if (n > max) throw tooManySamples();
    n += inRhs[step]!;
    if (n > max) throw tooManySamples();
    n += outputs[step]!;
    if (n > max) throw tooManySamples();
    temp += outputs[step]!;
  }
  result.sort((p, r) => p.firstStep - r.firstStep || p.i - r.i);
  return result.map((r) => r.series);
}
