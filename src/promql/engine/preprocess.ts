/**
 * What the engine works out from the syntax tree before it reads any data, as Prometheus
 * 2.42's `PreprocessExpr` and `FindMinMaxTime` do: which subtrees are step invariant
 * (evaluated once and replicated over the steps of a range query), the time range each
 * selector reads, and the type of every expression.
 */
import type { AtModifier, Expr, SubqueryExpr, VectorSelector } from '../ast.js';

/** Functions whose value depends on the evaluation time even when their input does not. */
const AT_MODIFIER_UNSAFE_FUNCTIONS: ReadonlySet<string> = new Set([
  'days_in_month',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'hour',
  'minute',
  'month',
  'year',
  'predict_linear',
  'time',
  'timestamp',
]);

/** Strips parentheses. */
export function unwrapParens(e: Expr): Expr {
  while (e.kind === 'paren') e = e.expr;
  return e;
}

/** The time an `@` modifier pins, given the query's start and end; undefined without `@`. */
export function atTime(at: AtModifier | undefined, queryStart: number, queryEnd: number): number | undefined {
  if (at === undefined) return undefined;
  if (at.kind === 'time') return at.t;
  return at.kind === 'start' ? queryStart : queryEnd;
}

/**
 * The subtrees to evaluate once per query rather than once per step (Prometheus wraps them
 * in `StepInvariantExpr`): selectors and subqueries with `@`, literals, and anything built
 * only from those, except through functions whose value depends on the evaluation time.
 * The rules, quirks included (an aggregation's parameter is not looked at), are
 * `preprocessExprHelper`'s.
 */
export function stepInvariantNodes(root: Expr): Set<Expr> {
  const out = new Set<Expr>();
  const visit = (e: Expr): boolean => {
    switch (e.kind) {
      case 'vectorSelector':
        return e.at !== undefined;
      case 'matrixSelector':
        return visit(e.vector);
      case 'aggregate':
        if (e.param !== undefined) visitArg(e.param);
        return visit(e.expr);
      case 'binary': {
        const l = visit(e.lhs);
        const r = visit(e.rhs);
        if (l && r) return true;
        if (l) out.add(e.lhs);
        if (r) out.add(e.rhs);
        return false;
      }
      case 'call': {
        let invariant = !AT_MODIFIER_UNSAFE_FUNCTIONS.has(e.func);
        const each = e.args.map((a) => visit(a));
        for (const x of each) invariant &&= x;
        if (invariant) return true;
        e.args.forEach((a, i) => {
          if (each[i]) out.add(a);
        });
        return false;
      }
      case 'subquery': {
        if (visit(e.expr)) out.add(e.expr);
        return e.at !== undefined;
      }
      case 'paren':
      case 'unary':
        return visit(e.expr);
      case 'string':
      case 'number':
        return true;
    }
  };
  // Prometheus leaves an aggregation's parameter unwrapped, but still preprocesses any
  // subquery or call inside it; an invariant parameter is simply evaluated per step.
  const visitArg = (e: Expr): void => {
    visit(e);
  };
  if (visit(root)) out.add(root);
  return out;
}

/** The samples one selector must read, inclusive, for the whole query. */
export interface SelectorRange {
  readonly mint: number;
  readonly maxt: number;
}

/**
 * The time range every vector selector reads (Prometheus's `getTimeRangesForSelector`):
 * the query's span shifted by enclosing subqueries' offsets and ranges (reset at a
 * subquery's `@`), pinned by the selector's own `@`, widened by the lookback delta (instant
 * selectors) or the range (range selectors), then shifted by the selector's offset.
 */
export function selectorRanges(root: Expr, start: number, end: number, lookbackDeltaMs: number): Map<VectorSelector, SelectorRange> {
  const out = new Map<VectorSelector, SelectorRange>();
  const path: SubqueryExpr[] = [];
  const walk = (e: Expr, evalRangeMs: number): void => {
    switch (e.kind) {
      case 'vectorSelector': {
        let s = start;
        let t = end;
        let subqOffset = 0;
        let subqRange = 0;
        let subqTs: number | undefined;
        for (const sq of path) {
          subqOffset += sq.offsetMs;
          subqRange += sq.rangeMs;
          const ts = atTime(sq.at, start, end);
          if (ts !== undefined) {
            subqOffset = sq.offsetMs;
            subqRange = sq.rangeMs;
            subqTs = ts;
          }
        }
        if (subqTs !== undefined) {
          s = subqTs;
          t = subqTs;
        }
        const ts = atTime(e.at, start, end);
        if (ts !== undefined) {
          s = ts;
          t = ts;
        } else {
          s = s - subqOffset - subqRange;
          t -= subqOffset;
        }
        s -= evalRangeMs === 0 ? lookbackDeltaMs : evalRangeMs;
        s -= e.offsetMs;
        t -= e.offsetMs;
        const prev = out.get(e);
        out.set(e, prev === undefined ? { mint: s, maxt: t } : { mint: Math.min(prev.mint, s), maxt: Math.max(prev.maxt, t) });
        return;
      }
      case 'matrixSelector':
        return walk(e.vector, e.rangeMs);
      case 'subquery':
        path.push(e);
        walk(e.expr, 0);
        path.pop();
        return;
      case 'aggregate':
        if (e.param !== undefined) walk(e.param, 0);
        return walk(e.expr, 0);
      case 'binary':
        walk(e.lhs, 0);
        return walk(e.rhs, 0);
      case 'unary':
      case 'paren':
        return walk(e.expr, 0);
      case 'call':
        for (const a of e.args) walk(a, 0);
        return;
      case 'number':
      case 'string':
        return;
    }
  };
  walk(root, 0);
  return out;
}
