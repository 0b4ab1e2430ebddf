/**
 * The metrics write path behind every ingest protocol, as Mimir's distributor and
 * ingester do it: rate limit, normalise and validate each series, validate each sample,
 * append what is valid, commit (WAL, then memory), and answer with the first error —
 * ingester errors (out of order, series limit) before validation errors — after the
 * valid part is stored. Every refused item is counted by reason.
 *
 * The rate limit is taken on the request's item count before validation (Mimir takes it
 * after): refusing costs no decoding of labels, and the counts differ only by the
 * invalid items of a request.
 */
import type { Labels } from '../model/labels.js';
import { metricName } from '../model/labels.js';
import type { Clock } from '../util/clock.js';
import { CairnError, isCairnError } from '../util/errors.js';
import type { Appender, Exemplar, SeriesRef } from '../tsdb/interface.js';
import type { IngestMetrics } from './metrics.js';
import type { IngestionRateLimiter } from './rate-limit.js';
import { normalizeLabels, sampleTimeError, validateLabels, validateMetadata, type ValidationLimits } from './validate.js';
import { metricTypeName, type MetricMetadata, type WriteRequest } from './remote-write/types.js';

/** Mimir's limit on the combined length of an exemplar's label names and values. */
const EXEMPLAR_MAX_LABEL_CHARS = 128;

export interface DistributorDeps {
  readonly appender: (tenant: string) => Appender;
  readonly limits: { forTenant(tenant: string): ValidationLimits };
  readonly rateLimiter: IngestionRateLimiter;
  readonly clock: Clock;
  readonly metrics: IngestMetrics;
}

/** Counts refused items by reason and keeps the first error of each class. */
export class Outcome {
  firstValidation: CairnError | undefined;
  firstIngester: CairnError | undefined;
  readonly discarded = new Map<string, number>();
  readonly discardedExemplars = new Map<string, number>();
  readonly discardedMetadata = new Map<string, number>();
  accepted = 0;
  acceptedExemplars = 0;
  acceptedMetadata = 0;

  refuse(err: CairnError, samples: number, ingester: boolean): void {
    if (samples > 0) this.discarded.set(err.reason, (this.discarded.get(err.reason) ?? 0) + samples);
    if (ingester) this.firstIngester ??= err;
    else this.firstValidation ??= err;
  }

  refuseExemplars(reason: string, n: number): void {
    if (n > 0) this.discardedExemplars.set(reason, (this.discardedExemplars.get(reason) ?? 0) + n);
  }

  first(): CairnError | undefined {
    return this.firstIngester ?? this.firstValidation;
  }

  /** Adds the request's counts to the self-metrics. */
  report(metrics: IngestMetrics, tenant: string): void {
    if (this.accepted > 0) metrics.receivedSamples.inc({ tenant }, this.accepted);
    if (this.acceptedExemplars > 0) metrics.receivedExemplars.inc({ tenant }, this.acceptedExemplars);
    if (this.acceptedMetadata > 0) metrics.receivedMetadata.inc({ tenant }, this.acceptedMetadata);
    for (const [reason, n] of this.discarded) metrics.discardedSamples.inc({ tenant, reason }, n);
    for (const [reason, n] of this.discardedExemplars) metrics.discardedExemplars.inc({ tenant, reason }, n);
    for (const [reason, n] of this.discardedMetadata) metrics.discardedMetadata.inc({ tenant, reason }, n);
  }
}

/** Errors that come from the store (Mimir's ingester) rather than from validation. */
export const INGESTER_REASONS: ReadonlySet<string> = new Set([
  'sample_out_of_order',
  'sample_duplicate_timestamp',
  'sample_timestamp_too_old',
  'per_user_series_limit',
  'per_metric_series_limit',
]);

/** Indexes in `labels` of the labels named in `names` (for `validateLabels`). */
function positionsOf(labels: Labels, names: readonly string[]): ReadonlySet<number> {
  const out = new Set<number>();
  for (let i = 0; i < labels.length; i++) if (names.includes(labels[i]!.name)) out.add(i);
  return out;
}

/** The 400 for native histogram samples, which Cairn does not store yet. */
export function histogramsUnsupported(n: number): CairnError {
  return new CairnError(
    'bad_data',
    'native_histograms_unsupported',
    `native histogram samples are not supported by cairn yet: ${n} histogram sample(s) of a series were refused; float samples in the same request were kept`,
  );
}

/**
 * Stores the exemplars of series `ref` (0: the series was refused, so are they), dropping
 * those Mimir drops: without labels, without a timestamp, or with labels over 128 chars.
 */
export function storeExemplars(app: Appender, ref: SeriesRef, exemplars: readonly Exemplar[], out: Outcome): void {
  if (ref === 0) {
    out.refuseExemplars('series_refused', exemplars.length);
    return;
  }
  for (const e of exemplars) {
    let chars = 0;
    for (const l of e.labels) chars += l.name.length + l.value.length;
    const reason = e.labels.length === 0 ? 'exemplar_labels_missing' : e.t === 0 ? 'exemplar_timestamp_invalid' : chars > EXEMPLAR_MAX_LABEL_CHARS ? 'exemplar_labels_too_long' : undefined;
    if (reason !== undefined) {
      out.refuseExemplars(reason, 1);
      continue;
    }
    app.appendExemplar(ref, { labels: normalizeLabels(e.labels), t: e.t, v: e.v });
    out.acceptedExemplars++;
  }
}

/** Validates and stores metric metadata; HELP over the length limit is truncated. */
export function storeMetadata(app: Appender, metadata: readonly MetricMetadata[], limits: ValidationLimits, out: Outcome): void {
  for (const m of metadata) {
    const err = validateMetadata(m, limits);
    if (err !== undefined) {
      out.discardedMetadata.set(err.reason, (out.discardedMetadata.get(err.reason) ?? 0) + 1);
      out.refuse(err, 0, false);
      continue;
    }
    const help = Buffer.byteLength(m.help) > limits.maxMetadataLength ? m.help.slice(0, limits.maxMetadataLength) : m.help;
    app.updateMetadata({ metricFamilyName: m.metricFamilyName, type: metricTypeName(m.type), help, unit: m.unit });
    out.acceptedMetadata++;
  }
}

/**
 * Stores a decoded remote-write request for `tenant`: the reference path, over plain
 * objects (the server's route uses `RemoteWriteIngester`, which must agree with it).
 * Resolves when everything valid is durable; throws the first error (a CairnError) after
 * storing the rest.
 */
export async function pushWriteRequest(tenant: string, req: WriteRequest, deps: DistributorDeps): Promise<void> {
  let items = req.metadata.length;
  for (const ts of req.timeseries) items += ts.samples.length + ts.exemplars.length + ts.histogramCount;
  if (items === 0) return;
  try {
    deps.rateLimiter.takeSamples(tenant, items);
  } catch (err) {
    if (isCairnError(err) && err.reason === 'rate_limited') {
      // As Mimir: what a rate-limited request carried is counted as discarded.
      let samples = 0;
      let exemplars = 0;
      for (const ts of req.timeseries) {
        samples += ts.samples.length + ts.histogramCount;
        exemplars += ts.exemplars.length;
      }
      deps.metrics.discardedSamples.inc({ tenant, reason: err.reason }, samples);
      if (exemplars > 0) deps.metrics.discardedExemplars.inc({ tenant, reason: err.reason }, exemplars);
      if (req.metadata.length > 0) deps.metrics.discardedMetadata.inc({ tenant, reason: err.reason }, req.metadata.length);
    }
    throw err;
  }

  const limits = deps.limits.forTenant(tenant);
  const now = deps.clock.now();
  const app = deps.appender(tenant);
  const out = new Outcome();

  for (const ts of req.timeseries) {
    if (ts.histogramCount > 0) out.refuse(histogramsUnsupported(ts.histogramCount), ts.histogramCount, false);
    if (ts.samples.length === 0 && ts.exemplars.length === 0) continue;
    const labels: Labels = normalizeLabels(ts.labels);
    if (labels.length === 0) continue; // as Mimir: a series without labels is dropped silently
    const invalid = validateLabels(labels, limits, ts.utf8InvalidLabels === undefined ? undefined : positionsOf(labels, ts.utf8InvalidLabels));
    if (invalid !== undefined) {
      out.refuse(invalid, ts.samples.length, false);
      out.refuseExemplars('series_invalid', ts.exemplars.length);
      continue;
    }
    const metric = metricName(labels);
    let ref = 0;
    for (let i = 0; i < ts.samples.length; i++) {
      const s = ts.samples[i]!;
      const timeErr = sampleTimeError(s.t, now, limits, metric);
      if (timeErr !== undefined) {
        out.refuse(timeErr, 1, false);
        continue;
      }
      try {
        ref = app.append(ref, labels, s.t, s.v);
        out.accepted++;
      } catch (err) {
        if (!isCairnError(err)) throw err;
        if (err.reason === 'per_user_series_limit' || err.reason === 'per_metric_series_limit') {
          // The series cannot be created: none of its samples can land.
          out.refuse(err, ts.samples.length - i, true);
          break;
        }
        out.refuse(err, 1, INGESTER_REASONS.has(err.reason));
      }
    }
    storeExemplars(app, ref, ts.exemplars, out);
  }
  storeMetadata(app, req.metadata, limits, out);

  await app.commit();
  out.report(deps.metrics, tenant);
  const first = out.first();
  if (first !== undefined) throw first;
}
