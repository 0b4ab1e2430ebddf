/**
 * Request parameters of Loki's query API, read as Loki's `pkg/loghttp/params.go`,
 * `query.go`, `series.go` and `tail.go` read them: URL query and form body merged as Go's
 * `Request.FormValue` does (prom-params.ts), timestamps as RFC3339Nano, float seconds, or
 * integers (seconds up to 1e10, nanoseconds above), durations as float seconds or
 * Prometheus durations, `since` as a Prometheus duration only. Times are BigInt
 * nanoseconds here (Loki's int64 ns do not fit a double); `splitNs` gives the (ms, ns)
 * pairs the store and engine take.
 *
 * Every failure is a `bad_data` CairnError whose message is Loki's own text, Go error
 * wording included (`strconv.ParseInt: parsing "x": invalid syntax`), because clients
 * show it to users as is.
 */
import type { Direction } from '../logstore/interface.js';
import { badData } from '../util/errors.js';
import { parsePromDuration, type PromParams } from './prom-params.js';

export { promParams as lokiParams, type PromParams as LokiParams } from './prom-params.js';

/** Loki's `defaultQueryLimit`: entries of a log query without `limit`. */
export const DEFAULT_QUERY_LIMIT = 100;
/** Loki's `defaultSince`: how far back `start` defaults from `end`. */
export const DEFAULT_SINCE_NS = 3_600_000_000_000n;
/** Loki refuses range queries of more points than this per series (`errStepTooSmall`). */
export const MAX_POINTS_PER_SERIES = 11_000n;
/** Loki's `maxDelayForInTailing`, seconds. */
export const MAX_DELAY_FOR_S = 5;
/** `seriesvolume.DefaultLimit`: volumes returned without `limit`. */
export const DEFAULT_VOLUME_LIMIT = 100;

const NS_PER_S = 1_000_000_000n;
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** A timestamp as the store's (ms, ns-within-ms) pair; floor division so negative times stay ordered. */
export function splitNs(t: bigint): { ms: number; ns: number } {
  let ms = t / 1_000_000n;
  let ns = t % 1_000_000n;
  if (ns < 0n) {
    ns += 1_000_000n;
    ms -= 1n;
  }
  return { ms: Number(ms), ns: Number(ns) };
}

/** Milliseconds (may be fractional) as BigInt ns, exact for integer ms. */
export function msToNs(ms: number): bigint {
  return Number.isInteger(ms) ? BigInt(ms) * 1_000_000n : BigInt(Math.round(ms * 1e6));
}

/** Go's `strconv.ParseInt(s, 10, 64)`: the value, or throws Go's error text. */
function goParseInt(s: string, fn = 'ParseInt'): bigint {
  if (!/^[+-]?\d+$/.test(s)) throw badData('invalid_parameter', `strconv.${fn}: parsing ${goQuote(s)}: invalid syntax`);
  const v = BigInt(s);
  if (v > INT64_MAX || v < INT64_MIN) throw badData('invalid_parameter', `strconv.${fn}: parsing ${goQuote(s)}: value out of range`);
  return v;
}

/** Go's `strconv.Atoi` on a 64-bit platform, as a JS number. */
function goAtoi(s: string): number {
  return Number(goParseInt(s, 'Atoi'));
}

const GO_FLOAT = /^[+-]?(\d+(_\d+)*\.?\d*(_\d+)*|\.\d+)([eE][+-]?\d+)?$/;
const GO_FLOAT_SPECIAL = /^[+-]?(inf|infinity|nan)$/i;

/** Go's `strconv.ParseFloat(s, 64)` for decimal forms, inf and NaN; undefined when Go refuses. */
function goParseFloat(s: string): number | undefined {
  if (GO_FLOAT_SPECIAL.test(s)) {
    const neg = s.startsWith('-');
    return /nan/i.test(s) ? NaN : neg ? -Infinity : Infinity;
  }
  if (!GO_FLOAT.test(s) || s.includes('_')) return undefined;
  return Number(s);
}

/** Go's `%q` of a string for error messages (JSON quoting is the same for printable text). */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

const RFC3339_NANO = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|([+-])(\d{2}):(\d{2}))$/;

/** Go's `time.Parse(time.RFC3339Nano, s)` as ns since the epoch, or undefined. */
export function parseRfc3339Nano(s: string): bigint | undefined {
  const m = RFC3339_NANO.exec(s);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return undefined;
  // setUTCFullYear, unlike Date.UTC, takes years below 100 literally.
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  if (date.getUTCDate() !== d) return undefined; // 31 April and the like
  date.setUTCHours(h, mi, sec, 0);
  const base = BigInt(date.getTime()) * 1_000_000n;
  const frac = m[7] === undefined ? 0n : BigInt(m[7].padEnd(9, '0'));
  let offset = 0n;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offset = BigInt((oh * 60 + om) * 60) * NS_PER_S * (m[9] === '-' ? -1n : 1n);
  }
  return base + frac - offset;
}

/**
 * Loki's `parseTimestamp`: RFC3339Nano first; then, for values with a `.`, float seconds
 * (fraction rounded to ms) unless the integer part exceeds 1e10, in which case it is
 * nanoseconds; then integers: seconds up to 1e10, nanoseconds above. `def` when empty.
 */
export function parseLokiTimestamp(value: string | undefined, def: bigint): bigint {
  if (value === undefined || value === '') return def;
  const rfc = parseRfc3339Nano(value);
  if (rfc !== undefined) return rfc;
  if (value.includes('.')) {
    const t = goParseFloat(value);
    if (t === undefined) throw badData('invalid_parameter', `strconv.ParseFloat: parsing ${goQuote(value)}: invalid syntax`);
    if (Number.isNaN(t) || !Number.isFinite(t)) throw badData('invalid_parameter', 'floating point timestamp is NaN or Inf');
    const high = Math.trunc(t);
    let low = t - high;
    if (high > 9.223372036854776e18 || high < -9.223372036854776e18) throw badData('invalid_parameter', 'floating point timestamp exceeds integer range');
    if (high <= 1e10) {
      // Go: low = math.Round(low*1000)/1000; time.Unix(high, int64(low*1e9)). Same doubles here.
      low = Math.round(low * 1000) / 1000;
      return BigInt(high) * NS_PER_S + BigInt(Math.trunc(low * 1e9));
    }
    return BigInt(high);
  }
  const v = goParseInt(value);
  return v <= 10_000_000_000n ? v * NS_PER_S : v;
}

/** A Prometheus duration (`model.ParseDuration`) in ns, or Go's error text. */
export function parseLokiPromDuration(value: string): bigint {
  const ms = parsePromDuration(value);
  if (ms === undefined) throw badData('invalid_parameter', `not a valid duration string: ${goQuote(value)}`);
  return BigInt(ms) * 1_000_000n;
}

/** Loki's `parseSecondsOrDuration` (step, interval): float seconds or a Prometheus duration, ns. */
export function parseSecondsOrDuration(value: string): bigint {
  const f = goParseFloat(value);
  if (f !== undefined) {
    const ns = f * 1e9;
    if (Number.isNaN(ns) || ns > 9.223372036854776e18 || ns < -9.223372036854776e18) {
      throw badData('invalid_parameter', `cannot parse ${goQuote(value)} to a valid duration. It overflows int64`);
    }
    return BigInt(Math.trunc(ns));
  }
  const ms = parsePromDuration(value);
  if (ms === undefined) throw badData('invalid_parameter', `cannot parse ${goQuote(value)} to a valid duration`);
  return BigInt(ms) * 1_000_000n;
}

function wrap(what: string, fn: () => bigint): bigint {
  try {
    return fn();
  } catch (e) {
    const err = e as Error;
    throw badData('invalid_parameter', `could not parse '${what}' parameter: ${err.message}`);
  }
}

/** Loki's `determineBounds`: `end` defaults to now, `start` to min(end, now) − since (1h). */
export function parseBounds(p: PromParams, nowNs: bigint): { start: bigint; end: bigint } {
  const sinceRaw = p.get('since');
  const since = sinceRaw === undefined || sinceRaw === '' ? DEFAULT_SINCE_NS : wrap('since', () => parseLokiPromDuration(sinceRaw));
  const end = wrap('end', () => parseLokiTimestamp(p.get('end'), nowNs));
  const endOrNow = end > nowNs ? nowNs : end;
  const start = wrap('start', () => parseLokiTimestamp(p.get('start'), endOrNow - since));
  return { start, end };
}

/** Loki's `limit`: default 100, must be positive. */
export function parseLimit(p: PromParams, name = 'limit', def = DEFAULT_QUERY_LIMIT): number {
  const s = p.get(name);
  const l = s === undefined || s === '' ? def : goAtoi(s);
  if (l <= 0) throw badData('invalid_parameter', 'limit must be a positive value');
  return l;
}

/** Loki's `direction`: `forward`/`backward` in any case, default backward. */
export function parseDirection(p: PromParams): Direction {
  const s = p.get('direction');
  if (s === undefined || s === '') return 'backward';
  const up = s.toUpperCase();
  if (up === 'FORWARD') return 'forward';
  if (up === 'BACKWARD') return 'backward';
  throw badData('invalid_parameter', `invalid direction '${s}'`);
}

/** Loki's `max_entries_limit_per_query` check (log queries only; 0 = off). */
export function checkEntriesLimit(limit: number, max: number): void {
  if (max > 0 && limit > max) {
    throw badData('limit_exceeded', `max entries limit per query exceeded, limit > max_entries_limit_per_query (${limit} > ${max})`);
  }
}

/** A parsed `query_range` request (and the superset other endpoints reuse). */
export interface RangeRequest {
  readonly query: string;
  readonly start: bigint;
  readonly end: bigint;
  readonly stepNs: bigint;
  readonly intervalNs: bigint;
  readonly limit: number;
  readonly direction: Direction;
}

/** Loki's `ParseRangeQuery`, in its order of checks. */
export function parseRangeRequest(p: PromParams, nowNs: bigint): RangeRequest {
  const query = p.get('query') ?? '';
  const { start, end } = parseBounds(p, nowNs);
  if (end < start) throw badData('invalid_parameter', 'end timestamp must not be before or equal to start time');
  const limit = parseLimit(p);
  const direction = parseDirection(p);
  const stepRaw = p.get('step');
  const stepNs = stepRaw === undefined || stepRaw === '' ? defaultStepNs(start, end) : parseSecondsOrDuration(stepRaw);
  if (stepNs <= 0n) throw badData('invalid_parameter', 'zero or negative query resolution step widths are not accepted. Try a positive integer');
  if ((end - start) / stepNs > MAX_POINTS_PER_SERIES) {
    throw badData('invalid_parameter', 'exceeded maximum resolution of 11,000 points per time series. Try increasing the value of the step parameter');
  }
  const intervalRaw = p.get('interval');
  const intervalNs = intervalRaw === undefined || intervalRaw === '' ? 0n : parseSecondsOrDuration(intervalRaw);
  if (intervalNs < 0n) throw badData('invalid_parameter', 'interval must be >= 0');
  return { query, start, end, stepNs, intervalNs, limit, direction };
}

/** Loki's `defaultQueryRangeStep`: max(floor((end − start) / 250 s), 1 s). */
export function defaultStepNs(start: bigint, end: bigint): bigint {
  const seconds = Math.max(Math.floor(Number(end - start) / 1e9 / 250), 1);
  return BigInt(seconds) * NS_PER_S;
}

/** A parsed instant `query` request. */
export interface InstantRequest {
  readonly query: string;
  readonly t: bigint;
  readonly limit: number;
  readonly direction: Direction;
}

/** Loki's `ParseInstantQuery`: `time` defaults to now. */
export function parseInstantRequest(p: PromParams, nowNs: bigint): InstantRequest {
  const query = p.get('query') ?? '';
  const limit = parseLimit(p);
  const t = parseLokiTimestamp(p.get('time'), nowNs);
  const direction = parseDirection(p);
  return { query, t, limit, direction };
}

/** A parsed tail request. */
export interface TailRequest {
  readonly query: string;
  readonly start: bigint;
  readonly limit: number;
  readonly delayForS: number;
}

/** Loki's `ParseTailQuery`: the query is parsed by the caller; `delay_for` 0..5 s. */
export function parseTailRequest(p: PromParams, nowNs: bigint): TailRequest {
  const query = p.get('query') ?? '';
  const limit = parseLimit(p);
  const { start } = parseBounds(p, nowNs);
  const d = p.get('delay_for');
  const delay = d === undefined || d === '' ? 0 : goAtoi(d);
  // Go converts to uint32: a negative value wraps to a huge one and fails the same check.
  if (delay < 0 || delay > MAX_DELAY_FOR_S) throw badData('invalid_parameter', `delay_for can't be greater than ${MAX_DELAY_FOR_S}`);
  return { query, start, limit, delayForS: delay };
}

/** `aggregateBy` of the volume endpoints. */
export type VolumeAggregateBy = 'series' | 'labels';

/** A parsed volume request (`index/volume`, `index/volume_range`). */
export interface VolumeRequest {
  readonly query: string;
  readonly start: bigint;
  readonly end: bigint;
  /** 0 for the instant endpoint. */
  readonly stepNs: bigint;
  readonly limit: number;
  readonly targetLabels: readonly string[];
  readonly aggregateBy: VolumeAggregateBy;
}

/** Loki's `volumeLimit`: absent or 0 means 100, negative is refused. */
function volumeLimit(p: PromParams): number {
  const s = p.get('limit');
  const l = s === undefined || s === '' ? DEFAULT_VOLUME_LIMIT : goAtoi(s);
  if (l === 0) return DEFAULT_VOLUME_LIMIT;
  if (l < 0) throw badData('invalid_parameter', 'limit must be a positive value');
  return l;
}

function volumeAggregateBy(p: PromParams): VolumeAggregateBy {
  const s = p.get('aggregateBy');
  if (s === undefined || s === '') return 'series';
  if (s === 'series' || s === 'labels') return s;
  throw badData('invalid_parameter', 'invalid aggregation option');
}

function targetLabels(p: PromParams): string[] {
  const s = p.get('targetLabels') ?? '';
  return s === '' ? [] : s.split(',');
}

/**
 * Loki's `ParseVolumeInstantQuery` / `ParseVolumeRangeQuery`: the volume limit, then the
 * instant (or range) query's own checks, then `aggregateBy`.
 */
export function parseVolumeRequest(p: PromParams, nowNs: bigint, range: boolean): VolumeRequest {
  const limit = volumeLimit(p);
  const limited: PromParams = { get: (n) => (n === 'limit' ? String(limit) : p.get(n)), getAll: (n) => p.getAll(n) };
  if (range) {
    const r = parseRangeRequest(limited, nowNs);
    const aggregateBy = volumeAggregateBy(p);
    return { query: r.query, start: r.start, end: r.end, stepNs: r.stepNs, limit, targetLabels: targetLabels(p), aggregateBy };
  }
  const i = parseInstantRequest(limited, nowNs);
  const aggregateBy = volumeAggregateBy(p);
  const { start, end } = parseBounds(p, nowNs);
  if (end < start) throw badData('invalid_parameter', 'end timestamp must not be before or equal to start time');
  return { query: i.query, start, end, stepNs: 0n, limit, targetLabels: targetLabels(p), aggregateBy };
}

/**
 * Loki's series `match`/`match[]` (both, deduplicated, sorted); a lone `{}` (spaces
 * ignored) means all streams, as no matcher at all does.
 */
export function seriesGroups(p: PromParams): string[] {
  const all = [...new Set([...p.getAll('match'), ...p.getAll('match[]')])].sort();
  if (all.length === 1 && all[0]!.replace(/ /g, '') === '{}') return [];
  return all;
}
