/**
 * The scheduler behind both stores' compactors: a background loop that visits every
 * tenant's store on an interval, and flush on demand. What a visit does is the store's
 * plan (the metrics and the log store differ); this module owns how it runs:
 *
 * - steps of one tenant run one at a time per lane, in a per-tenant chain, so at most one
 *   maintenance and the flushes asked for wait per tenant and lane (the bounded queue);
 * - a plan may have a second lane for compaction (`compaction`): its steps run in their own
 *   chain, so a compaction that takes minutes does not hold back the head's flushes,
 *   whose backlog is memory and WAL;
 * - a failed step (a worker threw or died) is reported with the failure count, and the
 *   tenant is retried with exponential backoff; ingestion and queries go on meanwhile,
 *   since a step changes nothing until it has finished its file work.
 */
import type { Service } from '../util/service.js';

/** Both stores compact blocks within aligned windows of a day (Mimir's first compactor level). */
export const DAY_MS = 24 * 3_600_000;

/** Runs one named step of a tenant, reporting its duration or its failure. */
export type StepRunner<R> = (step: string, fn: () => Promise<R>) => Promise<R>;

export interface MaintenancePlan<S extends { readonly tenant: string }, R> {
  /** Cheap work at every tick, outside the chain (may run while a step is in flight). */
  onTick?(store: S): void;
  /** A background visit: whatever the store needs now. */
  maintain(store: S, step: StepRunner<R>): Promise<void>;
  /**
   * Everything in memory to blocks now, and, without a compaction lane, compaction and
   * retention too.
   */
  flush(store: S, step: StepRunner<R>): Promise<R>;
  /** The compaction lane, when the plan has one. */
  readonly compaction?: CompactionLane<S, R>;
  /** The report of a step that did nothing (not reported as an event). */
  readonly empty: R;
  /** Called by `stop()` after the last step (closes the worker pool). */
  close(): Promise<void>;
}

/**
 * A plan's second lane: merges and deletes blocks in its own per-tenant chain. Its steps
 * must not touch what the head lane's do.
 */
export interface CompactionLane<S, R> {
  /** Everything due now; with `force` (after an on-demand flush) everything there is. */
  compact(store: S, step: StepRunner<R>, force: boolean): Promise<R>;
  /** Sums two reports (a flush's and the compaction that followed it). */
  add(a: R, b: R): R;
}

export type MaintenanceEvent<R> =
  | { readonly kind: 'step'; readonly tenant: string; readonly step: string; readonly durationMs: number; readonly report: R }
  | { readonly kind: 'failed'; readonly tenant: string; readonly step: string; readonly error: Error; readonly failures: number; readonly retryInMs: number };

/** First retry after a failure; doubles per failure up to the maximum. */
const BACKOFF_MIN_MS = 1000;
/** Longest wait between retries: a failing disk is retried every few minutes, not hammered. */
const BACKOFF_MAX_MS = 5 * 60_000;

/**
 * One lane of a tenant: its steps in a chain, whether a background visit is queued, and
 * its backoff (a failing compaction does not hold back the head's flushes).
 */
interface Lane {
  chain: Promise<unknown>;
  /** A background visit is queued or running. */
  busy: boolean;
  failures: number;
  retryAt: number;
}

interface TenantState {
  readonly head: Lane;
  readonly compaction: Lane;
}

export class MaintenanceScheduler<S extends { readonly tenant: string }, R> implements Service {
  private readonly state = new Map<string, TenantState>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    readonly name: string,
    private readonly stores: () => Iterable<S>,
    private readonly plan: MaintenancePlan<S, R>,
    private readonly intervalMs: number,
    private readonly onEvent: (e: MaintenanceEvent<R>) => void = () => {},
  ) {}

  async start(): Promise<void> {
    const loop = () => {
      this.tick();
      if (!this.stopped) this.timer = setTimeout(loop, this.intervalMs).unref();
    };
    this.timer = setTimeout(loop, this.intervalMs).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.idle();
    await this.plan.close();
  }

  /** Queues a maintenance run (per lane) for every tenant that is neither busy nor backing off. */
  tick(): void {
    const now = Date.now();
    const lane = this.plan.compaction;
    for (const store of this.stores()) {
      const st = this.stateOf(store.tenant);
      this.plan.onTick?.(store);
      this.visit(st.head, now, () => this.plan.maintain(store, this.stepper(store, st.head)));
      if (lane !== undefined) this.visit(st.compaction, now, () => lane.compact(store, this.stepper(store, st.compaction), false));
    }
  }

  /** Queues `fn` on a lane unless a visit is queued or running there already, or it backs off. */
  private visit(lane: Lane, now: number, fn: () => Promise<unknown>): void {
    if (lane.busy || now < lane.retryAt) return;
    lane.busy = true;
    void this.enqueue(lane, fn)
      // Already reported through onEvent by the step; the backoff retries it.
      .catch(() => undefined)
      .finally(() => (lane.busy = false));
  }

  /** Waits for every queued step (tests, benchmarks). */
  async idle(): Promise<void> {
    await Promise.all([...this.state.values()].flatMap((s) => [s.head.chain.catch(() => undefined), s.compaction.chain.catch(() => undefined)]));
  }

  /**
   * Flushes `stores` (the plan's flush, then its forced compaction); resolves with what it
   * did per tenant. Rejects with the first failure (the other tenants still complete).
   */
  async flush(stores: readonly S[]): Promise<{ tenant: string; report: R }[]> {
    const results = await Promise.allSettled(stores.map(async (store) => ({ tenant: store.tenant, report: await this.flushOne(store) })));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    return results.map((r) => (r as PromiseFulfilledResult<{ tenant: string; report: R }>).value);
  }

  private async flushOne(store: S): Promise<R> {
    const st = this.stateOf(store.tenant);
    const flushed = await this.enqueue(st.head, () => this.plan.flush(store, this.stepper(store, st.head)));
    const lane = this.plan.compaction;
    if (lane === undefined) return flushed;
    const compacted = await this.enqueue(st.compaction, () => lane.compact(store, this.stepper(store, st.compaction), true));
    return lane.add(flushed, compacted);
  }

  private stateOf(tenant: string): TenantState {
    let st = this.state.get(tenant);
    if (st === undefined) {
      const lane = (): Lane => ({ chain: Promise.resolve(), busy: false, failures: 0, retryAt: 0 });
      st = { head: lane(), compaction: lane() };
      this.state.set(tenant, st);
    }
    return st;
  }

  /** Runs `fn` after the lane's previous steps; failures back the tenant off. */
  private enqueue<T>(lane: Lane, fn: () => Promise<T>): Promise<T> {
    const run = lane.chain.catch(() => undefined).then(async () => {
      if (this.stopped) throw new Error(`${this.name} stopped`);
      return fn();
    });
    lane.chain = run;
    return run;
  }

  private stepper(store: S, lane: Lane): StepRunner<R> {
    return (step, fn) => this.step(store, lane, step, fn);
  }

  /** Runs one step, reporting its duration, or its failure and the backoff it caused. */
  private async step(store: S, st: Lane, step: string, fn: () => Promise<R>): Promise<R> {
    const t0 = performance.now();
    try {
      const report = await fn();
      st.failures = 0;
      st.retryAt = 0;
      if (report !== this.plan.empty) this.onEvent({ kind: 'step', tenant: store.tenant, step, durationMs: performance.now() - t0, report });
      return report;
    } catch (err) {
      st.failures++;
      const retryInMs = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (st.failures - 1));
      st.retryAt = Date.now() + retryInMs;
      this.onEvent({ kind: 'failed', tenant: store.tenant, step, error: err as Error, failures: st.failures, retryInMs });
      throw err;
    }
  }
}
