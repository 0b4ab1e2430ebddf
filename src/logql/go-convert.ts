/**
 * The three value conversions LogQL runs on label values, with the exact error texts of
 * the Go functions Loki calls, because those texts become `__error_details__` and reach
 * users in `pipeline error: … for series: …` messages:
 *
 * - `strconv.ParseFloat(v, 64)` (number label filters, `unwrap x`);
 * - `time.ParseDuration(v)` (duration label filters, `unwrap duration(x)`);
 * - go-humanize's `ParseBytes(v)` (bytes label filters, `unwrap bytes(x)`).
 *
 * Each returns the value or `{ error }`; none throws.
 */
import { goQuote, parsePromDurationMs } from './go-text.js';

/** A failed conversion: Go's error text. */
export interface ConvertError {
  readonly error: string;
}

const DECIMAL_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+))[pP]([+-]?\d+)$/;
const SPECIAL_FLOAT = /^([+-]?)(inf|infinity|nan)$/i;

/**
 * Go's `strconv.ParseFloat(s, 64)`: decimal and hexadecimal (`0x1p-2`, which needs its
 * `p` exponent) forms, `inf`/`infinity`/`nan` in any case. A finite spelling whose value
 * overflows is Go's "value out of range" error (Go returns ±Inf with it).
 */
export function goParseFloat(s: string): number | ConvertError {
  if (DECIMAL_FLOAT.test(s)) {
    const v = Number(s);
    if (!Number.isFinite(v)) return { error: `strconv.ParseFloat: parsing ${goQuote(s)}: value out of range` };
    return v;
  }
  const special = SPECIAL_FLOAT.exec(s);
  if (special !== null) {
    if (special[2]!.toLowerCase() === 'nan') return NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  const hex = HEX_FLOAT.exec(s);
  if (hex !== null) {
    const [intPart, fracPart = ''] = hex[2]!.split('.') as [string, string?];
    let mant = 0;
    for (const c of intPart + fracPart) mant = mant * 16 + parseInt(c, 16);
    const v = mant * 2 ** (Number(hex[3]) - 4 * fracPart.length);
    if (!Number.isFinite(v)) return { error: `strconv.ParseFloat: parsing ${goQuote(s)}: value out of range` };
    return hex[1] === '-' ? -v : v;
  }
  return { error: `strconv.ParseFloat: parsing ${goQuote(s)}: invalid syntax` };
}

/** Nanoseconds per unit of Go's `time.ParseDuration` (both spellings of micro). */
const DURATION_UNITS_NS: ReadonlyMap<string, number> = new Map([
  ['ns', 1],
  ['us', 1e3],
  ['\u00b5s', 1e3],
  ['\u03bcs', 1e3],
  ['ms', 1e6],
  ['s', 1e9],
  ['m', 60e9],
  ['h', 3600e9],
]);

/** The largest `time.Duration`: Go refuses longer durations as invalid. */
const MAX_DURATION_NS = 2 ** 63 - 1;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Go's `time.ParseDuration` in nanoseconds: `[-+]` then one or more `<number><unit>`
 * (`1h30m`, `1.5s`, `-300ms`), or a bare `0`. Errors carry Go's texts: `time: invalid
 * duration "x"`, `time: missing unit in duration "90"`, `time: unknown unit "d" in
 * duration "1d"`. Precision is float64's (exact below 2^53 ns, about 104 days).
 */
export function goParseDuration(orig: string): number | ConvertError {
  const invalid = { error: `time: invalid duration ${goQuote(orig)}` };
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return invalid;
  let total = 0;
  while (s !== '') {
    const c0 = s.charCodeAt(0);
    if (!(c0 === 46 || isDigit(c0))) return invalid;
    let i = 0;
    while (i < s.length && isDigit(s.charCodeAt(i))) i++;
    const intText = s.slice(0, i);
    let fracText = '';
    let post = false;
    if (i < s.length && s[i] === '.') {
      let j = i + 1;
      while (j < s.length && isDigit(s.charCodeAt(j))) j++;
      fracText = s.slice(i + 1, j);
      post = j > i + 1;
      i = j;
    }
    if (intText === '' && !post) return invalid;
    let u = i;
    while (u < s.length && s[u] !== '.' && !isDigit(s.charCodeAt(u))) u++;
    if (u === i) return { error: `time: missing unit in duration ${goQuote(orig)}` };
    const unitText = s.slice(i, u);
    const unit = DURATION_UNITS_NS.get(unitText);
    if (unit === undefined) return { error: `time: unknown unit ${goQuote(unitText)} in duration ${goQuote(orig)}` };
    const whole = intText === '' ? 0 : Number(intText);
    const frac = fracText === '' ? 0 : Number(`0.${fracText}`);
    total += whole * unit + frac * unit;
    if (total > MAX_DURATION_NS) return invalid;
    s = s.slice(u);
  }
  return neg ? -Math.round(total) : Math.round(total);
}

/** go-humanize's size names (lower case) and their multipliers. */
const BYTE_SIZES: ReadonlyMap<string, number> = new Map([
  ['', 1],
  ['b', 1],
  ['k', 1e3],
  ['kb', 1e3],
  ['ki', 1024],
  ['kib', 1024],
  ['m', 1e6],
  ['mb', 1e6],
  ['mi', 1024 ** 2],
  ['mib', 1024 ** 2],
  ['g', 1e9],
  ['gb', 1e9],
  ['gi', 1024 ** 3],
  ['gib', 1024 ** 3],
  ['t', 1e12],
  ['tb', 1e12],
  ['ti', 1024 ** 4],
  ['tib', 1024 ** 4],
  ['p', 1e15],
  ['pb', 1e15],
  ['pi', 1024 ** 5],
  ['pib', 1024 ** 5],
  ['e', 1e18],
  ['eb', 1e18],
  ['ei', 1024 ** 6],
  ['eib', 1024 ** 6],
]);

/**
 * go-humanize's `ParseBytes`: the leading run of digits, `.` and `,` is the number
 * (commas removed, then Go's ParseFloat: `"oops"` fails as `parsing "": invalid
 * syntax`), the trimmed rest a case-insensitive size name. The result is truncated to a
 * whole number of bytes (`1.5B` is 1), as Go's uint64 conversion does.
 */
export function goParseBytes(s: string): number | ConvertError {
  // humanize scans Unicode digits (unicode.IsDigit); ParseFloat then refuses non-ASCII ones.
  let end = 0;
  let hasComma = false;
  for (const ch of s) {
    if (!(UNICODE_DIGIT.test(ch) || ch === '.' || ch === ',')) break;
    if (ch === ',') hasComma = true;
    end += ch.length;
  }
  const num = hasComma ? s.slice(0, end).replaceAll(',', '') : s.slice(0, end);
  const f = goParseFloat(num);
  if (typeof f !== 'number') return f;
  const extra = goTrimSpace(s.slice(end)).toLowerCase();
  const mult = BYTE_SIZES.get(extra);
  if (mult === undefined) return { error: `unhandled size name: ${extra}` };
  const v = f * mult;
  if (v >= 2 ** 64) return { error: `too large: ${s}` };
  return Math.trunc(v);
}

const UNICODE_DIGIT = /^\p{Nd}$/u;

/** Go's `unicode.IsSpace` characters, for `strings.TrimSpace`. */
export const GO_SPACE = '\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';
const TRIM_SPACE = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, 'gu');

/** Go's `strings.TrimSpace`. */
export function goTrimSpace(s: string): string {
  return s.replace(TRIM_SPACE, '');
}

/** Go's `time.ParseDuration` in nanoseconds, or undefined (for the lexer's literals). */
export function parseGoDurationNs(s: string): number | undefined {
  const r = goParseDuration(s);
  return typeof r === 'number' ? r : undefined;
}

/**
 * The durations LogQL accepts in label filters and `offset`: Prometheus syntax first (so
 * `1d` works), then Go's (so `1.5s` and `250us` work). Nanoseconds, or undefined.
 */
export function parseLogQLDurationNs(s: string): number | undefined {
  const prom = parsePromDurationMs(s);
  if (typeof prom === 'number') return prom * 1e6;
  return parseGoDurationNs(s);
}

/** go-humanize's `ParseBytes` (`10KB` = 10000, `1.5KiB` = 1536, case-insensitive units), or undefined. */
export function parseBytes(s: string): number | undefined {
  const r = goParseBytes(s);
  return typeof r === 'number' ? r : undefined;
}
