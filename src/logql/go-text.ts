/**
 * The Go text conventions LogQL's printer and lexer need, written locally because
 * src/logql may not import src/promql: `strconv.Quote`, `fmt.Sprint` of a float64,
 * `time.Duration.String()`, Prometheus's `model.Duration` parse/print and go-humanize's
 * `Bytes` (the parsers of Go values are in go-convert.ts).
 */
import { PROM_UNITS_MS, parsePromDurationMs as parsePromDuration } from '../util/duration.js';

/** Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

const NAMED_ESCAPES: Readonly<Record<number, string>> = {
  0x07: '\\a',
  0x08: '\\b',
  0x0c: '\\f',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
  0x0b: '\\v',
};

/** Go's `strconv.Quote`: double quotes, Go escapes, printable Unicode kept as is. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    let cp = ch.codePointAt(0)!;
    // A lone surrogate is not valid UTF-8; Go would print the replacement character.
    if (cp >= 0xd800 && cp < 0xe000) cp = 0xfffd;
    if (cp === 0x22 || cp === 0x5c) out += '\\' + String.fromCodePoint(cp);
    else if (PRINTABLE.test(String.fromCodePoint(cp))) out += String.fromCodePoint(cp);
    else if (NAMED_ESCAPES[cp] !== undefined) out += NAMED_ESCAPES[cp];
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + '"';
}

/**
 * Go's `fmt.Sprint` of a float64: shortest round-tripping digits, `%e` form when the
 * decimal exponent is below -4 or at least 6 (Go's shortest-`%g` threshold, so 1e6 prints
 * as `1e+06`), and `+Inf`, `-Inf`, `NaN`.
 */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const sign = v < 0 ? '-' : '';
  const [mant, expText] = Math.abs(v).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return sign + plainDigits(digits, exp);
}

/** Go's `strconv.FormatFloat(v, 'f', -1, 64)`: shortest digits, never an exponent. */
export function goFloatPlain(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const sign = v < 0 ? '-' : '';
  const [mant, expText] = Math.abs(v).toExponential().split('e') as [string, string];
  return sign + plainDigits(mant.replace('.', ''), Number(expText));
}

function plainDigits(digits: string, exp: number): string {
  if (exp < 0) return `0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return digits + '0'.repeat(exp + 1 - digits.length);
  return `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

// ---------------------------------------------------------------------------------------
// Durations

/**
 * Prometheus's `model.ParseDuration` (prometheus/common, the version Loki 3 uses) in
 * milliseconds, or its error text: digits then a unit, units from largest to smallest
 * (`1h30m`), `0` alone allowed; `unknown unit "x" in duration "5x"` for a unit it does not
 * know, `not a valid duration string: "…"` for any other shape. The parsing is
 * src/util/duration.ts's; this words its failures as Loki does.
 */
export function parsePromDurationMs(s: string): number | { error: string } {
  const r = parsePromDuration(s);
  if (typeof r === 'number') return r;
  if (r.reason === 'empty') return { error: 'empty duration string' };
  if (r.reason === 'unknown_unit') return { error: `unknown unit ${goQuote(r.unit)} in duration ${goQuote(s)}` };
  return { error: `not a valid duration string: ${goQuote(s)}` };
}

/** Prometheus's `model.Duration.String()`: `0s`, `5m`, `1h30m`, `1w`, `90d`, `1y`. */
export function formatPromDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.trunc(Math.abs(ms));
  let out = ms < 0 ? '-' : '';
  for (const [unit, mult] of PROM_UNITS_MS) {
    // Years and weeks are only used when they divide the value exactly (`90d`, not `12w6d`).
    if ((unit === 'y' || unit === 'w') && rest % mult !== 0) continue;
    const v = Math.floor(rest / mult);
    if (v > 0) {
      out += `${v}${unit}`;
      rest -= v * mult;
    }
  }
  return out;
}

/** Go's `time.Duration.String()` of nanoseconds: `1h0m0s`, `1.5s`, `250ms`, `0s`. */
export function formatGoDurationNs(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(Math.round(ns));
  let out: string;
  if (u < 1e9) {
    // Sub-second: one unit with a fraction, as Go does.
    if (u < 1e3) out = `${u}ns`;
    else if (u < 1e6) out = `${trimFraction(u, 1e3)}µs`;
    else out = `${trimFraction(u, 1e6)}ms`;
  } else {
    const h = Math.floor(u / 3600e9);
    u -= h * 3600e9;
    const m = Math.floor(u / 60e9);
    u -= m * 60e9;
    const s = trimFraction(u, 1e9);
    out = h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
  }
  return neg ? `-${out}` : out;
}

/** `v / unit` with the fraction's trailing zeros removed (`1500, 1000` → `1.5`). */
function trimFraction(v: number, unit: number): string {
  const whole = Math.floor(v / unit);
  const frac = v - whole * unit;
  if (frac === 0) return String(whole);
  const width = String(unit).length - 1;
  return `${whole}.${String(frac).padStart(width, '0').replace(/0+$/, '')}`;
}

// ---------------------------------------------------------------------------------------
// Bytes (github.com/dustin/go-humanize)

const SI_SIZES = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** go-humanize's `Bytes` with the space removed, as Loki prints byte filters (`1.0kB`). */
export function humanizeBytes(n: number): string {
  if (n < 10) return `${n}B`;
  const e = Math.floor(Math.log(n) / Math.log(1000));
  const val = Math.floor((n / 1000 ** e) * 10 + 0.5) / 10;
  return `${val < 10 ? val.toFixed(1) : val.toFixed(0)}${SI_SIZES[e]}`;
}
