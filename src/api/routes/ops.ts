/**
 * Operational endpoints, as Mimir serves them: readiness, self-metrics, build info (in
 * Mimir's shape, which Grafana reads to classify the data source), and the effective
 * configuration and runtime overrides with secrets redacted. All are public, as in Mimir;
 * none shows tenant data or a secret.
 */
import type { FastifyInstance } from 'fastify';
import { renderConfig, type Config, type ConfigViewMode } from '../../config/config.js';
import type { Overrides } from '../../config/overrides.js';
import type { ServiceManager } from '../../util/service.js';
import type { ServerMetrics } from '../metrics.js';

/** What Cairn can do today, as Mimir's buildinfo `features` announce it. */
export interface Features {
  readonly rulerConfigApi: boolean;
  readonly alertmanagerConfigApi: boolean;
}

/** Inputs of the ops routes. */
export interface OpsDeps {
  readonly config: Config;
  readonly overrides: Overrides;
  readonly services: ServiceManager;
  readonly metrics: ServerMetrics;
  readonly version: string;
  readonly revision: string;
  readonly features: Features;
  /** True once shutdown began: `/ready` then answers 503 as Mimir does. */
  readonly stopping: () => boolean;
}

const BUILDINFO_PATHS = [
  '/api/v1/status/buildinfo',
  '/prometheus/api/v1/status/buildinfo',
  '/loki/api/v1/status/buildinfo',
  '/alertmanager/api/v1/status/buildinfo',
];

function viewMode(q: unknown): ConfigViewMode {
  const mode = (q as { mode?: string } | undefined)?.mode;
  return mode === 'diff' || mode === 'defaults' ? mode : 'all';
}

export function registerOpsRoutes(app: FastifyInstance, deps: OpsDeps): void {
  app.get('/ready', async (_req, reply) => {
    reply.type('text/plain; charset=utf-8');
    if (deps.stopping()) return reply.code(503).send('Application is stopping\n');
    if (!deps.services.allRunning()) {
      const lines = deps.services.notRunning().map((s) => `${s.name}: ${s.state}`);
      return reply.code(503).send(`Some services are not Running:\n${lines.join('\n')}\n`);
    }
    return reply.send('ready\n');
  });

  app.get('/metrics', async (_req, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });

  const buildinfo = {
    status: 'success',
    data: {
      // Grafana keys its Mimir features (the ruler editor on <prom>/config/v1/rules) on
      // this exact string; `features` below says truthfully what is available.
      application: 'Grafana Mimir',
      version: deps.version,
      revision: deps.revision,
      branch: 'main',
      buildUser: 'cairn',
      buildDate: '',
      goVersion: `cairn on node ${process.version}`,
      features: {
        ruler_config_api: String(deps.features.rulerConfigApi),
        alertmanager_config_api: String(deps.features.alertmanagerConfigApi),
        query_sharding: 'false',
        federated_rules: 'false',
      },
    },
  };
  for (const path of BUILDINFO_PATHS) app.get(path, async () => buildinfo);

  app.get('/config', async (req, reply) => reply.type('text/plain; charset=utf-8').send(renderConfig(deps.config, viewMode(req.query))));
  app.get('/runtime_config', async (_req, reply) => reply.type('text/plain; charset=utf-8').send(deps.overrides.render()));
}
