/**
 * `| regexp "<re>"` (Loki's `RegexpParser`): a Go RE2 expression, unanchored, whose named
 * groups `(?P<name>…)` become fields. A line that does not match yields nothing (and is
 * kept); a named group that did not take part in the match yields "".
 */
import type RE2 from 're2';
import { compileGoRegexp, goRegexpGroups } from '../../../model/matcher.js';
import { sanitizeLabelKey, isValidLabelName } from './sanitize.js';
import type { FieldSink, LineParser, ParseFailure, ParseOptions } from './types.js';

/** Loki's `errMissingCapture` text. */
const MISSING_CAPTURE = 'at least one named capture must be supplied';

/** The number of capturing groups RE2 sees: `(?:re)|` always matches "", with every group. */
function numSubexp(source: string): number {
  const probe = compileGoRegexp(`(?:${source})|`);
  return (probe.exec('')?.length ?? 1) - 1;
}

/**
 * Compiles `| regexp`. Throws an Error with Loki's text: Go's `error parsing regexp: …`,
 * `at least one named capture must be supplied`, `invalid extracted label name '1x'`,
 * `duplicate extracted label name 'x'`.
 */
export function regexpParser(pattern: string): LineParser {
  const scan = goRegexpGroups(pattern);
  const seen = new Set<string>();
  let hasDuplicate = false;
  for (const n of scan.names) {
    if (n === '') continue;
    if (seen.has(n)) hasDuplicate = true;
    seen.add(n);
  }
  let re: RE2;
  if (hasDuplicate) {
    // Go accepts repeated group names (Loki then refuses them itself); RE2 does not. Rename
    // the repeats so RE2 can report any real syntax error first, as Go would.
    let renamed = '';
    let from = 0;
    const used = new Set<string>();
    const original = new Map<string, string>();
    scan.names.forEach((n, k) => {
      if (n === '') return;
      if (used.has(n)) {
        const at = scan.nameAt[k]!;
        renamed += `${pattern.slice(from, at)}cairn_dup_${k}`;
        original.set(`cairn_dup_${k}`, n);
        from = at + n.length;
      }
      used.add(n);
    });
    try {
      re = compileGoRegexp(renamed + pattern.slice(from));
    } catch (e) {
      // Quote the user's pattern, not the renamed one.
      throw new Error((e as Error).message.replace(/cairn_dup_\d+/g, (m) => original.get(m) ?? m));
    }
  } else {
    re = compileGoRegexp(pattern);
  }
  const count = numSubexp(pattern.length === 0 || hasDuplicate ? '' : pattern);
  if (!hasDuplicate && count !== scan.names.length) {
    throw new Error(`BUG: regexp group scan found ${scan.names.length} groups, RE2 ${count}: ${pattern}`);
  }
  if (scan.names.length === 0) throw new Error(MISSING_CAPTURE);
  const indexes: number[] = [];
  const keys: string[] = [];
  const unique = new Set<string>();
  scan.names.forEach((n, k) => {
    if (n === '') return;
    if (!isValidLabelName(n)) throw new Error(`invalid extracted label name '${n}'`);
    if (unique.has(n)) throw new Error(`duplicate extracted label name '${n}'`);
    unique.add(n);
    indexes.push(k + 1);
    keys.push(sanitizeLabelKey(n, true));
  });
  if (indexes.length === 0) throw new Error(MISSING_CAPTURE);
  return {
    parse(line: string, sink: FieldSink, options?: ParseOptions): ParseFailure | undefined {
      const m = re.exec(line);
      if (m === null) return undefined;
      const wanted = options?.wanted;
      for (let k = 0; k < indexes.length; k++) {
        const key = keys[k]!;
        if (wanted !== undefined && !wanted(key)) continue;
        sink(key, m[indexes[k]!] ?? '');
      }
      return undefined;
    },
  };
}
