/**
 * Kernels of PromQL's label-rewriting functions, `label_replace` and `label_join`, with
 * Prometheus 2.42's validation messages and Go's `regexp` template expansion.
 *
 * Regexes are RE2 (the `re2` package), anchored as Prometheus anchors them:
 * `^(?:regex)$`. RE2 and Go's `regexp` share syntax and leftmost-first semantics; the one
 * syntax RE2 accepts and Go 1.19 (which built Prometheus 2.42) rejects, `(?<name>…)`, is
 * rejected here too.
 */
import RE2 from 're2';
import { compareByName, labelValue, type Label, type Labels } from '../../model/labels.js';
import { badData } from '../../util/errors.js';
import { getOrMake } from '../../util/bounded-map.js';

/** A valid label name in Prometheus 2.42 (`model.LabelNameRE`). */
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Whether `name` is a valid label name for Prometheus 2.42 (ASCII letters, digits, `_`). */
export function isValidLabelName(name: string): boolean {
  return LABEL_NAME_RE.test(name);
}

/**
 * Returns `labels` with label `name` set to `value`, or removed when `value` is empty
 * (an empty value means "no such label"). Keeps the name order; never mutates.
 */
function withLabel(labels: Labels, name: string, value: string): Labels {
  const out: Label[] = [];
  let placed = value === '';
  for (const l of labels) {
    if (l.name === name) continue;
    if (!placed && compareByName({ name, value }, l) < 0) {
      out.push({ name, value });
      placed = true;
    }
    out.push(l);
  }
  if (!placed) out.push({ name, value });
  return out;
}

/**
 * Whether a pattern uses syntax that Go 1.19's `regexp` rejects but RE2 accepts:
 * `(?<name>…)` named groups (Go then knew only `(?P<name>…)`) and `\C` (any byte).
 * Escapes and character classes are skipped so `\(?<` and `[(?<]` do not count.
 */
function hasSyntaxGoRejects(pattern: string): boolean {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      if (!inClass && pattern[i + 1] === 'C') return true;
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      // A ']' right after '[' or '[^' is a literal member, not the end of the class.
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
      continue;
    }
    if (ch === '(' && pattern[i + 1] === '?' && pattern[i + 2] === '<') return true;
  }
  return false;
}

/** Letters, decimal digits and `_`: what Go's template expansion takes as a group name. */
const NAME_CHAR_RE = /^[\p{L}\p{Nd}_]$/u;

/** Largest group number Go's `extract` parses before giving up (it stops at 1e8). */
const MAX_GROUP_NUMBER = 1e8;

/**
 * Go's `Regexp.ExpandString` template expansion: `$1`, `${1}`, `$name`, `${name}`, `$$`
 * for a literal `$`. A name is the longest run of letters, digits and `_`, so `$1x` means
 * group "1x" (empty), not group 1 then "x"; use `${1}x`. Groups that did not take part,
 * or do not exist, expand to nothing; a malformed reference (`$` followed by nothing
 * name-like, or `${` without `}`) leaves the `$` as text.
 */
export function expandTemplate(template: string, match: RegExpExecArray): string {
  let out = '';
  let rest = template;
  for (;;) {
    const dollar = rest.indexOf('$');
    if (dollar < 0) break;
    out += rest.slice(0, dollar);
    rest = rest.slice(dollar + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const ref = extractRef(rest);
    if (ref === undefined) {
      out += '$';
      continue;
    }
    rest = ref.rest;
    if (ref.num >= 0) {
      if (ref.num < match.length) out += match[ref.num] ?? '';
    } else {
      out += match.groups?.[ref.name] ?? '';
    }
  }
  return out + rest;
}

/** Go's `extract`: parses a group reference at the start of `s` (after the `$`). */
function extractRef(s: string): { name: string; num: number; rest: string } | undefined {
  if (s === '') return undefined;
  let brace = false;
  if (s[0] === '{') {
    brace = true;
    s = s.slice(1);
  }
  let i = 0;
  for (const ch of s) {
    if (!NAME_CHAR_RE.test(ch)) break;
    i += ch.length;
  }
  if (i === 0) return undefined;
  const name = s.slice(0, i);
  if (brace) {
    if (i >= s.length || s[i] !== '}') return undefined;
    i++;
  }
  let num = 0;
  for (let k = 0; k < name.length; k++) {
    const c = name.charCodeAt(k);
    if (c < 0x30 || c > 0x39 || num >= MAX_GROUP_NUMBER) {
      num = -1;
      break;
    }
    num = num * 10 + (c - 0x30);
  }
  if (name[0] === '0' && name.length > 1) num = -1; // no leading zeros
  return { name, num, rest: s.slice(i) };
}

/**
 * Compiles a regex anchored as Prometheus does, or returns undefined when Go's `regexp`
 * would refuse it.
 */
function compileAnchored(regex: string): RE2 | undefined {
  if (hasSyntaxGoRejects(regex)) return undefined;
  try {
    return new RE2(`^(?:${regex})$`);
  } catch {
    return undefined;
  }
}

/**
 * Validates the arguments of `label_replace(v, dst, replacement, src, regex)` once and
 * returns the per-series rewrite. Prometheus validates before looking at the vector, so
 * the engine should call this even when the vector is empty.
 *
 * Throws `badData` with Prometheus's messages: `invalid regular expression in
 * label_replace(): <regex>` (checked first) and `invalid destination label name in
 * label_replace(): <dst>`.
 *
 * The rewrite matches the value of `src` (empty when the label is absent) against the
 * anchored regex. No match → the labels unchanged (same object). A match → `dst` set to the
 * expanded replacement, or removed when that is empty. `dst` may be `__name__` or `src`.
 */
export function labelReplacer(dst: string, replacement: string, src: string, regex: string): (labels: Labels) => Labels {
  const re = compileAnchored(regex);
  if (re === undefined) {
    throw badData('invalid_regex', `invalid regular expression in label_replace(): ${regex}`);
  }
  if (!isValidLabelName(dst)) {
    throw badData('invalid_label_name', `invalid destination label name in label_replace(): ${dst}`);
  }
  return (labels) => {
    const m = re.exec(labelValue(labels, src));
    if (m === null) return labels;
    return withLabel(labels, dst, expandTemplate(replacement, m));
  };
}

/**
 * Compiled `label_replace` rewrites by argument tuple, so the per-series `labelReplace`
 * does not recompile. Bounded: a query has a handful of distinct calls; the cap only
 * guards against a long-lived process seeing unbounded distinct regexes.
 */
const REPLACER_CACHE_MAX = 256;
const replacerCache = new Map<string, (labels: Labels) => Labels>();

/**
 * The kernel of `label_replace` for one series; see `labelReplacer` for the semantics and
 * errors. Compiled regexes are cached, so calling it per series is cheap.
 */
export function labelReplace(labels: Labels, dst: string, replacement: string, src: string, regex: string): Labels {
  const key = JSON.stringify([dst, replacement, src, regex]);
  return getOrMake(replacerCache, key, REPLACER_CACHE_MAX, () => labelReplacer(dst, replacement, src, regex))(labels);
}

/**
 * Validates the arguments of `label_join(v, dst, separator, src...)` once and returns the
 * per-series rewrite. Throws `badData` with Prometheus's messages, source names first in
 * argument order: `invalid source label name in label_join(): <src>`, then
 * `invalid destination label name in label_join(): <dst>`.
 *
 * The rewrite joins the values of the source labels (absent ones count as empty strings,
 * so `a--b` can result) with `separator` and sets `dst` to the result, or removes `dst`
 * when the result is empty (including when there are no source labels).
 */
export function labelJoiner(dst: string, separator: string, srcLabels: readonly string[]): (labels: Labels) => Labels {
  for (const src of srcLabels) {
    if (!isValidLabelName(src)) {
      throw badData('invalid_label_name', `invalid source label name in label_join(): ${src}`);
    }
  }
  if (!isValidLabelName(dst)) {
    throw badData('invalid_label_name', `invalid destination label name in label_join(): ${dst}`);
  }
  const srcs = [...srcLabels];
  return (labels) => {
    const joined = srcs.map((s) => labelValue(labels, s)).join(separator);
    return withLabel(labels, dst, joined);
  };
}

/** The kernel of `label_join` for one series; see `labelJoiner` for semantics and errors. */
export function labelJoin(labels: Labels, dst: string, separator: string, srcLabels: readonly string[]): Labels {
  return labelJoiner(dst, separator, srcLabels)(labels);
}
