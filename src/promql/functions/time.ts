/**
 * Kernels of PromQL's calendar functions (`year`, `month`, `day_of_month`, `day_of_week`,
 * `day_of_year`, `days_in_month`, `hour`, `minute`), in UTC, as Prometheus 2.42 computes
 * them: the float seconds value is truncated to an int64 (Go's `int64(v)`), turned into a
 * `time.Time` with `time.Unix(sec, 0).UTC()`, and the field read from it.
 *
 * For the years ±270,000 or so that JavaScript's `Date` covers the result comes from
 * `Date`, which uses the same proleptic Gregorian calendar as Go. Outside that range (and
 * for NaN and ±Inf, which Go on amd64 converts to the int64 minimum) Go's own calendar
 * arithmetic is reproduced with BigInt, wrap-around included, so the numbers match too.
 */
import { daysInMonth, isLeapYear } from '../../util/civil-date.js';

/** Seconds per day, hour, minute: calendar arithmetic on Unix seconds. */
const SECONDS_PER_MINUTE = 60;
const SECONDS_PER_HOUR = 60 * SECONDS_PER_MINUTE;
const SECONDS_PER_DAY = 24 * SECONDS_PER_HOUR;

/** JavaScript `Date` holds ±8.64e15 ms = ±8.64e12 s around the epoch. */
const DATE_MAX_ABS_S = 8.64e12;

/** 2^63: int64 conversion of a float at or beyond this is out of range. */
const TWO_63 = 2 ** 63;

/** The calendar fields a time function can read. */
interface Civil {
  year: number;
  month: number; // 1..12
  day: number; // 1..31
  yday: number; // 0-based day of the year
  weekday: number; // 0 = Sunday
  hour: number;
  minute: number;
}

/**
 * Go's `int64(v)` on amd64: truncation toward zero; NaN, ±Inf and out-of-range values give
 * the "integer indefinite" value, the int64 minimum.
 */
function goInt64(v: number): bigint {
  if (Number.isNaN(v) || v >= TWO_63 || v < -TWO_63) return -(1n << 63n);
  return BigInt(Math.trunc(v));
}

function civilFromDate(sec: number): Civil {
  const d = new Date(sec * 1000);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  return {
    year,
    month,
    day,
    yday: DAYS_BEFORE[month - 1]! + day - 1 + (month > 2 && isLeapYear(year) ? 1 : 0),
    weekday: d.getUTCDay(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
  };
}

// Go's `time` package constants, for the BigInt path.
/** Year of Go's absolute time origin, a multiple of 400 years before year 1. */
const ABSOLUTE_ZERO_YEAR = -292277022399n;
/** Seconds from Go's absolute origin to the Unix epoch, as `uint64(unix + this)` uses it. */
const UNIX_TO_ABSOLUTE = 9223372028715321600n;
const DAYS_PER_400_YEARS = 365n * 400n + 97n;
const DAYS_PER_100_YEARS = 365n * 100n + 24n;
const DAYS_PER_4_YEARS = 365n * 4n + 1n;
const U64 = 1n << 64n;
/** Days before each month in a non-leap year (Go's `daysBefore`). */
const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];

/** Go 1.19's `absDate`, `Weekday`, `Hour`, `Minute` on a `time.Unix(sec, 0).UTC()`. */
function civilFromGo(sec: bigint): Civil {
  const abs = (((sec + UNIX_TO_ABSOLUTE) % U64) + U64) % U64;
  let d = abs / BigInt(SECONDS_PER_DAY);

  let n = d / DAYS_PER_400_YEARS;
  let y = 400n * n;
  d -= DAYS_PER_400_YEARS * n;

  n = d / DAYS_PER_100_YEARS;
  n -= n >> 2n;
  y += 100n * n;
  d -= DAYS_PER_100_YEARS * n;

  n = d / DAYS_PER_4_YEARS;
  y += 4n * n;
  d -= DAYS_PER_4_YEARS * n;

  n = d / 365n;
  n -= n >> 2n;
  y += n;
  d -= 365n * n;

  // int(int64(y) + absoluteZeroYear), with int64 wrap-around.
  const year = Number(BigInt.asIntN(64, BigInt.asIntN(64, y) + ABSOLUTE_ZERO_YEAR));
  const yday = Number(d);

  let month: number;
  let day = yday;
  let done = false;
  if (isLeapYear(year)) {
    if (day > 31 + 29 - 1) {
      day--;
    } else if (day === 31 + 29 - 1) {
      month = 2;
      day = 29;
      done = true;
    }
  }
  if (!done) {
    month = Math.floor(day / 31);
    const end = DAYS_BEFORE[month + 1]!;
    let begin: number;
    if (day >= end) {
      month++;
      begin = end;
    } else {
      begin = DAYS_BEFORE[month]!;
    }
    month++;
    day = day - begin + 1;
  }

  // Monday is weekday 1; the absolute origin is a Monday.
  const weekday = Number(((abs + BigInt(SECONDS_PER_DAY)) % (7n * BigInt(SECONDS_PER_DAY))) / BigInt(SECONDS_PER_DAY));
  const hour = Number(abs % BigInt(SECONDS_PER_DAY)) / SECONDS_PER_HOUR;
  const minute = Number(abs % BigInt(SECONDS_PER_HOUR)) / SECONDS_PER_MINUTE;
  return { year, month: month!, day, yday, weekday, hour: Math.floor(hour), minute: Math.floor(minute) };
}

/** The UTC calendar fields of a float Unix-seconds value, as Prometheus reads them. */
function civil(tSeconds: number): Civil {
  const sec = goInt64(tSeconds);
  const s = Number(sec);
  if (Math.abs(s) <= DATE_MAX_ABS_S) return civilFromDate(s);
  return civilFromGo(sec);
}

export type TimeFuncName =
  | 'day_of_month'
  | 'day_of_week'
  | 'day_of_year'
  | 'days_in_month'
  | 'hour'
  | 'minute'
  | 'month'
  | 'year';

/**
 * The calendar kernels by PromQL function name. Each takes a Unix timestamp in seconds (a
 * sample value, or the evaluation time / 1000 when the function has no argument) and
 * returns the UTC field: `day_of_month` 1–31, `day_of_week` 0–6 (0 = Sunday),
 * `day_of_year` 1–366, `days_in_month` 28–31, `hour` 0–23, `minute` 0–59, `month` 1–12,
 * `year`.
 *
 * Fractions are truncated toward zero (−0.5 s is 1970-01-01T00:00:00, not 1969). NaN and
 * ±Inf give what Prometheus on amd64 gives (the fields of the int64-minimum second, a
 * date some 292 billion years away), not an error.
 */
export const TIME_FUNCS: Readonly<Record<TimeFuncName, (tSeconds: number) => number>> = Object.freeze({
  day_of_month: (t: number) => civil(t).day,
  day_of_week: (t: number) => civil(t).weekday,
  day_of_year: (t: number) => civil(t).yday + 1,
  days_in_month: (t: number) => {
    const c = civil(t);
    return daysInMonth(c.year, c.month);
  },
  hour: (t: number) => civil(t).hour,
  minute: (t: number) => civil(t).minute,
  month: (t: number) => civil(t).month,
  year: (t: number) => civil(t).year,
});

/** Exposed for tests: Go's calendar arithmetic for an int64 Unix second. */
export const goCivilForTest = civilFromGo;
