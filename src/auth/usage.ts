/**
 * Per-token request counts and last-used times, gathered in memory and written to
 * `system.db` in one transaction per period, so that counting costs no write per request.
 * Counts of the last period are lost on `kill -9`; they are telemetry, not data.
 */
import type { Service } from '../util/service.js';
import type { TokenStore } from './token-store.js';

export class UsageRecorder implements Service {
  readonly name = 'token-usage';
  private pending = new Map<string, { count: number; lastUsedAt: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: TokenStore,
    private readonly periodMs: number,
    private readonly onError: (e: unknown) => void = () => {},
  ) {}

  /** Notes one request made with token `id` at time `t` (ms). */
  record(id: string, t: number): void {
    const u = this.pending.get(id);
    if (u === undefined) this.pending.set(id, { count: 1, lastUsedAt: t });
    else {
      u.count++;
      if (t > u.lastUsedAt) u.lastUsedAt = t;
    }
  }

  /** Writes what has gathered. A failed write keeps the counts for the next try. */
  flush(): void {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      this.store.recordUsage(batch);
    } catch (e) {
      for (const [id, u] of batch) {
        const now = this.pending.get(id);
        this.pending.set(id, now === undefined ? u : { count: now.count + u.count, lastUsedAt: Math.max(now.lastUsedAt, u.lastUsedAt) });
      }
      this.onError(e);
    }
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => this.flush(), this.periodMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }
}
