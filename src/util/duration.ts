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
