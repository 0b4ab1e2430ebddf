/**
 * Loki's write-path validation (`pkg/validation/validate.go`, `pkg/distributor/validator.go`)
 * as pure functions: stream labels (normalised, service name discovered, then the label
 * rules) and entries (age, future, line size, structured metadata). Messages are Loki's,
 * with Cairn's config keys appended so an operator knows what to change.
 */
import type { Limits } from '../config/limits.js';
import { compareByName, type Label, type Labels } from '../model/labels.js';
import { metadataBytes } from '../logstore/entry.js';
import { formatStream } from '../logstore/head-append.js';
import { CairnError } from '../util/errors.js';

/** The limits Loki validation reads. */
export type LokiValidationLimits = Pick<
  Limits,
  | 'maxLabelNamesPerSeries'
  | 'maxLabelNameLength'
  | 'maxLabelValueLength'
  | 'creationGracePeriodMs'
  | 'maxLineSize'
  | 'rejectOldSamples'
  | 'rejectOldSamplesMaxAgeMs'
  | 'retentionPeriodMs'
  | 'maxStructuredMetadataSize'
  | 'maxStructuredMetadataEntriesCount'
>;

/** Loki 3's default `discover_service_name`: labels whose value becomes `service_name`. */
export const DEFAULT_SERVICE_NAME_LABELS: readonly string[] = [
  'service',
  'app',
  'application',
  'app_name',
  'name',
  'app_kubernetes_io_name',
  'container',
  'container_name',
  'k8s_container_name',
  'component',
  'workload',
  'job',
  'k8s_job_name',
];
export const SERVICE_NAME = 'service_name';
const UNKNOWN_SERVICE = 'unknown_service';
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function invalid(reason: string, message: string): CairnError {
  return new CairnError('bad_data', reason, message);
}

/**
 * Sorts labels by name and drops empty values; adds `service_name` from the first of
 * `serviceNameFrom` present (or `unknown_service`) when the stream has labels but no
 * service_name and the list is not empty (Loki 3).
 */
export function normalizeStreamLabels(raw: readonly Label[], serviceNameFrom: readonly string[]): Label[] {
  const out = raw.filter((l) => l.value !== '');
  // A stream sent without labels stays empty (and is refused), not `{service_name="unknown_service"}`.
  if (out.length > 0 && serviceNameFrom.length > 0 && !out.some((l) => l.name === SERVICE_NAME)) {
    let value = UNKNOWN_SERVICE;
    for (const name of serviceNameFrom) {
      const found = out.find((l) => l.name === name);
      if (found !== undefined) {
        value = found.value;
        break;
      }
    }
    out.push({ name: SERVICE_NAME, value });
  }
  out.sort(compareByName);
  return out;
}

/** Validates normalised stream labels; returns the error or undefined. */
export function validateStreamLabels(ls: Labels, limits: LokiValidationLimits): CairnError | undefined {
  if (ls.length === 0) return invalid('missing_labels', 'error at least one label pair is required per stream');
  const stream = formatStream(ls);
  if (ls.length > limits.maxLabelNamesPerSeries) {
    return invalid('max_label_names_per_series', `entry for stream '${stream}' has ${ls.length} label names; limit ${limits.maxLabelNamesPerSeries} (configure limits.max_label_names_per_series)`);
  }
  let last = '';
  for (const l of ls) {
    if (!LABEL_NAME_RE.test(l.name)) return invalid('invalid_labels', `error parsing labels '${stream}' with error: invalid label name '${l.name}'`);
    if (Buffer.byteLength(l.name) > limits.maxLabelNameLength) {
      return invalid('label_name_too_long', `stream '${stream}' has label name too long: '${l.name}' (limit ${limits.maxLabelNameLength} bytes; configure limits.max_label_name_length)`);
    }
    if (Buffer.byteLength(l.value) > limits.maxLabelValueLength) {
      return invalid('label_value_too_long', `stream '${stream}' has label value too long: '${l.value}' (limit ${limits.maxLabelValueLength} bytes; configure limits.max_label_value_length)`);
    }
    if (l.name === last) return invalid('duplicate_label_names', `stream '${stream}' has duplicate label name: '${l.name}'`);
    last = l.name;
  }
  return undefined;
}

/** An RFC 3339 timestamp of an entry time, as Loki prints times in its messages. */
export function formatEntryTime(tMs: number, tNs = 0): string {
  const iso = new Date(tMs).toISOString(); // 2024-01-02T03:04:05.678Z
  if (tNs === 0) return iso.endsWith('.000Z') ? iso.slice(0, -5) + 'Z' : iso;
  const frac = (String(tMs % 1000).padStart(3, '0') + String(tNs).padStart(6, '0')).replace(/0+$/, '');
  return iso.slice(0, 19) + '.' + frac + 'Z';
}

/**
 * The time window entries must fall in now: the oldest accepted (ms; `reject_old_samples`
 * and retention) and the newest (`creation_grace_period`).
 */
export interface EntryWindow {
  readonly oldestMs: number;
  readonly newestMs: number;
  /** Which rule sets `oldestMs`: Loki's max age, or retention (stricter). */
  readonly oldestBy: 'max_age' | 'retention' | 'none';
}

export function entryWindow(nowMs: number, limits: LokiValidationLimits): EntryWindow {
  const byAge = limits.rejectOldSamples && limits.rejectOldSamplesMaxAgeMs > 0 ? nowMs - limits.rejectOldSamplesMaxAgeMs : -Infinity;
  const byRetention = limits.retentionPeriodMs > 0 ? nowMs - limits.retentionPeriodMs : -Infinity;
  const oldestMs = Math.max(byAge, byRetention);
  const oldestBy = oldestMs === -Infinity ? 'none' : byAge >= byRetention ? 'max_age' : 'retention';
  const newestMs = limits.creationGracePeriodMs > 0 ? nowMs + limits.creationGracePeriodMs : Infinity;
  return { oldestMs, newestMs, oldestBy };
}

/**
 * Checks one entry, at (tMs, tNs) with `metadata`; returns the error (not thrown) or
 * undefined. `lineBytes` is the entry's size as stored (`entryBytes`: a protobuf line's
 * raw bytes, as Loki counts a Go string; a JSON line's UTF-8; plus its metadata), which
 * the caller has already.
 */
export function validateEntry(
  tMs: number,
  tNs: number,
  metadata: readonly Label[],
  lineBytes: number,
  stream: Labels,
  w: EntryWindow,
  limits: LokiValidationLimits,
): CairnError | undefined {
  if (tMs < w.oldestMs) {
    const key = w.oldestBy === 'retention' ? 'limits.retention_period' : 'limits.reject_old_samples_max_age';
    return invalid(
      'greater_than_max_sample_age',
      `entry for stream '${formatStream(stream)}' has timestamp too old: ${formatEntryTime(tMs, tNs)}, oldest acceptable timestamp is: ${formatEntryTime(Math.ceil(w.oldestMs))} (configure ${key})`,
    );
  }
  if (tMs > w.newestMs) {
    return invalid('too_far_in_future', `entry for stream '${formatStream(stream)}' has timestamp too new: ${formatEntryTime(tMs, tNs)} (configure limits.creation_grace_period)`);
  }
  if (limits.maxLineSize > 0 && lineBytes > limits.maxLineSize) {
    return invalid(
      'line_too_long',
      `max entry size '${limits.maxLineSize}' bytes exceeded for stream '${formatStream(stream)}' while adding an entry with length '${lineBytes}' bytes (configure limits.max_line_size)`,
    );
  }
  if (metadata.length > 0) {
    if (limits.maxStructuredMetadataEntriesCount > 0 && metadata.length > limits.maxStructuredMetadataEntriesCount) {
      return invalid(
        'structured_metadata_too_many',
        `stream '${formatStream(stream)}' has too many structured metadata labels: '${metadata.length}', limit: '${limits.maxStructuredMetadataEntriesCount}'. Please see limits.max_structured_metadata_entries_count or contact your Loki administrator to increase it.`,
      );
    }
    if (limits.maxStructuredMetadataSize > 0) {
      const size = metadataBytes(metadata);
      if (size > limits.maxStructuredMetadataSize) {
        return invalid(
          'structured_metadata_too_large',
          `stream '${formatStream(stream)}' has structured metadata too large: '${size}' bytes, limit: '${limits.maxStructuredMetadataSize}' bytes. Please see limits.max_structured_metadata_size or contact your Loki administrator to increase it.`,
        );
      }
    }
  }
  return undefined;
}
