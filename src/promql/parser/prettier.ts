/**
 * The PromQL pretty printer of Prometheus 2.42 (`promql/parser/prettier.go`), behind
 * `/api/v1/format_query`. A node whose one-line form is longer than 100 bytes is split:
 * binary operands and the operator on their own lines, call and aggregation arguments one
 * per line, each level indented by two spaces. Shorter nodes print as `formatExpr`.
 */
import type { Expr } from '../ast.js';
import { byteLength } from './go-format.js';
import { aggregateOpString, formatExpr, matchingString, subqueryTimeSuffix } from './printer.js';

/** Upstream's `maxCharactersPerLine`: longer one-line forms are split. */
const MAX_CHARACTERS_PER_LINE = 100;

function indent(level: number): string {
  return '  '.repeat(level);
}

/**
 * `expr.Pretty(0)` with a given line limit; upstream's tests shrink the limit to 10 to
 * exercise splitting on short queries, and so do ours.
 */
export function prettyExprWithLimit(root: Expr, maxCharactersPerLine: number): string {
  const needsSplit = (e: Expr): boolean => byteLength(formatExpr(e)) > maxCharactersPerLine;

  const pretty = (e: Expr, level: number): string => {
    switch (e.kind) {
      case 'aggregate': {
        if (!needsSplit(e)) return indent(level) + formatExpr(e);
        let s = `${indent(level)}${aggregateOpString(e)}(\n`;
        if (e.param !== undefined) s += `${pretty(e.param, level + 1)},\n`;
        return `${s}${pretty(e.expr, level + 1)}\n${indent(level)})`;
      }
      case 'binary': {
        if (!needsSplit(e)) return indent(level) + formatExpr(e);
        const returnBool = e.returnBool ? ' bool' : '';
        return `${pretty(e.lhs, level + 1)}\n${indent(level)}${e.op}${returnBool}${matchingString(e)}\n${pretty(e.rhs, level + 1)}`;
      }
      case 'call': {
        if (!needsSplit(e)) return indent(level) + formatExpr(e);
        const args = e.args.map((a) => pretty(a, level + 1)).join(',\n');
        return `${indent(level)}${e.func}(\n${args}\n${indent(level)})`;
      }
      case 'paren':
        if (!needsSplit(e)) return indent(level) + formatExpr(e);
        return `${indent(level)}(\n${pretty(e.expr, level + 1)}\n${indent(level)})`;
      case 'subquery':
        // Upstream prints a short subquery without its indent; kept for identical output.
        if (!needsSplit(e)) return formatExpr(e);
        return `${pretty(e.expr, level)}${subqueryTimeSuffix(e)}`;
      case 'unary':
        // The operand's own indent is dropped: the operator carries it.
        return `${indent(level)}${e.op}${pretty(e.expr, level).trim()}`;
      case 'matrixSelector':
      case 'vectorSelector':
      case 'number':
      case 'string':
        return indent(level) + formatExpr(e);
    }
  };

  return pretty(root, 0);
}

/** Prometheus's `Prettify(expr)`, i.e. `expr.Pretty(0)` with the 100-byte line limit. */
export function prettyExpr(e: Expr): string {
  return prettyExprWithLimit(e, MAX_CHARACTERS_PER_LINE);
}
