/**
 * The ruler configuration APIs, as Mimir and Loki serve them: rule groups in YAML, stored
 * per tenant in the rule store.
 *
 * - metrics (PromQL, scope `setup_metrics_rules`): `/prometheus/config/v1/rules…` and the
 *   legacy `/api/v1/rules…` (mimirtool `--use-legacy-routes`);
 * - logs (LogQL, scope `setup_logs_rules`): `/loki/api/v1/rules…` and `/api/prom/rules…`
 *   (the paths Grafana uses for a Loki ruler).
 *
 * Under each base: `GET` (all groups), `GET|POST|DELETE /{namespace}`,
 * `GET|DELETE /{namespace}/{group}`. Namespace and group are percent-encoded path segments
 * (`%2F` is a `/` inside a namespace): the router matches on the raw path and decodes
 * each parameter once, as Mimir's `url.PathUnescape` does. POST takes one group as YAML
 * whatever the `Content-Type` (mimirtool sends none) and answers 202 with Prometheus's
 * success envelope. Rule errors are plain text, as Go's `http.Error` writes them; auth
 * errors keep the family's envelope (api/errors.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Scope } from '../../auth/scopes.js';
import type { TenantLimits } from '../../config/overrides.js';
import { ruleGroupLimitError } from '../../ruler/rule-store.js';
import { formatRuleGroup, formatRuleNamespaces, parseRuleGroup } from '../../ruler/rulefmt.js';
import type { RuleGroupConfig, RuleKind, RuleStore } from '../../ruler/types.js';
import { isCairnError, type CairnError } from '../../util/errors.js';
import { statusFor } from '../errors.js';
import { tenantOf } from '../tenancy.js';

/** What the ruler configuration routes need. */
export interface RulerConfigDeps {
  readonly store: RuleStore & { count?(tenant: string, kind: RuleKind): number };
  readonly limits: TenantLimits;
}

/** One API family: its rule language, base paths, scope and Loki's or Mimir's empty-list answer. */
interface Family {
  readonly kind: RuleKind;
  readonly bases: readonly string[];
  readonly scope: Scope;
  /** Loki (and Cortex) answer an empty list with 404 `no rule groups found`; Mimir ≥ 2.0 with 200 `{}`. */
  readonly emptyIsNotFound: boolean;
}

const FAMILIES: readonly Family[] = [
  { kind: 'metrics', bases: ['/prometheus/config/v1/rules', '/api/v1/rules'], scope: 'setup_metrics_rules', emptyIsNotFound: false },
  { kind: 'logs', bases: ['/loki/api/v1/rules', '/api/prom/rules'], scope: 'setup_logs_rules', emptyIsNotFound: true },
];

/** Mimir's texts (`rulestore.ErrGroupNotFound`, `ErrGroupNamespaceNotFound`, `ErrNoRuleGroups`). */
const GROUP_NOT_FOUND = 'group does not exist';
const NAMESPACE_NOT_FOUND = 'group namespace does not exist';
const NO_RULE_GROUPS = 'no rule groups found';

/** The body of a 202, byte for byte what Mimir's `respondAccepted` writes. */
const ACCEPTED = '{"status":"success","data":null,"errorType":"","error":""}';

/** A plain-text error as Go's `http.Error` writes it. */
function sendText(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').send(`${message}\n`);
}

function sendRuleError(request: FastifyRequest, reply: FastifyReply, err: CairnError): FastifyReply {
  return sendText(reply, statusFor(err.kind, request.url), err.message);
}

function sendYaml(reply: FastifyReply, text: string): FastifyReply {
  return reply.code(200).type('application/yaml').send(text);
}

function accepted(reply: FastifyReply): FastifyReply {
  return reply.code(202).type('application/json').send(ACCEPTED);
}

/** Groups of a tenant by namespace, namespaces in the store's order. */
function byNamespace(groups: readonly { namespace: string; group: RuleGroupConfig }[]): Map<string, RuleGroupConfig[]> {
  const out = new Map<string, RuleGroupConfig[]>();
  for (const g of groups) {
    let list = out.get(g.namespace);
    if (list === undefined) out.set(g.namespace, (list = []));
    list.push(g.group);
  }
  return out;
}

/** Registers both families' configuration routes. */
export function registerRulerConfigRoutes(app: FastifyInstance, deps: RulerConfigDeps): void {
  void app.register(async (scope) => {
    // One group of YAML, whatever the Content-Type says, or none (mimirtool).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    for (const family of FAMILIES) {
      const opts = { config: { auth: { kind: 'tenant', scope: family.scope } } } as const;
      const { kind } = family;

      /** Runs a handler, answering rule errors (validation, limits) as plain text. */
      const guarded =
        (fn: (req: FastifyRequest, reply: FastifyReply, tenant: string, p: { namespace?: string; group?: string }) => FastifyReply) =>
        async (req: FastifyRequest, reply: FastifyReply) => {
          try {
            return fn(req, reply, tenantOf(req), req.params as { namespace?: string; group?: string });
          } catch (err) {
            if (isCairnError(err) && err.kind === 'bad_data') return sendRuleError(req, reply, err);
            throw err;
          }
        };

      const list = guarded((_req, reply, tenant, p) => {
        const groups = deps.store.list(tenant, kind).filter((g) => p.namespace === undefined || g.namespace === p.namespace);
        if (groups.length === 0 && family.emptyIsNotFound) return sendText(reply, 404, NO_RULE_GROUPS);
        return sendYaml(reply, formatRuleNamespaces(byNamespace(groups)));
      });

      const getGroup = guarded((_req, reply, tenant, p) => {
        const g = deps.store.get(tenant, kind, p.namespace!, p.group!);
        if (g === undefined) return sendText(reply, 404, GROUP_NOT_FOUND);
        return sendYaml(reply, formatRuleGroup(g.group));
      });

      const create = guarded((req, reply, tenant, p) => {
        const body = typeof req.body === 'string' ? req.body : '';
        const group = parseRuleGroup(body, kind);
        const limitError = ruleGroupLimitError(deps.store, deps.limits.forTenant(tenant), tenant, kind, p.namespace!, group);
        if (limitError !== undefined) throw limitError;
        deps.store.put(tenant, kind, p.namespace!, group);
        return accepted(reply);
      });

      const deleteNamespace = guarded((_req, reply, tenant, p) => {
        if (!deps.store.deleteNamespace(tenant, kind, p.namespace!)) return sendText(reply, 404, NAMESPACE_NOT_FOUND);
        return accepted(reply);
      });

      const deleteGroup = guarded((_req, reply, tenant, p) => {
        if (!deps.store.deleteGroup(tenant, kind, p.namespace!, p.group!)) return sendText(reply, 404, GROUP_NOT_FOUND);
        return accepted(reply);
      });

      for (const base of family.bases) {
        scope.get(base, opts, list);
        scope.get(`${base}/:namespace`, opts, list);
        scope.post(`${base}/:namespace`, opts, create);
        scope.delete(`${base}/:namespace`, opts, deleteNamespace);
        scope.get(`${base}/:namespace/:group`, opts, getGroup);
        scope.delete(`${base}/:namespace/:group`, opts, deleteGroup);
      }
    }
  });
}
