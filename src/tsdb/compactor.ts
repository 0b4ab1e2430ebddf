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
import { DAY_MS, MaintenanceScheduler, type MaintenanceEvent, type StepRunner } from '../storage/maintenance.js';
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

export { DAY_MS };
/**
 * The metrics store's compactor: the shared scheduler (storage/maintenance.ts) running the
 * steps above.
 */
export class Compactor implements Service {
  readonly name = 'compactor';
  private readonly scheduler: MaintenanceScheduler<TenantStore, StepReport>;

  constructor(
    stores: () => Iterable<TenantStore>,
    private readonly runner: BlockJobRunner,
    private readonly options: CompactorOptions,
    onEvent: (e: CompactorEvent) => void = () => {},
  ) {
    this.scheduler = new MaintenanceScheduler<TenantStore, StepReport>(
      'compactor',
      stores,
      {
        onTick: (store) => store.truncateHeadIfUnread(),
        maintain: (store, step) => this.maintain(store, step),
        flush: (store, step) => this.flushOne(store, step),
        empty: emptyReport,
        close: () => this.runner.close(),
      },
      options.intervalMs,
      onEvent as (e: MaintenanceEvent<StepReport>) => void,
    );
  }

  start(): Promise<void> {
    return this.scheduler.start();
  }

  stop(): Promise<void> {
    return this.scheduler.stop();
  }

  /** Queues a maintenance run for every tenant that is neither busy nor backing off. */
  tick(): void {
    this.scheduler.tick();
  }

  /** Waits for every queued step (tests, benchmarks). */
  idle(): Promise<void> {
    return this.scheduler.idle();
  }

  /**
   * Cuts the whole head of `stores` into blocks, compacts every window holding more than
   * one block and applies retention; resolves when done with what it did per tenant.
   * Rejects with the first failure (the other tenants still complete).
   */
  flush(stores: readonly TenantStore[]): Promise<{ tenant: string; report: StepReport }[]> {
    return this.scheduler.flush(stores);
  }

  private async maintain(store: TenantStore, step: StepRunner<StepReport>): Promise<void> {
    while (store.headCompactable()) await step('head', () => store.cutHead(this.runner, store.oldestRangeEnd()));
    for (const group of planCompactions(store.blocks.all(), store.headFloor(), this.options.compactionWindowMs, false)) {
      await step('compact', () => store.compact(this.runner, group));
    }
    const cutoff = this.cutoff(store.tenant);
    if (cutoff !== -Infinity) await step('retention', () => store.applyRetention(cutoff));
  }

  private async flushOne(store: TenantStore, step: StepRunner<StepReport>): Promise<StepReport> {
    let report = await step('flush', () => store.cutHead(this.runner, Infinity));
    for (const group of planCompactions(store.blocks.all(), store.headFloor(), this.options.compactionWindowMs, true)) {
      report = addReports(report, await step('compact', () => store.compact(this.runner, group)));
    }
    const cutoff = this.cutoff(store.tenant);
    if (cutoff !== -Infinity) report = addReports(report, await step('retention', () => store.applyRetention(cutoff)));
    return report;
  }

  private cutoff(tenant: string): number {
    const retention = this.options.retentionMs(tenant);
    return retention > 0 ? this.options.clock.now() - retention : -Infinity;
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
