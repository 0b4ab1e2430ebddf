/**
 * Alertmanager's time intervals (`time_intervals:` and the older `mute_time_intervals:`),
 * decoded as `timeinterval.TimeInterval` with its validation texts: `times` as
 * `HH:MM` pairs (24:00 allowed as an end), `weekdays` (`monday:friday`), `days_of_month`
 * (`1:5`, `-3:-1`), `months` (`january:march` or numbers), `years` and an IANA
 * `location`.
 */
import type { Node } from 'yaml';
import type { TimeInterval, TimeRange } from './types.js';
import { ConfigDecodeError, type YamlDecoder } from './config-yaml.js';

const WEEKDAYS: Readonly<Record<string, number>> = { sunday: 0, monday: 1, tuesday: 2, wednesday: 3, thursday: 4, friday: 5, saturday: 6 };
const MONTHS: Readonly<Record<string, number>> = {
  january: 1, february: 2, march: 3, april: 4, may: 5, june: 6, july: 7, august: 8, september: 9, october: 10, november: 11, december: 12,
};
const MONTH_NAMES = ['', ...Object.keys(MONTHS)];

type Range = { begin: number; end: number };

/** Go's `strconv.Atoi` with its error text. */
function atoi(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new ConfigDecodeError(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}

/** `stringableRangeFromString`: `a:b` or a single member, lower-cased first. */
function rangeOf(input: string, member: (s: string) => number): Range {
  const s = input.toLowerCase();
  if (s.includes(':')) {
    const parts = s.split(':');
    if (parts.length !== 2) throw new ConfigDecodeError(`couldn't parse range ${s}, invalid format`);
    return { begin: member(parts[0]!), end: member(parts[1]!) };
  }
  const v = member(s);
  return { begin: v, end: v };
}

function weekdayRange(s: string): Range {
  const r = rangeOf(s, (m) => {
    const v = WEEKDAYS[m];
    if (v === undefined) throw new ConfigDecodeError(`${m} is not a valid weekday`);
    return v;
  });
  if (r.begin > r.end) throw new ConfigDecodeError('start day cannot be before end day');
  return r;
}

function dayOfMonthRange(s: string): Range {
  const r = rangeOf(s, atoi);
  if (r.begin === 0 || r.begin < -31 || r.begin > 31) throw new ConfigDecodeError(`${r.begin} is not a valid day of the month: out of range`);
  if (r.end === 0 || r.end < -31 || r.end > 31) throw new ConfigDecodeError(`${r.end} is not a valid day of the month: out of range`);
  if (r.begin < 0 && r.end > 0) throw new ConfigDecodeError('end day must be negative if start day is negative');
  // Negative days count from the month's end; 28 days is the shortest month, so a range
  // that is backwards even there is always backwards.
  const b = r.begin < 0 ? 28 + r.begin : r.begin;
  const e = r.end < 0 ? 28 + r.end : r.end;
  if (b > e) throw new ConfigDecodeError(`end day ${r.end} is always before start day ${r.begin}`);
  return r;
}

function monthRange(s: string): Range {
  const r = rangeOf(s, (m) => {
    const v = MONTHS[m];
    if (v !== undefined) return v;
    if (!/^[+-]?[0-9]+$/.test(m)) throw new ConfigDecodeError(`${m} is not a valid month`);
    return Number(m);
  });
  if (r.begin > r.end) throw new ConfigDecodeError(`end month ${MONTH_NAMES[r.end] ?? ''} is before start month ${MONTH_NAMES[r.begin] ?? ''}`);
  return r;
}

function yearRange(s: string): Range {
  const r = rangeOf(s, atoi);
  if (r.begin > r.end) throw new ConfigDecodeError(`end year ${r.end} is before start year ${r.begin}`);
  return r;
}

const VALID_TIME = /^((([01][0-9])|(2[0-3])):[0-5][0-9])$|(^24:00$)/;

/** `HH:MM` as minutes since midnight (`parseTime`). */
function parseTime(s: string): number {
  if (!VALID_TIME.test(s)) throw new ConfigDecodeError(`couldn't parse timestamp ${s}, invalid format`);
  const [h, m] = s.split(':') as [string, string];
  return Number(h) * 60 + Number(m);
}

/** Whether the IANA zone database knows `name` (Go's `time.LoadLocation`). */
function checkLocation(name: string): string {
  if (name === '' || name === 'UTC') return 'UTC';
  if (name === 'Local') return name;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
  } catch {
    throw new ConfigDecodeError(`unknown time zone ${name}`);
  }
  return name;
}

const INTERVAL_KEYS = ['times', 'weekdays', 'days_of_month', 'months', 'years', 'location'] as const;

/** Decodes a list of ranges, each a string, through `parse`. */
function ranges(d: YamlDecoder, node: Node | null | undefined, into: string, parse: (s: string) => Range): Range[] {
  const items = d.seq(node, `[]timeinterval.${into}`) ?? [];
  const out: Range[] = [];
  for (const item of items) {
    const s = d.string(item);
    if (s !== undefined) out.push(parse(s));
  }
  return out;
}

/** One `timeinterval.TimeInterval` entry. */
function decodeRange(d: YamlDecoder, node: Node | null): TimeRange {
  const f = d.struct(node, 'timeinterval.TimeInterval', INTERVAL_KEYS)?.fields ?? new Map<string, Node | null>();
  const times: { startMinute: number; endMinute: number }[] = [];
  for (const t of d.seq(f.get('times'), '[]timeinterval.TimeRange') ?? []) {
    const mark = d.mark;
    const tf = d.struct(t, 'timeinterval.yamlTimeRange', ['start_time', 'end_time']);
    const start = d.string(tf?.fields.get('start_time'));
    const end = d.string(tf?.fields.get('end_time'));
    if (d.mark !== mark || start === undefined || end === undefined) continue;
    if (start === '' || end === '') throw new ConfigDecodeError('both start and end times must be provided');
    const s = parseTime(start);
    const e = parseTime(end);
    if (s >= e) throw new ConfigDecodeError('start time cannot be equal or greater than end time');
    times.push({ startMinute: s, endMinute: e });
  }
  const loc = f.has('location') ? d.string(f.get('location')) : undefined;
  return {
    times,
    weekdays: ranges(d, f.get('weekdays'), 'WeekdayRange', weekdayRange),
    daysOfMonth: ranges(d, f.get('days_of_month'), 'DayOfMonthRange', dayOfMonthRange),
    months: ranges(d, f.get('months'), 'MonthRange', monthRange),
    years: ranges(d, f.get('years'), 'YearRange', yearRange),
    location: loc === undefined ? 'UTC' : checkLocation(loc),
  };
}

/**
 * Decodes `time_intervals:` or `mute_time_intervals:` (a list of `{name, time_intervals}`).
 * `what` is `time interval` or `mute time interval`, for `missing name in …`.
 */
export function decodeTimeIntervals(d: YamlDecoder, node: Node | null | undefined, what: 'time interval' | 'mute time interval'): TimeInterval[] {
  const goType = what === 'time interval' ? '[]config.TimeInterval' : '[]config.MuteTimeInterval';
  const out: TimeInterval[] = [];
  for (const item of d.seq(node, goType) ?? []) {
    const mark = d.mark;
    const f = d.struct(item, 'config.plain', ['name', 'time_intervals']);
    const name = d.string(f?.fields.get('name'));
    const entries = (d.seq(f?.fields.get('time_intervals'), '[]timeinterval.TimeInterval') ?? []).map((n) => decodeRange(d, n));
    if (d.mark !== mark || name === undefined) continue;
    if (name === '') throw new ConfigDecodeError(`missing name in ${what}`);
    out.push({ name, ranges: entries });
  }
  return out;
}
