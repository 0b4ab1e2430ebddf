/**
 * A query worker's share of `sum|count|min|max|group by (...) (f(x[range]))` or of the same
 * aggregations of a selector over a range query's steps: a run of the selection's series,
 * packed, with the group each belongs to; the answer is the partial aggregation over them
 * plus what the main thread needs to keep Prometheus's sample accounting exact (each
 * series' output points and window peak). The main thread merges the shares in series
 * order (`ColumnarAggregate.merge`).
 *
 * Plain data in and out, and pure: the worker thread runs it, and so can a test.
 */
import { GroupSteps, type ColumnarAggregateOp, type GroupStepsData } from '../engine/columnar-aggregate.js';
import { rangeFunction } from '../engine/functions.js';
import { RangeWindow } from '../engine/range-window.js';
import { evalSelectorSteps, type SelectorPlan } from '../engine/selector-eval.js';
import { evalWindows, rateWindowsFor, type WindowPlan } from '../engine/window-eval.js';
import { PackedReader, type PackedSeries } from './packed-series.js';
import { EntryWriter } from '../entry-writer.js';
import type { JsonBack } from './answer-slabs.js';

/** What each series of a share is turned into before it is aggregated. */
export type ShareSource =
  /** A range function that takes no argument but its range vector (`parallelRangeFunction`). */
  | { readonly kind: 'rangeFunction'; readonly func: string; readonly plan: WindowPlan }
  /** A vector selector over a range query's steps. */
  | { readonly kind: 'selector'; readonly plan: SelectorPlan };

export interface RangeAggregateJob {
  readonly kind: 'rangeAggregate';
  readonly source: ShareSource;
  readonly op: ColumnarAggregateOp;
  readonly series: PackedSeries;
  /** The main thread's group of each series. */
  readonly groupOf: Int32Array;
  /** The index of the first series within the whole selection (first appearances compare them). */
  readonly firstSeries: number;
  /**
   * Test-only fault injection, so the pool's handling of failed workers can be tested:
   * `'throw'` makes the share throw, `'exit'` ends its worker thread. Never set otherwise.
   */
  readonly fault?: 'throw' | 'exit';
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
  const steps = job.source.plan.steps;
  const { start, interval } = job.source.plan;
  const acc = new GroupSteps(job.op, steps);
  // Groups are numbered here as they first appear; `groups` maps them back.
  const local = new Map<number, number>();
  const groups: number[] = [];
  const points = new Int32Array(job.series.count);
  const peaks = new Int32Array(job.series.count);
  evalShare(job.source, job.series, points, peaks, (i, n, tBuf, vBuf) => {
    if (n === 0) return;
    const g = job.groupOf[i]!;
    let h = local.get(g);
    if (h === undefined) {
      h = acc.newGroup();
      local.set(g, h);
      groups.push(g);
    }
    if (n === steps) acc.addEveryStep(h, job.firstSeries + i, vBuf);
    else if (!acc.add(h, job.firstSeries + i, tBuf, vBuf, n, start, interval)) throw new Error('BUG: a series gave a point off the steps');
  });
  return { part: acc.data(), groups: Int32Array.from(groups), points, peaks };
}

/**
 * A query worker's share of a range query whose answer is a range function or a selector
 * over the steps, not aggregated: each series evaluated as the main thread would, and its
 * answer entry written as the API's JSON (`heads[i]` then its points), so neither the
 * evaluation nor the formatting of a big answer waits for the main thread.
 */
export interface RangeJsonJob {
  readonly kind: 'rangeJson';
  readonly source: ShareSource;
  readonly series: PackedSeries;
  /** Each series' entry up to its points: `{"metric":{...},"values":`. */
  readonly heads: readonly string[];
  /** Where to write the entries (answer-slabs.ts), if the main thread gave a slab. */
  readonly out?: SharedArrayBuffer;
}

/** `RangeJsonResult` as the worker sends it: the entries in the job's slab, or copied. */
export interface RangeJsonReply {
  readonly json: JsonBack;
  readonly points: Int32Array;
  readonly peaks: Int32Array;
}

export interface RangeJsonResult {
  /** The entries of the series that have points, comma-separated, UTF-8. */
  readonly json: Uint8Array;
  /** Output points of each series, and the most samples its window held (for the sample budget). */
  readonly points: Int32Array;
  readonly peaks: Int32Array;
}

export function runRangeJson(job: RangeJsonJob): RangeJsonReply {
  const points = new Int32Array(job.series.count);
  const peaks = new Int32Array(job.series.count);
  const out = new EntryWriter();
  evalShare(job.source, job.series, points, peaks, (i, n, tBuf, vBuf) => {
    if (n > 0) out.add(job.heads[i]!, tBuf, vBuf, 0, n);
  });
  return { json: out.finishInto(job.out), points, peaks };
}

/**
 * Evaluates each packed series of a share as `source` says, in order, recording its output
 * points and window peak, and hands `each` its points (`n` may be 0; the buffers are reused
 * for the next series).
 */
function evalShare(
  source: ShareSource,
  series: PackedSeries,
  points: Int32Array,
  peaks: Int32Array,
  each: (i: number, n: number, tBuf: Float64Array, vBuf: Float64Array) => void,
): void {
  const plan = source.plan;
  const kernel = source.kind === 'rangeFunction' ? rangeFunction(source.func) : undefined;
  if (source.kind === 'rangeFunction' && (kernel === undefined || !parallelRangeFunction(source.func, 1))) throw new Error(`BUG: ${source.func} is not a parallel range function`);
  const rates = source.kind === 'rangeFunction' ? rateWindowsFor(source.func, source.plan) : undefined;
  const reader = new PackedReader(series);
  const w = new RangeWindow();
  const tBuf = new Float64Array(plan.steps);
  const vBuf = new Float64Array(plan.steps);
  const scalars = [NaN];
  // The main thread checks the budget with the peaks; here nothing is held across series.
  const budget = { samples: 0, o: { maxSamples: Infinity } };
  for (let i = 0; i < series.count; i++) {
    let n: number;
    if (source.kind === 'rangeFunction') {
      n = evalWindows(reader.iterator(i), w, kernel!, source.plan, [], scalars, tBuf, vBuf, budget, rates);
      peaks[i] = w.peak;
    } else {
      n = evalSelectorSteps(reader.iterator(i), w, source.plan, tBuf, vBuf);
    }
    points[i] = n;
    each(i, n, tBuf, vBuf);
  }
}
