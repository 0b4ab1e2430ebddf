/**
 * Step-wise evaluation of metric queries, as Loki's step evaluators do it: every node of
 * the tree yields one value per step (a scalar or a vector of samples), range
 * aggregations read the store once for all steps, and the operators combine step by step.
 */
import type { RangeOp, SampleExpr, VectorAggregationExpr } from '../ast.js';
import { evalRangeAggregation } from './range-aggregation.js';
import type { QueryControl } from './query-control.js';
import type { LogQLQueryStats, LogQLSource, Steps } from './types.js';
import { aggregateStep, binaryStep, compileLabelReplace, type StepValue } from './vector-ops.js';

/** What evaluation needs besides the tree. */
export interface EvalContext {
  readonly src: LogQLSource;
  readonly steps: Steps;
  readonly ctl: QueryControl;
  readonly stats: LogQLQueryStats;
}

function constant(v: StepValue, n: number): StepValue[] {
  return new Array<StepValue>(n).fill(v);
}

/** Range functions whose sum over a coarser grouping equals their value over it (Loki's `canInjectVectorGrouping`). */
const SUMMABLE: ReadonlySet<RangeOp> = new Set(['bytes_over_time', 'bytes_rate', 'sum_over_time', 'rate', 'count_over_time']);

/**
 * `sum by (x) (count_over_time(…))` needs only `x` from each entry: the range aggregation
 * is given the sum's grouping (when it has none of its own), as Loki's extractor does. The
 * sum over the coarser series is the same; fewer series are built, and the parsers extract
 * only the labels that matter (parser hints). Other operators need every label.
 */
function withInjectedGrouping(expr: VectorAggregationExpr): SampleExpr {
  const inner = expr.expr;
  if (expr.op !== 'sum' || inner.kind !== 'range_aggregation' || inner.grouping !== undefined || !SUMMABLE.has(inner.op)) return inner;
  // `without ()` keeps every label, which a range aggregation's empty grouping would not.
  if (expr.grouping?.without === true && expr.grouping.labels.length === 0) return inner;
  return { ...inner, grouping: expr.grouping ?? { without: false, labels: [] } };
}

/** Evaluates `expr` at every step of `ctx.steps`. */
export async function evalSampleExpr(expr: SampleExpr, ctx: EvalContext): Promise<StepValue[]> {
  const n = ctx.steps.count;
  switch (expr.kind) {
    case 'literal':
      return constant({ kind: 'scalar', v: expr.value }, n);
    case 'vector':
      return constant({ kind: 'vector', samples: [{ labels: [], key: '', v: expr.value }] }, n);
    case 'range_aggregation': {
      const vecs = await evalRangeAggregation(ctx.src, expr, ctx.steps, ctx.ctl, ctx.stats);
      return vecs.map((samples) => ({ kind: 'vector', samples }));
    }
    case 'vector_aggregation': {
      const inner = await evalSampleExpr(withInjectedGrouping(expr), ctx);
      return inner.map((v) => ({ kind: 'vector', samples: aggregateStep(expr, v.kind === 'vector' ? v.samples : []) }));
    }
    case 'label_replace': {
      const replace = compileLabelReplace(expr.dst, expr.replacement, expr.src, expr.regex);
      const inner = await evalSampleExpr(expr.expr, ctx);
      return inner.map((v) => (v.kind === 'vector' ? { kind: 'vector', samples: replace(v.samples) } : v));
    }
    case 'binary': {
      const lhs = await evalSampleExpr(expr.lhs, ctx);
      const rhs = await evalSampleExpr(expr.rhs, ctx);
      const out: StepValue[] = [];
      for (let i = 0; i < n; i++) {
        out.push(binaryStep(expr, lhs[i]!, rhs[i]!));
        if (ctx.ctl.tick()) await ctx.ctl.pause();
      }
      return out;
    }
  }
}
