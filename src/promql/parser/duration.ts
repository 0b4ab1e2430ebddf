/**
 * Prometheus's duration syntax (`common/model` `ParseDuration` and `Duration.String()`):
 * integer counts of `y w d h m s ms`, each unit at most once and in that order, `0` alone
 * allowed. A year is 365 days and a week 7 days, as in Prometheus.
 */
import { ParseError } from './parse-error.js';
import { goQuote } from './go-format.js';
import { parsePromDurationMs } from '../../util/duration.js';

const MS_PER_UNIT: ReadonlyArray<readonly [string, bigint]> = [
  ['y', 365n * 24n * 3_600_000n],
  ['w', 7n * 24n * 3_600_000n],
  ['d', 24n * 3_600_000n],
  ['h', 3_600_000n],
  ['m', 60_000n],
  ['s', 1000n],
  ['ms', 1n],
];

/**
 * Go's time.Duration is int64 nanoseconds, so Prometheus refuses durations longer than
 * (2^63 - 1) ns, about 292 years.
 */
const MAX_DURATION_MS = Number((2n ** 63n - 1n) / 1_000_000n);

/**
 * Parses `1h30m`, `5m`, `1y`, `2w`, `500ms`, `0` into milliseconds. Throws a `ParseError`
 * (bad_data) with Prometheus's message for anything else: `empty duration string`,
 * `not a valid duration string: "..."`, `duration out of range`. Zero is allowed here;
 * the PromQL parser refuses it where Prometheus does.
 */
export function parseDurationMs(s: string): number {
  const range = { start: 0, end: s.length };
  const r = parsePromDurationMs(s);
  if (typeof r !== 'number') throw new ParseError(r.reason === 'empty' ? 'empty duration string' : `not a valid duration string: ${goQuote(s)}`, range);
  // Exact here: the sum is an integer far below 2^53 whenever it is near the limit.
  if (r > MAX_DURATION_MS) throw new ParseError('duration out of range', range);
  return r;
}

/**
 * Formats milliseconds as Prometheus's `model.Duration.String()`: `0s` for zero, years and
 * weeks only when they divide the value exactly (`90d`, not `12w6d`), then d h m s ms.
 * Negative values print as the empty string, as upstream; callers print the sign.
 */
export function formatDurationMs(ms: number): string {
  let rest = BigInt(Math.trunc(ms));
  if (rest === 0n) return '0s';
  let out = '';
  for (const [unit, mult] of MS_PER_UNIT) {
    const exact = unit === 'y' || unit === 'w';
    if (exact && rest % mult !== 0n) continue;
    const v = rest / mult;
    if (v > 0n) {
      out += `${v}${unit}`;
      rest -= v * mult;
    }
  }
  return out;
}
