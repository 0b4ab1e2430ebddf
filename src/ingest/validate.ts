/**
 * Mimir's write-path validation, as pure functions: label normalisation (empty values
 * dropped, names sorted), the per-series label rules, and the per-sample time rules.
 * Messages follow Mimir's (`pkg/distributor/validate.go`) with Cairn's config keys.
 * A series that fails is skipped; a sample that fails is dropped; the rest of the request
 * is kept and the first error is returned (partial acceptance).
 */
import type { Limits } from '../config/limits.js';
import { compareByName, formatLabels, METRIC_NAME, type Label, type Labels } from '../model/labels.js';
import { formatDuration } from '../util/duration.js';
import { CairnError } from '../util/errors.js';

/** The limits validation reads. */
export type ValidationLimits = Pick<
  Limits,
  'maxLabelNamesPerSeries' | 'maxLabelNameLength' | 'maxLabelValueLength' | 'creationGracePeriodMs' | 'pastGracePeriodMs' | 'maxMetadataLength' | 'compactorBlocksRetentionPeriodMs'
>;

const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Mimir prints names and series with `%.200s`. */
const TRUNCATE = 200;

const trunc = (s: string) => s.slice(0, TRUNCATE);

function invalid(reason: string, message: string): CairnError {
  return new CairnError('bad_data', reason, message);
}

/**
 * Drops labels with empty values and sorts by name, as Mimir's distributor does before
 * validating. Returns the input itself when it needs no change. Duplicate names are kept
 * (validation refuses them).
 */
export function normalizeLabels(raw: readonly Label[]): Labels {
  let sorted = true;
  let empty = false;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i]!.value === '') empty = true;
    if (i > 0 && raw[i - 1]!.name > raw[i]!.name) sorted = false;
  }
  if (sorted && !empty) return raw;
  const out = empty ? raw.filter((l) => l.value !== '') : [...raw];
  if (!sorted) out.sort(compareByName);
  return out;
}

/**
 * Validates a normalised, non-empty label set; returns the error (not thrown, so a
 * caller can count and skip cheaply) or undefined.
 */
export function validateLabels(ls: Labels, limits: ValidationLimits, invalidUtf8: ReadonlySet<number> = NO_INVALID): CairnError | undefined {
  const nameLabel = ls.find((l) => l.name === METRIC_NAME);
  if (nameLabel === undefined) return invalid('missing_metric_name', 'received series has no metric name (err-mimir-missing-metric-name)');
  if (!METRIC_NAME_RE.test(nameLabel.value)) {
    return invalid('metric_name_invalid', `received a series with invalid metric name: '${trunc(nameLabel.value)}' (err-mimir-metric-name-invalid)`);
  }
  const series = () => trunc(formatLabels(ls));
  if (ls.length > limits.maxLabelNamesPerSeries) {
    return invalid(
      'max_label_names_per_series',
      `received a series whose number of labels exceeds the limit (actual: ${ls.length}, limit: ${limits.maxLabelNamesPerSeries}) series: '${series()}' (err-mimir-max-label-names-per-series). To adjust the related per-tenant limit, configure limits.max_label_names_per_series`,
    );
  }
  let last = '';
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i]!;
    if (!LABEL_NAME_RE.test(l.name)) {
      return invalid('label_invalid', `received a series with an invalid label: '${trunc(l.name)}' series: '${series()}' (err-mimir-label-invalid)`);
    }
    if (Buffer.byteLength(l.name) > limits.maxLabelNameLength) {
      return invalid(
        'label_name_too_long',
        `received a series whose label name length exceeds the limit, label: '${trunc(l.name)}' series: '${series()}' (err-mimir-label-name-too-long). To adjust the related per-tenant limit, configure limits.max_label_name_length`,
      );
    }
    if (invalidUtf8.has(i)) {
      return invalid('label_value_invalid', `received a series with invalid value in label '${trunc(l.name)}': '${trunc(l.value)}' metric: '${trunc(nameLabel.value)}' (err-mimir-label-value-invalid)`);
    }
    if (Buffer.byteLength(l.value) > limits.maxLabelValueLength) {
      return invalid(
        'label_value_too_long',
        `received a series whose label value length exceeds the limit, label: '${trunc(l.name)}', value: '${trunc(l.value)}' (truncated) series: '${series()}' (err-mimir-label-value-too-long). To adjust the related per-tenant limit, configure limits.max_label_value_length`,
      );
    }
    if (l.name === last) {
      return invalid('duplicate_label_names', `received a series with duplicate label name, label: '${trunc(l.name)}' series: '${series()}' (err-mimir-duplicate-label-names)`);
    }
    last = l.name;
  }
  return undefined;
}

const NO_INVALID: ReadonlySet<number> = new Set();

/** Why a sample's timestamp is refused, or undefined. `nowMs` is the server's clock. */
export function sampleTimeError(t: number, nowMs: number, limits: ValidationLimits, metric: string): CairnError | undefined {
  if (limits.creationGracePeriodMs > 0 && t > nowMs + limits.creationGracePeriodMs) {
    return invalid(
      'too_far_in_future',
      `received a sample whose timestamp is too far in the future, timestamp: ${t} series: '${trunc(metric)}' (err-mimir-too-far-in-future). To adjust the related per-tenant limit, configure limits.creation_grace_period`,
    );
  }
  if (limits.pastGracePeriodMs > 0 && t < nowMs - limits.pastGracePeriodMs) {
    return invalid(
      'too_far_in_past',
      `received a sample whose timestamp is too far in the past, timestamp: ${t} series: '${trunc(metric)}' (err-mimir-too-far-in-past). To adjust the related per-tenant limit, configure limits.past_grace_period`,
    );
  }
  if (limits.compactorBlocksRetentionPeriodMs > 0 && t < nowMs - limits.compactorBlocksRetentionPeriodMs) {
    return invalid(
      'too_old_for_retention',
      `received a sample older than the tenant's retention period of ${formatDuration(limits.compactorBlocksRetentionPeriodMs)}, timestamp: ${t} series: '${trunc(metric)}'; it would be deleted at once. To adjust the related per-tenant limit, configure limits.compactor_blocks_retention_period`,
    );
  }
  return undefined;
}

/** The sample times `sampleTimeError` accepts: `[oldest, newest]`, either end unbounded. */
export interface SampleWindow {
  readonly oldest: number;
  readonly newest: number;
}

/** The sample times the store accepts from a tenant with `limits` at `nowMs`. */
export function acceptedWindow(nowMs: number, limits: ValidationLimits): SampleWindow {
  return { oldest: oldestAcceptedTime(nowMs, limits), newest: limits.creationGracePeriodMs > 0 ? nowMs + limits.creationGracePeriodMs : Infinity };
}

/** The oldest timestamp `sampleTimeError` accepts (-Infinity when unbounded). */
export function oldestAcceptedTime(nowMs: number, limits: ValidationLimits): number {
  const grace = limits.pastGracePeriodMs > 0 ? nowMs - limits.pastGracePeriodMs : -Infinity;
  const retention = limits.compactorBlocksRetentionPeriodMs > 0 ? nowMs - limits.compactorBlocksRetentionPeriodMs : -Infinity;
  return Math.max(grace, retention);
}

/** Validates one metadata entry; HELP longer than the limit is truncated, not refused. */
export function validateMetadata(
  m: { metricFamilyName: string; unit: string; help: string },
  limits: ValidationLimits,
): CairnError | undefined {
  if (m.metricFamilyName === '') return invalid('metadata_missing_metric_name', 'received a metric metadata with no metric name (err-mimir-metadata-missing-metric-name)');
  if (Buffer.byteLength(m.metricFamilyName) > limits.maxMetadataLength) {
    return invalid(
      'metric_name_too_long',
      `received a metric metadata whose metric name length exceeds the limit, metric name: '${trunc(m.metricFamilyName)}' (err-mimir-metric-name-too-long). To adjust the related per-tenant limit, configure limits.max_metadata_length`,
    );
  }
  if (Buffer.byteLength(m.unit) > limits.maxMetadataLength) {
    return invalid(
      'unit_too_long',
      `received a metric metadata whose unit name length exceeds the limit, unit: '${trunc(m.unit)}' metric name: '${trunc(m.metricFamilyName)}' (err-mimir-unit-too-long). To adjust the related per-tenant limit, configure limits.max_metadata_length`,
    );
  }
  return undefined;
}
