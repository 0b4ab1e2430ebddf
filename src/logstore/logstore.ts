/**
 * The log store of all tenants: per tenant a head, a WAL under
 * `<data>/tenants/<tenant>/logs/wal` and blocks under `.../logs/blocks`
 * (tenant-log-store.ts), kept in shape by the log compactor (the shared scheduler with the
 * log store's plan). On start it opens every tenant found on disk, opens its blocks and
 * replays its WAL; afterwards a tenant is opened on its first write.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Labels } from '../model/labels.js';
import { DAY_MS, MaintenanceScheduler, type MaintenanceEvent, type StepRunner } from '../storage/maintenance.js';
import { tenantStoreDir, tenantsOnDisk } from '../storage/tenant-dirs.js';
import { Wal, type FsyncPolicy, type WalEvent } from '../storage/wal/index.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { Service } from '../util/service.js';
import { defaultBlockCodec, defaultHeadCodec, type CodecOptions } from './chunk/codec.js';
import { createLogWorkerPool, type LogJobFault, type LogJobRunner } from './block/log-jobs.js';
import type { OpenLogBlock } from './block-set.js';
import { LogHeadAppender, type LogAppendLimits } from './head-append.js';
import { emptyLogReplayStats, replayLogRecord, type LogReplayStats, type RawPushDecoder } from './head-replay.js';
import { LogHead, defaultLogHeadOptions, type LogHeadOptions } from './head.js';
import type { LogAppendable, LogAppender, LogQuerier, LogQueryable } from './interface.js';
import { TenantLogQuerier } from './querier.js';
import { LogBlockSet } from './block-set.js';
import { TailHub } from './tail-hub.js';
import { addLogReports, emptyLogReport, TenantLogStore, type LogStepReport } from './tenant-log-store.js';

export interface LogStoreOptions {
  readonly dataDir: string;
  readonly fsync: FsyncPolicy;
  readonly fsyncBatchDelayMs: number;
  readonly head: LogHeadOptions;
  /** How often the compactor visits every tenant (flush of sealed chunks, compaction, retention). */
  readonly compactionIntervalMs: number;
  /** Worker threads for compression, block writing and compaction. */
  readonly threads: number;
  /** Codec of sealed head chunks. */
  readonly headCodec: CodecOptions;
  /** Codec of chunks re-cut by compaction. */
  readonly blockCodec: CodecOptions;
  readonly clock: Clock;
  /** Decodes request bodies the WAL keeps (RawPushSource); needed to replay them. */
  readonly decodeRaw?: RawPushDecoder;
  /** Test hook: makes worker jobs fail. */
  readonly jobFault?: () => LogJobFault | undefined;
  /** Test hook: runs jobs elsewhere than the worker pool. */
  readonly jobRunner?: LogJobRunner;
}

export function defaultLogStoreOptions(dataDir: string): LogStoreOptions {
  return {
    dataDir,
    fsync: 'batch',
    fsyncBatchDelayMs: 1000,
    head: defaultLogHeadOptions(),
    compactionIntervalMs: 60_000,
    threads: 1,
    headCodec: defaultHeadCodec(),
    blockCodec: defaultBlockCodec(),
    clock: systemClock,
  };
}

/** The per-tenant limits the store reads. */
export type LogStoreLimits = LogAppendLimits & { readonly retentionPeriodMs: number };

export type LogStoreEvent =
  | { readonly kind: 'replayed'; readonly tenant: string; readonly stats: LogReplayStats; readonly records: number; readonly durationMs: number }
  | { readonly kind: 'wal'; readonly tenant: string; readonly event: WalEvent }
  | { readonly kind: 'compactor'; readonly event: MaintenanceEvent<LogStepReport> }
  | { readonly kind: 'compress_failed'; readonly tenant: string; readonly error: Error };

/** Blocks of one window at one level merged once there are this many (tiered compaction). */
const BLOCKS_PER_LEVEL = 8;
/** Compressed head chunks of a tenant that trigger a flush before the flush check period. */
const FLUSH_BYTES = 64 << 20;

export class LogStore implements LogAppendable, LogQueryable, Service {
  readonly name = 'logstore';
  private readonly tenants = new Map<string, TenantLogStore>();
  private readonly runner: LogJobRunner;
  private readonly compactor: MaintenanceScheduler<TenantLogStore, LogStepReport>;
  private stopped = false;
  /** Committed entries for live tails (`/loki/api/v1/tail`), published once in memory. */
  readonly tail = new TailHub();

  constructor(
    private readonly options: LogStoreOptions,
    private readonly limits: { forTenant(tenant: string): LogStoreLimits },
    private readonly onEvent: (e: LogStoreEvent) => void = () => {},
  ) {
    this.runner = options.jobRunner ?? createLogWorkerPool({ threads: options.threads });
    this.compactor = new MaintenanceScheduler<TenantLogStore, LogStepReport>(
      'log-compactor',
      () => this.tenants.values(),
      {
        maintain: (store, step) => this.maintainOne(store, step),
        flush: (store, step) => this.flushOne(store, step),
        compaction: { compact: (store, step, force) => this.compactOne(store, step, force), add: addLogReports },
        empty: emptyLogReport,
        close: () => this.runner.close(),
      },
      options.compactionIntervalMs,
      (event) => this.onEvent({ kind: 'compactor', event }),
    );
  }

  private logsDir(tenant: string): string {
    return tenantStoreDir(this.options.dataDir, tenant, 'logs');
  }

  async start(): Promise<void> {
    for (const tenant of tenantsOnDisk(this.options.dataDir, 'logs')) {
      this.open(tenant);
      // Let the event loop answer /ready (503) between tenants.
      await new Promise((r) => setImmediate(r));
    }
    await this.compactor.start();
  }

  private retentionCutoff(tenant: string): number {
    const ms = this.limits.forTenant(tenant).retentionPeriodMs;
    return ms > 0 ? this.options.clock.now() - ms : -Infinity;
  }

  private open(tenant: string): TenantLogStore {
    const found = this.tenants.get(tenant);
    if (found !== undefined) return found;
    if (this.stopped) throw new Error('BUG: log store used after stop');
    const dir = this.logsDir(tenant);
    const walDir = join(dir, 'wal');
    const blocksDir = join(dir, 'blocks');
    mkdirSync(walDir, { recursive: true });
    mkdirSync(blocksDir, { recursive: true });
    const wal = Wal.open(walDir, {
      fsync: this.options.fsync,
      batchDelayMs: this.options.fsyncBatchDelayMs,
      onEvent: (event) => this.onEvent({ kind: 'wal', tenant, event }),
    });
    const head = new LogHead(tenant, this.options.head);
    head.floor = this.retentionCutoff(tenant);
    const now = () => this.options.clock.now();
    const store = new TenantLogStore(tenant, head, wal, blocksDir, this.runner, { now, fault: this.options.jobFault, headCodec: this.options.headCodec, blockCodec: this.options.blockCodec });
    store.openBlocks();
    const stats = emptyLogReplayStats();
    const t0 = performance.now();
    const report = wal.replay((payload) => replayLogRecord(head, payload, stats, now(), this.options.decodeRaw));
    head.endReplay();
    this.onEvent({ kind: 'replayed', tenant, stats, records: report.records, durationMs: performance.now() - t0 });
    this.tenants.set(tenant, store);
    this.compress(store);
    return store;
  }

  logAppender(tenant: string): LogAppender {
    const store = this.open(tenant);
    // Sealed chunks go to the worker once a request is in memory.
    return new LogHeadAppender(store.head, store.wal, () => this.limits.forTenant(tenant), () => this.options.clock.now(), (applied) => {
      this.compress(store);
      if (this.tail.has(tenant)) this.tail.publish(tenant, applied());
    });
  }

  private compress(store: TenantLogStore): void {
    store.compressPending().then(
      () => {
        // Compressed chunks wait in memory for the next flush; under heavy ingest, flush
        // before the interval so they stay bounded.
        if (store.head.compressedBytesInMemory >= FLUSH_BYTES && !this.stopped) this.compactor.tick();
      },
      (err: unknown) => {
        // Stopping closes the worker pool under the compressions still queued: their chunks
        // are in the WAL, so that is no failure to report (it was one error line per push).
        if (!this.stopped) this.onEvent({ kind: 'compress_failed', tenant: store.tenant, error: err as Error });
      },
    );
  }

  logQuerier(tenant: string, mint: number, maxt: number): LogQuerier {
    const store = this.tenants.get(tenant);
    if (store !== undefined) return store.querier(mint, maxt);
    return new TenantLogQuerier(new LogHead(tenant, this.options.head), new LogBlockSet(), mint, maxt);
  }

  /** Seals every buffer into blocks, compacts and applies retention; resolves with what it did. */
  flush(tenant?: string): Promise<{ tenant: string; report: LogStepReport }[]> {
    const stores = tenant === undefined ? [...this.tenants.values()] : [this.tenants.get(tenant)].filter((s) => s !== undefined);
    return this.compactor.flush(stores);
  }

  /** Runs one round of background maintenance now and waits for it (tests). */
  async maintain(): Promise<void> {
    this.compactor.tick();
    await this.compactor.idle();
  }

  store(tenant: string): TenantLogStore | undefined {
    return this.tenants.get(tenant);
  }

  tenantIds(): string[] {
    return [...this.tenants.keys()];
  }

  /** Active streams of a tenant (streams in the head). */
  activeStreams(tenant: string): number {
    return this.tenants.get(tenant)?.head.size ?? 0;
  }

  /** The labels of a tenant's active streams (tests, debugging). */
  activeStreamLabels(tenant: string): Labels[] {
    const head = this.tenants.get(tenant)?.head;
    return head === undefined ? [] : [...head.streams.values()].map((s) => s.labels);
  }

  walBytes(tenant: string): number {
    const wal = this.tenants.get(tenant)?.wal;
    return wal === undefined ? 0 : wal.sizeBytes() + wal.checkpointBytes();
  }

  // The head lane: the head's chunks to blocks, the head trimmed to retention.
  private async maintainOne(store: TenantLogStore, step: StepRunner<LogStepReport>): Promise<void> {
    if (store.flushDue()) await step('flush', () => store.flushHead(false));
    // Idle streams with nothing in memory stop counting as active even when nothing is flushed.
    else store.head.removeIdle(this.options.clock.now());
    this.trimHead(store);
  }

  private trimHead(store: TenantLogStore): void {
    const cutoff = this.retentionCutoff(store.tenant);
    if (cutoff !== -Infinity) store.head.dropBefore(cutoff);
  }

  private async flushOne(store: TenantLogStore, step: StepRunner<LogStepReport>): Promise<LogStepReport> {
    const report = await step('flush', () => store.flushHead(true));
    this.trimHead(store);
    return report;
  }

  // The compaction lane: blocks merged and deleted, while the head lane goes on flushing.
  private async compactOne(store: TenantLogStore, step: StepRunner<LogStepReport>, force: boolean): Promise<LogStepReport> {
    let report = emptyLogReport;
    for (const group of planLogCompactions(store.blocks.all(), this.options.clock.now(), force)) report = addLogReports(report, await step('compact', () => store.compact(group)));
    const cutoff = this.retentionCutoff(store.tenant);
    if (cutoff !== -Infinity) report = addLogReports(report, await step('retention', () => store.applyRetention(cutoff)));
    return report;
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

/**
 * Blocks to merge, per day window (by the block's oldest entry): a window's blocks at one
 * level once there are `BLOCKS_PER_LEVEL` of them (tiered, so a day of one-minute flushes
 * is rewritten a few times, not once per flush), and all of a window's blocks (even a lone
 * head-written one, to recompress it densely) once the window is over by more than the
 * longest a head chunk can stay open, or on `force`.
 */
export function planLogCompactions(blocks: readonly OpenLogBlock[], nowMs: number, force: boolean): OpenLogBlock[][] {
  const byWindow = new Map<number, OpenLogBlock[]>();
  for (const b of blocks) {
    const w = Math.floor(b.meta.minTime / DAY_MS);
    let list = byWindow.get(w);
    if (list === undefined) byWindow.set(w, (list = []));
    list.push(b);
  }
  const settle = 3 * 3_600_000;
  const out: OpenLogBlock[][] = [];
  for (const [w, list] of [...byWindow].sort((a, b) => a[0] - b[0])) {
    const done = force || (w + 1) * DAY_MS + settle <= nowMs;
    // A finished window's blocks become one, with chunks re-cut and recompressed with the
    // block codec: a lone head-written block too.
    if (done && (list.length >= 2 || list[0]!.meta.level === 1)) {
      out.push(list);
      continue;
    }
    if (list.length < 2) continue;
    const byLevel = new Map<number, OpenLogBlock[]>();
    for (const b of list) {
      let l = byLevel.get(b.meta.level);
      if (l === undefined) byLevel.set(b.meta.level, (l = []));
      l.push(b);
    }
    for (const l of byLevel.values()) if (l.length >= BLOCKS_PER_LEVEL) out.push(l);
  }
  return out;
}
