/**
 * The type check Prometheus 2.42 runs after a successful parse (`parse.go`, `checkAST`):
 * operand and argument types, `bool` only on comparisons, set operators only between
 * vectors, vector matching only between vectors, selectors that cannot match everything.
 * It also settles the binary expressions' matching as upstream does: set operators become
 * many-to-many, and the matching is dropped when a side is not a vector.
 */
import type { BinaryExpr, Expr, PosRange, ValueType, VectorMatching } from '../ast.js';
import { FUNCTIONS } from './functions.js';
import { goQuote } from './go-format.js';
import { parseErrorAt } from './parse-error.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const COMPARISON: ReadonlySet<string> = new Set(['==', '!=', '>', '<', '>=', '<=']);
const SET_OPERATOR: ReadonlySet<string> = new Set(['and', 'or', 'unless']);

/** True for `==`, `!=`, `>`, `<`, `>=`, `<=`. */
export function isComparisonOperator(op: string): boolean {
  return COMPARISON.has(op);
}

/** True for `and`, `or`, `unless`. */
export function isSetOperator(op: string): boolean {
  return SET_OPERATOR.has(op);
}

/**
 * The type of an expression as the parser computes it (upstream's `Expr.Type()`): a binary
 * expression is a scalar only when both sides are; a call has its function's return type.
 */
export function typeOf(e: Expr): ValueType {
  switch (e.kind) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'vectorSelector':
    case 'aggregate':
      return 'vector';
    case 'matrixSelector':
    case 'subquery':
      return 'matrix';
    case 'call':
      return FUNCTIONS.get(e.func)?.returnType ?? 'vector';
    case 'paren':
    case 'unary':
      return typeOf(e.expr);
    case 'binary': {
      // Iterative over the left spine, which may be very long.
      let cur: Expr = e;
      while (cur.kind === 'binary') {
        if (typeOf(cur.rhs) !== 'scalar') return 'vector';
        cur = cur.lhs;
      }
      return typeOf(cur) === 'scalar' ? 'scalar' : 'vector';
    }
  }
}

/** Upstream's `DocumentedType`: the names the documentation uses. */
function documentedType(t: ValueType): string {
  switch (t) {
    case 'vector':
      return 'instant vector';
    case 'matrix':
      return 'range vector';
    default:
      return t;
  }
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/** Walks `root` in upstream's order and throws the first ParseError it would report. */
export function checkAST(input: string, root: Expr): void {
  const fail = (range: PosRange, message: string): never => {
    throw parseErrorAt(input, range, message);
  };

  /** `context` may be a function: it is only worked out for the message. */
  const expectType = (e: Expr, want: ValueType, context: string | (() => string)): void => {
    const t = check(e);
    if (t !== want) fail(e.pos, `expected type ${documentedType(want)} in ${typeof context === 'string' ? context : context()}, got ${documentedType(t)}`);
  };

  /** The operator's span: between the operands, blanks trimmed. */
  const opRange = (n: BinaryExpr): PosRange => {
    let start = n.lhs.pos.end;
    while (start < input.length && isSpace(input[start])) start++;
    let end = n.rhs.pos.start - 1;
    while (end > start && isSpace(input[end])) end--;
    return { start, end };
  };

  const checkBinary = (n: BinaryExpr, lt: ValueType, rt: ValueType): void => {
    const vm = n.matching as Mutable<VectorMatching>;
    if (n.returnBool && !COMPARISON.has(n.op)) fail(opRange(n), 'bool modifier can only be used on comparison operators');
    if (COMPARISON.has(n.op) && !n.returnBool && rt === 'scalar' && lt === 'scalar') {
      fail(opRange(n), 'comparisons between scalars must use BOOL modifier');
    }
    if (SET_OPERATOR.has(n.op) && vm.card === 'one-to-one') vm.card = 'many-to-many';
    if (vm.on) {
      for (const l1 of vm.matchingLabels) {
        if (vm.include.includes(l1)) fail(opRange(n), `label ${goQuote(l1)} must not occur in ON and GROUP clause at once`);
      }
    }
    if (lt !== 'scalar' && lt !== 'vector') fail(n.lhs.pos, 'binary expression must contain only scalar and instant vector types');
    if (rt !== 'scalar' && rt !== 'vector') fail(n.rhs.pos, 'binary expression must contain only scalar and instant vector types');
    if (lt !== 'vector' || rt !== 'vector') {
      if (vm.matchingLabels.length > 0) fail(n.pos, 'vector matching only allowed between instant vectors');
      (n as Mutable<BinaryExpr>).matching = undefined;
    } else if (SET_OPERATOR.has(n.op)) {
      if (vm.card === 'one-to-many' || vm.card === 'many-to-one') fail(n.pos, `no grouping allowed for ${goQuote(n.op)} operation`);
      if (vm.card !== 'many-to-many') fail(n.pos, 'set operations must always be many-to-many');
    }
    if ((lt === 'scalar' || rt === 'scalar') && SET_OPERATOR.has(n.op)) {
      fail(n.pos, `set operator ${goQuote(n.op)} not allowed in binary scalar expression`);
    }
  };

  // Types of binary, paren and unary nodes come from their children's checks, so a long
  // operator chain is checked in linear time.
  const check = (n: Expr): ValueType => {
    let typ: ValueType;
    switch (n.kind) {
      case 'aggregate':
        typ = 'vector';
        expectType(n.expr, 'vector', 'aggregation expression');
        if (n.op === 'topk' || n.op === 'bottomk' || n.op === 'quantile') expectType(n.param!, 'scalar', 'aggregation parameter');
        if (n.op === 'count_values') expectType(n.param!, 'string', 'aggregation parameter');
        break;

      case 'binary': {
        // Walk the left spine without recursion: generated `a or b or c ...` chains can be
        // thousands of operands long. Upstream's order is kept: the left side, then the
        // right side, then the node itself, from the innermost node outwards.
        const spine: BinaryExpr[] = [n];
        let bottom: Expr = n.lhs;
        while (bottom.kind === 'binary') {
          spine.push(bottom);
          bottom = bottom.lhs;
        }
        let lt = check(bottom);
        for (let i = spine.length - 1; i >= 0; i--) {
          const b = spine[i]!;
          const rt = check(b.rhs);
          checkBinary(b, lt, rt);
          lt = lt === 'scalar' && rt === 'scalar' ? 'scalar' : 'vector';
        }
        typ = lt;
        break;
      }

      case 'call': {
        const fn = FUNCTIONS.get(n.func);
        if (fn === undefined) return fail(n.pos, `unknown function with name ${goQuote(n.func)}`);
        typ = fn.returnType;
        const nargs = fn.argTypes.length;
        // Quoted only for a message: goQuote is a regex test per character, and most calls are valid.
        const quoted = (): string => goQuote(fn.name);
        if (fn.variadic === 0) {
          if (nargs !== n.args.length) fail(n.pos, `expected ${nargs} argument(s) in call to ${quoted()}, got ${n.args.length}`);
        } else {
          const na = nargs - 1;
          if (na > n.args.length) {
            fail(n.pos, `expected at least ${na} argument(s) in call to ${quoted()}, got ${n.args.length}`);
          } else if (fn.variadic > 0 && na + fn.variadic < n.args.length) {
            fail(n.pos, `expected at most ${na + fn.variadic} argument(s) in call to ${quoted()}, got ${n.args.length}`);
          }
        }
        for (let i = 0; i < n.args.length; i++) {
          let ti = i;
          if (i >= nargs) {
            // Extra arguments of a non-variadic call are not checked (the count already failed).
            if (fn.variadic === 0) break;
            ti = nargs - 1;
          }
          expectType(n.args[i]!, fn.argTypes[ti]!, () => `call to function ${quoted()}`);
        }
        break;
      }

      case 'paren':
        typ = check(n.expr);
        break;

      case 'unary': {
        const t = check(n.expr);
        typ = t;
        if (t !== 'scalar' && t !== 'vector') {
          fail(n.pos, `unary expression only allowed on expressions of type scalar or instant vector, got ${goQuote(documentedType(t))}`);
        }
        break;
      }

      case 'subquery': {
        typ = 'matrix';
        const t = check(n.expr);
        if (t !== 'vector') fail(n.pos, `subquery is only allowed on instant vector, got ${t} instead`);
        break;
      }

      case 'matrixSelector':
        typ = 'matrix';
        check(n.vector);
        break;

      case 'vectorSelector':
        typ = 'vector';
        if (n.name !== '') {
          // The last matcher is the one for the name outside the braces.
          for (const m of n.matchers.slice(0, -1)) {
            if (m.name === '__name__') fail(n.pos, `metric name must not be set twice: ${goQuote(n.name)} or ${goQuote(m.value)}`);
          }
          break;
        }
        // At least one matcher must not match the empty string, so that a typo cannot select every series.
        if (!n.matchers.some((m) => !m.matches(''))) fail(n.pos, 'vector selector must contain at least one non-empty matcher');
        break;

      case 'number':
        typ = 'scalar';
        break;
      case 'string':
        typ = 'string';
        break;
    }
    return typ;
  };

  check(root);
}
