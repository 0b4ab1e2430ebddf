/**
 * The evaluator: Prometheus 2.42's `evaluator.eval` over a span of steps. Every node is
 * evaluated once for all steps of the query (`rangeEval`), producing a `StepMatrix`;
 * selectors walk each series once with a cursor; functions over range vectors slide a
 * window along each series; subqueries run a nested evaluator over their own aligned steps.
 * Step-invariant subtrees (`@`, literals) are evaluated at one step and replicated.
 */
import type { AggregateExpr, BinaryExpr, Call, Expr, MatrixSelector, SubqueryExpr, VectorMatching, VectorSelector } from '../ast.js';
import type { Labels } from '../../model/labels.js';
import type { SampleIterator } from '../../tsdb/interface.js';
import { AggregateNode } from './aggregate.js';
import { SetOpNode, VectorBinopNode, scalarBinop, vectorScalarBinop } from './binop.js';
import { absentLabels, instantFunction, rangeFunction, type StepFn } from './functions.js';
import { typeOf } from '../parser/index.js';
import { atTime, unwrapParens } from './preprocess.js';
import { execError, tooManySamples, type QueryState } from './query-state.js';
import { StepVector, type StepMatrix, type StepSeries } from './step-vector.js';
import { dropMetricName, isStaleNaN, keyOf, signatureOn, signatureWithout } from './util.js';

/** A window point, rewritten in place when recycled. */
interface MutablePoint {
  t: number;
  v: number;
}

/** What evaluating a node gives: a step matrix, or the text of a string literal. */
export type EvalValue = StepMatrix | string;

const DUPLICATE_LABELSET = 'vector cannot contain metrics with the same labelset';

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

/**
 * The value of one series at a sequence of non-decreasing reference times: the newest
 * sample at or before the reference time, if no older than the lookback delta and not a
 * stale marker (Prometheus's `vectorSelectorSingle` over a memoized iterator).
 */
class SelectorCursor {
  private has: boolean;
  private hasPrev = false;
  private prevT = 0;
  private prevV = 0;
  /** Tested when read: a NaN payload is not guaranteed to survive being stored. */
  private prevStale = false;
  /** The sample found by the last `at()`. */
  t = 0;
  v = 0;

  constructor(
    private readonly it: SampleIterator,
    private readonly lookbackMs: number,
  ) {
    this.has = it.next();
  }

  at(ref: number): boolean {
    const it = this.it;
    const from = ref - this.lookbackMs;
    if (this.has && it.t < from) {
      // Nothing before the lookback window matters: jump over it.
      this.hasPrev = false;
      this.has = it.seek(from);
    }
    while (this.has && it.t <= ref) {
      this.prevT = it.t;
      this.prevV = it.v;
      this.prevStale = isStaleNaN(it.v);
      this.hasPrev = true;
      this.has = it.next();
    }
    if (!this.hasPrev || this.prevT < from || this.prevStale) return false;
    this.t = this.prevT;
    this.v = this.prevV;
    return true;
  }
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
    const t = new Array<number>(this.steps);
    const vs = new Array<number>(this.steps);
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
    const series = this.q.series(vs);
    const at = this.at(vs);
    const out: StepMatrix = [];
    const lookback = this.q.o.lookbackDeltaMs;
    const steps = this.steps;
    // Points go to scratch arrays first, then into arrays of their exact size.
    const tBuf = new Float64Array(steps);
    const vBuf = new Float64Array(steps);
    let allSteps: number[] | undefined;
    for (const s of series) {
      const cur = new SelectorCursor(s.iterator(), lookback);
      let n = 0;
      for (let i = 0; i < steps; i++) {
        const ts = this.start + i * this.interval;
        if (cur.at((at ?? ts) - vs.offsetMs)) {
          tBuf[n] = ts;
          vBuf[n] = cur.v;
          n++;
        }
      }
      if (n > 0) {
        // A series with a point at every step shares one timestamp array (nothing appends
        // to the arrays of a multi-step result; step-invariant copies are single-step).
        const full = n === steps && steps > 1;
        if (full && allSteps === undefined) {
          allSteps = new Array<number>(steps);
          for (let j = 0; j < steps; j++) allSteps[j] = tBuf[j]!;
        }
        const t: number[] = full ? allSteps! : new Array<number>(n);
        const v: number[] = new Array<number>(n);
        for (let j = 0; j < n; j++) v[j] = vBuf[j]!;
        if (!full) for (let j = 0; j < n; j++) t[j] = tBuf[j]!;
        this.q.add(n);
        out.push({ metric: s.labels, t, v });
      }
      if (this.q.tick(this.steps)) await this.q.pause();
    }
    return out;
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
    const out = new StepVector();
    // Output series by label-set object (outputs mostly reuse the same objects step after
    // step), falling back to the label-set key for a new object.
    const byObject = new Map<Labels, StepSeries>();
    const bySeries = new Map<string, StepSeries>();
    const hint: (StepSeries | undefined)[] = [];
    const result: StepMatrix = [];
    let temp = q.samples;
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
      for (let i = 0; i < out.n; i++) {
        const metric = out.metric[i]!;
        // Outputs usually come in the same order every step: try last step's series first.
        const h = hint[i];
        let s = h !== undefined && h.metric === metric ? h : byObject.get(metric);
        if (s === undefined) {
          const key = keyOf(metric);
          s = bySeries.get(key);
          if (s === undefined) {
            s = { metric, t: [], v: [] };
            bySeries.set(key, s);
            result.push(s);
          }
          byObject.set(metric, s);
        }
        if (s.t.length > 0 && s.t[s.t.length - 1] === ts) throw execError(DUPLICATE_LABELSET);
        hint[i] = s;
        s.t.push(ts);
        s.v.push(out.v[i]!);
      }
      if (q.tick(out.n + mats.length + 1)) await q.pause();
    }
    let total = 0;
    for (const s of result) total += s.t.length;
    q.samples = original + total;
    return result;
  }

  /**
   * `sum`/`count`/`max`/`min`/`group` without a parameter, series by series instead of step
   * by step: the same additions in the same order (series order within a step), the same
   * output order (first appearance: earliest step, then first series at that step) and the
   * same sample accounting as `rangeEval` with `AggregateNode.apply`. Undefined when a point
   * is not at a step timestamp (the caller then takes the general path).
   */
  private async columnarAggregate(op: 'sum' | 'count' | 'max' | 'min' | 'group', node: AggregateNode, m: StepMatrix, original: number): Promise<StepMatrix | undefined> {
    const q = this.q;
    const steps = this.steps;
    const start = this.start;
    const interval = this.interval;
    const ids = new Map<string, number>();
    const gid = new Int32Array(m.length);
    const firstLabels: Labels[] = [];
    for (let si = 0; si < m.length; si++) {
      const s = m[si]!;
      const k = node.groupingKey(s.metric);
      let id = ids.get(k);
      if (id === undefined) {
        id = ids.size;
        ids.set(k, id);
        firstLabels.push(s.metric);
      }
      gid[si] = id;
    }
    const nG = ids.size;
    const vals = new Float64Array(nG * steps);
    const cnt = new Float64Array(nG * steps);
    const inputs = new Int32Array(steps);
    const firstStep = new Int32Array(nG).fill(steps);
    const firstSeries = new Int32Array(nG);
    for (let si = 0; si < m.length; si++) {
      const s = m[si]!;
      const g = gid[si]!;
      const base = g * steps;
      const ts = s.t;
      const vs = s.v;
      const n = ts.length;
      let prev = -1;
      for (let j = 0; j < n; j++) {
        const step = steps === 1 ? (ts[j] === start ? 0 : -1) : (ts[j]! - start) / interval;
        // Only points at step timestamps, in order, as rangeEval consumes them.
        if (!(step > prev && step < steps && (step | 0) === step)) return undefined;
        prev = step;
        const v = vs[j]!;
        inputs[step] = inputs[step]! + 1;
        const at = base + step;
        if (step < firstStep[g]!) {
          firstStep[g] = step;
          firstSeries[g] = si;
        }
        const c = cnt[at]!;
        cnt[at] = c + 1;
        if (c === 0) {
          vals[at] = v;
          continue;
        }
        switch (op) {
          case 'sum':
            vals[at] = vals[at]! + v;
            break;
          case 'max': {
            const cur = vals[at]!;
            if (cur < v || Number.isNaN(cur)) vals[at] = v;
            break;
          }
          case 'min': {
            const cur = vals[at]!;
            if (cur > v || Number.isNaN(cur)) vals[at] = v;
            break;
          }
          default:
            break;
        }
      }
      if (q.tick(n + 1)) await q.pause();
    }
    // Output groups in rangeEval's order; then replay its sample accounting step by step.
    const order: number[] = [];
    for (let g = 0; g < nG; g++) if (firstStep[g]! < steps) order.push(g);
    order.sort((a, b) => firstStep[a]! - firstStep[b]! || firstSeries[a]! - firstSeries[b]!);
    const outputs = new Int32Array(steps);
    const result: StepMatrix = [];
    for (const g of order) {
      const labels = node.labelsFor(g, firstLabels[g]!);
      const t: number[] = [];
      const v: number[] = [];
      const base = g * steps;
      for (let step = 0; step < steps; step++) {
        const c = cnt[base + step]!;
        if (c === 0) continue;
        outputs[step] = outputs[step]! + 1;
        t.push(start + step * interval);
        v.push(op === 'count' ? c : op === 'group' ? 1 : vals[base + step]!);
      }
      result.push({ metric: labels, t, v });
    }
    let temp = original;
    for (let step = 0; step < steps; step++) {
      q.samples = temp;
      q.add(inputs[step]!);
      q.add(outputs[step]!);
      temp += outputs[step]!;
    }
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
    if (e.param === undefined && (e.op === 'sum' || e.op === 'count' || e.op === 'max' || e.op === 'min' || e.op === 'group')) {
      const original = this.q.samples;
      const m = await this.evalMatrix(e.expr);
      const r = await this.columnarAggregate(e.op, node, m, original);
      if (r !== undefined) return r;
      this.q.samples = original;
      return this.rangeEval([undefined, e.expr], prep, (v, _ts, out) => node.apply(v[1]!, undefined, out), [undefined, m]);
    }
    return this.rangeEval([e.param, e.expr], prep, (v, _ts, out) => {
      const p = e.param === undefined ? undefined : v[0]!.n > 0 ? v[0]!.v[0]! : NaN;
      node.apply(v[1]!, p, out);
    });
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
        return this.rangeEval([e.lhs, e.rhs], prep, (v, _ts, out) => node.apply(v[0]!, v[1]!, out));
      }
    }
  }

  private async evalCall(e: Call): Promise<StepMatrix> {
    if (e.func === 'timestamp') {
      const arg = unwrapParens(e.args[0]!);
      if (arg.kind === 'vectorSelector') return this.timestampOfSelector(arg);
    }
    let matrixIndex = -1;
    for (let i = 0; i < e.args.length; i++) {
      const a = unwrapParens(e.args[i]!);
      if (a.kind === 'matrixSelector' || a.kind === 'subquery') {
        matrixIndex = i;
        break;
      }
    }
    if (matrixIndex < 0) {
      const fn = instantFunction(e.func, e.args);
      return this.rangeEval(e.args, undefined, fn);
    }
    return this.evalRangeFunction(e, matrixIndex);
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
   * slides along the samples; the kernel sees the window's points.
   */
  private async evalRangeFunction(e: Call, matrixIndex: number): Promise<StepMatrix> {
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
    const out: StepMatrix = [];
    // The window of one series. Kernels do not keep the points they are given, so point
    // objects that leave the window are recycled instead of allocating one per sample.
    const points: MutablePoint[] = [];
    const pool: MutablePoint[] = [];
    const steps = this.steps;
    const tBuf = new Float64Array(steps);
    const vBuf = new Float64Array(steps);
    let allSteps: number[] | undefined;
    for (const src of sources) {
      q.samples -= points.length;
      for (const p of points) pool.push(p);
      points.length = 0;
      const it = src.iterator();
      let has = false;
      let started = false;
      let n = 0;
      for (let step = 0; step < this.steps; step++) {
        const ts = this.start + step * this.interval;
        for (let j = 0; j < scalarMats.length; j++) {
          const m = scalarMats[j];
          if (m !== undefined) scalars[j] = m[0]?.v[step] ?? NaN;
        }
        const maxt = (at ?? ts) - offsetMs;
        const mint = maxt - rangeMs;
        // Drop the points that left the window; their objects are reused for new samples.
        let drop = 0;
        while (drop < points.length && points[drop]!.t < mint) drop++;
        if (drop > 0) {
          for (let j = 0; j < drop; j++) pool.push(points[j]!);
          const n = points.length - drop;
          for (let j = 0; j < n; j++) points[j] = points[j + drop]!;
          points.length = n;
          q.samples -= drop;
        }
        if (!started) {
          has = it.seek(mint);
          started = true;
        } else if (has && it.t < mint) {
          has = it.seek(mint);
        }
        let added = 0;
        while (has && it.t <= maxt) {
          const pv = it.v;
          if (!isStaleNaN(pv)) {
            const p = pool.pop();
            if (p === undefined) points.push({ t: it.t, v: pv });
            else {
              p.t = it.t;
              p.v = pv;
              points.push(p);
            }
            added++;
          }
          has = it.next();
        }
        if (added > 0) {
          q.samples += added;
          if (q.samples > q.o.maxSamples) throw tooManySamples();
        }
        if (points.length === 0) continue;
        const r = kernel(points, mint, maxt, ts, scalars);
        if (r !== undefined) {
          tBuf[n] = ts;
          vBuf[n] = r;
          n++;
        }
      }
      if (n > 0) {
        if (q.samples + n > q.o.maxSamples) throw tooManySamples();
        q.samples += n;
        // As in evalVectorSelector: exact-size arrays, one shared array of all steps.
        const full = n === steps && steps > 1;
        if (full && allSteps === undefined) {
          allSteps = new Array<number>(steps);
          for (let j = 0; j < steps; j++) allSteps[j] = tBuf[j]!;
        }
        const t: number[] = full ? allSteps! : new Array<number>(n);
        const v: number[] = new Array<number>(n);
        for (let j = 0; j < n; j++) v[j] = vBuf[j]!;
        if (!full) for (let j = 0; j < n; j++) t[j] = tBuf[j]!;
        out.push({ metric: keepName ? src.labels : dropMetricName(src.labels), t, v });
      }
      if (q.tick(this.steps + points.length)) await q.pause();
    }
    q.samples -= points.length + subquerySamples;

    if (e.func === 'absent_over_time') return this.absentOverTime(out, e.args[0]!);
    const seen = new Set<string>();
    for (const s of out) {
      const k = keyOf(s.metric);
      if (seen.has(k)) throw execError(DUPLICATE_LABELSET);
      seen.add(k);
    }
    return out;
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
