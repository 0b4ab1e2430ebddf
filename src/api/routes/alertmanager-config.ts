/**
 * Mimir's per-tenant Alertmanager configuration API (scope `setup_alerts`), at the root
 * as Mimir serves it (Grafana's Mimir Alertmanager data source calls it there):
 *
 * - `GET /api/v1/alerts`: 200 `application/yaml` with `template_files` and
 *   `alertmanager_config`; 404 `alertmanager storage object not found` when the tenant
 *   stored none (Grafana matches this text; the tenant still runs on the fallback);
 * - `POST /api/v1/alerts`: the same document, any Content-Type or none; 201 with an empty
 *   body, or 400 with Mimir's text (`error marshalling YAML Alertmanager config: …`,
 *   `error validating Alertmanager config: …`, the size limit);
 * - `DELETE /api/v1/alerts`: 200 with an empty body, also when nothing was stored.
 *
 * Errors are plain text as Go's `http.Error` writes them; auth errors keep the family's
 * envelope (api/errors.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConfigValidationError } from '../../alertmanager/config.js';
import type { SqliteAlertmanagerConfigStore } from '../../alertmanager/config-store.js';
import { formatUserConfig, parseUserConfig, validateUserConfig } from '../../alertmanager/config-user.js';
import { ConfigDecodeError } from '../../alertmanager/config-yaml.js';
import type { TenantLimits } from '../../config/overrides.js';
import { tenantOf } from '../tenancy.js';

/** What the configuration routes need. */
export interface AlertmanagerConfigDeps {
  readonly store: Pick<SqliteAlertmanagerConfigStore, 'get' | 'put' | 'delete'>;
  readonly limits: TenantLimits;
}

/** Mimir's texts (`pkg/alertmanager/api.go`, `alertspb.ErrNotFound`). */
const NOT_FOUND = 'alertmanager storage object not found';
const ERR_MARSHALLING = 'error marshalling YAML Alertmanager config';
const ERR_VALIDATING = 'error validating Alertmanager config';

/** A plain-text error as Go's `http.Error` writes it. */
function sendText(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').send(`${message}\n`);
}

/** Registers `GET|POST|DELETE /api/v1/alerts`. */
export function registerAlertmanagerConfigRoutes(app: FastifyInstance, deps: AlertmanagerConfigDeps): void {
  void app.register(async (scope) => {
    // The document is YAML whatever the Content-Type says (mimirtool and Grafana send none or their own).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    const opts = { config: { auth: { kind: 'tenant', scope: 'setup_alerts' } } } as const;

    scope.get('/api/v1/alerts', opts, async (req: FastifyRequest, reply: FastifyReply) => {
      const cfg = deps.store.get(tenantOf(req));
      if (cfg === undefined) return sendText(reply, 404, NOT_FOUND);
      return reply.code(200).type('application/yaml').send(formatUserConfig(cfg));
    });

    scope.post('/api/v1/alerts', opts, async (req: FastifyRequest, reply: FastifyReply) => {
      const tenant = tenantOf(req);
      const limits = deps.limits.forTenant(tenant);
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const max = limits.alertmanagerMaxConfigSizeBytes;
      if (max > 0 && body.length > max) return sendText(reply, 400, `Alertmanager configuration is too big, limit: ${max} bytes`);
      let user;
      try {
        user = parseUserConfig(body.toString('utf8'));
      } catch (e) {
        if (e instanceof ConfigDecodeError) return sendText(reply, 400, `${ERR_MARSHALLING}: ${e.message}`);
        throw e;
      }
      let parsed;
      try {
        parsed = validateUserConfig(user, limits);
      } catch (e) {
        if (e instanceof ConfigValidationError) return sendText(reply, 400, `${ERR_VALIDATING}: ${e.message}`);
        throw e;
      }
      deps.store.put(tenant, user, parsed);
      return reply.code(201).send();
    });

    scope.delete('/api/v1/alerts', opts, async (req: FastifyRequest, reply: FastifyReply) => {
      deps.store.delete(tenantOf(req));
      return reply.code(200).send();
    });
  });
}
