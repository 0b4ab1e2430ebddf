/**
 * The pattern line filters `|> "<_> foo <_>"` and `!> "…"` (Loki's
 * `pattern.ParseLineFilter` and `Matcher.Test`): literals and `<_>` only. The literals must
 * appear in order, each `<_>` must cover at least one character, and the line must end
 * where the pattern ends (on a literal: nothing after it; on `<_>`: something after the
 * last literal). The first literal is searched for, not anchored, as Loki does. The empty
 * pattern matches only the empty line.
 */
import { ERR_CAPTURE_NOT_ALLOWED, parsePatternExpr, validateNoConsecutiveCaptures } from './pattern-expr.js';

/**
 * Compiles a pattern line filter into a test (`|>`; negate it for `!>`). Throws an Error
 * with Loki's text: `found consecutive capture '<_><_>': invalid expression`,
 * `named captures are not allowed: found '<name>'`.
 */
export function compileLinePattern(pattern: string): (line: string) => boolean {
  if (pattern.length === 0) return (line) => line.length === 0;
  const nodes = parsePatternExpr(pattern);
  validateNoConsecutiveCaptures(nodes);
  for (const n of nodes) {
    if (n.kind === 'capture' && n.name !== '_') throw new Error(`${ERR_CAPTURE_NOT_ALLOWED}: found '<${n.name}>'`);
  }
  // Literal runs with their position in the node list (position 0 may be searched anywhere).
  const literals: { text: string; first: boolean }[] = [];
  nodes.forEach((n, k) => {
    if (n.kind === 'literal') literals.push({ text: n.text, first: k === 0 });
  });
  const endsOnCapture = nodes[nodes.length - 1]!.kind === 'capture';
  return (line) => {
    if (line.length === 0) return false;
    let off = 0;
    for (const lit of literals) {
      const j = line.indexOf(lit.text, off);
      if (j === -1) return false;
      // A literal found right where the previous one ended means an empty `<_>` between
      // them (or repeated literals): no match.
      if (!lit.first && j === off) return false;
      off = j + lit.text.length;
    }
    return endsOnCapture === (off !== line.length);
  };
}
