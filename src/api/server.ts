/**
 * Builds the HTTP application: fastify with Cairn's logger, body limit, tenancy hook,
 * error mapping, request logs and metrics, and the routes of every family built so far.
 * Only `api/` imports fastify.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Authorizer } from '../auth/authorize.js';
import type { TokenStore } from '../auth/token-store.js';
import type { Config } from '../config/config.js';
import type { Overrides } from '../config/overrides.js';
import type { Clock } from '../util/clock.js';
import { CairnError } from '../util/errors.js';
import type { ServiceManager } from '../util/service.js';
import { installCompression } from './compression.js';
import { asCairnError, sendError, statusFor } from './errors.js';
import type { ServerMetrics } from './metrics.js';
import { registerAdminFlushRoutes } from './routes/admin-flush.js';
import { registerAlertmanagerConfigRoutes, type AlertmanagerConfigDeps } from './routes/alertmanager-config.js';
import { registerAlertmanagerV2Routes, type AlertmanagerV2Deps } from './routes/alertmanager-v2.js';
import { registerAdminTokenRoutes } from './routes/admin-tokens.js';
import { registerOpsRoutes, type Features } from './routes/ops.js';
import { registerPromQueryRoutes, type PromQueryDeps } from './routes/prom-query.js';
import { registerPromReadRoutes, type PromReadDeps } from './routes/prom-read.js';
import { registerPushRoutes, type PushDeps } from './routes/push.js';
import { registerOtlpMetricsRoutes } from './routes/otlp-metrics.js';
import { registerRulerConfigRoutes, type RulerConfigDeps } from './routes/ruler-config.js';
import { registerRulerStateRoutes, type RulerStateDeps } from './routes/ruler-state.js';
import { registerLokiPushRoutes, type LokiPushDeps } from './routes/loki-push.js';
import { registerLokiQueryRoutes } from './routes/loki-query.js';
import { registerLokiTailRoutes, type LokiTailDeps } from './routes/loki-tail.js';
import { registerOtlpLogsRoutes } from './routes/otlp-logs.js';
import type { LogStore } from '../logstore/logstore.js';
import { installPushInflight } from './push-inflight.js';
import { installTenancy } from './tenancy.js';

/** Everything the HTTP layer needs, built by the composition root. */
export interface ApiDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly authorizer: Authorizer;
  readonly tokenStore: TokenStore;
  readonly overrides: Overrides;
  readonly services: ServiceManager;
  readonly metrics: ServerMetrics;
  readonly version: string;
  readonly revision: string;
  readonly features: Features;
  readonly stopping: () => boolean;
  readonly push: PushDeps;
  readonly lokiPush: LokiPushDeps;
  readonly logs: LogStore;
  /** The Loki query API and tail (store, limits, engine options). */
  readonly lokiQuery: LokiTailDeps;
  readonly promQuery: PromQueryDeps;
  readonly promRead: PromReadDeps;
  /** The ruler configuration APIs (rule groups in YAML). */
  readonly rulerConfig: RulerConfigDeps;
  /** The ruler's state APIs (`/prometheus/api/v1/rules|alerts`, and under `/logs` for log rules). */
  readonly rulerState: RulerStateDeps;
  /** Mimir's Alertmanager configuration API (`/api/v1/alerts`). */
  readonly alertmanagerConfig: AlertmanagerConfigDeps;
  /** The tenants' Alertmanager v2 API (`/alertmanager/api/v2/*`). */
  readonly alertmanagerV2: AlertmanagerV2Deps;
}

/**
 * The Loki API is also served under `/logs` (`/logs/loki/api/v1/…`, `/logs/api/prom/…`), so
 * a Grafana Loki data source with URL `http://host:9009/logs` reads its rule state from
 * `/logs/prometheus/api/v1/rules` while a Mimir data source on `http://host:9009/prometheus`
 * reads the metric rules' state from `/prometheus/api/v1/rules` (the two would be the same
 * path with both data sources on the root). The rewrite runs before routing.
 */
export function lokiUnderLogs(url: string): string {
  if (!url.startsWith('/logs/')) return url;
  const rest = url.slice(5);
  return rest.startsWith('/loki/') || rest.startsWith('/api/prom/') ? rest : url;
}

/** Route label for metrics and logs: the route pattern, never the raw URL (cardinality). */
function routeLabel(pattern: string | null): string {
  return pattern ?? 'unmatched';
}

/**
 * The level of a request's log line, as Mimir's and Loki's logging middleware (dskit)
 * picks it: answers 1xx–4xx, 502 and 503 at debug (info with
 * `server.log_request_at_info_level_enabled`), other 5xx at warn. At debug by default, a
 * Prometheus remote-writing every second does not write tens of thousands of lines an hour.
 */
export function requestLogLevel(status: number, atInfo: boolean): 'debug' | 'info' | 'warn' {
  if ((status >= 100 && status < 500) || status === 502 || status === 503) return atInfo ? 'info' : 'debug';
  return 'warn';
}

export function buildApi(deps: ApiDeps): FastifyInstance {
  const maxBody = deps.config.distributor.maxRecvMsgSize;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // One request line is written by our onResponse hook, with tenant and route.
    logController: new LogController({ disableRequestLogging: true }),
    // Requests log through the server's logger itself, not a child bound to the request id
    // per request (~9 µs of a small query's ~150): the few request log lines below name the
    // request id themselves.
    childLoggerFactory: (logger) => logger,
    bodyLimit: maxBody,
    // Prometheus sends up to 30 s of samples after an outage; a slow query may take the
    // full query timeout. 0 leaves request timeouts to the engines' own deadlines.
    requestTimeout: 0,
    rewriteUrl: (req) => lokiUnderLogs(req.url ?? '/'),
  });

  installTenancy(app, deps.authorizer);
  installCompression(app, { level: deps.config.server.responseCompressionLevel, minBytes: deps.config.server.responseCompressionMinSize });
  const instanceLimits = deps.config.distributor.instanceLimits;
  installPushInflight(app, { maxRequests: instanceLimits.maxInflightPushRequests, maxBytes: instanceLimits.maxInflightPushRequestsBytes }, deps.metrics.registry);

  app.setErrorHandler((err, request, reply) => {
    const known = asCairnError(err, maxBody);
    if (known !== undefined) {
      if (known.kind === 'unauthenticated' || known.kind === 'forbidden' || known.reason === 'missing_tenant' || known.reason === 'invalid_tenant' || known.reason === 'tenant_mismatch') {
        deps.metrics.authFailures.inc({ reason: known.reason });
        // Loud on purpose: clients drop data refused with 401/403 without retrying.
        request.log.warn({ reqId: request.id, reason: known.reason, route: routeLabel(request.routeUrl), status: statusFor(known.kind, request.url) }, known.message);
      }
      return sendError(request, reply, known);
    }
    request.log.error({ reqId: request.id, err, route: routeLabel(request.routeUrl) }, 'request failed');
    return sendError(request, reply, new CairnError('internal', 'internal', 'internal server error; see the server log'));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    return sendError(request, reply, new CairnError('not_found', 'route_not_found', `no route ${request.method} ${path.slice(0, 200)}`));
  });

  const atInfo = deps.config.server.logRequestAtInfoLevelEnabled;
  // A callback hook, not an async one: no promise and no extra turn per request.
  app.addHook('onResponse', (request, reply, done) => {
    const route = routeLabel(request.routeUrl);
    const status = String(reply.statusCode);
    const seconds = reply.elapsedTime / 1000;
    deps.metrics.requestDuration.observe({ method: request.method, route, status_code: status }, seconds);
    const tenant = request.principal?.tenant ?? undefined;
    if (tenant !== undefined) deps.metrics.tenantRequests.inc({ tenant, route, status_code: status });
    const level = requestLogLevel(reply.statusCode, atInfo);
    // Skip building the line when the level is off (the default for every answer below 500).
    if (deps.logger.isLevelEnabled(level)) {
      request.log[level]({ reqId: request.id, method: request.method, route, status: reply.statusCode, durationMs: Math.round(reply.elapsedTime * 100) / 100, tenant }, 'request');
    }
    done();
  });

  registerOpsRoutes(app, deps);
  registerAdminTokenRoutes(app, deps.tokenStore, deps.clock);
  registerAdminFlushRoutes(app, deps.promQuery.tsdb, deps.logs);
  registerPushRoutes(app, deps.push);
  // OTLP metrics take remote write's path; the translation reads the tenant's full limits.
  registerOtlpMetricsRoutes(app, { ...deps.push, limits: deps.overrides, maxRecvMsgSize: deps.config.distributor.maxOtlpRequestSize });
  registerLokiPushRoutes(app, deps.lokiPush);
  // Same deps as Loki push; the tenant limits carry the OTLP index-label list too.
  registerOtlpLogsRoutes(app, { ...deps.lokiPush, limits: deps.overrides, maxRecvMsgSize: deps.config.distributor.maxOtlpRequestSize });
  registerLokiQueryRoutes(app, deps.lokiQuery);
  registerLokiTailRoutes(app, deps.lokiQuery);
  registerPromQueryRoutes(app, deps.promQuery);
  registerPromReadRoutes(app, deps.promRead);
  registerRulerConfigRoutes(app, deps.rulerConfig);
  registerRulerStateRoutes(app, deps.rulerState);
  registerAlertmanagerConfigRoutes(app, deps.alertmanagerConfig);
  registerAlertmanagerV2Routes(app, deps.alertmanagerV2);
  return app;
}
