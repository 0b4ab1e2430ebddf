/**
 * Loki's pattern expressions (`pkg/logql/log/pattern`): a sequence of literal runs and
 * captures `<name>` / `<_>`, shared by `| pattern` and the `|>` / `!>` line filters. The
 * tokenising follows Loki's Ragel lexer: `<` + a letter or `_` + word characters + `>` is a
 * capture, anything else is literal text (so `<1a>` and a lone `<` are literals).
 */

/** A parsed node: literal text, or a capture (`name` '_' for the unnamed `<_>`). */
export type PatternNode = { readonly kind: 'literal'; readonly text: string } | { readonly kind: 'capture'; readonly name: string };

/** Loki's `ErrNoCapture` text. */
export const ERR_NO_CAPTURE = 'at least one capture is required';
/** Loki's `ErrInvalidExpr` text, the suffix of several errors. */
export const ERR_INVALID_EXPR = 'invalid expression';
/** Loki's `ErrCaptureNotAllowed` text (line filters take only `<_>`). */
export const ERR_CAPTURE_NOT_ALLOWED = 'named captures are not allowed';

function isAlpha(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

function isWord(c: number): boolean {
  return isAlpha(c) || c === 0x5f || (c >= 0x30 && c <= 0x39);
}

/** The capture starting at `s[i] === '<'`: the index past its `>`, or -1 when it is not one. */
function captureEnd(s: string, i: number): number {
  const first = s.charCodeAt(i + 1);
  if (!(isAlpha(first) || first === 0x5f)) return -1;
  let j = i + 2;
  while (j < s.length && isWord(s.charCodeAt(j))) j++;
  return s.charCodeAt(j) === 0x3e ? j + 1 : -1;
}

/**
 * Splits a pattern into nodes, merging adjacent literal characters into one run. Throws
 * Loki's parse error for the empty pattern (the only input its grammar refuses).
 */
export function parsePatternExpr(pattern: string): PatternNode[] {
  if (pattern.length === 0) {
    throw new Error('parse error at line 1, col 1: syntax error: unexpected $end, expecting IDENTIFIER or LITERAL');
  }
  const nodes: PatternNode[] = [];
  let litStart = 0;
  let i = 0;
  while (i < pattern.length) {
    if (pattern.charCodeAt(i) === 0x3c) {
      const end = captureEnd(pattern, i);
      if (end !== -1) {
        if (i > litStart) nodes.push({ kind: 'literal', text: pattern.slice(litStart, i) });
        nodes.push({ kind: 'capture', name: pattern.slice(i + 1, end - 1) });
        i = end;
        litStart = i;
        continue;
      }
    }
    i++;
  }
  if (i > litStart) nodes.push({ kind: 'literal', text: pattern.slice(litStart, i) });
  return nodes;
}

function nodeText(n: PatternNode): string {
  return n.kind === 'literal' ? n.text : `<${n.name}>`;
}

/** Throws Loki's error for two captures in a row (`<a><b>`), which cannot be split. */
export function validateNoConsecutiveCaptures(nodes: readonly PatternNode[]): void {
  for (let k = 0; k + 1 < nodes.length; k++) {
    if (nodes[k]!.kind === 'capture' && nodes[k + 1]!.kind === 'capture') {
      throw new Error(`found consecutive capture '${nodeText(nodes[k]!)}${nodeText(nodes[k + 1]!)}': ${ERR_INVALID_EXPR}`);
    }
  }
}

/** The named captures, in order (`<_>` excluded). */
export function captureNames(nodes: readonly PatternNode[]): string[] {
  const names: string[] = [];
  for (const n of nodes) if (n.kind === 'capture' && n.name !== '_') names.push(n.name);
  return names;
}

/**
 * Loki's `expr.validate` for `| pattern`: at least one named capture, no consecutive
 * captures, no repeated name.
 */
export function validatePatternExpr(nodes: readonly PatternNode[]): void {
  const names = captureNames(nodes);
  if (names.length === 0) throw new Error(ERR_NO_CAPTURE);
  validateNoConsecutiveCaptures(nodes);
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new Error(`duplicate capture name (${n}): ${ERR_INVALID_EXPR}`);
    seen.add(n);
  }
}
