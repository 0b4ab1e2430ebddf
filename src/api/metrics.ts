/**
 * Self-monitoring: one prom-client registry per server instance (so several servers can
 * be embedded in one test process), process and Node metrics, and the HTTP metrics every
 * route shares. Subsystems register their own metrics on the same registry.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The server's metrics. */
export interface ServerMetrics {
  readonly registry: Registry;
  readonly requestDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly tenantRequests: Counter<'tenant' | 'route' | 'status_code'>;
  readonly authFailures: Counter<'reason'>;
  readonly runtimeConfigReloads: Counter<'result'>;
  readonly heapTrims: Histogram<'released'>;
}

export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requestDuration: new Histogram({
      name: 'cairn_http_request_duration_seconds',
      help: 'Time from request received to response sent, by route pattern and status.',
      labelNames: ['method', 'route', 'status_code'],
      // From 1 ms (a cached auth check) to 60 s (a heavy query), roughly doubling.
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    tenantRequests: new Counter({
      name: 'cairn_tenant_requests_total',
      help: 'Requests that resolved a tenant, by tenant, route pattern and status.',
      labelNames: ['tenant', 'route', 'status_code'],
      registers: [registry],
    }),
    authFailures: new Counter({
      name: 'cairn_auth_failures_total',
      help: 'Requests refused by tenancy or auth checks, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    runtimeConfigReloads: new Counter({
      name: 'cairn_runtime_config_reloads_total',
      help: 'Runtime-config (per-tenant overrides) file reads, by result (loaded, unchanged, failed).',
      labelNames: ['result'],
      registers: [registry],
    }),
    heapTrims: new Histogram({
      name: 'cairn_heap_trim_duration_seconds',
      help: 'Time of each return of the C heap’s free memory to the system (malloc_trim, every 10 s), by whether it released any.',
      labelNames: ['released'],
      buckets: [0.0001, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers: [registry],
    }),
  };
}
