/**
 * LogQL results in Loki's JSON (`pkg/util/marshal/query.go`, `marshal/legacy`): streams
 * as `{"stream": {labels}, "values": [["<ns>", "<line>"(, {categories})]]}`, metric
 * values as Prometheus's `[<seconds>, "<value>"]` with Go's `FormatFloat(v, 'f', -1)`
 * (`model.SampleValue.String`: never an exponent), the `stats` object with Loki's field
 * names, and the legacy `/api/prom` shapes (`labels` as a selector string, entries as
 * `{"ts": RFC3339Nano, "line"}`).
 */
import { formatNs } from '../logstore/entry.js';
import type { Labels } from '../model/labels.js';
import { bytesProcessed, linesProcessed, type LogQLQueryStats, type LogQLValue, type ResultEntry, type ResultStream } from '../logql/engine/types.js';

/** The only encoding flag Loki defines (`httpreq.FlagCategorizeLabels`). */
export const CATEGORIZE_LABELS = 'categorize-labels';

/** A label set as a JSON object; Loki keeps empty values in results. */
export function labelsJson(ls: Labels): Record<string, string> {
  const o: Record<string, string> = {};
  for (const l of ls) o[l.name] = l.value;
  return o;
}

/** Go's `strconv.FormatFloat(v, 'f', -1, 64)` with Prometheus's `NaN`/`+Inf`/`-Inf`. */
export function formatLokiValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const s = String(v);
  if (!s.includes('e')) return s;
  // Expand JS's exponent form (shortest round-trip digits) into fixed notation.
  const [mantissa, expText] = s.split('e') as [string, string];
  const neg = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const pointAt = (mantissa.replace('-', '').indexOf('.') < 0 ? mantissa.replace('-', '').length : mantissa.replace('-', '').indexOf('.')) + Number(expText);
  let out: string;
  if (pointAt <= 0) out = `0.${'0'.repeat(-pointAt)}${digits}`;
  else if (pointAt >= digits.length) out = digits + '0'.repeat(pointAt - digits.length);
  else out = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  return neg ? `-${out}` : out;
}

/** A sample time (ms) as Prometheus's JSON seconds. */
function seconds(tMs: number): number {
  return tMs / 1000;
}

type ValueTuple = [string, string] | [string, string, Record<string, Record<string, string>>];

function entryJson(e: ResultEntry, categorize: boolean): ValueTuple {
  const ts = formatNs(e.tMs, e.tNs);
  if (!categorize) return [ts, e.line];
  const cat: Record<string, Record<string, string>> = {};
  if (e.structuredMetadata !== undefined && e.structuredMetadata.length > 0) cat.structuredMetadata = labelsJson(e.structuredMetadata);
  if (e.parsed !== undefined && e.parsed.length > 0) cat.parsed = labelsJson(e.parsed);
  return [ts, e.line, cat];
}

/** Streams in v1 JSON (also the tail frames' `streams`). */
export function streamsJson(streams: readonly ResultStream[], categorize: boolean): { stream: Record<string, string>; values: ValueTuple[] }[] {
  return streams.map((s) => ({ stream: labelsJson(s.labels), values: s.entries.map((e) => entryJson(e, categorize)) }));
}

/** `data.result` of a query response. */
export function resultJson(v: LogQLValue, categorize: boolean): unknown {
  switch (v.type) {
    case 'streams':
      return streamsJson(v.streams, categorize);
    case 'matrix':
      return v.series.map((s) => ({ metric: labelsJson(s.labels), values: s.points.map((p) => [seconds(p.tMs), formatLokiValue(p.v)]) }));
    case 'vector':
      return v.samples.map((s) => ({ metric: labelsJson(s.labels), value: [seconds(s.tMs), formatLokiValue(s.v)] }));
    case 'scalar':
      return [seconds(v.tMs), formatLokiValue(v.v)];
  }
}

function zeroCache(): Record<string, number> {
  return { entriesFound: 0, entriesRequested: 0, entriesStored: 0, bytesReceived: 0, bytesSent: 0, requests: 0, downloadTime: 0, queryLengthServed: 0 };
}

function storeStats(s: LogQLQueryStats | undefined): Record<string, unknown> {
  const k = s?.store;
  return {
    totalChunksRef: k?.chunksRef ?? 0,
    totalChunksDownloaded: k?.chunksDecoded ?? 0,
    chunksDownloadTime: 0,
    queryReferencedStructuredMetadata: false,
    chunk: {
      headChunkBytes: k?.headChunkBytes ?? 0,
      headChunkLines: k?.headChunkLines ?? 0,
      decompressedBytes: k?.decompressedBytes ?? 0,
      decompressedLines: k?.decompressedLines ?? 0,
      compressedBytes: k?.compressedBytes ?? 0,
      totalDuplicates: 0,
      postFilterLines: 0,
      headChunkStructuredMetadataBytes: 0,
      decompressedStructuredMetadataBytes: 0,
    },
    chunkRefsFetchTime: 0,
    congestionControlLatency: 0,
    pipelineWrapperFilteredLines: 0,
  };
}

/**
 * Loki's `stats.Result` with its field names: the summary and the querier's store part
 * are filled from what the engine measured (one process: everything is the querier's),
 * the ingester, cache and index parts are zero, as Loki reports for work it did not do.
 */
export function statsJson(s: LogQLQueryStats | undefined): Record<string, unknown> {
  const exec = s?.execTimeS ?? 0;
  const bytes = s === undefined ? 0 : bytesProcessed(s);
  const lines = s === undefined ? 0 : linesProcessed(s);
  return {
    summary: {
      bytesProcessedPerSecond: exec > 0 ? Math.trunc(bytes / exec) : 0,
      linesProcessedPerSecond: exec > 0 ? Math.trunc(lines / exec) : 0,
      totalBytesProcessed: bytes,
      totalLinesProcessed: lines,
      execTime: exec,
      queueTime: 0,
      subqueries: 0,
      totalEntriesReturned: s?.entriesReturned ?? 0,
      splits: 0,
      shards: 0,
      totalPostFilterLines: 0,
      totalStructuredMetadataBytesProcessed: 0,
    },
    querier: { store: storeStats(s) },
    ingester: { totalReached: 0, totalChunksMatched: 0, totalBatches: 0, totalLinesSent: 0, store: storeStats(undefined) },
    cache: {
      chunk: zeroCache(),
      index: zeroCache(),
      result: zeroCache(),
      statsResult: zeroCache(),
      volumeResult: zeroCache(),
      seriesResult: zeroCache(),
      labelResult: zeroCache(),
      instantMetricResult: zeroCache(),
    },
    index: { totalChunks: 0, postFilterChunks: 0, shardsDuration: 0, usedBloomFilters: false },
  };
}

/** `data` of a v1 query response: `{resultType, (encodingFlags), result, stats}`. */
export function queryDataJson(v: LogQLValue, stats: LogQLQueryStats, categorize: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { resultType: v.type };
  if (categorize) out.encodingFlags = [CATEGORIZE_LABELS];
  out.result = resultJson(v, categorize);
  out.stats = statsJson(stats);
  return out;
}

/** Go's `time.Time.Format(time.RFC3339Nano)` in UTC: fraction without trailing zeros. */
export function formatRfc3339Nano(tMs: number, tNs: number): string {
  const floorS = Math.floor(tMs / 1000);
  const msInS = tMs - floorS * 1000;
  const iso = new Date(floorS * 1000).toISOString().replace('.000Z', '');
  const frac = String(msInS * 1_000_000 + tNs).padStart(9, '0').replace(/0+$/, '');
  return `${iso}${frac === '' ? '' : `.${frac}`}Z`;
}

/** A label set as Loki prints a stream: `{a="b", c="d"}` (Go quoting). */
export function formatStreamLabels(ls: Labels): string {
  return '{' + ls.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ') + '}';
}

/** The legacy (`/api/prom`) streams: `[{labels: "{…}", entries: [{ts, line}]}]`. */
export function legacyStreamsJson(streams: readonly ResultStream[]): { labels: string; entries: { ts: string; line: string }[] }[] {
  return streams.map((s) => ({ labels: formatStreamLabels(s.labels), entries: s.entries.map((e) => ({ ts: formatRfc3339Nano(e.tMs, e.tNs), line: e.line })) }));
}

/** An entry the tail could not deliver (Loki's `DroppedStream`). */
export interface DroppedEntry {
  readonly labels: Labels;
  readonly tMs: number;
  readonly tNs: number;
}

/** A v1 tail frame: `{"streams": [...], "dropped_entries": [...] | null}`. */
export function tailFrameJson(streams: readonly ResultStream[], dropped: readonly DroppedEntry[], categorize: boolean): string {
  const frame: Record<string, unknown> = {
    streams: streamsJson(streams, categorize),
    dropped_entries: dropped.length === 0 ? null : dropped.map((d) => ({ timestamp: formatNs(d.tMs, d.tNs), labels: labelsJson(d.labels) })),
  };
  if (categorize) frame.encodingFlags = [CATEGORIZE_LABELS];
  return JSON.stringify(frame);
}

/** A legacy tail frame (`/api/prom/tail`): `{"streams": [{labels, entries}], "dropped_entries": [{Timestamp, Labels}] | null}`. */
export function legacyTailFrameJson(streams: readonly ResultStream[], dropped: readonly DroppedEntry[]): string {
  return JSON.stringify({
    streams: legacyStreamsJson(streams),
    dropped_entries: dropped.length === 0 ? null : dropped.map((d) => ({ Timestamp: formatRfc3339Nano(d.tMs, d.tNs), Labels: formatStreamLabels(d.labels) })),
  });
}
