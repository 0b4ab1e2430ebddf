/**
 * Label matchers (`=`, `!=`, `=~`, `!~`) as PromQL and LogQL selectors use them, with the
 * semantics of Prometheus 2.42's `labels.NewMatcher` and `NewFastRegexMatcher`
 * (`model/labels/matcher.go`, `model/labels/regexp.go`):
 *
 * - a regex is fully anchored: it runs as `^(?:pattern)$`;
 * - it is Go RE2 syntax with Go's default (Perl) flags, run by the RE2 library (the `re2`
 *   package), so matching is linear-time and `.` does not match `\n` unless the pattern
 *   says `(?s)` (2.42 does not set `DotNL`; Prometheus 3 does);
 * - a pattern Go would refuse is refused (lookarounds, backreferences, and the few JS-isms
 *   the `re2` package would otherwise translate: `\uXXXX`, `\cX`, `\p{Letter}`,
 *   `(?<name>…)`), with Go's error text.
 *
 * Most patterns never reach RE2: literals, alternations of literals and the `.*` shapes
 * that selectors typically use are answered by string operations.
 */
import RE2 from 're2';
import { labelValue, type Labels } from './labels.js';
import { badData } from '../util/errors.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
  /** True when `value` (the label's value, '' when absent) satisfies the matcher. */
  matches(value: string): boolean;
}

/**
 * Builds a matcher. Throws a `bad_data` CairnError (reason `invalid_regex`) naming the
 * pattern and the label when a regex does not compile under Go's rules; the text after
 * the colon is Go's `regexp` error, as Prometheus reports it.
 */
export function newMatcher(type: MatchType, name: string, value: string): Matcher {
  switch (type) {
    case '=':
      return { type, name, value, matches: (v) => v === value };
    case '!=':
      return { type, name, value, matches: (v) => v !== value };
    case '=~': {
      const test = compileAnchored(value, name);
      return { type, name, value, matches: test };
    }
    case '!~': {
      const test = compileAnchored(value, name);
      return { type, name, value, matches: (v) => !test(v) };
    }
  }
}

/** True when every matcher accepts the label set (an absent label reads as ''). */
export function matchesAll(labels: Labels, matchers: readonly Matcher[]): boolean {
  for (const m of matchers) if (!m.matches(labelValue(labels, m.name))) return false;
  return true;
}

/** True when the matcher matches the empty string, i.e. also series without the label. */
export function matchesEmpty(m: Matcher): boolean {
  return m.matches('');
}

/**
 * The characters Go's `regexp.QuoteMeta` escapes: a pattern without any of them is a
 * literal and matches only itself.
 */
const META = new Set('\\.+*?()|[]{}^$');

/**
 * Escaped characters that stand for themselves, as literal runs below accept them: Go's
 * metacharacters plus `-` and `/`, which labels often contain (both Go and RE2 read any
 * escaped ASCII punctuation as itself; we only need the common ones for the fast paths).
 */
const ESCAPED_LITERAL = new Set('\\.+*?()|[]{}^$-/');

function isLiteral(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (META.has(s[i]!)) return false;
  return true;
}

/**
 * Compiles `pattern` into a test of whole strings, choosing the cheapest exact strategy:
 * equality, a set lookup, a `.*` shape, or RE2 behind a literal-prefix prefilter.
 */
function compileAnchored(pattern: string, label: string): (s: string) => boolean {
  if (isLiteral(pattern)) return (s) => s === pattern;
  if (pattern.includes('|')) {
    const alternatives = pattern.split('|');
    if (alternatives.every(isLiteral)) {
      const set = new Set(alternatives);
      return (s) => set.has(s);
    }
  }
  const scan = scanPattern(pattern);
  if (scan.error !== undefined) throw invalidRegex(pattern, label, scan.error);
  const shape = dotShape(pattern);
  // A shape is built from literal runs and `.*`/`.+` only, so it is valid by construction.
  if (shape !== undefined) return shape;

  let re: RE2;
  try {
    re = new RE2(Buffer.from(`^(?:${scan.source})$`, 'utf8'), 'u');
  } catch (e) {
    throw invalidRegex(pattern, label, goErrorText((e as Error).message));
  }
  // Go also parses the bare pattern; `a)|(b` only compiles once wrapped and is refused.
  if (scan.unbalanced) throw invalidRegex(pattern, label, `error parsing regexp: unexpected ): \`${pattern}\``);

  const prefix = scan.topLevelAlternation ? '' : literalPrefix(pattern);
  if (prefix === '') return (s) => re2Test(re, s);
  return (s) => s.startsWith(prefix) && re2Test(re, s);
}

/**
 * Compiles a Go RE2 pattern as Go's `regexp.Compile` would, unanchored (LogQL's `|~`
 * filters and `regexp` parser). Throws an Error whose message is Go's text
 * (`error parsing regexp: …`) when Go would refuse the pattern. Named groups are RE2's
 * `(?P<name>…)`; the returned object is the `re2` package's RE2.
 */
export function compileGoRegexp(pattern: string): RE2 {
  const scan = scanPattern(pattern);
  if (scan.error !== undefined) throw new Error(scan.error);
  if (scan.unbalanced) throw new Error(`error parsing regexp: unexpected ): \`${pattern}\``);
  try {
    return new RE2(Buffer.from(scan.source, 'utf8'), 'u');
  } catch (e) {
    throw new Error(goErrorText((e as Error).message));
  }
}

/** `re.test(s)` without the `re2` package's per-call string conversion (see `re2Test`). */
export function goRegexpTest(re: RE2, s: string): boolean {
  return re2Test(re, s);
}

/**
 * Scratch space for handing values to RE2 as UTF-8 bytes. The `re2` package converts a JS
 * string argument on every call, which costs about twice the match itself (about 600 vs
 * 200 ns a call for a 27-character value, measured with tsx on Node 20); writing into a
 * reused buffer and passing a cached view of it allocates nothing. Safe because matching
 * is synchronous and each worker thread has its own copy of this module. 64 KiB holds any
 * value of up to 21845 UTF-16 units (3 UTF-8 bytes per unit at most); longer values take
 * the string path.
 */
const SCRATCH_BYTES = 1 << 16;
const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
/** `views[n]` is `scratch.subarray(0, n)`, made on first use. */
const views: Buffer[] = [];

function re2Test(re: RE2, s: string): boolean {
  if (s.length * 3 > SCRATCH_BYTES) return re.test(s);
  const n = scratch.write(s, 0, 'utf8');
  return re.test(views[n] ?? (views[n] = scratch.subarray(0, n)));
}

function invalidRegex(pattern: string, label: string, goError: string) {
  return badData('invalid_regex', `invalid regular expression ${JSON.stringify(pattern)} for label ${label}: ${goError}`);
}

/** RE2 (C++) error codes and the words Go's `regexp/syntax` uses for the same error. */
const GO_ERROR_WORDS: readonly (readonly [string, string])[] = [
  ['invalid escape sequence', 'invalid escape sequence'],
  ['invalid character class range', 'invalid character class range'],
  ['invalid character class', 'invalid character class'],
  ['missing ]', 'missing closing ]'],
  ['missing )', 'missing closing )'],
  ['unexpected )', 'unexpected )'],
  ['trailing \\', 'trailing backslash at end of expression'],
  ['no argument for repetition operator', 'missing argument to repetition operator'],
  ['invalid repetition size', 'invalid repeat count'],
  ['bad repetition operator', 'invalid nested repetition operator'],
  ['invalid perl operator', 'invalid or unsupported Perl syntax'],
  ['invalid UTF-8', 'invalid UTF-8'],
  ['invalid named capture group', 'invalid named capture'],
  ['pattern too large - compile failed', 'expression too large'],
];

/** Rewords an RE2 error (`missing ): ^(?:a()$`) as Go prints it. */
function goErrorText(re2Message: string): string {
  for (const [re2Words, goWords] of GO_ERROR_WORDS) {
    if (re2Message === re2Words) return `error parsing regexp: ${goWords}`;
    if (re2Message.startsWith(`${re2Words}: `)) {
      return `error parsing regexp: ${goWords}: \`${re2Message.slice(re2Words.length + 2)}\``;
    }
  }
  return `error parsing regexp: ${re2Message}`;
}

/**
 * The long Unicode category names the `re2` package rewrites to their short forms
 * (`\p{Letter}` → `\pL`). Go knows only the short forms and refuses these.
 */
const LONG_CATEGORY_NAMES = new Set([
  'Uppercase_Letter', 'Lowercase_Letter', 'Titlecase_Letter', 'Cased_Letter', 'Modifier_Letter', 'Other_Letter',
  'Letter', 'Nonspacing_Mark', 'Spacing_Mark', 'Enclosing_Mark', 'Mark', 'Decimal_Number', 'Letter_Number',
  'Other_Number', 'Number', 'Connector_Punctuation', 'Dash_Punctuation', 'Open_Punctuation', 'Close_Punctuation',
  'Initial_Punctuation', 'Final_Punctuation', 'Other_Punctuation', 'Punctuation', 'Math_Symbol', 'Currency_Symbol',
  'Modifier_Symbol', 'Other_Symbol', 'Symbol', 'Space_Separator', 'Line_Separator', 'Paragraph_Separator',
  'Separator', 'Control', 'Format', 'Surrogate', 'Private_Use', 'Unassigned', 'Other',
]);

interface PatternScan {
  /** Go's error text for syntax Go refuses but RE2 (or the `re2` package) would take. */
  readonly error?: string;
  /** The pattern to hand to RE2: `\Q…\E` spans spelled out as escaped literals. */
  readonly source: string;
  /** A `)` closes more groups than were opened at some point (`a)|(b`). */
  readonly unbalanced: boolean;
  /** A `|` outside any group: the pattern has no single literal prefix. */
  readonly topLevelAlternation: boolean;
  /** Capturing groups in index order (group k is `groups[k - 1]`). */
  readonly groups: GoRegexpGroups;
}

/** The capturing groups of a Go regexp in index order. */
export interface GoRegexpGroups {
  /** `(?P<name>…)` gives its name, a plain `(…)` gives ''. */
  readonly names: string[];
  /** Offset of each group's name in the pattern (-1 for unnamed groups). */
  readonly nameAt: number[];
}

/**
 * Lists the capturing groups of a Go regexp, in index order (escapes, `\Q…\E` and
 * character classes, where `(` is literal, are skipped). For a pattern Go refuses, the
 * groups before the error.
 */
export function goRegexpGroups(pattern: string): GoRegexpGroups {
  return scanPattern(pattern).groups;
}

/**
 * One pass over the pattern's structure (escapes, classes, groups, `\Q…\E`), to close the
 * gaps between Go's syntax and what the `re2` package accepts. The package rewrites some
 * JavaScript syntax before RE2 sees it, also inside `\Q…\E` (where Go takes everything
 * literally), so those spans are re-spelled here as escaped literals.
 */
function scanPattern(p: string): PatternScan {
  let source = '';
  let copiedTo = 0;
  let depth = 0;
  let unbalanced = false;
  let topLevelAlternation = false;
  let inClass = false;
  let i = 0;
  const groups: GoRegexpGroups = { names: [], nameAt: [] };
  const fail = (error: string): PatternScan => ({ error, source: p, unbalanced, topLevelAlternation, groups });
  while (i < p.length) {
    const c = p[i]!;
    if (c === '\\') {
      const e = p[i + 1];
      if (e === 'Q' && !inClass) {
        // \Q…\E (or to the end): every character is itself.
        const end = p.indexOf('\\E', i + 2);
        const literal = p.slice(i + 2, end < 0 ? p.length : end);
        source += p.slice(copiedTo, i);
        for (const ch of literal) source += META.has(ch) ? `\\${ch}` : ch;
        i = end < 0 ? p.length : end + 2;
        copiedTo = i;
        continue;
      }
      if (e === 'u' || e === 'c' || e === 'C') return fail(`error parsing regexp: invalid escape sequence: \`\\${e}\``);
      if ((e === 'p' || e === 'P') && p[i + 2] === '{') {
        const close = p.indexOf('}', i + 3);
        if (close >= 0) {
          const className = p.slice(i + 3, close);
          if (className.includes('=') || LONG_CATEGORY_NAMES.has(className)) {
            return fail(`error parsing regexp: invalid character class range: \`${p.slice(i, close + 1)}\``);
          }
        }
      }
      // Skip the escaped unit (a trailing `\` is RE2's to refuse).
      i += e === undefined ? 1 : 2;
      continue;
    }
    if (inClass) {
      if (c === '[' && p[i + 1] === ':') {
        // A POSIX class `[:alpha:]` runs to the next `:]`, as Go's parser reads it.
        const close = p.indexOf(':]', i + 2);
        if (close >= 0) {
          i = close + 2;
          continue;
        }
      }
      if (c === ']') inClass = false;
      i++;
      continue;
    }
    switch (c) {
      case '[':
        inClass = true;
        i++;
        // A `]` right after `[` or `[^` is a literal member, not the end.
        if (p[i] === '^') i++;
        if (p[i] === ']') i++;
        continue;
      case '(':
        if (p.startsWith('(?<', i)) return fail('error parsing regexp: invalid or unsupported Perl syntax: `(?<`');
        if (p[i + 1] !== '?') {
          groups.names.push('');
          groups.nameAt.push(-1);
        } else if (p.startsWith('(?P<', i)) {
          const close = p.indexOf('>', i + 4);
          groups.names.push(close < 0 ? '' : p.slice(i + 4, close));
          groups.nameAt.push(i + 4);
        }
        depth++;
        break;
      case ')':
        depth--;
        if (depth < 0) unbalanced = true;
        break;
      case '|':
        if (depth === 0) topLevelAlternation = true;
        break;
    }
    i++;
  }
  source += p.slice(copiedTo);
  return { source, unbalanced, topLevelAlternation, groups };
}

/**
 * Reads a literal run from `p` at `i`: plain characters and escaped punctuation. Returns
 * the literal text and where the run ended.
 */
function literalRun(p: string, i: number): { text: string; end: number; lastStart: number } {
  let text = '';
  let lastStart = i;
  while (i < p.length) {
    const c = p[i]!;
    if (c === '\\') {
      const e = p[i + 1];
      if (e === undefined || !ESCAPED_LITERAL.has(e)) break;
      lastStart = i;
      text += e;
      i += 2;
      continue;
    }
    if (META.has(c)) break;
    lastStart = i;
    text += c;
    i++;
  }
  return { text, end: i, lastStart };
}

/**
 * The text every match must start with: the leading literal run, minus its last character
 * when a quantifier follows (`ab*` only promises `a`). Only for patterns without a
 * top-level `|`. A prefilter: RE2 still decides.
 */
function literalPrefix(p: string): string {
  const run = literalRun(p, 0);
  const next = p[run.end];
  if (next === '*' || next === '?' || next === '{' || next === '+') return literalRun(p.slice(0, run.lastStart), 0).text;
  return run.text;
}

/** `.*` or `.+` at `p[i]`: the minimum number of characters it takes, else -1. */
function dotAt(p: string, i: number): number {
  if (p[i] !== '.') return -1;
  if (p[i + 1] === '*') return 0;
  if (p[i + 1] === '+') return 1;
  return -1;
}

/** A test for `s` holding at least `min` characters and no newline (`.` skips `\n`). */
function dotsMatch(s: string, from: number, to: number, min: number): boolean {
  if (to - from < min) return false;
  const nl = s.indexOf('\n', from);
  return nl < 0 || nl >= to;
}

/**
 * Exact tests for the shapes selectors use most: `.*`, `.+`, `L.*`, `L.+`, `.*L`, `.+L`
 * and `.*L.*`, where L is a literal run. A trailing `?` (lazy) or any other syntax makes
 * it not a shape. In 2.42's default flags `.` matches any character but `\n`.
 */
function dotShape(p: string): ((s: string) => boolean) | undefined {
  const lead = dotAt(p, 0);
  const start = lead < 0 ? 0 : 2;
  const run = literalRun(p, start);
  const lit = run.text;
  const tailAt = run.end;
  const tail = dotAt(p, tailAt);
  const restAt = tail < 0 ? tailAt : tailAt + 2;
  if (restAt !== p.length) return undefined;
  if (lead < 0 && tail < 0) return undefined; // a literal with escapes: leave it to RE2
  if (lit === '') {
    if (lead >= 0 && tail >= 0) return undefined; // `.*.*` and friends: rare, RE2 handles them
    const min = lead >= 0 ? lead : tail;
    return (s) => dotsMatch(s, 0, s.length, min);
  }
  if (lead < 0) return (s) => s.startsWith(lit) && dotsMatch(s, lit.length, s.length, tail);
  if (tail < 0) return (s) => s.endsWith(lit) && dotsMatch(s, 0, s.length - lit.length, lead);
  // `.*L.*`: L anywhere, and no newline anywhere outside it. Only when L has no newline
  // itself, so "no newline at all" is the whole condition.
  if (lead !== 0 || tail !== 0 || lit.includes('\n')) return undefined;
  return (s) => s.includes(lit) && !s.includes('\n');
}
