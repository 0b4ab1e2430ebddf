/**
 * Aggregation operators over one step, as Prometheus 2.42's `evaluator.aggregation`:
 * grouping by `by`/`without` (which always drops `__name__`), the incremental mean and
 * variance, `topk`/`bottomk` through Go's heap algorithms (so ties and NaNs come out in
 * Prometheus's order), `count_values` label values in Go's shortest float format, and the
 * output order of first appearance.
 */
import type { AggregateOp } from '../ast.js';
import { METRIC_NAME, type Labels } from '../../model/labels.js';
import { quantile } from '../functions/quantile.js';
import { execError } from './query-state.js';
import { StampedTable, type StepVector } from './step-vector.js';
import { formatGoFloatF, formatGoFloatV, isValidLabelName, goQuote, signatureOn, signatureWithout, withLabel } from './util.js';

/** The largest float64 that converts to an int64 without overflow (Prometheus's maxInt64). */
const MAX_INT64 = 9223372036854774784;
/** The smallest float64 that converts to an int64 (Prometheus's minInt64). */
const MIN_INT64 = -9223372036854775808;

/** An element of a `topk`/`bottomk` heap. */
export interface HeapItem {
  metric: Labels;
  v: number;
}

interface Group {
  labels: Labels;
  value: number;
  mean: number;
  count: number;
  heap: HeapItem[];
  values: number[];
}

type Less = (a: HeapItem, b: HeapItem) => boolean;
/** vectorByValueHeap: the smallest on top, NaN smallest of all. */
const byValue: Less = (a, b) => Number.isNaN(a.v) || a.v < b.v;
/** vectorByReverseValueHeap: the largest on top, NaN on top too. */
const byReverseValue: Less = (a, b) => Number.isNaN(a.v) || a.v > b.v;

function heapUp(h: HeapItem[], j: number, less: Less): void {
  for (;;) {
    const i = Math.trunc((j - 1) / 2);
    if (i === j || !less(h[j]!, h[i]!)) break;
    [h[i], h[j]] = [h[j]!, h[i]!];
    j = i;
  }
}

function heapDown(h: HeapItem[], i0: number, n: number, less: Less): void {
  let i = i0;
  for (;;) {
    const j1 = 2 * i + 1;
    if (j1 >= n) break;
    let j = j1;
    const j2 = j1 + 1;
    if (j2 < n && less(h[j2]!, h[j1]!)) j = j2;
    if (!less(h[j]!, h[i]!)) break;
    [h[i], h[j]] = [h[j]!, h[i]!];
    i = j;
  }
}

function heapPush(h: HeapItem[], x: HeapItem, less: Less): void {
  h.push(x);
  heapUp(h, h.length - 1, less);
}

function heapPop(h: HeapItem[], less: Less): void {
  const n = h.length - 1;
  [h[0], h[n]] = [h[n]!, h[0]!];
  heapDown(h, 0, n, less);
  h.pop();
}

/** Go's `sort.Sort(sort.Reverse(h))`: insertion sort (stable) for small inputs as pdqsort does. */
function sortReverse(h: HeapItem[], less: Less): void {
  const rev = (a: HeapItem, b: HeapItem): boolean => less(b, a);
  if (h.length <= 12) {
    for (let i = 1; i < h.length; i++) {
      for (let j = i; j > 0 && rev(h[j]!, h[j - 1]!); j--) [h[j], h[j - 1]] = [h[j - 1]!, h[j]!];
    }
    return;
  }
  h.sort((a, b) => (rev(a, b) ? -1 : rev(b, a) ? 1 : 0));
}

/**
 * Offers a sample to a `topk` (`top`) or `bottomk` heap of at most `k` items, as
 * Prometheus's aggregation loop does: the heap keeps the k best so far, the worst on top.
 */
export function offerTopK(heap: HeapItem[], metric: Labels, v: number, k: number, top: boolean): void {
  if (heap.length === 0) {
    heap.push({ metric, v });
    return;
  }
  const less = top ? byValue : byReverseValue;
  const worst = heap[0]!;
  const better = top ? worst.v < v : worst.v > v;
  if (heap.length < k || better || Number.isNaN(worst.v)) {
    if (heap.length === k) {
      if (k === 1) {
        heap[0] = { metric, v };
        return;
      }
      heapPop(heap, less);
    }
    heapPush(heap, { metric, v }, less);
  }
}

/** Puts a `topk`/`bottomk` heap in output order (best first, as Prometheus's reverse sort). */
export function sortTopK(heap: HeapItem[], top: boolean): void {
  if (heap.length > 1) sortReverse(heap, top ? byValue : byReverseValue);
}

/** True when `f` as the `k` of `topk`/`bottomk` is in int64 range and at least 1. */
export function isPositiveLimit(f: number): boolean {
  return f >= 1 && f <= MAX_INT64;
}

/** One aggregation node, with the group labels it computed kept across steps. */
export class AggregateNode {
  private readonly groupingSet: ReadonlySet<string>;
  /** Group labels by group id: they depend only on the labels that define the group. */
  private readonly labelsById: Labels[] = [];
  /** `count_values` group keys, interned per node (its keys change with the values). */
  private readonly valueKeyIds = new Map<string, number>();
  /** Group id → index into `groups`, this step. */
  private readonly groupIndex = new StampedTable();
  /** Group objects reused from step to step; the first `nGroups` are this step's. */
  private readonly groups: Group[] = [];

  constructor(
    private readonly op: AggregateOp,
    /** Sorted grouping labels. */
    private readonly grouping: readonly string[],
    private readonly without: boolean,
  ) {
    this.groupingSet = new Set(grouping);
  }

  /** The grouping key of a series (Prometheus's `generateGroupingKey`). */
  groupingKey(metric: Labels): string {
    if (this.without) return signatureWithout(metric, this.groupingSet);
    if (this.grouping.length === 0) return '';
    return signatureOn(metric, this.grouping);
  }

  /** The output labels of group `id` (by `groupingKey` order), given one of its series. */
  labelsFor(id: number, metric: Labels): Labels {
    return this.groupLabels(id, metric, this.grouping, this.groupingSet);
  }

  private groupLabels(id: number, metric: Labels, grouping: readonly string[], groupingSet: ReadonlySet<string>): Labels {
    let m = this.labelsById[id];
    if (m === undefined) {
      if (this.without) m = metric.filter((l) => l.name !== METRIC_NAME && !groupingSet.has(l.name));
      else if (grouping.length > 0) m = metric.filter((l) => groupingSet.has(l.name));
      else m = [];
      this.labelsById[id] = m;
    }
    return m;
  }

  /** A group for this step, from the pool. */
  private newGroup(labels: Labels, v: number): Group {
    let g = this.groups[this.nGroups];
    if (g === undefined) {
      g = { labels, value: v, mean: v, count: 1, heap: [], values: [] };
      this.groups.push(g);
    } else {
      g.labels = labels;
      g.value = v;
      g.mean = v;
      g.count = 1;
      g.heap = [];
      g.values.length = 0;
    }
    this.nGroups++;
    return g;
  }

  private nGroups = 0;

  /** Aggregates one step; `vec.key` holds each sample's interned grouping key. */
  apply(vec: StepVector, param: number | string | undefined, out: StepVector): void {
    const op = this.op;
    let k = 0;
    if (op === 'topk' || op === 'bottomk') {
      const f = param as number;
      if (!(f <= MAX_INT64 && f >= MIN_INT64)) throw execError(`Scalar value ${formatGoFloatV(f)} overflows int64`);
      k = Math.trunc(f);
      if (k < 1) return;
    }
    const q = op === 'quantile' ? (param as number) : 0;
    let valueLabel = '';
    let grouping = this.grouping;
    let groupingSet = this.groupingSet;
    if (op === 'count_values') {
      valueLabel = param as string;
      if (!isValidLabelName(valueLabel)) throw execError(`invalid label name ${goQuote(valueLabel)}`);
      if (!this.without) {
        grouping = [...grouping, valueLabel].sort();
        groupingSet = new Set(grouping);
      }
    }
    this.groupIndex.clear();
    this.nGroups = 0;
    for (let i = 0; i < vec.n; i++) {
      let metric = vec.metric[i]!;
      const v = vec.v[i]!;
      let id: number;
      if (op === 'count_values') {
        metric = withLabel(metric, valueLabel, formatGoFloatF(v));
        const key = this.without ? signatureWithout(metric, groupingSet) : signatureOn(metric, grouping);
        let vid = this.valueKeyIds.get(key);
        if (vid === undefined) {
          vid = this.valueKeyIds.size;
          this.valueKeyIds.set(key, vid);
        }
        id = vid;
      } else {
        id = vec.key[i]!;
      }
      const gi = this.groupIndex.get(id);
      const g = gi < 0 ? undefined : this.groups[gi]!;
      if (g === undefined) {
        this.groupIndex.set(id, this.nGroups);
        const ng = this.newGroup(this.groupLabels(id, metric, grouping, groupingSet), v);
        switch (op) {
          case 'stdvar':
          case 'stddev':
            ng.value = 0;
            break;
          case 'topk':
          case 'bottomk':
            offerTopK(ng.heap, metric, v, k, op === 'topk');
            break;
          case 'quantile':
            ng.values.push(v);
            break;
          case 'group':
            ng.value = 1;
            break;
          default:
            break;
        }
        continue;
      }
      switch (op) {
        case 'sum':
          g.value += v;
          break;
        case 'avg': {
          g.count++;
          if (g.mean === Infinity || g.mean === -Infinity) {
            // An infinite mean stays as it is unless an infinity of the other sign or a NaN arrives.
            if ((v === Infinity || v === -Infinity) && g.mean > 0 === v > 0) break;
            if (v !== Infinity && v !== -Infinity && !Number.isNaN(v)) break;
          }
          // Both terms divided by the count to avoid overflowing float64.
          g.mean += v / g.count - g.mean / g.count;
          break;
        }
        case 'group':
          break;
        case 'max':
          if (g.value < v || Number.isNaN(g.value)) g.value = v;
          break;
        case 'min':
          if (g.value > v || Number.isNaN(g.value)) g.value = v;
          break;
        case 'count':
        case 'count_values':
          g.count++;
          break;
        case 'stdvar':
        case 'stddev': {
          g.count++;
          const delta = v - g.mean;
          g.mean += delta / g.count;
          g.value += delta * (v - g.mean);
          break;
        }
        case 'topk':
        case 'bottomk':
          offerTopK(g.heap, metric, v, k, op === 'topk');
          break;
        case 'quantile':
          g.values.push(v);
          break;
      }
    }
    for (let gi = 0; gi < this.nGroups; gi++) {
      const g = this.groups[gi]!;
      switch (op) {
        case 'avg':
          g.value = g.mean;
          break;
        case 'count':
        case 'count_values':
          g.value = g.count;
          break;
        case 'stdvar':
          g.value = g.value / g.count;
          break;
        case 'stddev':
          g.value = Math.sqrt(g.value / g.count);
          break;
        case 'topk':
        case 'bottomk':
          sortTopK(g.heap, op === 'topk');
          for (const s of g.heap) out.push(s.metric, s.v);
          continue;
        case 'quantile':
          g.value = quantile(q, g.values);
          break;
        default:
          break;
      }
      out.push(g.labels, g.value);
    }
  }
}
