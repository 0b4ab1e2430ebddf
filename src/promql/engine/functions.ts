/**
 * How the evaluator calls each PromQL function (Prometheus 2.42's `FunctionCalls`): which
 * arguments it reads, which results drop `__name__`, and the functions that are the
 * engine's own business (`absent` label inference, `vector`, `scalar`, `time`, `sort*`,
 * `label_*`, `histogram_quantile` grouping). The numeric kernels live in `../functions/`.
 */
import type { Expr } from '../ast.js';
import { METRIC_NAME, type Labels } from '../../model/labels.js';
import * as K from '../functions/index.js';
import { execError } from './query-state.js';
import { unwrapParens } from './preprocess.js';
import type { RangeWindow } from './range-window.js';
import type { StepVector } from './step-vector.js';
import { CairnError } from '../../util/errors.js';
import { getOrMake } from '../../util/bounded-map.js';
import { dropMetricName, keyOf, parseGoFloat, withLabel } from './util.js';

/** One step of a function over instant-vector and scalar arguments. */
export type StepFn = (args: readonly StepVector[], ts: number, out: StepVector) => void;

/**
 * A function over a range vector: the window's samples (stale markers removed), the window
 * bounds, the step time and the values of the scalar arguments at this step (by argument
 * index). Returns undefined for "no output sample". Kernels that run at every step of busy
 * queries read the window's columns; the others take `w.points()`.
 */
export interface RangeFn {
  (w: RangeWindow, rangeStartMs: number, rangeEndMs: number, ts: number, scalars: readonly number[]): number | undefined;
  /**
   * The same kernel over many windows of one series at once, where that is faster than
   * window by window; for kernels without scalar arguments that give a value for any window
   * with samples.
   */
  readonly windows?: K.WindowsKernel;
}

/** The value of a scalar argument at this step (a scalar has exactly one sample a step). */
function scalarAt(v: StepVector): number {
  return v.n > 0 ? v.v[0]! : NaN;
}

/** The string literal of argument `i`. */
function stringArg(args: readonly Expr[], i: number): string {
  const e = unwrapParens(args[i]!);
  if (e.kind !== 'string') throw new Error(`BUG: argument ${i} is not a string literal`);
  return e.value;
}

/**
 * The functions of Prometheus's `extrapolatedRate`, with its flags. The kernels below
 * spell the same flags as literals (read from this map, V8 no longer folds them: 17 %
 * slower windows); the shared-timestamp path (rate-windows.ts) reads them here, and its
 * property test fails if the two ever disagree.
 */
const EXTRAPOLATED_RATES: ReadonlyMap<string, { readonly isCounter: boolean; readonly isRate: boolean }> = new Map([
  ['rate', { isCounter: true, isRate: true }],
  ['increase', { isCounter: true, isRate: false }],
  ['delta', { isCounter: false, isRate: false }],
]);

/** `extrapolatedRate`'s flags for `rate`, `increase` and `delta`; undefined for any other function. */
export function extrapolatedRateFlags(name: string): { readonly isCounter: boolean; readonly isRate: boolean } | undefined {
  return EXTRAPOLATED_RATES.get(name);
}

const RANGE_FUNCTIONS: ReadonlyMap<string, RangeFn> = new Map<string, RangeFn>([
  ['rate', (w, s, e) => K.extrapolatedRateOf(w, s, e, true, true)],
  ['increase', (w, s, e) => K.extrapolatedRateOf(w, s, e, true, false)],
  ['delta', (w, s, e) => K.extrapolatedRateOf(w, s, e, false, false)],
  ['irate', (w) => K.instantValueOf(w, true)],
  ['idelta', (w) => K.instantValueOf(w, false)],
  ['resets', (w) => K.resets(w.points())],
  ['changes', (w) => K.changes(w.points())],
  ['deriv', (w) => K.deriv(w.points())],
  ['predict_linear', (w, _s, _e, ts, a) => K.predictLinear(w.points(), a[1]!, ts)],
  [
    'holt_winters',
    (w, _s, _e, _ts, a) => {
      const err = K.holtWintersArgError(a[1]!, a[2]!);
      if (err !== undefined) throw execError(err);
      return K.holtWinters(w.points(), a[1]!, a[2]!);
    },
  ],
  ['quantile_over_time', (w, _s, _e, _ts, a) => K.quantileOverTimeOf(a[0]!, w)],
  // absent_over_time marks the steps that have data; the evaluator inverts them.
  ['absent_over_time', () => 1],
  ...Object.entries(K.OVER_TIME_OF).map(([name, f]): [string, RangeFn] => {
    const windows = K.OVER_TIME_WINDOWS[name as K.OverTimeName];
    const one = (w: RangeWindow): number => f(w);
    return [name, windows === undefined ? one : Object.assign(one, { windows })];
  }),
]);

/** The kernel of a function taking a range vector, or undefined. */
export function rangeFunction(name: string): RangeFn | undefined {
  return RANGE_FUNCTIONS.get(name);
}

/**
 * The labels `absent` and `absent_over_time` give their result: the equality matchers of
 * the selector argument except `__name__`, minus any label also matched otherwise (as
 * Prometheus's `createLabelsForAbsentFunction`). Anything but a selector gives no labels.
 */
export function absentLabels(arg: Expr): Labels {
  const e = unwrapParens(arg);
  const vs = e.kind === 'vectorSelector' ? e : e.kind === 'matrixSelector' ? e.vector : undefined;
  if (vs === undefined) return [];
  let m: Labels = [];
  const has = (n: string): boolean => m.some((l) => l.name === n);
  const empty: string[] = [];
  for (const ma of vs.matchers) {
    if (ma.name === METRIC_NAME) continue;
    if (ma.type === '=' && !has(ma.name)) m = withLabel(m, ma.name, ma.value);
    else empty.push(ma.name);
  }
  for (const n of empty) m = m.filter((l) => l.name !== n);
  return m;
}

/** Applies `f` to every sample value, dropping `__name__`. */
function simple(f: (v: number) => number): StepFn {
  return (args, _ts, out) => {
    const vec = args[0]!;
    for (let i = 0; i < vec.n; i++) out.push(dropMetricName(vec.metric[i]!), f(vec.v[i]!));
  };
}

/** `sort` / `sort_desc`: Prometheus's order, NaNs last either way; ties keep input order. */
function sortFn(desc: boolean): StepFn {
  return (args, _ts, out) => {
    const vec = args[0]!;
    const idx = Array.from({ length: vec.n }, (_, i) => i);
    idx.sort((a, b) => {
      const x = vec.v[a]!;
      const y = vec.v[b]!;
      const xn = Number.isNaN(x);
      const yn = Number.isNaN(y);
      if (xn || yn) return xn === yn ? 0 : xn ? 1 : -1;
      return desc ? y - x || 0 : x - y || 0;
    });
    for (const i of idx) out.push(vec.metric[i]!, vec.v[i]!);
  };
}

function dateFn(f: (tSeconds: number) => number): StepFn {
  return (args, ts, out) => {
    if (args.length === 0) {
      out.push([], f(Math.trunc(ts / 1000)));
      return;
    }
    const vec = args[0]!;
    for (let i = 0; i < vec.n; i++) out.push(dropMetricName(vec.metric[i]!), f(vec.v[i]!));
  };
}

/** What `histogram_quantile` reads from a series' labels: its bucket bound and group. */
interface BucketOf {
  /** The `le` label as a number; undefined without one or when malformed. */
  readonly upperBound: number | undefined;
  /** The series' labels without `le` (`__name__` still tells groups apart), as a key. */
  readonly key: string;
}

function bucketOf(metric: Labels): BucketOf {
  let le: string | undefined;
  for (const l of metric) if (l.name === 'le') le = l.value;
  const upperBound = le === undefined ? undefined : parseGoFloat(le);
  return { upperBound, key: upperBound === undefined ? '' : keyOf(metric.filter((l) => l.name !== 'le')) };
}

/** Series whose bucket bounds one `histogram_quantile` keeps at most (then it starts again). */
const MAX_BUCKET_SERIES = 100_000;

/** The signature-to-buckets state of `histogram_quantile`, reused across steps. */
function histogramQuantile(): StepFn {
  const groupLabels = new Map<string, Labels>();
  // Per input series, read once for every step rather than at each (a fresh label array a
  // series a step, keyed through a WeakMap, was a tenth of the 10k range's main thread).
  // Inputs keep their label objects from step to step; the bound only matters if one did
  // not, when every step would add its own entries.
  const buckets = new Map<Labels, BucketOf>();
  return (args, _ts, out) => {
    const q = scalarAt(args[0]!);
    const vec = args[1]!;
    const groups = new Map<string, { metric: Labels; buckets: { upperBound: number; count: number }[] }>();
    for (let i = 0; i < vec.n; i++) {
      const metric = vec.metric[i]!;
      const { upperBound, key } = getOrMake(buckets, metric, MAX_BUCKET_SERIES, bucketOf);
      // No bucket label or a malformed one: skipped, as in Prometheus.
      if (upperBound === undefined) continue;
      let g = groups.get(key);
      if (g === undefined) {
        let m = groupLabels.get(key);
        if (m === undefined) {
          m = metric.filter((l) => l.name !== 'le' && l.name !== METRIC_NAME);
          groupLabels.set(key, m);
        }
        g = { metric: m, buckets: [] };
        groups.set(key, g);
      }
      g.buckets.push({ upperBound, count: vec.v[i]! });
    }
    for (const g of groups.values()) if (g.buckets.length > 0) out.push(g.metric, K.bucketQuantile(q, g.buckets));
  };
}

/** Runs a kernel's argument check; its bad_data becomes a runtime error, as in Prometheus. */
function asExecError<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof CairnError && err.kind === 'bad_data') throw execError(err.message);
    throw err;
  }
}

/** Rewrites labels per series with a cache, so each input series is rewritten once per query. */
function relabel(rewrite: (labels: Labels) => Labels): StepFn {
  const cache = new WeakMap<Labels, Labels>();
  return (a, _ts, out) => {
    const vec = a[0]!;
    for (let i = 0; i < vec.n; i++) {
      const metric = vec.metric[i]!;
      let m = cache.get(metric);
      if (m === undefined) {
        m = rewrite(metric);
        cache.set(metric, m);
      }
      out.push(m, vec.v[i]!);
    }
  };
}

function labelReplace(args: readonly Expr[]): StepFn {
  const [dst, repl, src, regex] = [1, 2, 3, 4].map((i) => stringArg(args, i)) as [string, string, string, string];
  return relabel(asExecError(() => K.labelReplacer(dst, repl, src, regex)));
}

function labelJoin(args: readonly Expr[]): StepFn {
  const srcs: string[] = [];
  for (let i = 3; i < args.length; i++) srcs.push(stringArg(args, i));
  return relabel(asExecError(() => K.labelJoiner(stringArg(args, 1), stringArg(args, 2), srcs)));
}

/**
 * The per-step implementation of a function without range-vector arguments. `args` are
 * the call's argument expressions (string arguments are read from them).
 */
export function instantFunction(name: string, args: readonly Expr[]): StepFn {
  const math = K.MATH[name];
  if (math !== undefined) return simple(math);
  const date = (K.TIME_FUNCS as Readonly<Record<string, (t: number) => number>>)[name];
  if (date !== undefined) return dateFn(date);
  switch (name) {
    case 'time':
      return (_a, ts, out) => out.push([], ts / 1000);
    case 'pi':
      return (_a, _ts, out) => out.push([], Math.PI);
    case 'vector':
      return (a, _ts, out) => out.push([], scalarAt(a[0]!));
    case 'scalar':
      return (a, _ts, out) => out.push([], a[0]!.n === 1 ? a[0]!.v[0]! : NaN);
    case 'round':
      return (a, _ts, out) => {
        const vec = a[0]!;
        const to = a.length > 1 ? scalarAt(a[1]!) : 1;
        for (let i = 0; i < vec.n; i++) out.push(dropMetricName(vec.metric[i]!), K.round(vec.v[i]!, to));
      };
    case 'clamp':
      return (a, _ts, out) => {
        const vec = a[0]!;
        const min = scalarAt(a[1]!);
        const max = scalarAt(a[2]!);
        if (K.clampEmpty(min, max)) return;
        for (let i = 0; i < vec.n; i++) out.push(dropMetricName(vec.metric[i]!), K.clamp(vec.v[i]!, min, max));
      };
    case 'clamp_min':
      return (a, _ts, out) => {
        const vec = a[0]!;
        const min = scalarAt(a[1]!);
        for (let i = 0; i < vec.n; i++) out.push(dropMetricName(vec.metric[i]!), K.clampMin(vec.v[i]!, min));
      };
    case 'clamp_max':
      return (a, _ts, out) => {
        const vec = a[0]!;
        const max = scalarAt(a[1]!);
        for (let i = 0; i < vec.n; i++) out.push(dropMetricName(vec.metric[i]!), K.clampMax(vec.v[i]!, max));
      };
    case 'sort':
      return sortFn(false);
    case 'sort_desc':
      return sortFn(true);
    case 'timestamp':
      // Over anything but a plain selector, the samples carry the evaluation time.
      return (a, ts, out) => {
        const vec = a[0]!;
        for (let i = 0; i < vec.n; i++) out.push(dropMetricName(vec.metric[i]!), ts / 1000);
      };
    case 'absent': {
      const labels = absentLabels(args[0]!);
      return (a, _ts, out) => {
        if (a[0]!.n === 0) out.push(labels, 1);
      };
    }
    case 'histogram_quantile':
      return histogramQuantile();
    case 'histogram_count':
    case 'histogram_sum':
    case 'histogram_fraction':
      // Native histograms only; float samples give no output.
      return () => {};
    case 'label_replace':
      return labelReplace(args);
    case 'label_join':
      return labelJoin(args);
    default:
      throw execError(`function ${JSON.stringify(name)} is not supported`);
  }
}
