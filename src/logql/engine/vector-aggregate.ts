/**
 * Vector aggregations over one step, as Loki's `VectorAggEvaluator.Next`
 * (`pkg/logql/evaluator.go`): `sum avg min max stddev stdvar count topk bottomk sort
 * sort_desc` with `by`/`without` grouping.
 *
 * Loki's arithmetic, which differs from Prometheus's in places, is kept exactly:
 * - `sum` adds plainly (no Kahan compensation);
 * - `avg` is `sum / count`, which is what a Loki query frontend computes: its shard
 *   mapper rewrites `avg(x)` into `sum(x) / count(x)`. (The unsharded evaluator's running
 *   mean depends on the order of a Go map, e.g. `avg(+Inf, 2)` is NaN or +Inf by chance;
 *   Loki's own vector_aggregations script expects +Inf.) So `avg(+Inf, -Inf)` is NaN;
 * - `min`/`max` replace a NaN accumulator, so NaN only wins when every value is NaN;
 * - `stddev`/`stdvar` use Welford's update (population variance); a group of one gives 0,
 *   even for a NaN or infinite value;
 * - `topk`/`bottomk` keep the input samples (labels untouched) chosen by Go's
 *   `container/heap` with Loki's `vectorByValueHeap` order, where NaN sorts below
 *   everything: a NaN is kept only while the heap has room and is the first to go, and on a
 *   tie the sample seen first stays. `k < 1` gives an empty vector;
 * - `without` also drops `__name__`, as Prometheus's `HashWithoutLabels` does.
 *
 * Group order in the output is insertion order (Loki's is a Go map's, i.e. random); the
 * samples of a `topk`/`sort_desc` group come highest first, of `bottomk`/`sort` lowest
 * first, NaN last in both directions; ties are ordered by labels (Go's unstable sort
 * promises no order for them, so any fixed one is as faithful and keeps results stable).
 */
import { compareLabels, labelsKey, METRIC_NAME, type Labels } from '../../model/labels.js';
import { assert } from '../../util/errors.js';
import type { VectorAggregationExpr } from '../ast.js';
import { dropNames, keepNames } from './vector-labels.js';
import type { StepSample } from './vector-types.js';

/** The accumulator of one output group. */
interface Group {
  readonly labels: Labels;
  readonly key: string;
  /** sum, avg (the sum), min, max; the sum of squared deviations for stddev/stdvar. */
  value: number;
  /** Running mean (stddev, stdvar). */
  mean: number;
  /** Samples seen (avg, count, stddev, stdvar). */
  count: number;
  /** topk/bottomk: the heap of kept samples; sort/sort_desc: every sample. */
  readonly samples: StepSample[];
}

const NO_LABELS: Labels = [];
/** Shared by the groups of reducing operators, which never add to it. */
const NO_SAMPLES: StepSample[] = [];

/**
 * Aggregates one step's samples. `expr.param` is k for `topk`/`bottomk` (required there).
 * An absent grouping aggregates everything into one series with no labels (`by ()`).
 * The input is not modified; `topk`/`bottomk`/`sort`/`sort_desc` return input samples.
 */
export function aggregateStep(
  expr: Pick<VectorAggregationExpr, 'op' | 'param' | 'grouping'>,
  input: readonly StepSample[],
): StepSample[] {
  const { op } = expr;
  let k = 0;
  if (op === 'topk' || op === 'bottomk') {
    assert(expr.param !== undefined, `${op} without its parameter`);
    k = expr.param;
    if (k < 1) return [];
  }
  const without = expr.grouping?.without ?? false;
  const names = expr.grouping?.labels ?? [];
  // `without` drops __name__ too; `by ()` puts everything in one group.
  const nameSet = new Set(without ? [...names, METRIC_NAME] : names);
  const everything = !without && names.length === 0;
  const keepsSamples = op === 'topk' || op === 'bottomk' || op === 'sort' || op === 'sort_desc';

  const groups = new Map<string, Group>();
  for (const s of input) {
    let labels: Labels;
    let key: string;
    if (everything) {
      labels = NO_LABELS;
      key = '';
    } else {
      labels = without ? dropNames(s.labels, nameSet) : keepNames(s.labels, nameSet);
      key = labels === s.labels ? s.key : labelsKey(labels);
    }
    const g = groups.get(key);
    if (g === undefined) {
      const value = op === 'stddev' || op === 'stdvar' ? 0 : s.v;
      groups.set(key, { labels, key, value, mean: s.v, count: 1, samples: keepsSamples ? [s] : NO_SAMPLES });
      continue;
    }
    switch (op) {
      case 'sum':
        g.value += s.v;
        break;
      case 'avg':
        g.value += s.v;
        g.count++;
        break;
      case 'max':
        if (g.value < s.v || Number.isNaN(g.value)) g.value = s.v;
        break;
      case 'min':
        if (g.value > s.v || Number.isNaN(g.value)) g.value = s.v;
        break;
      case 'count':
        g.count++;
        break;
      case 'stddev':
      case 'stdvar': {
        g.count++;
        const delta = s.v - g.mean;
        g.mean += delta / g.count;
        g.value += delta * (s.v - g.mean);
        break;
      }
      case 'topk':
        offer(g.samples, s, k, topkLess);
        break;
      case 'bottomk':
        offer(g.samples, s, k, bottomkLess);
        break;
      case 'sort':
      case 'sort_desc':
        g.samples.push(s);
        break;
    }
  }

  const out: StepSample[] = [];
  for (const g of groups.values()) {
    switch (op) {
      case 'topk':
      case 'sort_desc':
        for (const s of g.samples.sort(descendingNaNLast)) out.push(s);
        continue;
      case 'bottomk':
      case 'sort':
        for (const s of g.samples.sort(ascendingNaNLast)) out.push(s);
        continue;
      default:
        out.push({ labels: g.labels, key: g.key, v: result(op, g) });
    }
  }
  return out;
}

/** The value of a finished group for the reducing operators. */
function result(op: VectorAggregationExpr['op'], g: Group): number {
  switch (op) {
    case 'avg':
      return g.value / g.count;
    case 'count':
      return g.count;
    case 'stddev':
      return Math.sqrt(g.value / g.count);
    case 'stdvar':
      return g.value / g.count;
    default:
      return g.value;
  }
}

type Less = (a: StepSample, b: StepSample) => boolean;

/** Loki's `vectorByValueHeap.Less`: a min-heap where NaN is below everything. */
function topkLess(a: StepSample, b: StepSample): boolean {
  return Number.isNaN(a.v) || a.v < b.v;
}

/** Loki's `vectorByReverseValueHeap.Less`: a max-heap where NaN is above everything. */
function bottomkLess(a: StepSample, b: StepSample): boolean {
  return Number.isNaN(a.v) || a.v > b.v;
}

/**
 * Loki's topk/bottomk step for a group that already has a heap: `s` goes in when there is
 * room or when the heap's top (the weakest kept sample, or a NaN) ranks below it; the top
 * is dropped first when the heap is full.
 */
function offer(h: StepSample[], s: StepSample, k: number, less: Less): void {
  if (h.length < k || less(h[0]!, s)) {
    if (h.length === k) heapPop(h, less);
    heapPush(h, s, less);
  }
}

// Go's container/heap, step for step, so that ties and NaNs pick the same samples.

function heapPush(h: StepSample[], s: StepSample, less: Less): void {
  h.push(s);
  let j = h.length - 1;
  while (j > 0) {
    const i = (j - 1) >> 1;
    if (!less(h[j]!, h[i]!)) break;
    swap(h, i, j);
    j = i;
  }
}

function heapPop(h: StepSample[], less: Less): void {
  const n = h.length - 1;
  swap(h, 0, n);
  let i = 0;
  for (;;) {
    const j1 = 2 * i + 1;
    if (j1 >= n) break;
    let j = j1;
    const j2 = j1 + 1;
    if (j2 < n && less(h[j2]!, h[j1]!)) j = j2;
    if (!less(h[j]!, h[i]!)) break;
    swap(h, i, j);
    i = j;
  }
  h.pop();
}

function swap(h: StepSample[], i: number, j: number): void {
  const t = h[i]!;
  h[i] = h[j]!;
  h[j] = t;
}

/** Highest first, NaN last (Loki's reversed `vectorByValueHeap`); ties by labels. */
function descendingNaNLast(a: StepSample, b: StepSample): number {
  const an = Number.isNaN(a.v);
  const bn = Number.isNaN(b.v);
  if (an || bn) return an === bn ? compareLabels(a.labels, b.labels) : an ? 1 : -1;
  return a.v > b.v ? -1 : a.v < b.v ? 1 : compareLabels(a.labels, b.labels);
}

/** Lowest first, NaN last (Loki's reversed `vectorByReverseValueHeap`); ties by labels. */
function ascendingNaNLast(a: StepSample, b: StepSample): number {
  const an = Number.isNaN(a.v);
  const bn = Number.isNaN(b.v);
  if (an || bn) return an === bn ? compareLabels(a.labels, b.labels) : an ? 1 : -1;
  return a.v < b.v ? -1 : a.v > b.v ? 1 : compareLabels(a.labels, b.labels);
}
