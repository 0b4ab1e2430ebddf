/**
 * `| regexp "<re>"` (Loki's `RegexpParser`): a Go RE2 expression, unanchored, whose named
 * groups `(?P<name>…)` become fields. A line that does not match yields nothing (and is
 * kept); a named group that did not take part in the match yields "".
 */
import type RE2 from 're2';
import { compileGoRegexp } from '../../../model/matcher.js';
import { sanitizeLabelKey, isValidLabelName } from './sanitize.js';
import type { FieldSink, LineParser, ParseFailure, ParseOptions } from './types.js';

/** Loki's `errMissingCapture` text. */
const MISSING_CAPTURE = 'at least one named capture must be supplied';

interface GroupScan {
  /** Capturing groups in index order (1-based index = position + 1); '' for unnamed ones. */
  readonly names: string[];
  /** Start offset of each named group's name, for renaming. */
  readonly nameAt: number[];
}

/**
 * Lists the capturing groups of a Go regexp in index order: `(` not followed by `?`, and
 * `(?P<name>`. Skips escapes, `\Q…\E` and character classes, where `(` is literal.
 */
function scanGroups(p: string): GroupScan {
  const names: string[] = [];
  const nameAt: number[] = [];
  let inClass = false;
  let i = 0;
  while (i < p.length) {
    const c = p[i]!;
    if (c === '\\') {
      if (p[i + 1] === 'Q' && !inClass) {
        const end = p.indexOf('\\E', i + 2);
        i = end < 0 ? p.length : end + 2;
        continue;
      }
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === '[' && p[i + 1] === ':') {
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
    if (c === '[') {
      inClass = true;
      i++;
      if (p[i] === '^') i++;
      if (p[i] === ']') i++;
      continue;
    }
    if (c === '(') {
      if (p[i + 1] !== '?') {
        names.push('');
        nameAt.push(-1);
      } else if (p.startsWith('(?P<', i)) {
        const close = p.indexOf('>', i + 4);
        names.push(close < 0 ? '' : p.slice(i + 4, close));
        nameAt.push(i + 4);
      }
    }
    i++;
  }
  return { names, nameAt };
}

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
  const scan = scanGroups(pattern);
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
