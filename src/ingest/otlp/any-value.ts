/**
 * `AnyValue` to string as the collector's pdata `Value.AsString()` does it, which both
 * upstreams use: Prometheus's translator for label values, Loki for structured metadata
 * and log lines. Strings as they are; bools `true`/`false`; ints in decimal; doubles in
 * the ES6 number form (which `String(number)` is); bytes in standard base64; maps and
 * arrays as Go's `json.Marshal` writes their raw form (map keys sorted, `<>&` escaped as
 * `\u003c…`); the empty value `""`.
 */
import type { AnyValue, KeyValue } from './types.js';

/** Go's `json.Marshal` string escaping, with its default HTML-safe escapes. */
function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A double as Go's JSON encoder writes it; NaN and ±Inf are not JSON, as pdata reports. */
function goJsonFloat(f: number): string {
  if (!Number.isFinite(f)) return `json: unsupported value: ${Number.isNaN(f) ? 'NaN' : f > 0 ? '+Inf' : '-Inf'}`;
  return String(f);
}

function rawJson(v: AnyValue): string {
  if ('stringValue' in v) return goJsonString(v.stringValue);
  if ('boolValue' in v) return String(v.boolValue);
  if ('intValue' in v) return v.intValue.toString();
  if ('doubleValue' in v) return Number.isFinite(v.doubleValue) ? String(v.doubleValue) : 'null';
  if ('bytesValue' in v) return goJsonString(Buffer.from(v.bytesValue).toString('base64'));
  if ('arrayValue' in v) return `[${v.arrayValue.values.map(rawJson).join(',')}]`;
  if ('kvlistValue' in v) return mapJson(v.kvlistValue.values);
  return 'null';
}

/** A kvlist as Go marshals a `map[string]any`: keys sorted, the last of duplicates wins. */
function mapJson(kvs: readonly KeyValue[]): string {
  const m = new Map<string, AnyValue>();
  for (const kv of kvs) m.set(kv.key, kv.value);
  const keys = [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${goJsonString(k)}:${rawJson(m.get(k)!)}`).join(',')}}`;
}

/** The string form of an attribute value (pdata `Value.AsString`). */
export function anyValueAsString(v: AnyValue): string {
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return String(v.boolValue);
  if ('intValue' in v) return v.intValue.toString();
  if ('doubleValue' in v) return goJsonFloat(v.doubleValue);
  if ('bytesValue' in v) return Buffer.from(v.bytesValue).toString('base64');
  if ('arrayValue' in v) return `[${v.arrayValue.values.map(rawJson).join(',')}]`;
  if ('kvlistValue' in v) return mapJson(v.kvlistValue.values);
  return '';
}
