/**
 * Label matchers (`=`, `!=`, `=~`, `!~`) as PromQL and LogQL selectors use them. Regular
 * expressions are fully anchored, as in Prometheus. They compile with JavaScript's RegExp
 * here; the PromQL issue moves them to RE2 semantics (the `re2` package) behind this same
 * interface.
 */
import { badData } from '../util/errors.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
  /** True when `value` (the label's value, '' when absent) satisfies the matcher. */
  matches(value: string): boolean;
}

/** Builds a matcher; throws `bad_data` naming the pattern when a regex does not compile. */
export function newMatcher(type: MatchType, name: string, value: string): Matcher {
  switch (type) {
    case '=':
      return { type, name, value, matches: (v) => v === value };
    case '!=':
      return { type, name, value, matches: (v) => v !== value };
    case '=~':
    case '!~': {
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${value})$`, 's');
      } catch (e) {
        throw badData('invalid_regex', `invalid regular expression ${JSON.stringify(value)} for label ${name}: ${(e as Error).message}`);
      }
      const negate = type === '!~';
      return { type, name, value, matches: (v) => re.test(v) !== negate };
    }
  }
}

/** True when the matcher matches the empty string, i.e. also series without the label. */
export function matchesEmpty(m: Matcher): boolean {
  return m.matches('');
}
