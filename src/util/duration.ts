/**
 * Durations as Prometheus and Mimir write them: `15s`, `1h30m`, `31d`, `744h`, `500ms`,
 * and Go's fractional forms (`1.5h`, `250us`) that Mimir's flags accept. Values are
 * milliseconds as JS numbers.
 */
import { badData } from './errors.js';

/** Milliseconds per unit. A year is 365 days and a week 7, as in Prometheus's `model.Duration`. */
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d|w|y)/y;

/**
 * Parses a duration string into milliseconds. `"0"` is zero. Throws a `bad_data`
 * CairnError naming the value when it is not a duration.
 */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  if (s === '') throw badData('invalid_duration', `cannot parse "" as a duration`);
  let sign = 1;
  let i = 0;
  if (s[0] === '-' || s[0] === '+') {
    sign = s[0] === '-' ? -1 : 1;
    i = 1;
  }
  let total = 0;
  while (i < s.length) {
    PART.lastIndex = i;
    const m = PART.exec(s);
    if (m === null) throw badData('invalid_duration', `cannot parse "${text}" as a duration (units: ms, s, m, h, d, w, y)`);
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    i = PART.lastIndex;
  }
  return sign * Math.round(total * 1e6) / 1e6;
}

/** Days are the largest unit printed: `31d` reads better than Prometheus's `4w3d`. */
const FORMAT_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', UNIT_MS.d!],
  ['h', UNIT_MS.h!],
  ['m', UNIT_MS.m!],
  ['s', UNIT_MS.s!],
  ['ms', 1],
];

/** Formats milliseconds as a duration string (`1d2h`, `90s` → `1m30s`) that `parseDuration` reads back. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.abs(Math.round(ms));
  let out = ms < 0 ? '-' : '';
  for (const [unit, size] of FORMAT_UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Prometheus's strict syntax (`model.ParseDuration` of prometheus/common), the one place
// it is parsed: PromQL, LogQL, rule files, Alertmanager's config and the API parameters
// delegate here and each words the failure in its own upstream's text.

/** Prometheus's duration units, largest first, in ms: a year is 365 days, a week 7 (also what its printers walk). */
export const PROM_UNITS_MS: ReadonlyArray<readonly [string, number]> = [
  ['y', 365 * 86_400_000],
  ['w', 7 * 86_400_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/**
 * Why a text is not a Prometheus duration: `empty`; `unknown_unit` (digits followed by a
 * `unit` Prometheus does not know, as in `5x`); `invalid` for any other shape (no digits,
 * no unit, units repeated or out of order).
 */
export type PromDurationError = { readonly reason: 'empty' } | { readonly reason: 'invalid' } | { readonly reason: 'unknown_unit'; readonly unit: string };

/**
 * Prometheus's `model.ParseDuration` in ms: integer counts of `y w d h m s ms`, each unit
 * at most once and from largest to smallest (`1h30m`), `0` alone allowed. Returns the
 * reason instead of throwing so each caller words it as its upstream does. Sums are exact
 * up to 2^53 ms, far beyond Go's int64-nanosecond limit (about 292 years), which callers
 * that enforce it check on the result.
 */
export function parsePromDurationMs(s: string): number | PromDurationError {
  if (s === '0') return 0;
  if (s === '') return { reason: 'empty' };
  let total = 0;
  let lastUnit = -1;
  let i = 0;
  while (i < s.length) {
    const digits = /^[0-9]+/.exec(s.slice(i));
    if (digits === null) return { reason: 'invalid' };
    i += digits[0].length;
    const unitText = /^[^0-9]*/.exec(s.slice(i))![0];
    if (unitText === '') return { reason: 'invalid' };
    i += unitText.length;
    const unit = PROM_UNITS_MS.findIndex(([u]) => u === unitText);
    if (unit < 0) return { reason: 'unknown_unit', unit: unitText };
    if (unit <= lastUnit) return { reason: 'invalid' };
    lastUnit = unit;
    total += Number(digits[0]) * PROM_UNITS_MS[unit]![1];
  }
  return total;
}
