/**
 * The PromQL language of Prometheus 2.42: parsing into the syntax tree of `../ast.ts`,
 * type checking, printing (`String()`) and pretty printing (`Pretty(0)`), the function
 * table and the duration syntax. Every failure is a {@link ParseError} with upstream's
 * message, `<line>:<col>: parse error: <what>`.
 */
import type { Expr, VectorSelector } from '../ast.js';
import type { Matcher } from '../../model/matcher.js';
import { checkAST } from './check.js';
import { ParseError } from './parse-error.js';
import { Parser } from './parser.js';

export { ParseError } from './parse-error.js';
export { FUNCTIONS, type FunctionSignature } from './functions.js';
export { parseDurationMs, formatDurationMs } from './duration.js';
export { formatExpr } from './printer.js';
export { prettyExpr } from './prettier.js';
export { typeOf } from './check.js';

/**
 * Parses a whole PromQL expression (upstream `ParseExpr`) and type-checks it. Throws a
 * `ParseError` (bad_data, reason `parse_error`) for the first syntax or type error, with
 * Prometheus's text and position. Never throws anything else for any input string.
 */
export function parseExpr(input: string): Expr {
  return guardDepth(input, () => {
    const e = new Parser(input).parseTop();
    checkAST(input, e);
    return e;
  });
}

/**
 * Upstream's yacc parser keeps its stack on the heap and Go stacks grow to a gigabyte, so
 * it has no nesting limit; this recursive parser runs out of JS stack after a few thousand
 * levels (parentheses, unary signs, operands of one operator chain). That is reported as a
 * ParseError rather than escaping as a RangeError.
 */
function guardDepth<T>(input: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof RangeError) throw new ParseError('1:1: parse error: expression is nested too deeply', { start: 0, end: input.length });
    throw e;
  }
}

/**
 * Parses a series selector as the `match[]` parameter takes it (upstream
 * `ParseMetricSelector`, then the API's emptiness check): only a vector selector, no
 * offset, `@` or range, and at least one matcher that does not match the empty string.
 * Throws `ParseError` otherwise; the emptiness error carries the API's text
 * `match[] must contain at least one non-empty matcher`.
 */
export function parseSeriesSelector(input: string): Matcher[] {
  const vs: VectorSelector = guardDepth(input, () => new Parser(input).parseSelectorOnly());
  if (!vs.matchers.some((m) => !m.matches(''))) {
    throw new ParseError('match[] must contain at least one non-empty matcher', vs.pos);
  }
  return [...vs.matchers];
}
