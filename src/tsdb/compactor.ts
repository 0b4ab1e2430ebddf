/**
 * The background loop that keeps every tenant's store in shape, and flush on demand:
 *
 * - head compaction: while a head holds more than 1.5 chunk ranges (3 h), its oldest range
 *   is cut into a block (Prometheus's rule);
 * - block compaction: blocks of one aligned 24 h window are merged into one once the window
 *   is complete (every sample of it is in blocks), and overlapping blocks at once;
 * - retention: blocks older than the tenant's `compactor_blocks_retention_period` are
 *   deleted and the head trimmed.
 *
 * Steps of a tenant run one at a time, in a per-tenant chain, so at most one maintenance
 * and the flushes asked for wait per tenant (the bounded queue). A failed step (a worker
 * threw or died) is logged and counted, and the tenant is retried with exponential
 * backoff; ingestion and queries go on meanwhile, since nothing changes until a step has
 * finished its file work.
 */
import type { Clock } from '../util/clock.js';
import type { Service } from '../util/service.js';
import type { BlockJobRunner } from './block-jobs.js';
import type { OpenBlock } from './block-set.js';
import { addReports, emptyReport, type StepReport, type TenantStore } from './tenant-store.js';

export type CompactorStep = 'head' | 'compact' | 'retention' | 'flush';

export type CompactorEvent =
  | { readonly kind: 'step'; readonly tenant: string; readonly step: CompactorStep; readonly durationMs: number; readonly report: StepReport }
  | { readonly kind: 'failed'; readonly tenant: string; readonly step: CompactorStep; readonly error: Error; readonly failures: number; readonly retryInMs: number };

export interface CompactorOptions {
  /** How often every tenant is checked for work. */
  readonly intervalMs: number;
  /** Blocks are compacted within aligned windows of this length. */
  readonly compactionWindowMs: number;
  /** Retention per tenant in ms; 0 keeps data forever. */
  readonly retentionMs: (tenant: string) => number;
  readonly clock: Clock;
}

/** Mimir's default block range for the compactor's first level: a day. */
export const DAY_MS = 24 * 3_600_000;
/** First retry after a failure; doubles per failure up to the maximum. */
const BACKOFF_MIN_MS = 1000;
/** Longest wait between retries: a failing disk is retried every few minutes, not hammered. */
const BACKOFF_MAX_MS = 5 * 60_000;

/** Per-tenant scheduling state. */
interface TenantState {
  chain: Promise<unknown>;
  /** A maintenance run is queued or running. */
  busy: boolean;
  failures: number;
  retryAt: number;
}

export class Compactor implements Service {
  readonly name = 'compactor';
  private readonly state = new Map<string, TenantState>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly stores: () => Iterable<TenantStore>,
    private readonly runner: BlockJobRunner,
    private readonly options: CompactorOptions,
    private readonly onEvent: (e: CompactorEvent) => void = () => {},
  ) {}

  async start(): Promise<void> {
    const loop = () => {
      this.tick();
      if (!this.stopped) this.timer = setTimeout(loop, this.options.intervalMs).unref();
    };
    this.timer = setTimeout(loop, this.options.intervalMs).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await Promise.all([...this.state.values()].map((s) => s.chain.catch(() => undefined)));
    await this.runner.close();
  }

  /** Queues a maintenance run for every tenant that is neither busy nor backing off. */
  tick(): void {
    const now = Date.now();
    for (const store of this.stores()) {
      const st = this.stateOf(store.tenant);
      store.truncateHeadIfUnread();
      if (st.busy || now < st.retryAt) continue;
      st.busy = true;
      void this.enqueue(store, () => this.maintain(store))
        // Already reported through onEvent by `step`; the backoff retries it.
        .catch(() => undefined)
        .finally(() => (st.busy = false));
    }
  }

  /** Waits for every queued step (tests, benchmarks). */
  async idle(): Promise<void> {
    await Promise.all([...this.state.values()].map((s) => s.chain.catch(() => undefined)));
  }

  /**
   * Cuts the whole head of `stores` into blocks, compacts every window holding more than
   * one block and applies retention; resolves when done with what it did per tenant.
   * Rejects with the first failure (the other tenants still complete).
   */
  async flush(stores: readonly TenantStore[]): Promise<{ tenant: string; report: StepReport }[]> {
    const results = await Promise.allSettled(
      stores.map(async (store) => ({ tenant: store.tenant, report: await this.enqueue(store, () => this.flushOne(store)) })),
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    return results.map((r) => (r as PromiseFulfilledResult<{ tenant: string; report: StepReport }>).value);
  }

  private stateOf(tenant: string): TenantState {
    let st = this.state.get(tenant);
    if (st === undefined) this.state.set(tenant, (st = { chain: Promise.resolve(), busy: false, failures: 0, retryAt: 0 }));
    return st;
  }

  /** Runs `fn` after the tenant's previous steps; failures back the tenant off. */
  private enqueue<T>(store: TenantStore, fn: () => Promise<T>): Promise<T> {
    const st = this.stateOf(store.tenant);
    const run = st.chain.catch(() => undefined).then(async () => {
      if (this.stopped) throw new Error('compactor stopped');
      return fn();
    });
    st.chain = run;
    return run;
  }

  private async maintain(store: TenantStore): Promise<void> {
    while (store.headCompactable()) await this.step(store, 'head', () => store.cutHead(this.runner, store.oldestRangeEnd()));
    for (const group of planCompactions(store.blocks.all(), store.headFloor(), this.options.compactionWindowMs, false)) {
      await this.step(store, 'compact', () => store.compact(this.runner, group));
    }
    const cutoff = this.cutoff(store.tenant);
    if (cutoff !== -Infinity) await this.step(store, 'retention', () => store.applyRetention(cutoff));
  }

  private async flushOne(store: TenantStore): Promise<StepReport> {
    let report = await this.step(store, 'flush', () => store.cutHead(this.runner, Infinity));
    for (const group of planCompactions(store.blocks.all(), store.headFloor(), this.options.compactionWindowMs, true)) {
      report = addReports(report, await this.step(store, 'compact', () => store.compact(this.runner, group)));
    }
    const cutoff = this.cutoff(store.tenant);
    if (cutoff !== -Infinity) report = addReports(report, await this.step(store, 'retention', () => store.applyRetention(cutoff)));
    return report;
  }

  private cutoff(tenant: string): number {
    const retention = this.options.retentionMs(tenant);
    return retention > 0 ? this.options.clock.now() - retention : -Infinity;
  }

  /** Runs one step, reporting its duration, or its failure and the backoff it caused. */
  private async step(store: TenantStore, step: CompactorStep, fn: () => Promise<StepReport>): Promise<StepReport> {
    const st = this.stateOf(store.tenant);
    const t0 = performance.now();
    try {
      const report = await fn();
      st.failures = 0;
      st.retryAt = 0;
      if (report !== emptyReport) this.onEvent({ kind: 'step', tenant: store.tenant, step, durationMs: performance.now() - t0, report });
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

/**
 * Groups of blocks to merge: blocks of one aligned window, when the window holds more
 * than one and either they overlap, the window is complete (everything before `floor` is
 * in blocks) or `force` (flush). A block spanning windows is left alone.
 */
export function planCompactions(blocks: readonly OpenBlock[], floor: number, windowMs: number, force: boolean): OpenBlock[][] {
  const byWindow = new Map<number, OpenBlock[]>();
  for (const b of blocks) {
    const w = Math.floor(b.meta.minTime / windowMs);
    if (Math.floor(b.meta.maxTime / windowMs) !== w) continue;
    let list = byWindow.get(w);
    if (list === undefined) byWindow.set(w, (list = []));
    list.push(b);
  }
  const out: OpenBlock[][] = [];
  for (const [w, list] of [...byWindow].sort((a, b) => a[0] - b[0])) {
    if (list.length < 2) continue;
    const complete = (w + 1) * windowMs <= floor;
    if (force || complete || overlapping(list)) out.push(list);
  }
  return out;
}

function overlapping(list: readonly OpenBlock[]): boolean {
  const sorted = [...list].sort((a, b) => a.meta.minTime - b.meta.minTime);
  for (let i = 1; i < sorted.length; i++) if (sorted[i]!.meta.minTime <= sorted[i - 1]!.meta.maxTime) return true;
  return false;
}
