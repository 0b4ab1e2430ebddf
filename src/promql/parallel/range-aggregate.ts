/**
 * A query worker's share of `sum|count|min|max|group by (...) (f(x[range]))`: a run of the
 * selection's series, packed, with the group each belongs to; the answer is the partial
 * aggregation over them plus what the main thread needs to keep Prometheus's sample
 * accounting exact (each series' output points and window peak). The main thread merges
 * the shares in series order (`ColumnarAggregate.merge`).
 *
 * Plain data in and out, and pure: the worker thread runs it, and so can a test.
 */
import { GroupSteps, type ColumnarAggregateOp, type GroupStepsData } from '../engine/columnar-aggregate.js';
import { rangeFunction } from '../engine/functions.js';
import { RangeWindow } from '../engine/range-window.js';
import { evalWindows, type WindowPlan } from '../engine/window-eval.js';
import { PackedReader, type PackedSeries } from './packed-series.js';

export interface RangeAggregateJob {
  readonly kind: 'rangeAggregate';
  /** A range function that takes no argument but its range vector (`parallelRangeFunction`). */
  readonly func: string;
  readonly op: ColumnarAggregateOp;
  readonly plan: WindowPlan;
  readonly series: PackedSeries;
  /** The main thread's group of each series. */
  readonly groupOf: Int32Array;
  /** The index of the first series within the whole selection (first appearances compare them). */
  readonly firstSeries: number;
}

export interface RangeAggregateResult {
  readonly part: GroupStepsData;
  /** The main thread's group of each of `part`'s groups. */
  readonly groups: Int32Array;
  /** Output points of each series (before aggregation), and the most samples its window held. */
  readonly points: Int32Array;
  readonly peaks: Int32Array;
}

/** Range functions a worker can run: those whose only argument is the range vector. */
const PARALLEL_FUNCTIONS: ReadonlySet<string> = new Set([
  'rate',
  'increase',
  'delta',
  'irate',
  'idelta',
  'resets',
  'changes',
  'deriv',
  'avg_over_time',
  'min_over_time',
  'max_over_time',
  'sum_over_time',
  'count_over_time',
  'last_over_time',
  'present_over_time',
  'stddev_over_time',
  'stdvar_over_time',
]);

/** Whether a worker can run range function `func` (with `args` arguments). */
export function parallelRangeFunction(func: string, args: number): boolean {
  return args === 1 && PARALLEL_FUNCTIONS.has(func) && rangeFunction(func) !== undefined;
}

export function runRangeAggregate(job: RangeAggregateJob): RangeAggregateResult {
  const kernel = rangeFunction(job.func);
  if (kernel === undefined || !parallelRangeFunction(job.func, 1)) throw new Error(`BUG: ${job.func} is not a parallel range function`);
  const { plan, series } = job;
  const reader = new PackedReader(series);
  const acc = new GroupSteps(job.op, plan.steps);
  // Groups are numbered here as they first appear; `groups` maps them back.
  const local = new Map<number, number>();
  const groups: number[] = [];
  const points = new Int32Array(series.count);
  const peaks = new Int32Array(series.count);
  const w = new RangeWindow();
  const tBuf = new Float64Array(plan.steps);
  const vBuf = new Float64Array(plan.steps);
  const scalars = [NaN];
  // The main thread checks the budget with the peaks; here nothing is held across series.
  const budget = { samples: 0, o: { maxSamples: Infinity } };
  for (let i = 0; i < series.count; i++) {
    const n = evalWindows(reader.iterator(i), w, kernel, plan, [], scalars, tBuf, vBuf, budget);
    points[i] = n;
    peaks[i] = w.peak;
    if (n === 0) continue;
    const g = job.groupOf[i]!;
    let h = local.get(g);
    if (h === undefined) {
      h = acc.newGroup();
      local.set(g, h);
      groups.push(g);
    }
    if (n === plan.steps) acc.addEveryStep(h, job.firstSeries + i, vBuf);
    else if (!acc.add(h, job.firstSeries + i, tBuf, vBuf, n, plan.start, plan.interval)) throw new Error('BUG: a range function output a point off the steps');
  }
  return { part: acc.data(), groups: Int32Array.from(groups), points, peaks };
}
