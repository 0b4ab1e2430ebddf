/**
 * `POST /admin/api/v1/flush` (admin token): cuts the metrics head and the log head of one
 * tenant (`tenant=` in the query string or form body) or of every tenant into blocks,
 * compacts and applies retention, and answers when done with what it did (`tenants` for
 * metrics, `logs` for logs). Integration tests and benchmarks use
 * it as they use VictoriaMetrics' force-flush / force-merge or Mimir's `/ingester/flush`;
 * unlike Mimir's, it waits, so the data is in blocks when the 200 arrives.
 */
import type { FastifyInstance } from 'fastify';
import { validateTenantId } from '../../model/tenant.js';
import type { LogStore } from '../../logstore/logstore.js';
import type { Tsdb } from '../../tsdb/tsdb.js';
import { CairnError } from '../../util/errors.js';

const adminOnly = { auth: { kind: 'admin' } } as const;

export function registerAdminFlushRoutes(app: FastifyInstance, tsdb: Tsdb, logs: LogStore): void {
  app.post('/admin/api/v1/flush', { config: adminOnly }, async (req) => {
    const query = (req.query ?? {}) as { tenant?: unknown };
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as { tenant?: unknown };
    const raw = query.tenant ?? body.tenant;
    if (raw !== undefined && typeof raw !== 'string') throw new CairnError('bad_data', 'invalid_request', 'parameter tenant must be given once, as a string');
    const tenant = raw === undefined || raw === '' ? undefined : raw;
    if (tenant !== undefined) validateTenantId(tenant);
    const t0 = performance.now();
    let results;
    let logResults;
    try {
      [results, logResults] = await Promise.all([tsdb.flush(tenant), logs.flush(tenant)]);
    } catch (err) {
      throw new CairnError('internal', 'flush_failed', `flush failed: ${(err as Error).message}; the data is still in the head and the WAL, and the compactor retries`, { cause: err });
    }
    return {
      status: 'success',
      data: {
        durationMs: Math.round(performance.now() - t0),
        tenants: results.map((r) => ({ tenant: r.tenant, ...r.report })),
        logs: logResults.map((r) => ({ tenant: r.tenant, ...r.report })),
      },
    };
  });
}
