/**
 * Alertmanager's label matchers in configuration text: `labels.ParseMatchers` (the classic
 * parser, which Mimir uses unless its UTF-8 strict mode is on), their printed form
 * (`name="value"` with OpenMetrics escaping) and their sort order, which together give a
 * route its key (`{}/{severity="page"}`).
 */
import { compileGoRegexp, newMatcher, type Matcher, type MatchType } from '../model/matcher.js';
import { ConfigDecodeError } from './config-yaml.js';

/** `^\s*(name)\s*(op)\s*(value)\s*$` of `pkg/labels/parse.go`; `=~` is tried before `=`. */
const MATCHER_RE = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*([\s\S]*?)\s*$/;

/**
 * Builds a matcher as Alertmanager's `labels.NewMatcher`: a regex is compiled as Go's
 * `regexp.Compile("^(?:" + v + ")$")` and its error is returned bare
 * (`error parsing regexp: missing closing ): …`).
 */
export function amMatcher(type: MatchType, name: string, value: string): Matcher {
  if (type === '=~' || type === '!~') {
    try {
      compileGoRegexp(`^(?:${value})$`);
    } catch (e) {
      throw new ConfigDecodeError((e as Error).message);
    }
  }
  return newMatcher(type, name, value);
}

/**
 * Parses one matcher (`labels.ParseMatcher`): a label name, an operator and a value that
 * may be double-quoted, with `\"`, `\n` and `\\` escapes; a stray backslash is literal.
 * Errors: `bad matcher format: …`, `matcher value contains unescaped double quote: …`.
 */
export function parseMatcher(s: string): Matcher {
  const m = MATCHER_RE.exec(s);
  if (m === null) throw new ConfigDecodeError(`bad matcher format: ${s}`);
  const raw = m[3]!;
  let rest = raw;
  let expectTrailingQuote = false;
  if (rest.startsWith('"')) {
    rest = rest.slice(1);
    expectTrailingQuote = true;
  }
  const chars = [...rest];
  let value = '';
  let escaped = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (escaped) {
      escaped = false;
      if (c === 'n') value += '\n';
      else if (c === '"' || c === '\\') value += c;
      // A spurious escape keeps its backslash.
      else value += '\\' + c;
      continue;
    }
    if (c === '\\') {
      if (i < chars.length - 1) escaped = true;
      else value += '\\';
    } else if (c === '"') {
      if (!expectTrailingQuote || i < chars.length - 1) throw new ConfigDecodeError(`matcher value contains unescaped double quote: ${raw}`);
      expectTrailingQuote = false;
    } else {
      value += c;
    }
  }
  if (expectTrailingQuote) throw new ConfigDecodeError(`matcher value contains unescaped double quote: ${raw}`);
  return amMatcher(m[2] as MatchType, m[1]!, value);
}

/**
 * Parses a comma-separated list (`labels.ParseMatchers`): optional `{` `}` around it,
 * commas inside double quotes do not separate, a trailing comma is allowed.
 */
export function parseMatchers(input: string): Matcher[] {
  let s = input.startsWith('{') ? input.slice(1) : input;
  if (s.endsWith('}')) s = s.slice(0, -1);
  const tokens: string[] = [];
  let token = '';
  let inside = false;
  let escaped = false;
  for (const c of s) {
    if (c === ',' && !inside) {
      tokens.push(token);
      token = '';
      continue;
    }
    if (c === '"') {
      if (!escaped) inside = !inside;
      else escaped = false;
    } else if (c === '\\') {
      escaped = !escaped;
    } else {
      escaped = false;
    }
    token += c;
  }
  if (token.trim() !== '') tokens.push(token.trim());
  return tokens.map(parseMatcher);
}

/** Characters after which Alertmanager prints a label name quoted (`isReserved`). */
const RESERVED = /[\s{}!=~,\\"'`]/u;

/** OpenMetrics escaping of a matcher value: backslash, newline and double quote. */
function openMetricsEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** A matcher as Alertmanager prints it: `name="value"`, `name=~"a|b"`. */
export function formatMatcher(m: Matcher): string {
  if (RESERVED.test(m.name)) return `${JSON.stringify(m.name)}${m.type}${JSON.stringify(m.value)}`;
  return `${m.name}${m.type}"${openMetricsEscape(m.value)}"`;
}

/** Alertmanager's `labels.Matchers.String()`: `{a="b",c=~"d"}`. */
export function formatMatchers(ms: readonly Matcher[]): string {
  return `{${ms.map(formatMatcher).join(',')}}`;
}

const TYPE_ORDER: Readonly<Record<MatchType, number>> = { '=': 0, '!=': 1, '=~': 2, '!~': 3 };

/** `labels.Matchers.Less`: by name, then value, then operator (`=`, `!=`, `=~`, `!~`); byte order. */
export function compareMatchers(a: Matcher, b: Matcher): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.value !== b.value) return a.value < b.value ? -1 : 1;
  return TYPE_ORDER[a.type] - TYPE_ORDER[b.type];
}
