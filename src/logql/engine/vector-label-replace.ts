/**
 * `label_replace(v, "dst", "replacement", "src", "regex")` over one step, as Loki's
 * `LabelReplaceEvaluator` (`pkg/logql/evaluator.go`): the regex is Go RE2, anchored at both
 * ends (`^(?:regex)$`), run against the value of `src` ('' when absent). On a match, `dst`
 * is set to the replacement expanded as Go's `Regexp.Expand`, or removed when the expansion
 * is empty; without a match the sample is left alone.
 */
import type RE2 from 're2';
import { labelsKey, labelValue, type Labels } from '../../model/labels.js';
import { compileGoRegexp } from '../../model/matcher.js';
import { parseErrorNoPos } from '../parse-error.js';
import { withLabel } from './vector-labels.js';
import type { StepSample } from './vector-types.js';

/** A piece of a replacement template: literal text, `$n`/`${n}`, or `$name`/`${name}`. */
type TemplatePart = string | { readonly group: number } | { readonly name: string };

/**
 * Compiles a `label_replace` once per query. The returned function maps a step's samples
 * and remembers each input series' result, so later steps cost a Map lookup per sample
 * (Loki caches the same way). Throws a LogQLParseError (`invalid regex in label_replace: …`)
 * when Go would refuse the regex; the parser normally catches that first.
 */
export function compileLabelReplace(
  dst: string,
  replacement: string,
  src: string,
  regex: string,
): (input: readonly StepSample[]) => StepSample[] {
  let re: RE2;
  try {
    re = compileGoRegexp(`^(?:${regex})$`);
  } catch (e) {
    throw parseErrorNoPos(`invalid regex in label_replace: ${(e as Error).message}`);
  }
  const template = parseTemplate(replacement);
  // Input series key → the output labels and key (the input's own when unchanged).
  const cache = new Map<string, { readonly labels: Labels; readonly key: string }>();

  return (input) => {
    const out = new Array<StepSample>(input.length);
    for (let i = 0; i < input.length; i++) {
      const s = input[i]!;
      let res = cache.get(s.key);
      if (res === undefined) {
        res = replaceLabels(s, re, template, dst, src);
        cache.set(s.key, res);
      }
      out[i] = res.key === s.key ? s : { labels: res.labels, key: res.key, v: s.v };
    }
    return out;
  };
}

function replaceLabels(
  s: StepSample,
  re: RE2,
  template: readonly TemplatePart[],
  dst: string,
  src: string,
): { labels: Labels; key: string } {
  const m = re.exec(labelValue(s.labels, src));
  if (m === null) return s;
  const value = expand(template, m);
  const labels = withLabel(s.labels, dst, value === '' ? undefined : value);
  return labels === s.labels ? s : { labels, key: labelsKey(labels) };
}

/** Fills a parsed template from a match; a group that did not take part, or does not exist, is ''. */
function expand(template: readonly TemplatePart[], m: RegExpExecArray): string {
  let out = '';
  for (const part of template) {
    if (typeof part === 'string') out += part;
    else if ('group' in part) out += (part.group < m.length ? m[part.group] : undefined) ?? '';
    else out += m.groups?.[part.name] ?? '';
  }
  return out;
}

/** Letters, decimal digits and `_`, by Unicode category as Go's `unicode.IsLetter`/`IsDigit`. */
const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

/**
 * Parses a replacement as Go's `Regexp.Expand` reads it: `$$` is `$`; `$name` takes the
 * longest run of name characters (so `$1x` is the group named `1x`, i.e. empty);
 * `${name}` is braced; a name of ASCII digits without a leading zero is a group number; a
 * `$` not followed by a valid name is kept as text.
 */
export function parseTemplate(t: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  while (i < t.length) {
    const dollar = t.indexOf('$', i);
    if (dollar < 0) break;
    text += t.slice(i, dollar);
    i = dollar + 1;
    if (t[i] === '$') {
      text += '$';
      i++;
      continue;
    }
    const ref = readName(t, i);
    if (ref === undefined) {
      text += '$';
      continue;
    }
    if (text !== '') parts.push(text);
    text = '';
    parts.push(/^(0|[1-9][0-9]*)$/.test(ref.name) ? { group: Number(ref.name) } : { name: ref.name });
    i = ref.end;
  }
  text += t.slice(i);
  if (text !== '') parts.push(text);
  return parts;
}

/** Go's `extract`: the name at `t[i]` (after a `$`), braced or bare, and where it ends. */
function readName(t: string, i: number): { name: string; end: number } | undefined {
  const brace = t[i] === '{';
  let j = brace ? i + 1 : i;
  const start = j;
  while (j < t.length) {
    const cp = t.codePointAt(j)!;
    const ch = String.fromCodePoint(cp);
    if (!NAME_CHAR.test(ch)) break;
    j += ch.length;
  }
  if (j === start) return undefined;
  const name = t.slice(start, j);
  if (brace) {
    if (t[j] !== '}') return undefined;
    j++;
  }
  return { name, end: j };
}
