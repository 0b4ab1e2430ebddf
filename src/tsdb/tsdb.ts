/**
 * The metrics store of all tenants: one head and one WAL per tenant under
 * `<data>/tenants/<tenant>/tsdb/wal`. On start it opens every tenant found on disk and
 * replays its WAL (tenant by tenant, yielding between them so `/ready` keeps answering
 * 503 meanwhile); afterwards a tenant is opened on its first write.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Wal, type FsyncPolicy, type WalEvent } from '../storage/wal/index.js';
import { validateTenantId } from '../model/tenant.js';
import type { Service } from '../util/service.js';
import { Head, defaultHeadOptions, type HeadLimits, type HeadOptions } from './head.js';
import { HeadAppender } from './head-append.js';
import { HeadQuerier } from './head-read.js';
import { emptyReplayStats, replayRecord, type HeadReplayStats } from './head-wal.js';
import type { Appendable, Appender, Querier, Queryable } from './interface.js';

export interface TsdbOptions {
  readonly dataDir: string;
  readonly fsync: FsyncPolicy;
  /** With `fsync: batch`, the longest delay from an acknowledged write to its fsync. */
  readonly fsyncBatchDelayMs: number;
  readonly head: HeadOptions;
}

export function defaultTsdbOptions(dataDir: string): TsdbOptions {
  return { dataDir, fsync: 'batch', fsyncBatchDelayMs: 1000, head: defaultHeadOptions() };
}

/** Start-up and runtime events, for logs and self-metrics. */
export type TsdbEvent =
  | { readonly kind: 'replayed'; readonly tenant: string; readonly stats: HeadReplayStats; readonly records: number; readonly durationMs: number; readonly tornTail: boolean; readonly corruptions: number }
  | { readonly kind: 'wal'; readonly tenant: string; readonly event: WalEvent };

interface TenantDb {
  readonly head: Head;
  readonly wal: Wal;
}

export class Tsdb implements Appendable, Queryable, Service {
  readonly name = 'tsdb';
  private readonly tenants = new Map<string, TenantDb>();
  private stopped = false;

  constructor(
    private readonly options: TsdbOptions,
    private readonly limits: { forTenant(tenant: string): HeadLimits },
    private readonly onEvent: (e: TsdbEvent) => void = () => {},
  ) {}

  private walDir(tenant: string): string {
    return join(this.options.dataDir, 'tenants', tenant, 'tsdb', 'wal');
  }

  async start(): Promise<void> {
    const root = join(this.options.dataDir, 'tenants');
    if (!existsSync(root)) return;
    for (const tenant of readdirSync(root).sort()) {
      try {
        validateTenantId(tenant);
      } catch {
        continue; // not a tenant directory of ours
      }
      if (!existsSync(this.walDir(tenant))) continue;
      this.open(tenant);
      // Let the event loop answer /ready (503) between tenants.
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Opens (creating, or replaying) a tenant's store. */
  private open(tenant: string): TenantDb {
    const found = this.tenants.get(tenant);
    if (found !== undefined) return found;
    if (this.stopped) throw new Error('BUG: tsdb used after stop');
    const dir = this.walDir(tenant);
    mkdirSync(dir, { recursive: true });
    const wal = Wal.open(dir, {
      fsync: this.options.fsync,
      batchDelayMs: this.options.fsyncBatchDelayMs,
      onEvent: (event) => this.onEvent({ kind: 'wal', tenant, event }),
    });
    const head = new Head(tenant, () => this.limits.forTenant(tenant), this.options.head);
    const stats = emptyReplayStats();
    const t0 = performance.now();
    const report = wal.replay((payload) => replayRecord(head, payload, stats));
    this.onEvent({
      kind: 'replayed',
      tenant,
      stats,
      records: report.records,
      durationMs: performance.now() - t0,
      tornTail: report.tornTail,
      corruptions: report.corruptions,
    });
    const db = { head, wal };
    this.tenants.set(tenant, db);
    return db;
  }

  appender(tenant: string): Appender & HeadAppender {
    const db = this.open(tenant);
    return new HeadAppender(db.head, db.wal);
  }

  querier(tenant: string, mint: number, maxt: number): Querier {
    const db = this.tenants.get(tenant);
    const head = db?.head ?? new Head(tenant, () => this.limits.forTenant(tenant), this.options.head);
    return new HeadQuerier(head, mint, maxt);
  }

  /** The tenant's head, if it has one. */
  head(tenant: string): Head | undefined {
    return this.tenants.get(tenant)?.head;
  }

  /** Tenants with an open store. */
  tenantIds(): string[] {
    return [...this.tenants.keys()];
  }

  /** WAL bytes on disk of a tenant. */
  walBytes(tenant: string): number {
    return this.tenants.get(tenant)?.wal.sizeBytes() ?? 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const closing = [...this.tenants.values()].map((t) => t.wal.close());
    this.tenants.clear();
    await Promise.all(closing);
  }
}
