/**
 * Log store self-metrics, read from the store when `/metrics` is scraped: active streams
 * per tenant (as Loki's `loki_ingester_memory_streams`: what max_global_streams_per_user
 * limits), head memory, WAL size, blocks and their bytes, step durations and failures.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import { tenantGauge } from '../util/tenant-gauge.js';
import type { LogStore, LogStoreEvent } from './logstore.js';

export interface LogStoreMetrics {
  onEvent(e: LogStoreEvent): void;
}

export function createLogStoreMetrics(registry: Registry, store: () => LogStore | undefined): LogStoreMetrics {
  const perTenant = (name: string, help: string, read: (s: LogStore, tenant: string) => number) =>
    tenantGauge(registry, name, help, () => {
      const s = store();
      return s === undefined ? [] : s.tenantIds().map((t): [string, number] => [t, read(s, t)]);
    });
  perTenant('cairn_ingester_memory_streams', 'Active log streams per tenant (streams in memory; one idle for ingester.chunk_idle_period leaves once flushed): what max_global_streams_per_user limits.', (s, t) => s.activeStreams(t));
  perTenant('cairn_logstore_head_raw_bytes', 'Bytes of log lines in memory not yet compressed, per tenant.', (s, t) => s.store(t)?.head.rawBytesInMemory ?? 0);
  perTenant('cairn_logstore_head_compressed_bytes', 'Bytes of compressed log chunks in memory waiting for the next flush, per tenant.', (s, t) => s.store(t)?.head.compressedBytesInMemory ?? 0);
  perTenant('cairn_logstore_wal_bytes', 'Bytes of log WAL segments and checkpoint on disk per tenant.', (s, t) => s.walBytes(t));
  perTenant('cairn_logstore_blocks', 'Log blocks on disk per tenant.', (s, t) => s.store(t)?.blocks.all().length ?? 0);
  perTenant('cairn_logstore_blocks_bytes', 'Bytes of log block files on disk per tenant.', (s, t) => s.store(t)?.blocks.sizeBytes() ?? 0);
  const replayed = new Counter({ name: 'cairn_logstore_wal_replayed_entries_total', help: 'Log entries restored from the WAL at start, per tenant.', labelNames: ['tenant'], registers: [registry] });
  const corruptions = new Counter({
    name: 'cairn_logstore_wal_corruptions_total',
    help: 'Log WAL damage found and repaired at replay, by kind (torn_tail is a crash mid-write; corruption is not).',
    labelNames: ['tenant', 'kind'],
    registers: [registry],
  });
  const writeFailures = new Counter({ name: 'cairn_logstore_wal_write_failures_total', help: 'Failed log WAL writes or fsyncs per tenant; the request got a 503.', labelNames: ['tenant'], registers: [registry] });
  const stepDuration = new Histogram({
    name: 'cairn_logstore_step_duration_seconds',
    help: 'Duration of log store steps that did work: flush (sealed chunks to a block), compact, retention.',
    labelNames: ['step'],
    buckets: [0.01, 0.05, 0.25, 1, 5, 25, 120, 600],
    registers: [registry],
  });
  const stepFailures = new Counter({
    name: 'cairn_logstore_step_failures_total',
    help: 'Failed log store steps (and chunk compressions, step="compress") per tenant; retried with backoff.',
    labelNames: ['tenant', 'step'],
    registers: [registry],
  });
  return {
    onEvent(e) {
      if (e.kind === 'compactor') {
        const c = e.event;
        if (c.kind === 'step') stepDuration.observe({ step: c.step }, c.durationMs / 1000);
        else stepFailures.inc({ tenant: c.tenant, step: c.step });
      } else if (e.kind === 'compress_failed') {
        stepFailures.inc({ tenant: e.tenant, step: 'compress' });
      } else if (e.kind === 'replayed') {
        replayed.inc({ tenant: e.tenant }, e.stats.entries);
      } else if (e.event.kind === 'damage') {
        corruptions.inc({ tenant: e.tenant, kind: e.event.damage.kind });
      } else if (e.event.kind === 'write_failed' || e.event.kind === 'sync_failed') {
        writeFailures.inc({ tenant: e.tenant });
      }
    },
  };
}
