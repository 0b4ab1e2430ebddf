/**
 * Log ingestion self-metrics, as Loki's distributor exports them
 * (`loki_distributor_lines_received_total`, `loki_discarded_samples_total{reason}`, …):
 * what arrived and what was refused by reason (the CairnErrors' reason codes), per tenant.
 */
import { Counter, type Registry } from 'prom-client';

export interface LogIngestMetrics {
  readonly receivedLines: Counter<'tenant'>;
  readonly receivedBytes: Counter<'tenant'>;
  readonly discardedLines: Counter<'tenant' | 'reason'>;
  readonly discardedBytes: Counter<'tenant' | 'reason'>;
}

export function createLogIngestMetrics(registry: Registry): LogIngestMetrics {
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) => new Counter<L>({ name, help, labelNames, registers: [registry] });
  return {
    receivedLines: counter('cairn_distributor_lines_received_total', 'Log lines accepted into the log store, per tenant.', ['tenant']),
    receivedBytes: counter('cairn_distributor_bytes_received_total', 'Bytes of log lines (and structured metadata) accepted, per tenant.', ['tenant']),
    discardedLines: counter('cairn_discarded_log_lines_total', 'Log lines refused, per tenant and reason.', ['tenant', 'reason']),
    discardedBytes: counter('cairn_discarded_log_bytes_total', 'Bytes of log lines refused, per tenant and reason.', ['tenant', 'reason']),
  };
}
