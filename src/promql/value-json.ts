/**
 * Sample values and times as the Prometheus API writes them (`util/jsonutil/marshal.go`):
 * timestamps as JSON numbers of seconds (at most 3 decimals), values as strings in Go's
 * shortest round-trip form — fixed notation, exponent form below 1e-6 and from 1e21,
 * `NaN`, `+Inf`, `-Inf`. Here rather than in api/ because the query workers (parallel/)
 * write the points of big answers too. `native/points-json.cc` writes range answers' points
 * as this text where the addon is built (`entry-writer.ts`): a change here is a change there
 * (test/promql/entry-writer.test.ts compares the two).
 */
import type { Labels } from '../model/labels.js';
import { getOrMake } from '../util/bounded-map.js';

/** Go's `strconv.FormatFloat(v, 'f' or 'e', -1, 64)` as Prometheus picks between them. */
export function formatSampleValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const abs = Math.abs(v);
  if (abs < 1e-6 || abs >= 1e21) {
    // JS prints the shortest round-trip mantissa too; Go pads the exponent to two digits.
    const [mantissa, exp] = v.toExponential().split('e') as [string, string];
    const sign = exp[0] === '-' ? '-' : '+';
    const digits = exp.replace(/^[+-]/, '');
    return `${mantissa}e${sign}${digits.length < 2 ? `0${digits}` : digits}`;
  }
  // Between 1e-6 and 1e21 JS's shortest form is already fixed notation.
  return String(v);
}

/** A timestamp in ms as the API's seconds. */
export function formatTime(tMs: number): number {
  return tMs / 1000;
}

/** `[seconds,"value"]`: the value string needs no escaping (digits, sign, '.', 'e', NaN, Inf). */
export function sampleJson(tMs: number, v: number): string {
  return `[${formatTime(tMs)},"${formatSampleValue(v)}"]`;
}

/** A series' points `[[seconds,"value"],...]` from columns, indices [from, to). */
export function pointsJson(t: ArrayLike<number>, v: ArrayLike<number>, from: number, to: number): string {
  const values = new Array<string>(to - from);
  for (let i = from; i < to; i++) values[i - from] = sampleJson(t[i]!, v[i]!);
  return `[${values.join(',')}]`;
}

/** A series' matrix entry up to its points: `{"metric":{...},"values":`, the labels written by `json`. */
export function matrixEntryHead(metric: Labels, json: (ls: Labels) => string = labelsJson): string {
  return `{"metric":${json(metric)},"values":`;
}

/**
 * A series' whole matrix entry: its head (`matrixEntryHead`, written where the labels
 * are) then its points [from, to). The main thread and the query workers write entries
 * alike, and an answer joins them with commas.
 */
export function matrixEntry(head: string, t: ArrayLike<number>, v: ArrayLike<number>, from: number, to: number): string {
  return `${head}${pointsJson(t, v, from, to)}}`;
}

/**
 * A string as JSON.stringify writes it. Label names and nearly every value need no escape:
 * checking the characters and quoting is ~30 % faster than JSON.stringify's call for the
 * short strings of label sets (the series API writes thousands per answer).
 */
function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // What JSON.stringify escapes: '"', '\', control characters and lone surrogates (any
    // surrogate sends the string there, which then decides).
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}

/** 32 Ki label sets: the largest answers of the query bench (3 508 series) many times over. */
const RECENT_LABELS_MAX = 32_768;

/**
 * Label sets written lately, by identity, with their JSON. A head series keeps one labels
 * array for life (as do functions' outputs derived from it, `dropMetricName`'s included),
 * so a dashboard asking for the same series at every refresh finds its label text here:
 * writing it was the largest part of a big instant answer or series listing (~0.5 µs a
 * set). Bounded: cleared when full (`getOrMake`), so it holds at most `RECENT_LABELS_MAX`
 * label sets alive beyond their series (a few MiB). Labels arrays are never changed once made.
 */
const recentLabels = new Map<Labels, string>();

/** `labelsJson`, through the cache of recent label sets (for label arrays that outlive the answer). */
export function recentLabelsJson(ls: Labels): string {
  return getOrMake(recentLabels, ls, RECENT_LABELS_MAX, labelsJson);
}

/**
 * `recentLabelsJson`'s text as UTF-8 bytes, kept the same way (its own map, same bound):
 * what the byte writers (`EntryWriter.addSample`, `addSeries`, `addBytes`) copy into an
 * answer. Encoding the text per answer (a `TextEncoder.encodeInto` call, and the
 * flattening of the entry's joined string before it) was most of the cost of writing an
 * instant vector.
 */
const recentLabelBytes = new Map<Labels, Uint8Array>();
const utf8 = new TextEncoder();
const labelsJsonBytes = (ls: Labels): Uint8Array => utf8.encode(labelsJson(ls));

export function recentLabelsBytes(ls: Labels): Uint8Array {
  return getOrMake(recentLabelBytes, ls, RECENT_LABELS_MAX, labelsJsonBytes);
}

/** A label set as a JSON object, in label order. */
export function labelsJson(ls: Labels): string {
  let out = '{';
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i]!;
    if (i > 0) out += ',';
    out += jsonString(l.name) + ':' + jsonString(l.value);
  }
  return out + '}';
}
