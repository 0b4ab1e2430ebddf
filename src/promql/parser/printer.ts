/**
 * PromQL text from a syntax tree, as Prometheus 2.42's `String()` methods print it
 * (`promql/parser/printer.go`): single spaces around binary operators, `by (a, b)` before
 * an aggregation's body, matchers sorted, `@` before `offset`, durations in
 * `model.Duration` form and numbers in Go's `%v` form.
 *
 * One deliberate difference: upstream drops `group_left`/`group_right` when the matching
 * clause is an empty `ignoring()`, which changes the meaning; this printer keeps it, so
 * the output always parses back to the same tree (matcher order aside).
 */
import type { AggregateExpr, AtModifier, BinaryExpr, Expr, VectorSelector } from '../ast.js';
import type { Matcher } from '../../model/matcher.js';
import { formatDurationMs } from './duration.js';
import { goFormatFloat, goFormatFixed, goQuote } from './go-format.js';

function matcherString(m: Matcher): string {
  return `${m.name}${m.type}${goQuote(m.value)}`;
}

function offsetString(offsetMs: number): string {
  if (offsetMs > 0) return ` offset ${formatDurationMs(offsetMs)}`;
  if (offsetMs < 0) return ` offset -${formatDurationMs(-offsetMs)}`;
  return '';
}

function atString(at: AtModifier | undefined): string {
  if (at === undefined) return '';
  if (at.kind === 'start') return ' @ start()';
  if (at.kind === 'end') return ' @ end()';
  return ` @ ${goFormatFixed(at.t / 1000, 3)}`;
}

/** Go's sort.Strings: byte order, which for UTF-16 strings is code point order. */
function byteOrder(a: string, b: string): number {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return Buffer.compare(x, y);
}

function vectorSelectorString(vs: VectorSelector, withModifiers: boolean): string {
  const labelStrings: string[] = [];
  for (const m of vs.matchers) {
    // The name matcher is printed as the name in front of the braces.
    if (m.name === '__name__' && m.type === '=' && m.value === vs.name) continue;
    labelStrings.push(matcherString(m));
  }
  const suffix = withModifiers ? atString(vs.at) + offsetString(vs.offsetMs) : '';
  if (labelStrings.length === 0) return `${vs.name}${suffix}`;
  labelStrings.sort(byteOrder);
  return `${vs.name}{${labelStrings.join(',')}}${suffix}`;
}

/** Upstream's `getAggOpStr`: the operator and its grouping clause, with a trailing space when there is one. */
export function aggregateOpString(e: AggregateExpr): string {
  if (e.without) return `${e.op} without (${e.grouping.join(', ')}) `;
  if (e.grouping.length > 0) return `${e.op} by (${e.grouping.join(', ')}) `;
  return e.op;
}

/** Upstream's `getMatchingStr`: ` on (a)`, ` ignoring (b) group_left (c)`, or ''. */
export function matchingString(e: BinaryExpr): string {
  const vm = e.matching;
  if (vm === undefined) return '';
  const grouped = vm.card === 'many-to-one' || vm.card === 'one-to-many';
  if (vm.matchingLabels.length === 0 && !vm.on && !grouped) return '';
  let s = ` ${vm.on ? 'on' : 'ignoring'} (${vm.matchingLabels.join(', ')})`;
  if (grouped) s += ` group_${vm.card === 'many-to-one' ? 'left' : 'right'} (${vm.include.join(', ')})`;
  return s;
}

/** The `[range:step] @ t offset d` suffix of a subquery. */
export function subqueryTimeSuffix(e: { rangeMs: number; stepMs: number; at: AtModifier | undefined; offsetMs: number }): string {
  const step = e.stepMs !== 0 ? formatDurationMs(e.stepMs) : '';
  return `[${formatDurationMs(e.rangeMs)}:${step}]${atString(e.at)}${offsetString(e.offsetMs)}`;
}

/**
 * Prints `e` as Prometheus's `String()` does. The result parses back to a tree equal to
 * `e` apart from positions and the order of label matchers (printed sorted).
 */
export function formatExpr(e: Expr): string {
  switch (e.kind) {
    case 'number':
      return goFormatFloat(e.value);
    case 'string':
      return goQuote(e.value);
    case 'vectorSelector':
      return vectorSelectorString(e, true);
    case 'matrixSelector':
      return `${vectorSelectorString(e.vector, false)}[${formatDurationMs(e.rangeMs)}]${atString(e.vector.at)}${offsetString(e.vector.offsetMs)}`;
    case 'subquery':
      return `${formatExpr(e.expr)}${subqueryTimeSuffix(e)}`;
    case 'aggregate': {
      let s = `${aggregateOpString(e)}(`;
      if (e.param !== undefined) s += `${formatExpr(e.param)}, `;
      return `${s}${formatExpr(e.expr)})`;
    }
    case 'binary': {
      // Iterative over the left spine: operator chains can be thousands of operands long.
      const spine: BinaryExpr[] = [];
      let cur: Expr = e;
      while (cur.kind === 'binary') {
        spine.push(cur);
        cur = cur.lhs;
      }
      let s = formatExpr(cur);
      for (let i = spine.length - 1; i >= 0; i--) {
        const b = spine[i]!;
        s += ` ${b.op}${b.returnBool ? ' bool' : ''}${matchingString(b)} ${formatExpr(b.rhs)}`;
      }
      return s;
    }
    case 'unary':
      return `${e.op}${formatExpr(e.expr)}`;
    case 'paren':
      return `(${formatExpr(e.expr)})`;
    case 'call':
      return `${e.func}(${e.args.map(formatExpr).join(', ')})`;
  }
}
