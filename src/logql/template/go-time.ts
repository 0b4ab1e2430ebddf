/**
 * Go's `time` package as templates use it: locations (UTC, Local, fixed offsets, IANA
 * zones through Intl), `Time.Format` and `time.ParseInLocation` with Go's reference
 * layout (`2006-01-02 15:04:05.999999999 -0700 MST`), and `Time.String()`.
 *
 * Local is UTC: Loki's images run without /etc/localtime, so Go's Local is UTC there too.
 * Zone abbreviations of IANA zones come from Intl (`EST`, `CET`); where Intl only knows a
 * `GMT+1` form, Go's numeric form (`+01`) is printed instead.
 */
import { civilFromDays, daysFromCivil, daysInMonth, isLeapYear } from '../../util/civil-date.js';
import { GoTime } from './values.js';

/** A Go `*time.Location`. */
export interface GoLocation {
  /** `Location.String()`: `UTC`, `Local`, an IANA name, or a fixed zone's name. */
  readonly name: string;
  /** The UTC offset in seconds and the zone abbreviation in effect at Unix second `sec`. */
  lookup(sec: number): { offset: number; abbr: string };
}

const utcZone = { offset: 0, abbr: 'UTC' };

/** `time.UTC`. */
export const UTC: GoLocation = { name: 'UTC', lookup: () => utcZone };
/** `time.Local` (UTC, see the module comment). */
export const LOCAL: GoLocation = { name: 'Local', lookup: () => utcZone };

/** `time.FixedZone(name, offset)`; an empty name prints as `-0700` under `MST`. */
export function fixedZone(name: string, offset: number): GoLocation {
  const z = { offset, abbr: name };
  return { name, lookup: () => z };
}

const ianaCache = new Map<string, GoLocation>();

/** An IANA zone via Intl, or undefined when Intl does not know the name. */
function ianaZone(name: string): GoLocation | undefined {
  const cached = ianaCache.get(name);
  if (cached !== undefined) return cached;
  let parts: Intl.DateTimeFormat;
  let us: Intl.DateTimeFormat;
  let gb: Intl.DateTimeFormat;
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    us = new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'short' });
    gb = new Intl.DateTimeFormat('en-GB', { timeZone: name, timeZoneName: 'short' });
  } catch {
    return undefined;
  }
  const lookup = (sec: number): { offset: number; abbr: string } => {
    // Intl works in milliseconds within ±8.64e15 ms; clamp far dates to that range.
    const ms = Math.max(-8.64e15, Math.min(8.64e15, sec * 1000));
    const p: Record<string, string> = {};
    for (const x of parts.formatToParts(ms)) p[x.type] = x.value;
    let year = Number(p.year);
    if (p.era === 'BC' || p.era === 'B') year = 1 - year;
    const wall = daysFromCivil(year, Number(p.month), Number(p.day)) * 86400 + Number(p.hour) * 3600 + Number(p.minute) * 60 + Number(p.second);
    const offset = wall - Math.floor(ms / 1000);
    return { offset, abbr: zoneAbbr(us, gb, ms, offset) };
  };
  const loc = { name, lookup };
  ianaCache.set(name, loc);
  return loc;
}

function zoneAbbr(us: Intl.DateTimeFormat, gb: Intl.DateTimeFormat, ms: number, offset: number): string {
  for (const f of [us, gb]) {
    const n = f.formatToParts(ms).find((x) => x.type === 'timeZoneName')?.value ?? '';
    if (/^[A-Z]{2,5}$/.test(n)) return n;
  }
  // tzdata's numeric abbreviations: "+03", "+0530".
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  const hh = String(Math.floor(a / 3600)).padStart(2, '0');
  const mm = Math.floor((a % 3600) / 60);
  return sign + hh + (mm === 0 ? '' : String(mm).padStart(2, '0'));
}

/** Go's `time.LoadLocation`: `""`/`UTC` → UTC, `Local`, or an IANA name; undefined when unknown. */
export function loadLocation(name: string): GoLocation | undefined {
  if (name === '' || name === 'UTC') return UTC;
  if (name === 'Local') return LOCAL;
  return ianaZone(name);
}

// Calendar arithmetic: ../../util/civil-date.ts.

const LONG_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** `time.Month(m).String()`, 1-based. */
export function monthName(m: number): string {
  return LONG_MONTHS[m - 1] ?? `%!Month(${m})`;
}

/** `time.Weekday(d).String()`, Sunday = 0. */
export function weekdayName(d: number): string {
  return LONG_DAYS[d] ?? `%!Weekday(${d})`;
}

/** The wall-clock fields of a time in its location. */
export interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nsec: number;
  weekday: number;
  yday: number;
  offset: number;
  abbr: string;
}

/** Splits a time into its wall-clock fields in its own location. */
export function civil(t: GoTime): Civil {
  const { offset, abbr } = t.loc.lookup(t.sec);
  const local = t.sec + offset;
  const days = Math.floor(local / 86400);
  const secs = local - days * 86400;
  const { year, month, day } = civilFromDays(days);
  return {
    year,
    month,
    day,
    hour: Math.floor(secs / 3600),
    minute: Math.floor((secs % 3600) / 60),
    second: secs % 60,
    nsec: t.nsec,
    weekday: (((days + 4) % 7) + 7) % 7,
    yday: days - daysFromCivil(year, 1, 1) + 1,
    offset,
    abbr,
  };
}

// ---------------------------------------------------------------------------------------
// Layouts

type Std =
  | { k: 'lit' }
  | { k: 'longMonth' | 'month' | 'numMonth' | 'zeroMonth' | 'longWeekDay' | 'weekDay' | 'day' | 'underDay' | 'zeroDay' }
  | { k: 'underYearDay' | 'zeroYearDay' | 'hour' | 'hour12' | 'zeroHour12' | 'minute' | 'zeroMinute' | 'second' | 'zeroSecond' }
  | { k: 'longYear' | 'year' | 'PM' | 'pm' | 'TZ' }
  | { k: 'tz'; iso: boolean; colon: boolean; seconds: boolean; short: boolean }
  | { k: 'frac'; nines: boolean; digits: number; sep: string };

interface Chunk {
  prefix: string;
  std: Std;
  suffix: string;
}

const LIT: Std = { k: 'lit' };

function startsWithLower(s: string): boolean {
  return s.length > 0 && s[0]! >= 'a' && s[0]! <= 'z';
}

function isDigitAt(s: string, i: number): boolean {
  return i < s.length && s[i]! >= '0' && s[i]! <= '9';
}

const ZERO_STD: Std['k'][] = ['zeroMonth', 'zeroDay', 'zeroHour12', 'zeroMinute', 'zeroSecond', 'year'];

/** Go's `nextStdChunk`: the text before the next layout element, the element, and the rest. */
function nextStdChunk(layout: string): Chunk {
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i]!;
    const at = (k: Std, len: number, prefixEnd = i): Chunk => ({ prefix: layout.slice(0, prefixEnd), std: k, suffix: layout.slice(i + len) });
    const tz = (iso: boolean, colon: boolean, seconds: boolean, short: boolean): Std => ({ k: 'tz', iso, colon, seconds, short });
    switch (c) {
      case 'J':
        if (layout.startsWith('Jan', i)) {
          if (layout.startsWith('January', i)) return at({ k: 'longMonth' }, 7);
          if (!startsWithLower(layout.slice(i + 3))) return at({ k: 'month' }, 3);
        }
        break;
      case 'M':
        if (layout.startsWith('Mon', i)) {
          if (layout.startsWith('Monday', i)) return at({ k: 'longWeekDay' }, 6);
          if (!startsWithLower(layout.slice(i + 3))) return at({ k: 'weekDay' }, 3);
        }
        if (layout.startsWith('MST', i)) return at({ k: 'TZ' }, 3);
        break;
      case '0':
        if (i + 1 < layout.length && layout[i + 1]! >= '1' && layout[i + 1]! <= '6') return at({ k: ZERO_STD[Number(layout[i + 1]) - 1]! } as Std, 2);
        if (layout.startsWith('002', i)) return at({ k: 'zeroYearDay' }, 3);
        break;
      case '1':
        if (layout[i + 1] === '5') return at({ k: 'hour' }, 2);
        return at({ k: 'numMonth' }, 1);
      case '2':
        if (layout.startsWith('2006', i)) return at({ k: 'longYear' }, 4);
        return at({ k: 'day' }, 1);
      case '_':
        if (layout[i + 1] === '2') {
          // "_2006" is a literal underscore and a long year.
          if (layout.startsWith('2006', i + 1)) return { prefix: layout.slice(0, i + 1), std: { k: 'longYear' }, suffix: layout.slice(i + 5) };
          return at({ k: 'underDay' }, 2);
        }
        if (layout.startsWith('__2', i)) return at({ k: 'underYearDay' }, 3);
        break;
      case '3':
        return at({ k: 'hour12' }, 1);
      case '4':
        return at({ k: 'minute' }, 1);
      case '5':
        return at({ k: 'second' }, 1);
      case 'P':
        if (layout[i + 1] === 'M') return at({ k: 'PM' }, 2);
        break;
      case 'p':
        if (layout[i + 1] === 'm') return at({ k: 'pm' }, 2);
        break;
      case '-':
      case 'Z': {
        const iso = c === 'Z';
        if (layout.startsWith(`${c}070000`, i)) return at(tz(iso, false, true, false), 7);
        if (layout.startsWith(`${c}07:00:00`, i)) return at(tz(iso, true, true, false), 9);
        if (layout.startsWith(`${c}0700`, i)) return at(tz(iso, false, false, false), 5);
        if (layout.startsWith(`${c}07:00`, i)) return at(tz(iso, true, false, false), 6);
        if (layout.startsWith(`${c}07`, i)) return at(tz(iso, false, false, true), 3);
        break;
      }
      case '.':
      case ',':
        if (layout[i + 1] === '0' || layout[i + 1] === '9') {
          const ch = layout[i + 1]!;
          let j = i + 1;
          while (j < layout.length && layout[j] === ch) j++;
          // Only a fractional second when the run of digits ends here.
          if (!isDigitAt(layout, j)) return { prefix: layout.slice(0, i), std: { k: 'frac', nines: ch === '9', digits: j - i - 1, sep: c }, suffix: layout.slice(j) };
        }
        break;
    }
  }
  return { prefix: layout, std: LIT, suffix: '' };
}

const layoutCache = new Map<string, Chunk[]>();

/** A layout split into chunks once; layouts in templates are constants, so this is bounded in practice. */
function chunks(layout: string): Chunk[] {
  let c = layoutCache.get(layout);
  if (c !== undefined) return c;
  c = [];
  let rest = layout;
  while (rest !== '') {
    const ch = nextStdChunk(rest);
    c.push(ch);
    if (ch.std.k === 'lit') break;
    rest = ch.suffix;
  }
  // 256 layouts is far more than any query uses; the cap only stops unbounded growth.
  if (layoutCache.size < 256) layoutCache.set(layout, c);
  return c;
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, '0');
  return n < 0 ? '-' + s : s;
}

/** Go's `Time.Format(layout)`. */
export function formatTime(t: GoTime, layout: string): string {
  const c = civil(t);
  let out = '';
  for (const { prefix, std } of chunks(layout)) {
    out += prefix;
    switch (std.k) {
      case 'lit':
        break;
      case 'year':
        out += pad(((c.year % 100) + 100) % 100, 2);
        break;
      case 'longYear':
        out += pad(c.year, 4);
        break;
      case 'month':
        out += LONG_MONTHS[c.month - 1]!.slice(0, 3);
        break;
      case 'longMonth':
        out += LONG_MONTHS[c.month - 1]!;
        break;
      case 'numMonth':
        out += c.month;
        break;
      case 'zeroMonth':
        out += pad(c.month, 2);
        break;
      case 'weekDay':
        out += LONG_DAYS[c.weekday]!.slice(0, 3);
        break;
      case 'longWeekDay':
        out += LONG_DAYS[c.weekday]!;
        break;
      case 'day':
        out += c.day;
        break;
      case 'underDay':
        out += c.day < 10 ? ' ' + c.day : String(c.day);
        break;
      case 'zeroDay':
        out += pad(c.day, 2);
        break;
      case 'underYearDay':
        out += String(c.yday).padStart(3, ' ');
        break;
      case 'zeroYearDay':
        out += pad(c.yday, 3);
        break;
      case 'hour':
        out += pad(c.hour, 2);
        break;
      case 'hour12':
        out += c.hour % 12 === 0 ? 12 : c.hour % 12;
        break;
      case 'zeroHour12':
        out += pad(c.hour % 12 === 0 ? 12 : c.hour % 12, 2);
        break;
      case 'minute':
        out += c.minute;
        break;
      case 'zeroMinute':
        out += pad(c.minute, 2);
        break;
      case 'second':
        out += c.second;
        break;
      case 'zeroSecond':
        out += pad(c.second, 2);
        break;
      case 'PM':
        out += c.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += c.hour >= 12 ? 'pm' : 'am';
        break;
      case 'tz': {
        if (std.iso && c.offset === 0) {
          out += 'Z';
          break;
        }
        let zone = Math.trunc(c.offset / 60);
        let abs = c.offset;
        if (zone < 0) {
          out += '-';
          zone = -zone;
          abs = -abs;
        } else out += '+';
        out += pad(Math.floor(zone / 60), 2);
        if (std.colon) out += ':';
        if (!std.short) out += pad(zone % 60, 2);
        if (std.seconds) {
          if (std.colon) out += ':';
          out += pad(abs % 60, 2);
        }
        break;
      }
      case 'TZ': {
        if (c.abbr !== '') {
          out += c.abbr;
          break;
        }
        let zone = Math.trunc(c.offset / 60);
        if (zone < 0) {
          out += '-';
          zone = -zone;
        } else out += '+';
        out += pad(Math.floor(zone / 60), 2) + pad(zone % 60, 2);
        break;
      }
      case 'frac': {
        const digits = String(c.nsec).padStart(9, '0').slice(0, std.digits);
        if (std.nines) {
          const trimmed = digits.replace(/0+$/, '');
          if (trimmed !== '') out += std.sep + trimmed;
        } else out += std.sep + digits;
        break;
      }
    }
  }
  return out;
}

/** Go's `Time.String()` (without the monotonic clock reading, which has no meaning here). */
export function timeString(t: GoTime): string {
  return formatTime(t, '2006-01-02 15:04:05.999999999 -0700 MST');
}

/** `time.Time{}`: January 1, year 1, 00:00:00 UTC. */
export const ZERO_TIME = new GoTime(daysFromCivil(1, 1, 1) * 86400, 0, UTC);

/** `time.Unix(sec, nsec)` in Local. */
export function unixTime(sec: number, nsec: number): GoTime {
  const carry = Math.floor(nsec / 1e9);
  return new GoTime(sec + carry, nsec - carry * 1e9, LOCAL);
}

/** A time from epoch milliseconds plus nanoseconds within the millisecond, in Local. */
export function timeFromMsNs(tMs: number, tNs: number): GoTime {
  const sec = Math.floor(tMs / 1000);
  return new GoTime(sec, (tMs - sec * 1000) * 1e6 + tNs, LOCAL);
}

function getNum(v: string, fixed: boolean): [number, string] | undefined {
  if (!isDigitAt(v, 0)) return undefined;
  if (!isDigitAt(v, 1)) {
    if (fixed) return undefined;
    return [v.charCodeAt(0) - 48, v.slice(1)];
  }
  return [(v.charCodeAt(0) - 48) * 10 + v.charCodeAt(1) - 48, v.slice(2)];
}

function getNum3(v: string, fixed: boolean): [number, string] | undefined {
  let n = 0;
  let i = 0;
  for (; i < 3 && isDigitAt(v, i); i++) n = n * 10 + v.charCodeAt(i) - 48;
  if (i === 0 || (fixed && i !== 3)) return undefined;
  return [n, v.slice(i)];
}

function lookupName(names: string[], v: string, len: number | undefined): [number, string] | undefined {
  for (let i = 0; i < names.length; i++) {
    const n = len === undefined ? names[i]! : names[i]!.slice(0, len);
    if (v.length >= n.length && v.slice(0, n.length).toLowerCase() === n.toLowerCase()) return [i, v.slice(n.length)];
  }
  return undefined;
}

/** Go's `skip`: the layout's literal text must appear in the value; runs of spaces match runs of spaces. */
function skip(value: string, prefix: string): string | undefined {
  while (prefix.length > 0) {
    if (prefix[0] === ' ') {
      if (value.length > 0 && value[0] !== ' ') return undefined;
      prefix = prefix.replace(/^ +/, '');
      value = value.replace(/^ +/, '');
      continue;
    }
    if (value.length === 0 || value[0] !== prefix[0]) return undefined;
    prefix = prefix.slice(1);
    value = value.slice(1);
  }
  return value;
}

/**
 * Go's `time.ParseInLocation(layout, value, loc)`, or undefined for any error (the template
 * functions that parse, `toDate` and `toDateInZone`, discard the error and use the zero time).
 */
export function parseTime(layout: string, value: string, loc: GoLocation): GoTime | undefined {
  let year = 0;
  let month = -1;
  let day = -1;
  let yday = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec = 0;
  let pmSet = false;
  let amSet = false;
  let zoneOffset: number | undefined;
  let zoneName = '';
  let utc = false;
  const list = chunks(layout);
  for (let ci = 0; ci < list.length; ci++) {
    const { prefix, std } = list[ci]!;
    const v = skip(value, prefix);
    if (v === undefined) return undefined;
    value = v;
    if (std.k === 'lit') {
      if (value.length > 0) return undefined;
      break;
    }
    let r: [number, string] | undefined;
    switch (std.k) {
      case 'year':
        if (value.length < 2 || !isDigitAt(value, 0) || !isDigitAt(value, 1)) return undefined;
        year = Number(value.slice(0, 2));
        year += year >= 69 ? 1900 : 2000;
        value = value.slice(2);
        break;
      case 'longYear':
        if (value.length < 4 || !/^\d{4}/.test(value)) return undefined;
        year = Number(value.slice(0, 4));
        value = value.slice(4);
        break;
      case 'month':
      case 'longMonth':
        r = lookupName(LONG_MONTHS, value, std.k === 'month' ? 3 : undefined);
        if (r === undefined) return undefined;
        [month, value] = [r[0] + 1, r[1]];
        break;
      case 'numMonth':
      case 'zeroMonth':
        r = getNum(value, std.k === 'zeroMonth');
        if (r === undefined || r[0] <= 0 || r[0] > 12) return undefined;
        [month, value] = r;
        break;
      case 'weekDay':
      case 'longWeekDay':
        r = lookupName(LONG_DAYS, value, std.k === 'weekDay' ? 3 : undefined);
        if (r === undefined) return undefined;
        value = r[1];
        break;
      case 'day':
      case 'underDay':
      case 'zeroDay':
        if (std.k === 'underDay' && value[0] === ' ') value = value.slice(1);
        r = getNum(value, std.k === 'zeroDay');
        if (r === undefined) return undefined;
        [day, value] = r;
        break;
      case 'underYearDay':
      case 'zeroYearDay':
        for (let i = 0; i < 2 && std.k === 'underYearDay'; i++) if (value[0] === ' ') value = value.slice(1);
        r = getNum3(value, std.k === 'zeroYearDay');
        if (r === undefined || r[0] < 1 || r[0] > 366) return undefined;
        [yday, value] = r;
        break;
      case 'hour':
        r = getNum(value, false);
        if (r === undefined || r[0] >= 24) return undefined;
        [hour, value] = r;
        break;
      case 'hour12':
      case 'zeroHour12':
        r = getNum(value, std.k === 'zeroHour12');
        if (r === undefined || r[0] > 12) return undefined;
        [hour, value] = r;
        break;
      case 'minute':
      case 'zeroMinute':
        r = getNum(value, std.k === 'zeroMinute');
        if (r === undefined || r[0] >= 60) return undefined;
        [min, value] = r;
        break;
      case 'second':
      case 'zeroSecond': {
        r = getNum(value, std.k === 'zeroSecond');
        if (r === undefined || r[0] >= 60) return undefined;
        [sec, value] = r;
        // A fraction in the value without one in the layout is still read.
        const next = list[ci + 1];
        if (value.length >= 2 && (value[0] === '.' || value[0] === ',') && isDigitAt(value, 1) && !(next?.prefix === '' && next.std.k === 'frac')) {
          let n = 1;
          while (isDigitAt(value, n)) n++;
          nsec = Number(value.slice(1, Math.min(n, 10)).padEnd(9, '0'));
          value = value.slice(n);
        }
        break;
      }
      case 'PM':
      case 'pm': {
        const p = value.slice(0, 2);
        const want = std.k === 'PM' ? ['PM', 'AM'] : ['pm', 'am'];
        if (p === want[0]) pmSet = true;
        else if (p === want[1]) amSet = true;
        else return undefined;
        value = value.slice(2);
        break;
      }
      case 'tz': {
        if (std.iso && value[0] === 'Z') {
          value = value.slice(1);
          utc = true;
          break;
        }
        const m = (std.seconds ? (std.colon ? /^([+-])(\d\d):(\d\d):(\d\d)/ : /^([+-])(\d\d)(\d\d)(\d\d)/) : std.short ? /^([+-])(\d\d)/ : std.colon ? /^([+-])(\d\d):(\d\d)/ : /^([+-])(\d\d)(\d\d)/).exec(value);
        if (m === null) return undefined;
        const hh = Number(m[2]);
        const mm = Number(m[3] ?? 0);
        const ss = Number(m[4] ?? 0);
        if (hh > 24 || mm > 60 || ss > 60) return undefined;
        zoneOffset = (hh * 3600 + mm * 60 + ss) * (m[1] === '-' ? -1 : 1);
        value = value.slice(m[0].length);
        break;
      }
      case 'TZ': {
        if (value.startsWith('UTC')) {
          utc = true;
          value = value.slice(3);
          break;
        }
        const m = /^(GMT(?:[+-]\d{1,2})?|[A-Z][A-Za-z]{2,4})/.exec(value);
        if (m === null || (m[1]!.length > 3 && !m[1]!.startsWith('GMT') && !/T$/.test(m[1]!) && m[1] !== 'ChST' && m[1] !== 'MeST')) return undefined;
        zoneName = m[1]!;
        value = value.slice(zoneName.length);
        break;
      }
      case 'frac': {
        if (std.nines) {
          if (value.length < 2 || (value[0] !== '.' && value[0] !== ',') || !isDigitAt(value, 1)) break;
          let n = 1;
          while (isDigitAt(value, n)) n++;
          nsec = Number(value.slice(1, Math.min(n, 10)).padEnd(9, '0'));
          value = value.slice(n);
          break;
        }
        const ndigit = 1 + std.digits;
        if (value.length < ndigit || value[0] !== std.sep) return undefined;
        const digits = value.slice(1, ndigit);
        if (!/^\d+$/.test(digits)) return undefined;
        nsec = Number(digits.slice(0, 9).padEnd(9, '0'));
        value = value.slice(ndigit);
        break;
      }
    }
  }
  // Go: "extra text" after the layout is an error.
  if (value.length > 0) return undefined;
  if (pmSet && hour < 12) hour += 12;
  else if (amSet && hour === 12) hour = 0;
  if (yday >= 0) {
    let m = 0;
    let d = yday;
    if (d > 59 && isLeapYear(year)) {
      if (d === 60) [m, d] = [2, 29];
      else d--;
    }
    if (m === 0) {
      m = 1;
      while (m < 12 && d > daysInMonth(2001, m)) d -= daysInMonth(2001, m++);
    }
    if ((month >= 0 && month !== m) || (day >= 0 && day !== d)) return undefined;
    [month, day] = [m, d];
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > daysInMonth(year, month)) return undefined;
  const wall = daysFromCivil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
  if (utc) return new GoTime(wall, nsec, UTC);
  if (zoneOffset !== undefined) {
    const s = wall - zoneOffset;
    // Go keeps the given location when its offset at that instant matches.
    if (loc.lookup(s).offset === zoneOffset) return new GoTime(s, nsec, loc);
    return new GoTime(s, nsec, fixedZone('', zoneOffset));
  }
  if (zoneName !== '') {
    const guess = wall - loc.lookup(wall).offset;
    const z = loc.lookup(guess);
    if (z.abbr === zoneName) return new GoTime(guess, nsec, loc);
    let offset = 0;
    const gmt = /^GMT([+-]\d{1,2})$/.exec(zoneName);
    if (gmt !== null) offset = Number(gmt[1]) * 3600;
    return new GoTime(wall - offset, nsec, fixedZone(zoneName, offset));
  }
  // A wall time in loc: find the offset in effect then (two passes settle DST edges).
  let s = wall - loc.lookup(wall).offset;
  s = wall - loc.lookup(s).offset;
  return new GoTime(s, nsec, loc);
}
