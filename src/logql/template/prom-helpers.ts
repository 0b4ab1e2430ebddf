/**
 * Template helpers Prometheus defines once (`template/template.go` and
 * `common/helpers/templates`) and both the ruler's alert templates and Alertmanager's
 * notification templates expose: value conversion (`convertToFloat`), the `humanize*`
 * printers, and the function-table pieces both tables build the same way. They live beside
 * the engine because src/ruler and src/alertmanager may not import each other.
 */
import { goQuote } from '../go-text.js';
import { GoFuncError } from './errors.js';
import { FUNCTIONS, type GoFunc } from './functions.js';
import { sprintf } from './go-fmt.js';
import { parseGoFloat } from './go-strconv.js';
import { GoInt, goTypeName, type GoValue } from './values.js';

/** A function-table entry from its parameter kinds, body and optional variadic kind. */
export function goFunc(params: GoFunc['params'], call: GoFunc['call'], variadic?: GoFunc['variadic']): GoFunc {
  return { params, call, variadic };
}

/**
 * One of the engine's own functions (a Go builtin such as `printf`, or a shared string
 * function), so a table that exposes it keeps Go's semantics. A missing name is a BUG.
 */
export function templateBuiltin(name: string): GoFunc {
  const f = FUNCTIONS.get(name);
  if (f === undefined) throw new Error(`BUG: the template engine has no ${name}`);
  return f;
}

/**
 * Prometheus's `convertToFloat`: a float64, a string `strconv.ParseFloat` accepts, or an
 * integer. Throws GoFuncError with Go's text for anything else.
 */
export function convertToFloat(v: GoValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const f = parseGoFloat(v);
    if (f === undefined) throw new GoFuncError(`strconv.ParseFloat: parsing ${goQuote(v)}: invalid syntax`);
    return f;
  }
  if (v instanceof GoInt) return Number(v.v);
  throw new GoFuncError(`can't convert ${goTypeName(v)} to float`);
}

/** Go's `fmt.Sprintf("%.4g<suffix>", v)`, the number format of every humanize function. */
export function g4(v: number, suffix = ''): string {
  return sprintf(`%.4g${suffix.replaceAll('%', '%%')}`, [v]);
}

/** SI prefixes for |v| ≥ 1000 and below 1, in Prometheus's order. */
const BIG = ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
const SMALL = ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];
/** IEC prefixes of `humanize1024`. */
const BINARY = ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi'];

/** Prometheus's `humanize`: SI prefixes (`1.234k`, `12m`), 4 significant digits. */
export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return g4(v);
  let prefix = '';
  if (Math.abs(v) >= 1) {
    for (const p of BIG) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return g4(v, prefix);
  }
  for (const p of SMALL) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return g4(v, prefix);
}

/** Prometheus's `humanize1024`: IEC prefixes (`1ki`, `1.5Mi`) for |v| above 1. */
export function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return g4(v);
  let prefix = '';
  for (const p of BINARY) {
    if (Math.abs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return g4(v, prefix);
}

/** Prometheus's `HumanizeDuration`: seconds to `1d 2h 3m 4s`, sub-second to `ms`/`us`/…. */
export function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) return g4(v);
  if (v === 0) return g4(v, 's');
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    const d = Math.trunc(Math.abs(v));
    const seconds = d % 60;
    const minutes = Math.trunc(d / 60) % 60;
    const hours = Math.trunc(d / 3600) % 24;
    const days = Math.trunc(d / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return sign + g4(Math.abs(v), 's');
  }
  let prefix = '';
  for (const p of SMALL) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return g4(v, `${prefix}s`);
}

/** Prometheus's and Alertmanager's `match`: Go's `regexp.MatchString` (unanchored). */
export function matchFunc(): GoFunc {
  return goFunc(['string', 'string'], (a, c) => {
    const re = c.regexp(a[0] as string);
    re.lastIndex = 0;
    return re.test(a[1] as string);
  });
}

/**
 * Prometheus's and Alertmanager's `reReplaceAll pattern replacement text`: the engine's
 * `regexReplaceAll` (sprig's order: pattern, text, replacement) with the arguments reordered.
 */
export function reReplaceAllFunc(): GoFunc {
  const regexpReplace = templateBuiltin('regexReplaceAll');
  return goFunc(['string', 'string', 'string'], (a, c) => regexpReplace.call([a[0]!, a[2]!, a[1]!], c));
}
