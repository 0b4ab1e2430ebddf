/**
 * PromQL values in the Prometheus API's JSON (`util/jsonutil/marshal.go`): timestamps as
 * JSON numbers of seconds (at most 3 decimals), sample values as strings in Go's shortest
 * round-trip form — fixed notation, exponent form below 1e-6 and from 1e21, `NaN`, `+Inf`,
 * `-Inf`. Labels as objects; a series without labels is `{}`.
 */
import type { Labels } from '../model/labels.js';
import type { ColumnSeries, Value } from '../promql/value.js';

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

/**
 * The whole body of a successful query response, `{"status":"success","data":...}`, with
 * the bytes `JSON.stringify` gives for `{status, data: {resultType, result}}` with labels as
 * objects and samples as `[seconds, "value"]` arrays, written directly: a range query
 * over thousands of series answers hundreds of thousands of points, and building a
 * `[t, "v"]` array per point for the serializer to walk cost more than the query itself
 * took to evaluate them (and their garbage). Label names and values go through
 * `JSON.stringify` for escaping; numbers print as JSON prints them.
 */
export function querySuccessBody(value: Value): string {
  return `{"status":"success","data":${queryDataJson(value)}}`;
}

/** `querySuccessBody` of a range query's matrix given as columns (`Engine.rangeQueryColumns`). */
export function rangeSuccessBody(series: readonly ColumnSeries[]): string {
  return `{"status":"success","data":${matrixJson(series)}}`;
}

function queryDataJson(value: Value): string {
  switch (value.type) {
    case 'scalar':
      return `{"resultType":"scalar","result":${sampleJson(value.t, value.v)}}`;
    case 'string':
      return `{"resultType":"string","result":[${formatTime(value.t)},${JSON.stringify(value.v)}]}`;
    case 'vector': {
      const parts: string[] = [];
      for (const s of value.vector) parts.push(`{"metric":${labelsJson(s.metric)},"value":${sampleJson(s.t, s.v)}}`);
      return `{"resultType":"vector","result":[${parts.join(',')}]}`;
    }
    case 'matrix':
      // A range-vector expression at an instant: rare and small, so through columns too.
      return matrixJson(value.matrix.map((m) => ({ metric: m.metric, t: m.points.map((p) => p.t), v: m.points.map((p) => p.v) })));
  }
}

/** `{"resultType":"matrix","result":[...]}` from columns. */
function matrixJson(series: readonly ColumnSeries[]): string {
  const parts: string[] = [];
  for (const s of series) {
    const { t, v } = s;
    const values = new Array<string>(t.length);
    for (let i = 0; i < t.length; i++) values[i] = sampleJson(t[i]!, v[i]!);
    parts.push(`{"metric":${labelsJson(s.metric)},"values":[${values.join(',')}]}`);
  }
  return `{"resultType":"matrix","result":[${parts.join(',')}]}`;
}

/** `[seconds,"value"]`: the value string needs no escaping (digits, sign, '.', 'e', NaN, Inf). */
function sampleJson(tMs: number, v: number): string {
  return `[${formatTime(tMs)},"${formatSampleValue(v)}"]`;
}

/** A label set as a JSON object, in label order. */
export function labelsJson(ls: Labels): string {
  let out = '{';
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i]!;
    out += `${i === 0 ? '' : ','}${JSON.stringify(l.name)}:${JSON.stringify(l.value)}`;
  }
  return `${out}}`;
}
