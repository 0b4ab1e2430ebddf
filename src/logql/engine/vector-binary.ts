/**
 * Binary operators over one step, as Loki's `BinOpStepEvaluator`, `vectorBinop`,
 * `vectorAnd`/`vectorOr`/`vectorUnless`, `resultMetric`, `LiteralStepEvaluator` and
 * `syntax.MergeBinOp` (`pkg/logql/evaluator.go`, `pkg/logql/syntax/binop*.go`).
 *
 * Where Loki differs from Prometheus, Loki wins:
 * - `x / 0` and `x % 0` are NaN (not ±Inf), whatever x is;
 * - no operator drops labels for being arithmetic (LogQL series have no `__name__`), and
 *   `bool` keeps every label too;
 * - a filtering comparison keeps the value of the vector side, whichever side the literal
 *   is on (grafana/loki#10741), and of the left side between two vectors;
 * - the matching errors have Loki's texts (below), and the right side is checked for
 *   duplicates before any sample is matched.
 */
import { labelsKey, labelValue, type Labels } from '../../model/labels.js';
import { assert, CairnError } from '../../util/errors.js';
import type { BinaryExpr, BinaryOp, VectorMatching } from '../ast.js';
import { arithmetic, compare, isComparison } from '../scalar-ops.js';
import { dropNames, keepNames, withLabel } from './vector-labels.js';
import type { StepSample, StepValue } from './vector-types.js';

const SET_OPERATORS: ReadonlySet<BinaryOp> = new Set(['and', 'or', 'unless']);

/**
 * The error of a vector match Loki refuses, with Loki's message. Loki raises these as plain
 * errors; kind `execution` marks them as the query's fault rather than Cairn's.
 */
export function vectorMatchingError(message: string): CairnError {
  return new CairnError('execution', 'vector_matching', message);
}

/**
 * Applies a binary operator to two step values. Scalar–scalar gives a scalar (comparisons
 * 1 or 0; Loki folds these while parsing, so they rarely get here); anything with a vector
 * gives a vector. Set operators need two vectors (the parser refuses literal legs).
 * Throws a CairnError (kind `execution`, reason `vector_matching`) for duplicate series on
 * the "one" side and for ambiguous matches.
 */
export function binaryStep(
  expr: Pick<BinaryExpr, 'op' | 'returnBool' | 'matching'>,
  lhs: StepValue,
  rhs: StepValue,
): StepValue {
  const { op, returnBool, matching } = expr;
  if (SET_OPERATORS.has(op)) {
    assert(lhs.kind === 'vector' && rhs.kind === 'vector', `set operator ${op} with a scalar leg`);
    const lsigs = signatures(lhs.samples, matching);
    const rsigs = signatures(rhs.samples, matching);
    const samples =
      op === 'and'
        ? vectorAnd(lhs.samples, rhs.samples, lsigs, rsigs)
        : op === 'or'
          ? vectorOr(lhs.samples, rhs.samples, lsigs, rsigs)
          : vectorUnless(lhs.samples, rhs.samples, lsigs, rsigs);
    return { kind: 'vector', samples };
  }
  if (lhs.kind === 'scalar') {
    if (rhs.kind === 'scalar') {
      const v = isComparison(op) ? (compare(op, lhs.v, rhs.v) ? 1 : 0) : arithmetic(op, lhs.v, rhs.v);
      return { kind: 'scalar', v };
    }
    return { kind: 'vector', samples: literalBinop(op, lhs.v, rhs.samples, false, returnBool) };
  }
  if (rhs.kind === 'scalar') {
    return { kind: 'vector', samples: literalBinop(op, rhs.v, lhs.samples, true, returnBool) };
  }
  return { kind: 'vector', samples: vectorBinop(op, matching, returnBool, lhs.samples, rhs.samples) };
}

/**
 * A literal against every sample of a vector (`LiteralStepEvaluator`). Labels stay; a
 * filtering comparison keeps the sample as it is, `bool` turns its value into 1 or 0.
 */
function literalBinop(
  op: BinaryOp,
  literal: number,
  samples: readonly StepSample[],
  vectorOnLeft: boolean,
  returnBool: boolean,
): StepSample[] {
  const out: StepSample[] = [];
  const comparison = isComparison(op);
  for (const s of samples) {
    const l = vectorOnLeft ? s.v : literal;
    const r = vectorOnLeft ? literal : s.v;
    if (!comparison) {
      out.push({ labels: s.labels, key: s.key, v: arithmetic(op, l, r) });
    } else if (returnBool) {
      out.push({ labels: s.labels, key: s.key, v: compare(op, l, r) ? 1 : 0 });
    } else if (compare(op, l, r)) {
      out.push(s);
    }
  }
  return out;
}

/**
 * The matching signature of each sample (`matchingSignature`): the whole label set without
 * `on`/`ignoring`, the `on` labels, or all but the `ignoring` labels.
 */
function signatures(samples: readonly StepSample[], matching: VectorMatching | undefined): string[] {
  const out = new Array<string>(samples.length);
  const names = matching?.labels ?? [];
  if (matching === undefined || (!matching.on && names.length === 0)) {
    for (let i = 0; i < samples.length; i++) out[i] = samples[i]!.key;
    return out;
  }
  const set = new Set(names);
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    const ls = matching.on ? keepNames(s.labels, set) : dropNames(s.labels, set);
    out[i] = ls === s.labels ? s.key : labelsKey(ls);
  }
  return out;
}

/** `lhs and rhs`: the left samples whose signature the right side has. */
function vectorAnd(lhs: readonly StepSample[], rhs: readonly StepSample[], lsigs: string[], rsigs: string[]): StepSample[] {
  if (lhs.length === 0 || rhs.length === 0) return [];
  const right = new Set(rsigs);
  const out: StepSample[] = [];
  for (let i = 0; i < lhs.length; i++) if (right.has(lsigs[i]!)) out.push(lhs[i]!);
  return out;
}

/** `lhs or rhs`: every left sample, then the right samples whose signature the left lacks. */
function vectorOr(lhs: readonly StepSample[], rhs: readonly StepSample[], lsigs: string[], rsigs: string[]): StepSample[] {
  if (lhs.length === 0) return [...rhs];
  if (rhs.length === 0) return [...lhs];
  const left = new Set(lsigs);
  const out = [...lhs];
  for (let i = 0; i < rhs.length; i++) if (!left.has(rsigs[i]!)) out.push(rhs[i]!);
  return out;
}

/** `lhs unless rhs`: the left samples whose signature the right side lacks. */
function vectorUnless(lhs: readonly StepSample[], rhs: readonly StepSample[], lsigs: string[], rsigs: string[]): StepSample[] {
  if (lhs.length === 0 || rhs.length === 0) return [...lhs];
  const right = new Set(rsigs);
  const out: StepSample[] = [];
  for (let i = 0; i < lhs.length; i++) if (!right.has(lsigs[i]!)) out.push(lhs[i]!);
  return out;
}

/**
 * Arithmetic and comparison between two vectors (`vectorBinop`). For `group_right` the
 * sides swap so that the right side is always the "one" side while matching, and swap back
 * for the operation itself.
 */
function vectorBinop(
  op: BinaryOp,
  matching: VectorMatching | undefined,
  returnBool: boolean,
  lhs: readonly StepSample[],
  rhs: readonly StepSample[],
): StepSample[] {
  const card = matching?.card ?? 'one-to-one';
  const swapped = card === 'one-to-many';
  const many = swapped ? rhs : lhs;
  const one = swapped ? lhs : rhs;
  const manySigs = signatures(many, matching);
  const oneSigs = signatures(one, matching);
  const labeller = resultLabeller(matching);

  const oneBySig = new Map<string, StepSample>();
  for (let i = 0; i < one.length; i++) {
    const sig = oneSigs[i]!;
    if (oneBySig.has(sig)) {
      throw vectorMatchingError(
        `found duplicate series on the ${swapped ? 'left' : 'right'} hand-side;many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    oneBySig.set(sig, one[i]!);
  }

  // Per signature: null once matched one-to-one, else the result label sets produced.
  const matched = new Map<string, Set<string> | null>();
  const comparison = isComparison(op);
  const out: StepSample[] = [];
  for (let i = 0; i < many.length; i++) {
    const ms = many[i]!;
    const sig = manySigs[i]!;
    const os = oneBySig.get(sig);
    if (os === undefined) continue;

    const labels = labeller(ms.labels, os.labels);
    const key = labels === ms.labels ? ms.key : labelsKey(labels);
    if (card === 'one-to-one') {
      if (matched.has(sig)) {
        throw vectorMatchingError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
      }
      matched.set(sig, null);
    } else {
      let produced = matched.get(sig);
      if (produced === undefined || produced === null) {
        produced = new Set();
        matched.set(sig, produced);
      } else if (produced.has(key)) {
        throw vectorMatchingError('multiple matches for labels: grouping labels must ensure unique matches');
      }
      produced.add(key);
    }

    const l = swapped ? os.v : ms.v;
    const r = swapped ? ms.v : os.v;
    let v: number;
    if (!comparison) {
      v = arithmetic(op, l, r);
    } else if (returnBool) {
      v = compare(op, l, r) ? 1 : 0;
    } else if (compare(op, l, r)) {
      v = l;
    } else {
      continue;
    }
    out.push({ labels, key, v });
  }
  return out;
}

/**
 * Loki's `resultMetric` for a matching: one-to-one keeps only the `on` labels or drops the
 * `ignoring` ones; `group_left/right (…)` copies the listed labels from the "one" side,
 * removing those it lacks (or has empty). Returns the "many" side's own array when nothing
 * changes.
 */
function resultLabeller(matching: VectorMatching | undefined): (many: Labels, one: Labels) => Labels {
  if (matching === undefined) return (many) => many;
  const names = new Set(matching.labels ?? []);
  const include = matching.include ?? [];
  const oneToOne = matching.card === 'one-to-one';
  return (many, one) => {
    let out = many;
    if (oneToOne) out = matching.on ? keepNames(out, names) : dropNames(out, names);
    for (const name of include) {
      const v = labelValue(one, name);
      out = withLabel(out, name, v === '' ? undefined : v);
    }
    return out;
  };
}
