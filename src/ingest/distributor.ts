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
import type { Appender } from '../tsdb/interface.js';
import type { IngestMetrics } from './metrics.js';
import type { IngestionRateLimiter } from './rate-limit.js';
import { normalizeLabels, sampleTimeError, validateLabels, validateMetadata, type ValidationLimits } from './validate.js';
import { metricTypeName, type WriteRequest } from './remote-write/types.js';

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
class Outcome {
  firstValidation: CairnError | undefined;
  firstIngester: CairnError | undefined;
  readonly discarded = new Map<string, number>();
  discardedExemplars = 0;
  discardedMetadata = 0;

  refuse(err: CairnError, samples: number, ingester: boolean): void {
    if (samples > 0) this.discarded.set(err.reason, (this.discarded.get(err.reason) ?? 0) + samples);
    if (ingester) this.firstIngester ??= err;
    else this.firstValidation ??= err;
  }

  first(): CairnError | undefined {
    return this.firstIngester ?? this.firstValidation;
  }
}

const INGESTER_REASONS = new Set(['sample_out_of_order', 'sample_duplicate_timestamp', 'sample_timestamp_too_old', 'per_user_series_limit', 'per_metric_series_limit']);

/**
 * Stores a decoded remote-write request for `tenant`. Resolves when everything valid is
 * durable; throws the first error (a CairnError) after storing the rest.
 */
export async function pushWriteRequest(tenant: string, req: WriteRequest, deps: DistributorDeps): Promise<void> {
  let items = req.metadata.length;
  for (const ts of req.timeseries) items += ts.samples.length + ts.exemplars.length + ts.histogramCount;
  if (items === 0) return;
  deps.rateLimiter.takeSamples(tenant, items);

  const limits = deps.limits.forTenant(tenant);
  const now = deps.clock.now();
  const app = deps.appender(tenant);
  const out = new Outcome();
  let accepted = 0;
  let acceptedExemplars = 0;
  let acceptedMetadata = 0;

  for (const ts of req.timeseries) {
    if (ts.histogramCount > 0) {
      out.refuse(
        new CairnError(
          'bad_data',
          'native_histograms_unsupported',
          `native histogram samples are not supported by cairn yet: ${ts.histogramCount} histogram sample(s) of a series were refused; float samples in the same request were kept`,
        ),
        ts.histogramCount,
        false,
      );
    }
    if (ts.samples.length === 0 && ts.exemplars.length === 0) continue;
    const labels: Labels = normalizeLabels(ts.labels);
    if (labels.length === 0) continue; // as Mimir: a series without labels is dropped silently
    const invalid = validateLabels(labels, limits);
    if (invalid !== undefined) {
      out.refuse(invalid, ts.samples.length, false);
      out.discardedExemplars += ts.exemplars.length;
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
        accepted++;
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
    for (const e of ts.exemplars) {
      let chars = 0;
      for (const l of e.labels) chars += l.name.length + l.value.length;
      if (ref === 0 || e.labels.length === 0 || e.t === 0 || chars > EXEMPLAR_MAX_LABEL_CHARS) {
        out.discardedExemplars++;
        continue;
      }
      app.appendExemplar(ref, { labels: normalizeLabels(e.labels), t: e.t, v: e.v });
      acceptedExemplars++;
    }
  }

  for (const m of req.metadata) {
    const err = validateMetadata(m, limits);
    if (err !== undefined) {
      out.discardedMetadata++;
      out.refuse(err, 0, false);
      continue;
    }
    const help = Buffer.byteLength(m.help) > limits.maxMetadataLength ? m.help.slice(0, limits.maxMetadataLength) : m.help;
    app.updateMetadata({ metricFamilyName: m.metricFamilyName, type: metricTypeName(m.type), help, unit: m.unit });
    acceptedMetadata++;
  }

  await app.commit();

  const { metrics } = deps;
  if (accepted > 0) metrics.receivedSamples.inc({ tenant }, accepted);
  if (acceptedExemplars > 0) metrics.receivedExemplars.inc({ tenant }, acceptedExemplars);
  if (acceptedMetadata > 0) metrics.receivedMetadata.inc({ tenant }, acceptedMetadata);
  for (const [reason, n] of out.discarded) metrics.discardedSamples.inc({ tenant, reason }, n);
  if (out.discardedExemplars > 0) metrics.discardedExemplars.inc({ tenant, reason: 'invalid' }, out.discardedExemplars);
  if (out.discardedMetadata > 0) metrics.discardedMetadata.inc({ tenant, reason: 'invalid' }, out.discardedMetadata);

  const first = out.first();
  if (first !== undefined) throw first;
}
