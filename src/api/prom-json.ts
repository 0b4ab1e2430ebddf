/**
 * PromQL values in the Prometheus API's JSON (`util/jsonutil/marshal.go`): timestamps as
 * JSON numbers of seconds (at most 3 decimals), sample values as strings in Go's shortest
 * round-trip form — fixed notation, exponent form below 1e-6 and from 1e21, `NaN`, `+Inf`,
 * `-Inf`. Labels as objects; a series without labels is `{}`.
 */
import { labelsToObject } from '../model/labels.js';
import type { Value } from '../promql/value.js';

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

/** `data` of a query response: `{resultType, result}`. */
export function queryData(value: Value): { resultType: string; result: unknown } {
  switch (value.type) {
    case 'scalar':
      return { resultType: 'scalar', result: [formatTime(value.t), formatSampleValue(value.v)] };
    case 'string':
      return { resultType: 'string', result: [formatTime(value.t), value.v] };
    case 'vector':
      return {
        resultType: 'vector',
        result: value.vector.map((s) => ({ metric: labelsToObject(s.metric), value: [formatTime(s.t), formatSampleValue(s.v)] })),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: value.matrix.map((s) => ({ metric: labelsToObject(s.metric), values: s.points.map((p) => [formatTime(p.t), formatSampleValue(p.v)]) })),
      };
  }
}
