/**
 * OTLP logs → Loki push streams, as Loki 3 maps them on `POST /otlp/v1/logs`.
 *
 * What Loki does, and where it says so:
 * - pkg/loghttp/push/otlp.go (`otlpToLokiPushRequest`, `otlpLogToPushEntry`,
 *   `attributeToLabels`, `timestampFromLogRecord`) and pkg/loghttp/push/otlp_config.go
 *   (`blessedAttributes`, `DefaultOTLPConfig`, `actionForAttribute`) in grafana/loki;
 *   docs: grafana.com/docs/loki/latest/send-data/otel/ ("Format considerations").
 * - Stream labels: the resource attributes named in the tenant's list (Loki's
 *   `default_resource_attributes_as_index_labels`, `limits.otlp_resource_attributes_as_index_labels`
 *   here) by their OTLP names; by default service.name, service.namespace,
 *   service.instance.id, deployment.environment, cloud.region, cloud.availability_zone,
 *   k8s.cluster.name, k8s.namespace.name, k8s.pod.name, k8s.container.name,
 *   container.name, k8s.replicaset.name, k8s.deployment.name, k8s.statefulset.name,
 *   k8s.daemonset.name, k8s.cronjob.name, k8s.job.name. Resources whose labels come out
 *   the same share one stream.
 * - Names: every attribute key goes through otlptranslator's `NormalizeLabel` (anything
 *   but `[A-Za-z0-9_]` becomes `_`, `key_`/`key` before a leading digit or single `_`):
 *   `service.name` → `service_name`. A map value is flattened, one pair per leaf,
 *   `parent_child` (logs-values.ts).
 * - service_name: with `discover_service_name` on (a non-empty list) and no non-empty
 *   `service.name` attribute, the first index label (in attribute order) whose name is in
 *   that list gives `service_name`; failing that, `service_name="unknown_service"`.
 * - Structured metadata, per entry, in this order: the log record's attributes; then
 *   `observed_timestamp` (decimal ns, only when both timestamps are set), `severity_number`
 *   (decimal, unless 0), `severity_text`, `dropped_attributes_count`, `flags` (unless 0),
 *   `trace_id`, `span_id` (lowercase hex, unless absent or all zero); then the resource
 *   attributes that are not stream labels; then the scope's attributes, `scope_name`,
 *   `scope_version`, `scope_dropped_attributes_count` (each unless empty or 0).
 *   `event_name` and the resource's dropped-attributes count are not kept (Loki neither).
 * - Line: the body's pdata `AsString()` — a string as it is, numbers and booleans as text,
 *   bytes in base64, maps and arrays as JSON, no body as `''`.
 * - Timestamp: `time_unix_nano`, else `observed_time_unix_nano`, else now.
 * - Level: Loki's distributor then adds `detected_level` (logs-level.ts): from a level
 *   field (`severity_text` among them), else `severity_number`, else the line.
 *
 * Where Cairn differs: metadata names repeated within an entry keep the last value (at the
 * first one's place), as Cairn's log store holds unique names; a time at or beyond 2^63 ns,
 * which wraps to before 1970 in Loki, is taken as the epoch (and refused as too old);
 * `detected_level` counts against `max_structured_metadata_entries_count`/`_size` (Loki adds
 * it after validation); only the index-label list of Loki's `otlp_config` is configurable
 * (no per-attribute `drop`, no regexes, no scope or log attribute rules).
 */
import { normaliseMetadata } from '../loki/decode-proto.js';
import { mapLabelsError } from '../loki/selector-labels.js';
import { compareByName, type Label } from '../../model/labels.js';
import type { LogEntry } from '../../logstore/entry.js';
import type { PushRequest, PushStream } from '../loki/types.js';
import { SERVICE_NAME } from '../loki-validate.js';
import { detectLevel } from './logs-level.js';
import { anyValueAsString } from './any-value.js';
import { attributeLabels } from './logs-values.js';
import type { ExportLogsServiceRequest, InstrumentationScope, KeyValue, LogRecord } from './types.js';

/** Loki's `blessedAttributes`: resource attributes that become stream labels by default. */
export const DEFAULT_INDEX_LABEL_ATTRIBUTES: readonly string[] = [
  'service.name',
  'service.namespace',
  'service.instance.id',
  'deployment.environment',
  'cloud.region',
  'cloud.availability_zone',
  'k8s.cluster.name',
  'k8s.namespace.name',
  'k8s.pod.name',
  'k8s.container.name',
  'container.name',
  'k8s.replicaset.name',
  'k8s.deployment.name',
  'k8s.statefulset.name',
  'k8s.daemonset.name',
  'k8s.cronjob.name',
  'k8s.job.name',
];

/** Loki's `ServiceUnknown`. */
const UNKNOWN_SERVICE = 'unknown_service';
const NS_PER_MS = 1_000_000n;
/** Times at or past 2^63 ns wrap negative in Loki's int64 conversion. */
const INT64_LIMIT = 1n << 63n;

/** How a tenant's OTLP logs are mapped. */
export interface OtlpLogsTranslateOptions {
  /** Resource attribute names (OTLP spelling) that become stream labels. */
  readonly indexLabels: ReadonlySet<string>;
  /** Loki's `discover_service_name` label names; [] turns discovery off. */
  readonly discoverServiceName: readonly string[];
  /** Now, in ms, for records without any timestamp. */
  readonly nowMs: () => number;
}

/** Parses the comma-separated `otlp_resource_attributes_as_index_labels` value. */
export function parseIndexLabelList(text: string): ReadonlySet<string> {
  return new Set(
    text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );
}

/** The stream's key text: sorted labels as `{a="b", c="d"}` (JSON quoting keeps texts of different lists apart). */
function labelsText(labels: readonly Label[]): string {
  return '{' + labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ') + '}';
}

/** Splits a ns time into the store's (ms, ns-within-ms) pair; see the header for ≥ 2^63. */
function splitNs(ns: bigint): { tMs: number; tNs: number } {
  if (ns >= INT64_LIMIT) return { tMs: 0, tNs: 0 };
  return { tMs: Number(ns / NS_PER_MS), tNs: Number(ns % NS_PER_MS) };
}

/** A trace or span id as Loki keeps it: the hex, unless absent or all zero (pdata's `IsEmpty`). */
function idText(hex: string): string | undefined {
  return /^0*$/.test(hex) ? undefined : hex.toLowerCase();
}

/** The log record's own pairs (`otlpLogToPushEntry`), before the resource's and scope's. */
function recordMetadata(log: LogRecord, out: Label[]): void {
  for (const kv of log.attributes) attributeLabels(kv.key, kv.value, '', out);
  if (log.timeUnixNano !== 0n && log.observedTimeUnixNano !== 0n) {
    out.push({ name: 'observed_timestamp', value: BigInt.asIntN(64, log.observedTimeUnixNano).toString() });
  }
  if (log.severityNumber !== 0) out.push({ name: 'severity_number', value: String(log.severityNumber) });
  if (log.severityText !== '') out.push({ name: 'severity_text', value: log.severityText });
  if (log.droppedAttributesCount !== 0) out.push({ name: 'dropped_attributes_count', value: String(log.droppedAttributesCount) });
  if (log.flags !== 0) out.push({ name: 'flags', value: String(log.flags >>> 0) });
  const traceId = idText(log.traceId);
  if (traceId !== undefined) out.push({ name: 'trace_id', value: traceId });
  const spanId = idText(log.spanId);
  if (spanId !== undefined) out.push({ name: 'span_id', value: spanId });
}

/** The scope's pairs: its attributes, then name, version and dropped count. */
function scopeMetadata(scope: InstrumentationScope): Label[] {
  const out: Label[] = [];
  for (const kv of scope.attributes) attributeLabels(kv.key, kv.value, '', out);
  if (scope.name !== '') out.push({ name: 'scope_name', value: scope.name });
  if (scope.version !== '') out.push({ name: 'scope_version', value: scope.version });
  if (scope.droppedAttributesCount !== 0) out.push({ name: 'scope_dropped_attributes_count', value: String(scope.droppedAttributesCount) });
  return out;
}

/** The stream labels of one resource and its leftover attributes as metadata. */
function resourceLabels(attributes: readonly KeyValue[], opts: OtlpLogsTranslateOptions): { labels: Label[]; metadata: Label[] } {
  const stream = new Map<string, string>();
  const metadata: Label[] = [];
  const discover = opts.discoverServiceName;
  let hasServiceName = attributes.some((kv) => kv.key === 'service.name' && anyValueAsString(kv.value) !== '');
  const pairs: Label[] = [];
  for (const kv of attributes) {
    pairs.length = 0;
    attributeLabels(kv.key, kv.value, '', pairs);
    if (!opts.indexLabels.has(kv.key)) {
      metadata.push(...pairs);
      continue;
    }
    for (const l of pairs) {
      stream.set(l.name, l.value);
      if (!hasServiceName && discover.length > 0 && discover.includes(l.name)) {
        stream.set(SERVICE_NAME, l.value);
        hasServiceName = true;
      }
    }
  }
  if (!hasServiceName && discover.length > 0) stream.set(SERVICE_NAME, UNKNOWN_SERVICE);
  const labels = [...stream].map(([name, value]) => ({ name, value }));
  labels.sort(compareByName);
  return { labels, metadata };
}

/**
 * Maps a decoded `ExportLogsServiceRequest` to Loki push streams, in the order their
 * labels first appear, each with its entries in request order. Labels and entries are not
 * validated here: the Loki ingester applies the tenant's rules (a resource without any
 * stream label, with discovery off, yields a stream with no labels, which it refuses).
 * Never throws for any decoded request.
 */
export function translateOtlpLogs(req: ExportLogsServiceRequest, opts: OtlpLogsTranslateOptions): PushRequest {
  const byText = new Map<string, PushStream & { entries: LogEntry[] }>();
  let now: number | undefined;
  for (const rl of req.resourceLogs) {
    const { labels, metadata: resourceMeta } = resourceLabels(rl.resource.attributes, opts);
    const text = labelsText(labels);
    for (const sl of rl.scopeLogs) {
      if (sl.logRecords.length === 0) continue;
      let stream = byText.get(text);
      if (stream === undefined) {
        // Loki prints these labels and parses the text as every stream's, refusing U+FFFD in a value.
        const labelsError = mapLabelsError(labels);
        stream = labelsError === undefined ? { labels, labelsText: text, entries: [] } : { labels, labelsText: text, labelsError, entries: [] };
        byText.set(text, stream);
      }
      const scopeMeta = scopeMetadata(sl.scope);
      for (const log of sl.logRecords) {
        const pairs: Label[] = [];
        recordMetadata(log, pairs);
        pairs.push(...resourceMeta, ...scopeMeta);
        // Cairn's log store holds unique metadata names: the last value wins, at the first one's place.
        let metadata: readonly Label[] = normaliseMetadata(pairs);
        const line = anyValueAsString(log.body);
        const level = detectLevel(labels, metadata, line);
        if (level.normalized !== undefined) metadata = level.normalized;
        else if (level.add !== undefined) metadata = [...metadata, level.add];
        let t: { tMs: number; tNs: number };
        if (log.timeUnixNano !== 0n) t = splitNs(log.timeUnixNano);
        else if (log.observedTimeUnixNano !== 0n) t = splitNs(log.observedTimeUnixNano);
        else t = { tMs: (now ??= opts.nowMs()), tNs: 0 };
        const entry: LogEntry = { tMs: t.tMs, tNs: t.tNs, line, metadata };
        stream.entries.push(entry);
      }
    }
  }
  return { streams: [...byText.values()] };
}
