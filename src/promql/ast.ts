/**
 * The PromQL syntax tree, as Prometheus 2.42's `promql/parser/ast.go` defines it: readonly
 * nodes discriminated on `kind`. The parser (`parser/`) builds it, the printer turns it back
 * into text that parses to the same tree, the engine (`engine/`) evaluates it.
 *
 * Times and durations are integer milliseconds. Positions are UTF-16 offsets into the
 * query text, `[start, end)`, for error messages.
 */
import type { Matcher } from '../model/matcher.js';

/** A span of the query text: `[start, end)` offsets. */
export interface PosRange {
  readonly start: number;
  readonly end: number;
}

/** The four types a PromQL expression can have. */
export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

/** `@ <time>`, `@ start()`, `@ end()` on a selector or subquery. */
export type AtModifier = { readonly kind: 'time'; readonly t: number } | { readonly kind: 'start' } | { readonly kind: 'end' };

export type AggregateOp = 'sum' | 'avg' | 'count' | 'min' | 'max' | 'group' | 'stddev' | 'stdvar' | 'topk' | 'bottomk' | 'count_values' | 'quantile';

/** Binary operators, by precedence from lowest: `or`; `and unless`; comparisons; `+ -`; `* / % atan2`; `^`. */
export type BinaryOp = 'or' | 'and' | 'unless' | '==' | '!=' | '>' | '<' | '>=' | '<=' | '+' | '-' | '*' | '/' | '%' | 'atan2' | '^';

export type Cardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

/** How the two sides of a vector/vector binary operation are matched. */
export interface VectorMatching {
  readonly card: Cardinality;
  /** The `on(...)` or `ignoring(...)` labels, as written. */
  readonly matchingLabels: readonly string[];
  /** True for `on`, false for `ignoring` (and for no clause: match on all labels). */
  readonly on: boolean;
  /** The `group_left(...)` / `group_right(...)` labels. */
  readonly include: readonly string[];
}

export interface NumberLiteral {
  readonly kind: 'number';
  readonly value: number;
  readonly pos: PosRange;
}

export interface StringLiteral {
  readonly kind: 'string';
  readonly value: string;
  readonly pos: PosRange;
}

export interface VectorSelector {
  readonly kind: 'vectorSelector';
  /** The metric name written before the braces, or ''. Also present as a `__name__` matcher. */
  readonly name: string;
  /** Every matcher, the `__name__` one from `name` included. */
  readonly matchers: readonly Matcher[];
  /** `offset` in ms; negative offsets look forward. */
  readonly offsetMs: number;
  readonly at: AtModifier | undefined;
  readonly pos: PosRange;
}

export interface MatrixSelector {
  readonly kind: 'matrixSelector';
  readonly vector: VectorSelector;
  readonly rangeMs: number;
  readonly pos: PosRange;
}

export interface SubqueryExpr {
  readonly kind: 'subquery';
  readonly expr: Expr;
  readonly rangeMs: number;
  /** The resolution; 0 when omitted (the engine uses the default evaluation interval). */
  readonly stepMs: number;
  readonly offsetMs: number;
  readonly at: AtModifier | undefined;
  readonly pos: PosRange;
}

export interface AggregateExpr {
  readonly kind: 'aggregate';
  readonly op: AggregateOp;
  readonly expr: Expr;
  /** The parameter of `topk`, `bottomk`, `count_values` and `quantile`. */
  readonly param: Expr | undefined;
  readonly grouping: readonly string[];
  /** True for `without (...)`, false for `by (...)` or no clause. */
  readonly without: boolean;
  readonly pos: PosRange;
}

export interface BinaryExpr {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
  /** The `bool` modifier of a comparison. */
  readonly returnBool: boolean;
  /** Set when both sides are vectors (defaults filled in: one-to-one on all labels). */
  readonly matching: VectorMatching | undefined;
  readonly pos: PosRange;
}

export interface UnaryExpr {
  readonly kind: 'unary';
  readonly op: '-' | '+';
  readonly expr: Expr;
  readonly pos: PosRange;
}

export interface ParenExpr {
  readonly kind: 'paren';
  readonly expr: Expr;
  readonly pos: PosRange;
}

export interface Call {
  readonly kind: 'call';
  /** The function name as Prometheus spells it (`rate`, `label_replace`, ...). */
  readonly func: string;
  readonly args: readonly Expr[];
  readonly pos: PosRange;
}

export type Expr = NumberLiteral | StringLiteral | VectorSelector | MatrixSelector | SubqueryExpr | AggregateExpr | BinaryExpr | UnaryExpr | ParenExpr | Call;
