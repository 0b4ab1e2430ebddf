/**
 * `topk`/`bottomk` with a constant `k`, series by series instead of step by step: each
 * input series' points (at step timestamps) are offered to a bounded heap per group and
 * step as they arrive, so the input never has to exist as a step matrix. Series arrive in
 * the order `rangeEval` would list them at each step, so every heap sees the same offers in
 * the same order and ends the same; the output is then assembled step by step with
 * `rangeEval`'s collector and sample accounting, so it is what `AggregateNode.apply` gives.
 */
import type { Labels } from '../../model/labels.js';
import { offerTopK, sortTopK, type AggregateNode, type HeapItem } from './aggregate.js';
import { stepOf } from './columnar-aggregate.js';
import type { QueryState } from './query-state.js';
import { SeriesCollector } from './series-collector.js';
import type { StepMatrix } from './step-vector.js';

export class ColumnarTopK {
  private readonly ids = new Map<string, number>();
  /** Heaps by group, then step; a step without points has none. */
  private readonly heaps: (HeapItem[] | undefined)[][] = [];
  /** By step, the groups with a heap, in order of their first series at that step. */
  private readonly stepGroups: number[][];
  /** Input points by step, for the sample accounting. */
  private readonly inputs: Int32Array;

  constructor(
    private readonly top: boolean,
    private readonly k: number,
    private readonly node: AggregateNode,
    private readonly start: number,
    private readonly interval: number,
    private readonly steps: number,
  ) {
    this.inputs = new Int32Array(steps);
    this.stepGroups = Array.from({ length: steps }, () => []);
  }

  /** Adds one input series, whose points must be at step timestamps, in order. */
  add(metric: Labels, t: ArrayLike<number>, v: ArrayLike<number>, n: number): void {
    const key = this.node.groupingKey(metric);
    let g = this.ids.get(key);
    if (g === undefined) {
      g = this.heaps.length;
      this.ids.set(key, g);
      this.heaps.push(new Array<HeapItem[] | undefined>(this.steps));
    }
    const heaps = this.heaps[g]!;
    let prev = -1;
    for (let j = 0; j < n; j++) {
      const step = stepOf(t[j]!, this.start, this.interval, this.steps);
      if (step <= prev) throw new Error('BUG: a streamed series has a point off the steps');
      prev = step;
      this.inputs[step] = this.inputs[step]! + 1;
      let heap = heaps[step];
      if (heap === undefined) {
        heap = [];
        heaps[step] = heap;
        this.stepGroups[step]!.push(g);
      }
      offerTopK(heap, metric, v[j]!, this.k, this.top);
    }
  }

  /**
   * The output series, in `rangeEval`'s order, with its sample accounting replayed from
   * `beforeSteps` (the samples held once the arguments were evaluated, as `rangeEval`'s
   * starting count) and `paramPerStep` parameter samples a step; leaves the count at
   * `original` plus the output's samples.
   */
  async finish(q: QueryState, original: number, beforeSteps: number, paramPerStep: number): Promise<StepMatrix> {
    const collector = new SeriesCollector();
    let temp = beforeSteps;
    for (let step = 0; step < this.steps; step++) {
      const ts = this.start + step * this.interval;
      q.samples = temp;
      q.add(paramPerStep);
      q.add(this.inputs[step]!);
      let outputs = 0;
      for (const g of this.stepGroups[step]!) outputs += this.heaps[g]![step]!.length;
      q.add(outputs);
      temp += outputs;
      let i = 0;
      for (const g of this.stepGroups[step]!) {
        const heap = this.heaps[g]![step]!;
        sortTopK(heap, this.top);
        for (const s of heap) collector.add(i++, s.metric, ts, s.v);
      }
      if (q.tick(outputs + 3)) await q.pause();
    }
    const result = collector.result;
    let total = 0;
    for (const s of result) total += s.t.length;
    q.samples = original + total;
    return result;
  }
}
