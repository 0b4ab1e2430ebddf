/**
 * The metrics store of all tenants: per tenant a head, a WAL under
 * `<data>/tenants/<tenant>/tsdb/wal` and blocks under `.../tsdb/blocks` (tenant-store.ts),
 * kept in shape by the compactor. On start it opens every tenant found on disk, opens its
 * blocks and replays its WAL onto them (tenant by tenant, yielding between them so
 * `/ready` keeps answering 503 meanwhile); afterwards a tenant is opened on its first write.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tenantStoreDir, tenantsOnDisk } from '../storage/tenant-dirs.js';
import { Wal, type FsyncPolicy, type WalEvent } from '../storage/wal/index.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { Service } from '../util/service.js';
import { createBlockWorkerPool, type BlockJobFault, type BlockJobRunner } from './block-jobs.js';
import { Compactor, DAY_MS, type CompactorEvent } from './compactor.js';
import { Head, defaultHeadOptions, type HeadLimits, type HeadOptions } from './head.js';
import { HeadAppender } from './head-append.js';
import { HeadQuerier } from './head-read.js';
import { emptyReplayStats, replayRecord, type HeadReplayStats } from './head-wal.js';
import type { Appendable, Appender, Querier, Queryable } from './interface.js';
import { TenantStore, type StepReport } from './tenant-store.js';

export interface TsdbOptions {
  readonly dataDir: string;
  readonly fsync: FsyncPolicy;
  /** With `fsync: batch`, the longest delay from an acknowledged write to its fsync. */
  readonly fsyncBatchDelayMs: number;
  readonly head: HeadOptions;
  /** How often the compactor looks at every tenant. */
  readonly compactionIntervalMs: number;
  /** Worker threads for block writing and compaction. */
  readonly compactionThreads: number;
  /**
   * How long a head truncation waits for queriers opened before it (they may read the
   * head's chunks in place): longer than the longest query may run.
   */
  readonly readerWaitMs?: number;
  readonly clock: Clock;
  /** Test hook: makes block jobs fail (see block-jobs.ts). */
  readonly blockJobFault?: () => BlockJobFault | undefined;
  /** Test hook: runs block jobs elsewhere than the worker pool. */
  readonly blockJobRunner?: BlockJobRunner;
}

export function defaultTsdbOptions(dataDir: string): TsdbOptions {
  return {
    dataDir,
    fsync: 'batch',
    fsyncBatchDelayMs: 1000,
    head: defaultHeadOptions(),
    compactionIntervalMs: 60_000,
    compactionThreads: 1,
    clock: systemClock,
  };
}

/** The per-tenant limits the store reads. */
export type TsdbLimits = HeadLimits & { readonly compactorBlocksRetentionPeriodMs: number };

/** Start-up and runtime events, for logs and self-metrics. */
export type TsdbEvent =
  | { readonly kind: 'replayed'; readonly tenant: string; readonly stats: HeadReplayStats; readonly records: number; readonly durationMs: number; readonly tornTail: boolean; readonly corruptions: number }
  | { readonly kind: 'wal'; readonly tenant: string; readonly event: WalEvent }
  | { readonly kind: 'compactor'; readonly event: CompactorEvent };

export class Tsdb implements Appendable, Queryable, Service {
  readonly name = 'tsdb';
  private readonly tenants = new Map<string, TenantStore>();
  private stopped = false;
  private readonly compactor: Compactor;

  constructor(
    private readonly options: TsdbOptions,
    private readonly limits: { forTenant(tenant: string): TsdbLimits },
    private readonly onEvent: (e: TsdbEvent) => void = () => {},
  ) {
    const runner = options.blockJobRunner ?? createBlockWorkerPool({ threads: options.compactionThreads });
    this.compactor = new Compactor(
      () => this.tenants.values(),
      runner,
      {
        intervalMs: options.compactionIntervalMs,
        compactionWindowMs: DAY_MS,
        retentionMs: (tenant) => this.limits.forTenant(tenant).compactorBlocksRetentionPeriodMs,
        clock: options.clock,
      },
      (event) => this.onEvent({ kind: 'compactor', event }),
    );
  }

  private tsdbDir(tenant: string): string {
    return tenantStoreDir(this.options.dataDir, tenant, 'tsdb');
  }

  async start(): Promise<void> {
    for (const tenant of tenantsOnDisk(this.options.dataDir, 'tsdb')) {
      this.open(tenant);
      // Let the event loop answer /ready (503) between tenants.
      await new Promise((r) => setImmediate(r));
    }
    await this.compactor.start();
  }

  /** The oldest sample time a tenant keeps (-Infinity when retention is off). */
  private retentionCutoff(tenant: string): number {
    const ms = this.limits.forTenant(tenant).compactorBlocksRetentionPeriodMs;
    return ms > 0 ? this.options.clock.now() - ms : -Infinity;
  }

  /** Opens (creating, or replaying) a tenant's store. */
  private open(tenant: string): TenantStore {
    const found = this.tenants.get(tenant);
    if (found !== undefined) return found;
    if (this.stopped) throw new Error('BUG: tsdb used after stop');
    const dir = this.tsdbDir(tenant);
    const walDir = join(dir, 'wal');
    const blocksDir = join(dir, 'blocks');
    mkdirSync(walDir, { recursive: true });
    mkdirSync(blocksDir, { recursive: true });
    const wal = Wal.open(walDir, {
      fsync: this.options.fsync,
      batchDelayMs: this.options.fsyncBatchDelayMs,
      onEvent: (event) => this.onEvent({ kind: 'wal', tenant, event }),
    });
    const head = new Head(tenant, () => this.limits.forTenant(tenant), this.options.head);
    const store = new TenantStore(tenant, head, wal, blocksDir, { chunkRangeMs: this.options.head.chunkRangeMs, fault: this.options.blockJobFault, readerWaitMs: this.options.readerWaitMs });
    store.openBlocks(this.retentionCutoff(tenant));
    const stats = emptyReplayStats();
    const t0 = performance.now();
    const report = wal.replay((payload) => replayRecord(head, payload, stats));
    head.endReplay();
    this.onEvent({
      kind: 'replayed',
      tenant,
      stats,
      records: report.records,
      durationMs: performance.now() - t0,
      tornTail: report.tornTail,
      corruptions: report.corruptions,
    });
    this.tenants.set(tenant, store);
    return store;
  }

  appender(tenant: string): Appender & HeadAppender {
    const store = this.open(tenant);
    return new HeadAppender(store.head, store.wal);
  }

  querier(tenant: string, mint: number, maxt: number): Querier {
    const store = this.tenants.get(tenant);
    if (store !== undefined) return store.querier(mint, maxt);
    return new HeadQuerier(new Head(tenant, () => this.limits.forTenant(tenant), this.options.head), mint, maxt);
  }

  /**
   * Cuts the head of `tenant` (every tenant when undefined) into blocks, compacts and
   * applies retention; resolves with what it did (flush on demand, for tests and
   * benchmarks). Rejects when a step failed.
   */
  flush(tenant?: string): Promise<{ tenant: string; report: StepReport }[]> {
    const stores = tenant === undefined ? [...this.tenants.values()] : [this.tenants.get(tenant)].filter((s) => s !== undefined);
    return this.compactor.flush(stores);
  }

  /** Runs one round of background maintenance now and waits for it (tests). */
  async maintain(): Promise<void> {
    this.compactor.tick();
    await this.compactor.idle();
  }

  /** The tenant's head, if it has one. */
  head(tenant: string): Head | undefined {
    return this.tenants.get(tenant)?.head;
  }

  /** The tenant's store, if open. */
  store(tenant: string): TenantStore | undefined {
    return this.tenants.get(tenant);
  }

  /** Tenants with an open store. */
  tenantIds(): string[] {
    return [...this.tenants.keys()];
  }

  /** WAL bytes on disk of a tenant (segments and checkpoint). */
  walBytes(tenant: string): number {
    const wal = this.tenants.get(tenant)?.wal;
    return wal === undefined ? 0 : wal.sizeBytes() + wal.checkpointBytes();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.compactor.stop();
    const closing = [...this.tenants.values()].map(async (t) => {
      await t.wal.close();
      t.close();
    });
    this.tenants.clear();
    await Promise.all(closing);
  }
}
