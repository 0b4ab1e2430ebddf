/**
 * Binary operators over one step, as Prometheus 2.42's `VectorAnd`, `VectorOr`,
 * `VectorUnless`, `VectorBinop`, `VectorscalarBinop`, `scalarBinop` and `resultMetric`:
 * vector matching by signature (`on`/`ignoring`), one-to-one and many-to-one/one-to-many
 * (`group_left`/`group_right`) cardinalities with their error messages, `bool`, and the
 * `__name__` rule (arithmetic drops it, comparisons and set operators keep it).
 */
import type { BinaryOp, VectorMatching } from '../ast.js';
import { METRIC_NAME, type Label, type Labels } from '../../model/labels.js';
import { execError } from './query-state.js';
import { StampedTable, type StepVector } from './step-vector.js';
import { dropMetricName, goPow, keepLabels, labelsString, deleteLabels, keyOf, withLabel } from './util.js';

const COMPARISONS: ReadonlySet<BinaryOp> = new Set(['==', '!=', '>', '<', '>=', '<=']);
/** Operators whose result has no `__name__`: arithmetic except atan2 (Prometheus's shouldDropMetricName). */
const DROPS_NAME: ReadonlySet<BinaryOp> = new Set(['+', '-', '*', '/', '%', '^']);

export function isComparison(op: BinaryOp): boolean {
  return COMPARISONS.has(op);
}

export function dropsName(op: BinaryOp): boolean {
  return DROPS_NAME.has(op);
}

/** Go's `math.Mod`: the sign of the dividend, NaN for a zero divisor or infinite dividend. */
function goMod(x: number, y: number): number {
  return x % y;
}

/**
 * One operation on two sample values: the value, and whether the sample is kept (false for
 * a comparison that fails), as Prometheus's `vectorElemBinop`. Writes to `keep[0]`.
 */
export function elemBinop(op: BinaryOp, l: number, r: number, keep: boolean[]): number {
  keep[0] = true;
  switch (op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return l / r;
    case '^':
      return goPow(l, r);
    case '%':
      return goMod(l, r);
    case 'atan2':
      return Math.atan2(l, r);
    case '==':
      keep[0] = l === r;
      return l;
    case '!=':
      keep[0] = l !== r;
      return l;
    case '>':
      keep[0] = l > r;
      return l;
    case '<':
      keep[0] = l < r;
      return l;
    case '>=':
      keep[0] = l >= r;
      return l;
    case '<=':
      keep[0] = l <= r;
      return l;
    default:
      throw new Error(`BUG: operator ${op} is not a value operator`);
  }
}

const keepBuf = [true];

/** scalar op scalar; comparisons (only allowed with `bool`) give 1 or 0. */
export function scalarBinop(op: BinaryOp, l: number, r: number): number {
  const v = elemBinop(op, l, r, keepBuf);
  if (COMPARISONS.has(op)) return keepBuf[0] ? 1 : 0;
  return v;
}

/** vector op scalar (or scalar op vector when `swap`), appended to `out`. */
export function vectorScalarBinop(op: BinaryOp, vec: StepVector, s: number, swap: boolean, returnBool: boolean, out: StepVector): void {
  const cmp = COMPARISONS.has(op);
  const drop = DROPS_NAME.has(op) || returnBool;
  for (let i = 0; i < vec.n; i++) {
    const x = vec.v[i]!;
    let value = swap ? elemBinop(op, s, x, keepBuf) : elemBinop(op, x, s, keepBuf);
    let keep = keepBuf[0]!;
    // With the scalar on the left of a comparison the vector's value is still the result.
    if (cmp && swap) value = x;
    if (returnBool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (keep) out.push(drop ? dropMetricName(vec.metric[i]!) : vec.metric[i]!, value);
  }
}

/** Per-step scratch of the set operators: which signatures a side holds. */
export class SetOpNode {
  private readonly seen = new StampedTable();

  private mark(vec: StepVector): void {
    this.seen.clear();
    for (let i = 0; i < vec.n; i++) this.seen.set(vec.key[i]!, 1);
  }

  /** `and`: left samples whose signature occurs on the right. */
  and(lhs: StepVector, rhs: StepVector, out: StepVector): void {
    if (lhs.n === 0 || rhs.n === 0) return;
    this.mark(rhs);
    for (let i = 0; i < lhs.n; i++) if (this.seen.get(lhs.key[i]!) === 1) out.push(lhs.metric[i]!, lhs.v[i]!);
  }

  /** `or`: all left samples, then right samples whose signature is not on the left. */
  or(lhs: StepVector, rhs: StepVector, out: StepVector): void {
    this.mark(lhs);
    for (let i = 0; i < lhs.n; i++) out.push(lhs.metric[i]!, lhs.v[i]!);
    for (let i = 0; i < rhs.n; i++) if (this.seen.get(rhs.key[i]!) !== 1) out.push(rhs.metric[i]!, rhs.v[i]!);
  }

  /** `unless`: left samples whose signature does not occur on the right. */
  unless(lhs: StepVector, rhs: StepVector, out: StepVector): void {
    this.mark(rhs);
    for (let i = 0; i < lhs.n; i++) if (this.seen.get(lhs.key[i]!) !== 1) out.push(lhs.metric[i]!, lhs.v[i]!);
  }
}

/** Prometheus's `Labels.MatchLabels`: the labels a match group is identified by. */
function matchLabels(ls: Labels, on: boolean, names: readonly string[]): Labels {
  const set = new Set(names);
  return ls.filter((l) => set.has(l.name) === on && (on || l.name !== METRIC_NAME));
}

/**
 * State of one vector/vector arithmetic or comparison node kept across steps: the result
 * label sets by (left, right) label-set pair, as Prometheus's `enh.resultMetric`.
 */
export class VectorBinopNode {
  private readonly resultCache = new Map<Labels, Map<Labels, Labels>>();
  private readonly matchingSet: ReadonlySet<string>;
  /** Signature → index of the right-hand ("one" side) sample, this step. */
  private readonly rightSigs = new StampedTable();
  /** Signature → 1 once matched, this step (one-to-one). */
  private readonly matchedOne = new StampedTable();
  /**
   * Signature → result label sets produced (many-to-one). The sets are kept from step to
   * step and emptied on first use in a step (`manyUsed`), so a step allocates none.
   */
  private readonly matchedMany = new Map<number, Set<string>>();
  /** Signature → 1 once its `matchedMany` set was emptied, this step. */
  private readonly manyUsed = new StampedTable();
  /** `keyOf` of the result label sets met so far. */
  private readonly keys = new Map<Labels, string>();

  constructor(
    private readonly op: BinaryOp,
    private readonly matching: VectorMatching,
    private readonly returnBool: boolean,
  ) {
    this.matchingSet = new Set(matching.matchingLabels);
  }

  /** The result's labels: see Prometheus's `resultMetric`. The same object for the same pair. */
  resultLabels(l: Labels, r: Labels): Labels {
    let byRight = this.resultCache.get(l);
    if (byRight === undefined) {
      byRight = new Map();
      this.resultCache.set(l, byRight);
    }
    let out = byRight.get(r);
    if (out !== undefined) return out;
    let m: Labels = l;
    if (DROPS_NAME.has(this.op)) m = m.filter((x) => x.name !== METRIC_NAME);
    if (this.matching.card === 'one-to-one') {
      m = this.matching.on ? keepLabels(m, this.matchingSet) : deleteLabels(m, this.matchingSet);
    }
    for (const name of this.matching.include) {
      // Labels named in group_x are taken from the "one" side.
      let v = '';
      for (const x of r as Label[]) if (x.name === name) v = x.value;
      m = withLabel(m, name, v);
    }
    if (this.returnBool) m = m.filter((x) => x.name !== METRIC_NAME);
    out = m;
    byRight.set(r, out);
    return out;
  }

  /** Applies the operator to one step's vectors; `key` holds each sample's match signature. */
  apply(lhsIn: StepVector, rhsIn: StepVector, out: StepVector): void {
    if (lhsIn.n === 0 || rhsIn.n === 0) return;
    const card = this.matching.card;
    // One-to-many is many-to-one with the sides swapped; values are swapped back below.
    const swapped = card === 'one-to-many';
    const lhs = swapped ? rhsIn : lhsIn;
    const rhs = swapped ? lhsIn : rhsIn;
    const rightSigs = this.rightSigs;
    rightSigs.clear();
    for (let i = 0; i < rhs.n; i++) {
      const sig = rhs.key[i]!;
      const dup = rightSigs.get(sig);
      if (dup >= 0) {
        const oneSide = swapped ? 'left' : 'right';
        const ml = matchLabels(rhs.metric[i]!, this.matching.on, this.matching.matchingLabels);
        throw execError(
          `found duplicate series for the match group ${labelsString(ml)} on the ${oneSide} hand-side of the operation: ` +
            `[${labelsString(rhs.metric[i]!)}, ${labelsString(rhs.metric[dup]!)}]` +
            ';many-to-many matching not allowed: matching labels must be unique on one side',
        );
      }
      rightSigs.set(sig, i);
    }
    this.matchedOne.clear();
    this.manyUsed.clear();
    for (let i = 0; i < lhs.n; i++) {
      const sig = lhs.key[i]!;
      const j = rightSigs.get(sig);
      if (j < 0) continue;
      let vl = lhs.v[i]!;
      let vr = rhs.v[j]!;
      if (swapped) [vl, vr] = [vr, vl];
      let value = elemBinop(this.op, vl, vr, keepBuf);
      const keep = keepBuf[0]!;
      if (this.returnBool) value = keep ? 1 : 0;
      else if (!keep) continue;
      const metric = this.resultLabels(lhs.metric[i]!, rhs.metric[j]!);
      if (card === 'one-to-one') {
        if (this.matchedOne.get(sig) === 1) throw execError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
        this.matchedOne.set(sig, 1);
      } else {
        let inserted = this.matchedMany.get(sig);
        if (inserted === undefined) {
          inserted = new Set();
          this.matchedMany.set(sig, inserted);
        } else if (this.manyUsed.get(sig) !== 1) {
          inserted.clear();
        }
        this.manyUsed.set(sig, 1);
        // Result label sets are the same objects step after step (resultMetric): their
        // keys are worked out once, not a string per sample per step.
        let k = this.keys.get(metric);
        if (k === undefined) {
          k = keyOf(metric);
          this.keys.set(metric, k);
        }
        if (inserted.has(k)) throw execError('multiple matches for labels: grouping labels must ensure unique matches');
        inserted.add(k);
      }
      out.push(metric, value);
    }
  }
}
