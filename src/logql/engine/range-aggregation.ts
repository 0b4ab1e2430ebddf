/**
 * Range aggregations over log entries (`count_over_time({…} | json [5m])`, `… | unwrap x`):
 * the entries every step's window can see are read once, turned into samples by the
 * pipeline's sample extractor, kept per result series in time order, and each step's
 * window `(T - offset - range, T - offset]` (Loki's bounds) is aggregated from them.
 *
 * A function that only counts or adds up whole numbers (`count_over_time`, `rate`,
 * `bytes_over_time`, …) keeps a series' samples only until they outnumber the grid's
 * intervals (window-grid.ts), then running totals per interval: a query over millions of
 * entries then holds a few numbers per step and series, not every sample (a 5-minute
 * window of a 100 MB/s push is ~100 M entries).
 *
 * Window bounds are whole milliseconds while entries carry nanoseconds, so a sample's time
 * is kept as `tMs + 0.5` when it has nanoseconds within its millisecond: that places it
 * exactly between the integer bounds it falls between, which is all the windows compare.
 */
import { PAUSED } from '../../logstore/interface.js';
import { labelsKey, type Labels } from '../../model/labels.js';
import { CairnError } from '../../util/errors.js';
import type { LabelMatcher, RangeAggregationExpr } from '../ast.js';
import { goQuote } from '../go-text.js';
import { compileSampleExtractor } from '../pipeline/index.js';
import type { StreamSampleExtractor } from '../pipeline/types.js';
import type { QueryControl } from './query-control.js';
import { additiveRangeFunction, rangeFunction, type AdditiveRangeFunction } from './range-functions.js';
import { compileMatchers, selectParams } from './selection.js';
import type { LogQLQueryStats, LogQLSource, Steps } from './types.js';
import type { StepSample } from './vector-ops.js';
import { WindowGrid } from './window-grid.js';

/** One result series' samples, time-ordered once `finish()` ran. */
class SeriesSamples {
  t = new Float64Array(16);
  v = new Float64Array(16);
  n = 0;
  /** Where each ascending run of times starts (a new run at every step back in time). */
  private runs: number[] = [0];
  /** Window pointers, advanced monotonically across steps. */
  lo = 0;
  hi = 0;
  constructor(
    readonly labels: Labels,
    readonly key: string,
  ) {}

  add(t: number, v: number): void {
    if (this.n === this.t.length) {
      const t2 = new Float64Array(this.n * 2);
      t2.set(this.t);
      this.t = t2;
      const v2 = new Float64Array(this.n * 2);
      v2.set(this.v);
      this.v = v2;
    }
    if (this.n > 0 && t < this.t[this.n - 1]!) this.runs.push(this.n);
    this.t[this.n] = t;
    this.v[this.n] = v;
    this.n++;
  }

  /**
   * Sorts by time, stably (samples of equal time keep their arrival order), by merging the
   * ascending runs pairwise: the samples of one source stream arrive in order, so a series
   * fed by k streams is k runs, merged in log2(k) passes over typed arrays.
   */
  finish(): void {
    let runs = this.runs;
    if (runs.length === 1) return;
    let t = this.t.subarray(0, this.n);
    let v = this.v.subarray(0, this.n);
    let t2 = new Float64Array(this.n);
    let v2 = new Float64Array(this.n);
    while (runs.length > 1) {
      const next: number[] = [];
      for (let r = 0; r < runs.length; r += 2) {
        const a = runs[r]!;
        const mid = r + 1 < runs.length ? runs[r + 1]! : this.n;
        const end = r + 2 < runs.length ? runs[r + 2]! : this.n;
        next.push(a);
        let i = a;
        let j = mid;
        let k = a;
        while (i < mid && j < end) {
          // `<=` keeps the earlier run's sample first on equal times (stable).
          if (t[i]! <= t[j]!) {
            t2[k] = t[i]!;
            v2[k++] = v[i++]!;
          } else {
            t2[k] = t[j]!;
            v2[k++] = v[j++]!;
          }
        }
        for (; i < mid; i++, k++) {
          t2[k] = t[i]!;
          v2[k] = v[i]!;
        }
        for (; j < end; j++, k++) {
          t2[k] = t[j]!;
          v2[k] = v[j]!;
        }
      }
      [t, t2] = [t2, t];
      [v, v2] = [v2, v];
      runs = next;
    }
    this.t = t;
    this.v = v;
    this.runs = [0];
  }
}

/**
 * One result series as running totals per interval of the grid: the count of samples and,
 * when the function reads it, the sum of their values. Index `j + 1` holds interval `j`,
 * so that `finish()` can turn both into prefix sums in place.
 */
class SeriesTotals {
  readonly count: Float64Array;
  readonly sum: Float64Array | undefined;
  /** The interval of the last sample added (see `WindowGrid.intervalOf`). */
  private hint = -1;

  constructor(
    readonly labels: Labels,
    readonly key: string,
    private readonly grid: WindowGrid,
    withSum: boolean,
  ) {
    this.count = new Float64Array(grid.intervals + 1);
    this.sum = withSum ? new Float64Array(grid.intervals + 1) : undefined;
  }

  /** The totals of samples kept so far (in any order). */
  static from(s: SeriesSamples, grid: WindowGrid, withSum: boolean): SeriesTotals {
    const out = new SeriesTotals(s.labels, s.key, grid, withSum);
    for (let i = 0; i < s.n; i++) out.add(s.t[i]!, s.v[i]!);
    return out;
  }

  add(t: number, v: number): void {
    const j = (this.hint = this.grid.intervalOf(t, this.hint));
    if (j < 0) return;
    this.count[j + 1]!++;
    if (this.sum !== undefined) this.sum[j + 1]! += v;
  }

  /** Turns the totals into prefix sums: a window's is then the difference of two. */
  finish(): void {
    for (const a of [this.count, this.sum]) if (a !== undefined) for (let j = 1; j < a.length; j++) a[j]! += a[j - 1]!;
  }
}

const ERROR_LABEL = '__error__';
const PRESERVE_ERROR_LABEL = '__preserve_error__';

/** Prometheus's `labels.String()`: `{a="b", c="d"}` with Go quoting of values. */
function labelsString(ls: Labels): string {
  return `{${ls.map((l) => `${l.name}=${goQuote(l.value)}`).join(', ')}}`;
}

/**
 * Loki refuses metric results that still carry a pipeline error, unless the query asked
 * to keep them (`__preserve_error__`): the user must filter (`| __error__=""`).
 */
function checkPipelineErrors(samples: readonly StepSample[]): void {
  for (const s of samples) {
    let err: string | undefined;
    let preserve = false;
    for (const l of s.labels) {
      if (l.name === ERROR_LABEL) err = l.value;
      else if (l.name === PRESERVE_ERROR_LABEL) preserve = l.value === 'true';
    }
    if (err !== undefined && !preserve) {
      throw new CairnError('bad_data', 'pipeline_error', `pipeline error: '${err}' for series: '${labelsString(s.labels)}'.`);
    }
  }
}

/**
 * The label set `absent_over_time` answers with: the selector's equality matchers, minus
 * any name that also has another matcher (Prometheus's `absent` rule).
 */
function absentLabels(ms: readonly LabelMatcher[]): Labels {
  const eq = new Map<string, string>();
  const drop = new Set<string>();
  for (const m of ms) {
    if (m.type === '=' && !eq.has(m.name)) eq.set(m.name, m.value);
    else drop.add(m.name);
  }
  for (const n of drop) eq.delete(n);
  return [...eq].map(([name, value]) => ({ name, value })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Evaluates a range aggregation at every step: `out[i]` is the vector at step i (series
 * without samples in the window are absent from it).
 */
export async function evalRangeAggregation(
  src: LogQLSource,
  expr: RangeAggregationExpr,
  steps: Steps,
  ctl: QueryControl,
  stats: LogQLQueryStats,
): Promise<StepSample[][]> {
  const { range } = expr;
  const extractor = compileSampleExtractor(expr);
  const matchers = compileMatchers(range.selector.matchers);
  const lastStepMs = steps.startMs + (steps.count - 1) * steps.stepMs;
  // Every window lies in (first - offset - range, last - offset].
  const lowMs = steps.startMs - range.offsetMs - range.rangeMs;
  const highMs = lastStepMs - range.offsetMs;
  const additive = additiveRangeFunction(expr.op, range.rangeMs, range.unwrap !== undefined);
  const grid = additive === undefined ? undefined : new WindowGrid(steps, range.offsetMs, range.rangeMs);
  // Samples turn into totals once they outnumber the totals' slots: never more memory.
  const totalsFrom = grid === undefined ? Infinity : Math.max(64, grid.intervals);
  const series = new Map<string, SeriesSamples | SeriesTotals>();
  const querier = src.querier(lowMs, highMs);
  try {
    // [low, high + 1ns): the store's end is exclusive, the window's is inclusive.
    const base = { startMs: lowMs, startNs: 0, endMs: highMs, endNs: 1, direction: 'forward' as const, linesUnused: extractor.linesUnused === true };
    const set = querier.select(matchers, selectParams(base, extractor, stats, ctl));
    while (set.next()) {
      ctl.check();
      const s = set.at();
      const ex: StreamSampleExtractor = extractor.forStream(s.labels, true);
      const it = s.iterator();
      while (it.next()) {
        const e = it.at();
        if (e === PAUSED) {
          await ctl.pause();
          continue;
        }
        if (ctl.tick()) await ctl.pause();
        // The lower bound is exclusive.
        if (e.tMs === lowMs && e.tNs === 0) continue;
        const sample = ex.process(e.tMs, e.tNs, e.line, e.metadata);
        if (sample === undefined) continue;
        let ss = series.get(sample.key);
        if (ss === undefined) series.set(sample.key, (ss = new SeriesSamples(sample.labels, sample.key)));
        ss.add(e.tNs === 0 ? e.tMs : e.tMs + 0.5, sample.value);
        if (ss instanceof SeriesSamples && ss.n >= totalsFrom) series.set(sample.key, SeriesTotals.from(ss, grid!, additive!.usesSum));
      }
    }
  } finally {
    querier.close();
  }

  const all = [...series.values()];
  for (const s of all) {
    s.finish();
    // A sort of millions of samples is long work: let a push in between series.
    if (ctl.due()) await ctl.pause();
  }
  const fn = rangeFunction(expr.op, range.rangeMs, range.unwrap !== undefined, expr.param);
  const absent = expr.op === 'absent_over_time' ? absentLabels(range.selector.matchers) : undefined;
  const out: StepSample[][] = [];
  for (let i = 0; i < steps.count; i++) {
    const endMs = steps.startMs + i * steps.stepMs - range.offsetMs;
    const startMs = endMs - range.rangeMs;
    const vec: StepSample[] = [];
    for (const s of all) {
      if (s instanceof SeriesTotals) {
        const v = windowTotal(s, grid!, i, additive!);
        if (v !== undefined) vec.push({ labels: s.labels, key: s.key, v });
        continue;
      }
      const { t } = s;
      while (s.lo < s.n && t[s.lo]! <= startMs) s.lo++;
      if (s.hi < s.lo) s.hi = s.lo;
      while (s.hi < s.n && t[s.hi]! <= endMs) s.hi++;
      if (s.hi > s.lo) vec.push({ labels: s.labels, key: s.key, v: fn({ t, v: s.v, lo: s.lo, hi: s.hi, endMs }) });
    }
    checkPipelineErrors(vec);
    if (absent !== undefined) out.push(vec.length === 0 ? [{ labels: absent, key: labelsKey(absent), v: 1 }] : []);
    else out.push(vec);
    if (ctl.tick()) await ctl.pause();
  }
  return out;
}

/** Step i's value of a series kept as totals, or undefined when its window holds no sample. */
function windowTotal(s: SeriesTotals, grid: WindowGrid, i: number, fn: AdditiveRangeFunction): number | undefined {
  const a = grid.startEdge[i]!;
  const b = grid.endEdge[i]!;
  const count = s.count[b]! - s.count[a]!;
  if (count === 0) return undefined;
  return fn.value(count, s.sum === undefined ? 0 : s.sum[b]! - s.sum[a]!);
}
