/**
 * Decoders for the two JSON bodies of a Loki push: v1 (`POST /loki/api/v1/push`, sent by
 * Fluent Bit, Vector, curl) and legacy (`POST /api/prom/push`, old Promtail and Docker
 * driver versions).
 *
 * v1:
 * ```
 * {"streams": [{"stream": {"job": "app"},
 *               "values": [["<ns>", "<line>"],
 *                          ["<ns>", "<line>", {"<name>": "<value>", …}],
 *                          ["<ns>", "<line>", {"structuredMetadata": {…}, "parsed": {…}}]]}]}
 * ```
 * legacy:
 * ```
 * {"streams": [{"labels": "{job=\"app\"}",
 *               "entries": [{"ts": "2024-01-02T03:04:05.123456789Z", "line": "<line>"}]}]}
 * ```
 *
 * Approach: `JSON.parse`, then one tight walk that checks types and builds the result.
 * V8's parser is native and fast on string-heavy documents, which log pushes are; the walk
 * touches each value once. Timestamps never go through `Number()` whole: a nanosecond
 * count has 19 digits and doubles hold 15-16, so the digits are split into milliseconds
 * and nanoseconds-within-the-millisecond as they are read.
 *
 * Leniency follows Loki: unknown keys are ignored, `null` where a stream, an entry list or
 * an entry is expected means "none", and stream label and metadata values may be JSON
 * numbers or booleans (Loki keeps their raw text; here they become `String(v)`, which is
 * the same text for integers up to 2^53). A `values` entry must have 2 or 3 elements
 * (Loki's own decoder silently accepts 1) and its timestamp must be a string.
 *
 * Structured metadata comes out as `LogEntry` wants it: names unique (a JSON object
 * cannot repeat one usefully; the last wins, as `JSON.parse` keeps it). Empty values are
 * kept: Loki stores them and LogQL shows `name=""` as a label of its own.
 *
 * Every failure is a `CairnError`: `bad_data` with reason `json_invalid` for the body,
 * `invalid_labels` for a legacy label string that does not parse, and `too_large` for a
 * body too long to become one JS string (about 512 MiB).
 */
import { constants as bufferConstants } from 'node:buffer';
import type { Label } from '../../model/labels.js';
import type { LogEntry } from '../../logstore/entry.js';
import { daysFromCivil, daysInMonth } from '../../util/civil-date.js';
import { CairnError } from '../../util/errors.js';
import { formatSelectorLabels, mapLabelsError, parseStreamLabels, SelectorLabelsCache } from './selector-labels.js';
import type { PushRequest, PushStream } from './types.js';

/** Reason code of every JSON push decoding error (shared with the discard counter). */
export const JSON_INVALID = 'json_invalid';

const NO_METADATA: readonly Label[] = Object.freeze([]);

/** The cache the legacy decoder uses when the caller passes none. */
const defaultLabelsCache = new SelectorLabelsCache();

/**
 * The largest nanosecond timestamp Loki can hold (int64), split as the decoder splits:
 * 9223372036854775807 ns = 9223372036854 ms + 775807 ns.
 */
const MAX_INT64_MS = 9_223_372_036_854;
const MAX_INT64_NS_IN_MS = 775_807;
/** Decimal digits of int64's maximum; more significant digits always overflow. */
const MAX_INT64_DIGITS = 19;
/** Digits of the nanoseconds-within-a-millisecond part (1 ms = 10^6 ns). */
const NS_DIGITS = 6;

function fail(path: string, what: string): never {
  throw new CairnError('bad_data', JSON_INVALID, `invalid JSON push request: ${path}: ${what}`);
}

/** Names a JSON value's type for messages. */
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** A short rendering of a bad value for messages (long strings cut). */
function show(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v.length > 64 ? v.slice(0, 64) + '…' : v) : String(v);
  return `${typeName(v)} ${s}`;
}

/** Parses the body into a JS value; every failure becomes a CairnError. */
function parseBody(body: Buffer | string): unknown {
  if (typeof body !== 'string' && body.length > bufferConstants.MAX_STRING_LENGTH) {
    throw new CairnError('too_large', 'request_too_large', `JSON push request of ${body.length} bytes is too large to decode (limit ${bufferConstants.MAX_STRING_LENGTH} bytes); split it into smaller requests`);
  }
  // UTF-8 decoding never yields more code units than bytes, so past the check above the
  // string fits.
  const text = typeof body === 'string' ? body : body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    if (e instanceof SyntaxError) throw new CairnError('bad_data', JSON_INVALID, `invalid JSON push request: ${e.message}`, { cause: e });
    throw e;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The `streams` array of a push body, or [] when absent or null. */
function streamsOf(doc: unknown): readonly unknown[] {
  if (!isObject(doc)) fail('body', `must be an object with a "streams" array, got ${typeName(doc)}`);
  const streams = doc.streams;
  if (streams === undefined || streams === null) return [];
  if (!Array.isArray(streams)) fail('streams', `must be an array, got ${typeName(streams)}`);
  return streams;
}

/**
 * A label-like value as a string: strings as they are, numbers and booleans as text;
 * undefined for anything else (the caller words the error, so that no message is built
 * on the hot path).
 */
function labelValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/**
 * Parses a v1 timestamp, a string of decimal nanoseconds since the epoch, into `out`
 * (milliseconds, nanoseconds within the millisecond). Accepts what Go's
 * `strconv.ParseInt(s, 10, 64)` accepts, except negative values. Returns undefined, or
 * what is wrong (the caller adds where: building the path on every entry would cost more
 * than the parse).
 */
function parseNsString(s: string, out: { tMs: number; tNs: number }): string | undefined {
  const n = s.length;
  let i = 0;
  let negative = false;
  if (n > 0) {
    const c0 = s.charCodeAt(0);
    if (c0 === 0x2b /* + */ || c0 === 0x2d /* - */) {
      negative = c0 === 0x2d;
      i = 1;
    }
  }
  if (i >= n) return `timestamp ${JSON.stringify(s)} is not a decimal integer of nanoseconds`;
  // Leading zeros carry no value; skipping them keeps the digit count honest.
  while (i < n - 1 && s.charCodeAt(i) === 0x30) i++;
  const digits = n - i;
  const splitAt = n - NS_DIGITS;
  let ms = 0;
  let ns = 0;
  for (let k = i; k < n; k++) {
    const d = s.charCodeAt(k) - 0x30;
    if (d < 0 || d > 9) return `timestamp ${JSON.stringify(s)} is not a decimal integer of nanoseconds`;
    if (k < splitAt) ms = ms * 10 + d;
    else ns = ns * 10 + d;
  }
  if (digits > MAX_INT64_DIGITS || ms > MAX_INT64_MS || (ms === MAX_INT64_MS && ns > MAX_INT64_NS_IN_MS)) {
    return `timestamp ${JSON.stringify(s)} is out of range of int64 nanoseconds`;
  }
  if (negative && (ms !== 0 || ns !== 0)) return `timestamp ${JSON.stringify(s)} is negative (before 1970)`;
  out.tMs = ms;
  out.tNs = ns;
  return undefined;
}

/** Where the metadata of entry `ei` of stream `si` is, for messages (built only on failure). */
const metadataPath = (si: number, ei: number, categorised: boolean): string => `streams[${si}].values[${ei}][2]${categorised ? '.structuredMetadata' : ''}`;

/** Flat metadata map → labels (empty values kept, as Loki keeps them). */
function metadataFromMap(m: Record<string, unknown>, si: number, ei: number, categorised: boolean): readonly Label[] {
  let out: Label[] | undefined;
  for (const name in m) {
    const value = labelValue(m[name]);
    if (value === undefined) fail(metadataPath(si, ei, categorised), `structured metadata value of "${name}" must be a string, got ${typeName(m[name])}`);
    (out ??= []).push({ name, value });
  }
  return out ?? NO_METADATA;
}

/**
 * The optional third element of a v1 entry: a flat `{name: value}` map, or the query
 * response's categorised form `{"structuredMetadata": {…}, "parsed": {…}}` (only the
 * structured metadata counts on push). The categorised form is recognised by an object
 * value under one of those two keys, which a flat map cannot have.
 */
function entryMetadata(v: unknown, si: number, ei: number): readonly Label[] {
  if (v === null || v === undefined) return NO_METADATA;
  if (!isObject(v)) fail(metadataPath(si, ei, false), `structured metadata must be an object, got ${typeName(v)}`);
  const sm = v.structuredMetadata;
  const parsed = v.parsed;
  if (isObject(sm) || isObject(parsed)) {
    for (const k in v) {
      if (k !== 'structuredMetadata' && k !== 'parsed') fail(metadataPath(si, ei, false), `unexpected key "${k}" beside "structuredMetadata"/"parsed"`);
    }
    if (sm === undefined || sm === null) return NO_METADATA;
    if (!isObject(sm)) fail(metadataPath(si, ei, true), `must be an object, got ${typeName(sm)}`);
    return metadataFromMap(sm, si, ei, true);
  }
  return metadataFromMap(v, si, ei, false);
}

/**
 * Decodes a Loki v1 JSON push body (see the module comment). Streams and entries keep the
 * order sent; `labels` are the `stream` map's entries in key order and `labelsText` their
 * selector rendering (`{job="app", level="info"}`, see `formatSelectorLabels`): for
 * messages, and injective, so it may key a cache of validated label sets as the
 * protobuf path's label strings do. Throws `CairnError`
 * (`bad_data`/`json_invalid`, or `too_large`) and nothing else for any input.
 */
export function decodePushJson(body: Buffer | string): PushRequest {
  const streamsIn = streamsOf(parseBody(body));
  const streams: PushStream[] = [];
  const t = { tMs: 0, tNs: 0 };
  for (let si = 0; si < streamsIn.length; si++) {
    const s = streamsIn[si];
    if (s === null) continue;
    if (!isObject(s)) fail(`streams[${si}]`, `must be an object, got ${typeName(s)}`);

    const labelMap = s.stream;
    let labels: readonly Label[] = NO_METADATA;
    if (labelMap !== undefined && labelMap !== null) {
      if (!isObject(labelMap)) fail(`streams[${si}].stream`, `must be an object of label names to values, got ${typeName(labelMap)}`);
      const ls: Label[] = [];
      for (const name in labelMap) {
        const value = labelValue(labelMap[name]);
        if (value === undefined) fail(`streams[${si}].stream`, `value of label "${name}" must be a string, got ${typeName(labelMap[name])}`);
        ls.push({ name, value });
      }
      labels = ls;
    }

    const values = s.values;
    let entries: LogEntry[];
    if (values === undefined || values === null) entries = [];
    else {
      if (!Array.isArray(values)) fail(`streams[${si}].values`, `must be an array of entries, got ${typeName(values)}`);
      entries = [];
      for (let ei = 0; ei < values.length; ei++) {
        const e: unknown = values[ei];
        if (!Array.isArray(e)) {
          if (e === null) continue;
          fail(`streams[${si}].values[${ei}]`, `entry must be an array [timestamp, line] or [timestamp, line, metadata], got ${typeName(e)}`);
        }
        const len = e.length;
        if (len < 2 || len > 3) fail(`streams[${si}].values[${ei}]`, `array must have at least 2 and up to 3 values, got ${len}`);
        const ts: unknown = e[0];
        if (typeof ts !== 'string') {
          fail(`streams[${si}].values[${ei}][0]`, `timestamp must be a JSON string of decimal nanoseconds since the epoch (like "1700000000000000000"), got ${show(ts)}`);
        }
        const tsError = parseNsString(ts, t);
        if (tsError !== undefined) fail(`streams[${si}].values[${ei}][0]`, tsError);
        const line: unknown = e[1];
        if (typeof line !== 'string') fail(`streams[${si}].values[${ei}][1]`, `line must be a string, got ${typeName(line)}`);
        const metadata = len === 3 ? entryMetadata(e[2], si, ei) : NO_METADATA;
        entries.push({ tMs: t.tMs, tNs: t.tNs, line, metadata });
      }
    }
    const labelsText = formatSelectorLabels(labels);
    const labelsError = mapLabelsError(labels, labelsText);
    streams.push(labelsError === undefined ? { labels, labelsText, entries } : { labels, labelsText, labelsError, entries });
  }
  return { streams };
}

// ---------------------------------------------------------------------------------------
// Legacy JSON: labels as a selector string, RFC 3339 timestamps.

/** Milliseconds per day, second, minute, hour. */
const MS_PER_SECOND = 1000;
const SECONDS_PER_MINUTE = 60;
const SECONDS_PER_HOUR = 3600;
const SECONDS_PER_DAY = 86_400;
/** Length of `YYYY-MM-DDTHH:MM:SS`, the fixed head of an RFC 3339 timestamp. */
const RFC3339_HEAD = 19;
/** Fractional digits that carry information: nanoseconds. Go truncates further digits. */
const FRACTION_DIGITS = 9;

/** Reads `n` decimal digits of `s` at `at`, or -1 if any is not a digit. */
function num(s: string, at: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = s.charCodeAt(at + k) - 0x30;
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
  }
  return v;
}

function notRfc3339(s: string, why: string): string {
  return `timestamp ${JSON.stringify(s)} is not RFC 3339 (like "2006-01-02T15:04:05.999999999Z07:00"): ${why}`;
}

/**
 * Parses an RFC 3339 timestamp (`2006-01-02T15:04:05.999999999Z07:00`, as Go's
 * `time.Time` JSON decoding accepts it: `T` and `Z` upper case, optional fraction of any
 * length truncated to nanoseconds, zone `Z` or `±hh:mm`) into `out` exactly. Returns
 * undefined, or what is wrong.
 */
function parseRfc3339(s: string, out: { tMs: number; tNs: number }): string | undefined {
  if (s.length < RFC3339_HEAD) return notRfc3339(s, 'too short');
  const year = num(s, 0, 4);
  const month = num(s, 5, 2);
  const day = num(s, 8, 2);
  const hour = num(s, 11, 2);
  const minute = num(s, 14, 2);
  const second = num(s, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':') {
    return notRfc3339(s, 'expected YYYY-MM-DDTHH:MM:SS');
  }
  if (month < 1 || month > 12) return notRfc3339(s, 'month out of range');
  if (day < 1 || day > daysInMonth(year, month)) return notRfc3339(s, 'day out of range');
  if (hour > 23) return notRfc3339(s, 'hour out of range');
  if (minute > 59) return notRfc3339(s, 'minute out of range');
  if (second > 59) return notRfc3339(s, 'second out of range');

  let p = RFC3339_HEAD;
  let frac = 0; // nanoseconds
  if (s[p] === '.') {
    p++;
    const start = p;
    let scale = 100_000_000; // weight of the first fractional digit in ns
    for (; p < s.length; p++) {
      const d = s.charCodeAt(p) - 0x30;
      if (!(d >= 0 && d <= 9)) break;
      if (p - start < FRACTION_DIGITS) {
        frac += d * scale;
        scale /= 10;
      }
    }
    if (p === start) return notRfc3339(s, 'empty fraction');
  }

  let offsetS = 0;
  const z = s[p];
  if (z === 'Z' && p + 1 === s.length) {
    // UTC
  } else if ((z === '+' || z === '-') && p + 6 === s.length && s[p + 3] === ':') {
    const oh = num(s, p + 1, 2);
    const om = num(s, p + 4, 2);
    if (oh < 0 || om < 0) return notRfc3339(s, 'bad zone offset');
    if (oh > 23 || om > 59) return notRfc3339(s, 'zone offset out of range');
    offsetS = (oh * SECONDS_PER_HOUR + om * SECONDS_PER_MINUTE) * (z === '-' ? -1 : 1);
  } else {
    return notRfc3339(s, 'expected a zone "Z" or "±hh:mm" at the end');
  }

  const epochS = daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * SECONDS_PER_HOUR + minute * SECONDS_PER_MINUTE + second - offsetS;
  if (epochS < 0) return `timestamp ${JSON.stringify(s)} is before 1970`;
  // At most 253402300799 s (year 9999): the product stays far below 2^53, so it is exact.
  out.tMs = epochS * MS_PER_SECOND + Math.floor(frac / 1_000_000);
  out.tNs = frac % 1_000_000;
  return undefined;
}

/**
 * Decodes a legacy `/api/prom/push` JSON body (see the module comment). Label strings are
 * parsed with `cache` (a shared default when omitted); `labelsText` is the string as sent.
 * An entry's `line` may be absent (empty line, as Go decodes it); its `ts` may not.
 * Throws `CairnError` and nothing else for any input: `bad_data`/`json_invalid` for the
 * body, `bad_data`/`invalid_labels` with Loki's message for a label string, `too_large`.
 */
export function decodeLegacyPushJson(body: Buffer | string, cache: SelectorLabelsCache = defaultLabelsCache): PushRequest {
  const streamsIn = streamsOf(parseBody(body));
  const streams: PushStream[] = [];
  const t = { tMs: 0, tNs: 0 };
  for (let si = 0; si < streamsIn.length; si++) {
    const s = streamsIn[si];
    if (s === null) continue;
    if (!isObject(s)) fail(`streams[${si}]`, `must be an object, got ${typeName(s)}`);
    const text = s.labels ?? '';
    if (typeof text !== 'string') fail(`streams[${si}].labels`, `must be a label string like "{job=\\"app\\"}", got ${typeName(text)}`);
    const parsed = parseStreamLabels(cache, text);

    const list = s.entries;
    let entries: LogEntry[];
    if (list === undefined || list === null) entries = [];
    else {
      if (!Array.isArray(list)) fail(`streams[${si}].entries`, `must be an array of entries, got ${typeName(list)}`);
      entries = [];
      for (let ei = 0; ei < list.length; ei++) {
        const e: unknown = list[ei];
        if (!isObject(e)) {
          if (e === null) continue;
          fail(`streams[${si}].entries[${ei}]`, `entry must be an object {"ts": …, "line": …}, got ${typeName(e)}`);
        }
        const ts = e.ts;
        if (typeof ts !== 'string') fail(`streams[${si}].entries[${ei}].ts`, `timestamp must be an RFC 3339 string, got ${show(ts)}`);
        const tsError = parseRfc3339(ts, t);
        if (tsError !== undefined) fail(`streams[${si}].entries[${ei}].ts`, tsError);
        const line = e.line ?? '';
        if (typeof line !== 'string') fail(`streams[${si}].entries[${ei}].line`, `line must be a string, got ${typeName(line)}`);
        entries.push({ tMs: t.tMs, tNs: t.tNs, line, metadata: NO_METADATA });
      }
    }
    streams.push({ ...parsed, labelsText: text, entries });
  }
  return { streams };
}
