/**
 * `sum`/`count`/`max`/`min`/`group` without a parameter, series by series instead of step
 * by step: the evaluator feeds each input series' points (at step timestamps) to `add`, so
 * the input never has to exist as a step matrix. It gives what `rangeEval` with
 * `AggregateNode.apply` gives: the same additions in the same order (series order within a
 * step), the same output order (first appearance: earliest step, then first series at that
 * step) and the same sample accounting.
 */
import type { Labels } from '../../model/labels.js';
import type { AggregateNode } from './aggregate.js';
import type { QueryState } from './query-state.js';
import type { StepMatrix } from './step-vector.js';
import { grown } from '../../util/typed-arrays.js';

export type ColumnarAggregateOp = 'sum' | 'count' | 'max' | 'min' | 'group';

/** The step of a point at `t`, or -1 when `t` is not a step timestamp. */
export function stepOf(t: number, start: number, interval: number, steps: number): number {
  const step = steps === 1 ? (t === start ? 0 : -1) : (t - start) / interval;
  return step >= 0 && step < steps && (step | 0) === step ? step : -1;
}

/**
 * The step of a point at `t` after step `prev` (-1 before the first), or -1 when `t` is not
 * a later step's timestamp. The kernels write a point's time as `start + i * interval`, so
 * walking on from `prev` and comparing finds it exactly, without `stepOf`'s division: for
 * points in step order the walk is as long as the steps, whatever the points.
 */
export function stepAfter(t: number, prev: number, start: number, interval: number, steps: number): number {
  let step = prev + 1;
  while (step < steps && start + step * interval < t) step++;
  return step < steps && start + step * interval === t ? step : -1;
}

/** `GroupSteps`' columns as plain data, for a worker's answer (parallel/). */
export interface GroupStepsData {
  readonly groups: number;
  /** Group g's running value and count at step j are at g * steps + j. */
  readonly vals: Float64Array;
  readonly cnt: Float64Array;
  /** The first step with a point, and the index of the series that gave it, by group. */
  readonly firstStep: Int32Array;
  readonly firstSeries: Int32Array;
  /** Input points by step, for the sample accounting. */
  readonly inputs: Int32Array;
}

/**
 * The running values and counts of an aggregation's groups at every step, groups addressed
 * by index. The evaluator fills one through `ColumnarAggregate`; a query worker fills one
 * for its share of the series and the main thread merges it (`merge`).
 */
export class GroupSteps {
  groups = 0;
  vals: Float64Array;
  cnt: Float64Array;
  firstStep: Int32Array;
  firstSeries: Int32Array;
  readonly inputs: Int32Array;

  constructor(
    private readonly op: ColumnarAggregateOp,
    private readonly steps: number,
  ) {
    this.vals = new Float64Array(steps * 4);
    this.cnt = new Float64Array(steps * 4);
    this.firstStep = new Int32Array(4);
    this.firstSeries = new Int32Array(4);
    this.inputs = new Int32Array(steps);
  }

  /** A new empty group; returns its index. */
  newGroup(): number {
    const g = this.groups++;
    if (g === this.firstStep.length) {
      const size = g * 2;
      this.vals = grown(new Float64Array(size * this.steps), this.vals);
      this.cnt = grown(new Float64Array(size * this.steps), this.cnt);
      this.firstStep = grown(new Int32Array(size), this.firstStep);
      this.firstSeries = grown(new Int32Array(size), this.firstSeries);
    }
    this.firstStep[g] = this.steps;
    this.firstSeries[g] = 0;
    return g;
  }

  /**
   * Adds the points of series `si` to group `g`. False when a point is not at a step
   * timestamp or the points are out of order (nothing is then usable).
   */
  add(g: number, si: number, t: ArrayLike<number>, v: ArrayLike<number>, n: number, start: number, interval: number): boolean {
    const { op, steps, vals, cnt, inputs } = this;
    const base = g * steps;
    // Only points at step timestamps, in order, as rangeEval consumes them; `stepAfter`
    // rather than a division a point: 8.5 -> 5.5 ns a point, on `count(...)` over 100k
    // series the workers' largest single cost.
    let step = -1;
    for (let j = 0; j < n; j++) {
      const tj = t[j]!;
      step = stepAfter(tj, step, start, interval, steps);
      if (step < 0) return false;
      const x = v[j]!;
      inputs[step] = inputs[step]! + 1;
      if (j === 0 && step < this.firstStep[g]!) {
        this.firstStep[g] = step;
        this.firstSeries[g] = si;
      }
      const i = base + step;
      const c = cnt[i]!;
      cnt[i] = c + 1;
      if (c === 0) vals[i] = x;
      else vals[i] = combine(op, vals[i]!, x);
    }
    return true;
  }

  /**
   * `add` for a series with a point at every step, `v[j]` at step j (a range function's
   * windows all had samples): no step to work out per point.
   */
  addEveryStep(g: number, si: number, v: ArrayLike<number>): void {
    const { op, steps, vals, cnt, inputs } = this;
    const base = g * steps;
    if (this.firstStep[g]! > 0) {
      this.firstStep[g] = 0;
      this.firstSeries[g] = si;
    }
    for (let j = 0; j < steps; j++) {
      inputs[j] = inputs[j]! + 1;
      const i = base + j;
      const c = cnt[i]!;
      cnt[i] = c + 1;
      vals[i] = c === 0 ? v[j]! : combine(op, vals[i]!, v[j]!);
    }
  }

  /**
   * Folds in another's groups (`into[h]` is the group here that the other's group h adds
   * to), as if its series had been added after this one's: values combined as \`add\`
   * combines a point, counts and input points summed, first appearances kept.
   */
  merge(o: GroupStepsData, into: Int32Array): void {
    const { op, steps, vals, cnt, inputs } = this;
    for (let h = 0; h < o.groups; h++) {
      const g = into[h]!;
      const base = g * steps;
      const obase = h * steps;
      for (let j = 0; j < steps; j++) {
        const oc = o.cnt[obase + j]!;
        if (oc === 0) continue;
        const i = base + j;
        const c = cnt[i]!;
        cnt[i] = c + oc;
        vals[i] = c === 0 ? o.vals[obase + j]! : combine(op, vals[i]!, o.vals[obase + j]!);
      }
      const fs = o.firstStep[h]!;
      if (fs < this.firstStep[g]! || (fs === this.firstStep[g]! && fs < steps && o.firstSeries[h]! < this.firstSeries[g]!)) {
        this.firstStep[g] = fs;
        this.firstSeries[g] = o.firstSeries[h]!;
      }
    }
    for (let j = 0; j < steps; j++) inputs[j] = inputs[j]! + o.inputs[j]!;
  }

  /** The columns, trimmed to the groups there are (copies: the arrays may be transferred). */
  data(): GroupStepsData {
    const n = this.groups * this.steps;
    return {
      groups: this.groups,
      vals: this.vals.slice(0, n),
      cnt: this.cnt.slice(0, n),
      firstStep: this.firstStep.slice(0, this.groups),
      firstSeries: this.firstSeries.slice(0, this.groups),
      inputs: this.inputs.slice(),
    };
  }
}

/**
 * A group's value after one more point `x` (the group already has one at the step): the
 * sum, or the new extreme (a NaN gives way to any number, as Prometheus's max and min).
 */
function combine(op: ColumnarAggregateOp, cur: number, x: number): number {
  switch (op) {
    case 'sum':
      return cur + x;
    case 'max':
      return cur < x || Number.isNaN(cur) ? x : cur;
    case 'min':
      return cur > x || Number.isNaN(cur) ? x : cur;
    default:
      return cur;
  }
}

export class ColumnarAggregate {
  private readonly ids = new Map<string, number>();
  /** The labels of each group's first series. */
  private readonly labels: Labels[] = [];
  private readonly acc: GroupSteps;
  private seriesIndex = 0;

  constructor(
    readonly op: ColumnarAggregateOp,
    private readonly node: AggregateNode,
    private readonly start: number,
    private readonly interval: number,
    private readonly steps: number,
  ) {
    this.acc = new GroupSteps(op, steps);
  }

  /** The group `metric` belongs to, created if new. */
  groupOf(metric: Labels): number {
    const k = this.node.groupingKey(metric);
    let g = this.ids.get(k);
    if (g === undefined) {
      g = this.acc.newGroup();
      this.ids.set(k, g);
      this.labels.push(metric);
    }
    return g;
  }

  /**
   * Adds one input series. False when a point is not at a step timestamp or the points are
   * out of order: the aggregation is then unusable and the caller takes the general path.
   */
  add(metric: Labels, t: ArrayLike<number>, v: ArrayLike<number>, n: number): boolean {
    return this.acc.add(this.groupOf(metric), this.seriesIndex++, t, v, n, this.start, this.interval);
  }

  /**
   * Folds in the groups a query worker computed over series that come after every series
   * added so far (`into` maps its groups to `groupOf`'s); `series` is how many it read
   * (its series indices must be this aggregation's next ones).
   */
  merge(part: GroupStepsData, into: Int32Array, series: number): void {
    this.acc.merge(part, into);
    this.seriesIndex += series;
  }

  /** The index the next series added gets (a worker's share numbers its series from here). */
  get nextSeries(): number {
    return this.seriesIndex;
  }

  /**
   * The output series, in `rangeEval`'s order. Replays its sample accounting step by step
   * from `original` (the samples held before the input was evaluated) and leaves the count
   * at `original` plus the output's samples.
   */
  finish(q: QueryState, original: number): StepMatrix {
    const { op, start, interval, steps, acc } = this;
    const order: number[] = [];
    for (let g = 0; g < acc.groups; g++) if (acc.firstStep[g]! < steps) order.push(g);
    order.sort((a, b) => acc.firstStep[a]! - acc.firstStep[b]! || acc.firstSeries[a]! - acc.firstSeries[b]!);
    const outputs = new Int32Array(steps);
    const result: StepMatrix = [];
    for (const gi of order) {
      const labels = this.node.labelsFor(gi, this.labels[gi]!);
      const base = gi * steps;
      const t: number[] = [];
      const v: number[] = [];
      for (let step = 0; step < steps; step++) {
        const c = acc.cnt[base + step]!;
        if (c === 0) continue;
        outputs[step] = outputs[step]! + 1;
        t.push(start + step * interval);
        v.push(op === 'count' ? c : op === 'group' ? 1 : acc.vals[base + step]!);
      }
      result.push({ metric: labels, t, v });
    }
    let temp = original;
    for (let step = 0; step < steps; step++) {
      q.samples = temp;
      q.add(acc.inputs[step]!);
      q.add(outputs[step]!);
      temp += outputs[step]!;
    }
    let total = 0;
    for (const s of result) total += s.t.length;
    q.samples = original + total;
    return result;
  }
}
