/**
 * Per-tenant ingestion rate limits, as Mimir's and Loki's distributors apply them: a
 * token bucket per tenant whose rate and burst come from the tenant's limits at the
 * moment of the request. A refused request gets 429 with `Retry-After` and upstream's
 * message, naming Cairn's config keys.
 */
import type { Limits } from '../config/limits.js';
import type { Clock } from '../util/clock.js';
import { CairnError } from '../util/errors.js';
import { TokenBucketLimiter } from '../util/token-bucket.js';

/** The limits this module reads. */
export interface RateLimitSource {
  forTenant(tenant: string): Pick<Limits, 'ingestionRate' | 'ingestionBurstSize' | 'ingestionRateMb' | 'ingestionBurstSizeMb'>;
}

/** Bytes per MB in Loki's `ingestion_rate_mb` (Loki multiplies by 1<<20). */
const BYTES_PER_MB = 1 << 20;

export class IngestionRateLimiter {
  private readonly buckets: TokenBucketLimiter;

  constructor(
    private readonly limits: RateLimitSource,
    clock: Clock,
  ) {
    this.buckets = new TokenBucketLimiter(clock);
  }

  /**
   * Takes `items` (samples + exemplars + metadata) from the tenant's metrics bucket or
   * throws a `too_many_requests` CairnError (reason `rate_limited`) in Mimir's words.
   */
  takeSamples(tenant: string, items: number): void {
    const l = this.limits.forTenant(tenant);
    const r = this.buckets.take(`metrics/${tenant}`, items, l.ingestionRate, l.ingestionBurstSize);
    if (r.ok) return;
    const keys = 'to adjust the related per-tenant limits, configure limits.ingestion_rate and limits.ingestion_burst_size';
    const message = r.exceedsBurst
      ? `the request has been rejected because the tenant exceeded the ingestion burst size limit, set to ${l.ingestionBurstSize}, with ${items} items. This limit is applied on the total number of samples, exemplars and metadata received (err-mimir-tenant-max-ingestion-rate); ${keys}`
      : `the request has been rejected because the tenant exceeded the ingestion rate limit, set to ${l.ingestionRate} items/s with a maximum allowed burst of ${l.ingestionBurstSize}. This limit is applied on the total number of samples, exemplars and metadata received (err-mimir-tenant-max-ingestion-rate); ${keys}`;
    throw new CairnError('too_many_requests', 'rate_limited', message, { retryAfterS: r.retryAfterMs / 1000 });
  }

  /**
   * Takes `bytes` of log lines from the tenant's logs bucket or throws a
   * `too_many_requests` CairnError in Loki's words.
   */
  takeLogBytes(tenant: string, lines: number, bytes: number): void {
    const l = this.limits.forTenant(tenant);
    const rate = l.ingestionRateMb * BYTES_PER_MB;
    const burst = l.ingestionBurstSizeMb * BYTES_PER_MB;
    const r = this.buckets.take(`logs/${tenant}`, bytes, rate, burst);
    if (r.ok) return;
    throw new CairnError(
      'too_many_requests',
      'rate_limited',
      `ingestion rate limit exceeded for user ${tenant} (limit: ${Math.round(rate)} bytes/sec) while attempting to ingest '${lines}' lines totaling '${bytes}' bytes, reduce log volume or raise limits.ingestion_rate_mb / limits.ingestion_burst_size_mb`,
      { retryAfterS: r.retryAfterMs / 1000 },
    );
  }
}
