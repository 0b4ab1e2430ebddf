/**
 * OTLP metrics into the store: translate (`metrics-translate.ts`) with the tenant's
 * options, then the very path remote write takes (`pushWriteRequest` in
 * `distributor.ts`: rate limit, normalisation, validation, limits, WAL commit), and work
 * out Mimir's answer:
 *
 * - everything stored → success;
 * - the store refused samples softly (out of order, duplicate, too old, series limits:
 *   Mimir's ingester "soft" errors) → success with a `partial_success` carrying the first
 *   error's message and `rejected_data_points` 0, as Mimir sends;
 * - any other error (validation, rate limit) → that error;
 * - conversion left metrics out but the push succeeded → 400 `otlp parse error: …`
 *   (Mimir's answer, so senders see what was dropped).
 */
import { acceptedWindow, type ValidationLimits } from '../validate.js';
import { INGESTER_REASONS, pushWriteRequest, type DistributorDeps } from '../distributor.js';
import { CairnError, isCairnError } from '../../util/errors.js';
import { pointCount, translateMetrics, type TranslateOptions } from './metrics-translate.js';
import type { ExportMetricsServiceRequest } from './types.js';
import type { PartialSuccess } from './response.js';

/** Data points a request carries, of every kind. */
function pointsOf(req: ExportMetricsServiceRequest): number {
  let n = 0;
  for (const rm of req.resourceMetrics) {
    for (const sm of rm.scopeMetrics) for (const m of sm.metrics) n += pointCount(m);
  }
  return n;
}

/** The per-tenant limits the OTLP translation reads (config keys under `limits:`). */
export interface OtlpMetricsLimits {
  /** A request translating to more series than this is refused before it makes them. */
  readonly maxGlobalSeriesPerUser: number;
  readonly otelMetricSuffixesEnabled: boolean;
  /** Comma-separated attribute names. */
  readonly promoteOtelResourceAttributes: string;
}

export interface OtlpMetricsIngestDeps extends DistributorDeps {
  readonly limits: { forTenant(tenant: string): ValidationLimits & OtlpMetricsLimits };
}

/** The translation options of a tenant's limits. */
export function translateOptionsOf(limits: OtlpMetricsLimits): TranslateOptions {
  return {
    addSuffixes: limits.otelMetricSuffixesEnabled,
    promoteResourceAttributes: limits.promoteOtelResourceAttributes
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  };
}

/**
 * Stores a decoded request for `tenant`. Resolves with `undefined` (all stored) or a
 * partial success; throws the CairnError the endpoint must answer with, after storing
 * what is valid.
 */
export async function pushOtlpMetrics(tenant: string, req: ExportMetricsServiceRequest, deps: OtlpMetricsIngestDeps): Promise<PartialSuccess | undefined> {
  const limits = deps.limits.forTenant(tenant);
  const maxSeries = limits.maxGlobalSeriesPerUser > 0 ? limits.maxGlobalSeriesPerUser : Infinity;
  const tr = translateMetrics(req, translateOptionsOf(limits), acceptedWindow(deps.clock.now(), limits), maxSeries);
  if (tr.tooManySeries !== undefined) {
    deps.metrics.discardedSamples.inc({ tenant, reason: 'per_user_series_limit' }, pointsOf(req));
    throw new CairnError(
      'bad_data',
      'per_user_series_limit',
      `per-user series limit of ${tr.tooManySeries} exceeded by one request: it translates to more series than that (err-mimir-max-series-per-user). Send fewer series a request, or to adjust the related per-tenant limit, configure limits.max_global_series_per_user`,
    );
  }
  if (tr.droppedPoints > 0) deps.metrics.discardedSamples.inc({ tenant, reason: 'otlp_parse_error' }, tr.droppedPoints);
  let refusedSoftly: CairnError | undefined;
  try {
    await pushWriteRequest(tenant, tr.request, deps);
  } catch (err) {
    if (!isCairnError(err) || !INGESTER_REASONS.has(err.reason)) throw err;
    refusedSoftly = err;
  }
  if (tr.errors.length > 0) {
    throw new CairnError('bad_data', 'otlp_parse_error', `otlp parse error: ${tr.errors.join('; ')}`);
  }
  if (refusedSoftly !== undefined) {
    // The distributor reports its first error only, not how many points each refused;
    // Mimir sends 0 here too.
    return { rejected: 0, errorMessage: refusedSoftly.message };
  }
  return undefined;
}
