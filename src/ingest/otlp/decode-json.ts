/**
 * OTLP-JSON decoding (the OTLP/HTTP JSON encoding: protobuf's JSON mapping with OTLP's
 * exceptions) of `ExportMetricsServiceRequest` and `ExportLogsServiceRequest` into the
 * plain shape of `types.ts`, so that both wires yield the same objects.
 *
 * Accepted as protojson (and the collector's pdata reader) accept it: lowerCamelCase or
 * the proto's snake_case keys; 64-bit integers as JSON numbers or decimal strings;
 * doubles as numbers or the strings `"NaN"`, `"Infinity"`, `"-Infinity"`; enums as
 * integers or their names; `traceId`/`spanId` as hex (OTLP's exception to base64);
 * `bytesValue` as base64; `null` as absent. Unknown keys are ignored. A value of the wrong
 * JSON type is a `json_invalid` 400 naming the field.
 */
import { CairnError } from '../../util/errors.js';
import { MAX_ANY_VALUE_DEPTH } from './decode-proto.js';
import type {
  AnyValue,
  ExponentialHistogramBuckets,
  Exemplar,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  InstrumentationScope,
  KeyValue,
  LogRecord,
  Metric,
  NumberDataPoint,
  Resource,
} from './types.js';

type Obj = Record<string, unknown>;

function invalid(detail: string): CairnError {
  return new CairnError('bad_data', 'json_invalid', `failed to decode the OTLP JSON request: ${detail}`);
}

/** `camelCase` of a snake_case key. */
function snake(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** The value under `key` (camelCase) or its snake_case spelling; `null` counts as absent. */
function get(o: Obj, key: string): unknown {
  let v = o[key];
  if (v === undefined) {
    const s = snake(key);
    if (s !== key) v = o[s];
  }
  return v === null ? undefined : v;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(o: Obj, key: string, where: string): Obj | undefined {
  const v = get(o, key);
  if (v === undefined) return undefined;
  if (!isObj(v)) throw invalid(`${where}.${key} must be an object`);
  return v;
}

function arr(o: Obj, key: string, where: string): unknown[] {
  const v = get(o, key);
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw invalid(`${where}.${key} must be an array`);
  return v;
}

function objs(o: Obj, key: string, where: string): Obj[] {
  const a = arr(o, key, where);
  for (const x of a) if (!isObj(x)) throw invalid(`${where}.${key} must be an array of objects`);
  return a as Obj[];
}

function str(o: Obj, key: string, where: string): string {
  const v = get(o, key);
  if (v === undefined) return '';
  if (typeof v !== 'string') throw invalid(`${where}.${key} must be a string`);
  return v;
}

function bool(o: Obj, key: string, where: string): boolean {
  const v = get(o, key);
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw invalid(`${where}.${key} must be a boolean`);
  return v;
}

const INT_RE = /^-?\d+$/;

/** A 64-bit integer from a JSON number or decimal string; `unsigned` bounds it to uint64. */
function bigintOf(v: unknown, what: string, unsigned: boolean): bigint {
  let n: bigint;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw invalid(`${what} must be an integer, got ${v}`);
    n = BigInt(v);
  } else if (typeof v === 'string' && INT_RE.test(v)) {
    n = BigInt(v);
  } else {
    throw invalid(`${what} must be an integer or a decimal string`);
  }
  const ok = unsigned ? n >= 0n && n < 1n << 64n : n >= -(1n << 63n) && n < 1n << 63n;
  if (!ok) throw invalid(`${what} is out of range for a 64-bit ${unsigned ? 'unsigned ' : ''}integer: ${n}`);
  return n;
}

function u64(o: Obj, key: string, where: string): bigint {
  const v = get(o, key);
  return v === undefined ? 0n : bigintOf(v, `${where}.${key}`, true);
}

function i64(v: unknown, what: string): bigint {
  return bigintOf(v, what, false);
}

/** A 64-bit count as a JS number (see types.ts). */
function count(o: Obj, key: string, where: string): number {
  return Number(u64(o, key, where));
}

/** A 32-bit integer (flags, scale, offsets, dropped counts). */
function int32(o: Obj, key: string, where: string, unsigned: boolean): number {
  const v = get(o, key);
  if (v === undefined) return 0;
  const n = bigintOf(v, `${where}.${key}`, unsigned);
  const ok = unsigned ? n < 1n << 32n : n >= -(1n << 31n) && n < 1n << 31n;
  if (!ok) throw invalid(`${where}.${key} is out of range for a 32-bit integer: ${n}`);
  return Number(n);
}

function doubleOf(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  throw invalid(`${what} must be a number`);
}

function dbl(o: Obj, key: string, where: string): number | undefined {
  const v = get(o, key);
  return v === undefined ? undefined : doubleOf(v, `${where}.${key}`);
}

/** An enum as its integer or its name, from `names` (index = number). */
function enumOf(o: Obj, key: string, where: string, names: readonly string[]): number {
  const v = get(o, key);
  if (v === undefined) return 0;
  if (typeof v === 'string') {
    const i = names.indexOf(v);
    if (i >= 0) return i;
    if (!INT_RE.test(v)) throw invalid(`${where}.${key} has unknown enum value "${v}"`);
  }
  return int32(o, key, where, false);
}

const TEMPORALITY = ['AGGREGATION_TEMPORALITY_UNSPECIFIED', 'AGGREGATION_TEMPORALITY_DELTA', 'AGGREGATION_TEMPORALITY_CUMULATIVE'];
const SEVERITY = [
  'SEVERITY_NUMBER_UNSPECIFIED',
  ...['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((l) => [`SEVERITY_NUMBER_${l}`, `SEVERITY_NUMBER_${l}2`, `SEVERITY_NUMBER_${l}3`, `SEVERITY_NUMBER_${l}4`]),
];

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

/** A trace or span id: hex, as OTLP-JSON sends it; lowercased. */
function hexId(o: Obj, key: string, where: string): string {
  const s = str(o, key, where);
  if (!HEX_RE.test(s)) throw invalid(`${where}.${key} must be a hex string`);
  return s.toLowerCase();
}

const BASE64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;

function anyValue(o: Obj, where: string, depth: number): AnyValue {
  if (depth > MAX_ANY_VALUE_DEPTH) throw invalid(`attribute values nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v === null || v === undefined) continue;
    switch (k) {
      case 'stringValue':
      case 'string_value':
        return { stringValue: str(o, k, where) };
      case 'boolValue':
      case 'bool_value':
        return { boolValue: bool(o, k, where) };
      case 'intValue':
      case 'int_value':
        return { intValue: i64(v, `${where}.intValue`) };
      case 'doubleValue':
      case 'double_value':
        return { doubleValue: doubleOf(v, `${where}.doubleValue`) };
      case 'bytesValue':
      case 'bytes_value': {
        if (typeof v !== 'string' || !BASE64_RE.test(v)) throw invalid(`${where}.bytesValue must be a base64 string`);
        return { bytesValue: new Uint8Array(Buffer.from(v, 'base64')) };
      }
      case 'arrayValue':
      case 'array_value': {
        if (!isObj(v)) throw invalid(`${where}.arrayValue must be an object`);
        const values = objs(v, 'values', `${where}.arrayValue`).map((x) => anyValue(x, `${where}.arrayValue.values`, depth + 1));
        return { arrayValue: { values } };
      }
      case 'kvlistValue':
      case 'kvlist_value': {
        if (!isObj(v)) throw invalid(`${where}.kvlistValue must be an object`);
        const values = objs(v, 'values', `${where}.kvlistValue`).map((x) => keyValue(x, `${where}.kvlistValue.values`, depth + 1));
        return { kvlistValue: { values } };
      }
      default:
      // unknown key: ignored
    }
  }
  return {};
}

function keyValue(o: Obj, where: string, depth: number): KeyValue {
  const value = obj(o, 'value', where);
  return { key: str(o, 'key', where), value: value === undefined ? {} : anyValue(value, `${where}.value`, depth) };
}

function attributes(o: Obj, key: string, where: string): KeyValue[] {
  return objs(o, key, where).map((x) => keyValue(x, `${where}.${key}`, 0));
}

function resource(o: Obj | undefined): Resource {
  if (o === undefined) return { attributes: [], droppedAttributesCount: 0 };
  return { attributes: attributes(o, 'attributes', 'resource'), droppedAttributesCount: int32(o, 'droppedAttributesCount', 'resource', true) };
}

function scope(o: Obj | undefined): InstrumentationScope {
  if (o === undefined) return { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
  return {
    name: str(o, 'name', 'scope'),
    version: str(o, 'version', 'scope'),
    attributes: attributes(o, 'attributes', 'scope'),
    droppedAttributesCount: int32(o, 'droppedAttributesCount', 'scope', true),
  };
}

function exemplar(o: Obj): Exemplar {
  const w = 'exemplar';
  const e: { -readonly [K in keyof Exemplar]: Exemplar[K] } = {
    filteredAttributes: attributes(o, 'filteredAttributes', w),
    timeUnixNano: u64(o, 'timeUnixNano', w),
    spanId: hexId(o, 'spanId', w),
    traceId: hexId(o, 'traceId', w),
  };
  const d = dbl(o, 'asDouble', w);
  if (d !== undefined) e.asDouble = d;
  const i = get(o, 'asInt');
  if (i !== undefined) e.asInt = i64(i, `${w}.asInt`);
  return e;
}

function numberPoint(o: Obj): NumberDataPoint {
  const w = 'dataPoint';
  const p: { -readonly [K in keyof NumberDataPoint]: NumberDataPoint[K] } = {
    attributes: attributes(o, 'attributes', w),
    startTimeUnixNano: u64(o, 'startTimeUnixNano', w),
    timeUnixNano: u64(o, 'timeUnixNano', w),
    exemplars: objs(o, 'exemplars', w).map(exemplar),
    flags: int32(o, 'flags', w, true),
  };
  const d = dbl(o, 'asDouble', w);
  if (d !== undefined) p.asDouble = d;
  const i = get(o, 'asInt');
  if (i !== undefined) p.asInt = i64(i, `${w}.asInt`);
  return p;
}

/** Copies optional doubles that are present. */
function optionalDoubles<T extends object>(target: T, o: Obj, keys: readonly string[], where: string): T {
  for (const k of keys) {
    const v = dbl(o, k, where);
    if (v !== undefined) (target as Record<string, number>)[k] = v;
  }
  return target;
}

function counts(o: Obj, key: string, where: string): number[] {
  return arr(o, key, where).map((v) => Number(bigintOf(v, `${where}.${key}`, true)));
}

function buckets(o: Obj | undefined): ExponentialHistogramBuckets {
  if (o === undefined) return { offset: 0, bucketCounts: [] };
  return { offset: int32(o, 'offset', 'buckets', false), bucketCounts: counts(o, 'bucketCounts', 'buckets') };
}

function metric(o: Obj): Metric {
  const w = `metric`;
  const m: { -readonly [K in keyof Metric]: Metric[K] } = {
    name: str(o, 'name', w),
    description: str(o, 'description', w),
    unit: str(o, 'unit', w),
    metadata: attributes(o, 'metadata', w),
  };
  const gauge = obj(o, 'gauge', w);
  const sum = obj(o, 'sum', w);
  const histogram = obj(o, 'histogram', w);
  const exp = obj(o, 'exponentialHistogram', w);
  const summary = obj(o, 'summary', w);
  if (gauge !== undefined) m.gauge = { dataPoints: objs(gauge, 'dataPoints', 'gauge').map(numberPoint) };
  if (sum !== undefined) {
    m.sum = {
      dataPoints: objs(sum, 'dataPoints', 'sum').map(numberPoint),
      aggregationTemporality: enumOf(sum, 'aggregationTemporality', 'sum', TEMPORALITY),
      isMonotonic: bool(sum, 'isMonotonic', 'sum'),
    };
  }
  if (histogram !== undefined) {
    m.histogram = {
      aggregationTemporality: enumOf(histogram, 'aggregationTemporality', 'histogram', TEMPORALITY),
      dataPoints: objs(histogram, 'dataPoints', 'histogram').map((p) => {
        const ww = 'histogram.dataPoint';
        return optionalDoubles(
          {
            attributes: attributes(p, 'attributes', ww),
            startTimeUnixNano: u64(p, 'startTimeUnixNano', ww),
            timeUnixNano: u64(p, 'timeUnixNano', ww),
            count: count(p, 'count', ww),
            bucketCounts: counts(p, 'bucketCounts', ww),
            explicitBounds: arr(p, 'explicitBounds', ww).map((v) => doubleOf(v, `${ww}.explicitBounds`)),
            exemplars: objs(p, 'exemplars', ww).map(exemplar),
            flags: int32(p, 'flags', ww, true),
          },
          p,
          ['sum', 'min', 'max'],
          ww,
        );
      }),
    };
  }
  if (exp !== undefined) {
    m.exponentialHistogram = {
      aggregationTemporality: enumOf(exp, 'aggregationTemporality', 'exponentialHistogram', TEMPORALITY),
      dataPoints: objs(exp, 'dataPoints', 'exponentialHistogram').map((p) => {
        const ww = 'exponentialHistogram.dataPoint';
        return optionalDoubles(
          {
            attributes: attributes(p, 'attributes', ww),
            startTimeUnixNano: u64(p, 'startTimeUnixNano', ww),
            timeUnixNano: u64(p, 'timeUnixNano', ww),
            count: count(p, 'count', ww),
            scale: int32(p, 'scale', ww, false),
            zeroCount: count(p, 'zeroCount', ww),
            positive: buckets(obj(p, 'positive', ww)),
            negative: buckets(obj(p, 'negative', ww)),
            flags: int32(p, 'flags', ww, true),
            exemplars: objs(p, 'exemplars', ww).map(exemplar),
            zeroThreshold: dbl(p, 'zeroThreshold', ww) ?? 0,
          },
          p,
          ['sum', 'min', 'max'],
          ww,
        );
      }),
    };
  }
  if (summary !== undefined) {
    m.summary = {
      dataPoints: objs(summary, 'dataPoints', 'summary').map((p) => {
        const ww = 'summary.dataPoint';
        return {
          attributes: attributes(p, 'attributes', ww),
          startTimeUnixNano: u64(p, 'startTimeUnixNano', ww),
          timeUnixNano: u64(p, 'timeUnixNano', ww),
          count: count(p, 'count', ww),
          sum: dbl(p, 'sum', ww) ?? 0,
          quantileValues: objs(p, 'quantileValues', ww).map((q) => ({ quantile: dbl(q, 'quantile', ww) ?? 0, value: dbl(q, 'value', ww) ?? 0 })),
          flags: int32(p, 'flags', ww, true),
        };
      }),
    };
  }
  return m;
}

function parse(body: Uint8Array): Obj {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (err) {
    throw invalid((err as Error).message);
  }
  if (!isObj(v)) throw invalid('the body must be a JSON object');
  return v;
}

/** Decodes an OTLP-JSON `ExportMetricsServiceRequest`. Throws a `json_invalid` 400. */
export function decodeMetricsJson(body: Uint8Array): ExportMetricsServiceRequest {
  const root = parse(body);
  return {
    resourceMetrics: objs(root, 'resourceMetrics', 'request').map((rm) => ({
      resource: resource(obj(rm, 'resource', 'resourceMetrics')),
      schemaUrl: str(rm, 'schemaUrl', 'resourceMetrics'),
      scopeMetrics: objs(rm, 'scopeMetrics', 'resourceMetrics').map((sm) => ({
        scope: scope(obj(sm, 'scope', 'scopeMetrics')),
        schemaUrl: str(sm, 'schemaUrl', 'scopeMetrics'),
        metrics: objs(sm, 'metrics', 'scopeMetrics').map(metric),
      })),
    })),
  };
}

function logRecord(o: Obj): LogRecord {
  const w = 'logRecord';
  const body = obj(o, 'body', w);
  return {
    timeUnixNano: u64(o, 'timeUnixNano', w),
    observedTimeUnixNano: u64(o, 'observedTimeUnixNano', w),
    severityNumber: enumOf(o, 'severityNumber', w, SEVERITY),
    severityText: str(o, 'severityText', w),
    body: body === undefined ? {} : anyValue(body, `${w}.body`, 0),
    attributes: attributes(o, 'attributes', w),
    droppedAttributesCount: int32(o, 'droppedAttributesCount', w, true),
    flags: int32(o, 'flags', w, true),
    traceId: hexId(o, 'traceId', w),
    spanId: hexId(o, 'spanId', w),
    eventName: str(o, 'eventName', w),
  };
}

/** Decodes an OTLP-JSON `ExportLogsServiceRequest`. Throws a `json_invalid` 400. */
export function decodeLogsJson(body: Uint8Array): ExportLogsServiceRequest {
  const root = parse(body);
  return {
    resourceLogs: objs(root, 'resourceLogs', 'request').map((rl) => ({
      resource: resource(obj(rl, 'resource', 'resourceLogs')),
      schemaUrl: str(rl, 'schemaUrl', 'resourceLogs'),
      scopeLogs: objs(rl, 'scopeLogs', 'resourceLogs').map((sl) => ({
        scope: scope(obj(sl, 'scope', 'scopeLogs')),
        schemaUrl: str(sl, 'schemaUrl', 'scopeLogs'),
        logRecords: objs(sl, 'logRecords', 'scopeLogs').map(logRecord),
      })),
    })),
  };
}
