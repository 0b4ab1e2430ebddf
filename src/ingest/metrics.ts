/**
 * Ingestion self-metrics, on the server's registry: what arrived, and what was refused
 * by reason (the reason codes of the CairnErrors), per tenant, as Mimir's
 * `cortex_discarded_samples_total{reason,user}`.
 */
import { Counter, type Registry } from 'prom-client';

export interface IngestMetrics {
  readonly receivedSamples: Counter<'tenant'>;
  readonly receivedExemplars: Counter<'tenant'>;
  readonly receivedMetadata: Counter<'tenant'>;
  readonly discardedSamples: Counter<'tenant' | 'reason'>;
  readonly discardedExemplars: Counter<'tenant' | 'reason'>;
  readonly discardedMetadata: Counter<'tenant' | 'reason'>;
}

export function createIngestMetrics(registry: Registry): IngestMetrics {
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) => new Counter<L>({ name, help, labelNames, registers: [registry] });
  return {
    receivedSamples: counter('cairn_distributor_received_samples_total', 'Samples accepted into the store, per tenant.', ['tenant']),
    receivedExemplars: counter('cairn_distributor_received_exemplars_total', 'Exemplars accepted into the store, per tenant.', ['tenant']),
    receivedMetadata: counter('cairn_distributor_received_metadata_total', 'Metric metadata entries accepted, per tenant.', ['tenant']),
    discardedSamples: counter('cairn_discarded_samples_total', 'Samples refused, per tenant and reason.', ['tenant', 'reason']),
    discardedExemplars: counter('cairn_discarded_exemplars_total', 'Exemplars refused, per tenant and reason.', ['tenant', 'reason']),
    discardedMetadata: counter('cairn_discarded_metadata_total', 'Metric metadata entries refused, per tenant and reason.', ['tenant', 'reason']),
  };
}
