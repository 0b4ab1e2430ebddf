/**
 * The evaluator: Prometheus 2.42's `evaluator.eval` over a span of steps. Every node is
 * evaluated once for all steps of the query (`rangeEval`), producing a `StepMatrix`;
 * selectors walk each series once with a cursor; functions over range vectors slide a
 * window along each series; subqueries run a nested evaluator over their own aligned steps.
 * Step-invariant subtrees (`@`, literals) are evaluated at one step and replicated.
 */
import type { AggregateExpr, BinaryExpr, Call, Expr, MatrixSelector, SubqueryExpr, VectorMatching, VectorSelector } from '../ast.js';
import { METRIC_NAME, compareLabels, type Labels } from '../../model/labels.js';
import type { SampleIterator } from '../../tsdb/interface.js';
import { AggregateNode, isPositiveLimit } from './aggregate.js';
import { ColumnarAggregate } from './columnar-aggregate.js';
import { ColumnarTopK } from './columnar-topk.js';
import { columnarVectorBinop } from './columnar-binop.js';
import { SetOpNode, VectorBinopNode, scalarBinop, vectorScalarBinop } from './binop.js';
import { absentLabels, instantFunction, rangeFunction, type StepFn } from './functions.js';
import { typeOf } from '../parser/index.js';
import { atTime, unwrapParens } from './preprocess.js';
import { execError, tooManySamples, type QueryState } from './query-state.js';
import { RangeWindow } from './range-window.js';
import { evalWindows, rateWindowsFor, windowSpan, type WindowPlan } from './window-eval.js';
import { SelectorCursor, evalSelectorSteps, selectorSpan, type SelectorPlan } from './selector-eval.js';
import { ChunkSeries } from '../../tsdb/chunk-series.js';
import { packInPlace, packSeries, samplesInPlace, samplesToRead, type PackedSeries } from '../parallel/packed-series.js';
import { parallelRangeFunction, type ShareSource } from '../parallel/range-aggregate.js';
import type { QueryWorkers } from '../parallel/query-workers.js';
import { giveBackRuns } from '../parallel/answer-slabs.js';
import { matrixEntryHead } from '../value-json.js';
import { DUPLICATE_LABELSET, SeriesCollector } from './series-collector.js';
import { StepVector, type SeriesSink, type StepMatrix, type StepSeries } from './step-vector.js';
import { dropMetricName, isStaleNaN, keyOf, signatureOn, signatureWithout, withoutMetricName } from './util.js';
import { doublesOfLength } from '../../util/doubles.js';

/**
 * A node evaluated over all steps at once from its arguments' matrices and match keys (and
 * the sample count the steps start from), or undefined to go step by step (`rangeEval`).
 */
type WholeEval = (mats: readonly (StepMatrix | undefined)[], keys: readonly (number[] | undefined)[], temp: number) => StepMatrix | undefined;

/** What evaluating a node gives: a step matrix, or the text of a string literal. */
export type EvalValue = StepMatrix | string;

/** A pull cursor over a subquery's result series, shaped like a storage iterator. */
class ArrayIterator implements SampleIterator {
  private i = -1;
  t = 0;
  v = 0;
  constructor(private readonly s: StepSeries) {}
  next(): boolean {
    if (++this.i >= this.s.t.length) return false;
    this.t = this.s.t[this.i]!;
    this.v = this.s.v[this.i]!;
    return true;
  }
  seek(t: number): boolean {
    if (this.i >= 0 && this.i < this.s.t.length && this.t >= t) return true;
    while (this.next()) if (this.t >= t) return true;
    return false;
  }
  err(): Error | undefined {
    return undefined;
  }
}

/** The value of a scalar parameter at this step (NaN if it has none). */
function scalarParam(v: StepVector): number {
  return v.n > 0 ? v.v[0]! : NaN;
}

/** A selection split into query-worker shares (`Evaluator.shareSelection`). */
interface ShareSelection {
  readonly vs: VectorSelector;
  readonly source: ShareSource;
  /** The series' labels, in selection order (sorted). */
  readonly labels: readonly Labels[];
  /** Read in place: pack every share before the event loop turns. */
  readonly inPlace: boolean;
  /** Packs series [from, to). */
  readonly packShare: (from: number, to: number) => PackedSeries;
}

/** The index of a call's range-vector argument (a range selector or a subquery), or -1. */
function rangeArgIndex(e: Call): number {
  for (let i = 0; i < e.args.length; i++) {
    const a = unwrapParens(e.args[i]!);
    if (a.kind === 'matrixSelector' || a.kind === 'subquery') return i;
  }
  return -1;
}

export class Evaluator {
  /** Number of steps: `start + i·interval` for i in [0, steps). */
  readonly steps: number;

  constructor(
    private readonly q: QueryState,
    readonly start: number,
    readonly end: number,
    readonly interval: number,
  ) {
    this.steps = end < start ? 0 : Math.floor((end - start) / interval) + 1;
  }

  private at(e: VectorSelector | SubqueryExpr): number | undefined {
    return atTime(e.at, this.q.o.queryStart, this.q.o.queryEnd);
  }

  /** Evaluates `e` over this evaluator's steps. */
  async eval(e: Expr): Promise<EvalValue> {
    this.q.check();
    if (this.q.o.invariant.has(e) && this.steps > 1 && e.kind !== 'number' && e.kind !== 'string') return this.evalStepInvariant(e);
    switch (e.kind) {
      case 'number':
        return this.constant(e.value);
      case 'string':
        return e.value;
      case 'paren':
        return this.eval(e.expr);
      case 'unary':
        return this.evalUnary(e.op, e.expr);
      case 'vectorSelector':
        return this.evalVectorSelector(e);
      case 'matrixSelector':
        return this.evalMatrixSelector(e);
      case 'subquery':
        return this.evalSubquery(e);
      case 'aggregate':
        return this.evalAggregate(e);
      case 'binary':
        return this.evalBinary(e);
      case 'call':
        return this.evalCall(e);
    }
  }

  /** Evaluates a node known to be a vector or scalar, as a step matrix. */
  private async evalMatrix(e: Expr): Promise<StepMatrix> {
    const v = await this.eval(e);
    if (typeof v === 'string') throw new Error('BUG: string where a vector or scalar was expected');
    return v;
  }

  /** A step-invariant subtree: evaluated at the first step, its points copied to the others. */
  private async evalStepInvariant(e: Expr): Promise<EvalValue> {
    const single = new Evaluator(this.q, this.start, this.start, this.interval);
    const res = await single.eval(e);
    // Range selectors and subqueries keep their own timestamps, whatever the step.
    const inner = unwrapParens(e);
    if (typeof res === 'string' || inner.kind === 'matrixSelector' || inner.kind === 'subquery') return res;
    for (const s of res) {
      const v = s.v[0]!;
      for (let i = 1; i < this.steps; i++) {
        s.t.push(this.start + i * this.interval);
        s.v.push(v);
        if (this.q.tick(1)) await this.q.pause();
      }
      this.q.add(this.steps - 1);
    }
    return res;
  }

  private async constant(v: number): Promise<StepMatrix> {
    const t = doublesOfLength(this.steps);
    const vs = doublesOfLength(this.steps);
    for (let i = 0; i < this.steps; i++) {
      t[i] = this.start + i * this.interval;
      vs[i] = v;
      if (this.q.tick(1)) await this.q.pause();
    }
    this.q.add(this.steps);
    return [{ metric: [], t, v: vs }];
  }

  private async evalUnary(op: '-' | '+', e: Expr): Promise<StepMatrix> {
    const m = await this.evalMatrix(e);
    if (op === '+') return m;
    const seen = new Set<string>();
    for (const s of m) {
      s.metric = dropMetricName(s.metric);
      for (let i = 0; i < s.v.length; i++) s.v[i] = -s.v[i]!;
      const k = keyOf(s.metric);
      if (seen.has(k)) throw execError(DUPLICATE_LABELSET);
      seen.add(k);
    }
    return m;
  }

  private async evalVectorSelector(vs: VectorSelector): Promise<StepMatrix> {
    const { sink, out } = this.collector();
    await this.streamVectorSelector(vs, sink);
    return out;
  }

  /**
   * A sink that keeps the series it is given as a step matrix, in arrays of their exact size;
   * series with a point at every step share one timestamp array (nothing appends to the
   * arrays of a multi-step result; step-invariant copies are single-step).
   */
  private collector(): { sink: SeriesSink; out: StepMatrix } {
    const out: StepMatrix = [];
    const steps = this.steps;
    let allSteps: number[] | undefined;
    const sink: SeriesSink = (metric, tBuf, vBuf, n) => {
      const full = n === steps && steps > 1;
      if (full && allSteps === undefined) {
        allSteps = doublesOfLength(steps);
        for (let j = 0; j < steps; j++) allSteps[j] = tBuf[j]!;
      }
      const t: number[] = full ? allSteps! : doublesOfLength(n);
      const v: number[] = doublesOfLength(n);
      for (let j = 0; j < n; j++) v[j] = vBuf[j]!;
      if (!full) for (let j = 0; j < n; j++) t[j] = tBuf[j]!;
      out.push({ metric, t, v });
    };
    return { sink, out };
  }

  /**
   * The node under `e` that can be evaluated series by series into a sink (`stream`): a
   * vector selector, or a function of a range selector or subquery. Undefined for other
   * nodes, and for step-invariant ones (evaluated once and copied, see `eval`).
   */
  private streamSource(e: Expr): VectorSelector | Call | undefined {
    let x = e;
    for (;;) {
      if (this.q.o.invariant.has(x) && this.steps > 1) return undefined;
      if (x.kind !== 'paren') break;
      x = x.expr;
    }
    if (x.kind === 'vectorSelector') return x;
    if (x.kind === 'call' && x.func !== 'absent_over_time' && rangeArgIndex(x) >= 0) return x;
    return undefined;
  }

  /**
   * Evaluates a `streamSource` series by series into `sink`, with the sample accounting and
   * errors of `eval`, without building its step matrix.
   */
  private async stream(src: VectorSelector | Call, sink: SeriesSink): Promise<void> {
    this.q.check();
    if (src.kind === 'vectorSelector') await this.streamVectorSelector(src, sink);
    else await this.streamRangeFunction(src, rangeArgIndex(src), sink);
  }

  /** A vector selector's series with a point at each step where the lookback finds a sample. */
  private async streamVectorSelector(vs: VectorSelector, sink: SeriesSink): Promise<void> {
    const series = this.q.series(vs);
    const at = this.at(vs);
    const lookback = this.q.o.lookbackDeltaMs;
    const steps = this.steps;
    const tBuf = new Float64Array(steps);
    const vBuf = new Float64Array(steps);
    if (steps === 1) {
      // An instant selector needs each series' newest sample in the lookback window only.
      const ref = (at ?? this.start) - vs.offsetMs;
      for (const s of series) {
        const it = s.iterator();
        let found: boolean;
        if (it.lastAtOrBefore !== undefined) {
          found = it.lastAtOrBefore(ref) && it.t >= ref - lookback && !isStaleNaN(it.v);
          vBuf[0] = it.v;
        } else {
          const cur = new SelectorCursor(it, lookback);
          found = cur.at(ref);
          vBuf[0] = cur.v;
        }
        if (found) {
          tBuf[0] = this.start;
          this.q.add(1);
          sink(s.labels, tBuf, vBuf, 1);
        }
        if (this.q.tick(1)) await this.q.pause();
      }
      return;
    }
    const plan: SelectorPlan = { start: this.start, interval: this.interval, steps, offsetMs: vs.offsetMs, at, lookbackMs: lookback };
    const cols = new RangeWindow();
    for (const s of series) {
      const n = evalSelectorSteps(s.iterator(), cols, plan, tBuf, vBuf);
      if (n > 0) {
        this.q.add(n);
        sink(s.labels, tBuf, vBuf, n);
      }
      if (this.q.tick(this.steps)) await this.q.pause();
    }
  }

  /** A range selector at the (single) evaluation time: the raw samples of its window. */
  private async evalMatrixSelector(ms: MatrixSelector): Promise<StepMatrix> {
    const vs = ms.vector;
    const maxt = (this.at(vs) ?? this.start) - vs.offsetMs;
    const mint = maxt - ms.rangeMs;
    const out: StepMatrix = [];
    for (const s of this.q.series(vs)) {
      const it = s.iterator();
      const t: number[] = [];
      const v: number[] = [];
      if (it.seek(mint)) {
        do {
          if (it.t > maxt) break;
          if (!isStaleNaN(it.v)) {
            t.push(it.t);
            v.push(it.v);
          }
        } while (it.next());
      }
      if (t.length > 0) {
        this.q.add(t.length);
        out.push({ metric: s.labels, t, v });
      }
      if (this.q.tick(t.length + 1)) await this.q.pause();
    }
    return out;
  }

  /** A subquery: its expression evaluated over its own steps, aligned to multiples of the step. */
  private async evalSubquery(sq: SubqueryExpr): Promise<StepMatrix> {
    const at = this.at(sq);
    const interval = sq.stepMs !== 0 ? sq.stepMs : this.q.o.defaultEvalIntervalMs;
    const from = (at ?? this.start) - sq.offsetMs - sq.rangeMs;
    // Go's integer division truncates toward zero; then move up to the first step >= from.
    let start = interval * Math.trunc(from / interval);
    if (start < from) start += interval;
    const end = (at ?? this.end) - sq.offsetMs;
    const sub = new Evaluator(this.q, start, end, interval);
    return sub.evalMatrix(sq.expr);
  }

  /**
   * Prometheus's `rangeEval`: evaluates the argument expressions over all steps, then, step
   * by step, hands `fn` the samples of each argument at that step and collects its output
   * into series. `prep` computes a per-series helper key (grouping key or match
   * signature) once per input series.
   */
  private async rangeEval(
    exprs: readonly (Expr | undefined)[],
    prep: ((m: Labels) => string) | undefined,
    fn: StepFn,
    pre?: readonly (StepMatrix | undefined)[],
    whole?: WholeEval,
  ): Promise<StepMatrix> {
    const q = this.q;
    const original = q.samples;
    const mats: (StepMatrix | undefined)[] = [];
    for (let a = 0; a < exprs.length; a++) {
      const e = exprs[a];
      const p = pre?.[a];
      mats.push(p !== undefined ? p : e === undefined || typeOf(e) === 'string' ? undefined : await this.evalMatrix(e));
    }
    const vecs = mats.map(() => new StepVector());
    const cursors = mats.map((m) => new Int32Array(m?.length ?? 0));
    // Helper keys interned to integers so per-step matching and grouping index arrays.
    const ids = new Map<string, number>();
    const intern = (k: string): number => {
      let id = ids.get(k);
      if (id === undefined) {
        id = ids.size;
        ids.set(k, id);
      }
      return id;
    };
    const keys = mats.map((m) => (m === undefined || prep === undefined ? undefined : m.map((s) => intern(prep(s.metric)))));
    let temp = q.samples;
    const done = whole?.(mats, keys, temp);
    if (done !== undefined) {
      let total = 0;
      for (const s of done) total += s.t.length;
      q.samples = original + total;
      return done;
    }
    const out = new StepVector();
    const collector = new SeriesCollector();
    for (let step = 0; step < this.steps; step++) {
      const ts = this.start + step * this.interval;
      q.samples = temp;
      for (let a = 0; a < mats.length; a++) {
        const m = mats[a];
        const vec = vecs[a]!;
        vec.reset();
        if (m === undefined) continue;
        const cur = cursors[a]!;
        const k = keys[a];
        for (let si = 0; si < m.length; si++) {
          const s = m[si]!;
          const c = cur[si]!;
          if (c < s.t.length && s.t[c] === ts) {
            const i = vec.n++;
            vec.metric[i] = s.metric;
            vec.v[i] = s.v[c]!;
            if (k !== undefined) vec.key[i] = k[si]!;
            cur[si] = c + 1;
          }
        }
        q.add(vec.n);
      }
      out.reset();
      fn(vecs, ts, out);
      q.add(out.n);
      temp += out.n;
      for (let i = 0; i < out.n; i++) collector.add(i, out.metric[i]!, ts, out.v[i]!);
      if (q.tick(out.n + mats.length + 1)) await q.pause();
    }
    const result = collector.result;
    let total = 0;
    for (const s of result) total += s.t.length;
    q.samples = original + total;
    return result;
  }

  private async evalAggregate(e: AggregateExpr): Promise<StepMatrix> {
    const grouping = [...e.grouping].sort();
    const node = new AggregateNode(e.op, grouping, e.without);
    const prep = (m: Labels): string => node.groupingKey(m);
    const param = e.param === undefined ? undefined : unwrapParens(e.param);
    if (param !== undefined && param.kind === 'string') {
      const label = param.value;
      return this.rangeEval([e.expr], prep, (v, _ts, out) => node.apply(v[0]!, label, out));
    }
    const stepByStep = (): Promise<StepMatrix> =>
      this.rangeEval([e.param, e.expr], prep, (v, _ts, out) => node.apply(v[1]!, e.param === undefined ? undefined : scalarParam(v[0]!), out));
    if (!this.q.o.columnar) return stepByStep();
    if (e.param === undefined && (e.op === 'sum' || e.op === 'count' || e.op === 'max' || e.op === 'min' || e.op === 'group')) {
      const original = this.q.samples;
      const columnar = new ColumnarAggregate(e.op, node, this.start, this.interval, this.steps);
      const src = this.streamSource(e.expr);
      if (src !== undefined) {
        if (await this.parallelAggregate(e, src, columnar)) return columnar.finish(this.q, original);
        await this.stream(src, (metric, t, v, n) => {
          if (!columnar.add(metric, t, v, n)) throw new Error('BUG: a streamed series has a point off the steps');
        });
        return columnar.finish(this.q, original);
      }
      // Any other argument is evaluated first. The columnar path needs its points at step
      // timestamps, in order, which evaluated nodes give; if not, the general path answers.
      const m = await this.evalMatrix(e.expr);
      let ok = true;
      for (const s of m) {
        if (!columnar.add(s.metric, s.t, s.v, s.t.length)) {
          ok = false;
          break;
        }
        if (this.q.tick(s.t.length + 1)) await this.q.pause();
      }
      if (ok) return columnar.finish(this.q, original);
      this.q.samples = original;
      return this.rangeEval([undefined, e.expr], prep, (v, _ts, out) => node.apply(v[1]!, undefined, out), [undefined, m]);
    }
    const src = this.streamSource(e.expr);
    if ((e.op === 'topk' || e.op === 'bottomk') && param?.kind === 'number' && isPositiveLimit(param.value) && src !== undefined) {
      // As rangeEval: the parameter is evaluated (and counted) first, then the argument.
      const original = this.q.samples;
      await this.evalMatrix(e.param!);
      const columnar = new ColumnarTopK(e.op === 'topk', Math.trunc(param.value), node, this.start, this.interval, this.steps);
      await this.stream(src, (metric, t, v, n) => columnar.add(metric, t, v, n));
      return columnar.finish(this.q, original, this.q.samples, 1);
    }
    return stepByStep();
  }

  /**
   * The selection a query worker share reads, for a range function without parameters over
   * a range selector, or a selector, over the range query's steps: the series' labels and
   * a packer of runs of them. The head's series are packed straight from its chunks (one
   * copy, no snapshot objects) when it alone holds the range; else from `select`'s series.
   * Undefined, with nothing selected for the caller, when the source does not qualify or the
   * selection is too small to be worth the workers (`EngineOptions.parallel`).
   */
  private shareSelection(src: VectorSelector | Call): ShareSelection | undefined {
    const q = this.q;
    let vs: VectorSelector;
    let source: ShareSource;
    let span: { mint: number; maxt: number };
    const steps = this.steps;
    if (src.kind === 'vectorSelector') {
      vs = src;
      const plan: SelectorPlan = { start: this.start, interval: this.interval, steps, offsetMs: vs.offsetMs, at: this.at(vs), lookbackMs: q.o.lookbackDeltaMs };
      source = { kind: 'selector', plan };
      span = selectorSpan(plan);
    } else {
      if (!parallelRangeFunction(src.func, src.args.length)) return undefined;
      const arg = unwrapParens(src.args[0]!);
      if (arg.kind !== 'matrixSelector') return undefined;
      vs = arg.vector;
      const plan: WindowPlan = { start: this.start, interval: this.interval, steps, rangeMs: arg.rangeMs, offsetMs: vs.offsetMs, at: this.at(vs) };
      source = { kind: 'rangeFunction', func: src.func, plan };
      span = windowSpan(plan);
    }
    q.check();
    const inPlace = q.inPlace(vs);
    let labels: readonly Labels[];
    let samples: number;
    let packShare: (from: number, to: number) => PackedSeries;
    if (inPlace !== undefined) {
      labels = inPlace.labels;
      samples = samplesInPlace(inPlace, span.mint, span.maxt, estimateStride(labels.length));
      packShare = (from, to) => packInPlace(inPlace, from, to, span.mint, span.maxt);
    } else {
      const series = q.series(vs);
      if (!series.every((s) => s instanceof ChunkSeries)) return undefined;
      const list = series as ChunkSeries[];
      labels = list.map((s) => s.labels);
      samples = samplesToRead(list, span.mint, span.maxt, estimateStride(list.length));
      packShare = (from, to) => packSeries(list, from, to, span.mint, span.maxt);
    }
    const o = q.o.parallel;
    const work = samples + 2 * steps * labels.length;
    if (work < o.minWork || work < o.minWorkPerSeries * labels.length) return undefined;
    return { vs, source, labels, inPlace: inPlace !== undefined, packShare };
  }

  /**
   * A range query whose answer is a range function without parameters over a range
   * selector (`rate(x[5m])`) or a selector, evaluated and written as the API's matrix
   * entries on the query workers, share by share: the big answers of dashboards' raw
   * panels, whose evaluation and formatting then both leave the main thread. The runs of
   * entries, in answer order, or undefined with nothing done when the query does not
   * qualify: another expression, a selection too small, or series whose labels could repeat
   * or change order once the metric name is dropped (then the main thread answers, and
   * raises Prometheus's duplicate-labelset error where due). The sample budget is replayed
   * from each share's points and window peaks, as `parallelAggregate` does.
   */
  async rangeJsonOnWorkers(root: Expr): Promise<Uint8Array[] | undefined> {
    const q = this.q;
    const workers = q.o.workers;
    if (workers === undefined) return undefined;
    const src = unwrapParens(root);
    if (src.kind !== 'vectorSelector' && src.kind !== 'call') return undefined;
    const dropsName = src.kind === 'call' && src.func !== 'last_over_time';
    const sel = this.shareSelection(src);
    if (sel === undefined) return undefined;
    const { source, labels, packShare } = sel;
    const n = labels.length;
    const output = dropsName ? labels.map(withoutMetricName) : labels;
    // The answer is sorted by labels and has no two series alike: split as selected only if
    // that order holds once the name is dropped (a selector's series are sorted already).
    if (dropsName) for (let i = 1; i < n; i++) if (compareLabels(output[i - 1]!, output[i]!) >= 0) return undefined;
    const runs: Uint8Array[] = [];
    await this.runShares(
      n,
      workers,
      sel.inPlace,
      (from, to) => {
        const heads: string[] = [];
        for (let i = from; i < to; i++) heads.push(matrixEntryHead(output[i]!));
        return workers.rangeJson({ kind: 'rangeJson', source, series: packShare(from, to), heads });
      },
      (r) => {
        if (r.json.length > 0) runs.push(r.json);
        else giveBackRuns([r.json]);
      },
    );
    return runs;
  }

  /**
   * Runs `n` series on the query workers in shares (`send(from, to)` starts the share of
   * series [from, to)), and hands each answer to `each` in share order once the sample
   * budget has taken its series' window peaks and points, as the single-thread path counts
   * them (so the limit fails exactly where it would there). Shares are sent as the workers
   * take them, at most two per thread ahead of the one handed on next; read in place, all
   * are packed and sent at once, before the event loop turns and pushes change the head's
   * open chunks (the selection is one moment's, as `select`'s is). On a failure, a timeout
   * or a cancellation nothing more is sent; the shares on their way finish and are dropped
   * (stopping a worker mid-share would cost a new thread, and its answer could still be in
   * flight).
   */
  private async runShares<R extends { readonly points: Int32Array; readonly peaks: Int32Array }>(
    n: number,
    workers: QueryWorkers,
    inPlace: boolean,
    send: (from: number, to: number) => Promise<R>,
    each: (r: R, from: number) => void,
  ): Promise<void> {
    const q = this.q;
    const pieces = this.sharesOf(n, workers);
    const bounds = (k: number): number => Math.floor((k * n) / pieces);
    const shares: Promise<R>[] = [];
    const next = (): void => {
      const k = shares.length;
      if (k >= pieces) return;
      const share = send(bounds(k), bounds(k + 1));
      // A share not awaited because an earlier one failed must not be an unhandled rejection.
      share.catch(() => undefined);
      shares.push(share);
    };
    const ahead = inPlace ? pieces : 2 * workers.threads;
    for (let k = 0; k < ahead; k++) next();
    let held = q.samples;
    const max = q.o.maxSamples;
    for (let k = 0; k < pieces; k++) {
      const r = await shares[k]!;
      q.check();
      next();
      for (let i = 0; i < r.points.length; i++) {
        if (held + r.peaks[i]! > max) throw tooManySamples();
        held += r.points[i]!;
        if (held > max) throw tooManySamples();
      }
      each(r, bounds(k));
    }
    q.samples = held;
  }

  /** How many shares `n` series make. */
  private sharesOf(n: number, workers: QueryWorkers): number {
    const o = this.q.o.parallel;
    return Math.max(1, Math.min(workers.threads * o.sharesPerThread, Math.floor(n / Math.max(1, o.minSeriesPerShare))));
  }

  /**
   * `sum|count|min|max|group by (...)` of a range function (`f(x[range])`) or of a selector
   * over a range query's steps, over many series, on the query workers: the selection is
   * split into runs of series, each run's chunks go to a worker with the group of each
   * series, and the partial aggregations are merged here in series order. The answer is
   * `stream`'s, sums apart (added in another order, they may differ in the last bits, as
   * Prometheus's own sums differ with its series order); the sample budget is replayed
   * series by series from each share's points and window peaks, so it fails exactly where
   * the single-thread path fails. False, with nothing done, when the query does not
   * qualify: no workers, another function, a selection too small to be worth it.
   */
  private async parallelAggregate(e: AggregateExpr, src: VectorSelector | Call, columnar: ColumnarAggregate): Promise<boolean> {
    const q = this.q;
    const workers = q.o.workers;
    if (workers === undefined) return false;
    const sel = this.shareSelection(src);
    if (sel === undefined) return false;
    const { vs, source, labels, packShare } = sel;

    // The series' labels as the aggregation is given them: a range function drops the
    // metric name (but last_over_time), which only matters to `without` and a grouping by
    // it; a selector keeps it.
    const dropsName = src.kind === 'call' && src.func !== 'last_over_time';
    const dropName = dropsName && (e.without || e.grouping.includes(METRIC_NAME));
    const outputLabels = (l: Labels): Labels => (dropsName ? withoutMetricName(l) : l);
    const first = columnar.nextSeries;
    // Two outputs with one label set are an error (streamRangeFunction's check); a selector's
    // series, or those of one metric name, are distinct.
    const oneName = vs.matchers.some((m) => m.name === METRIC_NAME && m.type === '=');
    const seen = !dropsName || oneName ? undefined : new Set<string>();
    let duplicate = false;
    await this.runShares(
      labels.length,
      workers,
      sel.inPlace,
      (from, to) => {
        // Groups are numbered in series order, share by share, as they are sent.
        const groupOf = new Int32Array(to - from);
        for (let i = from; i < to; i++) {
          const l = labels[i]!;
          groupOf[i - from] = columnar.groupOf(dropName ? withoutMetricName(l) : l);
        }
        return workers.rangeAggregate({ kind: 'rangeAggregate', source, op: columnar.op, series: packShare(from, to), groupOf, firstSeries: first + from });
      },
      (r, from) => {
        if (seen !== undefined && !duplicate) {
          for (let i = 0; i < r.points.length; i++) {
            if (r.points[i] === 0) continue;
            const key = keyOf(outputLabels(labels[from + i]!));
            if (seen.has(key)) duplicate = true;
            seen.add(key);
          }
        }
        columnar.merge(r.part, r.groups, r.points.length);
      },
    );
    if (duplicate) throw execError(DUPLICATE_LABELSET);
    return true;
  }

  private async evalBinary(e: BinaryExpr): Promise<StepMatrix> {
    const lt = typeOf(e.lhs);
    const rt = typeOf(e.rhs);
    const op = e.op;
    if (lt === 'scalar' && rt === 'scalar') {
      return this.rangeEval([e.lhs, e.rhs], undefined, (v, _ts, out) => out.push([], scalarBinop(op, v[0]!.v[0]!, v[1]!.v[0]!)));
    }
    if (lt === 'vector' && rt === 'scalar') {
      return this.rangeEval([e.lhs, e.rhs], undefined, (v, _ts, out) => vectorScalarBinop(op, v[0]!, v[1]!.v[0]!, false, e.returnBool, out));
    }
    if (lt === 'scalar' && rt === 'vector') {
      return this.rangeEval([e.lhs, e.rhs], undefined, (v, _ts, out) => vectorScalarBinop(op, v[1]!, v[0]!.v[0]!, true, e.returnBool, out));
    }
    const setOp = op === 'and' || op === 'or' || op === 'unless';
    const matching: VectorMatching = e.matching ?? { card: setOp ? 'many-to-many' : 'one-to-one', matchingLabels: [], on: false, include: [] };
    const names = [...matching.matchingLabels].sort();
    const nameSet = new Set(names);
    const prep = matching.on ? (m: Labels) => signatureOn(m, names) : (m: Labels) => signatureWithout(m, nameSet);
    const set = new SetOpNode();
    switch (op) {
      case 'and':
        return this.rangeEval([e.lhs, e.rhs], prep, (v, _ts, out) => set.and(v[0]!, v[1]!, out));
      case 'or':
        return this.rangeEval([e.lhs, e.rhs], prep, (v, _ts, out) => set.or(v[0]!, v[1]!, out));
      case 'unless':
        return this.rangeEval([e.lhs, e.rhs], prep, (v, _ts, out) => set.unless(v[0]!, v[1]!, out));
      default: {
        const node = new VectorBinopNode(op, matching, e.returnBool);
        // Over many steps, series by series when the matching cannot change between steps.
        const whole: WholeEval | undefined =
          this.q.o.columnar && this.steps > 1
            ? (mats, keys, temp) => columnarVectorBinop(node, op, matching, e.returnBool, mats[0]!, mats[1]!, keys[0]!, keys[1]!, this, this.q, temp)
            : undefined;
        return this.rangeEval([e.lhs, e.rhs], prep, (v, _ts, out) => node.apply(v[0]!, v[1]!, out), undefined, whole);
      }
    }
  }

  private async evalCall(e: Call): Promise<StepMatrix> {
    if (e.func === 'timestamp') {
      const arg = unwrapParens(e.args[0]!);
      if (arg.kind === 'vectorSelector') return this.timestampOfSelector(arg);
    }
    const matrixIndex = rangeArgIndex(e);
    if (matrixIndex < 0) {
      const fn = instantFunction(e.func, e.args);
      return this.rangeEval(e.args, undefined, fn);
    }
    const { sink, out } = this.collector();
    await this.streamRangeFunction(e, matrixIndex, sink, true);
    if (e.func === 'absent_over_time') return this.absentOverTime(out, e.args[0]!);
    return out;
  }

  /** `timestamp(selector)`: the time of the sample each step found, not the step's time. */
  private async timestampOfSelector(vs: VectorSelector): Promise<StepMatrix> {
    const lookback = this.q.o.lookbackDeltaMs;
    const series = this.q.series(vs);
    const cursors = series.map((s) => new SelectorCursor(s.iterator(), lookback));
    const names = series.map((s) => dropMetricName(s.labels));
    const at = this.at(vs);
    return this.rangeEval([], undefined, (_v, ts, out) => {
      // Prometheus 2.42 rewrites the selector's offset to `ts - @` on this path, so with `@`
      // the written offset is ignored: `timestamp(x @ 300 offset 1m)` reads at 300s, from a
      // querier that holds samples only up to 300s - 1m (the selector's range keeps it).
      const ref = at ?? ts - vs.offsetMs;
      for (let i = 0; i < cursors.length; i++) {
        const c = cursors[i]!;
        if (c.at(ref)) {
          this.q.add(1);
          out.push(names[i]!, c.t / 1000);
        }
      }
    });
  }

  /**
   * A function with a range-vector argument (a range selector or a subquery): for each
   * series, a window `[ref - range, ref]` (ref = step time or `@` time, minus the offset)
   * slides along the samples; the kernel sees the window's samples. Two output series with
   * the same labels (once `__name__` is dropped) are an error, found after all series are
   * computed, as in Prometheus; `absent_over_time` has no such check.
   */
  private async streamRangeFunction(e: Call, matrixIndex: number, sink: SeriesSink, sharedNames = false): Promise<void> {
    const q = this.q;
    const kernel = rangeFunction(e.func);
    if (kernel === undefined) throw execError(`function ${JSON.stringify(e.func)} does not take a range vector`);
    // The scalar arguments, evaluated over all steps.
    const scalarMats: (StepMatrix | undefined)[] = [];
    for (let i = 0; i < e.args.length; i++) scalarMats.push(i === matrixIndex ? undefined : await this.evalMatrix(e.args[i]!));
    const scalars: number[] = new Array<number>(e.args.length).fill(NaN);

    const arg = unwrapParens(e.args[matrixIndex]!);
    let sources: { labels: Labels; iterator(): SampleIterator }[];
    let rangeMs: number;
    let offsetMs: number;
    let at: number | undefined;
    let subquerySamples = 0;
    if (arg.kind === 'matrixSelector') {
      sources = q.series(arg.vector);
      rangeMs = arg.rangeMs;
      offsetMs = arg.vector.offsetMs;
      at = this.at(arg.vector);
    } else if (arg.kind === 'subquery') {
      const res = await this.evalSubquery(arg);
      for (const s of res) subquerySamples += s.t.length;
      sources = res.map((s) => ({ labels: s.metric, iterator: () => new ArrayIterator(s) }));
      rangeMs = arg.rangeMs;
      offsetMs = arg.offsetMs;
      at = this.at(arg);
    } else {
      throw new Error('BUG: range function without a range argument');
    }

    const keepName = e.func === 'last_over_time';
    // Series selected by one metric name stay distinct once it is dropped: no check needed.
    const oneName = arg.kind === 'matrixSelector' && arg.vector.matchers.some((m) => m.name === METRIC_NAME && m.type === '=');
    const checkDuplicates = e.func !== 'absent_over_time' && !oneName;
    const seen = new Set<string>();
    let duplicate = false;
    const w = new RangeWindow();
    const steps = this.steps;
    const tBuf = new Float64Array(steps);
    const vBuf = new Float64Array(steps);
    const plan: WindowPlan = { start: this.start, interval: this.interval, steps, rangeMs, offsetMs, at };
    const rates = rateWindowsFor(e.func, plan);
    for (const src of sources) {
      const n = evalWindows(src.iterator(), w, kernel, plan, scalarMats, scalars, tBuf, vBuf, q, rates);
      if (n > 0) {
        q.add(n);
        // With `sharedNames` (the series may be the answer) an output series keeps the same
        // labels array from query to query, so the answer's writer finds its JSON cached
        // (value-json.ts): a dashboard's `rate(...)` over 352 series wrote every label set
        // anew, and the cache filled with sets never asked for again (10k dataset:
        // 3.2-6.6 against 4.2-7.9 ms). An aggregation only groups them: a copy is cheaper.
        const metric = keepName ? src.labels : sharedNames ? dropMetricName(src.labels) : withoutMetricName(src.labels);
        if (checkDuplicates && !duplicate) {
          const k = keyOf(metric);
          if (seen.has(k)) duplicate = true;
          seen.add(k);
        }
        sink(metric, tBuf, vBuf, n);
      }
      if (q.tick(steps + w.hi)) await q.pause();
    }
    q.samples -= subquerySamples;
    if (duplicate) throw execError(DUPLICATE_LABELSET);
  }

  /** `absent_over_time`: a 1 at every step where no series had a sample in its window. */
  private absentOverTime(present: StepMatrix, arg: Expr): StepMatrix {
    const found = new Set<number>();
    for (const s of present) {
      if (s.t.length === this.steps) return [];
      for (const t of s.t) found.add(t);
    }
    if (found.size === this.steps) return [];
    const t: number[] = [];
    const v: number[] = [];
    for (let i = 0; i < this.steps; i++) {
      const ts = this.start + i * this.interval;
      if (!found.has(ts)) {
        t.push(ts);
        v.push(1);
      }
    }
    // A subquery argument has no matchers to take labels from.
    return [{ metric: absentLabels(arg), t, v }];
  }
}

/**
 * Every how many series the workers' work estimate counts: all of up to 256, then about
 * 256 of them. Counting every series of 100k cost ~17 ms of a ~90 ms instant
 * aggregation that then stayed on the main thread anyway, and counting 1 500 of 3 000 was
 * still ~1 ms of a 14 ms one; the estimate only decides against thresholds.
 */
function estimateStride(series: number): number {
  return Math.max(1, Math.floor(series / 256));
}
