/**
 * Small helpers of the evaluator: the stale-marker test, Go's float formatting (error
 * messages and `count_values` label values must read exactly as Prometheus prints them),
 * Go's `math.Pow` special cases, and label-set surgery with per-object caches.
 */
import { METRIC_NAME, type Label, type Labels } from '../../model/labels.js';

export { isStaleAt, isStaleNaN } from '../../model/stale.js';

/** Go's `math.Pow`, which differs from `Math.pow` for a base of ±1 with NaN/±Inf exponents. */
export function goPow(x: number, y: number): number {
  if (y === 0) return 1;
  if (x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}

/** Shortest round-trip digits and decimal exponent of a finite, non-zero |v|. */
function shortestDigits(v: number): { digits: string; exp: number } {
  const s = Math.abs(v).toExponential(); // e.g. "1.234e+6": shortest unique digits
  const e = s.indexOf('e');
  return { digits: s.slice(0, e).replace('.', ''), exp: Number(s.slice(e + 1)) };
}

/** Go's `strconv.FormatFloat(v, 'f', -1, 64)`: shortest digits, never an exponent. */
export function formatGoFloatF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const { digits, exp } = shortestDigits(v);
  const sign = v < 0 ? '-' : '';
  const pointAt = exp + 1; // digits before the decimal point
  if (pointAt <= 0) return `${sign}0.${'0'.repeat(-pointAt)}${digits}`;
  if (pointAt >= digits.length) return sign + digits + '0'.repeat(pointAt - digits.length);
  return `${sign}${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}

/** Go's `%v` of a float64 (`%g` with shortest digits): exponent form below 1e-4 and from 1e6. */
export function formatGoFloatV(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const { digits, exp } = shortestDigits(v);
  // strconv's 'g' with shortest digits switches to %e when exp < -4 || exp >= 6.
  if (exp < -4 || exp >= 6) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const es = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${v < 0 ? '-' : ''}${mant}e${exp < 0 ? '-' : '+'}${es}`;
  }
  return formatGoFloatF(v);
}

/** Go's `strconv.ParseFloat(s, 64)` for label values such as `le`; undefined when invalid. */
export function parseGoFloat(s: string): number | undefined {
  const t = s.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (t === 'nan') return NaN;
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return Number(t);
  if (/^[+-]?0x/.test(t)) {
    const n = Number(t.replace(/^[+-]/, ''));
    if (Number.isNaN(n)) return undefined;
    return t.startsWith('-') ? -n : n;
  }
  return undefined;
}

/** Prometheus's label-name syntax. */
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export function isValidLabelName(name: string): boolean {
  return LABEL_NAME_RE.test(name);
}

const SEP = '\xff';
const keyCache = new WeakMap<Labels, string>();

/** A string identifying the label set, cached per Labels object (series keep their object). */
export function keyOf(ls: Labels): string {
  let k = keyCache.get(ls);
  if (k === undefined) {
    k = '';
    for (let i = 0; i < ls.length; i++) {
      const l = ls[i]!;
      k += l.name + SEP + l.value + SEP;
    }
    keyCache.set(ls, k);
  }
  return k;
}

const dropNameCache = new WeakMap<Labels, Labels>();

/** The label set without `__name__`, cached per input object so repeated steps share it. */
export function dropMetricName(ls: Labels): Labels {
  if (ls.length === 0 || ls[0]!.name !== METRIC_NAME) {
    // Labels are sorted and `__name__` sorts before every valid name that starts with a
    // letter, but not before `_a`; look for it properly.
    let found = false;
    for (const l of ls) if (l.name === METRIC_NAME) found = true;
    if (!found) return ls;
  }
  let out = dropNameCache.get(ls);
  if (out === undefined) {
    out = withoutMetricName(ls);
    dropNameCache.set(ls, out);
  }
  return out;
}

/**
 * `dropMetricName` without the cache, for a caller that sees each label set once per
 * query (a range function's output series): a WeakMap lookup and insert per series cost
 * more than the copy, and its entries slow every major GC down.
 */
export function withoutMetricName(ls: Labels): Labels {
  // Sorted labels with `__name__` first: the common case, one copy without a search.
  if (ls.length > 0 && ls[0]!.name === METRIC_NAME) return ls.slice(1);
  for (const l of ls) if (l.name === METRIC_NAME) return ls.filter((x) => x.name !== METRIC_NAME);
  return ls;
}

/** A copy with `name` set to `value` (removed when `value` is ''), kept sorted. */
export function withLabel(ls: Labels, name: string, value: string): Labels {
  const out: Label[] = [];
  let done = false;
  for (const l of ls) {
    if (l.name === name) {
      if (value !== '') out.push({ name, value });
      done = true;
    } else {
      if (!done && l.name > name) {
        if (value !== '') out.push({ name, value });
        done = true;
      }
      out.push(l);
    }
  }
  if (!done && value !== '') out.push({ name, value });
  return out;
}

/** Only the labels named in `names`. */
export function keepLabels(ls: Labels, names: ReadonlySet<string>): Labels {
  return ls.filter((l) => names.has(l.name));
}

/** Without the labels named in `names`. */
export function deleteLabels(ls: Labels, names: ReadonlySet<string>): Labels {
  return ls.filter((l) => !names.has(l.name));
}

/** The signature of `ls` over only the given (sorted) names: values joined. */
export function signatureOn(ls: Labels, names: readonly string[]): string {
  let s = '';
  for (const n of names) {
    let v = '';
    for (const l of ls) {
      if (l.name === n) {
        v = l.value;
        break;
      }
    }
    // Name included so that {a="x"} on(a,b) differs from {b="x"}.
    if (v !== '') s += n + SEP + v + SEP;
  }
  return s;
}

/** The signature of `ls` over every label except `__name__` and the given names. */
export function signatureWithout(ls: Labels, names: ReadonlySet<string>): string {
  let s = '';
  for (const l of ls) {
    if (l.name === METRIC_NAME || names.has(l.name)) continue;
    s += l.name + SEP + l.value + SEP;
  }
  return s;
}

/** Prometheus's `labels.Labels.String()`: `{a="1", b="2"}` with Go quoting. */
export function labelsString(ls: Labels): string {
  return `{${ls.map((l) => `${l.name}=${goQuote(l.value)}`).join(', ')}}`;
}

/** Go's `%q` / strconv.Quote for the printable strings labels hold. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}
