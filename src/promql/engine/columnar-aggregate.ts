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

export type ColumnarAggregateOp = 'sum' | 'count' | 'max' | 'min' | 'group';

/** One group's running values and counts, by step. */
interface GroupColumns {
  readonly vals: Float64Array;
  readonly cnt: Float64Array;
  /** The first step with a point, and the index of the series that gave it. */
  firstStep: number;
  firstSeries: number;
  readonly labels: Labels;
}

/** The step of a point at `t`, or -1 when `t` is not a step timestamp. */
export function stepOf(t: number, start: number, interval: number, steps: number): number {
  const step = steps === 1 ? (t === start ? 0 : -1) : (t - start) / interval;
  return step >= 0 && step < steps && (step | 0) === step ? step : -1;
}

export class ColumnarAggregate {
  private readonly ids = new Map<string, number>();
  private readonly groups: GroupColumns[] = [];
  /** Input points by step, for the sample accounting. */
  private readonly inputs: Int32Array;
  private seriesIndex = 0;

  constructor(
    private readonly op: ColumnarAggregateOp,
    private readonly node: AggregateNode,
    private readonly start: number,
    private readonly interval: number,
    private readonly steps: number,
  ) {
    this.inputs = new Int32Array(steps);
  }

  /**
   * Adds one input series. False when a point is not at a step timestamp or the points are
   * out of order: the aggregation is then unusable and the caller takes the general path.
   */
  add(metric: Labels, t: ArrayLike<number>, v: ArrayLike<number>, n: number): boolean {
    const { op, start, interval, steps } = this;
    const si = this.seriesIndex++;
    const k = this.node.groupingKey(metric);
    let gi = this.ids.get(k);
    if (gi === undefined) {
      gi = this.groups.length;
      this.ids.set(k, gi);
      this.groups.push({ vals: new Float64Array(steps), cnt: new Float64Array(steps), firstStep: steps, firstSeries: 0, labels: metric });
    }
    const g = this.groups[gi]!;
    const { vals, cnt } = g;
    const inputs = this.inputs;
    let prev = -1;
    for (let j = 0; j < n; j++) {
      const step = stepOf(t[j]!, start, interval, steps);
      // Only points at step timestamps, in order, as rangeEval consumes them.
      if (step <= prev) return false;
      prev = step;
      const x = v[j]!;
      inputs[step] = inputs[step]! + 1;
      if (step < g.firstStep) {
        g.firstStep = step;
        g.firstSeries = si;
      }
      const c = cnt[step]!;
      cnt[step] = c + 1;
      if (c === 0) {
        vals[step] = x;
        continue;
      }
      switch (op) {
        case 'sum':
          vals[step] = vals[step]! + x;
          break;
        case 'max': {
          const cur = vals[step]!;
          if (cur < x || Number.isNaN(cur)) vals[step] = x;
          break;
        }
        case 'min': {
          const cur = vals[step]!;
          if (cur > x || Number.isNaN(cur)) vals[step] = x;
          break;
        }
        default:
          break;
      }
    }
    return true;
  }

  /**
   * The output series, in `rangeEval`'s order. Replays its sample accounting step by step
   * from `original` (the samples held before the input was evaluated) and leaves the count
   * at `original` plus the output's samples.
   */
  finish(q: QueryState, original: number): StepMatrix {
    const { op, start, interval, steps } = this;
    const order: number[] = [];
    for (let g = 0; g < this.groups.length; g++) if (this.groups[g]!.firstStep < steps) order.push(g);
    order.sort((a, b) => this.groups[a]!.firstStep - this.groups[b]!.firstStep || this.groups[a]!.firstSeries - this.groups[b]!.firstSeries);
    const outputs = new Int32Array(steps);
    const result: StepMatrix = [];
    for (const gi of order) {
      const g = this.groups[gi]!;
      const labels = this.node.labelsFor(gi, g.labels);
      const t: number[] = [];
      const v: number[] = [];
      for (let step = 0; step < steps; step++) {
        const c = g.cnt[step]!;
        if (c === 0) continue;
        outputs[step] = outputs[step]! + 1;
        t.push(start + step * interval);
        v.push(op === 'count' ? c : op === 'group' ? 1 : g.vals[step]!);
      }
      result.push({ metric: labels, t, v });
    }
    let temp = original;
    for (let step = 0; step < steps; step++) {
      q.samples = temp;
      q.add(this.inputs[step]!);
      q.add(outputs[step]!);
      temp += outputs[step]!;
    }
    let total = 0;
    for (const s of result) total += s.t.length;
    q.samples = original + total;
    return result;
  }
}
