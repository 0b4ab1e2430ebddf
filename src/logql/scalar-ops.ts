/**
 * LogQL's operators on two numbers, as Loki evaluates them on Go float64s (`MergeBinOp`):
 * shared by the parser, which folds `1 + 2` into `3` as Loki's does, and the engine.
 */
import type { BinaryOp } from './ast.js';

const COMPARISONS: ReadonlySet<BinaryOp> = new Set(['==', '!=', '>', '>=', '<', '<=']);

/** True for `== != > >= < <=`. */
export function isComparison(op: BinaryOp): boolean {
  return COMPARISONS.has(op);
}

/** Loki's arithmetic (`mergeBinOpFloat`): Go float64 maths, division and modulo by zero are NaN. */
export function arithmetic(op: BinaryOp, l: number, r: number): number {
  switch (op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return r === 0 ? NaN : l / r;
    case '%':
      // JavaScript's % is Go's math.Mod: the dividend's sign, NaN for an infinite dividend.
      return r === 0 ? NaN : l % r;
    case '^':
      return goPow(l, r);
    default:
      throw new Error(`BUG: ${op} is not an arithmetic operator`);
  }
}

/** A comparison as Go evaluates it on float64 (any comparison with NaN but `!=` is false). */
export function compare(op: BinaryOp, l: number, r: number): boolean {
  switch (op) {
    case '==':
      return l === r;
    case '!=':
      return l !== r;
    case '>':
      return l > r;
    case '>=':
      return l >= r;
    case '<':
      return l < r;
    case '<=':
      return l <= r;
    default:
      throw new Error(`BUG: ${op} is not a comparison operator`);
  }
}

/** Go's `math.Pow`, which differs from `Math.pow` for a base of 1 or -1 with a NaN/±Inf exponent. */
export function goPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}
