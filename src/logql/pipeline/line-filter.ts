/**
 * Line filters (Loki's `pkg/logql/log/filter.go`): `|=` contains, `|~` RE2 match
 * anywhere, `|>` pattern match, `ip("…")` address match, their negations, and `or`
 * chains of the positive forms. Each compiles to a plain `(line) => boolean`, with the
 * cheap shapes (a literal, an alternation of literals) answered by `includes` rather than
 * RE2. `|= ""` matches every line and `!= ""` none, as in Loki.
 */
import type { LineFilterStage, LineMatch } from '../ast.js';
import { compileGoRegexp, goRegexpTest } from '../../model/matcher.js';
import { badData } from '../../util/errors.js';
import { compileIPMatcher } from './ip.js';
import { compileLinePattern } from './parsers/pattern-filter.js';

/** A compiled line test. */
export type LineTest = (line: string) => boolean;

const matchAll: LineTest = () => true;

/** Characters that make a regex more than a literal (Go's `regexp.QuoteMeta` set). */
const REGEX_META = /[\\.+*?()|[\]{}^$]/;

/** An unanchored Go regex as a line test, with literal fast paths. Throws a 400 on a bad pattern. */
function regexTest(pattern: string): LineTest {
  if (pattern === '') return matchAll;
  if (!REGEX_META.test(pattern)) return (line) => line.includes(pattern);
  // `a|b|c` of plain literals: any one contained.
  const alternatives = pattern.split('|');
  if (alternatives.length > 1 && alternatives.every((a) => a !== '' && !REGEX_META.test(a))) {
    return (line) => {
      for (const a of alternatives) if (line.includes(a)) return true;
      return false;
    };
  }
  let re: ReturnType<typeof compileGoRegexp>;
  try {
    re = compileGoRegexp(pattern);
  } catch (e) {
    throw badData('invalid_regex', (e as Error).message);
  }
  return (line) => goRegexpTest(re, line);
}

function ipTest(pattern: string): LineTest {
  const m = compileIPMatcher(pattern);
  if (typeof m !== 'function') throw badData('invalid_ip_filter', m.error);
  return m;
}

/** The positive test of one operand under the filter's operator family. */
function operandTest(op: LineFilterStage['op'], m: LineMatch): LineTest {
  if (m.ip) {
    // Loki's IP line filter exists for `|=` and `!=` only.
    if (op !== '|=' && op !== '!=') throw badData('invalid_ip_filter', 'ip: invalid operation');
    return ipTest(m.value);
  }
  switch (op) {
    case '|=':
    case '!=': {
      const needle = m.value;
      if (needle === '') return matchAll;
      return (line) => line.includes(needle);
    }
    case '|~':
    case '!~':
      return regexTest(m.value);
    case '|>':
    case '!>':
      try {
        return compileLinePattern(m.value);
      } catch (e) {
        throw badData('invalid_pattern', (e as Error).message);
      }
  }
}

/** Compiles one line filter stage. Throws a `bad_data` CairnError for an invalid regex, pattern or IP. */
export function compileLineFilter(stage: LineFilterStage): LineTest {
  const tests = stage.matches.map((m) => operandTest(stage.op, m));
  const negative = stage.op === '!=' || stage.op === '!~' || stage.op === '!>';
  if (tests.length === 1) {
    const t = tests[0]!;
    if (!negative) return t;
    return (line) => !t(line);
  }
  // An `or` chain: any operand matches. The parser only builds chains for positive
  // operators; a negated chain means none matches, as Loki rewrites `!= a or b`.
  const any: LineTest = (line) => {
    for (const t of tests) if (t(line)) return true;
    return false;
  };
  return negative ? (line) => !any(line) : any;
}

/** The conjunction of several line tests; undefined for none. */
export function allOf(tests: readonly LineTest[]): LineTest | undefined {
  if (tests.length === 0) return undefined;
  if (tests.length === 1) return tests[0];
  if (tests.length === 2) {
    const [a, b] = tests as [LineTest, LineTest];
    return (line) => a(line) && b(line);
  }
  return (line) => {
    for (const t of tests) if (!t(line)) return false;
    return true;
  };
}

/** The literal of a `|= "x"` filter (one non-empty, non-IP operand), else undefined. */
export function needleOf(stage: LineFilterStage): string | undefined {
  if (stage.op !== '|=' || stage.matches.length !== 1) return undefined;
  const m = stage.matches[0]!;
  return m.ip || m.value === '' ? undefined : m.value;
}
