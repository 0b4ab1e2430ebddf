/**
 * Timers as an injectable dependency: the dispatcher's `group_wait`/`group_interval`
 * timers, notification deadlines and retry backoffs run on it, so tests drive them with
 * `ManualTimers` instead of sleeping.
 */
import type { Clock } from '../util/clock.js';

/** A scheduled callback; `cancel()` is idempotent. */
export interface TimerHandle {
  cancel(): void;
}

/** Schedules callbacks on a clock. A callback may return a promise (awaited by ManualTimers). */
export interface Timers extends Clock {
  /** Runs `fn` once `ms` (≥ 0) have passed on this clock. */
  after(ms: number, fn: () => void | Promise<void>): TimerHandle;
}

/** The real timers: `setTimeout`, unref'd so a pending group timer never holds the process. */
export const systemTimers: Timers = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(() => void fn(), Math.max(0, ms));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void | Promise<void>;
  cancelled: boolean;
}

/**
 * Timers that only move when told to; for tests. `advance(ms)` runs every due callback in
 * time order (ties in scheduling order), awaiting each one and the microtasks it started,
 * so a test sees the effects of a timer as soon as `advance` resolves.
 */
export class ManualTimers implements Timers {
  private pending: Pending[] = [];
  private seq = 0;

  constructor(private t: number = 0) {}

  now(): number {
    return this.t;
  }

  after(ms: number, fn: () => void | Promise<void>): TimerHandle {
    const p: Pending = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.pending.push(p);
    return { cancel: () => void (p.cancelled = true) };
  }

  /** Moves time forward by `ms`, running due callbacks at their own times. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.t + ms);
  }

  /** Moves time to `t` (never backwards), running due callbacks at their own times. */
  async advanceTo(t: number): Promise<void> {
    await settle();
    for (;;) {
      this.pending = this.pending.filter((p) => !p.cancelled);
      let next: Pending | undefined;
      for (const p of this.pending) if (p.at <= t && (next === undefined || p.at < next.at || (p.at === next.at && p.seq < next.seq))) next = p;
      if (next === undefined) break;
      this.pending.splice(this.pending.indexOf(next), 1);
      this.t = Math.max(this.t, next.at);
      await next.fn();
      await settle();
    }
    this.t = Math.max(this.t, t);
  }

  /** Callbacks still scheduled (for assertions). */
  scheduled(): number {
    return this.pending.filter((p) => !p.cancelled).length;
  }
}

/** Lets promise chains started by a callback run to their next real wait. */
async function settle(): Promise<void> {
  // A handful of macrotask turns: enough for the chains of awaits in a flush to finish.
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
