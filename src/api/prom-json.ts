/**
 * PromQL values in the Prometheus API's JSON (`util/jsonutil/marshal.go`): samples as
 * `promql/value-json.ts` writes them, labels as objects; a series without labels is `{}`.
 */
import type { Labels } from '../model/labels.js';
import type { ColumnSeries, Value, Vector } from '../promql/value.js';
import { formatTime, matrixEntry, matrixEntryHead, recentLabelsBytes, recentLabelsJson, sampleJson } from '../promql/value-json.js';
import { entriesJsonOnWorkers } from '../promql/parallel/points-json.js';
import { giveBackRuns } from '../promql/parallel/answer-slabs.js';
import { markUnchanging } from './compression.js';
import { EntryWriter, type LentBytes } from '../promql/entry-writer.js';
import type { QueryWorkers } from '../promql/parallel/query-workers.js';

export { formatSampleValue, formatTime, labelsJson, recentLabelsBytes, recentLabelsJson } from '../promql/value-json.js';

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

/**
 * `querySuccessBody` of an instant vector, as UTF-8 bytes lent as `rangeSuccessBody`'s
 * are: an answer of thousands of series was a string of a few hundred kilobytes joined
 * from as many parts, then encoded again to be sent.
 */
export function vectorSuccessBody(vector: Vector): LentBytes {
  const out = new EntryWriter(undefined, VECTOR_HEAD);
  for (const s of vector) out.addSample(recentLabelsBytes(s.metric), s.t, s.v);
  return out.lend(VECTOR_TAIL);
}

/** The series API's answer, a list of label sets, as UTF-8 bytes lent as `vectorSuccessBody`'s are. */
export function labelSetsSuccessBody(sets: readonly Labels[]): LentBytes {
  const out = new EntryWriter(undefined, LIST_HEAD);
  for (const ls of sets) out.addBytes(recentLabelsBytes(ls));
  return out.lend(LIST_TAIL);
}

/**
 * The answer of the labels and label values APIs, a sorted list of strings. Written once
 * per list: the head hands out the same list until a name or value comes or goes, so a
 * dashboard asking again for the same `instance` values gets the bytes written last time
 * (and, marked unchanging, their gzip compressed last time: compression.ts).
 * The cache holds a list's bytes only as long as the list itself lives.
 */
export function stringsSuccessBody(list: readonly string[]): Buffer {
  let body = stringBodies.get(list);
  if (body === undefined) stringBodies.set(list, (body = markUnchanging(Buffer.from(JSON.stringify({ status: 'success', data: list })))));
  return body;
}

const stringBodies = new WeakMap<readonly string[], Buffer>();

const LIST_HEAD = Buffer.from('{"status":"success","data":[');
const LIST_TAIL = Buffer.from(']}');
const VECTOR_HEAD = Buffer.from('{"status":"success","data":{"resultType":"vector","result":[');
const VECTOR_TAIL = Buffer.from(']}}');

/**
 * `querySuccessBody` of a range query's matrix given as columns (`Engine.rangeQueryColumns`),
 * as UTF-8 bytes lent out of the writer's buffer (`EntryWriter.lend`): release them once sent.
 */
export function rangeSuccessBody(series: readonly ColumnSeries[]): LentBytes {
  const out = new EntryWriter(undefined, MATRIX_HEAD);
  for (const s of series) out.addSeries(recentLabelsBytes(s.metric), s.t, s.v, 0, s.t.length);
  return out.lend(MATRIX_TAIL);
}

const MATRIX_HEAD = Buffer.from('{"status":"success","data":{"resultType":"matrix","result":[');
const MATRIX_TAIL = Buffer.from(']}}');
const COMMA = Buffer.from(',');

/**
 * `rangeSuccessBody` with the series written on the query workers (`entriesJsonOnWorkers`),
 * as UTF-8 bytes: for answers of many points, whose number formatting takes longer than
 * the query.
 */
export async function rangeSuccessBodyOnWorkers(series: readonly ColumnSeries[], workers: QueryWorkers): Promise<LentBytes> {
  return matrixSuccessBody(await entriesJsonOnWorkers(series, workers, entryHead));
}

/**
 * A successful range query's body around runs of matrix entries written elsewhere (UTF-8,
 * comma-separated within a run), lent as `rangeSuccessBody`'s is: the runs are copied into
 * a reused buffer rather than concatenated into a new one. Runs in the query workers'
 * slabs (answer-slabs.ts) are handed back once copied: the caller must not read them after.
 */
export function matrixSuccessBody(runs: readonly Uint8Array[]): LentBytes {
  const out = new EntryWriter(undefined, MATRIX_HEAD);
  for (const r of runs) {
    if (r.length === 0) continue;
    if (!out.empty) out.raw(COMMA);
    out.raw(r);
  }
  giveBackRuns(runs);
  return out.lend(MATRIX_TAIL);
}

/** A series' matrix entry up to its points. */
function entryHead(s: ColumnSeries): string {
  return matrixEntryHead(s.metric, recentLabelsJson);
}

/** The points of all series. */
export function pointCount(series: readonly ColumnSeries[]): number {
  let n = 0;
  for (const s of series) n += s.t.length;
  return n;
}

function queryDataJson(value: Value): string {
  switch (value.type) {
    case 'scalar':
      return `{"resultType":"scalar","result":${sampleJson(value.t, value.v)}}`;
    case 'string':
      return `{"resultType":"string","result":[${formatTime(value.t)},${JSON.stringify(value.v)}]}`;
    case 'vector': {
      const parts: string[] = [];
      for (const s of value.vector) parts.push(`{"metric":${recentLabelsJson(s.metric)},"value":${sampleJson(s.t, s.v)}}`);
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
  for (const s of series) parts.push(matrixEntry(entryHead(s), s.t, s.v, 0, s.t.length));
  return `{"resultType":"matrix","result":[${parts.join(',')}]}`;
}

