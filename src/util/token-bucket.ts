/**
 * Token-bucket rate limiting keyed by tenant, as Mimir's and Loki's distributors do it:
 * tokens refill continuously at `rate` per second up to `burst`, and a request costs as
 * many tokens as items it carries. Rate and burst are read at each call so that a
 * runtime-config reload takes effect on the next request.
 */
import type { Clock } from './clock.js';

/** The outcome of asking for tokens. */
export type TakeResult =
  | { readonly ok: true }
  /** `exceedsBurst`: the request alone is larger than the bucket and can never pass. */
  | { readonly ok: false; readonly retryAfterMs: number; readonly exceedsBurst: boolean };

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * One bucket per key. Not shared across processes; the state is lost on restart, which
 * at worst lets one burst through.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly clock: Clock) {}

  /**
   * Takes `cost` tokens for `key` if they are there. A `rate` of 0 or less means
   * unlimited (Mimir's convention for a disabled limit). A rejected request takes nothing.
   */
  take(key: string, cost: number, rate: number, burst: number): TakeResult {
    if (rate <= 0) return { ok: true };
    const now = this.clock.now();
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = { tokens: burst, updatedMs: now };
      this.buckets.set(key, b);
    }
    const elapsedS = Math.max(0, now - b.updatedMs) / 1000;
    b.tokens = Math.min(burst, b.tokens + elapsedS * rate);
    b.updatedMs = now;
    if (cost > burst) return { ok: false, retryAfterMs: Math.ceil((burst / rate) * 1000), exceedsBurst: true };
    if (cost <= b.tokens) {
      b.tokens -= cost;
      return { ok: true };
    }
    const retryAfterMs = Math.ceil(((cost - b.tokens) / rate) * 1000);
    return { ok: false, retryAfterMs, exceedsBurst: false };
  }

  /** Forgets a key, for tenants that went away. */
  delete(key: string): void {
    this.buckets.delete(key);
  }
}
