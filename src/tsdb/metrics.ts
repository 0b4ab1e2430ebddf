/**
 * TSDB self-metrics, read from the store when `/metrics` is scraped: active series per
 * tenant (as Mimir's `cortex_ingester_memory_series`), WAL size, replay and damage counts,
 * blocks and their bytes, compaction durations and failures.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import { tenantGauge } from '../util/tenant-gauge.js';
import type { Tsdb, TsdbEvent } from './tsdb.js';

export interface TsdbMetrics {
  /** Feed the store's events here. */
  onEvent(e: TsdbEvent): void;
}

export function createTsdbMetrics(registry: Registry, tsdb: () => Tsdb | undefined): TsdbMetrics {
  const perTenant = (read: (db: Tsdb, tenant: string) => number): [string, number][] => {
    const db = tsdb();
    return db === undefined ? [] : db.tenantIds().map((t) => [t, read(db, t)]);
  };
  tenantGauge(registry, 'cairn_ingester_active_series', 'Series in the head per tenant: what max_global_series_per_user limits.', () => perTenant((db, t) => db.head(t)?.series.size ?? 0));
  tenantGauge(registry, 'cairn_tsdb_wal_bytes', 'Bytes of WAL segments on disk per tenant.', () => perTenant((db, t) => db.walBytes(t)));
  const corruptions = new Counter({
    name: 'cairn_tsdb_wal_corruptions_total',
    help: 'WAL damage found and repaired at replay, by kind (torn_tail is a crash mid-write; corruption is not).',
    labelNames: ['tenant', 'kind'],
    registers: [registry],
  });
  const writeFailures = new Counter({
    name: 'cairn_tsdb_wal_write_failures_total',
    help: 'Failed WAL writes or fsyncs per tenant; the request got a 503.',
    labelNames: ['tenant'],
    registers: [registry],
  });
  const replayed = new Counter({
    name: 'cairn_tsdb_wal_replayed_samples_total',
    help: 'Samples restored from the WAL at start, per tenant.',
    labelNames: ['tenant'],
    registers: [registry],
  });
  tenantGauge(registry, 'cairn_tsdb_blocks', 'Blocks on disk per tenant.', () => perTenant((db, t) => db.store(t)?.blocks.all().length ?? 0));
  tenantGauge(registry, 'cairn_tsdb_blocks_bytes', 'Bytes of block files on disk per tenant.', () => perTenant((db, t) => db.store(t)?.blockBytes() ?? 0));
  const stepDuration = new Histogram({
    name: 'cairn_tsdb_compaction_duration_seconds',
    help: 'Duration of compactor steps that did work: head (cut a 2 h block), compact (merge blocks), retention, flush.',
    labelNames: ['step'],
    buckets: [0.01, 0.05, 0.25, 1, 5, 25, 120, 600],
    registers: [registry],
  });
  const stepFailures = new Counter({
    name: 'cairn_tsdb_compaction_failures_total',
    help: 'Failed compactor steps per tenant and step; the tenant is retried with backoff.',
    labelNames: ['tenant', 'step'],
    registers: [registry],
  });
  return {
    onEvent(e) {
      if (e.kind === 'compactor') {
        const c = e.event;
        if (c.kind === 'step') stepDuration.observe({ step: c.step }, c.durationMs / 1000);
        else stepFailures.inc({ tenant: c.tenant, step: c.step });
      } else if (e.kind === 'replayed') {
        replayed.inc({ tenant: e.tenant }, e.stats.samples);
      } else if (e.event.kind === 'damage') {
        corruptions.inc({ tenant: e.tenant, kind: e.event.damage.kind });
      } else if (e.event.kind === 'write_failed' || e.event.kind === 'sync_failed') {
        writeFailures.inc({ tenant: e.tenant });
      }
    },
  };
}
