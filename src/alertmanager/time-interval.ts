/**
 * Whether an instant lies in a time interval (Alertmanager's `timeinterval.ContainsTime`),
 * the instant read in the range's location (an IANA zone, through `Intl`): every non-empty
 * list of a range must contain it (times as [start, end) minutes, the rest inclusive;
 * negative days of month count from the month's end).
 */
import { daysInMonth } from '../util/civil-date.js';
import type { TimeInterval, TimeRange } from './types.js';

interface WallTime {
  readonly year: number;
  /** 1–12. */
  readonly month: number;
  readonly day: number;
  /** 0 = Sunday. */
  readonly weekday: number;
  readonly minuteOfDay: number;
}

const WEEKDAYS: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** One formatter per zone: building one costs far more than formatting with it. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall-clock fields of `tMs` in `zone`. Throws RangeError for an unknown zone. */
export function wallTime(tMs: number, zone: string): WallTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(zone === '' || zone === 'Local' ? 'UTC' : zone).formatToParts(new Date(tMs))) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    weekday: WEEKDAYS[parts.weekday!] ?? 0,
    minuteOfDay: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

/** True when `tMs` lies in the range. */
export function rangeContains(r: TimeRange, tMs: number): boolean {
  const w = wallTime(tMs, r.location);
  if (r.times.length > 0 && !r.times.some((t) => w.minuteOfDay >= t.startMinute && w.minuteOfDay < t.endMinute)) return false;
  if (r.daysOfMonth.length > 0) {
    const dim = daysInMonth(w.year, w.month);
    const inDays = r.daysOfMonth.some((d) => {
      const begin = d.begin < 0 ? dim + d.begin + 1 : d.begin;
      const end = d.end < 0 ? dim + d.end + 1 : d.end;
      // A range starting after this month's last day does not apply to this month.
      if (begin > dim) return false;
      return w.day >= clamp(begin, -dim, dim) && w.day <= clamp(end, -dim, dim);
    });
    if (!inDays) return false;
  }
  if (r.months.length > 0 && !r.months.some((m) => w.month >= m.begin && w.month <= m.end)) return false;
  if (r.weekdays.length > 0 && !r.weekdays.some((d) => w.weekday >= d.begin && w.weekday <= d.end)) return false;
  if (r.years.length > 0 && !r.years.some((y) => w.year >= y.begin && w.year <= y.end)) return false;
  return true;
}

/** True when any range of the interval contains `tMs`. */
export function intervalContains(interval: TimeInterval, tMs: number): boolean {
  return interval.ranges.some((r) => rangeContains(r, tMs));
}

/**
 * True when any named interval contains `tMs`. Names are checked against the configuration
 * at load, so a missing one is a bug.
 */
export function inAnyInterval(names: readonly string[], intervals: ReadonlyMap<string, TimeInterval>, tMs: number): boolean {
  for (const n of names) {
    const iv = intervals.get(n);
    if (iv !== undefined && intervalContains(iv, tMs)) return true;
  }
  return false;
}
