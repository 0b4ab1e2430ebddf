/**
 * A per-tenant gauge read at scrape time (prom-client `collect`): both stores export
 * their per-tenant sizes this way instead of updating gauges on every change.
 */
import { Gauge, type Registry } from 'prom-client';

export function tenantGauge(registry: Registry, name: string, help: string, read: () => Iterable<[tenant: string, value: number]>): Gauge<'tenant'> {
  return new Gauge({
    name,
    help,
    labelNames: ['tenant'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [tenant, value] of read()) this.set({ tenant }, value);
    },
  });
}
